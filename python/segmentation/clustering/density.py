"""The density algorithms: DBSCAN with eps chosen on a grid, and HDBSCAN.

Both are fitted on a seeded sample and end as core points that label any customer
(:func:`.algorithms.nearest_core_labels`): a customer takes the cluster of its
nearest core point when it lies within that point's radius, else it is noise (-1).
Fitted customers are labelled by the same rule, so a model and its fit agree.

DBSCAN, exactly as ``sklearn.cluster.DBSCAN`` defines its core customers and their
clusters, but without listing every pair of customers within eps (at 50,000 customers
and an eps that gives segments that is hundreds of millions of pairs):

* core customers: the ``min_samples``-th nearest customer (itself included) lies
  within eps, i.e. the sorted k-distance of the customer is <= eps;
* two core customers are in one cluster when a chain of core customers, each within
  eps of the next, joins them (:func:`.dbscan_cores.dbscan_core_labels`).

Choosing eps (when ``dbscan_eps`` is null): candidates from the sorted k-distance
curve of the fit sample (:data:`EPS_QUANTILES` of it, its knee, and
:data:`EPS_MULTIPLES_OF_MAX` times its maximum: on RFM data, whole-number
frequencies leave gaps between customers wider than any k-distance, which only an
eps above the curve bridges). Each candidate's clustering is scored by its
silhouette with noise counting as 0 (the silhouette of the clustered customers times
their share), among the candidates with 2 to ``dbscan_max_clusters`` clusters,
preferring those whose every cluster holds at least ``min_segment_share`` of the fit
customers. The best wins; ties go to the smaller eps.

HDBSCAN: ``sklearn.cluster.HDBSCAN`` with ``min_cluster_size`` = max(2, ceil(
``hdbscan_min_cluster_share`` x customers fitted)) and ``min_samples`` =
``hdbscan_min_samples`` or half of ``min_cluster_size`` (rounded up); the core points
are the fitted customers it clustered, each with its core distance (distance to its
``min_samples``-th nearest fitted customer, itself included) as radius.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.spatial import cKDTree
from sklearn.cluster import HDBSCAN
from sklearn.metrics import adjusted_rand_score

from ._progress import Log, say, timed
from .algorithms import (
    NOISE,
    STREAM_DBSCAN,
    STREAM_HDBSCAN,
    STREAM_SILHOUETTE,
    STREAM_STABILITY,
    kneedle,
    nearest_core_labels,
    rng_for,
    seeded_subset,
)
from .config import SegmentationConfig
from .dbscan_cores import dbscan_core_labels, nearest_neighbours
from .silhouette import silhouette_scores

#: Quantiles of the sorted k-distance curve that are eps candidates: densest in the
#: upper tail, where an eps stops leaving customers out and starts joining clusters.
EPS_QUANTILES = (0.5, 0.75, 0.9, 0.925, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995, 1.0)
#: Multiples of the largest k-distance that are eps candidates.
EPS_MULTIPLES_OF_MAX = (1.25, 1.5, 2.0, 3.0)
#: Most customers an HDBSCAN stability resample draws (min_cluster_size scales with it).
HDBSCAN_STABILITY_DRAWS = 5_000


@dataclass(frozen=True, eq=False)
class DensityFit:
    """A density fit on a seeded sample of the customers.

    Attributes
    ----------
    algorithm : {"dbscan", "hdbscan"}
    fit_positions : ndarray of shape (n_fit,)
        Rows of the full matrix the fit used (ascending).
    fit_labels : ndarray of shape (n_fit,)
        Cluster of each fitted customer by the assignment rule; -1 noise.
    core_points : ndarray of shape (m, n_features)
        Transformed units.
    core_labels : ndarray of shape (m,)
        0..k-1, numbered by first core point.
    core_radius : ndarray of shape (m,)
        DBSCAN: eps for every point; HDBSCAN: each point's core distance.
    min_samples : int
    eps : float
        DBSCAN's eps; NaN for HDBSCAN.
    min_cluster_size : int
        HDBSCAN's; 0 for DBSCAN.
    reason : str
        How the parameters were chosen, for ``cluster_evaluation.selection_reason``.
    """

    algorithm: str
    fit_positions: np.ndarray
    fit_labels: np.ndarray
    core_points: np.ndarray
    core_labels: np.ndarray
    core_radius: np.ndarray
    min_samples: int
    eps: float
    min_cluster_size: int
    reason: str

    @property
    def k(self) -> int:
        """Clusters found (noise excluded)."""
        return int(self.core_labels.max()) + 1 if self.core_labels.size else 0


def fit_density(values: np.ndarray, config: SegmentationConfig, log: Log | None) -> DensityFit:
    """:func:`fit_dbscan` or :func:`fit_hdbscan`, as ``config.algorithm`` says."""
    if config.algorithm == "dbscan":
        return fit_dbscan(values, config, log)
    if config.algorithm == "hdbscan":
        return fit_hdbscan(values, config, log)
    raise ValueError(f"algorithm {config.algorithm!r} is not a density algorithm")


def dbscan_min_samples(config: SegmentationConfig, n_features: int) -> int:
    """``config.dbscan_min_samples``, or 2 x the number of features (Sander et al., 1998)."""
    return config.dbscan_min_samples or max(2, 2 * n_features)


def _dbscan_at(
    sample: np.ndarray, neighbours: np.ndarray, distances: np.ndarray, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(core positions, their labels, every sample customer's label) at ``eps``."""
    core_labels = dbscan_core_labels(sample, neighbours, distances, eps)
    cores = np.flatnonzero(core_labels >= 0)
    labels = nearest_core_labels(
        sample, sample[cores], core_labels[cores], np.full(cores.size, eps)
    )
    return cores, core_labels[cores], labels


