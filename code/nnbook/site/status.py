"""Translation status: per chapter and language, is it there, do its code cells match,
is it behind its origin, and how complete are the catalogs.

Every chapter has one origin language (front matter ``nnbook: {origin: nl}``); each
translation records the origin file it follows (``translated_from``: the first 12 hex
digits of the origin file's sha256). A translation whose hash differs from the origin's
current one is *stale*: a warning for the translator, not an error.

Code cells must be the same in every language except comments and the one line
``nnbook.setup("xx")``; ``parity_problems()`` names file, language and cell that differ.

``python -m nnbook status`` prints the table; the build writes it as ``status.html``.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import yaml

from nnbook import i18n
from nnbook.paths import source_dir
from nnbook.site import sections

LANGS = list(i18n.LANGUAGES)
CHAPTER_RE = re.compile(r"^\d\d-[\w-]+\.md$")
FENCE_RE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*\{code-cell\}")
_LANG_ALTERNATIVES = "|".join(LANGS)
SETUP_RE = re.compile(r"""nnbook\.setup\(\s*(["'])(?:""" + _LANG_ALTERNATIVES + r")\1")


def book_dir() -> Path:
    """The book whose status is asked for: ``book/`` of the source (``NNBOOK_SOURCE``, read
    now: a scratch copy in the tests), as ``nnbook.site.build`` builds it."""
    return source_dir() / "book"


def sha12(path: Path) -> str:
    """First 12 hex digits of a file's sha256: what ``translated_from`` records."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def front_matter(path: Path) -> dict:
    """The YAML front matter of a MyST page ({} when it has none)."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        return {}
    return yaml.safe_load(text[3:end]) or {}


def nnbook_meta(path: Path) -> dict:
    """The ``nnbook:`` block of a page's front matter: origin, translated_from."""
    meta = front_matter(path).get("nnbook") or {}
    return meta if isinstance(meta, dict) else {}


def strip_comments(source: str) -> str:
    """Python source without comments, trailing blanks and empty lines."""
    lines = source.splitlines()
    cuts: dict[int, int] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source + "\n").readline):
            if tok.type == tokenize.COMMENT:
                cuts[tok.start[0] - 1] = tok.start[1]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # Not valid Python (a cell magic, say): drop whole-line comments only.
        cuts = {i: 0 for i, line in enumerate(lines) if line.lstrip().startswith("#")}
    kept = [(line[: cuts[i]] if i in cuts else line).rstrip() for i, line in enumerate(lines)]
    return "\n".join(line for line in kept if line.strip())


def normalise(source: str) -> str:
    """A code cell as parity compares it: no comments, the page's language replaced."""
    return SETUP_RE.sub('nnbook.setup("<lang>"', strip_comments(source))


def raw_code_cells(path: Path) -> list[str]:
    """The sources of a MyST notebook's ``{code-cell}`` blocks, in order, as written."""
    cells, current, fence = [], None, ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if current is None:
            match = FENCE_RE.match(line)
            if match:
                current, fence = [], match["fence"]
        elif line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(
            fence[0]
        ):
            cells.append("\n".join(current))
            current = None
        else:
            current.append(line)
    return cells


def code_cells(path: Path) -> list[str]:
    """A chapter's code cells, normalised for parity (comments and setup language out)."""
    return [normalise(cell) for cell in raw_code_cells(path)]


def chapters(book: Path) -> list[str]:
    """Chapter file names (``01-tensors.md``...) found in any language folder."""
    found = (p.name for lang in LANGS for p in (book / lang).glob("*.md"))
    return sorted({name for name in found if CHAPTER_RE.match(name)})


def pages(book: Path) -> list[str]:
    """Every translated page: the chapters, then the book's other pages (``run-it-yourself.md``,
    on running the chapters), each with an origin like a chapter; not a language's front page
    (``index.md``)."""
    found = {p.name for lang in LANGS for p in (book / lang).glob("*.md")} - {"index.md"}
    numbered = chapters(book)
    return numbered + sorted(found - set(numbered))


