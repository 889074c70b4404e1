"""`dbt build` end to end on exports with planted customer types: the segmentation
models find the planted k, recover the types, and give identical tables twice."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import CAUTIOUS, run_dbt, synth
from sklearn.metrics import adjusted_rand_score

#: Runs dbt (deselect with -m 'not dbt': make test-fast).
pytestmark = pytest.mark.dbt

SEGMENT_TABLES = [
    "cluster_evaluation",
    "segment_model",
    "customer_segments",
    "pca_components",
    "segment_profiles",
    "segment_rfm_crosstab",
    "customer_rfm_history",
    "segment_migration",
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    export = synth(
        folder / "planted.csv",
        "--customers",
        "1500",
        "--seed",
        "31",
        "--truth",
        str(folder / "truth.csv"),
    )
    return export, pd.read_csv(folder / "truth.csv")


def test_dbt_build_finds_the_planted_segments_twice_identically(tmp_path, planted):
    export, truth = planted
    warehouse = tmp_path / "w.duckdb"
    tables = []
    for _ in range(2):
        run = run_dbt("build", warehouse=warehouse, variables={"transactions_path": str(export)})
        assert run.returncode == 0, run.output[-4000:]
        tables.append(
            {
                t: run.query(
                    f"select * exclude (dbt_run_id, dbt_run_started_at) from {t} order by all"
                )
                for t in SEGMENT_TABLES
            }
        )

    evaluation = tables[0]["cluster_evaluation"]
    selected = evaluation[evaluation["is_selected"]]
    assert selected["k"].tolist() == [truth["planted_segment"].nunique()]

    segments = tables[0]["customer_segments"].merge(truth, on="customer_id")
    assert len(segments) == len(tables[0]["customer_segments"])
    assert adjusted_rand_score(segments["planted_segment"], segments["cluster_id"]) >= 0.9

    for table in SEGMENT_TABLES:
        pd.testing.assert_frame_equal(tables[0][table], tables[1][table])


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"cluster_algorithm": "kmean"}, "cluster_algorithm"),
        ({"cluster_k_min": 6, "cluster_k_max": 3}, "cluster_k_max"),
        ({"cluster_features": ["recency_days", "loyalty"]}, "cluster_features"),
        ({"n_clusters": 100000}, "n_clusters"),
    ],
)
def test_a_bad_clustering_var_stops_the_build_with_its_name(tmp_path, planted, variables, named):
    export, _ = planted
    run = run_dbt(
        "build",
        CAUTIOUS,
        "--select",
        "+cluster_evaluation",
        warehouse=tmp_path / "w.duckdb",
        variables={"transactions_path": str(export), **variables},
    )
    assert run.returncode != 0
    assert f"var '{named}'" in run.output, run.output[-3000:]


@pytest.mark.parametrize("algorithm", ["minibatch_kmeans", "agglomerative", "dbscan", "hdbscan"])
def test_every_algorithm_writes_the_same_relations(tmp_path, planted, algorithm):
    export, _ = planted
    run = run_dbt(
        "build",
        warehouse=tmp_path / "w.duckdb",
        variables={"transactions_path": str(export), "cluster_algorithm": algorithm},
    )
    assert run.returncode == 0, run.output[-4000:]
    segments = run.query("select * from customer_segments")
    customers = run.query("select count(*) as n from customer_rfm")["n"].iloc[0]
    assert len(segments) == customers
    assert set(segments["algorithm"]) == {algorithm}
    assert (
        run.query("select count(*) as n from cluster_evaluation where is_selected")["n"].iloc[0]
        == 1
    )
    # the model labels the history as it labels the snapshot's customers
    mismatched = run.query(
        "select count(*) as n from (select customer_id, cluster_id, segment_name "
        "from customer_rfm_history where is_snapshot except all "
        "select customer_id, cluster_id, segment_name from customer_segments)"
    )["n"].iloc[0]
    assert mismatched == 0
