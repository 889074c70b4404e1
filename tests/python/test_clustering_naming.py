"""Segment names, the knee rule and the Ward cut: the small rules the pipeline leans on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import ward

from segmentation.clustering import NOISE_NAME, kneedle, name_clusters
from segmentation.clustering.algorithms import cut_tree_into
from segmentation.clustering.naming import base_name, level, percentile_rank


def customers(*groups: tuple[int, float, float, float]) -> tuple[pd.DataFrame, np.ndarray]:
    """rfm rows from (count, recency_days, frequency, monetary) groups; one cluster each."""
    rows, labels = [], []
    for label, (count, recency, frequency, monetary) in enumerate(groups):
        rows += [(recency, frequency, monetary)] * count
        labels += [label] * count
    rfm = pd.DataFrame(rows, columns=["recency_days", "frequency", "monetary"])
    return rfm, np.asarray(labels)


def test_levels_come_from_the_populations_tertiles_and_pick_the_name():
    rfm, labels = customers(
        (10, 5, 20, 3000),  # recent, frequent, big spending: ranks 1/6, 5/6, 5/6
        (10, 60, 3, 500),  # the middle third on every measure
        (10, 300, 1, 50),  # least recent, one invoice, least spend
    )
    assert name_clusters(rfm, labels) == {
        0: "High-value loyal",
        1: "Cooling occasional buyers",
        2: "Lost one-timers",
    }


@pytest.mark.parametrize(
    ("levels", "one_time", "name"),
    [
        (("low", "high", "high"), False, "High-value loyal"),
        (("high", "high", "high"), False, "Lapsed frequent big spenders"),
        (("mid", "high", "mid"), False, "Cooling frequent buyers"),
        (("low", "high", "low"), False, "Recent frequent small spenders"),
        (("high", "mid", "high"), False, "Lapsed big spenders"),
        (("low", "mid", "mid"), False, "Recent occasional buyers"),
        (("mid", "mid", "low"), False, "Cooling occasional small spenders"),
        (("high", "low", "high"), False, "Lapsed infrequent big spenders"),
        (("low", "low", "mid"), False, "Recent infrequent buyers"),
        (("high", "low", "low"), False, "Lapsed low-value buyers"),
        (("low", "low", "low"), True, "Recent one-time buyers"),
        (("mid", "low", "high"), True, "Cooling one-time big spenders"),
        (("high", "low", "low"), True, "Lost one-timers"),
        (("high", "low", "mid"), True, "Lost one-timers"),
        (("high", "low", "high"), True, "Lapsed one-time big spenders"),
    ],
)
def test_each_combination_of_levels_has_its_name(levels, one_time, name):
    assert base_name(*levels, one_time=one_time) == name


def test_every_combination_of_levels_gets_a_different_base_name():
    names = {
        base_name(r, f, m, one_time=False)
        for r in ("low", "mid", "high")
        for f in ("low", "mid", "high")
        for m in ("low", "mid", "high")
    }
    assert len(names) == 27


def test_a_value_many_customers_share_sits_in_the_middle_of_its_tie():
    population = np.array([1.0, 1.0, 1.0, 2.0, 5.0, 9.0])
    assert percentile_rank(population, 1.0) == pytest.approx(0.25)  # (0 + 3) / 2 / 6
    assert percentile_rank(population, 5.0) == pytest.approx(4.5 / 6)
    assert [level(r) for r in (0.2, 1 / 3, 0.5, 2 / 3, 0.9)] == ["low", "mid", "mid", "mid", "high"]


def test_two_clusters_that_would_share_a_name_are_told_apart_by_what_differs_most():
    rfm, labels = customers(
        (10, 2, 20, 5000),  # high-value loyal, the most recent
        (10, 20, 21, 5100),  # high-value loyal too, a little behind on recency
        (5, 10, 1, 50),  # recent one-timers, between the two on recency only
        (45, 300, 1, 60),
    )
    names = name_clusters(rfm, labels)
    assert names == {
        0: "High-value loyal, more recent",
        1: "High-value loyal, less recent",
        2: "Recent one-time buyers",
        3: "Lost one-timers",
    }


def test_three_clusters_that_would_share_a_name_get_highest_mid_and_lowest():
    rfm, labels = customers(
        (10, 5, 20, 2000),
        (10, 5, 20, 9000),
        (10, 5, 20, 4000),
        (60, 300, 1, 10),
    )
    names = name_clusters(rfm, labels)
    assert names[0] == "High-value loyal, lowest spend"
    assert names[1] == "High-value loyal, highest spend"
    assert names[2] == "High-value loyal, mid spend"


def test_clusters_alike_on_every_measure_are_numbered_in_cluster_id_order():
    rfm, labels = customers((10, 5, 20, 3000), (10, 5, 20, 3000), (20, 300, 1, 10))
    names = name_clusters(rfm, labels)
    assert names == {0: "High-value loyal (1)", 1: "High-value loyal (2)", 2: "Lost one-timers"}


def test_four_clusters_that_would_share_a_name_are_numbered():
    rfm, labels = customers(
        (10, 5, 20, 2000), (10, 6, 21, 3000), (10, 7, 22, 4000), (10, 8, 23, 5000), (80, 300, 1, 9)
    )
    names = name_clusters(rfm, labels)
    assert [names[c] for c in range(4)] == [f"High-value loyal ({i})" for i in range(1, 5)]
    assert len(set(names.values())) == len(names)


def test_names_do_not_depend_on_the_order_of_the_rows():
    rfm, labels = customers((10, 2, 20, 5000), (10, 20, 21, 5100), (5, 10, 1, 50), (45, 300, 1, 60))
    order = np.random.default_rng(0).permutation(len(rfm))
    assert name_clusters(rfm.iloc[order], labels[order]) == name_clusters(rfm, labels)


def test_noise_is_named_outliers_and_does_not_take_a_number():
    rfm, labels = customers((10, 5, 20, 3000), (12, 300, 1, 10), (3, 150, 5, 100))
    labels = np.where(labels == 2, -1, labels)
    names = name_clusters(rfm, labels)
    assert names == {-1: NOISE_NAME, 0: "High-value loyal", 1: "Lost one-timers"}


def test_without_rfm_columns_clusters_are_named_by_number():
    frame = pd.DataFrame({"tenure_days": [1, 2, 3, 4]})
    assert name_clusters(frame, np.array([0, 0, 1, -1])) == {
        -1: NOISE_NAME,
        0: "Cluster 0",
        1: "Cluster 1",
    }


def test_the_knee_of_an_elbow_shaped_inertia_curve_is_where_it_bends():
    k = np.arange(2, 9)
    inertia = np.array([1000.0, 600.0, 150.0, 120.0, 100.0, 90.0, 85.0])
    assert k[kneedle(k, inertia, curve="convex")] == 4


def test_a_straight_line_or_a_two_point_curve_has_no_knee():
    assert kneedle(np.arange(5), np.array([10.0, 8, 6, 4, 2]), curve="convex") is None
    assert kneedle(np.arange(2), np.array([10.0, 2]), curve="convex") is None
    assert kneedle(np.arange(4), np.ones(4), curve="convex") is None


def test_the_knee_of_a_rising_k_distance_curve_is_where_it_shoots_up():
    distances = np.array([0.1, 0.11, 0.12, 0.13, 0.14, 0.15, 0.5, 2.0])
    assert kneedle(np.arange(distances.size), distances, curve="convex") == 5


@pytest.mark.parametrize("k", [2, 3, 5])
def test_cutting_a_ward_tree_gives_exactly_k_clusters_even_with_duplicate_customers(k):
    rng = np.random.default_rng(0)
    values = np.repeat(rng.normal(size=(20, 2)), 3, axis=0)  # every customer three times
    labels = cut_tree_into(ward(values), k)
    assert sorted(set(labels)) == list(range(k))
    # Copies of one customer always end up together.
    assert (labels.reshape(20, 3) == labels.reshape(20, 3)[:, :1]).all()


def test_cutting_a_ward_tree_separates_well_apart_groups():
    values = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.1, 10.0], [20.0, 0.0]])
    labels = cut_tree_into(ward(values), 3)
    assert labels[0] == labels[1] != labels[2] == labels[3] != labels[4]
    assert labels[4] != labels[0]
