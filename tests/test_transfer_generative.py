"""Chapters 8-9: the CIFAR ResNet and its checkpoints, augmentation, the VAE and its judge."""

from __future__ import annotations

import shutil

import pytest
import torch
from torch import nn

from nnbook import data, generative, models, transfer


def test_resnet_depths_and_shapes():
    for depth, params in [(20, 269_722), (32, 464_154)]:
        model = models.CifarResNet(depth)
        assert sum(p.numel() for p in model.parameters()) == params  # akamaster's counts
    model = models.CifarResNet(20, num_classes=2).eval()
    assert model(torch.randn(3, 3, 32, 32)).shape == (3, 2)
    assert model(torch.randn(1, 3, 64, 64)).shape == (1, 2)  # global pooling: any size
    with pytest.raises(ValueError, match="6n\\+2"):
        models.CifarResNet(21)


def test_option_a_shortcut_pads_channels_without_parameters():
    block = models.BasicBlock(16, 32, stride=2)
    x = torch.randn(2, 16, 8, 8)
    out = block.shortcut(x)
    assert out.shape == (2, 32, 4, 4)
    assert torch.equal(out[:, 8:24], x[:, :, ::2, ::2])
    assert out[:, :8].abs().sum() == 0 and out[:, 24:].abs().sum() == 0


def _weights(depth: int = 20):
    """The pretrained weights from the offline mirror: missing weights FAIL (like MNIST in
    test_cnn.py), they never skip."""
    try:
        return data.resnet_weights(depth)
    except data.DataMissing as err:
        pytest.fail(f"the pretrained ResNet-{depth} is not in the data mirror: {err}")


def test_pretrained_loads_strictly_and_classifies():
    _weights()
    model = models.pretrained_resnet(20)
    assert not model.training
    try:
        split = data.cifar10()
    except data.DataMissing as err:
        pytest.fail(f"CIFAR-10 is not in the data mirror: {err}")
    # 20 test images of each class (the mirror's JPEGs: a little harder than the originals)
    picked = torch.cat([torch.nonzero(split.y_test == c)[:20, 0] for c in range(10)])
    images, labels = split.X_test[picked], split.y_test[picked]
    torch.manual_seed(0)
    untrained = models.CifarResNet(20).eval()
    with torch.no_grad():
        predicted = model(transfer.normalize_imagenet(images)).argmax(1)
        guessed = untrained(transfer.normalize_imagenet(images)).argmax(1)
    accuracy = (predicted == labels).float().mean().item()
    assert accuracy >= 0.7, f"pretrained ResNet-20: {accuracy:.0%} of 200 test images right"
    assert (guessed == labels).float().mean().item() < 0.3  # untrained: about chance (10 %)
    assert len(predicted.unique()) == 10  # every class is predicted, not one class for all


def test_checksum_mismatch_names_the_file(tmp_path):
    path = _weights()
    bad = tmp_path / path.name
    shutil.copy(path, bad)
    with bad.open("r+b") as f:  # flip one byte
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(models.ChecksumError, match=bad.name):
        models.pretrained_resnet(20, path=bad)
    unnamed = tmp_path / "resnet20.th"
    shutil.copy(path, unnamed)
    with pytest.raises(models.ChecksumError, match="no sha256 prefix"):
        models.verify_checksum(unnamed)


def test_missing_weights_and_photos_say_where_they_were_looked_for(tmp_path):
    with pytest.raises(data.DataMissing, match="resnet56-4bfd9763.th") as err:
        data.resnet_weights(56, roots=[tmp_path / "a", tmp_path / "b"])
    assert str(tmp_path / "a") in str(err.value) and str(tmp_path / "b") in str(err.value)
    with pytest.raises(data.DataMissing, match="hymenoptera_data"):
        data.hymenoptera(32, roots=[tmp_path])
    with pytest.raises(ValueError, match="no pretrained ResNet-110"):
        data.resnet_weights(110)


def test_freeze_features_trains_only_the_head():
    model = models.CifarResNet(20)
    model.linear = nn.Linear(64, 2)
    model.freeze_features()
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ["linear.weight", "linear.bias"]
    model.train()
    assert not model.bn1.training and not model.layer3[2].bn2.training  # statistics stay
    assert model.linear.training
    before = model.bn1.running_mean.clone()
    model(torch.randn(4, 3, 32, 32) * 5 + 3)
    assert torch.equal(model.bn1.running_mean, before)


