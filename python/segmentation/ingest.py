"""Read a transactions export into DuckDB: its data lines, and how each file is laid out.

The loader is the only place that knows about file formats. Whatever comes in
(CSV, gzipped CSV, Parquet, Excel, or a glob of one of them; UCI Online Retail or
Online Retail II headers; UTF-8 or Latin-1), it produces the same relation, which the
model ``raw_export_lines`` is:

==================  =========================================================
column              meaning
==================  =========================================================
source_file         the file the line came from, as given or as the glob found it
line_number         1-based line in that file; the header is line 1, so the first
                    data line is 2 (Excel: the sheet row; Parquet: row ordinal + 1)
line                a CSV line's text as read (NULL for an empty line, and for
                    Parquet and Excel rows)
field_delimiter     a CSV file's field delimiter, found from its header; NULL for
                    Parquet and Excel rows
field_count         the number of fields in a CSV file's header
<column>_position   where each of the eight source columns sits in a CSV file's
                    header (1-based), e.g. ``invoice_no_position``
invoice_no ...      a Parquet or Excel row's eight source columns under canonical
                    snake_case names, as text exactly as found (NULL for CSV lines)
==================  =========================================================

Nothing is dropped: every data line of a CSV file is a row, blank or not. The model
``raw_transaction_lines`` (models/raw/raw_transaction_lines.sql) splits the lines into
fields with the ``split_csv_line`` macro and decides which lines cannot be split; the
staging model casts the values. The Spark target's readers (models/raw/spark/) give the
same relation.

A CSV file's physical lines are copied by DuckDB, not by Python, into a one-column
table (their rowids are the line numbers), so DuckDB does all per-line work on every
core.

A file that cannot be used at all (missing, empty, unreadable, a required column
absent) raises :class:`TransactionFileError` with a message naming the file and
the problem.
"""

from __future__ import annotations

import glob
import gzip
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

#: Canonical column name -> header names accepted for it (compared after
#: lower-casing and removing spaces and underscores).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "invoice_no": ("InvoiceNo", "Invoice"),
    "stock_code": ("StockCode",),
    "description": ("Description",),
    "quantity": ("Quantity",),
    "invoice_date": ("InvoiceDate",),
    "unit_price": ("UnitPrice", "Price"),
    "customer_id": ("CustomerID", "Customer ID"),
    "country": ("Country",),
}
CANONICAL_COLUMNS: tuple[str, ...] = tuple(COLUMN_ALIASES)
#: Where each source column sits in a CSV file's header, one column per source column.
POSITION_COLUMNS: tuple[str, ...] = tuple(f"{c}_position" for c in CANONICAL_COLUMNS)
#: A CSV line's text and its file's layout: NULL for a row read by column name.
LAYOUT_COLUMNS: tuple[str, ...] = ("line", "field_delimiter", "field_count", *POSITION_COLUMNS)
OUTPUT_COLUMNS: tuple[str, ...] = (
    "source_file",
    "line_number",
    *LAYOUT_COLUMNS,
    *CANONICAL_COLUMNS,
)
#: The SQL type of each column of :data:`OUTPUT_COLUMNS` that is not text.
_INTEGER_COLUMNS: dict[str, str] = {
    "line_number": "bigint",
    "field_count": "integer",
    **dict.fromkeys(POSITION_COLUMNS, "integer"),
}
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}

#: Where :func:`transaction_lines_query` copies CSV lines when not told otherwise.
TEMPORARY_LINES_TABLE = "temp.main.transaction_csv_lines"


class TransactionFileError(ValueError):
    """The transactions file cannot be used as a whole."""


@dataclass(frozen=True)
class HeaderMap:
    """Where each canonical column sits in one file's header."""

    positions: dict[str, int]  # canonical name -> 1-based field position
    field_count: int


def _normalise(name: str) -> str:
    return re.sub(r"[\s_]+", "", name.strip().lstrip("\ufeff")).lower()


_ALIAS_LOOKUP: dict[str, str] = {
    _normalise(alias): canonical
    for canonical, aliases in COLUMN_ALIASES.items()
    for alias in aliases
}


def file_format(path: str) -> str:
    """Return ``csv``, ``parquet`` or ``xlsx`` for a path, from its extension."""
    lowered = path.lower()
    for suffix, fmt in sorted(FORMATS.items(), key=lambda item: -len(item[0])):
        if lowered.endswith(suffix):
            return fmt
    allowed = ", ".join(FORMATS)
    raise TransactionFileError(
        f"transactions file '{path}': unsupported file type; allowed: {allowed} "
        "(or a glob of one of them)"
    )


