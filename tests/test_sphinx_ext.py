"""nnbook.site.sphinx helpers that need no build: Korean search, code without prose."""

from __future__ import annotations

from nnbook.site.sphinx import strip_korean_particle, without_prose


def test_korean_particles_are_stripped():
    assert strip_korean_particle("텐서를") == "텐서"
    assert strip_korean_particle("기울기에서") == "기울기"
    assert strip_korean_particle("값이") == "값"
    assert strip_korean_particle("텐서들을") == "텐서"
    assert strip_korean_particle("이") == "이"  # one syllable stays
    assert strip_korean_particle("tensor") == "tensor"


def test_package_code_on_a_page_loses_its_english_prose():
    source = '''class Net(nn.Module):
    """The docstring,
    on two lines."""

    def forward(self, x):  # a comment
        # a line of comment
        text = "a string value"  # kept: not a statement of its own
        """A bare string statement."""
        return f(x, "# not a comment")
'''
    assert without_prose(source) == '''class Net(nn.Module):
    def forward(self, x):
        text = "a string value"
        return f(x, "# not a comment")'''


def test_an_indented_fragment_keeps_its_indentation():
    fragment = "    for x in xs:\n        y = x  # why\n        z = (y,\n"
    assert without_prose(fragment) == fragment  # a cut-off bracket: shown as it is
    whole = "    for x in xs:\n        y = x  # why\n"
    assert without_prose(whole) == "    for x in xs:\n        y = x"


def test_a_change_to_the_renderer_makes_the_next_build_rewrite_every_page(tmp_path,
                                                                          monkeypatch):
    """Sphinx does not see our extension, templates or static files change: the build's
    state (what decides --all) digests them."""
    from nnbook.site import build

    site = tmp_path / "code" / "nnbook" / "site"
    (site / "templates").mkdir(parents=True)
    (site / "sphinx.py").write_text("x = 1\n")
    (site / "templates" / "page.html").write_text("<p></p>\n")
    monkeypatch.setattr(build, "REPO", tmp_path)
    before = build.renderer_fingerprint()
    (site / "templates" / "page.html").write_text("<p>new</p>\n")
    assert build.renderer_fingerprint() != before


def test_the_inline_script_is_plain_javascript_the_layout_can_include():
    """templates/nnbook.js goes into every page through Jinja (layout.html): no template
    syntax in it, nothing that ends the <script> early, and it parses (when Node is here)."""
    import shutil
    import subprocess
    from pathlib import Path

    from nnbook.site.sphinx import TEMPLATES

    script = TEMPLATES / "nnbook.js"
    text = script.read_text(encoding="utf-8")
    for mark in ("{{", "{%", "{#", "</script", "<!--"):
        assert mark not in text, f"{script.name} holds {mark!r}"
    assert '{% include "nnbook.js" %}' in (TEMPLATES / "layout.html").read_text(encoding="utf-8")
    node = shutil.which("node")
    if node:
        result = subprocess.run([node, "--check", str(Path(script))], capture_output=True,
                                text=True)
        assert result.returncode == 0, result.stderr
