"""The loader: every format, header layout and encoding the contract accepts, and
the errors for files that cannot be used."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from segmentation.ingest import (
    CANONICAL_COLUMNS,
    COLUMN_ALIASES,
    OUTPUT_COLUMNS,
    TransactionFileError,
    load_transaction_lines,
    transaction_lines_query,
)
from segmentation.model_sql import macro_module, render_model

#: The macros the model that splits the loader's lines into fields uses, and its SQL.
SPLIT_MACROS = ["export_lines.sql"]
SPLIT_SQL = render_model(
    "raw/raw_transaction_lines.sql", {"raw_export_lines": "raw_export_lines"}, SPLIT_MACROS
)
SPLIT_COLUMNS = ["source_file", "line_number", *CANONICAL_COLUMNS, "parse_error", "raw_line"]

UCI_HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
II_HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country"
GOOD_LINES = [
    '536365,85123A,"WHITE HANGING HEART",6,12/1/2010 8:26,2.55,17850.0,United Kingdom',
    '536366,22633,"HAND WARMER, UNION JACK",6,2010-12-01 08:28:00,1.85,17850,United Kingdom',
    '536367,84879,"SAY ""HELLO"" MUG",32,12/1/2010 8:34,1.69,,France',
]


def load(path: Path | str) -> pd.DataFrame:
    """The export as dbt gives it on DuckDB: read by the loader (raw_export_lines), then
    split into fields by the model raw_transaction_lines."""
    con = duckdb.connect()
    lines = load_transaction_lines(con, str(path))
    assert lines.columns == list(OUTPUT_COLUMNS)
    lines.create_view("raw_export_lines")
    return con.sql(SPLIT_SQL).df()


def write_csv(path: Path, header: str, lines: list[str], encoding: str = "utf-8") -> Path:
    data = ("\n".join([header, *lines]) + "\n").encode(encoding)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data, mtime=0))
    else:
        path.write_bytes(data)
    return path


def test_a_csv_line_becomes_one_row_of_text_fields(tmp_path):
    rows = load(write_csv(tmp_path / "t.csv", UCI_HEADER, GOOD_LINES))
    assert list(rows.columns) == SPLIT_COLUMNS
    assert rows["line_number"].tolist() == [2, 3, 4]
    first = rows.iloc[0]
    assert first["invoice_no"] == "536365"
    assert first["invoice_date"] == "12/1/2010 8:26"
    assert first["customer_id"] == "17850.0"
    assert rows.iloc[1]["description"] == "HAND WARMER, UNION JACK"
    assert rows.iloc[2]["description"] == 'SAY "HELLO" MUG'
    assert rows.iloc[2]["customer_id"] == ""
    assert rows["parse_error"].isna().all()


def test_online_retail_ii_headers_map_to_the_same_columns(tmp_path):
    uci = load(write_csv(tmp_path / "a.csv", UCI_HEADER, GOOD_LINES))
    ii = load(write_csv(tmp_path / "b.csv", II_HEADER, GOOD_LINES))
    cols = ["invoice_no", "unit_price", "customer_id", "country"]
    assert ii[cols].equals(uci[cols])


def test_columns_are_found_by_name_not_position(tmp_path):
    header = (
        "Country,CustomerID,UnitPrice,InvoiceDate,Quantity,Description,StockCode,InvoiceNo,Extra"
    )
    rows = load(write_csv(tmp_path / "t.csv", header, ["UK,1,2.5,2011-01-01 10:00:00,3,d,S1,I1,x"]))
    assert rows.iloc[0][["invoice_no", "quantity", "customer_id", "country"]].tolist() == [
        "I1",
        "3",
        "1",
        "UK",
    ]


def test_latin1_text_is_decoded_not_mangled(tmp_path):
    lines = ["536365,1,CAFÉ CRÈME £5,6,2010-12-01 08:26:00,2.55,17850,España"]
    path = write_csv(tmp_path / "t.csv", UCI_HEADER, lines, encoding="latin-1")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    row = load(path).iloc[0]
    assert row["description"] == "CAFÉ CRÈME £5"
    assert row["country"] == "España"


def test_utf8_text_is_decoded_as_utf8(tmp_path):
    lines = ["536365,1,CAFÉ,6,2010-12-01 08:26:00,2.55,17850,España"]
    row = load(write_csv(tmp_path / "t.csv", UCI_HEADER, lines)).iloc[0]
    assert row["description"] == "CAFÉ"


def test_gzipped_csv_reads_like_plain_csv(tmp_path):
    plain = load(write_csv(tmp_path / "t.csv", UCI_HEADER, GOOD_LINES))
    gz = load(write_csv(tmp_path / "t.csv.gz", UCI_HEADER, GOOD_LINES))
    assert gz.drop(columns="source_file").equals(plain.drop(columns="source_file"))


def test_windows_line_endings_do_not_leak_into_values(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(("\r\n".join([UCI_HEADER, *GOOD_LINES]) + "\r\n").encode())
    rows = load(path)
    assert rows["country"].tolist() == ["United Kingdom", "United Kingdom", "France"]


def test_broken_lines_are_kept_with_a_parse_error_and_their_text(tmp_path):
    lines = [
        GOOD_LINES[0],
        '536366,22633,"UNCLOSED QUOTE,6,12/1/2010 8:28,1.85,17850,United Kingdom',
        "536366,22633,TOO,MANY,6,12/1/2010 8:28,1.85,17850,United Kingdom",
        "536366,22633,TOO FEW",
        "",
        GOOD_LINES[1],
    ]
    rows = load(write_csv(tmp_path / "t.csv", UCI_HEADER, lines)).set_index("line_number")
    assert len(rows) == len(lines)
    assert rows.loc[3, "parse_error"] == "unclosed quote"
    assert rows.loc[4, "parse_error"] == "expected 8 fields, found 9"
    assert rows.loc[5, "parse_error"] == "expected 8 fields, found 3"
    assert rows.loc[6, "parse_error"] == "empty line"
    assert rows.loc[4, "raw_line"] == lines[2]
    assert rows.loc[3, "invoice_no"] is None or pd.isna(rows.loc[3, "invoice_no"])
    assert rows.loc[[2, 7], "parse_error"].isna().all()


def test_parquet_values_arrive_as_text(tmp_path):
    frame = pd.DataFrame(
        {
            "Invoice": ["536365", "C536366"],
            "StockCode": ["85123A", "22633"],
            "Description": ["A", "B"],
            "Quantity": [6, -1],
            "InvoiceDate": pd.to_datetime(["2010-12-01 08:26:00", "2010-12-01 08:28:00"]),
            "Price": [2.55, 1.85],
            "Customer ID": [17850.0, None],
            "Country": ["United Kingdom", "France"],
        }
    )
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    rows = load(path)
    assert rows["line_number"].tolist() == [2, 3]
    assert rows["invoice_date"].tolist() == ["2010-12-01 08:26:00", "2010-12-01 08:28:00"]
    assert rows["customer_id"].iloc[0] == "17850.0"
    assert pd.isna(rows["customer_id"].iloc[1])
    assert rows["quantity"].tolist() == ["6", "-1"]


def test_excel_workbooks_are_read_through_pandas(tmp_path):
    frame = pd.DataFrame(
        {
            "InvoiceNo": [536365, "C536366"],
            "StockCode": ["85123A", 22633],
            "Description": ["CAFÉ", None],
            "Quantity": [6, -1],
            "InvoiceDate": pd.to_datetime(["2010-12-01 08:26:00", "2010-12-01 08:28:00"]),
            "UnitPrice": [2.55, 1.85],
            "CustomerID": [17850.0, None],
            "Country": ["United Kingdom", "France"],
        }
    )
    path = tmp_path / "t.xlsx"
    frame.to_excel(path, index=False)
    rows = load(path)
    assert rows["line_number"].tolist() == [2, 3]
    assert rows["invoice_no"].tolist() == ["536365", "C536366"]
    assert rows["invoice_date"].iloc[0] == "2010-12-01 08:26:00"
    assert rows["description"].iloc[0] == "CAFÉ"
    assert pd.isna(rows["customer_id"].iloc[1])


def test_every_sheet_of_a_workbook_is_read_like_online_retail_ii(tmp_path):
    def year(invoice: str, when: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "Invoice": [invoice],
                "StockCode": ["85123A"],
                "Description": ["A"],
                "Quantity": [6],
                "InvoiceDate": pd.to_datetime([when]),
                "Price": [2.55],
                "Customer ID": [17850.0],
                "Country": ["United Kingdom"],
            }
        )

    path = tmp_path / "online_retail_II.xlsx"
    with pd.ExcelWriter(path) as writer:
        year("489434", "2009-12-01 07:45:00").to_excel(
            writer, sheet_name="Year 2009-2010", index=False
        )
        year("536365", "2010-12-01 08:26:00").to_excel(
            writer, sheet_name="Year 2010-2011", index=False
        )
    rows = load(path)
    assert rows["invoice_no"].tolist() == ["489434", "536365"]
    assert rows["line_number"].tolist() == [2, 2]
    assert rows["source_file"].tolist() == [
        f"{path}[Year 2009-2010]",
        f"{path}[Year 2010-2011]",
    ]


def test_a_glob_reads_every_matching_file_with_its_own_line_numbers(tmp_path):
    write_csv(tmp_path / "2010-12.csv", UCI_HEADER, GOOD_LINES[:2])
    write_csv(tmp_path / "2011-01.csv", II_HEADER, GOOD_LINES[2:])
    rows = load(tmp_path / "*.csv")
    assert len(rows) == 3
    assert sorted(rows["line_number"].tolist()) == [2, 2, 3]
    assert rows["source_file"].nunique() == 2


def numbered_lines(count: int) -> list[str]:
    """Data lines whose InvoiceNo is the line's own number in the file (header = 1)."""
    return [f"{n},A,d,1,2011-01-01 10:00:00,1.0,1,UK" for n in range(2, count + 2)]


