"""DBSCAN with eps chosen on the k-distance grid, and HDBSCAN: segments, not specks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN, HDBSCAN
from sklearn.metrics import adjusted_rand_score

from segmentation.clustering import (
    NOISE_NAME,
    SegmentationConfig,
    make_planted_rfm,
    prepare_features,
    run_segmentation,
)
from segmentation.clustering.dbscan_cores import dbscan_core_labels, nearest_neighbours
from segmentation.clustering.density import (
    EPS_QUANTILES,
    eps_candidates,
    fit_dbscan,
    fit_hdbscan,
    hdbscan_parameters,
)
from segmentation.clustering.features import feature_matrix


@pytest.fixture(scope="module")
def planted_6000() -> tuple[pd.DataFrame, pd.Series]:
    return make_planted_rfm(6_000, random_state=0)


def recovery(rfm: pd.DataFrame, truth: pd.Series, segments: pd.DataFrame) -> float:
    found = segments.set_index("customer_id").loc[rfm["customer_id"], "cluster_id"]
    return adjusted_rand_score(truth, found.to_numpy())


def values_of(rfm: pd.DataFrame) -> np.ndarray:
    return feature_matrix(prepare_features(rfm, SegmentationConfig()))


@pytest.mark.parametrize("eps", [0.04, 0.11, 0.2, 0.3, 0.46, 0.7])
def test_dbscan_core_clusters_are_sklearn_dbscan_core_clusters(eps):
    rfm, _ = make_planted_rfm(2_000, random_state=1)
    values = values_of(rfm)
    distances, neighbours = nearest_neighbours(values, 6)
    ours = dbscan_core_labels(values, neighbours, distances, eps)
    theirs = DBSCAN(eps=eps, min_samples=6).fit(values)
    core = np.zeros(len(values), dtype=bool)
    core[theirs.core_sample_indices_] = True
    assert np.array_equal(ours >= 0, core)
    assert adjusted_rand_score(theirs.labels_[core], ours[core]) == 1.0
    assert ours.max() + 1 == theirs.labels_.max() + 1


def test_dbscan_core_clusters_match_sklearn_on_blobs_that_touch_in_one_place():
    rng = np.random.default_rng(5)
    blobs = [rng.normal(centre, 0.05, size=(300, 2)) for centre in ((0, 0), (0.6, 0), (3, 3))]
    bridge = np.column_stack([np.linspace(0.1, 0.5, 9), np.zeros(9)])  # a thin chain
    values = np.vstack([*blobs, bridge])
    distances, neighbours = nearest_neighbours(values, 4)
    for eps in (0.03, 0.06, 0.12):
        ours = dbscan_core_labels(values, neighbours, distances, eps)
        theirs = DBSCAN(eps=eps, min_samples=4).fit(values)
        core = theirs.core_sample_indices_
        assert adjusted_rand_score(theirs.labels_[core], ours[core]) == 1.0, eps
        assert (ours >= 0).sum() == core.size


def test_the_eps_grid_takes_quantiles_the_knee_and_multiples_of_the_largest_k_distance():
    curve = np.linspace(0.1, 1.0, 100) ** 2
    grid = dict(eps_candidates(curve))
    eps = list(grid)
    assert eps == sorted(set(eps)) and len(eps) == len(EPS_QUANTILES) + 1 + 4
    assert EPS_QUANTILES[0] == 0.5 and EPS_QUANTILES[-1] == 1.0
    for q in EPS_QUANTILES:
        assert grid[float(np.quantile(curve, q))] == f"k-distance quantile {q:g}"
    assert [grid[m * 1.0] for m in (1.25, 1.5, 2.0, 3.0)] == [
        f"{m:g} x the largest k-distance" for m in (1.25, 1.5, 2.0, 3.0)
    ]
    assert "knee of the k-distance curve" in grid.values()


def test_dbscan_with_the_eps_grid_finds_the_planted_segments(planted_6000):
    rfm, truth = planted_6000
    result = run_segmentation(rfm, SegmentationConfig(algorithm="dbscan", stability_resamples=1))
    (row,) = result.evaluation.to_dict("records")
    assert 2 <= result.k <= 10
    assert recovery(rfm, truth, result.segments) >= 0.8
    assert row["k"] == result.k and row["is_selected"]
    assert row["dbscan_eps"] > 0 and row["is_eligible"]
    assert row["selection_reason"].startswith(f"eps {row['dbscan_eps']:.4g} (")
    assert "the best silhouette" in row["selection_reason"]
    assert row["stability_ari"] >= 0.9


def test_hdbscan_finds_the_planted_segments(planted_6000):
    rfm, truth = planted_6000
    result = run_segmentation(rfm, SegmentationConfig(algorithm="hdbscan", stability_resamples=1))
    (row,) = result.evaluation.to_dict("records")
    assert 2 <= result.k <= 10
    assert recovery(rfm, truth, result.segments) >= 0.8
    assert row["algorithm"] == "hdbscan" and row["is_selected"] and np.isnan(row["dbscan_eps"])
    assert row["selection_reason"].startswith(
        "HDBSCAN with min_cluster_size 300 (5% of 6,000 customers fitted) and min_samples 150"
    )
    assert (
        result.segments["segment_name"].groupby(result.segments["cluster_id"]).nunique().max() == 1
    )


def test_a_given_dbscan_eps_fixes_it():
    rfm, _ = make_planted_rfm(1_000, random_state=2)
    result = run_segmentation(
        rfm, SegmentationConfig(algorithm="dbscan", dbscan_eps=0.3, stability_resamples=0)
    )
    (row,) = result.evaluation.to_dict("records")
    assert row["dbscan_eps"] == 0.3
    assert row["selection_reason"].startswith("var cluster_dbscan_eps = 0.3; ")
    assert set(result.model.core_radius) == {0.3}


def test_an_eps_too_small_for_any_dense_region_stops_with_the_var_named():
    rfm, _ = make_planted_rfm(500, random_state=2)
    with pytest.raises(ValueError, match=r"found no dense region.*var 'cluster_dbscan_eps'"):
        run_segmentation(rfm, SegmentationConfig(algorithm="dbscan", dbscan_eps=1e-6))


def test_dbscan_fitted_on_a_sample_keeps_to_the_grid_rule():
    rfm, _ = make_planted_rfm(3_000, random_state=3)
    config = SegmentationConfig(algorithm="dbscan", dbscan_max_fit_size=1_000)
    fit = fit_dbscan(values_of(rfm), config, None)
    assert fit.fit_positions.size == 1_000
    assert 2 <= fit.k <= config.dbscan_max_clusters
    assert fit.core_points.shape == (fit.core_labels.size, 3)


def test_hdbscan_core_points_are_the_clustered_fit_customers_with_their_core_distance():
    rfm, _ = make_planted_rfm(1_200, random_state=6)
    values = values_of(rfm)
    config = SegmentationConfig(algorithm="hdbscan")
    fit = fit_hdbscan(values, config, None)
    min_cluster_size, min_samples = hdbscan_parameters(config, 1_200)
    assert (fit.min_cluster_size, fit.min_samples) == (min_cluster_size, min_samples) == (60, 30)
    raw = HDBSCAN(min_cluster_size=60, min_samples=30, copy=True).fit(values).labels_
    assert np.array_equal(fit.core_points, values[raw >= 0])
    core_distance = cKDTree(values).query(values[raw >= 0], k=30)[0][:, -1]
    assert fit.core_radius == pytest.approx(core_distance)
    assert adjusted_rand_score(raw[raw >= 0], fit.core_labels) == 1.0


@pytest.mark.parametrize(
    ("share", "n", "expected"), [(0.05, 6_000, 300), (0.05, 30, 2), (0.1, 1_001, 101)]
)
def test_hdbscan_min_cluster_size_is_the_share_of_customers_fitted_rounded_up(share, n, expected):
    config = SegmentationConfig(algorithm="hdbscan", hdbscan_min_cluster_share=share)
    assert hdbscan_parameters(config, n)[0] == expected


def test_hdbscan_is_fitted_on_at_most_its_fit_size_and_labels_everyone():
    rfm, truth = make_planted_rfm(2_500, random_state=8)
    config = SegmentationConfig(
        algorithm="hdbscan", hdbscan_max_fit_size=800, stability_resamples=0
    )
    result = run_segmentation(rfm, config)
    assert result.evaluation.loc[0, "fit_sample_size"] == 800
    assert len(result.segments) == 2_500
    assert recovery(rfm, truth, result.segments) >= 0.8


def test_noise_is_named_as_noise_and_scored_without_a_centre():
    rfm, _ = make_planted_rfm(1_000, random_state=9)
    result = run_segmentation(
        rfm, SegmentationConfig(algorithm="dbscan", dbscan_eps=0.12, stability_resamples=0)
    )
    noise = result.segments[result.segments["cluster_id"] == -1]
    assert len(noise) > 0
    assert set(noise["segment_name"]) == {NOISE_NAME}
    assert noise["distance_to_centre"].isna().all()
    assert result.evaluation.loc[0, "noise_share"] == pytest.approx(len(noise) / 1_000)
