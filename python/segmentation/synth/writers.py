"""Write generated lines as export files: CSV (plain or gzip), Parquet, Excel, and one
file per ISO week.
"""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .spec import (
    BAD_VALUE_KINDS,
    DATE_STYLES,
    ENCODINGS,
    ID_MESS_KINDS,
    KINDS,
    LAYOUTS,
    STRUCTURAL_KINDS,
    XLSX_MAX_LINES,
    _check_choice,
    output_format,
)

# --------------------------------------------------------------------------- writing


def _kinds(frame: pd.DataFrame) -> np.ndarray:
    """The line kind of every row as an index into KINDS (all clean without ``mess``)."""
    if "mess" not in frame:
        return np.zeros(len(frame), np.int8)
    mess = frame["mess"]
    if isinstance(mess.dtype, pd.CategoricalDtype) and tuple(mess.cat.categories) == KINDS:
        return mess.cat.codes.to_numpy()
    codes = pd.Categorical(mess.astype(str), categories=KINDS).codes
    if (codes < 0).any():
        raise ValueError(f"mess values must be among {', '.join(KINDS)}")
    return codes


def _text(series: pd.Series, transform=None) -> pa.Array:
    """A column as an Arrow string array ('' for missing), transformed per distinct value."""

    def apply(values: pa.Array) -> pa.Array:
        values = pc.fill_null(values.cast(pa.string()), "")
        return transform(values) if transform else values

    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        categories = apply(pa.array(series.cat.categories.astype(str).to_numpy(object)))
        categories = pa.concat_arrays([categories, pa.array([""])])  # code -1: missing
        return pc.take(categories, pa.array(np.where(codes < 0, len(categories) - 1, codes)))
    values = pa.array(series.astype("str"), from_pandas=True)
    return apply(values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values)


