"""segmentation.model_sql renders the project's Jinja as dbt does on DuckDB."""

from __future__ import annotations

import pytest

from segmentation.model_sql import macro_module, render_model


def test_a_value_a_macro_returns_reaches_the_macro_that_called_it() -> None:
    # spark_header_position indexes the dict transaction_column_aliases() returns
    macros = macro_module(["export_lines.sql", "spark_readers.sql"])
    assert macros["spark_header_position"]("names", "invoice_no") == (
        "cast(least(nullif(array_position(names, 'invoiceno'), 0), "
        "nullif(array_position(names, 'invoice'), 0)) as int)"
    )
    assert macros["decimal_comma_columns"]() == ["quantity", "unit_price", "customer_id"]


def test_dispatch_gives_the_duckdb_implementation() -> None:
    macros = macro_module(["export_lines.sql"])
    assert macros["list_size"]("xs").strip() == "len(xs)"
    assert macros["list_item"]("xs", "2").strip() == "xs[2]"


def test_a_model_reads_the_relations_it_is_given() -> None:
    sql = render_model(
        "raw/raw_transaction_lines.sql", {"raw_export_lines": "my_lines"}, ["export_lines.sql"]
    )
    assert "from my_lines" in sql and "{{" not in sql
    with pytest.raises(KeyError):
        render_model("raw/raw_transaction_lines.sql", {}, ["export_lines.sql"])


def test_a_macro_without_a_duckdb_implementation_is_named() -> None:
    macros = macro_module(["export_lines.sql"])
    del macros["default__list_size"]
    with pytest.raises(KeyError, match="default__list_size"):
        macros["list_size"]("xs")
