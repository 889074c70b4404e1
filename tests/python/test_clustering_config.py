"""Typed dbt vars -> SegmentationConfig: one declaration per option, and the errors a
person who set a bad var sees."""

from __future__ import annotations

import re
from dataclasses import fields

import pandas as pd
import pytest

from segmentation.clustering import (
    ALGORITHMS,
    OPTIONS,
    VAR_NAMES,
    SegmentationConfig,
    evaluate_k,
    from_vars,
    make_planted_rfm,
    option_defaults,
    option_docs,
    prepare_features,
    validate_config,
)

#: What the project ships, written out so that a change of default is a visible decision.
SHIPPED_DEFAULTS = {
    "cluster_features": ["recency_days", "frequency", "monetary"],
    "cluster_log_transform": True,
    "cluster_scaler": "standard",
    "cluster_outlier_policy": "none",
    "cluster_clip_quantile": 0.99,
    "cluster_algorithm": "kmeans",
    "cluster_k_min": 3,
    "cluster_k_max": 10,
    "n_clusters": None,
    "cluster_min_segment_share": 0.03,
    "cluster_random_state": 42,
    "cluster_n_init": 10,
    "cluster_silhouette_sample_size": 10_000,
    "cluster_k_selection_sample_size": 20_000,
    "cluster_stability_resamples": 5,
    "cluster_agglomerative_max_fit_size": 10_000,
    "cluster_minibatch_auto_threshold": 200_000,
    "cluster_dbscan_eps": None,
    "cluster_dbscan_min_samples": None,
    "cluster_dbscan_max_fit_size": 50_000,
    "cluster_dbscan_max_clusters": 10,
    "cluster_hdbscan_min_cluster_share": 0.05,
    "cluster_hdbscan_min_samples": None,
    "cluster_hdbscan_max_fit_size": 10_000,
    "cluster_n_threads": None,
}

#: (var, smallest allowed value, the value just below it) for every bounded number.
LOWER_BOUNDS = [
    ("cluster_k_min", 2, 1),
    ("cluster_k_max", 3, 2),  # with cluster_k_min = 3 (the default)
    ("n_clusters", 2, 1),
    ("cluster_min_segment_share", 0.0, -0.01),
    ("cluster_random_state", 0, -1),
    ("cluster_n_init", 1, 0),
    ("cluster_silhouette_sample_size", 100, 99),
    ("cluster_k_selection_sample_size", 100, 99),
    ("cluster_stability_resamples", 0, -1),
    ("cluster_agglomerative_max_fit_size", 100, 99),
    ("cluster_minibatch_auto_threshold", 1, 0),
    ("cluster_dbscan_eps", 1e-9, 0),
    ("cluster_dbscan_min_samples", 2, 1),
    ("cluster_dbscan_max_fit_size", 100, 99),
    ("cluster_dbscan_max_clusters", 2, 1),
    ("cluster_hdbscan_min_cluster_share", 1e-9, 0),
    ("cluster_hdbscan_min_samples", 1, 0),
    ("cluster_hdbscan_max_fit_size", 100, 99),
    ("cluster_n_threads", 1, 0),
    ("cluster_clip_quantile", 0.51, 0.5),
]
#: (var, largest allowed value, the value just above it).
UPPER_BOUNDS = [
    ("cluster_clip_quantile", 0.999, 1),
    ("cluster_min_segment_share", 0.5, 0.51),
    ("cluster_hdbscan_min_cluster_share", 0.5, 0.51),
    ("cluster_random_state", 2**32 - 1, 2**32),
]
NUMBER_VARS = [spec.var for spec in OPTIONS if spec.kind in ("int", "float")]
INT_VARS = [spec.var for spec in OPTIONS if spec.kind == "int"]
NOT_NULLABLE = [spec.var for spec in OPTIONS if not spec.nullable]
NULLABLE = [spec.var for spec in OPTIONS if spec.nullable]


def test_no_vars_give_the_shipped_defaults():
    assert from_vars({}) == SegmentationConfig()
    assert option_defaults() == SHIPPED_DEFAULTS


def test_every_option_default_is_the_dataclass_default_and_is_allowed():
    config = SegmentationConfig()
    for spec in OPTIONS:
        default = getattr(config, spec.name)
        assert default == spec.default, spec.var
        spec.check(default)
    validate_config(config)


