"""Trained networks, kept between pages: a network is trained once per build, not per language.

An entry is keyed by everything that determines the weights:

- the code of every nnbook module the training can run: the module that defines the
  training function and the model's class, and every nnbook module they reach, transitively,
  however they import it (``code_digest``: comments and docstrings do not count);
- the untrained model itself: a digest of its initial weights and buffers, which also covers
  the arguments it was built with (its widths, depth, classes) and the seed it was built under;
- the hyper-parameters and data fingerprint the caller passes;
- the torch version, the CPU kernels (``kernels``) and, on a GPU, its model, compute capability
  and CUDA and cuDNN versions (``device_name``).

It stores the weights, the history, the original training time (so a page that loads a
cached network still states how long training took) and a digest of the tensors
(``weights_digest``: equal for equal weights, whichever process saved them).
Entries live in ``_build/results/`` (``NNBOOK_BUILD`` moves it), are written atomically
(an interrupted build leaves no half-written entry) and are never committed."""

from __future__ import annotations

import ast
import fcntl
import hashlib
import inspect
import json
import os
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from nnbook.core import device as default_device
from nnbook.i18n import N_
from nnbook.paths import work_dir, write_atomic
from nnbook.train import History


def results_dir() -> Path:
    path = work_dir() / "results"
    path.mkdir(parents=True, exist_ok=True)
    return path


PACKAGE = Path(__file__).resolve().parent
# Imported somewhere a training reaches, but never run by one: ``core.setup`` imports the
# plots for pages only. Leaving it out keeps a figure's edit from retraining every network.
NEVER_TRAINS = {"plots"}


def _reexported(package: Path) -> dict[str, str]:
    """Names ``nnbook/__init__.py`` serves from a module (``nnbook.seed`` is ``core.seed``)."""
    init = package / "__init__.py"
    tree = ast.parse(init.read_text(encoding="utf-8")) if init.is_file() else ast.Module([], [])
    return {alias.asname or alias.name: node.module.split(".")[1] for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nnbook.")
            for alias in node.names}


def _is_import_module(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module"
            or isinstance(func, ast.Name) and func.id == "import_module")


def _nnbook_imports(path: Path) -> set[str]:
    """The nnbook modules a source file uses, however it reaches them: ``from nnbook import
    x``, ``from nnbook.x import y``, ``import nnbook.x``, relative imports (``from . import x``,
    ``from .x import y``), ``nnbook.x`` after ``import nnbook`` (the lazy style
    ``nnbook/__init__.py`` offers) and ``importlib.import_module("nnbook.x")``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {"nnbook"} | {a.asname for node in ast.walk(tree) if isinstance(node, ast.Import)
                          for a in node.names if a.name == "nnbook" and a.asname}
    used: set[str] = set()  # dotted names: "nnbook.x", "nnbook.x.y"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: from the package itself (nnbook/*.py)
                module = f"nnbook.{module}".rstrip(".")
            used.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            used.update(alias.name for alias in node.names)
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id in names):
            used.add(f"nnbook.{node.attr}")
        elif (isinstance(node, ast.Call) and _is_import_module(node.func) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            used.add(node.args[0].value)
    reexported = _reexported(path.parent)
    found = set()
    for dotted in used:
        parts = dotted.split(".")
        if parts[0] == "nnbook" and len(parts) > 1:
            found.add(reexported.get(parts[1], parts[1]))
    return {name for name in found if (path.parent / f"{name}.py").is_file()}


def code_digest(path: Path) -> str:
    """The sha256 of a module's code, not of its text: comments, docstrings and layout do not
    count, so editing them retrains nothing; every statement and expression does."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                node.body = node.body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


def source_closure(module: str, package: Path = PACKAGE) -> dict[str, str]:
    """The code digest of ``module`` and of every nnbook module it imports, transitively.

    Read from the files, imports included wherever they stand (inside functions too): a
    helper edited anywhere a training can reach changes the key, and its weights are
    trained again instead of served stale.
    """
    seen: dict[str, str] = {}
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = package / f"{name}.py"
        seen[name] = code_digest(path)
        todo.extend(_nnbook_imports(path) - seen.keys() - NEVER_TRAINS)
    return dict(sorted(seen.items()))


