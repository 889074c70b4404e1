"""Every workflow the README gives an analyst publishes a whole, tested warehouse, and
nothing untested is ever published. Each test runs real dbt commands on a copy of the
project (so it may edit seeds and models) and inspects the published warehouse after."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import DbtRun, copy_project, dbt_command, dbt_environment, run_dbt, synth

from segmentation.warehouse import work_path

#: Runs dbt (deselect with -m 'not dbt': make test-fast).
pytestmark = pytest.mark.dbt

PUBLICATION = "model.customer_segmentation.warehouse_publication"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("clone") / "project")


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    return {
        "first": synth(folder / "first.csv", "--customers", "300", "--seed", "21"),
        "second": synth(folder / "second.csv", "--customers", "200", "--seed", "22"),
    }


@pytest.fixture(scope="module")
def first_build(project, exports, tmp_path_factory) -> DbtRun:
    """A full build of the first export, published (with its work file)."""
    return build(project, tmp_path_factory.mktemp("first_build") / "w.duckdb", exports["first"])


@pytest.fixture
def warehouse(first_build, tmp_path) -> Path:
    """A copy of `first_build`'s published warehouse and work file, for one test to change."""
    published = first_build.warehouse
    copy = tmp_path / published.name
    shutil.copyfile(published, copy)
    shutil.copytree(work_path(published).parent, work_path(copy).parent)
    return copy


def build(project: Path, warehouse: Path, export: Path, *args: str, **variables) -> DbtRun:
    run = run_dbt(
        "build",
        *args,
        warehouse=warehouse,
        project=project,
        variables={"transactions_path": str(export), **variables},
    )
    assert run.returncode == 0, run.output[-4000:]
    return run


def published_relations(project: Path) -> list[str]:
    """The parents of warehouse_publication in the last manifest: what is published."""
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    return sorted(
        uid.split(".")[-1] for uid in manifest["nodes"][PUBLICATION]["depends_on"]["nodes"]
    )


def published_downstream_of(project: Path, node: str) -> set[str]:
    """The published relations the node feeds (itself included), from the manifest."""
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    children = manifest["child_map"]
    start = next(uid for uid in children if uid.split(".")[-1] == node)
    seen, stack = {start}, [start]
    while stack:
        for child in children[stack.pop()]:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return {uid.split(".")[-1] for uid in seen} & set(published_relations(project))


def fingerprint(warehouse: Path) -> str:
    return hashlib.sha256(warehouse.read_bytes()).hexdigest()