def test_line_numbers_follow_the_file_when_duckdb_reads_it_on_every_core(tmp_path):
    # large enough for many of DuckDB's read buffers and row groups
    lines = numbered_lines(400_000)
    lines[250_000] = "broken,line"
    rows = load(write_csv(tmp_path / "big.csv", UCI_HEADER, lines))
    good = rows[rows["parse_error"].isna()]
    assert len(rows) == 400_000
    assert (good["invoice_no"].astype(int) == good["line_number"]).all()
    assert rows.loc[rows["parse_error"].notna(), "line_number"].tolist() == [250_002]


def test_a_latin1_byte_late_in_the_file_reads_the_whole_file_as_latin1_once(tmp_path):
    lines = [
        *numbered_lines(300_000),
        "536365,85123A,CAF\xc9 MUG,6,12/1/2010 8:26,2.55,17850,France",
    ]
    rows = load(write_csv(tmp_path / "late.csv", UCI_HEADER, lines, encoding="latin-1"))
    assert len(rows) == 300_001
    assert rows["line_number"].is_unique
    assert rows["description"].iloc[-1] == "CAF\xc9 MUG"


def test_csv_lines_copied_to_a_named_table_back_a_query_that_outlives_the_load(tmp_path):
    database = tmp_path / "w.duckdb"
    csv = write_csv(tmp_path / "t.csv", UCI_HEADER, GOOD_LINES)
    with duckdb.connect(str(database)) as con:
        query = transaction_lines_query(con, str(csv), lines_table="main.csv_lines")
        con.execute(f"create view lines as {query}")
    with duckdb.connect(str(database)) as con:
        assert con.execute("select count(*) from lines").fetchall() == [(3,)]
        parquet = tmp_path / "t.parquet"
        con.execute(f"copy (select * from lines) to '{parquet}'")
        transaction_lines_query(con, str(parquet), lines_table="main.csv_lines")
        tables = con.execute("select table_name from duckdb_tables()").fetchall()
    assert ("csv_lines",) not in tables