def _code_of(obj) -> tuple[str | None, str]:
    """(nnbook module, "") for nnbook code; (None, its source) for code defined elsewhere
    (a test's toy training): the key then covers that source only."""
    obj = getattr(obj, "func", obj)  # functools.partial: its function
    module = getattr(obj, "__module__", "") or ""
    if module.startswith("nnbook."):
        return module.split(".")[1], ""
    try:
        return None, inspect.getsource(obj)
    except (OSError, TypeError):
        return None, repr(obj)


def fingerprint(name: str, model: nn.Module, train: Callable, key: dict, dev: torch.device) -> str:
    """The digest that names a cache entry. ``model`` is the untrained network: its initial
    weights and buffers count, and so do the arguments it was built with (its widths)."""
    sources: dict[str, str] = {}
    outside = []
    for code in (train, type(model)):
        module, text = _code_of(code)
        if module is None:
            outside.append(text)
        else:
            sources |= source_closure(module)
    sources |= source_closure("train")  # the loop every training shares
    parts = {
        "name": name,
        "train": getattr(getattr(train, "func", train), "__qualname__", repr(train)),
        "sources": sources,
        "outside": outside,
        "key": key,
        "initial": weights_digest(model),
        "torch": torch.__version__,
        "device": device_name(dev),
        "kernels": kernels(),
    }
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


def device_name(dev: torch.device) -> str:
    """The device as far as it decides the weights: "cpu" (``kernels`` says more), or the GPU's
    model, compute capability and CUDA and cuDNN versions (each picks its own kernels)."""
    if dev.type != "cuda":
        return dev.type
    index = torch.cuda.current_device() if dev.index is None else dev.index
    major, minor = torch.cuda.get_device_capability(index)
    return (f"cuda {torch.cuda.get_device_name(index)} sm_{major}{minor} "
            f"CUDA {torch.version.cuda} cuDNN {torch.backends.cudnn.version()}")


def kernels() -> str:
    """The instruction set PyTorch's CPU kernels use, and the oneDNN/MKL pins (the build's
    ``PINNED_KERNELS``): weights trained on other kernels differ in their last bits, so a
    process started without the pins must not serve or overwrite the build's entries."""
    pins = ",".join(os.environ.get(k, "") for k in ("DNNL_MAX_CPU_ISA", "MKL_CBWR"))
    return f"{torch.backends.cpu.get_cpu_capability()} {pins}"


# The entries this process trained (not loaded): nnbook.site.pretrain reports which were new.
TRAINED_HERE: list[str] = []


