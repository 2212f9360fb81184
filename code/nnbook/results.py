"""Trained networks, kept between pages: a network is trained once per build, not per language.

An entry is keyed by everything that determines the weights: the model's and the training
function's source code, the hyper-parameters and data fingerprint the caller passes, the
torch version and the device type. It stores the weights, the history and the original
training time (so a page that loads a cached network still states how long training took).
Entries live in ``_build/results/`` (``NNBOOK_BUILD`` moves it), are written atomically
(an interrupted build leaves no half-written entry) and are never committed.
"""

from __future__ import annotations

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
from nnbook.i18n import REPO
from nnbook.train import History


def results_dir() -> Path:
    path = Path(os.environ.get("NNBOOK_BUILD", REPO / "_build")) / "results"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _source(obj) -> str:
    """The source code of a class or function (functools.partial: of its function)."""
    obj = getattr(obj, "func", obj)
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return repr(obj)


def fingerprint(name: str, model: nn.Module, train: Callable, key: dict, dev: torch.device) -> str:
    """The digest that names a cache entry."""
    parts = {
        "name": name,
        "model": _source(type(model)),
        "train": _source(train),
        "key": key,
        "torch": torch.__version__,
        "device": dev.type,
    }
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


@contextmanager
def _locked(path: Path):
    """One process trains a given entry; another waiting for it then loads the result."""
    with open(path.with_suffix(".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _complete_entry(weights: Path, record: Path) -> dict | None:
    """The saved record if the entry is whole (record readable, weights' sha256 matching)."""
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
        if saved.get("weights_sha256") == _sha256(weights):
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
                "nnbook.pretrain.BY_CHAPTER lists for a chapter: list this network there.")
        if saved is not None:
            model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
            history = History.from_dict(saved)
        else:
            history = train(model)
            state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            _write_atomic(weights, lambda p: torch.save(state, p))
            # The record is written last and names the weights' sha256: an entry is complete
            # only when both exist and agree (a killed or damaged write is trained again).
            data = history.to_dict() | {"name": name, "key": key,
                                        "weights_sha256": _sha256(weights)}
            _write_atomic(record, lambda p: p.write_text(json.dumps(data, indent=1, default=str),
                                                          encoding="utf-8"))
    model.to(dev).eval()
    return model, history
