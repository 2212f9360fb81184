"""Chapter 7's images per second: measured once per build (before the pages run), never by a
page, so the four languages state the same numbers (review 2026-12-05, item 1.10)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import torch
import torchvision.transforms.v2 as T  # noqa: N812 - as the page imports it

from nnbook import i18n, zoo
from nnbook.site import pretrain
from nnbook.site.status import raw_code_cells

REPO = Path(__file__).resolve().parents[1]
TIMING = re.compile(r"\b(perf_counter|process_time|monotonic|timeit)\b|\btime\.time\(")


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_no_page_times_anything_itself(lang):
    for page in sorted((REPO / "book" / lang).glob("*.md")):
        for number, cell in enumerate(raw_code_cells(page), 1):
            assert not TIMING.search(cell), f"book/{lang}/{page.name}, code cell {number} " \
                "measures time: measure once in the package (nnbook.site.pretrain lists it)"


def _pipeline_of_the_page() -> tuple:
    """``augment`` and ``to_input`` as chapter 7's page defines them (only those lines run)."""
    cells = raw_code_cells(REPO / "book" / "da" / "07-cifar10.md")
    cell = next(c for c in cells if "augment = T.Compose" in c)
    wanted = [node for node in ast.parse(cell).body if isinstance(node, ast.Assign)
              and {t.id for t in node.targets if isinstance(t, ast.Name)} & {"augment",
                                                                            "to_input"}]
    scope = {"T": T, "torch": torch, "zoo": zoo}
    exec(compile(ast.Module(wanted, type_ignores=[]), "07-cifar10.md", "exec"), scope)
    return scope["augment"], scope["to_input"]


def test_the_page_asks_for_what_the_build_measured():
    """The page passes its own pipeline; the key holds its repr, so it must be the default
    that ``python -m nnbook train`` measures, or every page would miss the measurement."""
    augment, to_input = _pipeline_of_the_page()
    default_augment, default_to_input = zoo.torchvision_augmentation()
    assert repr(augment) == repr(default_augment)
    assert repr(to_input) == repr(default_to_input)
    labels = {t.label() for t in pretrain.BY_CHAPTER["07-cifar10"] if t.alone}
    assert "zoo.augmentation_speed()" in labels  # measured alone, before the pages
    for lang in i18n.LANGUAGES:
        text = (REPO / "book" / lang / "07-cifar10.md").read_text(encoding="utf-8")
        assert "zoo.augmentation_speed(augment, to_input, cifar.X_train[:n])" in text
        assert 'glue("rate_image", speed["one_by_one"]' in text


def test_measured_once_then_read_and_never_timed_by_a_page(tmp_path, monkeypatch):
    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path))
    monkeypatch.delenv("NNBOOK_CACHED_ONLY", raising=False)
    images = torch.randint(0, 256, (16, 3, 32, 32), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(0))
    augment, to_input = zoo.torchvision_augmentation()
    measured = zoo.augmentation_speed(augment, to_input, images)
    assert measured["one_by_one"] > 0 and measured["batched"] > 0

    monkeypatch.setenv("NNBOOK_CACHED_ONLY", "1")  # as the build runs the pages
    torch.manual_seed(5)
    expected_next = torch.rand(3)
    torch.manual_seed(5)
    assert zoo.augmentation_speed(augment, to_input, images) == measured  # every language
    assert torch.equal(torch.rand(3), expected_next)  # the page's random numbers untouched
    with pytest.raises(LookupError, match="pretrain.BY_CHAPTER"):
        zoo.augmentation_speed(augment, to_input, images[:8])  # not measured: refused


def test_measuring_leaves_the_callers_random_numbers_alone(tmp_path, monkeypatch):
    """A reader's notebook measures in the page's kernel: later cells draw what they drew."""
    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path))
    monkeypatch.delenv("NNBOOK_CACHED_ONLY", raising=False)
    images = torch.zeros(4, 3, 32, 32, dtype=torch.uint8)
    torch.manual_seed(7)
    expected_next = torch.rand(3)
    torch.manual_seed(7)
    zoo.augmentation_speed(*zoo.torchvision_augmentation(), images)
    assert torch.equal(torch.rand(3), expected_next)
