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
