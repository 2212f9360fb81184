"""The licences: files at the root, the reader's wheel's metadata, every page's footer (fast)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from nnbook import i18n
from nnbook.site import sphinx
from nnbook.site.wheel import build_wheel

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "code" / "nnbook" / "site" / "templates" / "nnbook-licence.html"
FOOTER_WORDS = {"Code: MIT licence": "MIT", "Text and figures: CC BY 4.0": "CC BY 4.0"}


def test_the_licence_files_name_their_licences():
    code = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert code.startswith("MIT License") and "Copyright (c) 2026 the nnbook authors" in code
    text = (REPO / "LICENSE-TEXT").read_text(encoding="utf-8")
    assert "CC BY 4.0" in text
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in text
    font = (REPO / "code" / "nnbook" / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License, Version 1.1" in font and "NAVER Corporation" in font


def test_the_wheels_metadata_names_its_licences_and_carries_their_files(tmp_path):
    """The wheel holds the code (MIT) and the Korean font (OFL 1.1), not the book's text."""
    with zipfile.ZipFile(build_wheel(tmp_path)) as wheel:
        names = wheel.namelist()
        info = next(n for n in names if n.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
        metadata = wheel.read(f"{info}/METADATA").decode()
        shipped = wheel.read(f"{info}/licenses/LICENSE").decode()
    assert re.search(r"^License-Expression: MIT AND OFL-1\.1$", metadata, re.M), metadata
    files = re.findall(r"^License-File: (.+)$", metadata, re.M)
    assert files == ["LICENSE", "code/nnbook/fonts/OFL.txt"], files
    assert f"{info}/licenses/code/nnbook/fonts/OFL.txt" in names
    assert "nnbook/fonts/NanumGothic.ttf" in names  # why OFL-1.1 is in the expression
    assert shipped == (REPO / "LICENSE").read_text(encoding="utf-8")


def test_the_footer_links_both_licences():
    template = TEMPLATE.read_text(encoding="utf-8")
    assert 'href="https://opensource.org/license/mit" rel="license"' in template
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"' in template
    for msgid in FOOTER_WORDS:
        assert f'_("{msgid}")|e' in template


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_each_language_names_both_licences_in_its_own_words(lang):
    translations = sphinx.theme_translations(lang)
    for msgid, name in FOOTER_WORDS.items():
        text = translations.gettext(msgid)
        assert text != msgid and name in text, f"{lang}: {msgid!r} -> {text!r}"