def origin_of(chapter: str, book: Path) -> str | None:
    """The chapter's origin language: what its versions' front matter says (origin first)."""
    found = []
    for lang in LANGS:
        path = book / lang / chapter
        if path.is_file():
            origin = nnbook_meta(path).get("origin")
            if origin == lang:
                return lang
            if origin:
                found.append(origin)
    return found[0] if found else None


def _first_difference(a: str, b: str) -> str:
    """The first line where two normalised cells differ, shown briefly."""
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "<nothing>"
        y = lb[i] if i < len(lb) else "<nothing>"
        if x != y:
            return f"{x.strip()!r} vs {y.strip()!r}"
    return "whitespace"


def chapter_parity(chapter: str, lang: str, book: Path) -> list[str]:
    """Where ``book/<lang>/<chapter>`` differs in code from the chapter's reference version.

    The reference is the origin language's file (or, lacking it, the first language that
    has the chapter). Messages name file, language and cell number (1-based).
    """
    path = book / lang / chapter
    origin = origin_of(chapter, book)
    candidates = ([origin] if origin else []) + LANGS
    ref_lang = next((x for x in candidates if (book / x / chapter).is_file()), None)
    if not path.is_file() or ref_lang is None or ref_lang == lang:
        return []
    ref_path = book / ref_lang / chapter
    ours, ref = code_cells(path), code_cells(ref_path)
    where = f"book/{lang}/{chapter} ({lang})"
    problems = []
    if len(ours) != len(ref):
        problems.append(
            f"{where}: {len(ours)} code cells, book/{ref_lang}/{chapter} has {len(ref)}"
        )
    for number, (a, b) in enumerate(zip(ours, ref, strict=False), start=1):
        if a != b:
            problems.append(
                f"{where}: code cell {number} differs from book/{ref_lang}/{chapter}: "
                f"{_first_difference(a, b)}"
            )
    setups = [cell for cell in raw_code_cells(path) if SETUP_RE.search(cell)]
    if setups and f'nnbook.setup("{lang}"' not in "".join(setups).replace("'", '"'):
        problems.append(f"{where}: nnbook.setup(...) does not name the page's language {lang!r}")
    return problems


def parity_problems(book: Path) -> list[str]:
    """Every code-cell difference between the language versions of every page."""
    return [msg for chapter in pages(book) for lang in LANGS
            for msg in chapter_parity(chapter, lang, book)]


@dataclass(frozen=True)
class Entry:
    """The status of one chapter in one language."""

    chapter: str
    lang: str
    present: bool
    origin: str | None
    parity: list[str]
    stale: bool | None  # None: the origin itself, or no origin to compare with
    note: str = ""
    changes: sections.SectionChanges | None = None  # a stale one: the origin's sections

    @property
    def is_origin(self) -> bool:
        return self.lang == self.origin


def chapter_entry(chapter: str, lang: str, book: Path) -> Entry:
    """Present? code parity? stale against the origin? for one chapter and language."""
    path = book / lang / chapter
    origin = origin_of(chapter, book)
    if not path.is_file():
        return Entry(chapter, lang, False, origin, [], None, "missing")
    parity = chapter_parity(chapter, lang, book)
    meta = nnbook_meta(path)
    if meta.get("origin") != origin:
        note = f"front matter says origin {meta.get('origin')!r}, the chapter's is {origin!r}"
        return Entry(chapter, lang, True, origin, parity, None, note)
    if lang == origin:
        return Entry(chapter, lang, True, origin, parity, None, "origin")
    origin_path = book / origin / chapter if origin else None
    if origin_path is None or not origin_path.is_file():
        return Entry(chapter, lang, True, origin, parity, None, "origin file missing")
    recorded = str(meta.get("translated_from") or "")
    current = sha12(origin_path)
    if not recorded:
        return Entry(chapter, lang, True, origin, parity, True, "no translated_from")
    if recorded != current:
        return Entry(chapter, lang, True, origin, parity, True,
                     f"follows {recorded}, origin is now {current}",
                     sections.changes_since(origin_path, recorded))
    return Entry(chapter, lang, True, origin, parity, False, "up to date")


