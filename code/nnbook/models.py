"""Every network of the book, one class each, tagged with the chapter that introduces it."""

from __future__ import annotations

import torch
from torch import nn


# --- chapter 2: the perceptron ----------------------------------------------------------
class Perceptron(nn.Module):
    """y = sigmoid(w·x + b): one neuron, a probability for class 1 (chapter 2)."""

    def __init__(self, input_dim: int = 2) -> None:
        super().__init__()
        self.fc1 = nn.Linear(input_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc1(x)).squeeze(-1)


# --- chapter 3: a small network by hand ---------------------------------------------------
class SmallNet(nn.Module):
    """Linear(3, 2) → ReLU → Linear(2, 2) → softmax: the network computed by hand (chapter 3)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(3, 2)
        self.fc2 = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # dim=-1: the last axis holds the classes, for one vector as for a batch of rows
        return torch.softmax(self.fc2(torch.relu(self.fc1(x))), dim=-1)


# --- chapter 4: the Iris classifier ------------------------------------------------------
class IrisNet(nn.Module):
    """Linear(4, 10) → ReLU → Linear(10, 3): logits for the three Iris species (chapter 4).

    ``dropout`` > 0 adds a Dropout layer after the ReLU, to show model.train()/eval().
    """

    def __init__(self, hidden: int = 10, dropout: float = 0.0) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, hidden)
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.dropout(torch.relu(self.fc1(x))))


# --- chapter 6: LeNet, the network of the PyTorch 60-minute blitz -------------------------
class LeNet(nn.Module):
    """conv 1→6 (5×5), pool, conv 6→16 (5×5), pool, fc 400→120→84→10 (chapter 6).

    Takes N×1×32×32 images (MNIST's 28×28 padded by 2, pixels in [0, 1]); gives logits.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)  # 1 input channel, 6 output channels, 5×5 kernel
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)  # 32 → 28 → 14
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)  # 14 → 10 → 5
        x = torch.flatten(x, 1)  # every dimension but the batch: 16·5·5 = 400
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