def resolve_files(path: str) -> list[str]:
    """Expand ``path`` (a file or a glob) to a sorted list of files of one format."""
    if not path or not path.strip():
        raise TransactionFileError(
            "var 'transactions_path' is empty; give a file or glob, e.g. "
            "--vars '{transactions_path: data/online_retail.csv}'"
        )
    if glob.has_magic(path):
        files = sorted(f for f in glob.glob(path, recursive=True) if os.path.isfile(f))
        if not files:
            raise TransactionFileError(f"transactions file '{path}': the glob matches no file")
    else:
        if not os.path.exists(path):
            raise TransactionFileError(f"transactions file '{path}': no such file")
        if not os.path.isfile(path):
            raise TransactionFileError(f"transactions file '{path}': is a directory, not a file")
        files = [path]
    formats = {file_format(f) for f in files}
    if len(formats) > 1:
        raise TransactionFileError(
            f"transactions file '{path}': the glob mixes formats ({', '.join(sorted(formats))}); "
            "point it at files of one format"
        )
    for f in files:
        if not os.access(f, os.R_OK):
            raise TransactionFileError(f"transactions file '{f}': not readable (permission denied)")
        if os.path.getsize(f) == 0:
            raise TransactionFileError(f"transactions file '{f}': is empty (0 bytes)")
    return files


#: Columns of :func:`source_files`.
SOURCE_FILE_COLUMNS: tuple[str, ...] = (
    "source_file",
    "path_order",
    "file_format",
    "file_size",
    "file_modified_ns",
)


def source_files(path: str) -> list[tuple[str, int, str, int, int]]:
    """Every file ``path`` (a file or a glob) matches, in path order, with its fingerprint.

    The fingerprint of a file is its size and modification time (nanoseconds), read with
    one ``stat`` call: a file that is rewritten gets a new one, and finding out costs
    nothing per line. A content hash would read every file on every build, which is the
    work a daily load must not repeat. (A file touched without being changed looks
    changed: the safe side.)

    Returns
    -------
    list of tuple
        One per file, :data:`SOURCE_FILE_COLUMNS`: the path as given or as the glob
        found it, its 1-based position in path order, its format (csv, parquet, xlsx),
        size in bytes, and modification time in nanoseconds since the epoch.

    Raises
    ------
    TransactionFileError
        As :func:`resolve_files`.
    """
    rows = []
    for order, file in enumerate(resolve_files(path), start=1):
        stat = os.stat(file)
        rows.append((file, order, file_format(file), stat.st_size, stat.st_mtime_ns))
    return rows


def source_files_query(path: str) -> str:
    """:func:`source_files` as a query that stands on its own (literal values)."""
    rows = source_files(path)
    values = ", ".join(
        f"({_quote(file)}, {order}, {_quote(fmt)}, {size}, {modified})"
        for file, order, fmt, size, modified in rows
    )
    columns = ", ".join(SOURCE_FILE_COLUMNS)
    return (
        f"select cast(source_file as varchar) as source_file, cast(path_order as bigint) as "
        f"path_order, cast(file_format as varchar) as file_format, cast(file_size as bigint) "
        f"as file_size, cast(file_modified_ns as bigint) as file_modified_ns "
        f"from (values {values}) as files ({columns})"
    )


def map_header(path: str, header: Sequence[str]) -> HeaderMap:
    """Locate the eight source columns in a header, or say which are missing."""
    positions: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        canonical = _ALIAS_LOOKUP.get(_normalise(str(name)))
        if canonical is not None and canonical not in positions:
            positions[canonical] = position
    missing = [c for c in CANONICAL_COLUMNS if c not in positions]
    if missing:
        wanted = "; ".join(" or ".join(COLUMN_ALIASES[c]) for c in missing)
        found = ", ".join(str(h) for h in header) or "(nothing)"
        raise TransactionFileError(
            f"transactions file '{path}': required column missing: {wanted}. "
            f"Found columns: {found}. Expected the UCI Online Retail header "
            "(InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, "
            "CustomerID, Country) or the Online Retail II header (Invoice, StockCode, "
            "Description, Quantity, InvoiceDate, Price, Customer ID, Country)"
        )
    return HeaderMap(positions=positions, field_count=len(header))


# --------------------------------------------------------------------------- CSV


def _open_bytes(path: str):
    return gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")