def test_keep_statistics_learns_every_weight_but_not_the_batchnorm_statistics():
    model = models.CifarResNet(20).keep_statistics().train()
    before = model.layer1[0].bn1.running_var.clone()
    model(torch.randn(4, 3, 32, 32) * 5 + 3).sum().backward()
    assert torch.equal(model.layer1[0].bn1.running_var, before)
    assert all(p.grad is not None for p in model.parameters())


def _batchnorms(model: nn.Module) -> list[nn.BatchNorm2d]:
    return [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]


def test_ants_model_methods():
    _weights()
    pretrained = models.pretrained_resnet(20)
    body = {n: p for n, p in pretrained.named_parameters() if not n.startswith("linear.")}
    x = torch.randn(4, 3, 32, 32) * 5 + 3

    frozen = transfer.ants_model("frozen")
    assert [n for n, p in frozen.named_parameters() if p.requires_grad] == [
        "linear.weight", "linear.bias"]  # only the new head learns
    assert frozen.linear.out_features == 2
    assert all(torch.equal(p, body[n]) for n, p in frozen.named_parameters() if n in body)
    frozen.train()
    assert frozen.linear.training and not any(bn.training for bn in _batchnorms(frozen))

    finetune = transfer.ants_model("finetune")
    assert all(p.requires_grad for p in finetune.parameters())  # every weight learns
    assert finetune.linear.out_features == 2
    assert all(torch.equal(p, body[n]) for n, p in finetune.named_parameters() if n in body)
    finetune.train()
    assert finetune.training and not any(bn.training for bn in _batchnorms(finetune))
    before = [bn.running_mean.clone() for bn in _batchnorms(finetune)]
    finetune(x).sum().backward()  # a training step's forward pass keeps the statistics
    assert all(torch.equal(bn.running_mean, b)
               for bn, b in zip(_batchnorms(finetune), before, strict=True))
    assert finetune.conv1.weight.grad is not None

    scratch = transfer.ants_model("scratch")
    assert all(p.requires_grad for p in scratch.parameters())
    assert scratch.linear.out_features == 2
    assert not torch.equal(scratch.conv1.weight, pretrained.conv1.weight)  # a random start
    assert torch.equal(scratch.bn1.running_mean, torch.zeros(16))  # statistics not learnt yet
    scratch.train()
    assert all(bn.training for bn in _batchnorms(scratch))  # from scratch learns them
    before = scratch.bn1.running_mean.clone()
    scratch(x)
    assert not torch.equal(scratch.bn1.running_mean, before)
    with pytest.raises(ValueError, match="method"):
        transfer.ants_model("magic")


def _placement(out: torch.Tensor, image: torch.Tensor, shift: int, margin: int):
    """The (dy, dx, mirrored) that makes ``out``'s inner block a copy of ``image``'s, or None."""
    inner = out[:, margin:-margin, margin:-margin]
    size = image.shape[-1]
    for mirrored in (False, True):
        source = (image.flip(-1) if mirrored else image).float()
        for dy in range(-shift, shift + 1):
            for dx in range(-shift, shift + 1):
                block = source[:, margin + dy:size - margin + dy, margin + dx:size - margin + dx]
                if torch.allclose(inner, block, atol=1e-3):
                    return dy, dx, mirrored
    return None


def test_random_crops_shift_is_exact_and_crops_have_the_size():
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (16, 3, 32, 32), dtype=torch.uint8)
    shifted = transfer.random_crops(images, g, 32, shift=4)
    assert shifted.shape == (16, 3, 32, 32)
    # each output is its own input moved by whole pixels (at most 4), maybe mirrored: away
    # from the reflected border, every pixel is an input pixel, in place
    placements = [_placement(out, image, shift=4, margin=4)
                  for out, image in zip(shifted, images, strict=True)]
    assert None not in placements, placements
    assert len({(dy, dx) for dy, dx, _ in placements}) > 3  # moved, not all by the same step
    assert {m for _, _, m in placements} == {False, True}  # about half of them mirrored
    assert _placement(shifted[1], images[0], shift=4, margin=4) is None  # another image's
    crops = transfer.random_crops(images, g, 24)
    assert crops.shape == (16, 3, 24, 24)
    assert 0 <= crops.min() and crops.max() <= 255


