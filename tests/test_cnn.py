"""Chapters 6-7: LeNet and the CIFAR-10 networks, their data, the training loop's schedule."""

from __future__ import annotations

import time

import pytest
import torch
from torch import nn

from nnbook import data, models, results, zoo
from nnbook.train import TensorBatches, accuracy_in_batches, fit, predict


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_lenet_shapes_and_parameters():
    net = models.LeNet()
    assert net(torch.zeros(3, 1, 32, 32)).shape == (3, 10)
    assert net.conv1.weight.shape == (6, 1, 5, 5)
    assert net.conv2.weight.shape == (16, 6, 5, 5)
    assert net.fc1.weight.shape == (120, 400)
    assert len(list(net.parameters())) == 10
    # (6·25+6) + (16·6·25+16) + (400·120+120) + (120·84+84) + (84·10+10)
    assert n_params(net) == 61_706
    with pytest.raises(RuntimeError):
        net(torch.zeros(1, 1, 28, 28))  # 28×28 gives a 16×4×4 map, not the 400 fc1 expects


def test_cifar_networks_shapes_and_parameters():
    tutorial = models.TutorialNet()
    assert tutorial(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert n_params(tutorial) == 62_006
    ours = models.CifarNet()
    assert ours(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert n_params(ours) == 291_484
    assert n_params(models.CifarNet((16, 32, 64))) < n_params(ours)
    assert not ours.whiten.weight.requires_grad  # computed from the data, never learnt


def test_lenet_input_pads_digits_to_32():
    digits = torch.full((2, 28, 28), 255, dtype=torch.uint8)
    x = data.lenet_input(digits)
    assert x.shape == (2, 1, 32, 32) and x.dtype == torch.float32
    assert x[:, :, 2:30, 2:30].eq(1).all() and x[:, :, :2].eq(0).all()
    assert data.lenet_input(torch.rand(2, 1, 32, 32)).shape == (2, 1, 32, 32)


def test_missing_mnist_names_where_it_looked(tmp_path):
    with pytest.raises(data.DataMissing, match=str(tmp_path / "MNIST" / "raw")):
        data.mnist(roots=[tmp_path])
    (tmp_path / "MNIST" / "raw").mkdir(parents=True)
    (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").write_bytes(b"")
    with pytest.raises(data.DataMissing, match="t10k-labels-idx1-ubyte"):
        data.mnist(roots=[tmp_path])


def test_missing_or_incomplete_cifar10_is_a_clear_error(tmp_path):
    with pytest.raises(data.DataMissing, match=str(tmp_path / "cifar10")):
        data.cifar10(roots=[tmp_path])
    (tmp_path / "cifar10" / "train" / "airplane").mkdir(parents=True)
    with pytest.raises(data.DataMissing, match="test"):
        data.cifar10(roots=[tmp_path])
    (tmp_path / "cifar10" / "test").mkdir()
    with pytest.raises(data.DataMissing, match="automobile"):
        data.cifar10(roots=[tmp_path])


def test_flip_and_shift_moves_whole_images():
    images = torch.arange(2 * 3 * 8 * 8, dtype=torch.uint8).reshape(2, 3, 8, 8)
    g = torch.Generator().manual_seed(0)
    flipped = zoo.flip_and_shift(images.repeat(50, 1, 1, 1), g, pad=0)
    for out, src in zip(flipped, images.repeat(50, 1, 1, 1), strict=True):
        assert torch.equal(out, src) or torch.equal(out, src.flip(-1))
    assert not torch.equal(flipped, images.repeat(50, 1, 1, 1))  # some were mirrored
    shifted = zoo.flip_and_shift(images, g, pad=2)
    assert shifted.shape == images.shape and shifted.dtype == torch.uint8


def test_per_class_accuracy_and_confusion_matrix():
    targets = torch.tensor([0, 0, 1, 1, 2])
    predicted = torch.tensor([0, 1, 1, 1, 0])
    assert zoo.accuracy_per_class(predicted, targets, 3).tolist() == [0.5, 1.0, 0.0]
    cm = zoo.confusion_matrix(predicted, targets, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert cm.sum() == len(targets)


def test_tensor_batches_cover_every_example_once():
    X, y = torch.arange(10).float().unsqueeze(1), torch.arange(10)
    batches = TensorBatches(X, y, 4, seed=1)
    assert len(batches) == 3
    seen = torch.cat([t for _, t in batches])
    assert sorted(seen.tolist()) == list(range(10))
    assert len(TensorBatches(X, y, 4, drop_last=True)) == 2


def test_lenet_learns_on_a_small_subset():
    torch.manual_seed(0)
    digits = data.mnist()
    X, y = data.lenet_input(digits.X_train[:512]), digits.y_train[:512]
    net, cpu = models.LeNet(), torch.device("cpu")
    before = accuracy_in_batches(net, X, y, device=cpu)
    history = fit(net, lambda e: TensorBatches(X, y, 32, seed=e),
                  torch.optim.Adam(net.parameters(), lr=3e-3), nn.CrossEntropyLoss(), 4, device=cpu)
    after = accuracy_in_batches(net, X, y, device=cpu)
    assert before < 0.3 and after > 0.8, (before, after)
    assert history.epochs[-1]["loss"] < history.epochs[0]["loss"]
    assert history.steps == 4 * 16


def test_the_schedule_follows_the_steps_only():
    X, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
    net = nn.Linear(4, 2)
    seen: list[float] = []
    fit(net, lambda e: TensorBatches(X, y, 8, seed=e), torch.optim.SGD(net.parameters(), lr=1.0),
        nn.CrossEntropyLoss(), 2, device=torch.device("cpu"),
        schedule=lambda p: seen.append(p) or 1 - p)
    assert seen == [i / 16 for i in range(16)]  # 2 epochs of 8 batches


class SlowBatches:
    """8 batches, some of them slow to arrive (as on a busy machine)."""

    def __init__(self, X, y, epoch, slow: bool):
        self.batches, self.slow = list(TensorBatches(X, y, 8, seed=epoch)), slow

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        for i, batch in enumerate(self.batches):
            if self.slow and i % 3 == 0:
                time.sleep(0.05)
            yield batch


def test_a_slow_or_busy_machine_trains_the_same_weights():
    """Nothing in the loop follows the clock: slowing the batches down changes the seconds
    recorded, never the learning rates or the weights."""
    X, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
    runs = []
    for slow in (False, True):
        torch.manual_seed(0)
        net, lrs = nn.Linear(4, 2), []
        optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
        history = fit(net, lambda e, slow=slow: SlowBatches(X, y, e, slow), optimizer,
                      nn.CrossEntropyLoss(), 3, device=torch.device("cpu"),
                      schedule=lambda p: 1 - p,
                      after_step=lambda o=optimizer, lrs=lrs: lrs.append(o.param_groups[0]["lr"]))
        runs.append((net.weight.detach().clone(), lrs, history))
    (w_fast, lr_fast, fast), (w_slow, lr_slow, slow) = runs
    assert lr_fast == lr_slow and torch.equal(w_fast, w_slow)
    assert slow.train_seconds >= 9 * 0.05  # its waits were counted as training time
    assert fast.steps == slow.steps == 24


def test_a_schedule_needs_batches_with_a_length():
    X, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    with pytest.raises(ValueError, match="length"):
        fit(nn.Linear(4, 2), lambda e: iter(TensorBatches(X, y, 8, seed=e)),
            torch.optim.SGD(nn.Linear(4, 2).parameters(), lr=0.1), nn.CrossEntropyLoss(), 1,
            device=torch.device("cpu"), schedule=lambda p: 1.0)


def test_finish_runs_once_after_the_last_step_before_the_last_evaluation():
    X, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
    cpu, events = torch.device("cpu"), []
    net = nn.Linear(4, 2)
    fit(net, lambda e: TensorBatches(X, y, 8, seed=e),
        torch.optim.SGD(net.parameters(), lr=0.1), nn.CrossEntropyLoss(), 2,
        device=cpu, after_step=lambda: events.append("step"),
        finish=lambda: events.append("finish"),
        evaluate=lambda m: events.append("evaluate") or {})
    assert events.count("finish") == 1
    assert events[-3:] == ["step", "finish", "evaluate"]


def test_predict_moves_the_model_to_the_inputs_device():
    """A model left on the CPU with inputs for another device fails at the first layer;
    predict moves the model. The meta device stands in for CUDA on a CPU-only machine."""
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    meta = torch.device("meta")
    with pytest.raises((RuntimeError, NotImplementedError)):
        net(torch.randn(5, 4, device=meta))  # the mismatch itself fails
    # The forward pass on the meta device works once the model is moved; only copying the
    # (data-less) logits back to the CPU then fails, and that is as far as predict can get.
    with pytest.raises(NotImplementedError, match="meta tensor"):
        predict(net, torch.randn(5, 4), device=meta, batch_size=2)
    assert next(net.parameters()).device.type == "meta"


def test_lookahead_finish_ends_on_the_slow_copy():
    net = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        net.weight.zero_()
    look = zoo.Lookahead(net, total_steps=10, every=5)
    with torch.no_grad():
        net.weight.fill_(1.0)
    look()  # step 1 of 5: no update yet, the slow copy is still 0
    look.finish()
    assert net.weight[0, 0].item() == 0.0


def test_evaluate_every_records_points_with_training_time():
    X, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
    net, cpu = nn.Linear(4, 2), torch.device("cpu")
    history = fit(net, lambda e: TensorBatches(X, y, 8, seed=e),
                  torch.optim.SGD(net.parameters(), lr=0.1), nn.CrossEntropyLoss(), 2,
                  device=cpu, evaluate_every=4,
                  evaluate=lambda m: {"val_accuracy": accuracy_in_batches(m, X, y, device=cpu)})
    assert [p["step"] for p in history.points] == [0, 4, 8, 12, 16]
    assert [p["epoch"] for p in history.points] == [0, 0.5, 1, 1.5, 2]
    seconds = [p["seconds"] for p in history.points]
    assert seconds == sorted(seconds) and seconds[0] == 0


def toy_model() -> nn.Module:
    """The same untrained model each time (its initial weights are part of the key)."""
    torch.manual_seed(0)
    return nn.Linear(2, 2)


def test_results_cache_trains_once_and_keeps_the_training_time(tmp_path, monkeypatch):
    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path))
    calls = []

    def train(model: nn.Module):
        calls.append(1)
        with torch.no_grad():
            model.weight.fill_(0.5)
        from nnbook.train import History

        return History(epochs=[{"epoch": 1, "loss": 0.1}], train_seconds=12.5)

    dev = torch.device("cpu")
    first, h1 = results.trained("t", toy_model(), train, {"seed": 0}, device=dev)
    second, h2 = results.trained("t", toy_model(), train, {"seed": 0}, device=dev)
    assert len(calls) == 1 and h2.from_cache and not h1.from_cache
    assert h2.train_seconds == 12.5 and torch.equal(second.weight, first.weight)
    assert h1.record == h2.record and h2.record["key"] == {"seed": 0}  # for provenance()
    assert h2.record["weights_digest"] == results.weights_digest(second)
    results.trained("t", toy_model(), train, {"seed": 1}, device=dev)
    assert len(calls) == 2  # another key: trained again
    monkeypatch.setenv("NNBOOK_CACHED_ONLY", "1")
    results.trained("t", toy_model(), train, {"seed": 1}, device=dev)  # cached: fine
    with pytest.raises(LookupError, match=r"no trained 't'.*NNBOOK_CACHED_ONLY"):
        results.trained("t", toy_model(), train, {"seed": 2}, device=dev)
    assert len(calls) == 2


def test_whitening_filters_decorrelate_the_patches_of_the_images_they_were_set_from():
    g = torch.Generator().manual_seed(0)
    images = torch.randn(64, 3, 12, 12, generator=g)
    images[:, 1] = 0.8 * images[:, 0] + 0.2 * images[:, 1]  # strongly correlated channels
    net = models.CifarNet().init_whitening(images)
    out = torch.nn.functional.conv2d(images, net.whiten.weight)  # without the bias
    flat = out.permute(0, 2, 3, 1).reshape(-1, 12)
    covariance = flat.T @ flat / len(flat)
    off_diagonal = covariance - torch.diag(covariance.diag())
    assert off_diagonal.abs().max() < 1e-4
    assert torch.allclose(covariance.diag(), torch.ones(12), atol=0.2)
    before = images.unfold(2, 2, 1).unfold(3, 2, 1).permute(0, 2, 3, 1, 4, 5).reshape(-1, 12)
    assert (before.T @ before / len(before))[0, 4].abs() > 0.5  # they were correlated


def test_lookahead_pulls_weights_back_toward_the_slow_copy_every_k_steps():
    net = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        net.weight.zero_()
    look = zoo.Lookahead(net, total_steps=10, every=5)
    for step in range(1, 11):
        with torch.no_grad():
            net.weight.fill_(1.0)  # a "fast" step lands on 1
        look()
        if step == 5:  # progress 0.5: decay 0.95**5 * 0.125 ≈ 0.097, so w ≈ 0.903
            assert net.weight[0, 0].item() == pytest.approx(1 - 0.95 ** 5 * 0.125, rel=1e-5)
    decay = 0.95 ** 5  # at the end (progress 1) the slow copy keeps this share
    expected = (1 - 0.95 ** 5 * 0.125) * decay + (1 - decay)
    assert net.weight[0, 0].item() == pytest.approx(expected, rel=1e-5)


def test_alternating_flips_show_every_image_both_ways_in_two_epochs():
    flips = zoo.alternating_flips(1000, torch.Generator().manual_seed(0))
    first, second, third = flips(0), flips(1), flips(2)
    assert 400 < first.sum() < 600
    assert (first ^ second).all() and torch.equal(first, third)


def test_cifar_sgd_settings_restate_airbench_for_the_mean_loss():
    airbench = {"lr": 11.5, "batch_size": 1024, "momentum": 0.85}
    sgd = zoo.cifar_sgd_settings(zoo.CIFAR_RECIPE | airbench)
    scale = 1024 * (1 + 1 / 0.15)
    assert sgd["lr"] == pytest.approx(11.5 * 1024 / scale)
    # the weights shrink by weight_decay·batch/scale per step, whatever the batch size
    assert sgd["lr"] * sgd["weight_decay"] == pytest.approx(0.0153 * 1024 / scale)
    assert sgd["bias_lr"] * sgd["bias_weight_decay"] == pytest.approx(0.0153 * 1024 / scale)
    half = zoo.cifar_sgd_settings(zoo.CIFAR_RECIPE | airbench | {"batch_size": 512})
    assert half["lr"] == pytest.approx(sgd["lr"] / 2)


def test_progressive_resizing_shows_small_images_first_then_full_size():
    """The first ``small_epochs`` train on downscaled images; the rest, and the test, at 32 px."""
    g = torch.Generator().manual_seed(0)
    split = data.ImageSplit(X_train=torch.randint(0, 256, (512, 3, 32, 32), generator=g,
                                                  dtype=torch.uint8),
                            y_train=torch.randint(0, 10, (512,), generator=g),
                            X_test=torch.randint(0, 256, (64, 3, 32, 32), generator=g,
                                                 dtype=torch.uint8),
                            y_test=torch.randint(0, 10, (64,), generator=g),
                            classes=[str(c) for c in range(10)]).with_validation(64)
    recipe = zoo.CIFAR_RECIPE | {"epochs": 3, "small_epochs": 2, "small_size": 24,
                                 "batch_size": 224, "whiten_images": 64}
    model = models.CifarNet(recipe["widths"])
    seen: list[int] = []
    model.whiten.register_forward_hook(
        lambda m, args, out: seen.append(args[0].shape[-1]) if m.training else None)
    zoo.train_cifar_net(model, split, recipe, torch.device("cpu"))
    assert seen == [24, 24, 24, 24, 32, 32]  # 2 batches per epoch


def test_test_logits_are_computed_once_per_build_and_recomputed_when_damaged(tmp_path,
                                                                             monkeypatch):
    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path))
    torch.manual_seed(0)
    net = models.CifarNet().eval()
    images = torch.randint(0, 256, (8, 3, 32, 32), dtype=torch.uint8)
    cpu = torch.device("cpu")
    calls = []
    monkeypatch.setattr(zoo, "predict", lambda *a, **k: calls.append(1) or torch.ones(8, 10))
    plain = zoo.cifar_logits(net, images, cpu)
    both = zoo.cifar_logits(net, images, cpu, flip=True)  # the plain pass comes from the cache
    assert len(calls) == 2 and torch.equal(both, 2 * plain)
    zoo.cifar_logits(net, images, cpu, flip=True)
    assert len(calls) == 2
    with torch.no_grad():
        net.head.weight.add_(1)  # other weights: another entry
    zoo.cifar_logits(net, images, cpu)
    assert len(calls) == 3
    for entry in (tmp_path / "results" / "computed").glob("*.pt"):
        entry.write_bytes(b"damaged")
    zoo.cifar_logits(net, images, cpu)
    assert len(calls) == 4
    zoo.cifar_logits(net, images, cpu, cache=False)
    assert len(calls) == 5
