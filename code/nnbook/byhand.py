"""Computations the chapters do by hand, so tests can hold them against autograd."""

from __future__ import annotations

import torch


def two_layer_forward(X, w1, b1, w2, b2) -> dict[str, torch.Tensor]:
    """Chapter 1's network: h = X·w1 + b1, a = ReLU(h), ŷ = a·w2 + b2."""
    h = X @ w1 + b1
    a = h.clamp(min=0)
    return {"h": h, "a": a, "y_hat": a @ w2 + b2}


def two_layer_gradients(X, y, w1, b1, w2, b2) -> dict[str, torch.Tensor]:
    """The gradients of the mean squared error, by the chain rule, without autograd."""
    with torch.no_grad():
        f = two_layer_forward(X, w1, b1, w2, b2)
        d_y_hat = 2 * (f["y_hat"] - y) / y.numel()  # d mean((ŷ - y)²) / dŷ
        d_a = d_y_hat @ w2.T
        d_h = d_a * (f["h"] > 0)  # ReLU passes the gradient only where it was active
        return {
            "w1": X.T @ d_h,
            "b1": d_h.sum(dim=0, keepdim=True).reshape(b1.shape),
            "w2": f["a"].T @ d_y_hat,
            "b2": d_y_hat.sum(dim=0, keepdim=True).reshape(b2.shape),
        }
