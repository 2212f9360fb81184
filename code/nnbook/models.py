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


def conv_bn(c_in: int, c_out: int) -> list[nn.Module]:
    """3×3 convolution (no bias: BatchNorm adds one), BatchNorm, GELU."""
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.GELU()]


class CifarNet(nn.Module):
    """The book's CIFAR-10 network, after airbench (Keller Jordan), made cheap for CPUs (ch. 7).

    A 2×2 stem with stride 2 (32×32 → 16×16 at once), then three blocks of two 3×3
    convolutions (BatchNorm, GELU), the first two followed by a max-pool; the average of the
    last 4×4 map; one linear layer. Working at 16×16 from the start keeps each image cheap.
    """

    def __init__(self, widths: tuple[int, int, int] = (48, 96, 192), stem: int = 32) -> None:
        super().__init__()
        layers = [nn.Conv2d(3, stem, 2, stride=2, bias=False), nn.BatchNorm2d(stem), nn.GELU()]
        c = stem
        for k, w in enumerate(widths):
            layers += conv_bn(c, w) + conv_bn(w, w)
            if k < len(widths) - 1:
                layers.append(nn.MaxPool2d(2))  # 16 → 8 → 4
            c = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))  # average over the 4×4 map