def entries(book: Path) -> list[Entry]:
    """The status of every page (chapters and the others) in every language."""
    return [chapter_entry(chapter, lang, book) for chapter in pages(book) for lang in LANGS]


@dataclass(frozen=True)
class CatalogCompleteness:
    """How many entries of one .po file are translated (not empty, not fuzzy)."""

    lang: str
    domain: str
    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.done == self.total


def catalog_completeness(
    lang: str, domain: str, locales: Path | None = None
) -> CatalogCompleteness:
    """Translated entries of ``locales/<lang>/LC_MESSAGES/<domain>.po`` out of all."""
    path = (locales or i18n.locales_dir()) / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return CatalogCompleteness(lang, domain, 0, 0)
    done = total = 0
    for msg in i18n.read_catalog(path, lang):
        if not msg.id:
            continue
        total += 1
        text = msg.string if isinstance(msg.string, str) else "".join(msg.string)
        done += bool(text.strip()) and not msg.fuzzy
    return CatalogCompleteness(lang, domain, done, total)


def catalogs(locales: Path | None = None) -> list[CatalogCompleteness]:
    """Completeness of both catalogs (package strings, theme words) of every language."""
    return [catalog_completeness(lang, domain, locales) for lang in LANGS
            for domain in (i18n.DOMAIN, "sphinx")]


def _cell(entry: Entry) -> str:
    if not entry.present:
        return "missing"
    parts = ["origin" if entry.is_origin else ("STALE" if entry.stale else "ok")]
    if entry.parity:
        parts.append(f"code differs ({len(entry.parity)})")
    if entry.note and entry.note not in ("origin", "up to date"):
        parts.append(entry.note)
    return "; ".join(parts)


def report(book: Path | None = None) -> tuple[str, int]:
    """The status as text, and the exit code (1 when code cells differ; stale only warns)."""
    book = book or book_dir()
    rows = entries(book)
    table = {chapter: [_cell(e) for e in rows if e.chapter == chapter]
             for chapter in pages(book)}
    width = max([30] + [len(c) + 2 for cells in table.values() for c in cells])  # columns apart
    lines = ["chapter".ljust(22) + "".join(lang.ljust(width) for lang in LANGS)]
    for chapter, cells in table.items():
        lines.append(chapter.removesuffix(".md").ljust(22) + "".join(c.ljust(width) for c in cells))
    lines.append("")
    lines.append("catalogs: " + ", ".join(
        f"{c.lang}/{c.domain}.po {c.done}/{c.total}" for c in catalogs()))
    problems = [msg for e in rows for msg in e.parity]
    stale = [e for e in rows if e.stale]
    lines.extend(problems)
    if stale:
        lines.append(f"warning: {len(stale)} stale translation(s): "
                     + ", ".join(f"{e.lang}/{e.chapter}" for e in stale))
    for e in stale:
        lines.extend(stale_sections(e))
    return "\n".join(lines), 1 if problems else 0


def _stale_html(entry: Entry) -> str:
    esc = html.escape
    changes = entry.changes
    summary = changes.summary() if changes else "no section information"
    parts = [f"<details><summary><b>{esc(entry.lang)}/{esc(entry.chapter)}</b> (origin "
             f"{esc(str(entry.origin))}): {esc(summary)}</summary>"]
    for heading, diff in (changes.changed if changes else []):
        parts.append(f"<h3>{esc(heading)}</h3><pre>{esc(chr(10).join(diff))}</pre>")
    if changes and changes.unchanged:
        parts.append("<p>Unchanged: " + esc(", ".join(changes.unchanged)) + "</p>")
    return "".join(parts) + "</details>"


def stale_sections(entry: Entry) -> list[str]:
    """What a stale translation's translator must look at: the origin's changed sections,
    each with the origin's change (unified diff of that section), and the unchanged ones."""
    changes = entry.changes
    lines = [f"\n{entry.lang}/{entry.chapter} (origin {entry.origin}): "
             + (changes.summary() if changes else "no section information")]
    if changes:
        for heading, diff in changes.changed:
            lines.append(f"  changed in the origin: {heading}")
            lines.extend(f"    {line}" for line in diff)
        if changes.unchanged:
            lines.append("  unchanged: " + ", ".join(changes.unchanged))
    return lines