def _read_header_bytes(path: str) -> bytes:
    try:
        with _open_bytes(path) as handle:
            first = handle.readline(1 << 20)
    except (OSError, EOFError) as error:
        raise TransactionFileError(f"transactions file '{path}': unreadable ({error})") from error
    if not first.strip():
        raise TransactionFileError(f"transactions file '{path}': is empty (no header line)")
    return first


#: The field delimiters a CSV header is tried with, in order: the comma, then the
#: semicolon Excel writes where the comma is the decimal mark, then tab and pipe.
CSV_DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")


@dataclass(frozen=True)
class CsvLayout:
    """How one CSV export is written: its header's map and its field delimiter."""

    header: HeaderMap
    delimiter: str


def _header_text(path: str) -> str:
    """The header line: UTF-8 if it decodes as UTF-8, else Latin-1 (which decodes any
    byte; the file's own encoding is found when it is read).
    """
    first = _read_header_bytes(path)
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        text = first.decode("latin-1")
    return text.lstrip("\ufeff").rstrip("\r\n")


def _csv_fields(text: str, delimiter: str) -> list[str]:
    return [field.strip().strip('"') for field in text.split(delimiter)]


def csv_layout(path: str) -> CsvLayout:
    """The delimiter (the first of :data:`CSV_DELIMITERS` whose fields name all eight
    columns) and the header map of a CSV export; the comma's error when none does.
    """
    text = _header_text(path)
    for delimiter in CSV_DELIMITERS:
        try:
            return CsvLayout(map_header(path, _csv_fields(text, delimiter)), delimiter)
        except TransactionFileError:
            continue
    try:
        map_header(path, _csv_fields(text, ","))
    except TransactionFileError as error:
        raise TransactionFileError(
            f"{error}. The header was split on ',' and no other delimiter "
            "(';', tab, '|') gave all eight columns either"
        ) from None
    raise AssertionError("unreachable: the comma header mapped")  # pragma: no cover


def _char_sql(character: str) -> str:
    """A one-character SQL string (tab as ``chr(9)``: DuckDB strings have no escapes)."""
    return f"chr({ord(character)})" if not character.isprintable() else _quote(character)


def _csv_lines_sql(path: str, encoding: str) -> str:
    return (
        f"read_csv({_quote(os.path.abspath(path))}, columns = {{'line': 'VARCHAR'}}, "
        "header = false, "
        "delim = '\\0', quote = '', escape = '', auto_detect = false, "
        f"encoding = '{encoding}', strict_mode = false)"
    )


def _store_lines(con: duckdb.DuckDBPyConnection, table: str, path: str) -> tuple[int, int]:
    """Append the file's physical lines to ``table``; return the rowids of its first and
    last line.

    A table's rowids follow insertion order, and DuckDB keeps the file's order while
    it reads and inserts in parallel (``preserve_insertion_order``, on by default), so
    rowid minus the first rowid is the line's position in the file.

    The file is read as UTF-8; DuckDB refuses a byte sequence that is not UTF-8 (and
    the failed insert leaves the table as it was), and then the file is read as
    Latin-1, which decodes any byte: the widely shared CSV copy of the UCI file needs it.
    """

    def count() -> int:
        return int(con.execute(f"select count(*) from {table}").fetchall()[0][0])

    first = count()
    # Lines are nearly all distinct, so DuckDB's default string compression (a
    # dictionary plus FSST) gains little and is the slowest part of the copy; zstd
    # writes them about 1.5 times faster and smaller.
    previous = con.execute("select current_setting('force_compression')").fetchall()[0][0]
    con.execute("set force_compression = 'zstd'")
    try:
        try:
            con.execute(f"insert into {table} select line from {_csv_lines_sql(path, 'utf-8')}")
        except duckdb.InvalidInputException as error:
            if "unicode" not in str(error).lower():
                raise
            con.execute(f"insert into {table} select line from {_csv_lines_sql(path, 'latin-1')}")
    except duckdb.Error as error:
        raise TransactionFileError(
            f"transactions file '{path}': unreadable ({_first_line(error)})"
        ) from error
    finally:
        con.execute(f"set force_compression = {_quote(str(previous))}")
    return first, count() - 1


