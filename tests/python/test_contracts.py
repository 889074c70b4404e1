"""The SQL marts' enforced contracts reach the warehouse: every contracted column has
its YAML type, NOT NULL where the YAML says so, and DuckDB refuses a NULL there."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from conftest import run_dbt, synth

CONTRACTED = {
    "customer_rfm",
    "transaction_audit",
    "rejected_transaction_lines",
    "eda_column_profile",
    "eda_monthly_sales",
    "eda_country_sales",
    "segment_profiles",
    "segment_rfm_crosstab",
    "int_customer_purchases",
    "dbt_run",
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
    contracts = {
        node["name"]: node["columns"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["contract"]["enforced"]
    }
    return run, contracts


def test_the_sql_marts_have_enforced_contracts(built):
    _, contracts = built
    assert set(contracts) == CONTRACTED


def test_every_contracted_column_has_its_type_and_nullability(built):
    run, contracts = built
    for model, columns in contracts.items():
        found = run.query(
            "select column_name, data_type, is_nullable from information_schema.columns "
            f"where table_name = '{model}' order by ordinal_position"
        )
        assert found["column_name"].tolist() == list(columns), model
        for row in found.itertuples():
            column = columns[row.column_name]
            assert row.data_type == column["data_type"].upper(), (model, row.column_name)
            not_null = any(c["type"] == "not_null" for c in column["constraints"])
            assert (row.is_nullable == "NO") == not_null, (model, row.column_name)


def test_duckdb_refuses_a_null_in_a_not_null_column(built, tmp_path):
    run, _ = built
    copy = tmp_path / "copy.duckdb"
    shutil.copy(run.warehouse, copy)
    with (
        duckdb.connect(str(copy)) as con,
        pytest.raises(duckdb.ConstraintException, match=r"customer_rfm\.rfm_segment"),
    ):
        con.execute(
            "insert into customer_rfm "
            "select * replace (null as rfm_segment) from customer_rfm limit 1"
        )