@contextmanager
def _locked(path: Path):
    """One process trains a given entry; another waiting for it then loads the result."""
    with open(path.with_suffix(".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _complete_entry(weights: Path, record: Path) -> dict | None:
    """The saved record if the entry is whole (record readable, the file's sha256 matching)."""
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
        if saved.get("file_sha256") == _sha256(weights):
            return saved
    except (OSError, ValueError):
        pass
    return None


def trained(
    name: str,
    model: nn.Module,
    train: Callable[[nn.Module], History],
    key: dict,
    *,
    device: torch.device | None = None,
) -> tuple[nn.Module, History]:
    """``model`` with trained weights: from the cache, or trained now by ``train(model)``.

    ``key`` holds everything else that determines the result (hyper-parameters, seed,
    data fingerprint). The model is returned in eval mode on ``device``. With the
    environment variable ``NNBOOK_CACHED_ONLY=1`` a missing entry is an error, not a training.
    """
    dev = device or default_device()
    digest = fingerprint(name, model, train, key, dev)
    cached_only = os.environ.get("NNBOOK_CACHED_ONLY") == "1"
    weights = results_dir() / f"{name}-{digest}.pt"
    record = weights.with_suffix(".json")
    with _locked(weights):
        saved = _complete_entry(weights, record)
        if saved is None and cached_only:
            raise LookupError(
                f"no trained {name!r} ({weights.name}) in {weights.parent}, and "
                "NNBOOK_CACHED_ONLY=1 forbids training it here. The build trains first what "
                "nnbook.site.pretrain.BY_CHAPTER lists for a chapter: list this network there.")
        if saved is not None:
            model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
            history = History.from_dict(saved)
            history.record = {k: saved[k] for k in ("name", "key", "weights_digest")}
        else:
            history = train(model)
            TRAINED_HERE.append(weights.name)
            state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            write_atomic(weights, lambda p: torch.save(state, p))
            # The record is written last and names the weights' sha256: an entry is complete
            # only when both exist and agree (a killed or damaged write is trained again).
            data = history.to_dict() | {"name": name, "key": key,
                                        "weights_digest": weights_digest(state),
                                        "file_sha256": _sha256(weights)}
            write_atomic(record, lambda p: p.write_text(json.dumps(data, indent=1, default=str),
                                                          encoding="utf-8"))
            history.record = {k: data[k] for k in ("name", "key", "weights_digest")}
    model.to(dev).eval()
    return model, history


def weights_digest(model: nn.Module | dict[str, torch.Tensor]) -> str:
    """A short sha256 of a model's state (names, shapes, dtypes and values), not of a file:
    ``torch.save`` writes a new serialization id each time, so equal weights give different
    files but always this same digest. Builds on different machines compare it."""
    state = model if isinstance(model, dict) else model.state_dict()
    digest = hashlib.sha256()
    for name, value in state.items():
        digest.update(f"{name} {tuple(value.shape)} {value.dtype}".encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:20]


def computed(name: str, key: dict, compute: Callable[[], torch.Tensor]) -> torch.Tensor:
    """A tensor computed once per build and shared by the languages, e.g. a trained network's
    logits for the 10,000 test images (chapter 7 evaluates two networks, three passes).

    ``key`` names everything the result depends on (a weights digest, the images' digest).
    Kept under ``results/computed/``; a damaged file is computed again, never trusted.
    """
    blob = json.dumps({"name": name, "key": key, "torch": torch.__version__},
                      sort_keys=True, default=str).encode()
    path = results_dir() / "computed" / f"{name}-{hashlib.sha256(blob).hexdigest()[:20]}.pt"
    path.parent.mkdir(exist_ok=True)
    with _locked(path):
        try:
            return torch.load(path, weights_only=True)
        except FileNotFoundError:
            pass
        except Exception:  # noqa: BLE001 - a damaged or half-written file: compute again
            path.unlink(missing_ok=True)
        value = compute().detach().cpu()
        write_atomic(path, lambda p: torch.save(value, p))
        return value


# --- where a result came from (issue #26) ---------------------------------------------------

TRAINED_NOTE = N_("How this network was trained: {device}, PyTorch {torch}, {threads} threads, "
                  "seed {seed}; {steps} optimizer steps in {seconds} s; weights {digest}.")
SPREAD_NOTE = N_("Over seeds {seeds} the same recipe reached {values} ({metric}; {command}, "
                 "commit {commit}, {date}).")
BENCHMARKS = Path(__file__).with_name("benchmarks.json")  # measured by the command it names
METRICS = {"test accuracy": N_("test accuracy")}  # the words of benchmarks.json's "metric"


def benchmark(name: str) -> dict | None:
    """The committed benchmark record of a network (``benchmarks.json``), if one was measured."""
    records = json.loads(BENCHMARKS.read_text(encoding="utf-8"))
    return records.get(name)


def provenance(history: History) -> None:
    """Print where a trained network's numbers come from, in the page's language: device and
    kernels, PyTorch, threads, seed, steps and time, the weights' digest, and the spread over
    seeds where a benchmark measured it. Everything from the results record, nothing typed."""
    from nnbook.i18n import _, number, percent

    record = history.record
    if not record:
        raise ValueError("this history has no results record: it was not trained through "
                         "nnbook.results.trained")
    key = record["key"]
    device = "CPU " + torch.backends.cpu.get_cpu_capability() if history.device == "cpu" \
        else history.device
    print(_(TRAINED_NOTE).format(
        device=device, torch=torch.__version__.split("+")[0], threads=key.get("threads", "–"),
        seed=key.get("seed", 0), steps=number(history.steps, 0),
        seconds=number(history.train_seconds, 1), digest=record["weights_digest"]))
    measured = benchmark(record["name"])
    if measured:
        values = " / ".join(percent(v, 2) for v in measured["values"])
        metric = METRICS[measured["metric"]]
        print(_(SPREAD_NOTE).format(
            seeds=", ".join(map(str, measured["seeds"])), values=values,
            metric=_(metric), command=measured["command"],
            commit=measured["commit"], date=measured["date"]))
