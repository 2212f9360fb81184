"""nnbook.i18n: catalogs, the active language, locale-aware numbers."""

from __future__ import annotations

import os

import pytest

from nnbook import i18n
from nnbook.site import catalogs

# Literal translations from the catalogs (locales/<lang>/LC_MESSAGES/nnbook.po).
EXPECTED = {
    "da": {"Loss during training": "Tab under træningen", "ant": "myre"},
    "sv": {"Loss during training": "Förlust under träningen", "ant": "myra"},
    "ko": {"Loss during training": "학습 중 손실", "ant": "개미"},
    "nl": {"Loss during training": "Loss tijdens het trainen", "ant": "mier"},
}


def test_activate_translates_into_each_language():
    assert set(EXPECTED) == set(i18n.LANGUAGES)
    seen: dict[str, str] = {}
    for lang in i18n.LANGUAGES:
        i18n.activate(lang)
        assert i18n.current_language() == lang
        for msgid, expected in EXPECTED[lang].items():
            text = i18n._(msgid)
            assert text != msgid, f"{lang}: {msgid!r} left in English"
            assert text == expected, f"{lang}: {msgid!r} gives {text!r}, expected {expected!r}"
        seen[lang] = i18n._("Loss during training")
    # four languages, four different words: no language got another language's catalog
    assert len(set(seen.values())) == len(i18n.LANGUAGES), seen


def test_numbers_follow_the_locale():
    i18n.activate("da")
    assert i18n.number(1234.5678, 3) == "1.234,568"
    assert i18n.number(0.764, 2) == "0,76"
    assert i18n.percent(0.9731, 1) == "97,3\xa0%"
    i18n.activate("ko")
    assert i18n.number(1234.5678, 3) == "1,234.568"
    assert i18n.percent(0.9731, 1) == "97.3%"
    i18n.activate("nl")
    assert i18n.percent(0.5, 0) == "50%"


def test_unknown_language_is_refused():
    with pytest.raises(i18n.TranslationError, match="unknown language 'fr'"):
        i18n.activate("fr")


def test_missing_translation_names_the_catalog():
    i18n.activate("sv")
    with pytest.raises(i18n.TranslationError, match=r"sv/LC_MESSAGES/nnbook.po: no translation"):
        i18n._("A sentence nobody marked for translation")


def test_broken_po_reports_file_and_line(scratch_locales):
    po = scratch_locales / "da" / "LC_MESSAGES" / "nnbook.po"
    lines = po.read_text(encoding="utf-8").splitlines()
    lines.append('msgid "unterminated')  # a syntax error on the last line
    po.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(i18n.TranslationError) as info:
        i18n.activate("da")
    assert f"{po}:{len(lines)}:" in str(info.value)


def test_untranslated_and_fuzzy_entries_are_listed_with_lines(scratch_locales):
    po = scratch_locales / "sv" / "LC_MESSAGES" / "nnbook.po"
    text = po.read_text(encoding="utf-8")
    text += '\n#, fuzzy\nmsgid "Fuzzy thing"\nmsgstr "Luddig sak"\n'
    text += '\nmsgid "Empty thing"\nmsgstr ""\n'
    po.write_text(text, encoding="utf-8")
    found = {p.msgid: p for p in i18n.problems("sv")}
    assert found["Fuzzy thing"].kind == "fuzzy"
    assert found["Empty thing"].kind == "missing"
    lines = po.read_text(encoding="utf-8").splitlines()
    assert lines[found["Empty thing"].line - 1] == 'msgid "Empty thing"'
    with pytest.raises(i18n.TranslationError, match="catalog not complete"):
        i18n.compile_language("sv")


def test_update_keeps_translations_and_adds_new_strings(scratch_locales):
    po = scratch_locales / "ko" / "LC_MESSAGES" / "nnbook.po"
    before = i18n.read_catalog(po, "ko")
    # A string the code no longer has disappears; a string the code has appears.
    before.add("A string that left the code", "사라진 문장")
    with po.open("wb") as f:
        catalogs.write_po(f, before)
    catalogs.update()  # extraction from code/ into the scratch catalogs
    after = i18n.read_catalog(po, "ko")
    assert after.get("Loss during training").string == "학습 중 손실"  # kept
    assert after.get("A string that left the code") is None
    assert {str(m.id) for m in catalogs.extract() if m.id} <= {str(m.id) for m in after if m.id}


def test_a_catalog_restored_with_an_old_date_is_compiled_again(scratch_locales):
    po = scratch_locales / "da" / "LC_MESSAGES" / "nnbook.po"
    i18n.activate("da")
    stamp = po.stat()
    text = po.read_text(encoding="utf-8").replace('msgstr "myre"', 'msgstr "myren"')
    po.write_text(text, encoding="utf-8")
    os.utime(po, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # as `cp -p` or a CI cache
    i18n.activate("da")
    assert i18n._("ant") == "myren"


def test_two_catalog_folders_do_not_share_a_compiled_file(scratch_locales, monkeypatch):
    theirs = i18n.mo_path("da")
    monkeypatch.delenv("NNBOOK_LOCALES")
    assert i18n.mo_path("da") == theirs  # the same text, the same compiled file
    po = scratch_locales / "da" / "LC_MESSAGES" / "nnbook.po"
    po.write_text(po.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    monkeypatch.setenv("NNBOOK_LOCALES", str(scratch_locales))
    assert i18n.mo_path("da") != theirs


def test_an_empty_locales_variable_means_unset(monkeypatch):
    monkeypatch.setenv("NNBOOK_LOCALES", "")
    assert i18n.locales_dir() == i18n.REPO / "locales"


def test_a_negative_number_has_a_minus_sign_not_a_hyphen():
    i18n.activate("da")
    assert i18n.number(-2, 0) == "\u22122" and i18n.percent(-0.012) == "\u22121,2\xa0%"