def eps_candidates(curve: np.ndarray) -> list[tuple[float, str]]:
    """``(eps, where it comes from)`` for the grid, ascending, positive, distinct.

    Parameters
    ----------
    curve : ndarray of shape (n,)
        Every fit customer's k-distance (distance to its ``min_samples``-th nearest).
    """
    curve = np.sort(curve)
    candidates = [
        (float(np.quantile(curve, q)), f"k-distance quantile {q:g}") for q in EPS_QUANTILES
    ]
    knee = kneedle(np.arange(curve.size, dtype=float), curve, curve="convex")
    if knee is not None:
        candidates.append((float(curve[knee]), "knee of the k-distance curve"))
    largest = float(curve[-1])
    candidates += [(m * largest, f"{m:g} x the largest k-distance") for m in EPS_MULTIPLES_OF_MAX]
    grid: dict[float, str] = {}
    for eps, origin in sorted(candidates, key=lambda item: item[0]):
        if eps > 0 and eps not in grid:
            grid[eps] = origin
    return list(grid.items()) or [(1.0, "no positive k-distance; eps 1")]


def fit_dbscan(values: np.ndarray, config: SegmentationConfig, log: Log | None) -> DensityFit:
    """DBSCAN on a seeded sample of at most ``config.dbscan_max_fit_size`` customers.

    eps is ``config.dbscan_eps``, else chosen on the grid (module docstring).

    Parameters
    ----------
    values : ndarray of shape (n_customers, n_features)
        Transformed units, rows in customer_id order.
    config : SegmentationConfig
    log : callable, optional

    Returns
    -------
    DensityFit
    """
    positions = seeded_subset(
        values.shape[0], config.dbscan_max_fit_size, config.random_state, STREAM_DBSCAN
    )
    sample = values[positions]
    m = sample.shape[0]
    min_samples = min(dbscan_min_samples(config, values.shape[1]), m)
    with timed(log, f"k-distances of {m:,} customers"):
        distances, neighbours = nearest_neighbours(sample, min_samples)
    if config.dbscan_eps is not None:
        eps = float(config.dbscan_eps)
        cores, core_labels, labels = _dbscan_at(sample, neighbours, distances, eps)
        reason = f"var cluster_dbscan_eps = {eps:g}"
    else:
        eps, reason, (cores, core_labels, labels) = _choose_eps(
            sample, neighbours, distances, config, log
        )
    if cores.size == 0:
        raise ValueError(
            f"DBSCAN with eps {eps:g} and min_samples {min_samples} found no dense region: "
            "every customer would be noise; raise var 'cluster_dbscan_eps' or leave it null"
        )
    return DensityFit(
        algorithm="dbscan",
        fit_positions=positions,
        fit_labels=labels,
        core_points=sample[cores],
        core_labels=core_labels,
        core_radius=np.full(cores.size, eps),
        min_samples=min_samples,
        eps=eps,
        min_cluster_size=0,
        reason=reason,
    )


