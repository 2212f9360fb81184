"""The book's data sets through their standard loaders, plus small generated ones."""

from __future__ import annotations

import random
from typing import NamedTuple

import numpy as np


# --- chapter 2: two classes a straight line can separate ---------------------------------
def separable_points(n: int = 100, seed: int = 0, margin: float = 0.4
                     ) -> tuple[list[list[float]], list[int]]:
    """``n`` points in the plane as plain lists, labelled by which side of a line they lie.

    Points closer than ``margin`` to the line are dropped and drawn again, so a perceptron
    can separate the classes perfectly (chapter 2). Lists, not arrays: the chapter turns
    them into tensors itself.
    """
    rng = random.Random(seed)
    points: list[list[float]] = []
    labels: list[int] = []
    while len(points) < n:
        x1, x2 = rng.uniform(-3, 3), rng.uniform(-3, 3)
        side = x1 + 2 * x2 - 1  # the hidden line: x1 + 2·x2 = 1
        if abs(side) / 5**0.5 < margin:
            continue
        points.append([round(x1, 2), round(x2, 2)])
        labels.append(int(side > 0))
    return points, labels


# --- chapter 4: Iris ---------------------------------------------------------------------
class IrisSplit(NamedTuple):
    """Iris as NumPy arrays, split into training and test parts (features standardized)."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    target_names: list[str]


def iris(test_size: float = 0.2, seed: int = 0, standardize: bool = True) -> IrisSplit:
    """Iris (150 flowers, 4 measurements, 3 species) from scikit-learn, offline.

    The test part is stratified (each species in the same proportion as in the whole set)
    and held out; standardizing uses the training part's mean and spread only, so nothing
    about the test flowers leaks into training.
    """
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    bunch = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(
        bunch.data, bunch.target, test_size=test_size, stratify=bunch.target, random_state=seed
    )
    if standardize:
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    return IrisSplit(X_train, X_test, y_train, y_test,
                     list(bunch.feature_names), list(bunch.target_names))
