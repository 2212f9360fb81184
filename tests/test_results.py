"""The results cache's key covers every helper a training runs (issue #14, item 6)."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
import torch
from torch import nn

from nnbook import generative, models, results, transfer, zoo

# (file, helper): one of each kind a training calls, in the module that defines it.
HELPERS = [
    ("models.py", "class ConvGroup"), ("models.py", "class BasicBlock"),
    ("zoo.py", "class Lookahead"), ("zoo.py", "def cifar_sgd_settings"),
    ("zoo.py", "def warmup_then_linear"), ("zoo.py", "def normalize"),
    ("transfer.py", "def normalize"), ("transfer.py", "def random_crops"),
    ("generative.py", "def vae_loss"), ("data.py", "def cifar10"), ("data.py", "def mnist"),
    ("train.py", "def fit"), ("train.py", "class TensorBatches"), ("core.py", "def seed"),
    ("provenance.py", "def verify"),
]
# The module of each book network's training function.
TRAININGS = {"zoo": zoo.train_cifar_net, "transfer": transfer.train_ants,
             "generative": generative.train_vae}


def _edited_copy(tmp_path: Path, file: str, helper: str) -> Path:
    package = tmp_path / "nnbook"
    shutil.copytree(results.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    source = (package / file).read_text(encoding="utf-8")
    kind, name = helper.split()
    node = next(n for n in ast.parse(source).body
                if isinstance(n, ast.ClassDef if kind == "class" else ast.FunctionDef)
                and n.name == name)
    # One line added to the helper's body (a statement, not a comment).
    lines = source.splitlines(keepends=True)
    first = node.body[0]
    indent = " " * first.col_offset
    lines.insert(first.lineno - 1, f"{indent}_edited = True\n")
    (package / file).write_text("".join(lines), encoding="utf-8")
    return package


@pytest.mark.parametrize(("file", "helper"), HELPERS)
def test_editing_a_helper_changes_the_key_of_every_training_that_reaches_it(tmp_path, file,
                                                                            helper):
    package = _edited_copy(tmp_path, file, helper)
    module = file.removesuffix(".py")
    changed = [name for name in TRAININGS
               if results.source_closure(name) != results.source_closure(name, package)]
    reaches = [name for name in TRAININGS if module in results.source_closure(name)]
    assert reaches and changed == reaches


def test_editing_the_plots_retrains_nothing(tmp_path):
    package = _edited_copy(tmp_path, "plots.py", "def image_grid")
    for name in TRAININGS:
        assert results.source_closure(name) == results.source_closure(name, package)


def test_the_key_names_the_modules_a_training_runs():
    closure = results.source_closure("zoo")
    assert {"zoo", "models", "train", "data", "provenance", "core"} <= closure.keys()
    assert "plots" not in closure and "build" not in closure and "sphinx" not in closure


def test_the_weights_digest_is_of_the_tensors_not_of_the_file(tmp_path):
    torch.manual_seed(0)
    net = models.LeNet()
    for i in range(2):
        torch.save(net.state_dict(), tmp_path / f"{i}.pt")
    assert (tmp_path / "0.pt").read_bytes() != (tmp_path / "1.pt").read_bytes()
    loaded = [torch.load(tmp_path / f"{i}.pt", weights_only=True) for i in range(2)]
    assert results.weights_digest(loaded[0]) == results.weights_digest(loaded[1])
    assert results.weights_digest(net) == results.weights_digest(loaded[0])
    with torch.no_grad():
        net.conv1.weight[0, 0, 0, 0] += 1e-7  # one value, last bits
    assert results.weights_digest(net) != results.weights_digest(loaded[0])


def test_a_cached_entry_records_the_tensor_digest(tmp_path, monkeypatch):
    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path))
    model, _ = results.trained("toy", nn.Linear(2, 2), _toy_training, {"seed": 0},
                               device=torch.device("cpu"))
    record = next((tmp_path / "results").glob("toy-*.json")).read_text()
    assert results.weights_digest(model) in record


def _toy_training(model: nn.Module):
    from nnbook.train import History

    with torch.no_grad():
        model.weight.fill_(0.25)
    return History()
