"""The accuracies the issues ask of the book's trained networks (build stage).

Read from the results cache the build just filled (``NNBOOK_CACHED_ONLY=1``: nothing is
trained here). Training *times* are not asserted: they are printed by scripts/bench_cnn.py
and scripts/bench_transfer_gen.py, and stated on the pages from the training records.
"""

from __future__ import annotations

import pytest
import torch

from nnbook import data, generative, transfer, zoo

pytestmark = pytest.mark.build


@pytest.fixture(autouse=True)
def cached_only(monkeypatch):
    monkeypatch.setenv("NNBOOK_CACHED_ONLY", "1")


def test_lenet_reaches_98_5_percent_on_mnist():
    _, history = zoo.lenet_mnist()
    assert history.epochs[-1]["test_accuracy"] >= 0.985


def test_our_cifar_net_keeps_the_accuracy_it_reached():
    _, history = zoo.cifar_net()
    assert history.epochs[-1]["test_accuracy"] >= 0.83  # even when the budget cut it short


def test_our_cifar_net_reaches_85_percent_within_6_minutes():
    """Issue #4's target, for the recipe as written: 9 epochs in step with the budget. On a
    machine that could not keep that pace the clock took over the schedule (and maybe cut the
    run); that is reported as a skip naming the steps and accuracy reached, never a pass."""
    _, history = zoo.cifar_net()
    recipe = zoo.CIFAR_RECIPE
    assert history.train_seconds <= recipe["budget_seconds"] + 5  # one step may overrun
    planned = len(data.cifar10().y_train) // recipe["batch_size"] * recipe["epochs"]
    if history.clock_paced:
        pytest.skip(f"this CPU did not keep the recipe's pace: the {recipe['budget_seconds']:.0f}"
                    f"-s budget set the schedule; {history.steps} of {planned} steps in "
                    f"{history.train_seconds:.0f} s, "
                    f"{100 * history.epochs[-1]['test_accuracy']:.2f} %")
    assert history.steps == planned
    assert history.epochs[-1]["test_accuracy"] >= 0.85


def test_generated_digits_satisfy_the_judge_as_on_the_page():
    judge, _ = zoo.lenet_mnist()
    vae, _ = generative.digit_vae()
    requested = torch.arange(10).repeat_interleave(100)
    samples = generative.draw(vae, requested, temperature=generative.TEMPERATURE,
                              generator=torch.Generator().manual_seed(1))  # as chapter 9
    verdict = generative.judge(judge, samples, requested)
    assert verdict["confident"] >= generative.GOALS["confident"]
    assert verdict["correct"] >= generative.GOALS["correct"]


def _ants_bees_means() -> dict[str, float]:
    """Chapter 8's validation accuracies at the page's size, each the mean of seeds 0-2."""
    return {method: sum(transfer.ants_bees(method, seed=seed)[1].last("val_accuracy")
                        for seed in range(3)) / 3 for method in transfer.METHODS}


def test_transfer_learning_beats_training_from_scratch_as_issue_5_asks():
    means = _ants_bees_means()
    assert means["finetune"] >= 0.75
    assert means["finetune"] - means["scratch"] >= 0.06
    assert means["frozen"] >= 0.72


def test_fine_tuning_on_jpegs_recovers_accuracy():
    _, history = transfer.jpeg_finetuned()
    before, after = history.points
    assert after["test_accuracy"] > before["test_accuracy"] + 0.02
