"""The accuracies the issues ask of the book's trained networks (build stage).

Read from the results cache the build just filled (``NNBOOK_CACHED_ONLY=1``: nothing is
trained here). Training *times* are not asserted: they are printed by scripts/bench_cnn.py
and scripts/bench_transfer_gen.py, and stated on the pages from the training records.
"""

from __future__ import annotations

import pytest
import torch

from nnbook import data, generative, transfer, zoo
from nnbook.train import predict

pytestmark = pytest.mark.build


@pytest.fixture(autouse=True)
def cached_only(monkeypatch):
    monkeypatch.setenv("NNBOOK_CACHED_ONLY", "1")


def test_lenet_reaches_99_percent_on_the_test_digits():
    """Evaluated once, after training, on the 10,000 test digits (as chapter 6 does)."""
    net, history = zoo.lenet_mnist()
    digits = data.mnist()
    logits = predict(net, data.lenet_input(digits.X_test), device=net_device(net))
    accuracy = (logits.argmax(1) == digits.y_test).float().mean().item()
    assert history.steps == _planned_steps(zoo.LENET_RECIPE, 60_000, drop_last=False)
    assert accuracy >= 0.99, f"LeNet: {100 * accuracy:.2f} % of the test digits"


def test_our_cifar_net_reaches_85_percent_only_with_test_time_mirroring():
    """Issue #14's 85 %, on the test set once, after every step of the recipe (nothing may
    cut the run): reached with test-time mirroring, the page's second figure (each image and
    its mirror image; 86.27 % in the book's run, docs/networks.md). The plain figure is the
    next test's: it stays under 85 %."""
    net, history = zoo.cifar_net()
    cifar = data.cifar10()
    logits = zoo.cifar_logits(net, cifar.X_test, net_device(net), flip=True)
    accuracy = (logits.argmax(1) == cifar.y_test).float().mean().item()
    assert history.steps == _planned_steps(zoo.CIFAR_RECIPE, 50_000, drop_last=True)
    assert accuracy >= 0.85, f"our CIFAR-10 network: {100 * accuracy:.2f} % with mirroring"


def test_our_cifar_net_plain_test_accuracy_is_at_least_84_percent_not_85():
    """The page's first figure, each test image seen once: 84.89 % in the book's run and
    84.99 % in the benchmark's median (docs/networks.md), under issue #14's 85 %. Asserted on
    its own, so the mirrored figure cannot stand in for it; 84 % guards it against regressions
    and claims nothing more."""
    net, _ = zoo.cifar_net()
    cifar = data.cifar10()
    logits = zoo.cifar_logits(net, cifar.X_test, net_device(net))
    accuracy = (logits.argmax(1) == cifar.y_test).float().mean().item()
    assert accuracy >= 0.84, f"our CIFAR-10 network: {100 * accuracy:.2f} % without mirroring"


def _planned_steps(recipe: dict, images: int, drop_last: bool) -> int:
    kept = images - recipe["validation"]
    per_epoch = kept // recipe["batch_size"] if drop_last else -(-kept // recipe["batch_size"])
    return per_epoch * recipe["epochs"]


def net_device(net) -> torch.device:
    return next(net.parameters()).device


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
    """Chapter 8's test accuracies (the 153 photos of ``val``) at the page's size, each the
    mean of seeds 0-2."""
    return {method: sum(transfer.ants_bees(method, seed=seed)[1].last("test_accuracy")
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
