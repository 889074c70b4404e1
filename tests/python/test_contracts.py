"""The SQL marts' enforced contracts reach the warehouse: every contracted column has
its YAML type, NOT NULL where the YAML says so, every key and check constraint of the
YAML is on the table, and DuckDB refuses a row that breaks one."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import duckdb
import pytest
from conftest import run_dbt, synth

#: Runs dbt (deselect with -m 'not dbt': make test-fast).
pytestmark = pytest.mark.dbt

CONTRACTED = {
    "customer_rfm",
    "transaction_audit",
    "rejected_transaction_lines",
    "eda_column_profile",
    "eda_monthly_sales",
    "eda_country_sales",
    "eda_feature_correlations",
    "eda_outliers",
    "eda_line_relationships",
    "segment_profiles",
    "segment_rfm_crosstab",
    "int_customer_purchases",
    "transaction_files",
    "int_as_of_dates",
    "int_customer_rfm_history",
    "customer_rfm_history",
    "segment_migration",
    "raw_load_batch",
}
#: The contracted models that are not published (they live in the work file only).
INTERMEDIATE = {
    "int_customer_purchases",
    "int_as_of_dates",
    "int_customer_rfm_history",
    "raw_load_batch",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contracts")
    export = synth(folder / "exp.csv", "--customers", "200", "--seed", "21")
    target = folder / "target"
    run = run_dbt(
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--target-path",
        str(target),
        warehouse=folder / "w.duckdb",
        variables={"transactions_path": str(export)},
    )
    assert run.returncode == 0, run.output[-3000:]
    manifest = json.loads((target / "manifest.json").read_text())
    enforced = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["contract"]["enforced"]
    ]
    contracts = {node["name"]: node["columns"] for node in enforced}
    constraints = {node["name"]: _declared_constraints(node) for node in enforced}
    return run, contracts, constraints


#: dbt's constraint types as duckdb_constraints() names them.
_DUCKDB_TYPE = {"primary_key": "PRIMARY KEY", "unique": "UNIQUE", "check": "CHECK"}


def _declared_constraints(node: dict) -> Counter:
    """(type, columns) of every key and check constraint the YAML declares."""
    declared: Counter = Counter()
    for name, column in node["columns"].items():
        for constraint in column["constraints"]:
            if constraint["type"] in _DUCKDB_TYPE:
                declared[(_DUCKDB_TYPE[constraint["type"]], (name,))] += 1
    for constraint in node["constraints"]:
        declared[(_DUCKDB_TYPE[constraint["type"]], tuple(constraint["columns"]))] += 1
    return declared


def test_the_sql_marts_have_enforced_contracts(built):
    _, contracts, _ = built
    assert set(contracts) == CONTRACTED


def test_every_contracted_column_has_its_type_and_nullability(built):
    run, contracts, _ = built
    for model, columns in contracts.items():
        found = run.query_work(
            "select column_name, data_type, is_nullable from information_schema.columns "
            f"where table_name = '{model}' order by ordinal_position"
        )
        assert found["column_name"].tolist() == list(columns), model
        for row in found.itertuples():
            column = columns[row.column_name]
            assert row.data_type == column["data_type"].upper(), (model, row.column_name)
            not_null = any(c["type"] == "not_null" for c in column["constraints"])
            assert (row.is_nullable == "NO") == not_null, (model, row.column_name)


def test_every_key_and_check_constraint_is_on_the_table(built):
    run, _, constraints = built
    assert sum(len(declared) for declared in constraints.values()) >= 15
    for model, declared in constraints.items():
        found = run.query_work(
            "select constraint_type, constraint_column_names from duckdb_constraints() "
            f"where table_name = '{model}' and constraint_type <> 'NOT NULL'"
        )
        on_table = Counter(
            (row.constraint_type, tuple(row.constraint_column_names)) for row in found.itertuples()
        )
        assert on_table == declared, model


def test_the_published_marts_keep_their_columns_constraints_and_comments(built):
    run, contracts, _ = built
    published = set(run.query("select relation from warehouse_publication")["relation"])
    assert published & set(contracts) == CONTRACTED - INTERMEDIATE
    catalog = (
        "select table_name, sql, comment from duckdb_tables() where table_name in ({}) "
        "order by table_name"
    ).format(", ".join(f"'{name}'" for name in sorted(published)))
    assert run.query(catalog).equals(run.query_work(catalog))
    comments = (
        "select table_name, column_name, comment from duckdb_columns() "
        "where table_name in ({}) order by all"
    ).format(", ".join(f"'{name}'" for name in sorted(published)))
    found = run.query(comments)
    assert found["comment"].notna().all() and found.equals(run.query_work(comments))


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "insert into eda_monthly_sales select * from eda_monthly_sales limit 1",
            r"(?i)duplicate key.*primary key",
        ),
        (
            "insert into customer_rfm select * replace (6 as r_score) from customer_rfm limit 1",
            r"CHECK constraint failed.*r_score BETWEEN 1 AND 5",
        ),
        (
            "insert into rejected_transaction_lines "
            "select * replace ('kept' as reason) from rejected_transaction_lines limit 1",
            r"CHECK constraint failed.*reason IN",
        ),
        (
            "insert into customer_rfm "
            "select * replace (null as rfm_segment) from customer_rfm limit 1",
            r"customer_rfm\.rfm_segment",
        ),
    ],
)
def test_duckdb_refuses_a_row_that_breaks_a_constraint(built, tmp_path, statement, message):
    run, _, _ = built
    copy = tmp_path / "copy.duckdb"
    shutil.copy(run.warehouse, copy)
    with duckdb.connect(str(copy)) as con, pytest.raises(duckdb.ConstraintException, match=message):
        con.execute(statement)
