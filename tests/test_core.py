"""nnbook.core: device choice, seeding, numbers for the page."""

from __future__ import annotations

import pytest
import torch

import nnbook
from nnbook.core import format_for_page


def test_device_can_be_forced_to_cpu(monkeypatch):
    monkeypatch.setenv("NNBOOK_DEVICE", "cpu")
    assert nnbook.device() == torch.device("cpu")


def test_device_default_follows_cuda(monkeypatch):
    monkeypatch.delenv("NNBOOK_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert nnbook.device().type == expected


def test_device_rejects_unknown_values(monkeypatch):
    monkeypatch.setenv("NNBOOK_DEVICE", "tpu")
    with pytest.raises(ValueError, match="NNBOOK_DEVICE"):
        nnbook.device()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asking_for_missing_cuda_is_an_error(monkeypatch):
    monkeypatch.setenv("NNBOOK_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="no CUDA"):
        nnbook.device()


def test_seed_makes_draws_repeat():
    nnbook.seed(3)
    a = torch.randn(5)
    nnbook.seed(3)
    assert torch.equal(a, torch.randn(5))
    nnbook.seed(4)
    assert not torch.equal(a, torch.randn(5))


def test_setup_activates_language():
    assert nnbook.setup("da") is None  # the page's first cell shows no output
    assert format_for_page(0.5) == "0,500"
    assert format_for_page(torch.tensor(2.25), digits=1) == "2,2"  # banker's rounding of .25
    assert format_for_page(31) == "31"
    assert format_for_page(0.987, percent=True) == "98,7\xa0%"
    nnbook.setup("ko")
    assert format_for_page(0.5) == "0.500"


def test_threads_sets_the_cpu_thread_count_for_a_block_and_restores_it():
    from nnbook.train import threads

    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    with threads(target, torch.device("cpu")):
        assert torch.get_num_threads() == target
    assert torch.get_num_threads() == before
    with threads(target, torch.device("cuda")):  # a GPU run leaves the CPU setting alone
        assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError), threads(target, torch.device("cpu")):
        raise RuntimeError("a failing block still restores the setting")
    assert torch.get_num_threads() == before
