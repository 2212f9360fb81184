"""Chapter 1 computes gradients by hand; they must equal autograd's (as in micrograd)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from nnbook import byhand


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("rows", [1, 2, 7])
def test_manual_gradients_equal_autograd(seed, rows):
    torch.manual_seed(seed)
    X, y = torch.randn(rows, 3), torch.randn(rows, 1)
    params = [torch.randn(3, 4), torch.randn(1, 4), torch.randn(4, 1), torch.randn(1, 1)]
    for p in params:
        p.requires_grad_(True)
    w1, b1, w2, b2 = params
    F.mse_loss(F.relu(X @ w1 + b1) @ w2 + b2, y).backward()
    manual = byhand.two_layer_gradients(X, y, w1, b1, w2, b2)
    for name, p in zip(["w1", "b1", "w2", "b2"], params, strict=True):
        assert manual[name].shape == p.shape
        torch.testing.assert_close(manual[name], p.grad)


def test_forward_matches_the_formula():
    torch.manual_seed(0)
    X, w1, b1, w2, b2 = (torch.randn(2, 3), torch.randn(3, 4), torch.randn(1, 4),
                         torch.randn(4, 1), torch.randn(1, 1))
    out = byhand.two_layer_forward(X, w1, b1, w2, b2)
    torch.testing.assert_close(out["y_hat"], F.relu(X @ w1 + b1) @ w2 + b2)
    assert (out["a"] >= 0).all()
