"""Issue #26: a stale translation says so at its top (nnbook.site.freshness), and each
paragraph of a chapter links to a new GitHub issue filled in for it (nnbook.site.feedback).

Fast: the issue address (encoding, length, labels, the origin's section), the paragraph's
excerpt, and the notice computed as ``status`` computes staleness, in a scratch git book.
``-m build -m machinery``: a scratch copy of the book whose chapter 1 origin (nl) changed in one
section, built for nl and da: da's page names that section and links to nl's page, nl's shows
no notice; every paragraph's link holds language, page, anchor, text and the origin's section.
``-m build``: the real build's pages, with their links where a repository is configured.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from nnbook import i18n
from nnbook.site import feedback, freshness, launch, sections, status

REPO = Path(__file__).resolve().parents[1]


def query(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    return {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


# --- fast: the address ----------------------------------------------------------------------


def test_the_issue_address_is_github_new_issue_with_title_body_and_labels_encoded():
    url = feedback.issue_url("someone/nnbook", "[da] x & y", "a\nb?c=d #e",
                             ["translation:da"])
    assert url.startswith("https://github.com/someone/nnbook/issues/new?title=")
    assert " " not in url and "\n" not in url and "#" not in url  # all of it encoded
    assert query(url) == {"title": "[da] x & y", "body": "a\nb?c=d #e",
                          "labels": "translation:da"}


def test_a_long_body_is_cut_to_fit_the_limit():
    url = feedback.issue_url("someone/nnbook", "t", "ø" * 5000, ["translation:da"])
    assert len(url) <= feedback.MAX_URL
    body = query(url)["body"]
    assert body == "ø" * (len(body) - 1) + "…" and len(body) > 900  # 6 characters each


def test_the_excerpt_fits_its_encoded_budget_and_cuts_at_a_word():
    short = "Een korte alinea."
    assert feedback.excerpt(short) == short
    korean = "텐서는 여러 차원을 가진 숫자 배열입니다. " * 20
    cut = feedback.excerpt(korean)
    assert cut.endswith(" …") and korean.startswith(cut[:-2])
    assert len(feedback.quote(cut)) <= feedback.EXCERPT


def test_a_translations_paragraph_names_language_page_anchor_text_and_the_origins_section():
    url = feedback.paragraph_issue(
        "someone/nnbook", "da", "01-tensors", "https://b.example/da/01-tensors.html",
        "gradienter-p2", "Her  regner vi\ngradienten ud.", "Hvad er forkert?",
        origin="nl", origin_url="https://b.example/nl/01-tensors.html#nnbook-s3",
        origin_heading="Gradiënten")
    fields = query(url)
    assert fields["labels"] == "translation:da"
    assert fields["title"] == "[da] 01-tensors #gradienter-p2"
    body = fields["body"]
    assert body.startswith("Hvad er forkert?\n")
    assert "Language: da" in body
    assert "Page: https://b.example/da/01-tensors.html#gradienter-p2" in body
    assert "Paragraph: Her regner vi gradienten ud." in body
    assert "Origin (nl): https://b.example/nl/01-tensors.html#nnbook-s3 (Gradiënten)" in body


def test_an_origins_paragraph_has_the_origin_label_and_no_origin_line():
    url = feedback.paragraph_issue("someone/nnbook", "nl", "01-tensors",
                                   "https://b.example/nl/01-tensors.html", "s-p1", "Tekst.",
                                   "Wat klopt niet?", origin="nl")
    assert query(url)["labels"] == "origin:nl"
    assert "Origin" not in query(url)["body"]


# --- fast: the notice, from status's computation -------------------------------------------

FRONT = """---
nnbook:
{meta}
---

