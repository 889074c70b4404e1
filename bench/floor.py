"""The floor: one bare DuckDB query computing RFM straight from the export file.

What the cheapest answer costs: one statement reads the file, keeps the lines the
contract keeps (customer present, not a cancellation, positive quantity and price, a
product stock code), drops exact copies (``select distinct`` over the eight source
columns) and groups by customer. No row accounting, no rejected lines, no tables in
between, no tests, no clustering, no publication: only RFM.

Two readers (``--reader``):

``native`` (the floor)
    DuckDB's own typed ``read_csv`` / ``read_parquet``; lines that do not parse or
    cast are skipped. Fast, but not the contract on CSV: after a line with an
    unclosed quote DuckDB's CSV reader reads on into the following lines (in strict
    mode it stops reading the file altogether), so some customers' lines are lost.
    A lower bound on cost, not a correct alternative.
``loader``
    The project's loader (``segmentation.ingest.load_transaction_lines``: one text row
    per physical line) and its split (the model ``raw_transaction_lines``) feeding the
    same single statement, with the staging model's casts. Gives the contract's answer;
    the gap between the two readers is what line-by-line parsing costs, the gap between
    ``loader`` and dbt is what the models in between, the tests and the publication
    cost.

Usage::

    python bench/floor.py --input FILE.csv|FILE.parquet --out RFM.parquet
        [--reader native|loader] [--non-product-codes seeds/non_product_stock_codes.csv]

DuckDB's resources come from the same environment variables the dbt profile reads:
``DUCKDB_THREADS``, ``DUCKDB_MEMORY_LIMIT`` and ``DUCKDB_TEMP_DIRECTORY``. Prints one
JSON line: ``{"customers": ..., "query_seconds": ...}``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CODES = PROJECT_ROOT / "seeds" / "non_product_stock_codes.csv"

#: The UCI Online Retail layout, typed as the contract reads it.
CSV_COLUMNS = {
    "InvoiceNo": "VARCHAR",
    "StockCode": "VARCHAR",
    "Description": "VARCHAR",
    "Quantity": "BIGINT",
    "InvoiceDate": "TIMESTAMP",
    "UnitPrice": "DECIMAL(18, 6)",
    "CustomerID": "DOUBLE",
    "Country": "VARCHAR",
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def non_product_codes(path: Path) -> list[str]:
    """The stock codes of the seed ``non_product_stock_codes`` (first column)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return [row[0] for row in rows[1:] if row]


def source_sql(path: str) -> str:
    """A typed read of the export; for CSV, lines that do not parse or cast are skipped."""
    if path.endswith(".parquet"):
        return (
            "(select InvoiceNo, StockCode, Description, Quantity, InvoiceDate, "
            "cast(UnitPrice as decimal(18, 6)) as UnitPrice, CustomerID, Country "
            f"from read_parquet({_literal(path)}))"
        )
    columns = ", ".join(f"{_literal(name)}: {_literal(kind)}" for name, kind in CSV_COLUMNS.items())
    return (
        f"read_csv({_literal(path)}, header = true, auto_detect = false, "
        f"columns = {{{columns}}}, ignore_errors = true, strict_mode = false, "
        "timestampformat = '%Y-%m-%d %H:%M:%S')"
    )


#: The loader's text columns cast as the staging model does (whole numbers, decimals,
#: ISO or UCI dates; a CustomerID is missing when empty or an NA spelling).
LOADER_TYPED = """
    select
        invoice_no as InvoiceNo,
        stock_code as StockCode,
        description as Description,
        case when try_cast(quantity as double) = floor(try_cast(quantity as double))
            then try_cast(try_cast(quantity as double) as bigint) end as Quantity,
        coalesce(
            try_strptime(trim(invoice_date), ['%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S',
                '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%m/%d/%Y']),
            try_cast(trim(invoice_date) as timestamp)) as InvoiceDate,
        try_cast(trim(unit_price) as decimal(18, 6)) as UnitPrice,
        case when lower(trim(customer_id)) not in ('', 'nan', 'null', 'none', 'n/a')
            and try_cast(customer_id as double) = floor(try_cast(customer_id as double))
            then try_cast(customer_id as double) end as CustomerID,
        country as Country
    from transaction_lines
    where parse_error is null
"""


def rfm_sql(source: str, codes: list[str]) -> str:
    """RFM per customer (recency_days, frequency, monetary) by the contract's definitions.

    ``source`` is a relation with the UCI column names, typed.
    """
    code_list = ", ".join(_literal(code) for code in codes)
    return f"""
        with kept as (
            select distinct *
            from {source}
            where CustomerID is not null
              and InvoiceDate is not null
              and not coalesce(starts_with(InvoiceNo, 'C'), false)
              and Quantity > 0
              and UnitPrice > 0
              and coalesce(StockCode not in ({code_list}), true)
        ),
        snapshot as (
            select cast(max(InvoiceDate) as date) + 1 as snapshot_date from kept
        )
        select
            cast(CustomerID as bigint) as customer_id,
            any_value(snapshot_date) - cast(max(InvoiceDate) as date) as recency_days,
            count(distinct InvoiceNo) as frequency,
            cast(round(sum(Quantity * UnitPrice), 2) as decimal(18, 2)) as monetary
        from kept
        cross join snapshot
        group by CustomerID
    """


def configure(con: duckdb.DuckDBPyConnection) -> None:
    """Apply DUCKDB_THREADS / DUCKDB_MEMORY_LIMIT / DUCKDB_TEMP_DIRECTORY, as the profile does."""
    settings = {
        "threads": os.environ.get("DUCKDB_THREADS"),
        "memory_limit": os.environ.get("DUCKDB_MEMORY_LIMIT"),
        "temp_directory": os.environ.get("DUCKDB_TEMP_DIRECTORY"),
    }
    for name, value in settings.items():
        if value:
            con.execute(f"set {name} = {_literal(value)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="the export: .csv or .parquet")
    parser.add_argument("--out", required=True, help="RFM per customer, written as Parquet")
    parser.add_argument("--reader", choices=("native", "loader"), default="native")
    parser.add_argument("--non-product-codes", default=str(DEFAULT_CODES))
    args = parser.parse_args(argv)

    began = time.perf_counter()
    con = duckdb.connect()
    configure(con)
    if args.reader == "native":
        source = source_sql(args.input)
    else:
        sys.path.insert(0, str(PROJECT_ROOT / "python"))
        from segmentation.ingest import load_transaction_lines
        from segmentation.model_sql import render_model

        load_transaction_lines(con, args.input).create_view("raw_export_lines")
        split = render_model(
            "raw/raw_transaction_lines.sql",
            {"raw_export_lines": "raw_export_lines"},
            ["export_lines.sql"],
        )
        con.sql(split).create_view("transaction_lines")
        source = f"({LOADER_TYPED})"
    sql = rfm_sql(source, non_product_codes(Path(args.non_product_codes)))
    con.execute(f"copy ({sql}) to {_literal(args.out)} (format parquet)")
    customers = con.execute(f"select count(*) from read_parquet({_literal(args.out)})").fetchall()
    print(
        json.dumps(
            {"customers": customers[0][0], "query_seconds": round(time.perf_counter() - began, 3)}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
