"""The final fit behind ``segment_model`` and ``customer_segments``, and the PCA behind
``pca_components``.

:func:`fit_segment_model` fits once and returns a :class:`~.model.SegmentModel`;
:func:`segment_customers` labels the snapshot with it (plus PCA coordinates), and
:func:`fit_segments` does both.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from ._progress import Log, say, timed
from .algorithms import (
    STREAM_FIT_SAMPLE,
    centroids,
    cut_tree_into,
    fit_centroid_model,
    resolve_algorithm,
    seeded_subset,
    single_threaded,
    ward_tree,
)
from .config import DENSITY_ALGORITHMS, SegmentationConfig, validate_config
from .density import fit_density
from .features import (
    CUSTOMER_ID,
    TRANSFORMED_SUFFIX,
    FeatureTransform,
    customers_in_order,
    feature_matrix,
)
from .model import SegmentModel
from .naming import NOISE_ID, NOISE_NAME, name_clusters
from .scoring import score_customers

ORDERING_COLUMN = "monetary"


def fit_segment_model(
    rfm: pd.DataFrame, k: int | None, config: SegmentationConfig, log: Log | None = None
) -> SegmentModel:
    """Fit the transform and the clustering once, as a model that labels any rows.

    How each algorithm is fitted:

    * kmeans / minibatch_kmeans: on every customer (``kmeans`` becomes
      ``minibatch_kmeans`` above ``minibatch_auto_threshold`` customers); the centres
      are the fitted cluster centres.
    * agglomerative: Ward on a seeded sample of ``agglomerative_max_fit_size``
      customers (all of them when fewer), cut at k; the centres are the means of its
      clusters.
    * dbscan / hdbscan: as in :mod:`.density` (``k`` is ignored; DBSCAN's eps is chosen
      by the same deterministic rule as in :func:`evaluate_k`, so passing
      ``replace(config, dbscan_eps=<cluster_evaluation.dbscan_eps>)`` gives the same
      model without the grid).

    Then every customer is labelled by :meth:`SegmentModel.assign`, so the snapshot's
    labels are by construction what the model gives (for Ward and DBSCAN a fitted
    customer may differ from its label in the sample fit). Cluster ids are ordered by
    the cluster's mean ``monetary`` (original units), highest first, so 0 is the
    highest-value cluster; ties by size (larger first). Without a ``monetary`` column,
    by size. A centre no customer is nearest to is dropped (the log says so). Names
    come from :func:`.naming.name_clusters` on those labels.

    Parameters
    ----------
    rfm : DataFrame
        customer_rfm, one row per customer, any row order.
    k : int or None
        Clusters to fit (the centroid algorithms), normally :func:`selected_k` of the
        evaluation; ignored by the density algorithms.
    config : SegmentationConfig
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    SegmentModel
    """
    validate_config(config, n_customers=len(rfm), available_columns=rfm.columns)
    ordered = customers_in_order(rfm).reset_index(drop=True)
    transform = FeatureTransform.fit(ordered, config)
    values = transform.values(ordered)
    n = values.shape[0]
    algorithm = resolve_algorithm(config, n)
    density = algorithm in DENSITY_ALGORITHMS
    if not density and (
        k is None or isinstance(k, bool) or not isinstance(k, int | np.integer) or not 2 <= k < n
    ):
        raise ValueError(f"k is {k!r}; allowed: an integer from 2 to {n - 1} (customers - 1)")

    with single_threaded(), timed(log, f"final {algorithm} fit on {n:,} customers"):
        model = _fitted(
            values, None if density or k is None else int(k), algorithm, transform, config, log
        )
    model = _ordered(model, model.assign(values), ordered, log)
    labels = model.assign(values)
    names = name_clusters(ordered, labels)
    for c in range(model.k):
        names.setdefault(c, f"Cluster {c}")
    if density:
        names.setdefault(NOISE_ID, NOISE_NAME)
        # for reading only: the mean of each cluster's customers
        model = replace(model, centres=centroids(values, labels, model.k))
    model = replace(model, names=names, sizes=np.bincount(labels[labels >= 0], minlength=model.k))
    say(
        log,
        "clusters: "
        + "; ".join(f"{c} {names[c]} ({int((labels == c).sum()):,})" for c in sorted(names)),
    )
    return model


def _fitted(
    values: np.ndarray,
    k: int | None,
    algorithm: str,
    transform: FeatureTransform,
    config: SegmentationConfig,
    log: Log | None,
) -> SegmentModel:
    """The model as fitted, cluster ids in the fit's own order, placeholder names."""
    f = values.shape[1]
    core_points, core_labels, core_radius = np.empty((0, f)), np.empty(0), np.empty(0)
    if algorithm in DENSITY_ALGORITHMS:
        fit = fit_density(values, config, log)
        k = fit.k
        core_points, core_labels, core_radius = fit.core_points, fit.core_labels, fit.core_radius
        centres = centroids(core_points, core_labels, k)
    elif algorithm == "agglomerative":
        assert k is not None
        positions = seeded_subset(
            values.shape[0],
            config.agglomerative_max_fit_size,
            config.random_state,
            STREAM_FIT_SAMPLE,
        )
        sample = values[positions]
        centres = centroids(sample, cut_tree_into(ward_tree(sample), k), k)
        if positions.size < values.shape[0]:
            say(log, f"Ward on {positions.size:,} customers; the others join the nearest centre")
    else:
        assert k is not None
        _, centres = fit_centroid_model(values, k, algorithm, config)
    names = {c: f"Cluster {c}" for c in range(k)}
    if algorithm in DENSITY_ALGORITHMS:
        names[NOISE_ID] = NOISE_NAME
    return SegmentModel(
        transform=transform,
        algorithm=algorithm,
        k=k,
        centres=centres,
        names=names,
        sizes=np.zeros(k, dtype=np.int64),
        core_points=core_points,
        core_labels=core_labels,
        core_radius=core_radius,
    )


