"""nnbook.site.scope: which languages and stages a change touches."""

from __future__ import annotations

import pytest

from nnbook.site import scope


@pytest.mark.parametrize(("files", "code_changed", "expected"), [
    (["book/da/04-training-loop.md"], False, (["da"], False, False)),  # prose only
    (["book/da/04-training-loop.md"], True, (["da"], True, False)),  # a code cell changed
    (["book/sv/01-tensors.md", "book/ko/02-perceptron.md"], False, (["sv", "ko"], False, False)),
    (["locales/nl/LC_MESSAGES/nnbook.po"], False, (["nl"], True, False)),  # what the package prints
    (["book/da/01-tensors.md", "code/nnbook/train.py"], False,
     (["da", "sv", "ko", "nl"], True, True)),
    (["README.md"], False, ([], False, False)),  # not part of the site
    (["README.md", "book/ko/01-tensors.md"], False, (["ko"], False, False)),
    (["_config.yml"], False, (["da", "sv", "ko", "nl"], True, True)),
])
def test_scope_of_a_change(monkeypatch, files, code_changed, expected):
    monkeypatch.setattr(scope, "changed_files", lambda base: files)
    monkeypatch.setattr(scope, "_code_cells_at",
                        lambda rev, path: [rev] if code_changed else ["same"])
    assert scope.scope("base") == expected