def status_html(book: Path | None = None, site: Path | None = None) -> str:
    """A static page with the same table (written by the build as ``status.html``);
    chapters built into ``site`` are linked."""
    book = book or book_dir()
    rows = entries(book)
    esc = html.escape
    head = "".join(f'<th scope="col" lang="{lang}">{esc(lang)}</th>' for lang in LANGS)
    body = []
    for chapter in pages(book):
        tds = []
        for e in (e for e in rows if e.chapter == chapter):
            state = ("missing" if not e.present else "origin" if e.is_origin
                     else "stale" if e.stale else "ok")
            if e.parity:
                state += " parity"
            detail = "<br>".join(esc(x) for x in [_cell(e), *e.parity])
            page = f"{e.lang}/{chapter[:-3]}.html"
            built = e.present and (site is None or (site / page).is_file())
            link = f'<a href="{page}">{esc(e.lang)}</a> ' if built else ""
            tds.append(f'<td class="{state}">{link}{detail}</td>')
        body.append(f'<tr><th scope="row">{esc(chapter[:-3])}</th>{"".join(tds)}</tr>')
    stale = "\n".join(_stale_html(e) for e in rows if e.stale)
    cats = "".join(
        f'<tr><th scope="row">{c.lang}</th><td>{c.domain}.po</td>'
        f'<td class="{"ok" if c.complete else "stale"}">{c.done} / {c.total}</td></tr>'
        for c in catalogs()
    )
    from nnbook.site import meta

    return STATUS_PAGE.format(
        head=head, body="\n".join(body), catalogs=cats, notice=meta.maintainer_notice(),
        stale=stale or "<p>No translation is behind its origin.</p>",
        maintainer_head=meta.maintainer_head(
            "nnbook, for translators: per chapter and language, whether each translation "
            "follows its origin and its code cells match; the catalogs' completeness."))


STATUS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nnbook — translation status</title>
<link rel="icon" href="favicon.svg" type="image/svg+xml">
{maintainer_head}
<style>
  body {{ font-family: system-ui, "Segoe UI", "NanumGothic", sans-serif; margin: 2rem auto;
         max-width: 72rem; padding: 0 1rem; }}
  table {{ border-collapse: collapse; margin: 1rem 0 2rem; }}
  th, td {{ border: 1px solid var(--line); padding: .4rem .6rem; text-align: left;
           vertical-align: top; font-size: .9rem; }}
  td.ok, td.origin {{ background: var(--ok); }}
  td.stale {{ background: var(--warn); }}
  td.missing, td[class$="parity"] {{ background: var(--bad); }}
  .table-scroll {{ overflow-x: auto; }}  /* a phone scrolls the table, not the page */
</style>
</head>
<body>
<main>
<h1>Translation status</h1>
{notice}
<p><a href="index.html">← nnbook</a>. Per chapter and language: <b>origin</b> (the version
the others follow), <b>ok</b> (follows the origin's current text), <b>STALE</b> (the origin
changed since; a warning), <b>missing</b>, and whether the code cells match the origin's
(comments and <code>nnbook.setup("xx")</code> aside). Same as
<code>python -m nnbook status</code>.</p>
<div class="table-scroll"><table>
<caption>Chapters</caption>
<thead><tr><th scope="col">chapter</th>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table></div>
<h2>What changed in the origins</h2>
<p>For each stale translation, the origin's sections (by heading) that changed since the
version it follows, each with the origin's change, and the sections that did not.</p>
{stale}
<div class="table-scroll"><table>
<caption>Catalogs (translated entries / all)</caption>
<thead><tr><th scope="col">language</th><th scope="col">catalog</th>
<th scope="col">done</th></tr></thead>
<tbody>
{catalogs}
</tbody>
</table></div>
</main>
</body>
</html>
"""
