"""The fitting primitives shared by the k sweep and the final fit.

Everything here works on plain ``float64`` arrays of shape ``(n_customers, n_features)``
in transformed units, and is deterministic given ``config.random_state``: samples come
from :func:`seeded_subset`, and each random purpose has its own stream so that changing
one sample size does not change the others.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any, Literal, TypeVar

import numpy as np
from scipy.cluster.hierarchy import ward
from scipy.spatial import cKDTree
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import pairwise_distances_argmin_min
from threadpoolctl import threadpool_limits

from .config import SegmentationConfig

# One stream per random purpose (numpy SeedSequence spawn keys).
STREAM_FIT_SAMPLE = 1
STREAM_SILHOUETTE = 2
STREAM_STABILITY = 3
STREAM_DBSCAN = 4
STREAM_HDBSCAN = 5

#: The cluster id of customers no cluster takes (density algorithms).
NOISE = -1

#: Mini-batch size: scikit-learn advises >= 256 x cores; 4096 keeps 16 cores busy.
MINIBATCH_BATCH_SIZE = 4096


def rng_for(random_state: int, stream: int, *substreams: int) -> np.random.Generator:
    """A generator for one purpose, derived from ``random_state``."""
    return np.random.default_rng(
        np.random.SeedSequence(random_state, spawn_key=(stream, *substreams))
    )


def seeded_subset(n: int, size: int, random_state: int, stream: int) -> np.ndarray:
    """Sorted positions of a seeded sample of ``size`` out of ``n`` (all of them if n <= size)."""
    if n <= size:
        return np.arange(n)
    return np.sort(rng_for(random_state, stream).choice(n, size=size, replace=False))


T = TypeVar("T")
R = TypeVar("R")


def clustering_cores(config: SegmentationConfig) -> int:
    """The cores the clustering may use: ``config.n_threads``, else every core this
    process may run on.
    """
    if config.n_threads is not None:
        return config.n_threads
    return available_cores()


def available_cores() -> int:
    """Every core this process may run on (its CPU affinity where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def single_threaded() -> AbstractContextManager[Any]:
    """One OpenMP and one BLAS thread for scikit-learn and numpy inside a ``with``.

    Waiting OpenMP threads spin: when another process takes a core, a fit with one
    thread per core gets many times slower (the k sweep 6-28 times, measured on 2
    cores). The clustering uses its cores by running fits side by side instead
    (:func:`side_by_side`). OpenMP's limit holds for the calling thread only.
    """
    return threadpool_limits(limits=1)


def _one_openmp_thread() -> None:
    # a new thread starts with OpenMP's default (every core), whatever its creator set
    threadpool_limits(limits=1, user_api="openmp")


def side_by_side(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``[fn(item) for item in items]``, computed up to ``workers`` at a time.

    Each call runs on a worker thread with one OpenMP thread; scikit-learn's fits
    release the GIL, so ``workers`` fits take about ``workers`` cores. The results
    are in the order of ``items`` and the same as one call at a time (every fit has
    its own seed).
    """
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(
        max_workers=min(workers, len(items)), initializer=_one_openmp_thread
    ) as pool:
        return list(pool.map(fn, items))


def resolve_algorithm(config: SegmentationConfig, n_customers: int) -> str:
    """The algorithm actually used: k-means becomes mini-batch above the threshold."""
    if config.algorithm == "kmeans" and n_customers > config.minibatch_auto_threshold:
        return "minibatch_kmeans"
    return config.algorithm


def centroids(values: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Mean of each cluster ``0..k-1``, shape ``(k, n_features)``; noise (-1) ignored."""
    member = labels >= 0
    counts = np.bincount(labels[member], minlength=k).astype(float)
    sums = np.column_stack(
        [
            np.bincount(labels[member], weights=values[member, j], minlength=k)
            for j in range(values.shape[1])
        ]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, None]


def nearest_centre(values: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest row of ``centres`` (Euclidean) for each row of ``values``."""
    labels, _ = pairwise_distances_argmin_min(values, centres)
    return labels.astype(np.int64)


def adjusted_rand(labels_a: np.ndarray, labels_b: np.ndarray) -> float:
    """Adjusted Rand index of two labellings coded ``0..k-1``; the same number as
    ``sklearn.metrics.adjusted_rand_score`` (same integer pair counts), without its
    input checks and sparse contingency table, which cost more than the count here.
    """
    n = labels_a.size
    width = int(labels_b.max()) + 1
    contingency = np.bincount(labels_a * width + labels_b).astype(np.int64)
    rows = np.bincount(labels_a).astype(np.int64)
    columns = np.bincount(labels_b).astype(np.int64)
    same_both = int((contingency**2).sum())
    same_b_only = int((columns**2).sum()) - same_both
    same_a_only = int((rows**2).sum()) - same_both
    tp, fp, fn = same_both - n, same_b_only, same_a_only
    tn = n * n - fp - fn - same_both
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def fit_centroid_model(
    values: np.ndarray, k: int, algorithm: str, config: SegmentationConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Fit k-means or mini-batch k-means; return ``(labels, centres)``."""
    if algorithm == "kmeans":
        model = KMeans(n_clusters=k, n_init=config.n_init, random_state=config.random_state)
    elif algorithm == "minibatch_kmeans":
        model = MiniBatchKMeans(
            n_clusters=k,
            n_init=config.n_init,
            batch_size=MINIBATCH_BATCH_SIZE,
            random_state=config.random_state,
        )
    else:
        raise ValueError(f"algorithm {algorithm!r} is not a centroid model")
    model.fit(values)
    return model.labels_.astype(np.int64), model.cluster_centers_


def ward_tree(values: np.ndarray) -> np.ndarray:
    """Ward linkage matrix of ``values`` (scipy format, shape ``(n - 1, 4)``)."""
    return ward(values)


def cut_tree_into(linkage: np.ndarray, k: int) -> np.ndarray:
    """Labels ``0..k-1`` from undoing the last ``k - 1`` merges of ``linkage``.

    Unlike ``fcluster(..., "maxclust")`` this always gives exactly ``k`` clusters, even
    when merge heights tie (duplicate customers in a bootstrap resample).
    """
    n = linkage.shape[0] + 1
    parent = np.full(2 * n - 1, -1, dtype=np.int64)
    merges = linkage[: n - k, :2].astype(np.int64)
    new_nodes = n + np.arange(n - k)
    parent[merges[:, 0]] = new_nodes
    parent[merges[:, 1]] = new_nodes
    root = np.arange(2 * n - 1)
    # A parent always has a larger id than its children, so walk ids downwards.
    for node in range(n + (n - k) - 1, -1, -1):
        if parent[node] >= 0:
            root[node] = root[parent[node]]
    _, labels = np.unique(root[:n], return_inverse=True)
    return labels.astype(np.int64)


def nearest_core_labels(
    values: np.ndarray,
    core_points: np.ndarray,
    core_labels: np.ndarray,
    core_radius: np.ndarray,
    workers: int = 1,
) -> np.ndarray:
    """The density algorithms' assignment rule: the cluster of the nearest core point
    when it lies within that core point's radius, else noise (-1).

    Parameters
    ----------
    values : ndarray of shape (n, n_features)
        Transformed units.
    core_points : ndarray of shape (m, n_features)
    core_labels : ndarray of shape (m,)
        Cluster of each core point (0..k-1).
    core_radius : ndarray of shape (m,)
        Each core point's radius (DBSCAN: eps; HDBSCAN: its core distance).
    workers : int
        Threads of the nearest-neighbour query (the result does not depend on it).

    Returns
    -------
    ndarray of shape (n,), int64
        Cluster ids, -1 for noise.
    """
    labels = np.full(values.shape[0], NOISE, dtype=np.int64)
    if core_points.shape[0] == 0 or values.shape[0] == 0:
        return labels
    distance, nearest = cKDTree(core_points).query(values, k=1, workers=workers)
    near = distance <= core_radius[nearest]
    labels[near] = core_labels[nearest[near]]
    return labels


def kneedle(
    x: np.ndarray, y: np.ndarray, *, curve: Literal["convex", "concave"] = "convex"
) -> int | None:
    """Position of the knee of ``y(x)``, or ``None`` when the curve does not bend.

    Kneedle (Satopaa et al., 2011), offline form: scale x and y to [0, 1], measure how
    far the curve runs below (convex: inertia against k, sorted k-distances) or above
    (concave) the straight line joining its first and last points, and call the point
    with the largest gap the knee. The paper's sensitivity threshold, meant for
    streaming data, is not applied. Fewer than three points, a flat curve, or no gap on
    the expected side give ``None``; ties go to the smaller x.

    Parameters
    ----------
    x : ndarray of shape (n,)
        Strictly increasing.
    y : ndarray of shape (n,)
        Finite.
    curve : {"convex", "concave"}
        Which side of the chord the knee lies on.

    Returns
    -------
    int or None
        Index into ``x`` of the knee.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size < 3 or not np.all(np.isfinite(y)) or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    x_scaled = (x - x.min()) / np.ptp(x)
    y_scaled = (y - y.min()) / np.ptp(y)
    chord = y_scaled[0] + (y_scaled[-1] - y_scaled[0]) * x_scaled
    gap = chord - y_scaled if curve == "convex" else y_scaled - chord
    best = int(np.argmax(gap))
    return best if gap[best] > 1e-12 else None
