"""Staleness by section (nnbook.site.sections, status): in a scratch git repository, one
section of an origin edited, exactly that section is reported for every translation."""

from __future__ import annotations

import subprocess
from pathlib import Path

from nnbook.site import sections, status

ORIGIN = """---
nnbook: {origin: da}
---

# Kapitel

Indledning.

## Data

Vi læser data.

```{code-cell} ipython3
# ## not a heading: inside a code cell
x = 1
```

## Træning

Vi træner netværket i tre epoker.

## Opsummering

Slut.
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


def scratch_book(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    book = repo / "book"
    (book / "da").mkdir(parents=True)
    origin = book / "da" / "01-x.md"
    origin.write_text(ORIGIN, encoding="utf-8")
    digest = status.sha12(origin)
    for lang in ("sv", "ko", "nl"):
        (book / lang).mkdir()
        (book / lang / "01-x.md").write_text(
            f"---\nnnbook: {{origin: da, translated_from: {digest}}}\n---\n\n# X\n\n```"
            "{code-cell} ipython3\nx = 1\n```\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "book")
    return book


def test_split_sections_ignores_hashes_inside_code():
    headings = [s.heading for s in sections.split_sections(ORIGIN)]
    assert headings == ["# Kapitel", "## Data", "## Træning", "## Opsummering"]


def test_one_edited_section_is_reported_in_every_translation(tmp_path):
    book = scratch_book(tmp_path)
    origin = book / "da" / "01-x.md"
    # a change of one word that keeps every heading where it was
    origin.write_text(ORIGIN.replace("i tre epoker", "i fire epoker"), encoding="utf-8")
    git(book.parent, "commit", "-qam", "four epochs")
    for lang in ("sv", "ko", "nl"):
        entry = status.chapter_entry("01-x.md", lang, book)
        assert entry.stale
        changes = entry.changes
        assert [h for h, _ in changes.changed] == ["## Træning"]
        assert changes.unchanged == ["# Kapitel", "## Data", "## Opsummering"]
        assert not changes.added and not changes.removed
        diff = changes.changed[0][1]
        assert "-Vi træner netværket i tre epoker." in diff
        assert "+Vi træner netværket i fire epoker." in diff
    text, code = status.report(book)
    assert code == 0
    assert "sv/01-x.md (origin da): changed '## Træning'; 3 section(s) unchanged" in text
    assert "+Vi træner netværket i fire epoker." in status.status_html(book)


def test_new_and_removed_sections_are_named(tmp_path):
    book = scratch_book(tmp_path)
    origin = book / "da" / "01-x.md"
    origin.write_text(ORIGIN.replace("## Opsummering\n\nSlut.\n", "## Øvelser\n\nPrøv selv.\n"),
                      encoding="utf-8")  # not committed: the working tree is compared too
    changes = status.chapter_entry("01-x.md", "sv", book).changes
    assert changes.added == ["## Øvelser"] and changes.removed == ["## Opsummering"]
    assert changes.changed == []


def test_a_version_in_no_commit_says_so(tmp_path):
    book = scratch_book(tmp_path)
    path = book / "sv" / "01-x.md"
    path.write_text(path.read_text().replace("translated_from: ", "translated_from: 000000"),
                    encoding="utf-8")
    changes = status.chapter_entry("01-x.md", "sv", book).changes
    assert not changes.found and "compare the whole chapter" in changes.summary()