def test_vae_shapes_and_loss():
    vae = models.ConditionalVAE(latent=8, hidden=32)
    images, labels = torch.rand(5, 1, 28, 28), torch.arange(5)
    logits, mu, logvar = vae(images, labels)
    assert logits.shape == (5, 1, 28, 28) and mu.shape == logvar.shape == (5, 8)
    reconstruction, kl = generative.vae_loss(logits, images, torch.zeros(5, 8), torch.zeros(5, 8))
    assert kl.item() == 0  # N(0, 1) is the prior itself
    _, kl = generative.vae_loss(logits, images, torch.ones(5, 8), torch.zeros(5, 8))
    assert kl.item() == pytest.approx(0.5 * 8)
    drawn = generative.draw(vae, torch.tensor([3, 7]))
    assert drawn.shape == (2, 1, 28, 28) and 0 <= drawn.min() and drawn.max() <= 1


class _Fixed(nn.Module):
    """A fake classifier: the logits are given, whatever the image."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = nn.Parameter(logits, requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert x.shape[1:] == (1, 32, 32)  # the judge pads digits for LeNet
        return self.logits


def test_judge_counts_confident_and_correct():
    logits = torch.full((4, 10), -10.0)
    logits[0, 3] = 10  # sure it is a 3
    logits[1, 5] = 10  # sure it is a 5, but a 3 was asked for
    logits[2, 3], logits[2, 8] = 1.0, 0.9  # a 3, barely
    logits[3, 7] = 10  # sure it is a 7
    verdict = generative.judge(_Fixed(logits), torch.zeros(4, 1, 28, 28),
                               torch.tensor([3, 3, 3, 7]))
    assert verdict["confident"] == pytest.approx(3 / 4)
    assert verdict["correct"] == pytest.approx(3 / 4)
    assert verdict["correct_per_digit"][3] == pytest.approx(2 / 3)
    assert verdict["correct_per_digit"][7] == 1
    assert verdict["predicted"].tolist() == [3, 5, 3, 7]


def test_diversity_is_zero_for_a_collapsed_generator():
    same = torch.ones(10, 1, 28, 28) * 0.5
    assert generative.mean_pairwise_distance(same) == pytest.approx(0, abs=1e-3)
    two = torch.stack([torch.zeros(1, 28, 28), torch.ones(1, 28, 28)])
    assert generative.mean_pairwise_distance(two) == pytest.approx(28.0, rel=1e-4)
    with pytest.raises(ValueError, match="at least 2, got 1"):  # not a silent NaN
        generative.mean_pairwise_distance(two[:1])
    labels = torch.arange(10).repeat_interleave(2)
    spread = generative.diversity(torch.rand(20, 1, 28, 28), labels)
    assert spread.shape == (10,) and (spread > 5).all()


def test_latent_walk_runs_from_start_to_end_for_each_digit():
    vae = models.ConditionalVAE(latent=4, hidden=16)
    walk = generative.latent_walk(vae, steps=5, generator=torch.Generator().manual_seed(3))
    assert walk.shape == (10, 5, 28, 28)
    g = torch.Generator().manual_seed(3)
    start, end = torch.randn(10, 4, generator=g), torch.randn(10, 4, generator=g)
    digit = torch.tensor([6])
    assert torch.allclose(walk[6, 0], generative.draw(vae, digit, start[6:7])[0, 0], atol=1e-6)
    assert torch.allclose(walk[6, -1], generative.draw(vae, digit, end[6:7])[0, 0], atol=1e-6)
    middle = generative.draw(vae, digit, (start[6:7] + end[6:7]) / 2)[0, 0]
    assert not torch.allclose(walk[6, 1], middle)  # step 1 of 4 is not the midpoint
    assert not torch.allclose(walk[6, 0], walk[7, 0])  # each digit walks its own line


def test_same_style_decodes_one_latent_point_as_every_digit():
    vae = models.ConditionalVAE(latent=4, hidden=16)
    grid = generative.same_style(vae, styles=3, generator=torch.Generator().manual_seed(1))
    assert grid.shape == (3, 10, 28, 28)
    z = torch.randn(3, 4, generator=torch.Generator().manual_seed(1))
    for style, digit in ((0, 0), (2, 9), (1, 4)):
        expected = generative.draw(vae, torch.tensor([digit]), z[style:style + 1])[0, 0]
        assert torch.allclose(grid[style, digit], expected, atol=1e-6)


def test_hardest_digits_names_every_digit_tied_for_the_lowest_share():
    shares = torch.tensor([1.0, 0.99, 0.99, 1.0, 1.0, 0.98, 1.0, 0.98, 1.0, 1.0])
    assert generative.hardest_digits(shares) == [5, 7]
    assert generative.hardest_digits(torch.ones(10)) == list(range(10))
