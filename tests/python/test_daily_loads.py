"""Daily loads: after any sequence of builds that each load the files new since the last
one, the published warehouse equals, table for table, one full build on the same files;
a file already loaded that changes or disappears stops the build with its name."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import (
    PROJECT_ROOT,
    DbtRun,
    dbt_command,
    dbt_environment,
    run_dbt,
    weekly_exports,
)

#: Runs dbt (deselect with -m 'not dbt': make test-fast).
pytestmark = pytest.mark.dbt

PRODUCTION = ("build", "--exclude-resource-type", "unit_test")
#: Columns that name the build or when it ran, not what it computed.
STAMPS = {
    "dbt_run_id",
    "dbt_run_started_at",
    "loaded_by_run_id",
    "loaded_at",
    "loaded_by_this_build",
}


@pytest.fixture(scope="module")
def weeks(tmp_path_factory) -> list[Path]:
    """53 weekly CSV exports of one generated year (mess and planted churn included)."""
    return weekly_exports(tmp_path_factory.mktemp("weeks") / "all", 500, 61, churn_share=0.1)


def build(warehouse: Path, folder: Path, *args: str) -> DbtRun:
    run = run_dbt(
        *PRODUCTION,
        *args,
        warehouse=warehouse,
        variables={"transactions_path": str(folder / "*.csv")},
    )
    assert run.returncode == 0, run.output[-4000:]
    return run


def tables(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Every published relation, stamps left out, rows sorted."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [r[0] for r in con.sql("select relation from warehouse_publication").fetchall()]
        frames = {}
        for name in names:
            frame = con.sql(f"select * from {name}").df()
            if "source_file" in frame:  # the two builds read copies in different folders
                frame["source_file"] = frame["source_file"].map(lambda path: Path(path).name)
            columns = [c for c in frame.columns if c not in STAMPS]
            frames[name] = frame[columns].sort_values(columns, kind="stable").reset_index(drop=True)
        return frames


def assert_same_warehouse(got: Path, want: Path) -> None:
    a, b = tables(got), tables(want)
    assert a.keys() == b.keys() and "customer_rfm_history" in a
    for name in a:
        # doubles summed in another order may differ in their last bits
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=False, rtol=1e-9, atol=1e-12)


def folder_with(tmp_path: Path, name: str, files: list[Path]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file in files:
        shutil.copy2(file, folder / file.name)
    return folder


@pytest.fixture(scope="module")
def full(weeks, tmp_path_factory) -> Path:
    """One full build on every week."""
    folder = folder_with(tmp_path_factory.mktemp("full"), "exports", weeks)
    warehouse = folder.parent / "w.duckdb"
    build(warehouse, folder)
    return warehouse


def add(folder: Path, *files: Path) -> None:
    for file in files:
        shutil.copy2(file, folder / file.name)


def test_a_new_week_then_two_more_at_once_give_the_full_build(tmp_path, weeks, full):
    folder = folder_with(tmp_path, "exports", weeks[:-3])
    warehouse = tmp_path / "w.duckdb"
    build(warehouse, folder)
    add(folder, weeks[-3])
    run = build(warehouse, folder)
    assert "transactions: 51 file(s) matched: 1 new, 50 loaded before (skipped), 0 changed" in (
        run.output
    )
    assert "transactions: loaded 1 file(s), " in run.output
    add(folder, weeks[-2], weeks[-1])
    build(warehouse, folder)
    assert_same_warehouse(warehouse, full)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = con.sql("select count(distinct loaded_by_run_id) from transaction_files")
        assert loaded.fetchall() == [(3,)]
        # publishing wrote each build's rejected lines once: the first build's rows
        # still say it wrote them (no restamp of every row on every build)
        writers = con.sql(
            "select count(distinct loaded_by_run_id) from rejected_transaction_lines"
        ).fetchall()
        assert writers[0][0] >= 2
        columns = {c[0] for c in con.sql("describe rejected_transaction_lines").fetchall()}
        assert "dbt_run_id" not in columns and {"loaded_by_run_id", "loaded_at"} <= columns


def test_a_late_week_earlier_in_path_order_gives_the_full_build(tmp_path, weeks, full):
    late = weeks[20]
    folder = folder_with(tmp_path, "exports", [w for w in weeks if w != late])
    warehouse = tmp_path / "w.duckdb"
    build(warehouse, folder)
    add(folder, late)
    build(warehouse, folder)
    assert_same_warehouse(warehouse, full)


def test_a_line_copied_into_a_later_file_becomes_a_duplicate_when_its_file_arrives(tmp_path, weeks):
    # a kept line of week 10 copied into week 30: once week 10 is loaded (late, and
    # earlier in path order) the copy in week 30, kept until then, is the duplicate
    source = weeks[10].read_text().splitlines()
    line = next(
        text
        for text in source[1:]
        if text.count(",") == 7 and ",," not in text and not text.startswith("C")
    )
    changed = folder_with(tmp_path, "all", weeks)
    with open(changed / weeks[30].name, "a") as handle:
        handle.write(line + "\n")
    folder = folder_with(
        tmp_path, "exports", [p for p in changed.iterdir() if p.name != weeks[10].name]
    )
    warehouse = tmp_path / "w.duckdb"
    build(warehouse, folder)
    add(folder, changed / weeks[10].name)
    build(warehouse, folder)
    reference = tmp_path / "full.duckdb"
    build(reference, changed)
    assert_same_warehouse(warehouse, reference)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        last_line = len((changed / weeks[30].name).read_text().splitlines())
        reason = con.execute(
            "select reason from rejected_transaction_lines where source_file like ? "
            "and line_number = ?",
            [f"%{weeks[30].name}", last_line],
        ).fetchall()
    assert reason == [("duplicate",)]


@pytest.mark.parametrize(
    "kill_at",
    [
        # the new lines are appended; the customers' sums are not yet updated
        "START sql incremental model main.int_customer_invoice_days",
        # the lines per value have counted the new file (adding to what they held), but
        # the ledger does not list it yet: the next build loads it again
        "OK created sql incremental model main.int_line_value_counts",
        # the ledger lists the new file: every model that applies it must have done so
        # by now, or the next build, which skips listed files, never would
        "OK created sql table model main.transaction_files",
    ],
    ids=["before-the-sums", "after-an-additive-model", "after-the-ledger"],
)
def test_a_build_killed_part_way_is_finished_by_the_next(tmp_path, weeks, full, kill_at):
    folder = folder_with(tmp_path, "exports", weeks[:-1])
    warehouse = tmp_path / "w.duckdb"
    build(warehouse, folder)
    published = warehouse.read_bytes()
    add(folder, weeks[-1])
    process = subprocess.Popen(
        dbt_command(*PRODUCTION, variables={"transactions_path": str(folder / "*.csv")}),
        cwd=PROJECT_ROOT,
        env=dbt_environment(warehouse),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if kill_at in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert warehouse.read_bytes() == published
    build(warehouse, folder)
    assert_same_warehouse(warehouse, full)


def test_the_ledger_is_written_after_every_model_that_applies_a_load_batch(tmp_path):
    # raw_load_batch skips the files transaction_files lists, so a model that applies
    # the batch and may run after the ledger would miss a file for good when a build is
    # killed between the two (the "after-the-ledger" kill above)
    target = tmp_path / "target"
    run = run_dbt("parse", "--target-path", str(target), warehouse=tmp_path / "w.duckdb")
    assert run.returncode == 0, run.output[-3000:]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    applying = {
        node["name"]
        for node in nodes.values()
        if node["resource_type"] == "model"
        and any("record_incremental_state" in hook["sql"] for hook in node["config"]["post-hook"])
    }
    ledger = nodes["model.customer_segmentation.transaction_files"]
    parents = {uid.split(".")[-1] for uid in ledger["depends_on"]["nodes"]}
    assert len(applying) >= 9, applying
    assert applying - {"transaction_files"} <= parents, applying - parents


def test_a_full_refresh_after_daily_loads_gives_the_full_build(tmp_path, weeks, full):
    folder = folder_with(tmp_path, "exports", weeks[:-1])
    warehouse = tmp_path / "w.duckdb"
    build(warehouse, folder)
    add(folder, weeks[-1])
    build(warehouse, folder)
    run = build(warehouse, folder, "--full-refresh")
    assert "all loaded (--full-refresh)" in run.output
    assert_same_warehouse(warehouse, full)


@pytest.mark.parametrize("change", ["changed", "removed"])
def test_a_loaded_file_that_changes_or_disappears_stops_the_build_with_its_name(
    tmp_path, weeks, change
):
    folder = folder_with(tmp_path, "exports", weeks[:12])
    warehouse = tmp_path / "w.duckdb"
    build(warehouse, folder)
    published = warehouse.read_bytes()
    target = folder / weeks[5].name
    if change == "changed":
        with open(target, "a") as handle:
            handle.write("581587,22613,LATE LINE,12,2011-01-05 12:50:00,0.85,12680,France\n")
    else:
        target.unlink()
    run = run_dbt(
        *PRODUCTION, warehouse=warehouse, variables={"transactions_path": str(folder / "*.csv")}
    )
    assert run.returncode != 0
    why = "has changed since" if change == "changed" else "is no longer matched by var"
    message = f"transactions file '{target}' was loaded by an earlier build and {why}"
    assert message in run.output, run.output[-3000:]
    assert "Run `dbt build --full-refresh` to load every file again." in run.output
    assert warehouse.read_bytes() == published
    # and --full-refresh loads the files as they are now
    run = build(warehouse, folder, "--full-refresh")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        files = con.sql("select count(*) from transaction_files").fetchall()[0][0]
    assert files == (12 if change == "changed" else 11)


def european(source: Path, target: Path) -> None:
    """``source`` as Excel writes it where the comma is the decimal mark: fields split by
    ``;``, numbers with a decimal comma; a line that is not eight fields stays as it is."""
    import csv
    import io

    lines = source.read_text().splitlines()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write(lines[0].replace(",", ";") + "\n")
    for line in lines[1:]:
        fields = next(csv.reader([line])) if line else []
        if len(fields) != 8 or line.count('"') % 2:
            out.write(line + "\n")
            continue
        for position in (3, 5, 6):  # Quantity, UnitPrice, CustomerID
            value = fields[position]
            # a number with a comma is not one in a comma export (malformed): keep it
            # malformed here, where the comma is the decimal mark
            fields[position] = value + "x" if "," in value else value.replace(".", ",")
        writer.writerow(fields)
    target.write_text(out.getvalue())


def test_the_weeks_exported_the_european_way_give_the_same_warehouse(tmp_path, weeks, full):
    folder = tmp_path / "exports"
    folder.mkdir()
    for week in weeks:
        european(week, folder / week.name)
    warehouse = tmp_path / "w.duckdb"
    build(warehouse, folder)
    got, want = tables(warehouse), tables(full)
    # a malformed line shows its text, and why, as it is in its file; the same lines
    # are malformed, and every other rejected line is the same
    for frames in (got, want):
        rejected = frames["rejected_transaction_lines"]
        malformed = rejected["reason"] == "malformed"
        frames["malformed"] = rejected.loc[malformed, ["source_file", "line_number"]]
        frames["rejected_transaction_lines"] = (
            rejected[~malformed].drop(columns="raw_line").reset_index(drop=True)
        )
        frames["malformed"] = frames["malformed"].reset_index(drop=True)
        # other bytes, written at another time
        frames["transaction_files"] = frames["transaction_files"].drop(
            columns=["file_size", "file_modified_ns"]
        )
    assert got.keys() == want.keys()
    for name in got:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=False, rtol=1e-9)


def test_one_file_exported_again_in_place_is_loaded_again_whole(tmp_path, weeks):
    # transactions_path names one file (no glob): a new export of it replaces the old
    export = tmp_path / "export.csv"
    shutil.copy2(weeks[3], export)
    warehouse = tmp_path / "w.duckdb"
    variables = {"transactions_path": str(export)}
    assert run_dbt(*PRODUCTION, warehouse=warehouse, variables=variables).returncode == 0
    with open(export, "a") as handle:
        handle.write("".join(weeks[4].read_text().splitlines(keepends=True)[1:]))
    run = run_dbt(*PRODUCTION, warehouse=warehouse, variables=variables)
    assert run.returncode == 0, run.output[-3000:]
    assert "all loaded (the file changed since it was loaded)" in run.output
    reference = tmp_path / "full.duckdb"
    assert run_dbt(*PRODUCTION, warehouse=reference, variables=variables).returncode == 0
    assert_same_warehouse(warehouse, reference)
    # another file altogether is another input
    other = tmp_path / "other.csv"
    shutil.copy2(weeks[6], other)
    run = run_dbt(*PRODUCTION, warehouse=warehouse, variables={"transactions_path": str(other)})
    assert run.returncode == 0, run.output[-3000:]
    assert "all loaded (transactions_path or the parsing changed since the last load)" in (
        run.output
    )


def test_weekly_parquet_exports_load_one_week_at_a_time_like_a_full_build(tmp_path):
    weeks = weekly_exports(tmp_path / "all", 400, 17, ".parquet", churn_share=0.1)
    glob = {"transactions_path": str(tmp_path / "exports" / "*.parquet")}
    folder = folder_with(tmp_path, "exports", weeks[:-1])
    warehouse, reference = tmp_path / "w.duckdb", tmp_path / "full.duckdb"
    assert run_dbt(*PRODUCTION, warehouse=warehouse, variables=glob).returncode == 0
    add(folder, weeks[-1])
    run = run_dbt(*PRODUCTION, warehouse=warehouse, variables=glob)
    assert run.returncode == 0, run.output[-3000:]
    assert f"{len(weeks)} file(s) matched: 1 new, {len(weeks) - 1} loaded before" in run.output
    assert run_dbt(*PRODUCTION, warehouse=reference, variables=glob).returncode == 0
    assert_same_warehouse(warehouse, reference)


def test_a_daily_load_tests_the_rows_it_wrote_and_dbt_test_every_row(tmp_path, weeks):
    # int_customer_products' uniqueness test, on a daily load, reads the rows of the new
    # week's customers only: a repeated row of one of them fails the build; one of a
    # customer the week does not have is left to the test of every row (`dbt test`).
    # int_kept_value_pairs' reads the new week's days only (the load recounts them
    # whole): a repeated row of an earlier day is left to `dbt test` too.
    from segmentation.warehouse import work_path

    folder = folder_with(tmp_path, "exports", weeks[:-1])
    warehouse = tmp_path / "w.duckdb"
    build(warehouse, folder)
    text = weeks[-1].read_text()
    week = pd.read_csv(weeks[-1], dtype=str, keep_default_na=False, on_bad_lines="skip")
    counts = pd.to_numeric(week["CustomerID"], errors="coerce").dropna().astype(int).value_counts()
    regulars = set(counts[counts >= 3].index)  # surely in the week, however a line reads
    with duckdb.connect(str(work_path(warehouse))) as con:
        rows = con.sql("select customer_id, stock_code from int_customer_products").fetchall()
        # a product the week never names, so the load leaves that row as it is
        in_week = next(r for r in rows if r[0] in regulars and r[1] not in text)
        not_in_week = next(r for r in rows if str(r[0]) not in text)
        for customer, product in (in_week, not_in_week):
            con.execute(
                "insert into int_customer_products values (?, ?, date '2011-01-01')",
                [customer, product],
            )
        con.execute(
            "insert into int_kept_value_pairs select * from int_kept_value_pairs "
            "order by invoiced_on, quantity, unit_price limit 1"
        )
    add(folder, weeks[-1])
    variables = {"transactions_path": str(folder / "*.csv")}
    run = run_dbt(*PRODUCTION, warehouse=warehouse, variables=variables)
    assert run.returncode != 0
    assert "Got 1 result, configured to fail if != 0" in run.output, run.output[-3000:]
    assert "PASS unique_combination_int_kept_value_pairs" in run.output, run.output[-3000:]
    run = run_dbt("test", "-s", "int_customer_products", warehouse=warehouse, variables=variables)
    assert "Got 2 results, configured to fail if != 0" in run.output, run.output[-3000:]
    run = run_dbt("test", "-s", "int_kept_value_pairs", warehouse=warehouse, variables=variables)
    assert "Got 1 result, configured to fail if != 0" in run.output, run.output[-3000:]
