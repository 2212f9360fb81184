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
    ("zoo.py", "def warmup_then_linear"), ("zoo.py", "def normalize_cifar"),
    ("transfer.py", "def normalize_imagenet"), ("transfer.py", "def random_crops"),
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


# --- the untrained model and the device are part of the key ---------------------------------
CPU = torch.device("cpu")


def _key(model: nn.Module, dev: torch.device = CPU) -> str:
    return results.fingerprint("net", model, zoo.train_cifar_net, {"seed": 0}, dev)


def _cifar_net(widths: tuple[int, int, int] | None = None) -> models.CifarNet:
    torch.manual_seed(0)
    return models.CifarNet(widths) if widths else models.CifarNet()


def test_a_model_built_with_other_widths_has_another_key():
    standard = _cifar_net()
    narrower = tuple(width // 2 for width in zoo.CIFAR_RECIPE["widths"])
    assert _key(_cifar_net()) == _key(standard)  # the same model, built again: the same key
    assert _key(_cifar_net(narrower)) != _key(standard)  # a caller that did not key the widths


def test_other_initial_weights_have_another_key():
    torch.manual_seed(1)
    assert _key(models.CifarNet()) != _key(_cifar_net())


def test_each_gpu_model_and_cudnn_has_its_own_key(monkeypatch):
    def gpu(name: str, capability: tuple[int, int], cudnn: int) -> str:
        monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda index: name)
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda index: capability)
        monkeypatch.setattr(torch.backends.cudnn, "version", lambda: cudnn)
        return _key(_cifar_net(), torch.device("cuda"))

    h100 = gpu("NVIDIA H100 80GB HBM3", (9, 0), 91000)
    assert results.device_name(torch.device("cuda")).startswith("cuda NVIDIA H100 80GB HBM3 sm_90")
    assert h100 != _key(_cifar_net())  # not the CPU's entry
    assert gpu("NVIDIA A100-SXM4-80GB", (8, 0), 91000) != h100
    assert gpu("NVIDIA H100 80GB HBM3", (9, 0), 90800) != h100
    assert gpu("NVIDIA H100 80GB HBM3", (9, 0), 91000) == h100


# --- every way of reaching a module is followed -------------------------------------------
REACHES = {
    "trainer.py": """
import importlib
import nnbook
import nnbook as nb
from . import by_relative
from .by_relative_from import helper


def train(model):
    nnbook.by_attribute.step(model)
    nb.by_alias.step(model)
    nnbook.seed(0)  # nnbook/__init__.py serves it from core
    importlib.import_module("nnbook.by_import_module").step(model)
""",
    "by_relative.py": "", "by_relative_from.py": "", "by_attribute.py": "", "by_alias.py": "",
    "by_import_module.py": "", "core.py": "", "unused.py": "",
}


def test_relative_imports_attribute_use_and_import_module_are_in_the_closure(tmp_path):
    package = tmp_path / "nnbook"
    package.mkdir()
    shutil.copy(results.PACKAGE / "__init__.py", package)
    for name, text in REACHES.items():
        (package / name).write_text(text, encoding="utf-8")
    closure = results.source_closure("trainer", package)
    assert set(closure) == {name.removesuffix(".py") for name in REACHES} - {"unused"}
    before = closure
    (package / "by_attribute.py").write_text("STEP = 2\n", encoding="utf-8")
    assert results.source_closure("trainer", package) != before  # its edit changes the key


def test_comments_and_docstrings_retrain_nothing(tmp_path):
    package = tmp_path / "nnbook"
    shutil.copytree(results.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    path = package / "train.py"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"""', '"""Reworded. ', 1) + "\n# a comment\n",
                    encoding="utf-8")
    assert results.source_closure("zoo", package) == results.source_closure("zoo")


def test_a_results_note_says_where_a_number_came_from_in_the_page_language(capsys):
    """nnbook.results.provenance: device, PyTorch, threads, seed, steps, time and digest from
    the record; the spread over seeds from the committed benchmark record."""
    from nnbook import i18n
    from nnbook.train import History

    i18n.activate("sv")
    history = History(steps=3440, train_seconds=21.04, device="cpu")
    history.record = {"name": "lenet-mnist", "key": {"seed": 0, "threads": 2},
                      "weights_digest": "0bc5823e91ddba4504d6"}
    results.provenance(history)
    note, spread = capsys.readouterr().out.splitlines()
    assert note.startswith("Så tränades nätverket") and "3\xa0440" in note and "21,0 s" in note
    assert "0bc5823e91ddba4504d6" in note and torch.__version__.split("+")[0] in note
    measured = results.benchmark("lenet-mnist")
    assert measured["command"] in spread and "99,27" in spread
    with pytest.raises(ValueError, match="no results record"):
        results.provenance(History())