# ---------------------------------------------------------------- unusable files


def error_for(path: Path | str) -> str:
    with pytest.raises(TransactionFileError) as caught:
        load(path)
    return str(caught.value)


def test_a_missing_file_is_named_in_the_error(tmp_path):
    message = error_for(tmp_path / "nope.csv")
    assert "nope.csv" in message and "no such file" in message


def test_a_glob_that_matches_nothing_says_so(tmp_path):
    message = error_for(tmp_path / "*.csv")
    assert "matches no file" in message


def test_an_empty_file_is_named_in_the_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    message = error_for(path)
    assert "empty.csv" in message and "empty" in message


def test_a_header_without_data_lines_is_rejected(tmp_path):
    message = error_for(write_csv(tmp_path / "h.csv", UCI_HEADER, []))
    assert "h.csv" in message and "no data lines" in message


def test_a_missing_required_column_is_named(tmp_path):
    header = UCI_HEADER.replace(",CustomerID", "")
    message = error_for(write_csv(tmp_path / "nocust.csv", header, ["1,2,3,4,5,6,7"]))
    assert "nocust.csv" in message
    assert "CustomerID" in message and "required column missing" in message


def test_a_parquet_file_missing_a_column_is_named(tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"InvoiceNo": ["1"], "StockCode": ["A"]}).to_parquet(path)
    message = error_for(path)
    assert "p.parquet" in message and "Quantity" in message and "UnitPrice or Price" in message