def _csv_quote(values: pa.Array) -> pa.Array:
    """Quote the values that need it (comma, double quote, line break), doubling quotes."""
    needs = pc.match_substring_regex(values, '[,"\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, values)


def _strip_quotes(values: pa.Array) -> pa.Array:
    return pc.replace_substring(values, '"', "")


def _by_value(values: np.ndarray, formatter) -> pa.Array:
    """``formatter`` applied once per distinct value, spread back to every row.

    Dates, prices and ids repeat a lot (one date per invoice, one price per product),
    so formatting the distinct values only is several times faster.
    """
    codes, uniques = pd.factorize(values)
    return pc.take(formatter(np.asarray(uniques)), pa.array(codes))


def _cents_text(cents: np.ndarray, decimal: str = ".") -> pa.Array:
    """Amounts in cents as text with two decimals (``2.55``, ``0.00``, ``-11062.06``)."""
    absolute = np.abs(cents)
    whole = pc.binary_join_element_wise(
        pa.array(np.where(cents < 0, "-", "")).cast(pa.string()),
        pc.cast(pa.array(absolute // 100), pa.string()),
        "",
    )
    hundredths = pc.utf8_lpad(pc.cast(pa.array(absolute % 100), pa.string()), 2, "0")
    return pc.binary_join_element_wise(whole, hundredths, decimal)


def _number(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, np.int64)), pa.string())


def _date_text(seconds: np.ndarray, date_style: str) -> pa.Array:
    """Seconds since the epoch as ISO ``2010-12-01 08:26:00`` or UCI ``12/1/2010 8:26``."""
    if date_style == "iso":
        return pc.strftime(pa.array(seconds.astype("datetime64[s]")), format="%Y-%m-%d %H:%M:%S")
    if date_style == "dotted":  # a date the contract does not accept
        return pc.strftime(pa.array(seconds.astype("datetime64[s]")), format="%d.%m.%Y %H:%M")
    moment = pd.DatetimeIndex(seconds.astype("datetime64[s]"))
    return pc.binary_join_element_wise(
        _number(moment.month),
        "/",
        _number(moment.day),
        "/",
        _number(moment.year),
        " ",
        _number(moment.hour),
        ":",
        pc.utf8_lpad(_number(moment.minute), 2, "0"),
        "",
    )


def _id_text(keys: np.ndarray) -> pa.Array:
    """Keys ``2 * id + written_as_float`` (-1: missing) as ``17850``, ``17850.0`` or ''."""
    text = pc.binary_join_element_wise(
        _number(keys // 2), pa.array(np.where(keys % 2 == 1, ".0", "")).cast(pa.string()), ""
    )
    return pc.if_else(pa.array(keys < 0), "", text)


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _csv_fields(frame: pd.DataFrame, date_style: str) -> list[pa.Array]:
    """The eight fields of every row as CSV text, quoted where needed."""
    seconds = pd.DatetimeIndex(frame["invoice_date"]).as_unit("s").asi8
    cents = np.round(frame["unit_price"].to_numpy(np.float64) * 100).astype(np.int64)
    ids = frame["customer_id"]
    keys = ids.fillna(0).to_numpy(np.int64) * 2
    if "customer_id_written_as_float" in frame:
        keys += frame["customer_id_written_as_float"].to_numpy(bool)
    customer = _by_value(np.where(ids.isna().to_numpy(), -1, keys), _id_text)
    if "customer_id_text" in frame:  # the opt-in id messes: CustomerID written as text
        given = frame["customer_id_text"].notna().to_numpy()
        texts = pa.array(frame["customer_id_text"].where(given, "").tolist(), pa.string())
        customer = pc.if_else(pa.array(given), _csv_quote(texts), customer)
    return [
        _text(frame["invoice_no"], _csv_quote),
        _text(frame["stock_code"], _csv_quote),
        _text(frame["description"], _csv_quote),
        _number(frame["quantity"].to_numpy(np.int64)),
        _by_value(seconds, lambda v: _date_text(v, date_style)),
        _by_value(cents, _cents_text),
        customer,
        _text(frame["country"], _csv_quote),
    ]


def _malformed_lines(frame: pd.DataFrame, kinds: np.ndarray, date_style: str) -> pa.Array:
    """The rows of ``frame`` (all of a malformed kind) as broken CSV lines."""
    invoice, stock, description, quantity, date, price, customer, country = _csv_fields(
        frame, date_style
    )

    def where(kind: str) -> pa.Array:
        return pa.array(kinds == KINDS.index(kind))

    seconds = pd.DatetimeIndex(frame["invoice_date"]).as_unit("s").asi8
    cents = np.round(frame["unit_price"].to_numpy(np.float64) * 100).astype(np.int64)
    bare = _strip_quotes(_text(frame["description"]))
    date = pc.if_else(where("bad_date"), _date_text(seconds, "dotted"), date)
    quantity = pc.if_else(where("bad_quantity"), _join(quantity, " pcs"), quantity)
    price = pc.if_else(where("bad_price"), _join('"', _cents_text(cents, ","), '"'), price)
    description = pc.if_else(where("too_many_fields"), _join(bare, ", ASSORTED"), description)
    description = pc.if_else(where("unclosed_quote"), _join('"', bare), description)
    country = pc.if_else(where("too_few_fields"), pa.scalar(None, pa.string()), country)
    line = pc.binary_join_element_wise(
        invoice,
        stock,
        description,
        quantity,
        date,
        price,
        customer,
        country,
        ",",
        null_handling="skip",
    )
    return pc.binary_join_element_wise(line, "", "\n")


def _csv_lines(frame: pd.DataFrame, date_style: str) -> pa.Array:
    """Every row of ``frame`` as one CSV line ending in a newline, malformed ones broken."""
    fields = _csv_fields(frame, date_style)
    fields[-1] = pc.binary_join_element_wise(fields[-1], "", "\n")
    lines = pc.binary_join_element_wise(*fields, ",")
    kinds = _kinds(frame)
    malformed = np.isin(kinds, [KINDS.index(k) for k in (*BAD_VALUE_KINDS, *STRUCTURAL_KINDS)])
    if malformed.any():
        broken = _malformed_lines(frame[malformed], kinds[malformed], date_style)
        rows = np.arange(len(lines))
        rows[malformed] = len(lines) + np.arange(len(broken))
        lines = pc.take(pa.concat_arrays([lines, broken.cast(lines.type)]), pa.array(rows))
    return lines


def _bytes_of(lines: pa.Array, encoding: str) -> bytes:
    """The concatenated text of a string array, encoded."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    if len(lines) == 0:
        return b""
    width = np.int64 if pa.types.is_large_string(lines.type) else np.int32
    offsets = np.frombuffer(lines.buffers()[1], dtype=width)[
        lines.offset : lines.offset + len(lines) + 1
    ]
    data = memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
    if encoding == "utf-8":
        return bytes(data)
    try:
        return bytes(data).decode("utf-8").encode(encoding)
    except UnicodeEncodeError as error:
        raise ValueError(
            f"encoding {encoding!r} cannot hold {error.object[error.start : error.end]!r}; "
            "use encoding='utf-8'"
        ) from error


def _write_csv(
    frames: Iterable[pd.DataFrame],
    path: Path,
    layout: str,
    encoding: str,
    date_style: str,
    compress: bool,
) -> int:
    count = 0
    with open(path, "wb") as raw:
        out = (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
            if compress
            else raw
        )
        with out:
            out.write((",".join(LAYOUTS[layout]) + "\n").encode(encoding))
            for frame in frames:
                out.write(_bytes_of(_csv_lines(frame, date_style), encoding))
                count += len(frame)
    return count


def _typed_table(frame: pd.DataFrame, layout: str) -> pa.Table:
    names = LAYOUTS[layout]
    ids = frame["customer_id"]
    return pa.table(
        {
            names[0]: _text(frame["invoice_no"]),
            names[1]: _text(frame["stock_code"]),
            names[2]: _text(frame["description"]),
            names[3]: pa.array(frame["quantity"].to_numpy(np.int64)),
            names[4]: pa.array(pd.DatetimeIndex(frame["invoice_date"]).to_numpy("datetime64[us]")),
            names[5]: pa.array(frame["unit_price"].to_numpy(np.float64)),
            names[6]: pa.array(
                ids.astype("Float64").to_numpy(np.float64, na_value=np.nan),
                mask=ids.isna().to_numpy(),
            ),
            names[7]: _text(frame["country"]),
        }
    )


def _write_parquet(frames: Iterable[pd.DataFrame], path: Path, layout: str) -> int:
    import pyarrow.parquet as pq

    count = 0
    malformed = [KINDS.index(k) for k in (*BAD_VALUE_KINDS, *STRUCTURAL_KINDS, *ID_MESS_KINDS)]
    writer = None
    try:
        for frame in frames:
            frame = frame[~np.isin(_kinds(frame), malformed)]
            table = _typed_table(frame, layout)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="snappy")
            writer.write_table(table)
            count += len(frame)
        if writer is None:
            writer = pq.ParquetWriter(path, _typed_table(_empty_frame(), layout).schema)
    finally:
        if writer is not None:
            writer.close()
    return count


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "invoice_no": pd.Series([], dtype="str"),
            "stock_code": pd.Series([], dtype="str"),
            "description": pd.Series([], dtype="str"),
            "quantity": pd.Series([], dtype="int64"),
            "invoice_date": pd.Series([], dtype="datetime64[s]"),
            "unit_price": pd.Series([], dtype="float64"),
            "customer_id": pd.Series([], dtype="Int64"),
            "country": pd.Series([], dtype="str"),
        }
    )


def _write_xlsx(frames: Iterable[pd.DataFrame], path: Path, layout: str) -> int:
    frame = pd.concat(list(frames), ignore_index=True)
    if len(frame) > XLSX_MAX_LINES:
        raise ValueError(
            f"path {str(path)!r}: an .xlsx sheet holds at most {XLSX_MAX_LINES} lines, "
            f"these are {len(frame)}; write .csv, .csv.gz or .parquet instead"
        )
    kinds = _kinds(frame)
    frame = frame[~np.isin(kinds, [KINDS.index(k) for k in (*STRUCTURAL_KINDS, *ID_MESS_KINDS)])]
    kinds = _kinds(frame)
    table = _typed_table(frame, layout).to_pandas()
    names = LAYOUTS[layout]
    table[names[6]] = table[names[6]].astype("float64")
    bad = {kind: kinds == KINDS.index(kind) for kind in BAD_VALUE_KINDS}
    if bad["bad_date"].any():
        column = table[names[4]].astype(object)
        column[bad["bad_date"]] = table[names[4]][bad["bad_date"]].dt.strftime("%d.%m.%Y %H:%M")
        table[names[4]] = column
    if bad["bad_quantity"].any():
        column = table[names[3]].astype(object)
        column[bad["bad_quantity"]] = table[names[3]][bad["bad_quantity"]].astype(str) + " pcs"
        table[names[3]] = column
    if bad["bad_price"].any():
        column = table[names[5]].astype(object)
        column[bad["bad_price"]] = (
            table[names[5]][bad["bad_price"]].map("{:.2f}".format).str.replace(".", ",")
        )
        table[names[5]] = column
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, index=False, sheet_name="Online Retail")
    path.write_bytes(_fixed_zip(buffer.getvalue()))
    return len(frame)


def _fixed_zip(data: bytes) -> bytes:
    """The workbook with fixed timestamps (zip entries, document properties): reproducible."""
    import re

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>2011-12-10T00:00:00Z",
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)
    return out.getvalue()


def write_transactions(
    transactions: pd.DataFrame | Iterable[pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    layout: str = "online_retail",
    encoding: str = "utf-8",
    date_style: str = "iso",
) -> int:
    """Write generated transactions as an export file; return the number of data lines.

    Parameters
    ----------
    transactions:
        A frame from :func:`generate_transactions`, or the chunks of
        :func:`iter_transactions` (written one at a time, so memory stays bounded).
        Only the columns :data:`COLUMNS` are required; ``mess`` and
        ``customer_id_written_as_float`` are used when present.
    path:
        The file to write; its extension picks the format: ``.csv``, ``.csv.gz``
        (gzip with no name and mtime 0, so reproducible), ``.parquet`` (typed columns;
        malformed lines are left out) or ``.xlsx`` (small files; the structural
        malformed lines are left out, bad values are written as text cells). The
        opt-in id messes (``customer_id_text``) are CSV only: the typed formats leave
        them out.
    layout:
        ``online_retail`` (InvoiceNo ... UnitPrice, CustomerID) or ``online_retail_ii``
        (Invoice ... Price, Customer ID).
    encoding:
        ``utf-8`` or ``latin-1`` (CSV only).
    date_style:
        ``iso`` (``2010-12-01 08:26:00``) or ``uci`` (``12/1/2010 8:26``) (CSV only).
    """
    fmt = output_format(path)
    layout = _check_choice("layout", layout, LAYOUTS)
    encoding = _check_choice("encoding", encoding, ENCODINGS)
    date_style = _check_choice("date_style", date_style, DATE_STYLES)
    frames = [transactions] if isinstance(transactions, pd.DataFrame) else transactions
    path = Path(path)
    if fmt in (".csv", ".csv.gz"):
        return _write_csv(frames, path, layout, encoding, date_style, fmt == ".csv.gz")
    if fmt == ".parquet":
        return _write_parquet(frames, path, layout)
    return _write_xlsx(frames, path, layout)


def write_weekly_exports(
    transactions: pd.DataFrame | Iterable[pd.DataFrame],
    folder: str | os.PathLike[str],
    *,
    suffix: str = ".csv",
    layout: str = "online_retail",
    encoding: str = "utf-8",
    date_style: str = "iso",
) -> list[Path]:
    """Write generated transactions as one export per ISO week of the invoice date, as
    a shop that drops a file a week into a folder would; return the files in path order.

    The files are ``folder/week-YYYY-WW<suffix>`` (so path order is date order), each
    with the header; a week's lines keep the generator's order, mess included. The
    chunks of :func:`iter_transactions` are written as they come (memory stays
    bounded). Formats and the other parameters are those of
    :func:`write_transactions` (``.csv`` or ``.parquet``).
    """
    import pyarrow.parquet as pq

    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"suffix must be .csv or .parquet; got {suffix!r}")
    layout = _check_choice("layout", layout, LAYOUTS)
    encoding = _check_choice("encoding", encoding, ENCODINGS)
    date_style = _check_choice("date_style", date_style, DATE_STYLES)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    frames = [transactions] if isinstance(transactions, pd.DataFrame) else transactions
    malformed = [KINDS.index(k) for k in (*BAD_VALUE_KINDS, *STRUCTURAL_KINDS, *ID_MESS_KINDS)]
    writers: dict[str, Any] = {}
    try:
        for frame in frames:
            iso = frame["invoice_date"].dt.isocalendar()
            weeks = iso["year"].astype(str) + "-" + iso["week"].astype(str).str.zfill(2)
            for week, part in frame.groupby(weeks, sort=True):
                path = target / f"week-{week}{suffix}"
                if suffix == ".csv":
                    if path.name not in writers:
                        writers[path.name] = open(path, "wb")  # noqa: SIM115 - closed below
                        header = ",".join(LAYOUTS[layout]) + "\n"
                        writers[path.name].write(header.encode(encoding))
                    writers[path.name].write(_bytes_of(_csv_lines(part, date_style), encoding))
                    continue
                table = _typed_table(part[~np.isin(_kinds(part), malformed)], layout)
                if path.name not in writers:
                    writers[path.name] = pq.ParquetWriter(path, table.schema, compression="snappy")
                writers[path.name].write_table(table)
    finally:
        for writer in writers.values():
            writer.close()
    return sorted(target / name for name in writers)
