"""The one-pass silhouette of several labellings against scikit-learn's, and the fast ARI."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from segmentation.clustering.algorithms import adjusted_rand
from segmentation.clustering.silhouette import silhouette_scores


def blobs(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(4, 3))
    return centres[rng.integers(0, 4, n)] + rng.normal(size=(n, 3))


def labellings(values: np.ndarray, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    n = values.shape[0]
    two = (values[:, 0] > np.median(values[:, 0])).astype(np.int64)
    nearest_of_five = np.argmin(
        ((values[:, None, :] - values[rng.choice(n, 5, replace=False)]) ** 2).sum(axis=2), axis=1
    )
    random_seven = rng.integers(0, 7, n)
    with_singleton = random_seven.copy()
    with_singleton[3] = 99  # a cluster of one customer: its s(i) is 0
    two_singletons = two.copy()
    two_singletons[[0, 1]] = [5, 6]
    strings = np.where(two == 1, "big", "small")
    return [two, nearest_of_five, random_seven, with_singleton, two_singletons, strings]


@pytest.mark.parametrize("n, chunk_rows", [(600, 97), (1_000, 256), (257, 1_000), (50, 1)])
def test_silhouette_scores_equal_sklearn_for_every_labelling(n, chunk_rows):
    values = blobs(n, seed=n)
    labels = labellings(values, seed=n + 1)
    scores = silhouette_scores(values, labels, chunk_rows=chunk_rows)
    expected = [silhouette_score(values, each) for each in labels]
    assert scores == pytest.approx(expected, rel=0, abs=1e-9)


def test_silhouette_scores_count_duplicate_customers_as_sklearn_does():
    values = np.repeat(blobs(40, seed=3), 3, axis=0)  # every customer three times
    labels = [np.repeat(np.arange(40) % 3, 3), np.repeat(np.arange(40) % 2, 3)]
    expected = [silhouette_score(values, each) for each in labels]
    assert silhouette_scores(values, labels, chunk_rows=7) == pytest.approx(expected, abs=1e-9)


def test_silhouette_scores_of_no_labelling_is_an_empty_list():
    assert silhouette_scores(blobs(10, seed=1), []) == []


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.zeros(10, dtype=int), "1 distinct labels; allowed: 2 to 9"),
        (np.arange(10), "10 distinct labels; allowed: 2 to 9"),
        (np.arange(9) % 2, r"shape \(9,\); allowed: \(10,\)"),
    ],
)
def test_silhouette_scores_refuse_what_sklearn_refuses(labels, message):
    with pytest.raises(ValueError, match=message):
        silhouette_scores(blobs(10, seed=2), [np.arange(10) % 2, labels])


def test_adjusted_rand_equals_sklearn():
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(2, 500))
        a = rng.integers(0, int(rng.integers(1, 9)), n)
        b = a.copy() if rng.random() < 0.3 else rng.integers(0, int(rng.integers(1, 9)), n)
        assert adjusted_rand(a, b) == adjusted_rand_score(a, b)
