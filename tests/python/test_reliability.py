"""No line lost, a bad file never replaces the published warehouse, and the same input
gives the same tables. Each test runs the real `dbt build` against a throwaway
warehouse; the publication's other promises are in test_publication.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import run_dbt, synth

#: Runs dbt (deselect with -m 'not dbt': make test-fast).
pytestmark = pytest.mark.dbt


#: Columns that name a build or when it ran (the ledger's and the rejected lines'
#: loaded_by_* say which build loaded a file: the first of two builds, not the second).
STAMPS = [
    "dbt_run_id",
    "dbt_run_started_at",
    "loaded_by_run_id",
    "loaded_at",
    "loaded_by_this_build",
]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def snapshot(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Every relation of the published warehouse, sorted, without the build stamps."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [r[0] for r in con.sql("select relation from warehouse_publication").fetchall()]
        return {
            name: _sorted(
                con.sql(f"select * from {name}").df().drop(columns=STAMPS, errors="ignore")
            )
            for name in names
        }


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
    assert after.keys() == before.keys()
    for name in before:
        pd.testing.assert_frame_equal(after[name], before[name])


def test_building_twice_on_the_same_input_gives_identical_marts(warehouse, exports):
    build(warehouse, exports["first"])
    first = snapshot(warehouse)
    build(warehouse, exports["first"])
    second = snapshot(warehouse)
    assert first.keys() == second.keys() and "customer_segments" in first
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
