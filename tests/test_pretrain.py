"""nnbook.site.pretrain: the build trains what the pages load, before they run."""

from __future__ import annotations

import ast
import inspect
import os
import re
import sys
from pathlib import Path

import pytest
import yaml

from nnbook import i18n
from nnbook.site import pretrain, status

REPO = Path(__file__).resolve().parents[1]
# The functions that train through nnbook.results (what a page may call to get a network).
TRAINING_CALL = re.compile(r"\b(zoo\.(?:lenet_mnist|cifar_net|tutorial_net|augmentation_speed)"
                           r"|transfer\.(?:jpeg_finetuned|ants_bees)|generative\.digit_vae)\(")


def test_every_training_a_page_calls_is_listed_for_its_chapter():
    for lang in i18n.LANGUAGES:
        for page in sorted((REPO / "book" / lang).glob("*.md")):
            called = set(TRAINING_CALL.findall(page.read_text(encoding="utf-8")))
            listed = {t.function for t in pretrain.BY_CHAPTER.get(page.stem, [])}
            missing = called - listed
            assert not missing, f"book/{lang}/{page.name} calls {missing}; list them in " \
                                f"nnbook.site.pretrain.BY_CHAPTER[{page.stem!r}]"


# Functions whose arguments are the page's own objects (a pipeline, images), which no listing
# can name: each keys what it is given itself and, with NNBOOK_CACHED_ONLY=1, fails when the
# build did not compute it first with the page's defaults.
KEYED_BY_ITSELF = {"zoo.augmentation_speed"}
UNKNOWN = object()


def _value(node: ast.expr, names: dict):
    """What an expression of a page evaluates to, when it is plain data: constants, lists,
    the page's earlier such variables and the package's constants (``transfer.METHODS``,
    ``transfer.ANTS_RECIPE["size"]``); UNKNOWN for anything that calls or is not known."""
    if any(isinstance(n, ast.Call | ast.Lambda | ast.comprehension) for n in ast.walk(node)):
        return UNKNOWN
    try:
        return eval(compile(ast.Expression(node), "<page>", "eval"),  # noqa: S307 - no calls
                    {"__builtins__": {}}, dict(names))
    except Exception:  # noqa: BLE001 - a name the page computes: not plain data
        return UNKNOWN


class TrainingCalls(ast.NodeVisitor):
    """The training calls of a page's code, each with the arguments it is called with: a
    ``for`` loop over plain data is followed once per value (chapter 8's figure loop)."""

    def __init__(self) -> None:
        from nnbook import data, generative, transfer, zoo

        self.names: dict = {"data": data, "generative": generative, "transfer": transfer,
                            "zoo": zoo}
        self.calls: list[tuple[str, tuple, dict] | str] = []  # a str: not plain data

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        value = _value(node.value, self.names)
        for target in node.targets:
            if isinstance(target, ast.Name) and value is not UNKNOWN:
                self.names[target.id] = value
            else:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        self.names.pop(name.id, None)

    def visit_For(self, node: ast.For) -> None:
        values = _value(node.iter, self.names)
        if not isinstance(node.target, ast.Name) or values is UNKNOWN:
            return self.generic_visit(node)
        for value in values:
            self.names[node.target.id] = value
            for statement in node.body:
                self.visit(statement)
        return None

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        function = ast.unparse(node.func)
        if not TRAINING_CALL.fullmatch(f"{function}(") or function in KEYED_BY_ITSELF:
            return
        args = tuple(_value(a, self.names) for a in node.args)
        kwargs = {k.arg: _value(k.value, self.names) for k in node.keywords if k.arg != "device"}
        plain = UNKNOWN not in args and UNKNOWN not in kwargs.values()
        self.calls.append((function, args, kwargs) if plain else ast.unparse(node))


def _python(cell: str) -> str:
    """A code cell's Python: without its options (``:tags: [...]``) and IPython's magics."""
    lines = cell.splitlines()
    while lines and lines[0].startswith(":"):
        lines.pop(0)
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def _bound(function: str, args: tuple, kwargs: dict) -> dict:
    """The call's arguments as the function receives them, defaults filled in."""
    import importlib

    module, name = function.split(".")
    target = getattr(importlib.import_module(f"nnbook.{module}"), name)
    bound = inspect.signature(target).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def test_every_training_call_of_a_page_is_listed_with_its_arguments():
    # The build trains the list before the pages run with NNBOOK_CACHED_ONLY=1: a page that
    # asks for another size or seed than the list has fails there, far into a build.
    for lang in i18n.LANGUAGES:
        for page in sorted((REPO / "book" / lang).glob("*.md")):
            finder = TrainingCalls()
            for cell in status.raw_code_cells(page):
                finder.visit(ast.parse(_python(cell)))
            listed = [(t.function, _bound(t.function, t.args, t.kwargs))
                      for t in pretrain.BY_CHAPTER.get(page.stem, [])]
            for call in finder.calls:
                where = f"book/{lang}/{page.name}"
                assert not isinstance(call, str), \
                    f"{where}: {call}: give a training call plain values (constants, lists)"
                function, args, kwargs = call
                assert (function, _bound(*call)) in listed, (
                    f"{where} calls {function}{args}{kwargs}; list it in "
                    f"nnbook.site.pretrain.BY_CHAPTER[{page.stem!r}]")


