"""Chapters 2-5: the five-line training step on a whole (small) data set at once.

Chapter 4 shows this loop line by line; later pages call it when they need it twice.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def train_full_batch(model: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor,
                     y: torch.Tensor, epochs: int,
                     loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None
                     ) -> list[float]:
    """Train ``epochs`` full-batch steps (cross-entropy by default); returns the losses."""
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    model.train()
    losses = []
    for _epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def accuracy_of(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """The fraction of rows classified right: argmax of the outputs, or p > 0.5 for one output."""
    was_training = model.training
    model.eval()
    out = model(X)
    model.train(was_training)
    predicted = (out > 0.5).long() if out.dim() == 1 else out.argmax(dim=1)
    return (predicted == y.long()).float().mean().item()
