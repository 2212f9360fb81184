"""Chapter 4's data: Iris from scikit-learn, a stratified held-out split, standardized."""

from __future__ import annotations

import numpy as np

from nnbook.data import iris


def test_split_sizes_and_stratification():
    d = iris(test_size=0.2, seed=0)
    assert d.X_train.shape == (120, 4) and d.X_test.shape == (30, 4)
    assert np.bincount(d.y_train).tolist() == [40, 40, 40]
    assert np.bincount(d.y_test).tolist() == [10, 10, 10]
    assert d.target_names == ["setosa", "versicolor", "virginica"]


def test_standardized_with_training_statistics_only():
    d = iris(seed=0)
    assert np.allclose(d.X_train.mean(axis=0), 0, atol=1e-9)
    assert np.allclose(d.X_train.std(axis=0), 1)
    assert not np.allclose(d.X_test.mean(axis=0), 0, atol=1e-3)  # the test part is not refit
    raw = iris(seed=0, standardize=False)
    assert raw.X_train.min() >= 0  # centimetres


def test_split_is_deterministic_and_seeded():
    a, b, c = iris(seed=0), iris(seed=0), iris(seed=1)
    assert np.array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.X_test, c.X_test)
    # no flower in both parts
    train = {tuple(row) for row in iris(seed=0, standardize=False).X_train}
    test = [tuple(row) for row in iris(seed=0, standardize=False).X_test]
    assert sum(row in train for row in test) <= 1  # Iris has one duplicated flower
