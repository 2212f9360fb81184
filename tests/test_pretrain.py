"""nnbook.site.pretrain: the build trains what the pages load, before they run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from nnbook import i18n
from nnbook.site import pretrain

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
    entry.write_bytes(b"damaged")  # a damaged entry: train (and check) again
    assert build._results_state(["zoo.lenet_mnist()"]) != before


def test_openmp_threads_sleep_while_pages_share_the_cores_but_may_spin_for_the_trainer(
        monkeypatch):
    from nnbook.site import build

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert build.kernel_env(1)["OMP_WAIT_POLICY"] == "PASSIVE"  # pages side by side
    assert "OMP_WAIT_POLICY" not in build.kernel_env(shared=False)  # the trainer, alone
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")  # a reader's own choice is kept
    assert build.kernel_env(1)["OMP_WAIT_POLICY"] == "ACTIVE"
