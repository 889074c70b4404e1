"""The clustering pipeline on customers whose segments are known in advance."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sklearn.metrics import adjusted_rand_score

from segmentation.clustering import (
    ALGORITHMS,
    EVALUATION_COLUMNS,
    NOISE_NAME,
    SegmentationConfig,
    evaluate_k,
    fit_segments,
    make_planted_rfm,
    pca_components,
    prepare_features,
    profile_segments,
    run_segmentation,
    selected_k,
)

N_CUSTOMERS = 1_000
# Small sweeps keep the suite fast where the test is not about choosing k.
QUICK = {"k_max": 6, "stability_resamples": 1}


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, pd.Series]:
    return make_planted_rfm(N_CUSTOMERS, random_state=7)


@pytest.fixture(scope="module")
def default_run(planted):
    rfm, _ = planted
    return run_segmentation(rfm, SegmentationConfig())


def recovery(planted, segments: pd.DataFrame) -> float:
    """Adjusted Rand index between planted types and found clusters."""
    rfm, truth = planted
    found = segments.set_index("customer_id").loc[rfm["customer_id"], "cluster_id"]
    return adjusted_rand_score(truth, found.to_numpy())


def assert_valid_outputs(rfm: pd.DataFrame, result, *, noise_allowed: bool) -> None:
    segments, evaluation = result.segments, result.evaluation
    assert sorted(segments["customer_id"]) == sorted(rfm["customer_id"])
    assert segments["customer_id"].is_unique
    ids = sorted(set(segments["cluster_id"]) - {-1})
    assert ids == list(range(len(ids)))
    assert noise_allowed or -1 not in set(segments["cluster_id"])
    names = segments.groupby("cluster_id")["segment_name"].unique()
    assert all(len(n) == 1 for n in names), "one name per cluster"
    assert names.str[0].is_unique, "no two clusters share a name"
    assert list(evaluation.columns) == list(EVALUATION_COLUMNS)
    assert evaluation["is_selected"].sum() == 1
    assert evaluation["is_knee"].sum() <= 1
    assert segments[["pca_1", "pca_2"]].notna().all().all()
    clustered = segments["cluster_id"] >= 0
    assert segments.loc[clustered, "distance_to_centre"].ge(0).all()
    assert segments.loc[~clustered, "distance_to_centre"].isna().all()
    assert result.profiles["customers"].sum() == len(rfm)
    assert result.profiles["share_of_revenue"].sum() == pytest.approx(1.0)


def test_the_default_pipeline_finds_the_four_planted_segments(planted, default_run):
    assert default_run.k == 4
    assert recovery(planted, default_run.segments) >= 0.9


def test_planted_segments_get_the_names_their_profiles_call_for(planted, default_run):
    rfm, truth = planted
    names = default_run.segments.set_index("customer_id").loc[rfm["customer_id"], "segment_name"]
    majority = pd.crosstab(truth.to_numpy(), names.to_numpy()).idxmax(axis=1).to_dict()
    # 55% of the planted customers are lapsed, so the lapsed big spenders (about 250
    # days) sit in the middle third of recency: "Cooling"
    assert majority == {
        "champions": "High-value loyal",
        "lapsed_big_spenders": "Cooling frequent big spenders",
        "recent_newcomers": "Recent one-time buyers",
        "lost_one_timers": "Lost one-timers",
    }


def test_without_log1p_the_planted_segments_are_recovered_measurably_worse(planted, default_run):
    rfm, _ = planted
    raw = run_segmentation(rfm, SegmentationConfig(log_transform=False, stability_resamples=0))
    with_log = recovery(planted, default_run.segments)
    without_log = recovery(planted, raw.segments)
    assert raw.k != 4 or without_log < with_log - 0.05
    assert without_log < with_log - 0.05


def test_the_planted_k_is_also_the_knee_and_the_most_stable(default_run):
    evaluation = default_run.evaluation.set_index("k")
    assert evaluation.index[evaluation["is_knee"]].tolist() == [4]
    assert evaluation.loc[4, "stability_ari"] >= 0.95
    assert evaluation["stability_ari"].between(-1, 1).all()


def test_cluster_ids_are_ordered_by_mean_monetary_highest_first(default_run):
    mean_monetary = default_run.profiles.set_index("cluster_id")["mean_monetary"]
    assert mean_monetary.index.tolist() == [0, 1, 2, 3]
    assert mean_monetary.is_monotonic_decreasing


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_algorithm_writes_one_valid_row_per_customer(planted, algorithm):
    rfm, _ = planted
    result = run_segmentation(rfm, SegmentationConfig(algorithm=algorithm, **QUICK))
    assert_valid_outputs(rfm, result, noise_allowed=algorithm == "dbscan")
    assert set(result.evaluation["algorithm"]) == {algorithm}


def test_ward_and_minibatch_also_recover_the_planted_segments(planted):
    rfm, _ = planted
    for algorithm in ("agglomerative", "minibatch_kmeans"):
        result = run_segmentation(rfm, SegmentationConfig(algorithm=algorithm, **QUICK))
        assert result.k == 4, algorithm
        assert recovery(planted, result.segments) >= 0.9, algorithm


def test_dbscan_reports_the_clusters_it_found_in_one_selected_row(planted):
    rfm, _ = planted
    result = run_segmentation(rfm, SegmentationConfig(algorithm="dbscan", stability_resamples=2))
    (row,) = result.evaluation.to_dict("records")
    clusters = set(result.segments["cluster_id"]) - {-1}
    assert row["k"] == len(clusters) == result.k
    assert row["is_selected"] and row["dbscan_eps"] > 0
    assert row["noise_share"] == pytest.approx((result.segments["cluster_id"] == -1).mean())
    noise = result.segments.loc[result.segments["cluster_id"] == -1, "segment_name"]
    assert set(noise) <= {NOISE_NAME}


def test_dbscan_fitted_on_a_sample_labels_every_customer(planted):
    rfm, _ = planted
    config = SegmentationConfig(algorithm="dbscan", dbscan_max_fit_size=300, stability_resamples=0)
    result = run_segmentation(rfm, config)
    assert_valid_outputs(rfm, result, noise_allowed=True)
    assert result.evaluation.loc[0, "fit_sample_size"] == 300


@pytest.mark.parametrize("algorithm", ["kmeans", "agglomerative", "dbscan", "hdbscan"])
def test_two_runs_give_identical_frames(planted, algorithm):
    rfm, _ = planted
    config = SegmentationConfig(algorithm=algorithm, **QUICK)
    first, second = run_segmentation(rfm, config), run_segmentation(rfm, config)
    assert_frame_equal(first.evaluation, second.evaluation)
    assert_frame_equal(first.segments, second.segments)
    assert_frame_equal(first.pca_components, second.pca_components)
    assert_frame_equal(first.profiles, second.profiles)
    assert_frame_equal(first.model.to_frame(), second.model.to_frame())


@pytest.mark.parametrize("algorithm", ["kmeans", "agglomerative"])
def test_the_number_of_threads_does_not_change_the_result(planted, algorithm):
    # n_threads=2 fits the k sweep and the stability refits side by side
    rfm, _ = planted
    one, two = (
        run_segmentation(
            rfm,
            SegmentationConfig(algorithm=algorithm, k_max=5, stability_resamples=2, n_threads=n),
        )
        for n in (1, 2)
    )
    assert_frame_equal(one.evaluation, two.evaluation)
    assert_frame_equal(one.segments, two.segments)


def test_the_order_rows_arrive_in_does_not_change_the_result(planted):
    rfm, _ = planted
    config = SegmentationConfig(**QUICK, k_selection_sample_size=400)
    shuffled = rfm.sample(frac=1.0, random_state=1).reset_index(drop=True)
    first, second = run_segmentation(rfm, config), run_segmentation(shuffled, config)
    assert_frame_equal(first.evaluation, second.evaluation)
    assert_frame_equal(first.segments, second.segments)


def test_the_steps_called_one_by_one_match_run_segmentation(planted, default_run):
    rfm, _ = planted
    config = SegmentationConfig()
    X = prepare_features(rfm, config)
    evaluation = evaluate_k(X, config)
    segments = fit_segments(rfm, X, selected_k(evaluation), config)
    assert_frame_equal(evaluation, default_run.evaluation)
    assert_frame_equal(segments, default_run.segments)
    assert_frame_equal(pca_components(X), default_run.pca_components)
    assert_frame_equal(profile_segments(rfm, segments), default_run.profiles)


def test_n_clusters_fixes_k(planted):
    rfm, _ = planted
    result = run_segmentation(rfm, SegmentationConfig(n_clusters=6, **QUICK))
    assert result.k == 6
    assert result.segments["cluster_id"].nunique() == 6
    assert result.evaluation.loc[result.evaluation["is_selected"], "k"].tolist() == [6]


def test_n_clusters_outside_the_k_range_gets_its_own_evaluation_row(planted):
    rfm, _ = planted
    result = run_segmentation(rfm, SegmentationConfig(n_clusters=8, k_max=4, **{"n_init": 3}))
    assert result.evaluation["k"].tolist() == [3, 4, 8]
    assert result.k == 8


def test_choosing_k_on_samples_picks_the_same_k_as_using_every_customer():
    rfm, _ = make_planted_rfm(3_000, random_state=11)
    full = SegmentationConfig(
        k_selection_sample_size=3_000, silhouette_sample_size=3_000, stability_resamples=0
    )
    sampled = SegmentationConfig(
        k_selection_sample_size=500, silhouette_sample_size=300, stability_resamples=0
    )
    full_evaluation = evaluate_k(prepare_features(rfm, full), full)
    sampled_evaluation = evaluate_k(prepare_features(rfm, sampled), sampled)
    assert selected_k(sampled_evaluation) == selected_k(full_evaluation) == 4
    assert set(sampled_evaluation["fit_sample_size"]) == {500}
    assert set(sampled_evaluation["silhouette_sample_size"]) == {300}
    assert set(full_evaluation["silhouette_sample_size"]) == {3_000}


def test_clipping_outliers_keeps_every_customer_and_bounds_the_extremes(planted):
    rfm, _ = planted
    spiked = rfm.copy()
    spiked.loc[:4, "monetary"] = 5_000_000.0  # both tails: the top and the bottom
    spiked.loc[5:9, "monetary"] = 0.01
    config = SegmentationConfig(outlier_policy="clip", clip_quantile=0.99, **QUICK)
    result = run_segmentation(spiked, config)
    assert_valid_outputs(spiked, result, noise_allowed=False)
    transformed = result.features["monetary_transformed"]
    high_ids, low_ids = spiked.loc[:4, "customer_id"], spiked.loc[5:9, "customer_id"]
    assert transformed.loc[high_ids].eq(transformed.max()).all()
    assert transformed.loc[low_ids].eq(transformed.min()).all()
    assert (transformed >= transformed.max()).sum() >= 10, "the top 1% share the clipped value"
    assert (transformed <= transformed.min()).sum() >= 10, "so do the bottom 1%"


def test_the_robust_scaler_centres_on_the_median_and_still_finds_the_segments(planted):
    rfm, _ = planted
    result = run_segmentation(rfm, SegmentationConfig(scaler="robust", **QUICK))
    assert result.features.median().abs().max() == pytest.approx(0.0, abs=1e-9)
    # and scales by the interquartile range: a scaler that only centres fails here
    quartiles = result.features.quantile([0.25, 0.75])
    iqr = quartiles.loc[0.75] - quartiles.loc[0.25]
    assert iqr.to_numpy() == pytest.approx([1.0] * len(iqr), rel=1e-9)
    assert result.k == 4
    assert recovery(planted, result.segments) >= 0.9


def test_ward_above_its_fit_size_assigns_every_customer_to_a_cluster(planted):
    rfm, _ = planted
    config = SegmentationConfig(algorithm="agglomerative", agglomerative_max_fit_size=200, **QUICK)
    result = run_segmentation(rfm, config)
    assert_valid_outputs(rfm, result, noise_allowed=False)
    assert set(result.evaluation["fit_sample_size"]) == {200}
    assert recovery(planted, result.segments) >= 0.9


def test_kmeans_becomes_minibatch_above_the_threshold(planted):
    rfm, _ = planted
    messages: list[str] = []
    config = SegmentationConfig(minibatch_auto_threshold=500, **QUICK)
    result = run_segmentation(rfm, config, log=messages.append)
    assert set(result.evaluation["algorithm"]) == {"minibatch_kmeans"}
    assert any("using minibatch_kmeans" in m for m in messages)
    assert recovery(planted, result.segments) >= 0.9


def test_zero_stability_resamples_skip_the_stability_check(planted):
    rfm, _ = planted
    config = SegmentationConfig(k_max=4, stability_resamples=0)
    evaluation = evaluate_k(prepare_features(rfm, config), config)
    assert evaluation["stability_ari"].isna().all()


def test_progress_messages_say_rows_in_k_tried_and_seconds(planted):
    rfm, _ = planted
    messages: list[str] = []
    run_segmentation(rfm, SegmentationConfig(**QUICK), log=messages.append)
    assert any("1,000 customers in" in m for m in messages)
    assert any(m.startswith("segmentation: k=3 fitted: ") and m.endswith(" s") for m in messages)
    assert any("selected k = 4" in m for m in messages)


def test_decimal_money_as_a_warehouse_may_return_it_gives_the_same_segments(planted):
    rfm, _ = planted
    config = SegmentationConfig(**QUICK)
    as_decimal = rfm.assign(monetary=[Decimal(f"{m:.2f}") for m in rfm["monetary"]])
    assert_frame_equal(
        run_segmentation(as_decimal, config).segments, run_segmentation(rfm, config).segments
    )


def test_customer_segments_has_the_contract_columns_and_the_transformed_features(default_run):
    assert list(default_run.segments.columns) == [
        "customer_id",
        "cluster_id",
        "segment_name",
        "pca_1",
        "pca_2",
        "recency_days_transformed",
        "frequency_transformed",
        "monetary_transformed",
        "distance_to_centre",
    ]
    assert default_run.segments["customer_id"].is_monotonic_increasing


def test_pca_components_explain_all_the_variance_with_unit_loadings(default_run):
    components = default_run.pca_components
    assert components["component"].tolist() == [1, 2, 3]
    assert components["explained_variance_ratio"].sum() == pytest.approx(1.0)
    assert components["explained_variance_ratio"].is_monotonic_decreasing
    loadings = components.filter(like="loading_").to_numpy()
    assert np.linalg.norm(loadings, axis=1) == pytest.approx(np.ones(3))
    largest = loadings[np.arange(3), np.abs(loadings).argmax(axis=1)]
    assert (largest > 0).all(), "signs fixed: the largest loading is positive"


def test_pca_components_read_back_from_customer_segments_in_any_order_are_the_same(default_run):
    transformed = default_run.segments.filter(like="_transformed").columns
    read_back = default_run.segments.sample(frac=1.0, random_state=2).set_index("customer_id")
    assert_frame_equal(pca_components(read_back[transformed]), default_run.pca_components)


def test_pca_scores_have_the_variance_the_components_report(default_run):
    scores = default_run.segments[["pca_1", "pca_2"]].var(ddof=1).to_numpy()
    reported = default_run.pca_components["explained_variance"].to_numpy()[:2]
    assert scores == pytest.approx(reported)


def test_profiles_have_the_contract_columns(default_run):
    assert list(default_run.profiles.columns) == [
        "cluster_id",
        "segment_name",
        "customers",
        "share_of_customers",
        "revenue",
        "share_of_revenue",
        "mean_recency_days",
        "median_recency_days",
        "mean_frequency",
        "median_frequency",
        "mean_monetary",
        "median_monetary",
        "mean_distance_to_centre",
    ]
    assert default_run.profiles["share_of_customers"].sum() == pytest.approx(1.0)


def test_profiles_mean_distance_to_centre_is_the_mean_over_the_clusters_customers(default_run):
    expected = default_run.segments.groupby("cluster_id")["distance_to_centre"].mean()
    profiles = default_run.profiles.set_index("cluster_id")["mean_distance_to_centre"]
    assert profiles.to_numpy() == pytest.approx(expected.to_numpy())
    assert (profiles > 0).all()


def test_fit_segments_refuses_a_k_it_cannot_fit(planted):
    rfm, _ = planted
    config = SegmentationConfig()
    X = prepare_features(rfm, config)
    with pytest.raises(ValueError, match="k is 1; allowed: an integer from 2 to 999"):
        fit_segments(rfm, X, 1, config)


def test_fit_segments_refuses_features_of_other_customers(planted):
    rfm, _ = planted
    config = SegmentationConfig()
    X = prepare_features(rfm, config)
    with pytest.raises(ValueError, match="same customers"):
        fit_segments(rfm.iloc[1:], X, 4, config)