def record(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql("select * from warehouse_publication order by relation").df()


def ids_by_relation(warehouse: Path) -> dict[str, str]:
    frame = record(warehouse)
    return dict(zip(frame["relation"], frame["dbt_run_id"], strict=True))


def assert_whole(warehouse: Path, relations: list[str], past_snapshot: bool = False) -> None:
    """The published warehouse holds exactly `relations` and the record; every mart's rows
    carry the one id the record gives it; customers, lines and revenue agree across marts
    (with a past snapshot, customer_rfm counts only the kept lines before it)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {r[0] for r in con.sql("select table_name from duckdb_tables()").fetchall()}
        assert tables == {*relations, "warehouse_publication"}
        recorded = ids_by_relation(warehouse)
        assert sorted(recorded) == relations
        for relation in relations:
            columns = {c[0] for c in con.sql(f"describe {relation}").fetchall()}
            if "dbt_run_id" in columns:
                stamps = con.sql(f"select distinct dbt_run_id from {relation}").fetchall()
                assert stamps == [(recorded[relation],)], relation

        def one(sql: str):
            return con.sql(sql).fetchall()[0][0]

        customers = one("select count(*) from customer_rfm")
        assert customers == one("select count(*) from customer_segments")
        assert customers == one("select sum(customers) from segment_profiles")
        assert customers == one("select sum(customers) from segment_rfm_crosstab")
        revenue = one("select sum(monetary) from customer_rfm")
        assert revenue == one("select sum(revenue) from segment_profiles")
        kept = one("select row_count from transaction_audit where reason = 'kept'")
        measured = one("select sum(purchase_lines) from customer_rfm")
        assert kept > measured if past_snapshot else kept == measured
        assert one("select sum(row_count) from transaction_audit where reason <> 'kept'") == one(
            "select count(*) from rejected_transaction_lines"
        )


def test_a_full_build_publishes_every_relation_from_one_build(project, first_build):
    run, warehouse = first_build, first_build.warehouse
    relations = published_relations(project)
    assert f"published {warehouse}: {len(relations)} relation(s) rebuilt" in run.output
    assert_whole(warehouse, relations)
    frame = record(warehouse)
    assert frame["rebuilt"].all() and frame["dbt_run_id"].nunique() == 1
    assert (frame["dbt_run_id"] == frame["published_by_run_id"]).all()
    # the published warehouse holds the marts, not the build's every line
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = {r[0] for r in con.sql("select table_name from duckdb_tables()").fetchall()}
    assert not names & {"raw_csv_lines", "int_transaction_lines_parsed", "stg_transactions"}


def test_a_seed_edit_is_published_by_the_readme_command(tmp_path, exports, warehouse):
    project = copy_project(tmp_path / "project")
    before = ids_by_relation(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        audit_before = dict(con.sql("select reason, row_count from transaction_audit").fetchall())
    # the most common stock code among kept lines becomes a non-product code
    with duckdb.connect(str(work_path(warehouse)), read_only=True) as con:
        code, kept_lines = con.sql(
            "select stock_code, count(*) as n from int_transactions_kept "
            "group by stock_code order by n desc, stock_code limit 1"
        ).fetchall()[0]
    seed = project / "seeds" / "non_product_stock_codes.csv"
    seed.write_text(seed.read_text() + f"{code},made a non-product code by a test\n")

    run = run_dbt(
        "build",
        "-s",
        "non_product_stock_codes+",
        warehouse=warehouse,
        project=project,
        variables={"transactions_path": str(exports["first"])},
    )
    assert run.returncode == 0, run.output[-4000:]
    relations = published_relations(project)
    assert_whole(warehouse, relations)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        audit = dict(con.sql("select reason, row_count from transaction_audit").fetchall())
    assert audit["non_product_code"] == audit_before["non_product_code"] + kept_lines
    assert audit["kept"] == audit_before["kept"] - kept_lines
    after = ids_by_relation(warehouse)
    rebuilt = {r for r in relations if after[r] != before[r]}
    assert rebuilt == set(relations) - {"eda_column_profile", "rfm_segment_map"}
    assert len({after[r] for r in rebuilt}) == 1
    assert after["eda_column_profile"] == before["eda_column_profile"]


def test_rebuilding_customer_rfm_and_downstream_publishes_them(project, exports, warehouse):
    before = ids_by_relation(warehouse)
    build(project, warehouse, exports["first"], "-s", "customer_rfm+")
    relations = published_relations(project)
    assert_whole(warehouse, relations)
    after = ids_by_relation(warehouse)
    rebuilt = {r for r in relations if after[r] != before[r]}
    assert rebuilt == published_downstream_of(project, "customer_rfm")
    assert {"customer_segments", "customer_rfm_history"} <= rebuilt
    assert "transaction_audit" not in rebuilt and len({after[r] for r in rebuilt}) == 1


def test_the_readme_s_snapshot_command_publishes_customers_as_of_that_date(
    project, exports, warehouse
):
    snapshot = "2011-06-15"
    build(project, warehouse, exports["first"], "-s", "int_as_of_dates+", snapshot_date=snapshot)
    relations = published_relations(project)
    assert_whole(warehouse, relations, past_snapshot=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        dates = con.sql(
            "select min(snapshot_date), max(snapshot_date), max(last_purchase_at) from customer_rfm"
        ).fetchall()[0]
        last_history = con.sql("select max(as_of_date) from customer_rfm_history").fetchall()[0][0]
    assert str(dates[0]) == str(dates[1]) == snapshot == str(last_history)
    assert str(dates[2]) < snapshot  # only purchases before the date count


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["run"], "`dbt run` runs no data tests; to test and publish: dbt build"),
        (["run", "-s", "customer_rfm+"], "to test and publish: dbt build -s customer_rfm+"),
        (["seed"], "to test and publish: dbt build -s non_product_stock_codes+ rfm_segment_map+"),
        (["build", "--exclude-resource-type", "test"], "did not run"),
        (["build", "-s", "customer_rfm"], "to test and publish: dbt build -s customer_rfm+"),
    ],
)
def test_a_command_that_runs_no_data_test_on_what_it_built_never_publishes(
    project, exports, warehouse, command, says
):
    before = fingerprint(warehouse)
    run = run_dbt(
        *command,
        warehouse=warehouse,
        project=project,
        variables={"transactions_path": str(exports["second"])},
    )
    assert run.returncode == 0, run.output[-4000:]
    assert fingerprint(warehouse) == before
    lines = [line for line in run.output.splitlines() if "not replaced" in line]
    assert len(lines) == 1 and says in lines[0], run.output[-3000:]


SABOTAGE = {
    # customer_segments loses a customer: the two-parent test same_customers_as fails
    "same_customers_as": (
        "models/marts/segments/customer_segments.py",
        "    return with_run_stamp(segments, run)\n",
        "    return with_run_stamp(segments.iloc[1:], run)\n",
    ),
    # the audit loses a kept line: audit_adds_up_to_loaded_lines fails
    "audit_adds_up_to_loaded_lines": (
        "models/marts/transaction_audit.sql",
        "cast(sum(purchase_lines) as bigint) as row_count",
        "cast(sum(purchase_lines) - 1 as bigint) as row_count",
    ),
}


@pytest.mark.parametrize(
    ("failing", "selection"),
    [("same_customers_as", ["-s", "customer_rfm+"]), ("audit_adds_up_to_loaded_lines", [])],
)
def test_a_build_whose_data_test_fails_publishes_nothing(
    tmp_path, exports, warehouse, failing, selection
):
    project = copy_project(tmp_path / "project")
    before = fingerprint(warehouse)
    path, old, new = SABOTAGE[failing]
    model = project / path
    assert old in model.read_text()
    model.write_text(model.read_text().replace(old, new))

    run = run_dbt(
        "build",
        *selection,
        warehouse=warehouse,
        project=project,
        variables={"transactions_path": str(exports["first"])},
    )
    assert run.returncode != 0
    assert f"Failure in test {failing}" in run.output, run.output[-3000:]
    assert "SKIP" in run.output and "not replaced" in run.output
    assert fingerprint(warehouse) == before


def test_a_partial_build_killed_mid_way_publishes_nothing_and_the_next_recovers(
    project, exports, warehouse
):
    before = fingerprint(warehouse)
    variables = {"transactions_path": str(exports["first"]), "snapshot_date": "2013-01-01"}
    process = subprocess.Popen(
        dbt_command("build", "-s", "customer_rfm+", variables=variables),
        cwd=project,
        env=dbt_environment(warehouse, project),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        # customer_rfm is rebuilt in the work file; the segments are not yet
        if "START python table model main.customer_segments" in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen[-20:])
    assert fingerprint(warehouse) == before

    build(project, warehouse, exports["first"], "-s", "customer_rfm+", **variables)
    assert_whole(warehouse, published_relations(project))


def test_after_a_failed_build_a_partial_build_does_not_publish_its_leftovers(
    project, exports, warehouse
):
    before = fingerprint(warehouse)
    # a full build on another export that dies after rebuilding the per-line models
    failed = run_dbt(
        "build",
        warehouse=warehouse,
        project=project,
        variables={"transactions_path": str(exports["second"]), "cluster_k_max": 1},
    )
    assert failed.returncode != 0 and fingerprint(warehouse) == before
    # customer_rfm+ would publish the second export's customers beside the first's audit
    partial = run_dbt(
        "build",
        "-s",
        "customer_rfm+",
        warehouse=warehouse,
        project=project,
        variables={"transactions_path": str(exports["second"])},
    )
    assert partial.returncode != 0
    assert "came from a command that did not publish" in partial.output
    assert "to publish: dbt build -s" in partial.output
    assert fingerprint(warehouse) == before
    build(project, warehouse, exports["second"])
    assert_whole(warehouse, published_relations(project))


def test_a_second_build_on_one_warehouse_waits_its_turn_with_a_message(project, exports, warehouse):
    variables = {"transactions_path": str(exports["first"])}
    first = subprocess.Popen(
        dbt_command("build", variables=variables),
        cwd=project,
        env=dbt_environment(warehouse, project),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert first.stdout is not None
    for line in first.stdout:
        if "START" in line:  # the first build holds the work file
            break
    second = run_dbt("build", warehouse=warehouse, project=project, variables=variables)
    rest, _ = first.communicate(timeout=300)
    assert first.returncode == 0, rest[-3000:]
    assert second.returncode != 0
    message = [line for line in second.output.splitlines() if "another dbt process" in line]
    assert len(message) == 1, second.output[-3000:]
    assert f"PID {first.pid}" in message[0] and "set DUCKDB_PATH" in message[0]
    assert "Could not set lock" not in second.output
    assert_whole(warehouse, published_relations(project))


READER = textwrap.dedent(
    """
    import sys, duckdb
    query = "select count(*), sum(monetary) from customer_rfm"
    con = duckdb.connect(sys.argv[1], read_only=True)
    print(con.sql(query).fetchall()[0], flush=True)
    for command in sys.stdin:
        if command.strip() == "reconnect":
            con.close()
            con = duckdb.connect(sys.argv[1], read_only=True)
        print(con.sql(query).fetchall()[0], flush=True)
    """
)


def test_a_reader_keeps_its_results_through_a_publication_and_sees_the_new_ones_after(
    project, exports, warehouse
):
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdin is not None and reader.stdout is not None
    old = reader.stdout.readline().strip()

    build(project, warehouse, exports["second"])  # publishes while the reader holds the file

    reader.stdin.write("again\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == old
    reader.stdin.write("reconnect\n")
    reader.stdin.flush()
    new = reader.stdout.readline().strip()
    reader.stdin.close()
    reader.wait(timeout=30)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        published = str(con.sql("select count(*), sum(monetary) from customer_rfm").fetchall()[0])
    assert new == published != old
