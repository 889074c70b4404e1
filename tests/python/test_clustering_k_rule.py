"""The k rule: the eligible k (every segment >= cluster_min_segment_share of customers)
with the best silhouette, the fallback when none is eligible, and what
cluster_evaluation says about its choice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.clustering import (
    EVALUATION_COLUMNS,
    SegmentationConfig,
    evaluate_k,
    make_planted_rfm,
    prepare_features,
    run_segmentation,
    selected_k,
)
from segmentation.clustering.evaluation import structure_of

FAST = {"stability_resamples": 0}


@pytest.fixture(scope="module")
def rfm() -> pd.DataFrame:
    frame, _ = make_planted_rfm(1_000, random_state=7)
    return frame


def evaluation_of(rfm: pd.DataFrame, log: list[str] | None = None, **options) -> pd.DataFrame:
    config = SegmentationConfig(**{**FAST, **options})
    return evaluate_k(
        prepare_features(rfm, config), config, log=None if log is None else log.append
    )


def test_the_default_rule_evaluates_k_from_3_and_picks_the_planted_k(rfm):
    evaluation = evaluation_of(rfm, stability_resamples=2)
    assert evaluation["k"].tolist() == list(range(3, 11))
    assert selected_k(evaluation) == 4
    (reason,) = evaluation.loc[evaluation["is_selected"], "selection_reason"]
    silhouette = evaluation.set_index("k").loc[4, "silhouette"]
    stability = evaluation.set_index("k").loc[4, "stability_ari"]
    assert reason == (
        f"best silhouette ({silhouette:.2f}, strong) among k = 3..10 with every segment "
        f">= 3% of customers; stability {stability:.2f}"
    )
    assert evaluation.loc[~evaluation["is_selected"], "selection_reason"].isna().all()


def test_smallest_segment_share_is_the_smallest_cluster_over_the_customers_fitted(rfm):
    evaluation = evaluation_of(rfm).set_index("k")
    # the four planted types, the smallest of which holds 15% of the customers
    assert evaluation.loc[4, "smallest_segment_share"] == pytest.approx(0.154)
    assert (evaluation["smallest_segment_share"] <= 1 / evaluation.index).all()
    assert (
        evaluation["is_eligible"].tolist()
        == (evaluation["smallest_segment_share"] >= 0.03).tolist()
    )


@pytest.mark.parametrize("share", [0.0, 0.1, 0.15, 0.16, 0.25])
def test_the_selected_k_is_the_eligible_k_with_the_best_silhouette(rfm, share):
    evaluation = evaluation_of(rfm, min_segment_share=share)
    eligible = evaluation[evaluation["smallest_segment_share"] >= share]
    expected = int(eligible.sort_values(["silhouette", "k"], ascending=[False, True])["k"].iloc[0])
    assert selected_k(evaluation) == expected
    assert evaluation["is_eligible"].sum() == len(eligible)


def test_a_k_with_a_segment_under_the_share_is_passed_over_for_a_lower_silhouette(rfm):
    evaluation = evaluation_of(rfm, min_segment_share=0.16).set_index("k")
    assert not evaluation.loc[4, "is_eligible"], "the 15% planted type is under 16%"
    assert evaluation.loc[4, "silhouette"] > evaluation.loc[3, "silhouette"]
    assert evaluation.index[evaluation["is_selected"]].tolist() == [3]


def test_when_no_k_is_eligible_the_k_whose_smallest_segment_is_largest_is_chosen_and_logged(rfm):
    messages: list[str] = []
    evaluation = evaluation_of(rfm, log=messages, min_segment_share=0.5)
    assert not evaluation["is_eligible"].any()
    largest = evaluation["smallest_segment_share"].max()
    chosen = evaluation.loc[evaluation["is_selected"]].iloc[0]
    assert chosen["smallest_segment_share"] == largest
    assert chosen["k"] == evaluation.loc[evaluation["smallest_segment_share"] == largest, "k"].min()
    expected = (
        f"no k in 3..10 has every segment >= 50% of customers; k = {chosen['k']} has the "
        f"largest smallest segment ({largest:.1%})"
    )
    assert chosen["selection_reason"] == expected
    assert any(expected in message for message in messages)


def test_n_clusters_fixes_k_whatever_the_rule_would_say(rfm):
    evaluation = evaluation_of(rfm, n_clusters=6, k_max=7)
    chosen = evaluation.loc[evaluation["is_selected"]].iloc[0]
    assert chosen["k"] == 6
    assert chosen["selection_reason"] == "var n_clusters = 6"


def test_n_clusters_below_the_range_is_selected_without_joining_the_range(rfm):
    evaluation = evaluation_of(rfm, n_clusters=2, k_max=5)
    assert evaluation["k"].tolist() == [2, 3, 4, 5]
    assert selected_k(evaluation) == 2


@pytest.mark.parametrize(
    ("silhouette", "band"),
    [
        (0.71, "strong"),
        (0.5, "strong"),
        (0.4999, "usable"),
        (0.25, "usable"),
        (0.1, "weak"),
        (-0.2, "weak"),
        (np.nan, None),
    ],
)
def test_structure_is_the_silhouette_band(silhouette, band):
    assert structure_of(silhouette) == band


def test_evaluation_columns_have_the_types_the_warehouse_expects(rfm):
    evaluation = evaluation_of(rfm)
    assert list(evaluation.columns) == list(EVALUATION_COLUMNS)
    assert evaluation["structure"].tolist()[:2] == ["strong", "strong"]
    assert str(evaluation["structure"].dtype) == "str"
    assert str(evaluation["selection_reason"].dtype) == "str"
    assert evaluation["is_eligible"].dtype == bool
    assert evaluation["smallest_segment_share"].dtype == np.float64
    assert evaluation[["algorithm", "k"]].duplicated().sum() == 0


def test_the_default_segments_are_all_at_least_the_minimum_share(rfm):
    result = run_segmentation(rfm, SegmentationConfig(**FAST))
    assert result.profiles["share_of_customers"].min() >= 0.03
    assert result.profiles["segment_name"].is_unique
