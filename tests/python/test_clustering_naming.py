"""Segment names, the knee rule and the Ward cut: the small rules the pipeline leans on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import ward

from segmentation.clustering import NOISE_NAME, kneedle, name_clusters
from segmentation.clustering.algorithms import cut_tree_into


def customers(*groups: tuple[int, float, float, float]) -> tuple[pd.DataFrame, np.ndarray]:
    """rfm rows from (count, recency_days, frequency, monetary) groups; one cluster each."""
    rows, labels = [], []
    for label, (count, recency, frequency, monetary) in enumerate(groups):
        rows += [(recency, frequency, monetary)] * count
        labels += [label] * count
    rfm = pd.DataFrame(rows, columns=["recency_days", "frequency", "monetary"])
    return rfm, np.asarray(labels)


def test_each_combination_of_recent_frequent_and_big_spending_has_its_name():
    rfm, labels = customers(
        (10, 5, 20, 3000),  # recent, frequent, big spending
        (10, 5, 20, 10),  # recent, frequent
        (10, 5, 2, 3000),  # recent, big spending
        (10, 5, 2, 10),  # recent
        (10, 300, 20, 3000),  # frequent, big spending
        (10, 300, 20, 10),  # frequent
        (10, 300, 2, 3000),  # big spending
        (10, 300, 2, 10),  # none
    )
    assert name_clusters(rfm, labels) == {
        0: "High-value loyal",
        1: "Promising regulars",
        2: "Recent big spenders",
        3: "Recent occasional buyers",
        4: "Lapsed big spenders",
        5: "Lapsed regulars",
        6: "Lapsed infrequent big spenders",
        7: "Lapsed low-value",
    }


def test_clusters_of_one_time_buyers_are_called_so():
    rfm, labels = customers((10, 5, 1, 10), (10, 300, 1, 10), (10, 150, 10, 500))
    names = name_clusters(rfm, labels)
    assert names[0] == "Recent one-time buyers"
    assert names[1] == "Lost one-timers"


def test_clusters_that_would_share_a_name_are_numbered_in_cluster_id_order():
    rfm, labels = customers((10, 5, 20, 3000), (10, 6, 25, 2000), (20, 300, 1, 10))
    names = name_clusters(rfm, labels)
    assert names == {0: "High-value loyal (1)", 1: "High-value loyal (2)", 2: "Lost one-timers"}
    assert len(set(names.values())) == len(names)


def test_dbscan_noise_is_named_outliers_and_does_not_take_a_number():
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
