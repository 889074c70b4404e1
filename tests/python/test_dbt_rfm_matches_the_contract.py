"""`dbt build` on generated exports of every accepted shape gives the row accounting
and RFM values an independent implementation of the contract gives, to the cent."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from conftest import CAUTIOUS, run_dbt, synth
from duckdb import connect
from reference_rfm import reference_rfm

from segmentation.warehouse import work_path

#: Runs dbt (deselect with -m 'not dbt': make test-fast).
pytestmark = pytest.mark.dbt

RFM_MODELS = "+customer_rfm +transaction_audit +rejected_transaction_lines"

SHAPES = {
    "csv_utf8_iso": ("exp.csv", ["--customers", "400", "--seed", "1"]),
    "csv_latin1_uci_dates": (
        "exp.csv",
        ["--customers", "400", "--seed", "2", "--encoding", "latin-1", "--date-style", "uci"],
    ),
    "csv_gz_online_retail_ii": (
        "exp.csv.gz",
        ["--customers", "400", "--seed", "3", "--layout", "online_retail_ii"],
    ),
    "parquet_online_retail_ii": (
        "exp.parquet",
        ["--customers", "400", "--seed", "4", "--layout", "online_retail_ii"],
    ),
    "xlsx": ("exp.xlsx", ["--customers", "60", "--seed", "5"]),
}


def compare(tmp_path: Path, path: str, snapshot: str | None = None) -> None:
    variables = {"transactions_path": path}
    if snapshot:
        variables["snapshot_date"] = snapshot
    run = run_dbt(
        "build",
        CAUTIOUS,
        "--select",
        RFM_MODELS,
        warehouse=tmp_path / "w.duckdb",
        variables=variables,
    )
    assert run.returncode == 0, run.output[-3000:]
    expected = reference_rfm(path, dt.date.fromisoformat(snapshot) if snapshot else None)

    audit = run.query_work("select reason, row_count from transaction_audit")
    got_audit = {r.reason: r.row_count for r in audit.itertuples() if r.row_count}
    assert got_audit == expected.audit

    got = run.query_work(
        "select customer_id, recency_days, frequency, monetary, r_score, f_score, m_score "
        "from customer_rfm order by customer_id"
    )
    want = expected.rfm
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    for column in ("recency_days", "frequency", "r_score", "f_score", "m_score"):
        assert got[column].astype(int).tolist() == want[column].astype(int).tolist(), column
    got_money = [Decimal(str(m)).quantize(Decimal("0.01")) for m in got["monetary"]]
    assert got_money == want["monetary"].tolist()

    # raw_export_lines: a view (over raw_csv_lines for CSV, over the file for Parquet)
    # that a later connection can still read; a table for Excel. raw_transaction_lines,
    # which splits its lines: a view
    stored = run.query_work(
        "select table_name, table_type from information_schema.tables where table_name "
        "in ('raw_export_lines', 'raw_transaction_lines', 'raw_csv_lines') order by table_name"
    )
    is_csv = ".csv" in path.lower()
    want_stored = [("raw_csv_lines", "BASE TABLE")] if is_csv else []
    want_stored += [
        ("raw_export_lines", "BASE TABLE" if path.lower().endswith(".xlsx") else "VIEW"),
        ("raw_transaction_lines", "VIEW"),
    ]
    assert list(stored.itertuples(index=False, name=None)) == want_stored
    raw_lines = run.query_work("select count(*) as n from raw_transaction_lines")["n"].iloc[0]
    assert raw_lines == sum(expected.audit.values())


def run_query(folder: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` on the work file of ``compare``'s build in ``folder``."""
    with connect(str(work_path(folder / "w.duckdb")), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize("shape", SHAPES)
def test_rfm_matches_an_independent_computation(tmp_path, shape):
    name, args = SHAPES[shape]
    path = synth(tmp_path / name, *args)
    compare(tmp_path, str(path))


def test_na_spellings_and_non_numeric_customer_ids_land_where_the_contract_says(tmp_path):
    # --id-messes plants CustomerIDs written as the contract's NA spellings (missing)
    # and as text that is no number, pandas' `NA` and Excel's `#N/A` among them
    # (malformed); the reference knows only the contract's list
    path = synth(tmp_path / "exp.csv", "--customers", "400", "--seed", "12", "--id-messes")
    with path.open(newline="", encoding="utf-8") as file:
        written = {row["CustomerID"] for row in csv.DictReader(file)}
    assert written >= {"nan", "NaN", "NULL", "None", "N/A", "n/a", "NA", "#N/A"}
    assert any(text.startswith("ID-") for text in written)
    compare(tmp_path, str(path))
    rejected = dict(
        run_query(
            tmp_path,
            "select customer_id_text, any_value(reason) from rejected_transaction_lines "
            "where customer_id_text in ('NULL', 'N/A', 'None', 'nan', 'NA', '#N/A') "
            "group by 1 having count(distinct reason) = 1",
        )
    )
    assert rejected == {
        "NULL": "missing_customer_id",
        "N/A": "missing_customer_id",
        "None": "missing_customer_id",
        "nan": "missing_customer_id",
        "NA": "malformed",
        "#N/A": "malformed",
    }


def test_a_glob_of_monthly_files_is_read_as_one_export(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    synth(folder / "2011-a.csv", "--customers", "150", "--seed", "6")
    synth(
        folder / "2011-b.csv", "--customers", "150", "--seed", "7", "--layout", "online_retail_ii"
    )
    compare(tmp_path, str(folder / "*.csv"))


@pytest.mark.parametrize("snapshot", ["2012-06-30", "2011-06-15"], ids=["after", "mid_year"])
def test_the_snapshot_var_measures_customers_as_of_that_date(tmp_path, snapshot):
    # after the last purchase: every purchase counts, recency grows; mid-year: only the
    # purchases dated before it count, and later customers have no row yet
    path = synth(tmp_path / "exp.csv", "--customers", "200", "--seed", "8")
    compare(tmp_path, str(path), snapshot=snapshot)


def test_every_raw_line_is_accounted_for(tmp_path):
    path = synth(tmp_path / "exp.csv", "--customers", "300", "--seed", "9")
    data_lines = len(path.read_bytes().rstrip(b"\n").split(b"\n")) - 1
    run = run_dbt(
        "build",
        CAUTIOUS,
        "--select",
        RFM_MODELS,
        warehouse=tmp_path / "w.duckdb",
        variables={"transactions_path": str(path)},
    )
    assert run.returncode == 0, run.output[-3000:]
    audit = run.query_work("select * from transaction_audit")
    assert int(audit["row_count"].sum()) == data_lines
    rejected = run.query_work(
        "select reason, count(*) as n from rejected_transaction_lines group by 1"
    )
    counts = dict(zip(audit["reason"], audit["row_count"], strict=True))
    for row in rejected.itertuples():
        assert counts[row.reason] == row.n
    assert (audit.set_index("reason").drop(index="kept")["row_count"] > 0).all(), (
        "the generated file should plant every kind of mess"
    )


def test_a_bad_file_stops_the_build_and_leaves_the_marts_alone(tmp_path):
    good = synth(tmp_path / "good.csv", "--customers", "100", "--seed", "10")
    warehouse = tmp_path / "w.duckdb"
    first = run_dbt(
        "build",
        CAUTIOUS,
        "--select",
        RFM_MODELS,
        warehouse=warehouse,
        variables={"transactions_path": str(good)},
    )
    assert first.returncode == 0, first.output[-3000:]
    before = first.query_work("select * from customer_rfm order by customer_id")

    bad = tmp_path / "no_customer.csv"
    lines = good.read_text().splitlines()
    header = lines[0].split(",")
    drop = header.index("CustomerID")
    bad.write_text(
        "\n".join(
            ",".join(f for i, f in enumerate(line.split(",")) if i != drop) for line in lines[:50]
        )
    )
    second = run_dbt(
        "build",
        CAUTIOUS,
        "--select",
        RFM_MODELS,
        warehouse=warehouse,
        variables={"transactions_path": str(bad)},
    )
    assert second.returncode != 0
    assert "no_customer.csv" in second.output and "CustomerID" in second.output
    pd.testing.assert_frame_equal(
        second.query_work("select * from customer_rfm order by customer_id"), before
    )
