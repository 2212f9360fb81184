"""nnbook.site.report: the execution reports the build saves and reads back."""

from __future__ import annotations

from nnbook.site import report


def test_a_damaged_report_is_left_out_not_the_end_of_the_build(tmp_path, capsys):
    report.write_language(tmp_path, "da", [], 1.0, ok=True)
    (tmp_path / "report" / "sv.json").write_text('{"lang": "sv", "pag', encoding="utf-8")
    assert [saved["lang"] for saved in report.load(tmp_path)] == ["da"]
    assert "sv.json" in capsys.readouterr().err
