"""The k sweep behind the ``cluster_evaluation`` model (grain: algorithm x k)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score
from threadpoolctl import threadpool_limits

from ._progress import Log, say, timed
from .algorithms import (
    STREAM_FIT_SAMPLE,
    STREAM_SILHOUETTE,
    STREAM_STABILITY,
    adjusted_rand,
    centroids,
    clustering_cores,
    cut_tree_into,
    fit_centroid_model,
    kneedle,
    nearest_centre,
    resolve_algorithm,
    rng_for,
    seeded_subset,
    side_by_side,
    single_threaded,
    ward_tree,
)
from .config import DENSITY_ALGORITHMS, SegmentationConfig, validate_config
from .density import density_stability, fit_density
from .features import feature_matrix
from .silhouette import silhouette_scores

#: Most customers a stability resample draws (with replacement); the sweep may fit more.
STABILITY_RESAMPLE_SIZE = 5_000
#: Most k-means starts per stability refit (fewer when ``n_init`` is smaller).
STABILITY_MAX_N_INIT = 3

EVALUATION_COLUMNS = (
    "algorithm",
    "k",
    "inertia",
    "silhouette",
    "calinski_harabasz",
    "davies_bouldin",
    "stability_ari",
    "is_knee",
    "is_selected",
    "n_customers",
    "fit_sample_size",
    "silhouette_sample_size",
    "noise_share",
    "dbscan_eps",
    "smallest_segment_share",
    "is_eligible",
    "structure",
    "selection_reason",
)

#: Silhouette bands of the ``structure`` column: (lower bound, band), best first.
STRUCTURE_BANDS = ((0.5, "strong"), (0.25, "usable"), (-np.inf, "weak"))


def structure_of(silhouette: float) -> str | None:
    """The silhouette band: 'strong' (>= 0.5), 'usable' (0.25-0.5), 'weak' (< 0.25);
    ``None`` for a missing silhouette.
    """
    if silhouette is None or not np.isfinite(silhouette):
        return None
    return next(band for low, band in STRUCTURE_BANDS if silhouette >= low)


def sweep_sample_size(config: SegmentationConfig, algorithm: str) -> int:
    """Most customers the k sweep fits on (Ward is also bound by its memory cap)."""
    if algorithm == "agglomerative":
        return min(config.k_selection_sample_size, config.agglomerative_max_fit_size)
    return config.k_selection_sample_size


def candidate_ks(config: SegmentationConfig, n_fit: int, log: Log | None = None) -> list[int]:
    """K values to evaluate: ``k_min..k_max`` capped at ``n_fit - 1``, plus ``n_clusters``."""
    k_max = min(config.k_max, n_fit - 1)
    if k_max < config.k_max:
        say(log, f"var 'cluster_k_max' = {config.k_max} capped at {k_max} ({n_fit} customers)")
    ks = set(range(config.k_min, k_max + 1))
    if config.n_clusters is not None:
        ks.add(config.n_clusters)
    return sorted(ks)


def evaluate_k(X: pd.DataFrame, config: SegmentationConfig, log: Log | None = None) -> pd.DataFrame:
    """Fit the configured algorithm for each candidate k, score every fit, choose k.

    For k-means, mini-batch k-means and Ward, k runs over ``k_min..k_max`` (capped at
    the customers evaluated minus one) plus ``n_clusters`` if set. Above
    ``k_selection_sample_size`` customers (Ward: also ``agglomerative_max_fit_size``)
    every k is fitted on one seeded sample, and all metrics below are computed on that
    sample; the final fit on every customer is :func:`fit_segment_model`'s job.
    DBSCAN and HDBSCAN give one row whose k is the number of clusters they found (see
    :mod:`.density`; DBSCAN's eps is chosen there).

    Metrics (transformed units; density algorithms: on non-noise customers only):

    * ``inertia``: sum over the evaluated customers of the squared Euclidean distance
      to their cluster's mean (so it grows with ``fit_sample_size``).
    * ``silhouette``: mean silhouette on a seeded sample of ``silhouette_sample_size``
      customers, the same customers for every k; -1..1, higher is better. Exact
      (scikit-learn's definition), every k in one pass (:func:`silhouette_scores`).
      ``structure`` names its band: strong >= 0.5, usable 0.25-0.5, weak < 0.25.
    * ``calinski_harabasz`` (higher is better), ``davies_bouldin`` (lower is better).
    * ``stability_ari``: for each of ``stability_resamples`` seeded bootstrap
      resamples of the evaluated customers (``min(fit_sample_size,``
      :data:`STABILITY_RESAMPLE_SIZE` ``)`` = 5,000 draws with replacement), refit with
      the same k (k-means: ``min(n_init,`` :data:`STABILITY_MAX_N_INIT` ``)`` = 3
      seeded k-means++ starts, the lowest inertia kept; Ward: a new tree, cut at k),
      label every evaluated customer by the nearest centre of the refit, and take the
      adjusted Rand index against the fit being scored; the mean over resamples. A
      refit does not need the sweep's 10 starts to find the same clusters when they
      are real, and 3 starts, unlike 1, keep an unlucky start from passing for
      instability (4 planted segments at k=2: 1.0 with 3 starts, 0.6 with 1). Density
      algorithms: :func:`.density.density_stability`. 1 = the same partition every
      time, ~0 = no better than chance. NaN when ``stability_resamples`` is 0.
    * ``smallest_segment_share``: the smallest cluster's customers over the customers
      evaluated (noise counts in the denominator); ``is_eligible``: it is at least
      ``min_segment_share``.

    The k rule (``is_selected``, exactly one row, with ``selection_reason``):
    ``n_clusters`` when set. Else the eligible k with the best silhouette (ties: the
    smaller k; without any silhouette, the knee if eligible, else the smallest
    eligible k). If no k is eligible, the k whose smallest cluster is largest (ties:
    the smaller k), and the log says so. The density algorithms' single row is
    selected; its reason says how their parameters were chosen.
    ``is_knee`` marks the k at the knee of inertia against k (:func:`kneedle`,
    convex), for comparison; false everywhere when the curve does not bend or has
    fewer than 3 points.

    Parameters
    ----------
    X : DataFrame of shape (n_customers, n_features)
        :func:`prepare_features` output.
    config : SegmentationConfig
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    DataFrame
        One row per k, ordered by k, columns :data:`EVALUATION_COLUMNS`: ``algorithm``
        (as fitted: ``kmeans`` above ``minibatch_auto_threshold`` customers reads
        ``minibatch_kmeans``), ``k``, the metrics, ``is_knee``, ``is_selected``,
        ``n_customers`` (all customers), ``fit_sample_size`` (customers the fits and
        metrics used), ``silhouette_sample_size`` (customers the silhouette used),
        ``noise_share`` (density noise among the evaluated customers, else 0),
        ``dbscan_eps`` (DBSCAN's radius; NaN otherwise), ``smallest_segment_share``,
        ``is_eligible``, ``structure`` (str, null without a silhouette) and
        ``selection_reason`` (str on the selected row, null elsewhere).
    """
    values = feature_matrix(X)
    validate_config(config, n_customers=values.shape[0])
    with single_threaded():
        return _evaluate(values, config, log)


def _evaluate(values: np.ndarray, config: SegmentationConfig, log: Log | None) -> pd.DataFrame:
    n = values.shape[0]
    algorithm = resolve_algorithm(config, n)
    if algorithm != config.algorithm:
        say(log, f"{n:,} customers > {config.minibatch_auto_threshold:,}: using {algorithm}")
    if algorithm in DENSITY_ALGORITHMS:
        return _evaluate_density(values, config, log)

    fit_positions = seeded_subset(
        n, sweep_sample_size(config, algorithm), config.random_state, STREAM_FIT_SAMPLE
    )
    sample = values[fit_positions]
    m = sample.shape[0]
    ks = candidate_ks(config, m, log)
    silhouette_positions = seeded_subset(
        m, config.silhouette_sample_size, config.random_state, STREAM_SILHOUETTE
    )
    say(log, f"{algorithm}: trying k = {ks[0]}..{ks[-1]} on {m:,} of {n:,} customers")

    labels_by_k = _sweep(sample, ks, algorithm, config, log)
    stability = _stability(sample, ks, labels_by_k, algorithm, config, log)
    with (
        timed(log, f"silhouettes of k = {ks[0]}..{ks[-1]} on {silhouette_positions.size:,}"),
        threadpool_limits(limits=clustering_cores(config), user_api="blas"),
    ):
        silhouette = _silhouettes(sample, labels_by_k, silhouette_positions)
    rows = []
    for k in ks:
        with timed(log, f"k={k} scored"):
            metrics = _metrics(sample, labels_by_k[k])
        smallest = float(np.bincount(labels_by_k[k], minlength=k).min()) / m
        rows.append(
            {
                "algorithm": algorithm,
                "k": k,
                **metrics,
                "silhouette": silhouette[k],
                "stability_ari": stability.get(k, np.nan),
                "n_customers": n,
                "fit_sample_size": m,
                "silhouette_sample_size": int(silhouette_positions.size),
                "noise_share": 0.0,
                "dbscan_eps": np.nan,
                "smallest_segment_share": smallest,
                "is_eligible": smallest >= config.min_segment_share,
                "structure": structure_of(silhouette[k]),
            }
        )
    frame = pd.DataFrame(rows)
    frame["is_knee"] = _knee_flags(frame)
    chosen, reason = _choose_k(frame, config, ks, log)
    frame["is_selected"] = np.arange(len(frame)) == chosen
    frame["selection_reason"] = pd.Series(
        [reason if i == chosen else None for i in range(len(frame))], dtype="str"
    )
    frame["structure"] = frame["structure"].astype("str")
    say(log, f"selected k = {int(frame['k'].iloc[chosen])}: {reason}")
    return frame.loc[:, list(EVALUATION_COLUMNS)]


def _choose_k(
    frame: pd.DataFrame, config: SegmentationConfig, ks: list[int], log: Log | None
) -> tuple[int, str]:
    """The position of the selected row (rows are ordered by k) and why it was chosen."""
    k = frame["k"].to_numpy()
    if config.n_clusters is not None:
        return int(
            np.flatnonzero(k == config.n_clusters)[0]
        ), f"var n_clusters = {config.n_clusters}"
    in_range = (k >= config.k_min) & (k <= config.k_max)
    low, high = int(k[in_range].min()), int(k[in_range].max())
    share = f"{config.min_segment_share * 100:g}%"
    eligible = frame["is_eligible"].to_numpy(bool) & in_range
    silhouette = frame["silhouette"].to_numpy(float)
    if eligible.any():
        scored = eligible & np.isfinite(silhouette)
        if scored.any():
            # argmax returns the first maximum and rows are ordered by k: ties go to the smaller k.
            chosen = int(np.argmax(np.where(scored, silhouette, -np.inf)))
            reason = (
                f"best silhouette ({silhouette[chosen]:.2f}, {structure_of(silhouette[chosen])}) "
                f"among k = {low}..{high} with every segment >= {share} of customers"
            )
        else:
            knee = frame["is_knee"].to_numpy(bool) & eligible
            chosen = int(np.flatnonzero(knee if knee.any() else eligible)[0])
            reason = (
                f"no silhouette could be computed; {'the knee' if knee.any() else 'the smallest k'}"
                f" among k = {low}..{high} with every segment >= {share} of customers"
            )
        stability = float(frame["stability_ari"].iloc[chosen])
        if np.isfinite(stability):
            reason += f"; stability {stability:.2f}"
        return chosen, reason
    smallest = np.where(in_range, frame["smallest_segment_share"].to_numpy(float), -np.inf)
    chosen = int(np.argmax(smallest))
    reason = (
        f"no k in {low}..{high} has every segment >= {share} of customers; k = "
        f"{int(k[chosen])} has the largest smallest segment ({smallest[chosen]:.1%})"
    )
    say(log, reason)
    return chosen, reason


def selected_k(evaluation: pd.DataFrame) -> int:
    """The k of the one ``is_selected`` row of an :func:`evaluate_k` frame."""
    chosen = evaluation.loc[evaluation["is_selected"].astype(bool), "k"]
    if len(chosen) != 1:
        raise ValueError(
            f"cluster_evaluation must have exactly one selected row, has {len(chosen)}"
        )
    return int(chosen.iloc[0])


def _sweep(
    sample: np.ndarray, ks: list[int], algorithm: str, config: SegmentationConfig, log: Log | None
) -> dict[int, np.ndarray]:
    if algorithm == "agglomerative":
        with timed(log, f"Ward tree on {sample.shape[0]:,} customers"):
            linkage = ward_tree(sample)
        return {k: cut_tree_into(linkage, k) for k in ks}

    def fit(k: int) -> np.ndarray:
        with timed(log, f"k={k} fitted"):
            labels, _ = fit_centroid_model(sample, k, algorithm, config)
        return labels

    return dict(zip(ks, side_by_side(fit, ks, clustering_cores(config)), strict=True))


def _stability(
    sample: np.ndarray,
    ks: list[int],
    labels_by_k: dict[int, np.ndarray],
    algorithm: str,
    config: SegmentationConfig,
    log: Log | None,
) -> dict[int, float]:
    if config.stability_resamples == 0:
        return {}
    m = sample.shape[0]
    draws = min(m, STABILITY_RESAMPLE_SIZE)
    refit_config = replace(config, n_init=min(config.n_init, STABILITY_MAX_N_INIT))

    def resample_of(resample: int) -> np.ndarray:
        drawn = rng_for(config.random_state, STREAM_STABILITY, resample).integers(0, m, draws)
        return sample[drawn]

    def agreement(centres: np.ndarray, k: int) -> float:
        return adjusted_rand(labels_by_k[k], nearest_centre(sample, centres))

    def ward_scores(resample: int) -> list[float]:
        boot = resample_of(resample)
        linkage = ward_tree(boot)
        return [agreement(centroids(boot, cut_tree_into(linkage, k), k), k) for k in ks]

    def refit_score(task: tuple[int, int]) -> float:
        resample, k = task
        _, centres = fit_centroid_model(resample_of(resample), k, algorithm, refit_config)
        return agreement(centres, k)

    resamples = list(range(config.stability_resamples))
    cores = clustering_cores(config)
    with timed(log, f"stability on {config.stability_resamples} bootstrap resamples"):
        if algorithm == "agglomerative":
            # one tree per resample, cut at every k
            by_resample = side_by_side(ward_scores, resamples, cores)
            scores = {k: [row[i] for row in by_resample] for i, k in enumerate(ks)}
        else:
            tasks = [(resample, k) for resample in resamples for k in ks]
            flat = dict(zip(tasks, side_by_side(refit_score, tasks, cores), strict=True))
            scores = {k: [flat[(resample, k)] for resample in resamples] for k in ks}
    return {k: float(np.mean(values)) for k, values in scores.items()}


def _scorable(labels: np.ndarray) -> bool:
    """Whether the silhouette and the other indices are defined: 2..n-1 distinct labels."""
    return 2 <= np.unique(labels).size <= labels.size - 1


def _silhouettes(
    values: np.ndarray, labels_by_k: dict[int, np.ndarray], silhouette_positions: np.ndarray
) -> dict[int, float]:
    """Mean silhouette of each partition on the same sampled customers (NaN where a
    partition, or its sample, has too few or too many clusters), in one pass.
    """
    sampled = {k: labels[silhouette_positions] for k, labels in labels_by_k.items()}
    scorable = [
        k for k, labels in labels_by_k.items() if _scorable(labels) and _scorable(sampled[k])
    ]
    scores = silhouette_scores(values[silhouette_positions], [sampled[k] for k in scorable])
    by_k = dict(zip(scorable, scores, strict=True))
    return {k: by_k.get(k, np.nan) for k in labels_by_k}


def _metrics(values: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Inertia, Calinski-Harabasz, Davies-Bouldin of one partition (labels 0..k-1)."""
    k = int(labels.max()) + 1 if labels.size else 0
    centres = centroids(values, labels, k)
    inertia = float(((values - centres[labels]) ** 2).sum()) if k else np.nan
    if not _scorable(labels):
        return {"inertia": inertia, "calinski_harabasz": np.nan, "davies_bouldin": np.nan}
    return {
        "inertia": inertia,
        "calinski_harabasz": float(calinski_harabasz_score(values, labels)),
        "davies_bouldin": float(davies_bouldin_score(values, labels)),
    }


def _knee_flags(frame: pd.DataFrame) -> np.ndarray:
    flags = np.zeros(len(frame), dtype=bool)
    knee = kneedle(frame["k"].to_numpy(float), frame["inertia"].to_numpy(float), curve="convex")
    if knee is not None:
        flags[knee] = True
    return flags


def _evaluate_density(
    values: np.ndarray, config: SegmentationConfig, log: Log | None
) -> pd.DataFrame:
    n = values.shape[0]
    with timed(log, f"{config.algorithm} fitted"):
        fit = fit_density(values, config, log)
    labels = fit.fit_labels
    sample = values[fit.fit_positions]
    m = sample.shape[0]
    clustered = labels >= 0
    k = fit.k
    noise = float((~clustered).mean())
    say(
        log,
        f"{config.algorithm} on {m:,} of {n:,} customers: {k} clusters, {noise:.1%} noise",
    )
    silhouette_positions = seeded_subset(
        int(clustered.sum()), config.silhouette_sample_size, config.random_state, STREAM_SILHOUETTE
    )
    metrics = {**_metrics(sample[clustered], labels[clustered]), "silhouette": np.nan}
    if k >= 2:
        metrics["silhouette"] = _silhouettes(
            sample[clustered], {k: labels[clustered]}, silhouette_positions
        )[k]
    smallest = float(np.bincount(labels[clustered], minlength=k).min()) / m if k else 0.0
    reason = f"{fit.reason}; {k} clusters, {noise:.1%} noise"
    stability = density_stability(sample, fit, config, log)
    if np.isfinite(stability):
        reason += f"; stability {stability:.2f}"
    row = {
        "algorithm": config.algorithm,
        "k": k,
        **metrics,
        "stability_ari": stability,
        "is_knee": False,
        "is_selected": True,
        "n_customers": n,
        "fit_sample_size": m,
        "silhouette_sample_size": int(silhouette_positions.size) if k >= 2 else 0,
        "noise_share": noise,
        "dbscan_eps": fit.eps,
        "smallest_segment_share": smallest,
        "is_eligible": smallest >= config.min_segment_share,
        "structure": structure_of(metrics["silhouette"]),
        "selection_reason": reason,
    }
    frame = pd.DataFrame([row]).astype({"structure": "str", "selection_reason": "str"})
    return frame.loc[:, list(EVALUATION_COLUMNS)]