def _prepare_lines_table(
    con: duckdb.DuckDBPyConnection, table: str, fmt: str, *, temporary: bool
) -> None:
    """An empty ``table`` (a temporary one if ``temporary``) for a CSV export's lines;
    no table for other formats (so a warehouse that once read a CSV does not keep its
    lines after reading Parquet).
    """
    if fmt != "csv":
        con.execute(f"drop table if exists {table}")
        return
    setting = "select current_setting('preserve_insertion_order')"
    if not con.execute(setting).fetchall()[0][0]:
        raise TransactionFileError(
            "DuckDB setting preserve_insertion_order is false; the CSV loader numbers "
            "lines by their order in the file and needs it true (remove it from the "
            "profile's settings)"
        )
    kind = "temp table" if temporary else "table"
    con.execute(f"create or replace {kind} {table} (line varchar)")


def _csv_relation_sql(path: str, layout: CsvLayout, table: str, rowids: tuple[int, int]) -> str:
    """SQL giving every physical line after the header of the file whose lines
    :func:`_store_lines` put in ``table`` (at ``rowids``), with the file's layout.
    """
    first, last = rowids
    header = layout.header
    positions = ",\n            ".join(
        f"{header.positions[c]} as {c}_position" for c in CANONICAL_COLUMNS
    )
    return f"""
        select
            {_quote(path)} as source_file,
            rowid - {first} + 1 as line_number,
            line,
            {_char_sql(layout.delimiter)} as field_delimiter,
            {header.field_count} as field_count,
            {positions},
            {_null_columns_sql(CANONICAL_COLUMNS)}
        from {table}
        where rowid between {first + 1} and {last}
    """


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# ----------------------------------------------------------------------- Parquet


def _parquet_relation_sql(con: duckdb.DuckDBPyConnection, path: str) -> str:
    try:
        names = [
            row[0]
            for row in con.sql(
                f"select name from parquet_schema({_quote(path)}) where num_children is null"
            ).fetchall()
        ]
    except duckdb.Error as error:
        raise TransactionFileError(
            f"transactions file '{path}': unreadable as Parquet ({_first_line(error)})"
        ) from error
    header = map_header(path, names)
    by_position = {position: name for position, name in enumerate(names, start=1)}

    def field(canonical: str) -> str:
        source = by_position[header.positions[canonical]]
        return f"cast({_quote_identifier(source)} as varchar) as {canonical}"

    columns = ",\n            ".join(field(c) for c in CANONICAL_COLUMNS)
    return f"""
        select
            {_quote(path)} as source_file,
            file_row_number + 2 as line_number,
            {_null_columns_sql(LAYOUT_COLUMNS)},
            {columns}
        from read_parquet({_quote(os.path.abspath(path))}, file_row_number = true)
    """


def _null_columns_sql(columns: Sequence[str]) -> str:
    """``columns`` of :data:`OUTPUT_COLUMNS` as NULLs of their type (a CSV line has no
    values by column name; a Parquet row has no layout).
    """
    return ", ".join(f"cast(null as {_INTEGER_COLUMNS.get(c, 'varchar')}) as {c}" for c in columns)


# ------------------------------------------------------------------------- Excel


def _excel_frame(path: str):
    """Read every sheet through pandas (DuckDB's excel extension is not available).

    The UCI Online Retail II workbook keeps one year per sheet, so every sheet with
    data lines is read; ``source_file`` names the sheet (``file.xlsx[Year 2010-2011]``)
    when the workbook has more than one. Each sheet needs the full header.
    """
    import pandas as pd

    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise TransactionFileError(
            f"transactions file '{path}': unreadable as Excel ({_first_line(error)})"
        ) from error
    parts = []
    for sheet, frame in sheets.items():
        if frame.empty and len(sheets) > 1:
            continue
        source = path if len(sheets) == 1 else f"{path}[{sheet}]"
        header = map_header(source, [str(c) for c in frame.columns])
        columns = list(frame.columns)
        part = pd.DataFrame(
            {
                "source_file": source,
                "line_number": pd.RangeIndex(2, len(frame) + 2, dtype="int64"),
            }
        )
        for canonical in CANONICAL_COLUMNS:
            values = frame[columns[header.positions[canonical] - 1]]
            part[canonical] = [_excel_text(v) for v in values]
        parts.append(part)
    if not parts:
        raise TransactionFileError(f"transactions file '{path}': no sheet has data lines")
    out = pd.concat(parts, ignore_index=True)
    for column in LAYOUT_COLUMNS:
        out[column] = None
    types = {c: "Int32" if c in _INTEGER_COLUMNS else "string" for c in LAYOUT_COLUMNS}
    types.update(dict.fromkeys(CANONICAL_COLUMNS, "string"))
    return out.astype(types)[list(OUTPUT_COLUMNS)]


