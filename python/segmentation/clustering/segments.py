"""The final fit behind ``customer_segments`` and the PCA behind ``pca_components``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from ._progress import Log, say, timed
from .algorithms import (
    STREAM_FIT_SAMPLE,
    centroids,
    cut_tree_into,
    fit_centroid_model,
    fit_dbscan,
    nearest_centre,
    resolve_algorithm,
    seeded_subset,
    single_threaded,
    ward_tree,
)
from .config import SegmentationConfig, validate_config
from .features import CUSTOMER_ID, TRANSFORMED_SUFFIX, customers_in_order, feature_matrix
from .naming import NOISE_ID, name_clusters

ORDERING_COLUMN = "monetary"


def fit_segments(
    rfm: pd.DataFrame,
    X: pd.DataFrame,
    k: int | None,
    config: SegmentationConfig,
    log: Log | None = None,
) -> pd.DataFrame:
    """Fit the final clustering on every customer and describe each customer's cluster.

    How each algorithm labels every customer:
        kmeans / minibatch_kmeans: fitted on all customers (``kmeans`` becomes
            ``minibatch_kmeans`` above ``minibatch_auto_threshold`` customers).
        agglomerative: Ward on a seeded sample of ``agglomerative_max_fit_size``
            customers (all of them when fewer); the rest join the nearest cluster mean.
        dbscan: as in :func:`evaluate_k` (``k`` is ignored); customers outside the fit
            sample take the cluster of the nearest core customer within ``eps``, else -1.

    Cluster ids are ordered by the cluster's mean ``monetary`` (original units),
    highest first, so 0 is the highest-value cluster; ties by size (larger first).
    Without a ``monetary`` column in ``rfm``, by size. DBSCAN noise is -1.

    Args:
        rfm: customer_rfm (the frame ``X`` was prepared from), any row order.
        X: :func:`prepare_features` output, shape ``(n_customers, n_features)``.
        k: clusters to fit, normally :func:`selected_k` of the evaluation.
        config: the clustering configuration.
        log: receives progress messages.

    Returns:
        One row per customer, ordered by ``customer_id``: ``customer_id``,
        ``cluster_id`` (0..k-1, -1 noise), ``segment_name`` (see :mod:`.naming`),
        ``pca_1``, ``pca_2`` (first two principal component scores of the transformed
        features, see :func:`pca_components`; ``pca_2`` is 0 with one feature), the
        ``<feature>_transformed`` columns of ``X``, ``distance_to_centre`` (Euclidean
        distance in transformed units to the mean of the customer's cluster; NaN for
        noise).
    """
    values = feature_matrix(X)
    n = values.shape[0]
    validate_config(config, n_customers=n)
    ordered = _aligned(rfm, X)
    algorithm = resolve_algorithm(config, n)
    if algorithm != "dbscan" and (
        k is None or isinstance(k, bool) or not isinstance(k, int | np.integer) or not 2 <= k < n
    ):
        raise ValueError(f"k is {k!r}; allowed: an integer from 2 to {n - 1} (customers - 1)")

    with single_threaded():
        with timed(log, f"final {algorithm} fit on {n:,} customers"):
            raw_labels = _fit_all(values, None if k is None else int(k), algorithm, config, log)
        with timed(log, "PCA"):
            scores = _pca_scores(values)
    cluster_id = _ordered_ids(raw_labels, ordered)
    n_clusters = int(cluster_id.max()) + 1 if (cluster_id >= 0).any() else 0
    centres = centroids(values, cluster_id, n_clusters)
    distance = np.full(n, np.nan)
    member = cluster_id >= 0
    distance[member] = np.linalg.norm(values[member] - centres[cluster_id[member]], axis=1)
    names = name_clusters(ordered, cluster_id)
    say(
        log,
        "clusters: "
        + "; ".join(f"{c} {names[c]} ({int((cluster_id == c).sum()):,})" for c in sorted(names)),
    )
    result = pd.DataFrame(
        {
            CUSTOMER_ID: X.index.to_numpy(),
            "cluster_id": cluster_id,
            "segment_name": pd.Series([names[c] for c in cluster_id], dtype="str"),
            "pca_1": scores[:, 0],
            "pca_2": scores[:, 1] if scores.shape[1] > 1 else 0.0,
        }
    )
    for j, column in enumerate(X.columns):
        result[column] = values[:, j]
    result["distance_to_centre"] = distance
    return result


def pca_components(X: pd.DataFrame) -> pd.DataFrame:
    """Principal components of the transformed features, one row per component.

    PCA with ``svd_solver="full"`` (exact, no randomness). Each component's sign is
    fixed so that its largest-magnitude loading is positive, so the same data always
    gives the same signs. ``pca_1``/``pca_2`` in :func:`fit_segments` are the scores
    on components 1 and 2.

    Args:
        X: :func:`prepare_features` output, shape ``(n_customers, n_features)``, or the
            ``<feature>_transformed`` columns of ``customer_segments`` indexed by
            ``customer_id`` in any row order (sorted here, so the result is the same).

    Returns:
        ``n_features`` rows: ``component`` (1-based), ``explained_variance`` (variance
        of the scores, transformed units squared), ``explained_variance_ratio``,
        ``cumulative_explained_variance_ratio``, and ``loading_<feature>`` per feature
        (the component's unit-length weights on each transformed feature).
    """
    values = feature_matrix(X.sort_index(kind="stable"))
    pca, components = _fit_pca(values)
    features = [str(c).removesuffix(TRANSFORMED_SUFFIX) for c in X.columns]
    frame = pd.DataFrame(
        {
            "component": np.arange(1, components.shape[0] + 1),
            "explained_variance": pca.explained_variance_,
            "explained_variance_ratio": pca.explained_variance_ratio_,
            "cumulative_explained_variance_ratio": np.cumsum(pca.explained_variance_ratio_),
        }
    )
    for j, feature in enumerate(features):
        frame[f"loading_{feature}"] = components[:, j]
    return frame


def _fit_pca(values: np.ndarray) -> tuple[PCA, np.ndarray]:
    pca = PCA(n_components=values.shape[1], svd_solver="full").fit(values)
    components = pca.components_.copy()
    largest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(components.shape[0]), largest])
    signs[signs == 0] = 1.0
    return pca, components * signs[:, None]


def _pca_scores(values: np.ndarray) -> np.ndarray:
    pca, components = _fit_pca(values)
    return (values - pca.mean_) @ components[:2].T


def _aligned(rfm: pd.DataFrame, X: pd.DataFrame) -> pd.DataFrame:
    """``rfm`` in the row order of ``X`` (both by customer_id), after checking they match."""
    ordered = customers_in_order(rfm)
    ids = ordered[CUSTOMER_ID].to_numpy()
    if len(ids) != len(X) or not np.array_equal(ids, X.index.to_numpy()):
        raise ValueError(
            "rfm and X must hold the same customers: pass the customer_rfm frame X was "
            "prepared from"
        )
    return ordered.reset_index(drop=True)


def _fit_all(
    values: np.ndarray, k: int | None, algorithm: str, config: SegmentationConfig, log: Log | None
) -> np.ndarray:
    n = values.shape[0]
    if algorithm == "dbscan":
        fit = fit_dbscan(values, config)
        say(log, f"DBSCAN eps {fit.eps:.4g}, min_samples {fit.min_samples}")
        return fit.labels_for(values)
    assert k is not None
    if algorithm == "agglomerative":
        positions = seeded_subset(
            n, config.agglomerative_max_fit_size, config.random_state, STREAM_FIT_SAMPLE
        )
        sample = values[positions]
        fitted = cut_tree_into(ward_tree(sample), k)
        labels = nearest_centre(values, centroids(sample, fitted, k))
        labels[positions] = fitted
        if positions.size < n:
            say(
                log,
                f"Ward on {positions.size:,} customers; "
                f"{n - positions.size:,} joined the nearest centre",
            )
        return labels
    labels, _ = fit_centroid_model(values, k, algorithm, config)
    return labels


def _ordered_ids(raw_labels: np.ndarray, rfm: pd.DataFrame) -> np.ndarray:
    """Renumber clusters by mean monetary descending (then size descending, then raw id)."""
    clusters = np.unique(raw_labels[raw_labels != NOISE_ID])
    if ORDERING_COLUMN in rfm.columns:
        money = pd.to_numeric(rfm[ORDERING_COLUMN]).to_numpy(dtype="float64")
    else:
        money = np.zeros(len(rfm))
    keys = [
        (-float(money[raw_labels == c].mean()), -int((raw_labels == c).sum()), int(c))
        for c in clusters
    ]
    mapping = {key[2]: new for new, key in enumerate(sorted(keys))}
    cluster_id = np.full(raw_labels.shape, NOISE_ID, dtype=np.int64)
    for old, new in mapping.items():
        cluster_id[raw_labels == old] = new
    return cluster_id
