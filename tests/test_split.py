"""nnbook.site.split's comparison of two sites (no build needed)."""

from __future__ import annotations

import json

from nnbook.site import split


def _index(path, terms):
    data = {"docnames": ["01-x"], "terms": terms, "titleterms": {}}
    path.write_text(f"Search.setIndex({json.dumps(data)})", encoding="utf-8")
    return path


def test_search_indexes_compare_by_the_pages_their_words_find(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = _index(tmp_path / "a" / "searchindex.js", {"tab": 0, "flad": []})
    other = _index(tmp_path / "b" / "searchindex.js", {"tab": 0})
    assert split.same_file(one, other)  # an incremental build's word with no page left
    _index(other, {"tab": 0, "flad": 0})
    assert not split.same_file(one, other)  # a word that finds a page counts


def _pdf(path, text, creator="nnbook"):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(3, 2))
    figure.text(0.1, 0.5, text)
    figure.savefig(path, format="pdf", metadata={"Creator": creator, "CreationDate": None})
    plt.close(figure)
    return path


def test_pdfs_compare_by_their_pages_text_and_images(tmp_path):
    one = _pdf(tmp_path / "one.pdf", "Kapitel 7: 85,88 %")
    other = _pdf(tmp_path / "other.pdf", "Kapitel 7: 85,88 %", creator="another printer")
    assert one.read_bytes() != other.read_bytes()
    assert split.same_file(one, other)  # other bytes, the same pages
    _pdf(other, "Kapitel 7: 85,20 %")
    assert not split.same_file(one, other)  # one number changed


def test_a_pdf_is_printed_again_only_when_what_it_is_printed_from_changed(tmp_path):
    from nnbook.site import pdf

    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "loss.png").write_bytes(b"png 1")
    page = tmp_path / "01-x.html"
    page.write_text('<img src="_images/loss.png"><link rel="stylesheet" href="_static/b-1.css">')
    chapters = [("01-x", "Tensorer")]

    def digest(title="Neurale net"):
        return pdf.inputs_digest("da", tmp_path, chapters, title, "https://example.org/")

    first = digest()
    assert digest() == first
    (tmp_path / "_images" / "loss.png").write_bytes(b"png 2")  # same page, another figure
    second = digest()
    assert second != first
    page.write_text(page.read_text() + "<p>1,5 %</p>")  # a number on the page
    assert digest() != second
    assert digest("Another title") != digest()
