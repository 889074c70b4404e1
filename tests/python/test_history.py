"""customer_rfm_history: every customer at every as-of date measured from the purchases
before it, as an independent implementation of the definition (reference_rfm) says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from conftest import CAUTIOUS, run_dbt, synth
from reference_rfm import reference_history, reference_rfm

#: Runs dbt (deselect with -m 'not dbt': make test-fast).
pytestmark = pytest.mark.dbt

RFM_COLUMNS = ["recency_days", "frequency", "r_score", "f_score", "m_score"]


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("history")
    path = synth(folder / "exp.csv", "--customers", "300", "--seed", "41", "--churn-share", "0.1")
    return path, reference_rfm(str(path))


def sql_history(tmp_path, path, **variables) -> pd.DataFrame:
    run = run_dbt(
        "build",
        CAUTIOUS,
        "--select",
        "+int_customer_rfm_history",
        warehouse=tmp_path / "w.duckdb",
        variables={"transactions_path": str(path), **variables},
    )
    assert run.returncode == 0, run.output[-3000:]
    return run.query_work(
        "select customer_id, as_of_date, recency_days, frequency, monetary, r_score, f_score, "
        "m_score from int_customer_rfm_history order by customer_id, as_of_date"
    )


def assert_equal_history(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert len(got) == len(want)
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    assert [d.date() if hasattr(d, "date") else d for d in got["as_of_date"]] == list(
        want["as_of_date"]
    )
    for column in RFM_COLUMNS:
        assert got[column].astype(int).tolist() == want[column].astype(int).tolist(), column
    money = [Decimal(str(m)).quantize(Decimal("0.01")) for m in got["monetary"]]
    assert money == want["monetary"].tolist()


@pytest.mark.parametrize(
    ("variables", "grain", "window"),
    [
        ({}, "month", None),
        ({"history_grain": "week"}, "week", None),
        ({"history_grain": "quarter", "snapshot_date": "2011-08-17"}, "quarter", None),
        ({"history_window_days": 90}, "month", 90),
    ],
    ids=["month", "week", "quarter_past_snapshot", "window_90_days"],
)
def test_every_history_row_is_the_definition_at_its_as_of_date(
    tmp_path, export, variables, grain, window
):
    path, reference = export
    snapshot = variables.get("snapshot_date")
    want = reference_history(
        reference,
        dt.date.fromisoformat(snapshot) if snapshot else None,
        grain=grain,
        window_days=window,
    )
    assert want["as_of_date"].nunique() >= 4
    assert_equal_history(sql_history(tmp_path, path, **variables), want)


@pytest.mark.parametrize("value", ["10/12/2011", "2011-13-01", "2011-02-29", "yesterday"])
def test_a_snapshot_date_that_is_not_a_yyyy_mm_dd_day_stops_the_build_naming_the_var(
    tmp_path, export, value
):
    path, _ = export
    run = run_dbt(
        "build",
        CAUTIOUS,
        "--select",
        "+int_as_of_dates",
        warehouse=tmp_path / "w.duckdb",
        variables={"transactions_path": str(path), "snapshot_date": value},
    )
    assert run.returncode != 0
    assert f"var 'snapshot_date' is '{value}'" in run.output, run.output[-2000:]
    assert "YYYY-MM-DD" in run.output


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"history_grain": "day"}, "history_grain"),
        ({"history_window_days": -3}, "history_window_days"),
    ],
)
def test_a_bad_history_var_stops_the_build_naming_it(tmp_path, export, variables, named):
    path, _ = export
    run = run_dbt(
        "build",
        CAUTIOUS,
        "--select",
        "+int_customer_rfm_history",
        warehouse=tmp_path / "w.duckdb",
        variables={"transactions_path": str(path), **variables},
    )
    assert run.returncode != 0
    assert f"var '{named}' is" in run.output, run.output[-2000:]


# --- the full build: one model for every date -------------------------------------------

HISTORY_TABLES = ["customer_rfm_history", "segment_migration", "segment_model"]


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    """Two full builds of an export with planted churn: champions, and as many customers
    who buy like them but stop half-way through the year (churned_champions)."""
    folder = tmp_path_factory.mktemp("churn")
    export = synth(
        folder / "churn.csv",
        "--customers",
        "1500",
        "--seed",
        "43",
        "--churn-share",
        "0.12",
        "--truth",
        str(folder / "truth.csv"),
    )
    runs = []
    for _ in range(2):
        run = run_dbt(
            "build", warehouse=folder / "w.duckdb", variables={"transactions_path": str(export)}
        )
        assert run.returncode == 0, run.output[-4000:]
        runs.append(
            {
                t: run.query(
                    f"select * exclude (dbt_run_id, dbt_run_started_at) from {t} order by all"
                )
                for t in [*HISTORY_TABLES, "customer_rfm", "customer_segments"]
            }
        )
    return runs, pd.read_csv(folder / "truth.csv"), reference_rfm(str(export))


def test_the_snapshot_rows_are_customer_rfm_and_customer_segments(churn):
    (tables, _), truth, _ = churn[0], churn[1], churn[2]
    history = tables["customer_rfm_history"]
    snapshot = history[history["is_snapshot"]].set_index("customer_id").sort_index()
    rfm = tables["customer_rfm"].set_index("customer_id").sort_index()
    segments = tables["customer_segments"].set_index("customer_id").sort_index()
    assert snapshot.index.equals(rfm.index) and snapshot.index.equals(segments.index)
    for column in [*RFM_COLUMNS, "monetary", "rfm_segment", "tenure_days", "distinct_products"]:
        assert snapshot[column].tolist() == rfm[column].tolist(), column
    for column in ("cluster_id", "segment_name"):
        assert snapshot[column].tolist() == segments[column].tolist(), column
    assert len(truth) == len(rfm)


def test_the_whole_history_is_the_definition(churn):
    (tables, _), _, reference = churn[0], churn[1], churn[2]
    got = tables["customer_rfm_history"].sort_values(["customer_id", "as_of_date"])
    assert_equal_history(got.reset_index(drop=True), reference_history(reference))


def test_segment_migration_adds_up_to_the_history_for_both_kinds(churn):
    tables = churn[0][0]
    history, migration = tables["customer_rfm_history"], tables["segment_migration"]
    at = history.groupby("as_of_date").size()
    assert set(migration["segment_kind"]) == {"rfm_segment", "segment_name"}
    for kind, moves in migration.groupby("segment_kind"):
        into = moves.groupby("to_as_of_date")["customers"].sum()
        assert into.to_dict() == at.iloc[1:].to_dict(), kind
        out_of = moves[moves["from_segment"] != "(none)"].groupby("from_as_of_date")["customers"]
        assert out_of.sum().to_dict() == at.iloc[:-1].to_dict(), kind
        # each customer's move is their segment at the two dates
        column = "segment_name" if kind == "segment_name" else "rfm_segment"
        pairs = history.pivot(index="customer_id", columns="as_of_date", values=column)
        last, before = pairs.columns[-1], pairs.columns[-2]
        moved = (
            pairs[[before, last]].fillna("(none)").value_counts().rename("customers").reset_index()
        )
        latest = moves[moves["to_as_of_date"] == last]
        assert dict(
            zip(
                zip(latest["from_segment"], latest["to_segment"], strict=True),
                latest["customers"],
                strict=True,
            )
        ) == {(a, b): n for a, b, n in moved.itertuples(index=False)}


def test_two_builds_of_the_same_input_give_identical_history_tables(churn):
    first, second = churn[0]
    for table in [*HISTORY_TABLES, "customer_segments"]:
        pd.testing.assert_frame_equal(first[table], second[table])


def test_churners_share_the_champions_cluster_before_they_stop_and_leave_it_after(churn):
    tables, truth, reference = churn[0][0], churn[1], churn[2]
    history = tables["customer_rfm_history"].merge(truth, on="customer_id")
    history["as_of_date"] = pd.to_datetime(history["as_of_date"])
    last_purchase = {}
    for customer, _, when, _ in reference.kept:
        last_purchase[customer] = max(last_purchase.get(customer, when), when)
    history["stopped_days_ago"] = (
        history["as_of_date"] - pd.to_datetime(history["customer_id"].map(last_purchase))
    ).dt.days
    steady = history[history["planted_segment"] == "champions"]
    champions_cluster = steady.groupby("as_of_date")["cluster_id"].agg(lambda c: c.mode()[0])
    churners = history[history["planted_segment"] == "churned_champions"]
    churners = churners.assign(steady_cluster=churners["as_of_date"].map(champions_cluster))
    shares = churners["cluster_id"] == churners["steady_cluster"]
    # before they stop: measured while still buying (within a month of a purchase that is
    # not their last), and once they have bought for two months
    active = churners["stopped_days_ago"] < 0
    settled = churners["tenure_days"] >= 60
    before = shares[active & settled]
    after = shares[churners["stopped_days_ago"] >= 120]
    assert len(before) >= 50 and len(after) >= 50
    assert before.mean() >= 0.8, before.mean()
    assert after.mean() <= 0.2, after.mean()
    # and the steady buyers keep theirs over the last months
    recent = steady[steady["as_of_date"] >= steady["as_of_date"].max() - pd.Timedelta(days=120)]
    assert (recent["cluster_id"] == recent["as_of_date"].map(champions_cluster)).mean() >= 0.8