def _choose_eps(
    sample: np.ndarray,
    neighbours: np.ndarray,
    distances: np.ndarray,
    config: SegmentationConfig,
    log: Log | None,
) -> tuple[float, str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    m = sample.shape[0]
    grid = eps_candidates(distances[:, -1])
    fits = []
    with timed(log, f"DBSCAN at {len(grid)} eps from the k-distance curve"):
        for eps, _ in grid:
            fits.append(_dbscan_at(sample, neighbours, distances, eps))
    silhouette_positions = seeded_subset(
        m, config.silhouette_sample_size, config.random_state, STREAM_SILHOUETTE
    )
    counts = [int(core_labels.max()) + 1 if core_labels.size else 0 for _, core_labels, _ in fits]

    def scorable(i: int) -> bool:
        sampled = fits[i][2][silhouette_positions]
        sampled = sampled[sampled >= 0]
        in_range = 2 <= counts[i] <= config.dbscan_max_clusters
        return in_range and 2 <= np.unique(sampled).size < sampled.size

    scored = [i for i in range(len(fits)) if scorable(i)]
    with timed(log, f"silhouettes of {len(scored)} eps on {silhouette_positions.size:,}"):
        silhouettes = silhouette_scores(
            sample[silhouette_positions],
            [fits[i][2][silhouette_positions] for i in scored],
            noise_label=NOISE,
        )
    score = dict(zip(scored, silhouettes, strict=True))
    rows = []
    for i, ((eps, origin), (_, _, labels)) in enumerate(zip(grid, fits, strict=True)):
        clustered = labels >= 0
        sizes = np.bincount(labels[clustered], minlength=counts[i])
        smallest = float(sizes.min()) / m if counts[i] else 0.0
        noise = float((~clustered).mean())
        rows.append((eps, origin, counts[i], noise, smallest, score.get(i, np.nan)))
        say(
            log,
            f"DBSCAN eps {eps:.4g} ({origin}): {counts[i]} clusters, {noise:.1%} noise, "
            f"smallest {smallest:.1%}, silhouette {score.get(i, np.nan):.3f}",
        )
    share = config.min_segment_share
    pool = [i for i in score if rows[i][4] >= share] or list(score)
    if pool:
        best = max(pool, key=lambda i: (score[i] * (1 - rows[i][3]), -i))
        eps, origin, _, noise, _, silhouette = rows[best]
        every = (
            f", every segment >= {share * 100:g}% of customers"
            if rows[best][4] >= share
            else f" (none has every segment >= {share * 100:g}% of customers)"
        )
        reason = (
            f"eps {eps:.4g} ({origin}): the best silhouette ({silhouette:.2f}, noise counted "
            f"as 0: {silhouette * (1 - noise):.2f}) of {len(pool)} eps on the k-distance grid "
            f"with 2..{config.dbscan_max_clusters} clusters{every}"
        )
    else:
        knees = [i for i, (_, origin) in enumerate(grid) if origin.startswith("knee")]
        best = knees[0] if knees else 0
        eps, origin = grid[best]
        reason = (
            f"no eps on the k-distance grid gives 2..{config.dbscan_max_clusters} clusters; "
            f"eps {eps:.4g} ({origin})"
        )
    say(log, f"DBSCAN: {reason}")
    return grid[best][0], reason, fits[best]


def hdbscan_parameters(config: SegmentationConfig, n_fit: int) -> tuple[int, int]:
    """``(min_cluster_size, min_samples)`` for ``n_fit`` fitted customers."""
    min_cluster_size = max(2, math.ceil(config.hdbscan_min_cluster_share * n_fit - 1e-9))
    min_samples = config.hdbscan_min_samples or math.ceil(min_cluster_size / 2)
    return min_cluster_size, min(min_samples, n_fit)


def _hdbscan_on(sample: np.ndarray, config: SegmentationConfig) -> DensityFit:
    min_cluster_size, min_samples = hdbscan_parameters(config, sample.shape[0])
    fitted = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples, copy=True)
    raw = fitted.fit(sample).labels_.astype(np.int64)
    clustered = np.flatnonzero(raw >= 0)
    _, first = np.unique(raw[clustered], return_index=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    core_labels = rank[np.unique(raw[clustered], return_inverse=True)[1]]
    radius = cKDTree(sample).query(sample[clustered], k=[min_samples])[0][:, 0]
    core_points = sample[clustered]
    labels = nearest_core_labels(sample, core_points, core_labels, radius)
    return DensityFit(
        algorithm="hdbscan",
        fit_positions=np.arange(sample.shape[0]),
        fit_labels=labels,
        core_points=core_points,
        core_labels=core_labels,
        core_radius=radius,
        min_samples=min_samples,
        eps=np.nan,
        min_cluster_size=min_cluster_size,
        reason="",
    )


def fit_hdbscan(values: np.ndarray, config: SegmentationConfig, log: Log | None) -> DensityFit:
    """HDBSCAN on a seeded sample of at most ``config.hdbscan_max_fit_size`` customers.

    Parameters
    ----------
    values : ndarray of shape (n_customers, n_features)
        Transformed units, rows in customer_id order.
    config : SegmentationConfig
    log : callable, optional

    Returns
    -------
    DensityFit
    """
    positions = seeded_subset(
        values.shape[0], config.hdbscan_max_fit_size, config.random_state, STREAM_HDBSCAN
    )
    m = positions.size
    with timed(log, f"HDBSCAN on {m:,} customers"):
        fit = _hdbscan_on(values[positions], config)
    if fit.k == 0:
        raise ValueError(
            f"HDBSCAN (min_cluster_size {fit.min_cluster_size}, min_samples "
            f"{fit.min_samples}) found no cluster among {m:,} customers; lower var "
            "'cluster_hdbscan_min_cluster_share' or 'cluster_hdbscan_min_samples'"
        )
    share = config.hdbscan_min_cluster_share
    reason = (
        f"HDBSCAN with min_cluster_size {fit.min_cluster_size} ({share * 100:g}% of "
        f"{m:,} customers fitted) and min_samples {fit.min_samples}"
        + ("" if config.hdbscan_min_samples else " (half of min_cluster_size)")
    )
    say(log, reason)
    return replace(fit, fit_positions=positions, reason=reason)


def density_stability(
    sample: np.ndarray, fit: DensityFit, config: SegmentationConfig, log: Log | None
) -> float:
    """Mean adjusted Rand index between the fit and refits on bootstrap resamples.

    DBSCAN: resamples of as many draws as fitted customers (with replacement: a
    customer drawn twice counts twice in the density), refitted at the same eps and
    min_samples. HDBSCAN: resamples of min(fitted, :data:`HDBSCAN_STABILITY_DRAWS`)
    draws, refitted with the parameters for that many customers. Each refit labels
    its drawn customers by the assignment rule, and the ARI compares them (each
    counted once, noise a label of its own) with their labels in the fit. NaN when
    ``stability_resamples`` is 0.

    Parameters
    ----------
    sample : ndarray of shape (n_fit, n_features)
        The fitted customers (``values[fit.fit_positions]``).
    fit : DensityFit
    config : SegmentationConfig
    log : callable, optional

    Returns
    -------
    float
    """
    if config.stability_resamples == 0:
        return np.nan
    m = sample.shape[0]
    scores = []
    with timed(log, f"{fit.algorithm} stability on {config.stability_resamples} resamples"):
        for resample in range(config.stability_resamples):
            draws = m if fit.algorithm == "dbscan" else min(m, HDBSCAN_STABILITY_DRAWS)
            drawn = rng_for(config.random_state, STREAM_STABILITY, resample).integers(0, m, draws)
            boot = sample[drawn]
            if fit.algorithm == "dbscan":
                distances, neighbours = nearest_neighbours(boot, fit.min_samples)
                refit = _dbscan_at(boot, neighbours, distances, fit.eps)[2]
            else:
                refit = _hdbscan_on(boot, config).fit_labels
            unique, first = np.unique(drawn, return_index=True)
            scores.append(adjusted_rand_score(fit.fit_labels[unique], refit[first]))
    return float(np.mean(scores))