# --- chapter 7: two CIFAR-10 networks ------------------------------------------------------
class TutorialNet(nn.Module):
    """The official PyTorch CIFAR-10 tutorial's network: LeNet widened to 3 input channels."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc3(torch.relu(self.fc2(x)))


class ConvGroup(nn.Module):
    """Convolution, max-pool, BatchNorm, GELU, convolution, BatchNorm, GELU (halves the image).

    Pooling right after the first convolution makes everything after it four times cheaper.
    BatchNorm only learns its shift (the scale stays 1), as in airbench.
    """

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.norm1 = nn.BatchNorm2d(c_out, eps=1e-12, momentum=0.4)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.norm2 = nn.BatchNorm2d(c_out, eps=1e-12, momentum=0.4)
        for conv in (self.conv1, self.conv2):  # start near the identity: a deep net trains sooner
            nn.init.dirac_(conv.weight.data[:conv.in_channels])
        for norm in (self.norm1, self.norm2):
            norm.weight.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.gelu(self.norm1(nn.functional.max_pool2d(self.conv1(x), 2)))
        return nn.functional.gelu(self.norm2(self.conv2(x)))


class CifarNet(nn.Module):
    """The book's CIFAR-10 network, after Keller Jordan's airbench, scaled down for a CPU (ch. 7).

    A 2×2 convolution whose filters are computed from the data, not learned (``whiten``:
    every 2×2 patch becomes 12 uncorrelated numbers of equal spread); three ConvGroups
    (31 → 15 → 7 → 3 pixels, ``widths`` channels); the largest value of each channel; one
    linear layer, its outputs divided by 9 so that the network starts out unsure.
    """

    def __init__(self, widths: tuple[int, int, int] = (32, 64, 128)) -> None:
        super().__init__()
        self.whiten = nn.Conv2d(3, 12, 2, bias=True)  # 12 = 3 channels × 2 × 2 pixels
        self.whiten.weight.requires_grad_(False)
        inputs = (12, *widths[:-1])
        self.groups = nn.Sequential(*(ConvGroup(a, b) for a, b in zip(inputs, widths, strict=True)))
        self.head = nn.Linear(widths[-1], 10, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.groups(self.whiten(x))
        return self.head(x.amax(dim=(2, 3))) / 9

    @torch.no_grad()
    def init_whitening(self, images: torch.Tensor, eps: float = 5e-4) -> CifarNet:
        """Set the 2×2 filters from normalized images N×3×H×W so their outputs are whitened.

        The covariance of all 2×2×3 patches has eigenvectors v and eigenvalues λ; filter k is
        v_k / sqrt(λ_k + eps), so the 12 outputs are uncorrelated and each has spread ~1.
        """
        patches = images.unfold(2, 2, 1).unfold(3, 2, 1)  # N×3×(H-1)×(W-1)×2×2
        patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(-1, 12).double()
        covariance = patches.T @ patches / len(patches)
        eigenvalues, eigenvectors = torch.linalg.eigh(covariance)
        filters = eigenvectors.T / torch.sqrt(eigenvalues.unsqueeze(1) + eps)
        self.whiten.weight.copy_(filters.view(12, 3, 2, 2).float())
        return self


# --- chapter 8: the CIFAR-10 ResNets of He et al. (2015), pretrained by akamaster -----------
class BasicBlock(nn.Module):
    """Two 3×3 convolutions with BatchNorm and a shortcut around them (He et al. 2015)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.stride, self.pad = stride, (c_out - c_in) // 2

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        """Identity, or (option A) every second pixel with zero channels added: no parameters."""
        if self.stride == 1 and self.pad == 0:
            return x
        x = x[:, :, ::self.stride, ::self.stride]
        return nn.functional.pad(x, (0, 0, 0, 0, self.pad, self.pad))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class CifarResNet(nn.Module):
    """ResNet-20/32/44/56 for 32×32 images: 6n+2 layers in three stages of 16, 32, 64 channels.

    Module names match akamaster/pytorch_resnet_cifar10's checkpoints, so ``pretrained(depth)``
    loads them with ``strict=True`` (chapter 8). ``features(x)`` is everything but the head.
    """

    def __init__(self, depth: int = 20, num_classes: int = 10) -> None:
        super().__init__()
        if (depth - 2) % 6:
            raise ValueError(f"depth must be 6n+2 (20, 32, 44, 56, ...), not {depth}")
        n = (depth - 2) // 6
        self.depth = depth
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        stages, c = [], 16
        for width, stride in [(16, 1), (32, 2), (64, 2)]:
            blocks = [BasicBlock(c, width, stride)]
            blocks += [BasicBlock(width, width) for _ in range(n - 1)]
            stages.append(nn.Sequential(*blocks))
            c = width
        self.layer1, self.layer2, self.layer3 = stages
        self.linear = nn.Linear(64, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 64 numbers per image before the head: global average of the last feature map."""
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return x.mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.features(x))

    # True: every BatchNorm layer stays in eval mode while training (its statistics stay put)
    statistics_kept = False

    def keep_statistics(self) -> CifarResNet:
        """Keep the BatchNorm layers' running means and variances as they are while training.

        Fine-tuning on a few hundred photos in batches of 32 would otherwise replace the
        statistics learnt from 50,000 images with noisy ones from each small batch.
        """
        self.statistics_kept = True
        return self.train(self.training)

    def freeze_features(self) -> CifarResNet:
        """Train only the head ``linear``: the body's weights and BatchNorm statistics stay put."""
        for name, parameter in self.named_parameters():
            parameter.requires_grad = name.startswith("linear.")
        return self.keep_statistics()

    def train(self, mode: bool = True) -> CifarResNet:
        """As nn.Module.train, but kept statistics keep the BatchNorm layers in eval mode."""
        super().train(mode)
        if self.statistics_kept:
            for module in self.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.eval()
        return self


class ChecksumError(RuntimeError):
    """A weights file's contents do not match the sha256 prefix in its name."""


def verify_checksum(path) -> str:
    """Check that a file's sha256 starts with the hex part of its name (resnet20-12fca82f.th)."""
    import hashlib
    from pathlib import Path

    path = Path(path)
    expected = path.stem.rsplit("-", 1)[-1].lower()
    if len(expected) < 8 or any(ch not in "0123456789abcdef" for ch in expected):
        raise ChecksumError(f"{path}: the file name carries no sha256 prefix (name-<hex>.th)")
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if not actual.startswith(expected):
        raise ChecksumError(f"{path}: sha256 is {actual[:16]}…, the name promises {expected}…; "
                            "the file is damaged or not the published checkpoint")
    return actual


def pretrained_resnet(depth: int = 20, path=None) -> CifarResNet:
    """A CifarResNet with akamaster's CIFAR-10 weights (BSD-2-Clause, © 2018 Yerlan Idelbayev).

    The checksum in the file name is verified; the checkpoint is loaded with
    ``weights_only=True`` (no pickled code runs) and ``strict=True`` (every weight must fit).
    """
    from nnbook import data

    path = data.resnet_weights(depth) if path is None else path
    verify_checksum(path)
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    state = {k.removeprefix("module."): v for k, v in checkpoint["state_dict"].items()}
    model = CifarResNet(depth)
    model.load_state_dict(state, strict=True)
    return model.eval()


# --- chapter 9: a conditional variational autoencoder that draws digits --------------------
class ConditionalVAE(nn.Module):
    """Encoder: digit image + its label → mean and log-variance of ``latent`` numbers;
    decoder: those numbers + a label → the logits of a 28×28 image (chapter 9).

    Giving both halves the label (one-hot) lets the latent space keep only the style
    (slant, thickness), so ``decode(z, label)`` draws the digit that was asked for.
    Dense layers, not convolutions: on a small CPU they do far more arithmetic per second.
    """

    def __init__(self, latent: int = 16, hidden: int = 512) -> None:
        super().__init__()
        self.latent = latent
        self.encoder = nn.Sequential(
            nn.Linear(28 * 28 + 10, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, 2 * latent),  # the means and the log-variances
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent + 10, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, 28 * 28),  # one logit per pixel
        )

    def encode(self, images: torch.Tensor, labels: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """The mean and log-variance of the latent numbers of each (image, label)."""
        onehot = nn.functional.one_hot(labels, 10).float()
        mu, logvar = self.encoder(torch.cat([images.flatten(1), onehot], 1)).chunk(2, 1)
        return mu, logvar

    def decode(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Pixel logits N×1×28×28 of the digits ``labels`` in the style ``z``."""
        onehot = nn.functional.one_hot(labels, 10).float()
        return self.decoder(torch.cat([z, onehot], 1)).view(-1, 1, 28, 28)

    def forward(self, images: torch.Tensor, labels: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encode, draw z = mu + sigma·noise (the reparameterization trick), decode."""
        mu, logvar = self.encode(images, labels)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z, labels), mu, logvar
