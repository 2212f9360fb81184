"""A cell's printed text: one output per stream, the same whatever the kernel's timing."""

from __future__ import annotations

import copy

import nbformat
from nbformat import NotebookNode

from nnbook.site import sphinx


def stream(name: str, text: str) -> NotebookNode:
    return nbformat.v4.new_output("stream", name=name, text=text)


def cell_with(*outputs: NotebookNode) -> NotebookNode:
    return nbformat.v4.new_code_cell("print(...)", outputs=list(outputs))


def merged_text(cell: NotebookNode) -> list[tuple[str, str]]:
    return [(o["name"], o["text"]) for o in cell.outputs if o["output_type"] == "stream"]


def test_pieces_cut_anywhere_give_the_same_text():
    printed = "0 0.3918 0.9832\n1 0.0464 0.9893\n"
    for cut in range(1, len(printed)):  # a line may arrive in two pieces
        cell = cell_with(stream("stdout", printed[:cut]), stream("stdout", printed[cut:]))
        sphinx.merge_streams(cell.outputs)
        assert merged_text(cell) == [("stdout", printed)], f"cut at {cut}"


def test_the_notebook_keeps_the_merged_outputs_and_no_repeated_tail():
    # MyST-NB's merge grew the first piece in place and left the second in the notebook:
    # the saved .ipynb then printed "b\n" twice.
    cell = cell_with(stream("stdout", "a\n"), stream("stdout", "b\n"))
    pieces = copy.deepcopy(cell.outputs)
    returned = sphinx.merge_streams(cell.outputs)
    assert returned is cell.outputs
    saved = nbformat.reads(nbformat.writes(nbformat.v4.new_notebook(cells=[cell])), 4)
    assert merged_text(saved.cells[0]) == [("stdout", "a\nb\n")]
    assert pieces == [stream("stdout", "a\n"), stream("stdout", "b\n")]


def test_pieces_are_copied_not_grown():
    first = stream("stdout", "a\n")
    sphinx.merge_streams([first, stream("stdout", "b\n")])
    assert first["text"] == "a\n"


def test_other_outputs_keep_their_place_and_stdout_comes_before_stderr():
    image = nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"})
    cell = cell_with(stream("stderr", "warn\n"), stream("stdout", "x "), image,
                     stream("stdout", "y\n"), stream("stderr", "again\n"))
    sphinx.merge_streams(cell.outputs)
    assert [o["output_type"] for o in cell.outputs] == ["stream", "stream", "display_data"]
    assert merged_text(cell) == [("stdout", "x y\n"), ("stderr", "warn\nagain\n")]


def test_carriage_returns_and_backspaces_are_applied():
    cell = cell_with(stream("stdout", "10%\r50%"), stream("stdout", "\r100%\n"),
                     stream("stdout", "ab\b\bcd\n"))
    sphinx.merge_streams(cell.outputs)
    assert merged_text(cell) == [("stdout", "100%\ncd\n")]
