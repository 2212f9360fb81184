"""Pages hold no raw HTML or script: a lint of what contributors type, not a security boundary.

What it guards: book/**/*.md stays Markdown and code. A raw HTML block or tag, a
``<script>``, a ``javascript:`` link, an ``on...=`` handler, a ``{raw}`` directive or raw cell,
or a code cell that displays HTML/JavaScript in the usual ways (``IPython.display.HTML``,
``%%html``, ``_repr_html_``) is rejected with file:line, so a review reads prose and code.

What it does not guard: it matches patterns, and the build executes every code cell, which
can do what the build can (display through a name the patterns miss, write files under
_build/html, use the network). A pull request's pages are untrusted code: build them where
that is harmless (no secrets, read-only tokens). What keeps a page inert is enforced while
building: outputs reach it as text, PNG or JPEG only (nnbook.site.outputs), translations
and language names hold no markup and templates escape (nnbook.site.catalogs, templates/);
tests/test_page_safety.py shows both.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted((REPO / "book").glob("**/*.md"))

# Anywhere in a page, code cells included.
EVERYWHERE = [
    (re.compile(r"<\s*/?\s*script\b", re.I), "a <script> tag"),
    (re.compile(r"javascript\s*:", re.I), "a javascript: URL"),
    (re.compile(r"\bvbscript\s*:|\bdata\s*:\s*text/html", re.I), "a script-bearing URL"),
    (re.compile(r"\{raw(-cell)?\}", re.I), "a {raw} directive, role or raw cell"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "an on...= event handler"),
    (re.compile(r"<\s*(iframe|object|embed|style|link|meta|form|base)\b", re.I),
     "an embedding HTML tag"),
]
# Inside code cells: output that the page would render as HTML or run as script.
IN_CODE = [
    (re.compile(r"^\s*%%\s*(html|javascript|js|svg|markdown)\b", re.I),
     "an HTML/JavaScript cell magic"),
    (re.compile(r"\b(HTML|Javascript|JavaScript|IFrame|SVG|Markdown)\s*\("),
     "IPython.display HTML/JavaScript output"),
    (re.compile(r"_repr_(html|javascript|markdown|svg)_"), "a rich HTML representation"),
]
# Outside code: any HTML tag at all (MyST renders a raw HTML block or inline tag as is).
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+\1")


def problems(text: str, name: str = "page") -> list[str]:
    """Every unsafe construct in a MyST page, as ``name:line: what``."""
    found = []
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        for pattern, what in EVERYWHERE:
            if pattern.search(line):
                found.append(f"{name}:{number}: {what}: {line.strip()[:80]}")
    fence: str | None = None
    for number, line in enumerate(lines, 1):
        match = FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip()[
                    len(marker):].strip():
                fence = None
            continue
        if fence is not None:
            for pattern, what in IN_CODE:
                if pattern.search(line):
                    found.append(f"{name}:{number}: {what}: {line.strip()[:80]}")
            continue
        prose = INLINE_CODE.sub("", line)
        if line.lstrip().startswith("<!--") or HTML_TAG.search(prose):
            found.append(f"{name}:{number}: raw HTML: {line.strip()[:80]}")
    return found


def test_the_book_has_pages_to_check():
    assert len(PAGES) >= 4


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO / "book")))
def test_page_has_no_raw_html_or_script(page):
    text = page.read_text(encoding="utf-8")
    assert not problems(text, str(page.relative_to(REPO)))


SAFE = """---
jupytext: {}
---
# Title

Prose with `<b>inline code</b>` and a comparison 3 < 4 and a <https://example.org> link.

```{code-cell} ipython3
x = torch.tensor([1, 2]) < 2  # comparisons in code are fine
print("<b> in a string in code is text, not HTML")
```
"""


@pytest.mark.parametrize("bad", [
    "<script>alert(1)</script>",
    "<div class='x'>raw block</div>",
    "Some <span>inline</span> HTML",
    "[click](javascript:alert(1))",
    '<img src="x.png" onerror="alert(1)">',
    "```{raw} html\n<b>x</b>\n```",
    "Inline {raw}`html <b>x</b>` role",
    "```{raw-cell}\n---\nformat: text/html\n---\n<b>x</b>\n```",
    "<!-- a comment hiding <script> -->",
    "<iframe src='https://evil.example'></iframe>",
    "```{code-cell} ipython3\nfrom IPython.display import HTML\nHTML('<b>x</b>')\n```",
    "```{code-cell} ipython3\n%%html\n<b>x</b>\n```",
    "```{code-cell} ipython3\nprint('<script>')\n```",
])
def test_the_checker_rejects_each_unsafe_construct(bad):
    assert not problems(SAFE), problems(SAFE)
    assert problems(SAFE + "\n" + bad + "\n"), f"not caught: {bad!r}"