"""
ORIGIN = "# Titel\n\nInleiding.\n\n## Gegevens\n\nEerst dit.\n\n## Gradiënten\n\nDan dat.\n"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root,
                   check=True, capture_output=True)


@pytest.fixture
def stale_book(tmp_path) -> Path:
    """nl/01-x.md committed, da/01-x.md following it, then one nl section changed."""
    book = tmp_path / "book"
    (book / "nl").mkdir(parents=True)
    (book / "da").mkdir()
    origin = book / "nl" / "01-x.md"
    origin.write_text(FRONT.format(meta="  origin: nl") + ORIGIN, encoding="utf-8")
    meta = f"  origin: nl\n  translated_from: {status.sha12(origin)}"
    (book / "da" / "01-x.md").write_text(FRONT.format(meta=meta) + "# Titel\n\nTekst.\n",
                                         encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "x")
    origin.write_text(origin.read_text(encoding="utf-8").replace("Dan dat.", "Dan iets anders."),
                      encoding="utf-8")
    return book


def test_the_notice_names_the_changed_section_and_links_to_the_origin(stale_book):
    found = freshness.notice(stale_book, "da", "01-x")
    assert found is not None and found.sections == ["Gradiënten"]
    assert found.href == "../nl/01-x.html"
    # the same sections as status reports for the translation
    entry = status.chapter_entry("01-x.md", "da", stale_book)
    assert [freshness.heading_text(h) for h, _ in entry.changes.changed] == found.sections
    text = freshness.notice_html(found, lambda s: s, {"nl": "Nederlands"})
    assert '<span lang="nl">Gradiënten</span>' in text
    assert '<a href="../nl/01-x.html" hreflang="nl">Read the original (Nederlands)</a>' in text


def test_no_notice_on_an_origin_or_a_current_translation(stale_book):
    assert freshness.notice(stale_book, "nl", "01-x") is None
    origin = stale_book / "nl" / "01-x.md"
    page = stale_book / "da" / "01-x.md"
    page.write_text(re.sub(r"translated_from: \w+", f"translated_from: {status.sha12(origin)}",
                           page.read_text(encoding="utf-8")), encoding="utf-8")
    assert freshness.notice(stale_book, "da", "01-x") is None
    assert freshness.notice(stale_book, "da", "index") is None  # no such page


def test_a_notice_without_the_followed_version_names_no_section(stale_book):
    page = stale_book / "da" / "01-x.md"
    page.write_text(re.sub(r"translated_from: \w+", "translated_from: 000000000000",
                           page.read_text(encoding="utf-8")), encoding="utf-8")
    found = freshness.notice(stale_book, "da", "01-x")
    assert found is not None and found.sections == []
    assert "has changed since" in freshness.notice_html(found, lambda s: s, {})


# --- the built pages --------------------------------------------------------------------------


def notices(text: str) -> list[str]:
    return re.findall(r'<aside class="nnbook-stale".*?</aside>', text, flags=re.DOTALL)


def feedback_links(text: str) -> list[str]:
    return [html.unescape(h) for h in
            re.findall(r'<a class="nnbook-feedback" href="([^"]+)"', text)]


def paragraph_ids_with_links(text: str) -> list[str]:
    """The ids of the paragraphs that end in a feedback link."""
    return re.findall(r'<p id="([^"]+)">(?:(?!</p>).)*?<a class="nnbook-feedback"', text,
                      flags=re.DOTALL)


def check_links(text: str, repo: str, lang: str, page: str, origin: str, site: str) -> None:
    """Every paragraph link of a built page: the repository's new issue, filled in for it."""
    links = feedback_links(text)
    ids = paragraph_ids_with_links(text)
    assert links and len(links) == len(ids), f"{lang}/{page}: {len(links)} links, {len(ids)} ids"
    section_ids = set(re.findall(r'id="(nnbook-s\d+)"', text))
    for href, anchor in zip(links, ids, strict=True):
        assert href.startswith(f"https://github.com/{repo}/issues/new?title=")
        assert len(href) <= feedback.MAX_URL
        fields = query(href)
        assert fields["title"] == f"[{lang}] {page} #{anchor}"
        body = fields["body"]
        assert f"Language: {lang}\n" in body
        assert f"Page: {site}{lang}/{page}.html#{anchor}\n" in body
        assert "\nParagraph: " in body and len(body.split("\nParagraph: ")[1]) > 3
        if origin == lang:
            assert fields["labels"] == f"origin:{lang}" and "Origin" not in body
        else:
            assert fields["labels"] == f"translation:{lang}"
            line = re.search(rf"Origin \({origin}\): (\S+)", body)
            assert line and line[1].startswith(f"{site}{origin}/{page}.html"), body
            assert "#nnbook-s" in line[1], f"{lang}/{page}: the origin's section is not named"
    assert section_ids, f"{lang}/{page}: no section anchors"