def test_a_corrupt_parquet_file_is_unreadable(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"this is not parquet at all")
    message = error_for(path)
    assert "bad.parquet" in message and "unreadable as Parquet" in message


def test_a_corrupt_gzip_file_is_unreadable(tmp_path):
    path = tmp_path / "bad.csv.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    message = error_for(path)
    assert "bad.csv.gz" in message and "unreadable" in message


def test_an_unsupported_extension_lists_the_allowed_ones(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("{}")
    message = error_for(path)
    assert "t.json" in message and ".parquet" in message and ".xlsx" in message


EUROPEAN_LINES = [
    '536365;85123A;"WHITE HANGING HEART";6;12/1/2010 8:26;2,55;17850,0;United Kingdom',
    "536366;22633;HAND WARMER, UNION JACK;6;2010-12-01 08:28:00;1,85;17850;United Kingdom",
    '536367;84879;"SAY ""HELLO""; MUG";32;12/1/2010 8:34;1.234,5;;France',
]


def test_a_semicolon_export_with_decimal_commas_reads_like_a_comma_one(tmp_path):
    rows = load(write_csv(tmp_path / "eu.csv", UCI_HEADER.replace(",", ";"), EUROPEAN_LINES))
    assert rows["parse_error"].isna().all()
    assert rows["unit_price"].tolist() == ["2.55", "1.85", "1234.5"]
    assert rows["customer_id"].tolist() == ["17850.0", "17850", ""]
    assert rows["quantity"].tolist() == ["6", "6", "32"]
    assert rows.iloc[1]["description"] == "HAND WARMER, UNION JACK"
    assert rows.iloc[2]["description"] == 'SAY "HELLO"; MUG'


def test_a_semicolon_line_with_the_wrong_field_count_is_malformed(tmp_path):
    rows = load(write_csv(tmp_path / "eu.csv", UCI_HEADER.replace(",", ";"), ["1;2;3"]))
    assert rows["parse_error"].tolist() == ["expected 8 fields, found 3"]
    assert rows["raw_line"].tolist() == ["1;2;3"]


def test_a_tab_separated_export_is_read_with_a_decimal_point(tmp_path):
    lines = [line.replace(",", "\t") for line in GOOD_LINES[:1]]
    rows = load(write_csv(tmp_path / "t.tsv.csv", UCI_HEADER.replace(",", "\t"), lines))
    assert rows.iloc[0]["unit_price"] == "2.55" and rows.iloc[0]["customer_id"] == "17850.0"


def test_a_header_that_no_delimiter_splits_into_the_columns_says_which_were_tried(tmp_path):
    header = UCI_HEADER.replace(",", "#")
    message = error_for(write_csv(tmp_path / "hash.csv", header, ["1#2#3#4#5#6#7#8"]))
    assert "hash.csv" in message and "required column missing" in message
    assert "no other delimiter (';', tab, '|') gave all eight columns either" in message


def test_the_spark_readers_know_the_same_header_names() -> None:
    """transaction_column_aliases (macros/export_lines.sql, used by the Spark target's
    readers and by raw_transaction_lines) gives COLUMN_ALIASES: one list of header names
    for both engines."""
    aliases = macro_module(SPLIT_MACROS)["transaction_column_aliases"]()
    assert isinstance(aliases, dict)
    assert {name: tuple(names) for name, names in aliases.items()} == COLUMN_ALIASES
