"""The hosted CI's way of building (each language in its own folder from restored caches,
then assembled: nnbook.site.split) gives the same site as one build, file for file."""

from __future__ import annotations

import pytest

from nnbook import i18n
from nnbook.site import split
from nnbook.site.build import BUILD

pytestmark = [pytest.mark.build, pytest.mark.machinery]


def test_languages_built_apart_and_assembled_equal_one_build(tmp_path):
    langs = list(i18n.LANGUAGES)
    if not all((BUILD / cache).exists() for lang in langs for cache in split.language_caches(lang)):
        # The hosted CI's site job holds an assembled site, not a one-build one.
        pytest.skip(f"{BUILD} is not a one-build site (`make build`): nothing to compare with")
    for lang in langs:
        split.build_language_alone(BUILD, tmp_path, lang)
    site, _ = split.assemble(BUILD, tmp_path, langs)
    assert (site / "html" / "dist").is_dir() and (site / "html" / "status.html").is_file()
    assert split.differences(BUILD / "html", site / "html", langs) == []