@pytest.mark.build
@pytest.mark.machinery
def test_a_stale_translation_says_so_and_paragraphs_link_to_issues(tmp_path):
    """A scratch copy of the book, its chapter 1 origin (nl) changed in one section after the
    da translation followed it; built for nl and da (chapter 1 only)."""
    root = tmp_path / "src"
    root.mkdir()
    for name in ("_toc.yml", "_config.yml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "book", root / "book")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "the book as it is")
    origin = root / "book" / "nl" / "01-tensors.md"
    text = origin.read_text(encoding="utf-8")
    parts = sections.split_sections(text)
    target = next(s for s in parts if s.heading.startswith("## ") and s.body.strip())
    first = next(line for line in target.body.split("\n") if line.strip()
                 and not line.startswith(("`", ":", "(", "%", "{")))
    origin.write_text(text.replace(first, first + " Een nieuwe zin.", 1), encoding="utf-8")
    env = dict(os.environ, NNBOOK_SOURCE=str(root), NNBOOK_BUILD=str(tmp_path / "build"),
               NNBOOK_REPOSITORY="someone/nnbook", NNBOOK_BASEURL="https://b.example/")
    # (run-it-yourself too: each language's front page links to it)
    command = ["build", "--lang", "nl", "--lang", "da", "--chapter", "01-tensors",
               "--chapter", "run-it-yourself"]
    result = subprocess.run([sys.executable, "-m", "nnbook", *command], env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html_dir = tmp_path / "build" / "html"
    da = (html_dir / "da" / "01-tensors.html").read_text(encoding="utf-8")
    nl = (html_dir / "nl" / "01-tensors.html").read_text(encoding="utf-8")
    heading = freshness.heading_text(target.heading)
    found = notices(da)
    assert len(found) == 1, found
    assert f'<span lang="nl">{html.escape(heading)}</span>' in found[0]
    assert '<a href="../nl/01-tensors.html" hreflang="nl">' in found[0]
    assert "Nederlands" in found[0]  # the link names the origin's language
    from nnbook.site.sphinx import theme_translations

    danish = theme_translations("da").gettext(freshness.CHANGED)
    assert danish != freshness.CHANGED and html.escape(danish) in found[0]  # in Danish
    assert notices(nl) == []
    # the notice sits under the title
    assert da.index("</h1>") < da.index('class="nnbook-stale"')
    for lang, page in (("da", da), ("nl", nl)):
        check_links(page, "someone/nnbook", lang, "01-tensors", "nl", "https://b.example/")


def built_pages() -> list[tuple[str, str]]:
    from nnbook.site.build import BUILD

    found = []
    for lang in i18n.LANGUAGES:
        for path in sorted((BUILD / "html" / lang).glob("*.html")):
            found.append((lang, path.stem))
    return found


@pytest.mark.build
def test_every_chapter_paragraph_links_to_an_issue_where_a_repository_is_configured():
    from nnbook.site.build import BUILD, SOURCE, site_url

    repo = launch.repository()
    pages = built_pages()
    assert pages, f"{BUILD}/html holds no page: build the site first"
    for lang, page in pages:
        text = (BUILD / "html" / lang / f"{page}.html").read_text(encoding="utf-8")
        source = SOURCE / "book" / lang / f"{page}.md"
        origin = status.nnbook_meta(source).get("origin") if source.is_file() else None
        if repo and origin:
            check_links(text, repo, lang, page, origin, site_url())
        else:  # a preview (no repository), or no chapter: no link
            assert feedback_links(text) == [], f"{lang}/{page}"