def test_each_config_field_is_declared_once_with_a_distinct_var_and_a_doc_line():
    assert [spec.name for spec in OPTIONS] == [f.name for f in fields(SegmentationConfig)]
    assert dict(VAR_NAMES) == {spec.name: spec.var for spec in OPTIONS}
    assert len({spec.var for spec in OPTIONS}) == len(OPTIONS)
    docs = option_docs()
    assert [var for var, _, _ in docs] == list(SHIPPED_DEFAULTS)
    assert all(doc.endswith(".") and "\n" not in doc for _, _, doc in docs)
    assert dict((var, default) for var, default, _ in docs) == SHIPPED_DEFAULTS
    n_threads_doc = dict((var, doc) for var, _, doc in docs)["cluster_n_threads"]
    assert n_threads_doc.endswith("Null: every core this process may run on.")


def test_the_config_docstring_lists_every_option_with_its_var():
    for spec in OPTIONS:
        assert f"    {spec.name} : " in SegmentationConfig.__doc__
        assert f"``{spec.var}``" in SegmentationConfig.__doc__


def test_typed_vars_as_dbt_passes_them_in_one_json_object_are_read():
    config = from_vars(
        {
            "cluster_features": ["recency_days", "frequency"],
            "cluster_log_transform": False,
            "cluster_scaler": "robust",
            "cluster_algorithm": "agglomerative",
            "cluster_k_min": 3,
            "cluster_k_max": 8,
            "n_clusters": None,
            "cluster_dbscan_eps": None,
            "cluster_clip_quantile": 0.95,
            "cluster_stability_resamples": 0,
            "cluster_min_segment_share": 0,
            "cluster_hdbscan_min_samples": 12,
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
        min_segment_share=0.0,
        hdbscan_min_samples=12,
    )
    assert isinstance(config.min_segment_share, float), "an integer is a number"


def test_keys_that_are_not_clustering_vars_are_ignored():
    config = from_vars({"transactions_path": "x.csv", "n_clusters": 5, "materialized": "table"})
    assert config.n_clusters == 5


@pytest.mark.parametrize("var", NUMBER_VARS)
def test_a_number_written_as_text_is_refused_naming_the_var(var):
    spec = next(s for s in OPTIONS if s.var == var)
    text = str(spec.default if spec.default is not None else 5)
    with pytest.raises(ValueError, match=f"var '{var}' is '{text}'; allowed: ") as raised:
        from_vars({var: text})
    assert "text is not converted" in str(raised.value)
    assert f"(SegmentationConfig.{spec.name})" in str(raised.value)


@pytest.mark.parametrize(
    ("var", "text"),
    [
        ("cluster_log_transform", "true"),
        ("cluster_log_transform", "False"),
        ("cluster_features", "recency_days,frequency"),
        ("cluster_features", "['recency_days', 'frequency']"),
    ],
)
def test_booleans_and_lists_written_as_text_are_refused(var, text):
    with pytest.raises(
        ValueError, match=re.escape(f"var '{var}' is {text!r}; allowed: ")
    ) as raised:
        from_vars({var: text})
    assert "text is not converted" in str(raised.value)


@pytest.mark.parametrize("var", INT_VARS)
def test_an_integer_option_refuses_a_float_and_a_boolean(var):
    with pytest.raises(ValueError, match=f"var '{var}' is 10.0; allowed: .*an integer"):
        from_vars({var: 10.0})
    with pytest.raises(ValueError, match=f"var '{var}' is True"):
        from_vars({var: True})


@pytest.mark.parametrize("var", NOT_NULLABLE)
def test_null_is_refused_where_the_option_gives_null_no_meaning(var):
    with pytest.raises(ValueError, match=f"var '{var}' is None; allowed: ") as raised:
        from_vars({var: None})
    assert "null" not in str(raised.value).split("allowed: ")[1].split(" (Segmentation")[0]


@pytest.mark.parametrize("var", NULLABLE)
def test_null_is_accepted_where_the_option_says_what_it_means(var):
    spec = next(s for s in OPTIONS if s.var == var)
    assert getattr(from_vars({var: None}), spec.name) is None
    assert spec.allowed().startswith(f"null ({spec.null_means}) or ")


@pytest.mark.parametrize(("var", "allowed", "below"), LOWER_BOUNDS)
def test_every_lower_bound_is_allowed_and_the_value_below_it_refused(var, allowed, below):
    spec = next(s for s in OPTIONS if s.var == var)
    assert getattr(from_vars({var: allowed}), spec.name) == allowed
    with pytest.raises(ValueError, match=f"var '{var}' is {below!r}; allowed: "):
        from_vars({var: below})


@pytest.mark.parametrize(("var", "allowed", "above"), UPPER_BOUNDS)
def test_every_upper_bound_is_allowed_and_the_value_above_it_refused(var, allowed, above):
    spec = next(s for s in OPTIONS if s.var == var)
    assert getattr(from_vars({var: allowed}), spec.name) == allowed
    with pytest.raises(ValueError, match=f"var '{var}' is {above!r}; allowed: "):
        from_vars({var: above})


def test_every_bounded_number_option_is_covered_by_a_bound_test():
    covered = {var for var, _, _ in LOWER_BOUNDS} | {var for var, _, _ in UPPER_BOUNDS}
    bounded = {s.var for s in OPTIONS if s.minimum is not None or s.maximum is not None}
    assert bounded == covered


BAD_VARS = [
    (
        {"cluster_algorithm": "kmean"},
        "var 'cluster_algorithm' is 'kmean'; allowed: kmeans, minibatch_kmeans, agglomerative, "
        "dbscan, hdbscan (SegmentationConfig.algorithm)",
    ),
    ({"cluster_algorithm": "KMeans"}, "var 'cluster_algorithm' is 'KMeans'; allowed: kmeans"),
    ({"cluster_algorithm": 3}, "var 'cluster_algorithm' is 3"),
    ({"cluster_k_min": 1}, "var 'cluster_k_min' is 1; allowed: an integer >= 2"),
    ({"cluster_k_min": 6, "cluster_k_max": 4}, "var 'cluster_k_max' is 4; allowed: an integer >="),
    ({"cluster_k_max": 2.5}, "var 'cluster_k_max' is 2.5"),
    ({"n_clusters": 4, "cluster_algorithm": "dbscan"}, "var 'n_clusters' is 4; allowed: null"),
    ({"n_clusters": 4, "cluster_algorithm": "hdbscan"}, "HDBSCAN finds its own k"),
    ({"cluster_scaler": "minmax"}, "var 'cluster_scaler' is 'minmax'; allowed: standard, robust"),
    ({"cluster_outlier_policy": "drop"}, "var 'cluster_outlier_policy' is 'drop'; allowed: none"),
    (
        {"cluster_clip_quantile": 0.3},
        "var 'cluster_clip_quantile' is 0.3; allowed: a number strictly between 0.5 and 1",
    ),
    ({"cluster_log_transform": 1}, "var 'cluster_log_transform' is 1; allowed: true or false"),
    ({"cluster_features": []}, "var 'cluster_features' is []"),
    ({"cluster_features": ["recency_days", ""]}, "var 'cluster_features'"),
    ({"cluster_features": ["frequency", "frequency"]}, "distinct column names (no repeats)"),
    ({"cluster_features": [3]}, "var 'cluster_features' is [3]"),
    ({"cluster_dbscan_eps": float("inf")}, "var 'cluster_dbscan_eps' is inf"),
    ({"cluster_n_threads": 0}, "var 'cluster_n_threads' is 0; allowed: null (every core"),
]


@pytest.mark.parametrize(("dbt_vars", "message"), BAD_VARS, ids=[str(v) for v, _ in BAD_VARS])
def test_a_bad_var_stops_with_its_name_its_value_and_what_is_allowed(dbt_vars, message):
    with pytest.raises(ValueError, match="allowed") as raised:
        from_vars(dbt_vars)
    assert message in str(raised.value)


def test_the_algorithm_message_lists_every_algorithm():
    with pytest.raises(ValueError) as raised:
        from_vars({"cluster_algorithm": "spectral"})
    assert ", ".join(ALGORITHMS) in str(raised.value)


def test_a_config_built_in_python_is_checked_the_same_way():
    with pytest.raises(ValueError, match="var 'cluster_algorithm' is 'kmean'"):
        validate_config(SegmentationConfig(algorithm="kmean"))
    with pytest.raises(ValueError, match="var 'cluster_features' is \\['recency_days'\\]"):
        validate_config(SegmentationConfig(features=["recency_days"]))  # type: ignore[arg-type]


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


def test_hdbscan_min_samples_above_the_customers_fitted_is_refused(rfm):
    config = SegmentationConfig(algorithm="hdbscan", hdbscan_min_samples=500)
    with pytest.raises(ValueError, match=r"var 'cluster_hdbscan_min_samples' is 500.*1 to 200"):
        prepare_features(rfm, config)


def test_a_k_max_above_the_customer_count_is_capped_not_refused(rfm):
    config = SegmentationConfig(k_max=10, stability_resamples=0)
    messages: list[str] = []
    X = prepare_features(rfm.head(6), config)
    evaluation = evaluate_k(X, config, log=messages.append)
    assert evaluation["k"].tolist() == [3, 4, 5]
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