def _ordered(
    model: SegmentModel, labels: np.ndarray, rfm: pd.DataFrame, log: Log | None
) -> SegmentModel:
    """The model with clusters renumbered by mean monetary descending (then size
    descending, then fitted id) of ``labels``, and clusters without customers dropped.
    """
    if ORDERING_COLUMN in rfm.columns:
        money = pd.to_numeric(rfm[ORDERING_COLUMN]).to_numpy(dtype="float64")
    else:
        money = np.zeros(len(rfm))
    sizes = np.bincount(labels[labels >= 0], minlength=model.k)
    present = [c for c in range(model.k) if sizes[c]]
    if len(present) < model.k:
        say(log, f"{model.k - len(present)} cluster(s) no customer is nearest to: dropped")
    keys = sorted((-float(money[labels == c].mean()), -int(sizes[c]), c) for c in present)
    old = np.array([c for _, _, c in keys], dtype=np.int64)
    new_of = np.full(model.k, NOISE_ID, dtype=np.int64)
    new_of[old] = np.arange(old.size)
    kept_core = new_of[model.core_labels] >= 0 if model.core_labels.size else np.empty(0, bool)
    core_labels = new_of[model.core_labels][kept_core]
    names = {c: f"Cluster {c}" for c in range(old.size)}
    if model.has_noise:
        names[NOISE_ID] = NOISE_NAME
    return SegmentModel(
        transform=model.transform,
        algorithm=model.algorithm,
        k=int(old.size),
        centres=model.centres[old],
        names=names,
        sizes=sizes[old],
        core_points=model.core_points[kept_core],
        core_labels=core_labels,
        core_radius=model.core_radius[kept_core],
    )


