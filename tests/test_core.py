"""nnbook.core: device choice, seeding, numbers for the page."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import nnbook
from nnbook.site.pages import format_for_page


def _cuda(monkeypatch, available: bool) -> None:
    """Pretend this host has (or lacks) CUDA, whatever it really has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)


@pytest.mark.parametrize("cuda", [True, False])
def test_device_can_be_forced_to_cpu(monkeypatch, cuda):
    _cuda(monkeypatch, cuda)
    for value in ("cpu", "CPU", " cpu "):
        monkeypatch.setenv("NNBOOK_DEVICE", value)
        assert nnbook.device() == torch.device("cpu")


def test_device_default_is_cuda_where_there_is_one(monkeypatch):
    monkeypatch.delenv("NNBOOK_DEVICE", raising=False)
    _cuda(monkeypatch, True)
    assert nnbook.device() == torch.device("cuda")
    monkeypatch.setenv("NNBOOK_DEVICE", "")  # set but empty: the default too
    assert nnbook.device() == torch.device("cuda")
    monkeypatch.setenv("NNBOOK_DEVICE", "cuda")
    assert nnbook.device() == torch.device("cuda")


def test_device_default_is_the_cpu_without_cuda(monkeypatch):
    monkeypatch.delenv("NNBOOK_DEVICE", raising=False)
    _cuda(monkeypatch, False)
    assert nnbook.device() == torch.device("cpu")


@pytest.mark.parametrize("cuda", [True, False])
def test_device_rejects_unknown_values(monkeypatch, cuda):
    _cuda(monkeypatch, cuda)
    monkeypatch.setenv("NNBOOK_DEVICE", "tpu")
    with pytest.raises(ValueError, match="NNBOOK_DEVICE"):
        nnbook.device()


def test_asking_for_missing_cuda_is_an_error(monkeypatch):
    _cuda(monkeypatch, False)
    monkeypatch.setenv("NNBOOK_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="no CUDA"):
        nnbook.device()


@pytest.fixture(autouse=True)
def restore_cuda_settings(monkeypatch):
    """Put back what ``deterministic_cuda`` changes process-wide (``seed`` on a GPU host),
    for the tests after this one."""
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    flags = [(torch.backends.cudnn, "benchmark"), (torch.backends.cudnn, "deterministic"),
             (torch.backends.cudnn, "allow_tf32"), (torch.backends.cuda.matmul, "allow_tf32")]
    saved = [getattr(owner, name) for owner, name in flags]
    deterministic = torch.are_deterministic_algorithms_enabled()
    yield
    for (owner, name), value in zip(flags, saved, strict=True):
        setattr(owner, name, value)
    torch.use_deterministic_algorithms(deterministic)


@pytest.fixture(autouse=True)
def restore_language():
    """The language active before the test, active again after it."""
    saved = dict(nnbook.i18n._active)
    yield
    nnbook.i18n._active.update(saved)


def test_seed_on_the_cpu_leaves_the_process_wide_gpu_settings_alone(monkeypatch):
    # A host with a GPU, the book on the CPU: the reader's own CUDA code keeps its defaults.
    _cuda(monkeypatch, True)
    monkeypatch.setenv("NNBOOK_DEVICE", "cpu")
    torch.use_deterministic_algorithms(False)
    nnbook.seed(0)
    assert not torch.are_deterministic_algorithms_enabled()


def test_seed_on_cuda_asks_for_deterministic_kernels_in_full_float32(monkeypatch):
    _cuda(monkeypatch, True)
    monkeypatch.delenv("NNBOOK_DEVICE", raising=False)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = True
    nnbook.seed(0)
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
    assert not torch.backends.cudnn.allow_tf32 and not torch.backends.cuda.matmul.allow_tf32
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"


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
    assert format_for_page(np.int64(5000)) == "5.000"  # a count, not 5 with three decimals
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


KERNELS_AFTER_SETUP = """
import torch                      # as a chapter's first cell: torch before nnbook
import nnbook
nnbook.setup("da")
print(torch.backends.cpu.get_cpu_capability(), torch.get_num_threads())
"""


@pytest.mark.skipif(not nnbook.kernels.x86_64(), reason="kernels are pinned on x86-64 only")
def test_a_readers_kernel_gets_the_builds_kernels_and_threads_from_setup():
    # A reader's Jupyter sets none of the build's variables; nnbook.setup must pin them
    # before the first computation, even though the chapter imported torch first.
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in nnbook.kernels.PINNED
           and not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", KERNELS_AFTER_SETUP], env=env, check=True,
                         capture_output=True, text=True).stdout
    assert out == f"AVX2 {nnbook.kernels.THREADS}\n"  # and no note: it computes as the build


def test_setup_says_when_numbers_will_differ_from_the_page(monkeypatch, capsys):
    monkeypatch.setattr(nnbook.kernels, "differs", lambda: "PyTorch's CPU kernels AVX512")
    nnbook.setup("sv")
    assert capsys.readouterr().out == (
        "Obs! Den här datorn räknar med andra beräkningsrutiner än boken (PyTorch's CPU "
        "kernels AVX512). Tal från träning skiljer sig därför från sidans i de sista siffrorna.\n")
    monkeypatch.undo()
    nnbook.setup("sv")
    assert capsys.readouterr().out == ""