def _excel_text(value: object) -> str | None:
    """A cell as the text a CSV export would hold (ISO timestamps, plain numbers)."""
    import datetime as dt
    import math

    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if value.__class__.__name__ == "NaTType":
        return None
    return str(value)


# --------------------------------------------------------------------- Top level


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote_identifier(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def empty_lines_query() -> str:
    """A query with the columns of :data:`OUTPUT_COLUMNS` and no row (a build that loads
    no new file).
    """
    return f"select {_null_columns_sql(OUTPUT_COLUMNS)} where false"


def transaction_lines_query(
    con: duckdb.DuckDBPyConnection,
    path: str,
    *,
    lines_table: str | None = None,
    files: Sequence[str] | None = None,
) -> str:
    """Return SQL selecting one row per data line of ``path`` (file or glob): a CSV
    line's text and its file's layout, or a Parquet or Excel row's values.

    A CSV file's physical lines are first copied into ``lines_table`` (one text column,
    replaced if it exists; rowids number the lines), and the query reads them from
    there: one fast parallel pass, after which DuckDB splits (the model
    raw_transaction_lines) and casts on every core (numbering lines while reading the
    file would keep everything after it on one thread). Parquet files are read in place,
    by absolute path. Either way the SQL stands on its own and can back a view (the
    files a glob matched are fixed when this runs), unless ``lines_table`` is None: then
    the lines go to a temporary table, which lives as long as ``con``. Excel workbooks
    are read through pandas and registered on ``con``; their SQL is valid only on
    ``con`` (see :func:`reads_files_directly`).

    Parameters
    ----------
    con:
        The DuckDB connection the checks run on (in dbt, the Python model's ``session``).
    path:
        A ``.csv``, ``.csv.gz``, ``.parquet`` or ``.xlsx`` file, or a glob of
        files of one of those formats.
    lines_table:
        Where to copy CSV lines to: a table name, schema-qualified if need be; dropped
        for other formats. None: the temporary table ``transaction_csv_lines``.
    files:
        The files of ``path`` to read (a daily load reads only the new ones), in path
        order; None: every file ``path`` matches. An empty list gives
        :func:`empty_lines_query`.

    Returns
    -------
    A query with the columns in :data:`OUTPUT_COLUMNS`, all text except
    ``line_number`` (BIGINT), ``field_count`` and the positions (INTEGER).

    Raises
    ------
    TransactionFileError
        When the file is missing, empty, unreadable, has no data lines, or lacks
        a required column. The message names the file and the problem.
    """
    everything = files is None
    files = resolve_files(path) if files is None else list(files)
    temporary = lines_table is None
    if not files:
        if lines_table is not None:
            con.execute(f"drop table if exists {lines_table}")
        return empty_lines_query()
    fmt = file_format(files[0])
    parts: list[str] = []
    lines_table = TEMPORARY_LINES_TABLE if lines_table is None else lines_table
    _prepare_lines_table(con, lines_table, fmt, temporary=temporary)
    for file in files:
        if fmt == "csv":
            layout = csv_layout(file)
            rowids = _store_lines(con, lines_table, file)
            parts.append(_csv_relation_sql(file, layout, lines_table, rowids))
        elif fmt == "parquet":
            parts.append(_parquet_relation_sql(con, file))
        else:
            frame = _excel_frame(file)
            name = f"_excel_lines_{len(parts)}"
            con.register(name, frame)
            parts.append(f"select * from {name}")
    union = "\nunion all by name\n".join(f"({p})" for p in parts)
    query = f"select {', '.join(OUTPUT_COLUMNS)}\nfrom (\n{union}\n)"
    if not con.sql(query).limit(1).fetchall():
        which = path if everything else ", ".join(files)
        raise TransactionFileError(f"transactions file '{which}': has a header but no data lines")
    return query


def reads_files_directly(path: str) -> bool:
    """True when :func:`transaction_lines_query` for ``path`` reads the file(s) itself
    (CSV, Parquet), false when it reads frames registered on the connection (Excel).
    """
    return file_format(path) != "xlsx"


def load_transaction_lines(con: duckdb.DuckDBPyConnection, path: str) -> duckdb.DuckDBPyRelation:
    """Return :func:`transaction_lines_query` for ``path`` as a relation on ``con``."""
    return con.sql(transaction_lines_query(con, path))
