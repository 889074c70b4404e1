"""dbt vars -> SegmentationConfig, and the errors a person who set a bad var sees."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd
import pytest

from segmentation.clustering import (
    VAR_NAMES,
    SegmentationConfig,
    evaluate_k,
    from_vars,
    make_planted_rfm,
    prepare_features,
    validate_config,
)


def test_no_vars_give_the_documented_defaults():
    config = from_vars({})
    assert config == SegmentationConfig()
    assert config.features == ("recency_days", "frequency", "monetary")
    assert (config.k_min, config.k_max, config.n_clusters) == (2, 10, None)
    assert config.algorithm == "kmeans" and config.log_transform and config.random_state == 42


def test_vars_as_text_rendered_by_dbt_are_understood():
    config = from_vars(
        {
            "cluster_features": "['recency_days', 'frequency']",
            "cluster_log_transform": "False",
            "cluster_scaler": "Robust",
            "cluster_algorithm": " agglomerative ",
            "cluster_k_min": "3",
            "cluster_k_max": "8.0",
            "n_clusters": "None",
            "cluster_dbscan_eps": "null",
            "cluster_clip_quantile": "0.95",
            "cluster_stability_resamples": 0,
            "cluster_n_threads": "None",
        }
    )
    assert config == SegmentationConfig(
        features=("recency_days", "frequency"),
        log_transform=False,
        scaler="robust",
        algorithm="agglomerative",
        k_min=3,
        k_max=8,
        clip_quantile=0.95,
        stability_resamples=0,
        n_threads=None,
    )


def test_features_may_be_a_comma_separated_list_or_a_yaml_list():
    assert from_vars({"cluster_features": "recency_days, monetary"}).features == (
        "recency_days",
        "monetary",
    )
    assert from_vars({"cluster_features": ["frequency"]}).features == ("frequency",)


def test_keys_that_are_not_clustering_vars_are_ignored():
    config = from_vars({"transactions_path": "x.csv", "n_clusters": 5, "materialized": "table"})
    assert config.n_clusters == 5


def test_a_null_var_takes_the_default():
    assert from_vars({"cluster_k_max": None, "cluster_algorithm": ""}) == SegmentationConfig()


BAD_VARS = [
    ({"cluster_algorithm": "kmean"}, "var 'cluster_algorithm' is 'kmean'; allowed: kmeans, "),
    ({"cluster_algorithm": 3}, "var 'cluster_algorithm' is 3"),
    ({"cluster_k_min": 1}, "var 'cluster_k_min' is 1; allowed: an integer >= 2"),
    ({"cluster_k_min": "two"}, "var 'cluster_k_min' is 'two'"),
    ({"cluster_k_min": 6, "cluster_k_max": 4}, "var 'cluster_k_max' is 4; allowed: an integer >="),
    ({"cluster_k_max": 2.5}, "var 'cluster_k_max' is 2.5"),
    ({"n_clusters": 1}, "var 'n_clusters' is 1"),
    ({"n_clusters": 4, "cluster_algorithm": "dbscan"}, "var 'n_clusters' is 4; allowed: null"),
    ({"cluster_scaler": "minmax"}, "var 'cluster_scaler' is 'minmax'; allowed: standard, robust"),
    ({"cluster_outlier_policy": "drop"}, "var 'cluster_outlier_policy' is 'drop'; allowed: none"),
    ({"cluster_clip_quantile": 0.3}, "var 'cluster_clip_quantile' is 0.3; allowed: a number"),
    ({"cluster_clip_quantile": 1}, "var 'cluster_clip_quantile' is 1.0"),
    ({"cluster_clip_quantile": "high"}, "var 'cluster_clip_quantile' is 'high'"),
    ({"cluster_log_transform": "maybe"}, "var 'cluster_log_transform' is 'maybe'"),
    ({"cluster_features": []}, "var 'cluster_features'"),
    ({"cluster_features": "recency_days,,monetary"}, "var 'cluster_features'"),
    ({"cluster_features": "frequency,frequency"}, "var 'cluster_features'"),
    ({"cluster_random_state": -1}, "var 'cluster_random_state' is -1"),
    ({"cluster_n_init": 0}, "var 'cluster_n_init' is 0"),
    ({"cluster_silhouette_sample_size": 10}, "var 'cluster_silhouette_sample_size' is 10"),
    ({"cluster_k_selection_sample_size": 50}, "var 'cluster_k_selection_sample_size' is 50"),
    ({"cluster_stability_resamples": -1}, "var 'cluster_stability_resamples' is -1"),
    ({"cluster_agglomerative_max_fit_size": 5}, "var 'cluster_agglomerative_max_fit_size'"),
    ({"cluster_minibatch_auto_threshold": 0}, "var 'cluster_minibatch_auto_threshold' is 0"),
    ({"cluster_dbscan_eps": 0}, "var 'cluster_dbscan_eps' is 0.0"),
    ({"cluster_dbscan_eps": "-1"}, "var 'cluster_dbscan_eps' is -1.0"),
    ({"cluster_dbscan_min_samples": 1}, "var 'cluster_dbscan_min_samples' is 1"),
    ({"cluster_dbscan_max_fit_size": 1}, "var 'cluster_dbscan_max_fit_size' is 1"),
    ({"cluster_n_threads": 0}, "var 'cluster_n_threads' is 0; allowed: null (all cores)"),
]


@pytest.mark.parametrize(("dbt_vars", "message"), BAD_VARS, ids=[str(v) for v, _ in BAD_VARS])
def test_a_bad_var_stops_with_its_name_its_value_and_what_is_allowed(dbt_vars, message):
    with pytest.raises(ValueError, match="allowed") as raised:
        from_vars(dbt_vars)
    assert message in str(raised.value)


def test_a_config_built_in_python_is_checked_the_same_way():
    with pytest.raises(ValueError, match="var 'cluster_algorithm' is 'kmean'"):
        validate_config(SegmentationConfig(algorithm="kmean"))


@pytest.fixture(scope="module")
def rfm() -> pd.DataFrame:
    frame, _ = make_planted_rfm(200, random_state=3)
    frame["country"] = "United Kingdom"
    return frame


def test_an_unknown_feature_names_the_var_and_the_missing_column(rfm):
    config = SegmentationConfig(features=("recency_days", "recncy"))
    with pytest.raises(ValueError, match="var 'cluster_features'") as raised:
        prepare_features(rfm, config)
    assert "'recncy' is not one" in str(raised.value)
    assert "available: customer_id, recency_days" in str(raised.value)


def test_a_text_feature_is_refused_by_name(rfm):
    with pytest.raises(ValueError, match=r"var 'cluster_features'.*'country'"):
        prepare_features(rfm, SegmentationConfig(features=("recency_days", "country")))


def test_too_few_customers_to_cluster_stop_the_build(rfm):
    with pytest.raises(ValueError, match="too few customers to cluster: customer_rfm has 2"):
        prepare_features(rfm.head(2), SegmentationConfig())


def test_a_k_min_not_below_the_customer_count_is_refused(rfm):
    with pytest.raises(ValueError, match=r"var 'cluster_k_min' is 5.*too few customers"):
        prepare_features(rfm.head(5), SegmentationConfig(k_min=5, k_max=6))


def test_n_clusters_not_below_the_customer_count_is_refused(rfm):
    with pytest.raises(ValueError, match="var 'n_clusters' is 6; allowed: null or an integer"):
        prepare_features(rfm.head(6), SegmentationConfig(n_clusters=6))


def test_a_k_max_above_the_customer_count_is_capped_not_refused(rfm):
    config = SegmentationConfig(k_max=10, stability_resamples=0)
    messages: list[str] = []
    X = prepare_features(rfm.head(6), config)
    evaluation = evaluate_k(X, config, log=messages.append)
    assert evaluation["k"].tolist() == [2, 3, 4, 5]
    assert any("var 'cluster_k_max' = 10 capped at 5" in m for m in messages)


def test_a_feature_with_nulls_is_refused_by_name(rfm):
    broken = rfm.astype({"monetary": "float64"})
    broken.loc[3, "monetary"] = None
    with pytest.raises(ValueError, match=r"feature 'monetary'.*1 null"):
        prepare_features(broken, SegmentationConfig())


def test_a_customer_listed_twice_is_refused(rfm):
    doubled = pd.concat([rfm, rfm.head(1)])
    with pytest.raises(ValueError, match="one row per customer"):
        prepare_features(doubled, SegmentationConfig())


def test_every_config_field_has_a_dbt_var_and_the_var_names_are_distinct():
    field_names = {field.name for field in fields(SegmentationConfig)}
    assert set(VAR_NAMES) == field_names
    assert len(set(VAR_NAMES.values())) == len(VAR_NAMES)
