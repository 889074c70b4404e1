"""Load a transactions export into DuckDB as one text row per data line.

The loader is the only place that knows about file formats. Whatever comes in
(CSV, gzipped CSV, Parquet, Excel, or a glob of one of them; UCI Online Retail or
Online Retail II headers; UTF-8 or Latin-1), it produces the same relation:

=================  =========================================================
column             meaning
=================  =========================================================
source_file        the file the line came from, as given or as the glob found it
line_number        1-based line in that file; the header is line 1, so the first
                   data line is 2 (Excel: the sheet row; Parquet: row ordinal + 1)
invoice_no ...     the eight source columns under canonical snake_case names, as
                   text exactly as found (no trimming, no casting)
parse_error        NULL, or why the line could not be split into fields
raw_line           the line's text when ``parse_error`` is set, else NULL
=================  =========================================================

Nothing is dropped: a CSV line with the wrong number of fields or an unclosed
quote becomes a row with ``parse_error`` set, so the downstream row accounting
adds up to the number of data lines in the file. Casting (dates, numbers) is left
to the staging model, where a value that does not cast is visible as such.

A file that cannot be used at all (missing, empty, unreadable, a required column
absent) raises :class:`TransactionFileError` with a message naming the file and
the problem.
"""

from __future__ import annotations

import codecs
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
OUTPUT_COLUMNS: tuple[str, ...] = (
    "source_file",
    "line_number",
    *CANONICAL_COLUMNS,
    "parse_error",
    "raw_line",
)
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}

# Splitting a CSV line inside DuckDB: commas outside double quotes become this
# separator, then the line is split on it. A unit separator never occurs in
# retail text; if it ever does, the line fails the field-count check and is
# reported as malformed rather than mis-split silently.
_FIELD_SEPARATOR = "chr(31)"


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


def _csv_header(path: str, encoding: str) -> list[str]:
    text = _read_header_bytes(path).decode(encoding, errors="replace")
    text = text.lstrip("\ufeff").rstrip("\r\n")
    return [field.strip().strip('"') for field in text.split(",")]


def _csv_lines_sql(path: str, encoding: str) -> str:
    return (
        f"read_csv({_quote(path)}, columns = {{'line': 'VARCHAR'}}, header = false, "
        "delim = '\\0', quote = '', escape = '', auto_detect = false, "
        f"encoding = '{encoding}', strict_mode = false)"
    )


def _csv_relation_sql(path: str, encoding: str, header: HeaderMap) -> str:
    """SQL turning every physical line after the header into one row of text fields."""
    # Fast path: a line without quotes splits on commas. Otherwise commas outside
    # quotes (the odd segments when splitting on the quote character) become the
    # separator; an odd number of quotes means a quote was never closed.
    split = f"""
        case
            when line is null then null
            when not contains(line, '"') then string_split(line, ',')
            when (length(line) - length(replace(line, '"', ''))) % 2 = 1 then null
            else string_split(
                array_to_string(
                    list_transform(
                        string_split(line, '"'),
                        lambda segment, i: if(i % 2 = 1,
                            replace(segment, ',', {_FIELD_SEPARATOR}),
                            segment)
                    ),
                    '"'
                ),
                {_FIELD_SEPARATOR}
            )
        end"""

    def field(canonical: str) -> str:
        raw = f"fields[{header.positions[canonical]}]"
        unquoted = (
            f"case when length({raw}) >= 2 and starts_with({raw}, '\"') "
            f"and ends_with({raw}, '\"') "
            f"then replace({raw}[2:-2], '\"\"', '\"') else {raw} end"
        )
        return f"case when parse_error is null then {unquoted} end as {canonical}"

    columns = ",\n            ".join(field(c) for c in CANONICAL_COLUMNS)
    return f"""
        with lines as (
            select row_number() over () as line_number, line
            from {_csv_lines_sql(path, encoding)}
        ),
        split as (
            select line_number, line, {split} as fields
            from lines
            where line_number > 1
        ),
        checked as (
            select
                line_number,
                line,
                fields,
                case
                    when line is null then 'empty line'
                    when fields is null then 'unclosed quote'
                    when len(fields) <> {header.field_count}
                        then 'expected {header.field_count} fields, found ' || len(fields)
                end as parse_error
            from split
        )
        select
            {_quote(path)} as source_file,
            line_number,
            {columns},
            parse_error,
            case when parse_error is not null then coalesce(line, '') end as raw_line
        from checked
    """


def _detect_encoding(path: str) -> str:
    """UTF-8 if every byte of the file decodes as UTF-8, else Latin-1.

    Latin-1 decodes any byte sequence, so it is the fallback the widely shared
    CSV copy of the UCI file needs. The check streams the file in chunks; pure
    ASCII (most exports) takes CPython's fast path.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with _open_bytes(path) as handle:
            while chunk := handle.read(1 << 24):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    except (OSError, EOFError) as error:
        raise TransactionFileError(f"transactions file '{path}': unreadable ({error})") from error
    return "utf-8"


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
            {columns},
            cast(null as varchar) as parse_error,
            cast(null as varchar) as raw_line
        from read_parquet({_quote(path)}, file_row_number = true)
    """


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
    out["parse_error"] = None
    out["raw_line"] = None
    return out.astype({c: "string" for c in (*CANONICAL_COLUMNS, "parse_error", "raw_line")})


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


def load_transaction_lines(con: duckdb.DuckDBPyConnection, path: str) -> duckdb.DuckDBPyRelation:
    """Return a relation with one text row per data line of ``path`` (file or glob).

    Parameters
    ----------
    con:
        The DuckDB connection to build the relation on (in dbt, the Python
        model's ``session``).
    path:
        A ``.csv``, ``.csv.gz``, ``.parquet`` or ``.xlsx`` file, or a glob of
        files of one of those formats.

    Returns
    -------
    A relation with the columns in :data:`OUTPUT_COLUMNS`, all text except
    ``line_number`` (BIGINT).

    Raises
    ------
    TransactionFileError
        When the file is missing, empty, unreadable, has no data lines, or lacks
        a required column. The message names the file and the problem.
    """
    files = resolve_files(path)
    fmt = file_format(files[0])
    parts: list[str] = []
    for file in files:
        if fmt == "csv":
            encoding = _detect_encoding(file)
            header = map_header(file, _csv_header(file, encoding))
            parts.append(_csv_relation_sql(file, encoding, header))
        elif fmt == "parquet":
            parts.append(_parquet_relation_sql(con, file))
        else:
            frame = _excel_frame(file)
            name = f"_excel_lines_{len(parts)}"
            con.register(name, frame)
            parts.append(f"select * from {name}")
    relation = con.sql("\nunion all by name\n".join(f"({p})" for p in parts))
    relation = relation.select(", ".join(OUTPUT_COLUMNS))
    if not relation.limit(1).fetchall():
        raise TransactionFileError(f"transactions file '{path}': has a header but no data lines")
    return relation
