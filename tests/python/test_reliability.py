"""Three promises: no line lost, no half-built warehouse, readers and builds never
block each other. Each test runs the real `dbt build` against a throwaway warehouse."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import BIN, PROJECT_ROOT, run_dbt, synth

MARTS = [
    "transaction_audit",
    "rejected_transaction_lines",
    "customer_rfm",
    "eda_column_profile",
    "eda_monthly_sales",
    "eda_country_sales",
]


def stamps(warehouse: Path) -> dict[str, set[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            mart: {r[0] for r in con.sql(f"select distinct dbt_run_id from {mart}").fetchall()}
            for mart in MARTS
        }


def snapshot(warehouse: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {mart: con.sql(f"select * from {mart} order by all").df() for mart in MARTS}


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    return {
        "first": synth(folder / "first.csv", "--customers", "300", "--seed", "21"),
        "second": synth(folder / "second.csv", "--customers", "600", "--seed", "22"),
    }


def build(warehouse: Path, path: Path, **variables) -> None:
    run = run_dbt(
        "build", warehouse=warehouse, variables={"transactions_path": str(path), **variables}
    )
    assert run.returncode == 0, run.output[-4000:]


def test_broken_lines_are_quarantined_and_the_build_goes_on(tmp_path, warehouse):
    good = synth(tmp_path / "good.csv", "--customers", "200", "--seed", "23", "--no-mess")
    lines = good.read_text().splitlines()
    broken = [
        '581587,22613,"UNCLOSED QUOTE,12,2011-12-09 12:50:00,0.85,12680,France',
        "581587,22613,TOO,MANY,FIELDS,12,2011-12-09 12:50:00,0.85,12680,France",
        "581587,22613,TOO FEW FIELDS",
        "581587,22613,BAD DATE,12,31/31/2011 12:50,0.85,12680,France",
        "581587,22613,BAD QUANTITY,twelve,2011-12-09 12:50:00,0.85,12680,France",
        "581587,22613,BAD PRICE,12,2011-12-09 12:50:00,0.8.5,12680,France",
    ]
    path = tmp_path / "broken.csv"
    path.write_text("\n".join([lines[0], *lines[1:40], *broken, *lines[40:]]) + "\n")
    data_lines = len(lines) - 1 + len(broken)

    build(warehouse, path)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        total = con.sql("select sum(row_count) from transaction_audit").fetchall()[0][0]
        malformed = con.sql(
            "select line_number, malformed_detail, raw_line from rejected_transaction_lines "
            "where reason = 'malformed' order by line_number"
        ).df()
    assert total == data_lines
    assert malformed["line_number"].tolist() == list(range(41, 41 + len(broken)))
    assert malformed["raw_line"].tolist() == broken
    assert malformed["malformed_detail"].tolist()[3:] == [
        "InvoiceDate does not parse: 31/31/2011 12:50",
        "Quantity is not a whole number: twelve",
        "UnitPrice is not a number: 0.8.5",
    ]


def test_a_failing_build_leaves_the_published_marts_unchanged(tmp_path, warehouse, exports):
    build(warehouse, exports["first"])
    before = snapshot(warehouse)

    header, *rest = exports["second"].read_text().splitlines()
    columns = header.split(",")
    keep = [i for i, c in enumerate(columns) if c != "CustomerID"]
    missing = tmp_path / "missing_column.csv"
    missing.write_text(
        "\n".join(",".join(line.split(",")[i] for i in keep) for line in [header, *rest[:100]])
    )
    failed = run_dbt("build", warehouse=warehouse, variables={"transactions_path": str(missing)})
    assert failed.returncode != 0
    assert "missing_column.csv" in failed.output and "CustomerID" in failed.output

    after = snapshot(warehouse)
    for mart in MARTS:
        pd.testing.assert_frame_equal(after[mart], before[mart])


def test_a_failing_check_blocks_publication(warehouse, exports):
    build(warehouse, exports["first"])
    before = stamps(warehouse)
    # a snapshot before the last purchase makes recency negative: customer_rfm's
    # contract constraint `recency_days >= 0` refuses the rows
    failed = run_dbt(
        "build",
        warehouse=warehouse,
        variables={"transactions_path": str(exports["second"]), "snapshot_date": "2010-01-01"},
    )
    assert failed.returncode != 0
    assert "CHECK constraint failed" in failed.output
    assert "recency_days >= 0" in failed.output
    assert stamps(warehouse) == before


def test_a_build_killed_mid_way_leaves_the_previous_results(warehouse, exports):
    build(warehouse, exports["first"])
    before = snapshot(warehouse)
    (first_run,) = stamps(warehouse)["customer_rfm"]

    command = [
        str(BIN / "dbt"),
        "build",
        "--vars",
        json.dumps({"transactions_path": str(exports["second"])}),
    ]
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT), "DUCKDB_PATH": str(warehouse)}
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        # kill once marts are being rebuilt in the work file, before publication
        if "START sql table model main.customer_rfm" in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen[-20:])

    after = snapshot(warehouse)
    for mart in MARTS:
        pd.testing.assert_frame_equal(after[mart], before[mart])
    assert all(s == {first_run} for s in stamps(warehouse).values())

    # and the next build recovers from the killed one
    build(warehouse, exports["second"])
    (second_run,) = stamps(warehouse)["customer_rfm"]
    assert second_run != first_run
    assert all(s == {second_run} for s in stamps(warehouse).values())


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print("open", flush=True)
    queries = errors = 0
    deadline = time.time() + float(sys.argv[2])
    while time.time() < deadline:
        try:
            con.sql("select count(*), sum(monetary) from customer_rfm").fetchall()
            queries += 1
        except Exception as error:
            errors += 1
            print("error", error, flush=True)
        time.sleep(0.05)
    print("done", queries, errors, flush=True)
    """
)


def test_a_reader_holding_the_warehouse_open_does_not_block_a_build(warehouse, exports):
    build(warehouse, exports["first"])
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse), "25"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None
    assert reader.stdout.readline().strip() == "open"

    build(warehouse, exports["second"])  # must not wait for or fail on the reader

    out, _ = reader.communicate(timeout=120)
    last = out.strip().splitlines()[-1].split()
    assert last[0] == "done" and int(last[1]) > 0 and int(last[2]) == 0, out
    # a new reader sees the new build
    (run_id,) = stamps(warehouse)["customer_rfm"]
    assert all(s == {run_id} for s in stamps(warehouse).values())


def test_building_twice_on_the_same_input_gives_identical_marts(warehouse, exports):
    build(warehouse, exports["first"])
    first = snapshot(warehouse)
    build(warehouse, exports["first"])
    second = snapshot(warehouse)
    for mart in MARTS:
        a = first[mart].drop(columns=["dbt_run_id", "dbt_run_started_at"])
        b = second[mart].drop(columns=["dbt_run_id", "dbt_run_started_at"])
        pd.testing.assert_frame_equal(a, b)