def test_the_argument_check_sees_a_new_size_or_seed(monkeypatch, tmp_path):
    page = tmp_path / "book" / "da" / "08-transfer.md"
    page.parent.mkdir(parents=True)
    cell = ("sizes = [32, transfer.ANTS_RECIPE['size']]\n"
            "for s in sizes:\n"
            "    for seed in [0, 1, 2, 3]:\n"
            "        model, history = transfer.ants_bees('frozen', size=s, seed=seed, device=d)\n")
    page.write_text(f"# x\n\n```{{code-cell}} ipython3\n{cell}```\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    monkeypatch.setattr(i18n, "LANGUAGES", {"da": "da_DK"})
    with pytest.raises(AssertionError, match=r"transfer.ants_bees\('frozen',\)\{'size': 32, "
                                             r"'seed': 3\}"):
        test_every_training_call_of_a_page_is_listed_with_its_arguments()


def test_chapters_listed_are_in_the_table_of_contents():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    assert set(pretrain.BY_CHAPTER) <= {entry["file"] for entry in toc["chapters"]}


def test_each_training_once_timed_ones_first():
    every = pretrain.trainings()
    labels = [t.label() for t in every]
    assert len(labels) == len(set(labels))  # LeNet serves chapters 6 and 9: trained once
    assert labels.count("zoo.lenet_mnist()") == 1
    alone = [t.alone for t in every]
    assert alone == sorted(alone, reverse=True)  # every "alone" training before the others
    assert {t.label() for t in every if t.alone} == {"zoo.lenet_mnist()", "zoo.cifar_net()",
                                                     "zoo.augmentation_speed()"}
    assert every[alone.count(True)].function == "generative.digit_vae"  # the longest next
    # chapter 8's loop: three methods × two sizes × three seeds
    assert sum(t.function == "transfer.ants_bees" for t in every) == 18


def test_only_the_named_chapters():
    assert [t.label() for t in pretrain.trainings(["09-generating-digits"])] == [
        "zoo.lenet_mnist()", "generative.digit_vae()"]
    assert pretrain.trainings(["01-tensors"]) == []
    assert pretrain.train(["01-tensors"]) == []


def test_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("NNBOOK_TRAIN_WORKERS", "3")
    assert pretrain.default_workers() == 3
    monkeypatch.setenv("NNBOOK_TRAIN_WORKERS", "zero")
    with pytest.raises(ValueError, match="NNBOOK_TRAIN_WORKERS"):
        pretrain.default_workers()


def test_the_rest_run_in_worker_processes_and_failures_surface(monkeypatch):
    monkeypatch.setattr(pretrain, "BY_CHAPTER", {"x": [
        pretrain.Training("core.seed", (1,)), pretrain.Training("core.seed", (2,))]})
    rows = pretrain.train(["x"], workers=2)
    assert [r["label"] for r in rows] == ["core.seed(1)", "core.seed(2)"]
    assert not any(r["trained"] for r in rows)  # nothing went through nnbook.results
    monkeypatch.setattr(pretrain, "BY_CHAPTER", {"x": [
        pretrain.Training("core.seed", (1,)), pretrain.Training("core.no_such_function")]})
    with pytest.raises(AttributeError, match="no_such_function"):
        pretrain.train(["x"], workers=2)


def test_a_warm_build_skips_training_only_while_the_cache_is_unchanged(tmp_path, monkeypatch):
    from nnbook.site import build

    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path))
    (tmp_path / "results").mkdir()
    entry = tmp_path / "results" / "lenet-mnist-0123.pt"
    entry.write_bytes(b"weights")
    before = build._results_state(["zoo.lenet_mnist()"])
    assert build._results_state(["zoo.lenet_mnist()"]) == before
    assert build._results_state(["zoo.lenet_mnist()", "zoo.cifar_net()"]) != before
    stamp = entry.stat()
    entry.write_bytes(b"damaged")  # a damaged entry: train (and check) again
    os.utime(entry, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # within one clock tick
    assert build._results_state(["zoo.lenet_mnist()"]) != before


def test_openmp_threads_sleep_while_pages_share_the_cores_but_may_spin_for_the_trainer(
        monkeypatch):
    from nnbook.site import build

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert build.kernel_env(1)["OMP_WAIT_POLICY"] == "PASSIVE"  # pages side by side
    assert "OMP_WAIT_POLICY" not in build.kernel_env(shared=False)  # the trainer, alone
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")  # a reader's own choice is kept
    assert build.kernel_env(1)["OMP_WAIT_POLICY"] == "ACTIVE"


def test_a_results_folder_met_on_another_gpu_is_checked_again(tmp_path, monkeypatch):
    from nnbook.site import build

    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path))
    smi = tmp_path / "bin" / "nvidia-smi"
    smi.parent.mkdir()
    smi.write_text('#!/bin/sh\necho "GPU 0: $GPU_MODEL (UUID: GPU-0)"\n')
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{smi.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("GPU_MODEL", "NVIDIA A100-SXM4-80GB")
    a100 = build._results_state(["zoo.lenet_mnist()"])
    assert "A100" in build.gpus()
    monkeypatch.setenv("GPU_MODEL", "NVIDIA H100 80GB HBM3")
    assert build._results_state(["zoo.lenet_mnist()"]) != a100