def fit_selected_model(
    rfm: pd.DataFrame,
    evaluation: pd.DataFrame,
    config: SegmentationConfig,
    log: Log | None = None,
) -> SegmentModel:
    """:func:`fit_segment_model` with the k ``evaluation`` (cluster_evaluation) selected,
    and for DBSCAN the eps it chose, so the eps grid is not searched a second time.

    Parameters
    ----------
    rfm : DataFrame
        customer_rfm, one row per customer.
    evaluation : DataFrame
        :func:`evaluate_k`'s frame for the same customers and config.
    config : SegmentationConfig
    log : callable, optional

    Returns
    -------
    SegmentModel
    """
    from dataclasses import replace

    from .evaluation import selected_k

    k = selected_k(evaluation)
    if config.algorithm == "dbscan" and config.dbscan_eps is None:
        eps = evaluation.loc[evaluation["is_selected"].astype(bool), "dbscan_eps"].iloc[0]
        if pd.notna(eps):
            config = replace(config, dbscan_eps=float(eps))
    return fit_segment_model(rfm, k, config, log)


def segment_customers(model: SegmentModel, rfm: pd.DataFrame) -> pd.DataFrame:
    """``customer_segments``: each customer's segment by the model, with PCA coordinates.

    Parameters
    ----------
    model : SegmentModel
        Normally fitted on ``rfm`` (:func:`fit_segment_model`), or read back from the
        ``segment_model`` relation (:meth:`SegmentModel.from_frame`): both give the
        same frame.
    rfm : DataFrame
        customer_rfm, one row per customer, any row order.

    Returns
    -------
    DataFrame
        One row per customer, ordered by ``customer_id``: ``customer_id``,
        ``cluster_id`` (0..k-1, -1 noise), ``segment_name`` (see :mod:`.naming`),
        ``pca_1``, ``pca_2`` (first two principal component scores of the transformed
        features, see :func:`pca_components`; ``pca_2`` is 0 with one feature), the
        ``<feature>_transformed`` columns, ``distance_to_centre`` (Euclidean distance
        in transformed units to the cluster's centre; NaN for noise).
    """
    frame = score_customers(model, rfm)
    values = frame.loc[:, model.transform.columns].to_numpy(dtype=np.float64)
    scores = _pca_scores(values)
    frame.insert(3, "pca_1", scores[:, 0])
    frame.insert(4, "pca_2", scores[:, 1] if scores.shape[1] > 1 else 0.0)
    return frame


def fit_segments(
    rfm: pd.DataFrame,
    X: pd.DataFrame,
    k: int | None,
    config: SegmentationConfig,
    log: Log | None = None,
) -> pd.DataFrame:
    """Fit the final clustering and describe each customer's cluster (``customer_segments``).

    :func:`fit_segment_model` then :func:`segment_customers`.

    Parameters
    ----------
    rfm : DataFrame
        customer_rfm (the frame ``X`` was prepared from), any row order.
    X : DataFrame of shape (n_customers, n_features)
        :func:`prepare_features` output for ``rfm`` (checked to hold its customers).
    k : int or None
        Clusters to fit, normally :func:`selected_k` of the evaluation.
    config : SegmentationConfig
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    DataFrame
        :func:`segment_customers`' frame.
    """
    feature_matrix(X)
    _aligned(rfm, X)
    model = fit_segment_model(rfm, k, config, log)
    with timed(log, "customers labelled and PCA"):
        return segment_customers(model, rfm)


def pca_components(X: pd.DataFrame) -> pd.DataFrame:
    """Principal components of the transformed features, one row per component.

    PCA with ``svd_solver="full"`` (exact, no randomness). Each component's sign is
    fixed so that its largest-magnitude loading is positive, so the same data always
    gives the same signs. ``pca_1``/``pca_2`` in :func:`segment_customers` are the
    scores on components 1 and 2.

    Parameters
    ----------
    X : DataFrame of shape (n_customers, n_features)
        :func:`prepare_features` output, or the ``<feature>_transformed`` columns of
        ``customer_segments`` indexed by ``customer_id`` in any row order (sorted
        here, so the result is the same).

    Returns
    -------
    DataFrame of shape (n_features, 4 + n_features)
        ``component`` (1-based), ``explained_variance`` (variance of the scores,
        transformed units squared), ``explained_variance_ratio``,
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
