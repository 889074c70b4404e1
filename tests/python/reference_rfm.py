"""An independent implementation of the contract, for checking the dbt build.

Written from the data contract (docs/contract.md) alone, in plain Python (csv module,
Decimal), sharing no code with the SQL models or the loader, so a bug in one shows
up as a disagreement with the other. Slow on purpose-free data sizes; meant for
test files of up to a few hundred thousand lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import gzip
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

NON_PRODUCT_CODES = frozenset(
    ["POST", "DOT", "C2", "M", "D", "S", "B", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS"]
)
HEADER_NAMES = {
    "invoiceno": "invoice",
    "invoice": "invoice",
    "stockcode": "stock",
    "description": "description",
    "quantity": "quantity",
    "invoicedate": "date",
    "unitprice": "price",
    "price": "price",
    "customerid": "customer",
    "country": "country",
}
DATE_FORMATS = (
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y",
)
#: The NA spellings the contract names for CustomerID (row accounting, rule 2: `nan`,
#: `NULL`, `None`, `N/A`, in any case), copied from the contract and not from the SQL:
#: a spelling the code also took for missing (pandas' `NA`, Excel's `#N/A`) would put
#: lines the contract calls malformed under missing_customer_id, and disagree here.
CONTRACT_NA_SPELLINGS = ("nan", "NULL", "None", "N/A")
MISSING = {""} | {spelling.lower() for spelling in CONTRACT_NA_SPELLINGS}


@dataclass
class Line:
    values: dict[str, str | None] | None  # None: the line could not be split


def _key(name: str) -> str:
    return "".join(name.split()).replace("_", "").lstrip("\ufeff").lower()


def _csv_lines(path: str) -> list[Line]:
    raw = Path(path).read_bytes()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    physical = text.split("\n")
    if physical and physical[-1] == "":
        physical.pop()
    physical = [p[:-1] if p.endswith("\r") else p for p in physical]
    header = next(csv.reader([physical[0]]))
    index = {HEADER_NAMES[_key(h)]: i for i, h in enumerate(header) if _key(h) in HEADER_NAMES}
    lines = []
    for text_line in physical[1:]:
        if text_line == "" or text_line.count('"') % 2:
            lines.append(Line(None))
            continue
        fields = next(csv.reader([text_line]))
        if len(fields) != len(header):
            lines.append(Line(None))
            continue
        lines.append(Line({name: fields[i] for name, i in index.items()}))
    return lines


def _frame_lines(frame: pd.DataFrame) -> list[Line]:
    index = {HEADER_NAMES[_key(str(c))]: c for c in frame.columns if _key(str(c)) in HEADER_NAMES}
    lines = []
    for record in frame.to_dict("records"):
        values: dict[str, str | None] = {}
        for name, column in index.items():
            value = record[column]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                values[name] = None
            elif isinstance(value, pd.Timestamp | dt.datetime):
                values[name] = value.strftime("%Y-%m-%d %H:%M:%S")
            else:
                values[name] = str(value)
        lines.append(Line(values))
    return lines


def read_lines(path: str) -> list[Line]:
    files = sorted(glob.glob(path)) if glob.has_magic(path) else [path]
    lines: list[Line] = []
    for file in files:
        if file.endswith(".parquet"):
            lines += _frame_lines(pd.read_parquet(file))
        elif file.endswith(".xlsx"):
            for sheet in pd.read_excel(file, dtype=object, sheet_name=None).values():
                lines += _frame_lines(sheet)
        else:
            lines += _csv_lines(file)
    return lines


def _whole(text: str | None) -> int | None:
    try:
        number = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number == int(number) else None


def _price(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _date(text: str | None) -> dt.datetime | None:
    text = (text or "").strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _text(value: str | None) -> str | None:
    return None if value is None or value == "" else value


@dataclass
class Reference:
    audit: dict[str, int]
    rfm: pd.DataFrame  # customer_id, recency_days, frequency, monetary, r/f/m scores
    kept: list[tuple[int, str | None, dt.datetime, Decimal]]  # customer, invoice, when, revenue


def reference_rfm(
    path: str,
    snapshot_date: dt.date | None = None,
    non_product_codes: frozenset[str] = NON_PRODUCT_CODES,
) -> Reference:
    """Row accounting and RFM per customer, straight from the contract's definitions."""
    audit: dict[str, int] = defaultdict(int)
    seen: set[tuple] = set()
    kept: list[tuple[int, str | None, dt.datetime, Decimal]] = []
    for line in read_lines(path):
        if line.values is None:
            audit["malformed"] += 1
            continue
        v = line.values
        quantity, price, when = _whole(v["quantity"]), _price(v["price"]), _date(v["date"])
        customer_text = (v["customer"] or "").strip()
        customer = None if customer_text.lower() in MISSING else _whole(customer_text)
        if quantity is None or price is None or when is None:
            audit["malformed"] += 1
            continue
        if customer is None:
            audit[
                "malformed" if customer_text.lower() not in MISSING else "missing_customer_id"
            ] += 1
            continue
        invoice, stock = _text(v["invoice"]), _text(v["stock"])
        key = (
            invoice, stock, _text(v["description"]), quantity, when, price, customer,
            _text(v["country"]),
        )  # fmt: skip
        if key in seen:
            audit["duplicate"] += 1
            continue
        seen.add(key)
        if invoice is not None and invoice.startswith("C"):
            audit["cancellation"] += 1
        elif quantity <= 0:
            audit["non_positive_quantity"] += 1
        elif price <= 0:
            audit["non_positive_price"] += 1
        elif stock in non_product_codes:
            audit["non_product_code"] += 1
        else:
            audit["kept"] += 1
            kept.append((customer, invoice, when, quantity * price))

    snapshot = snapshot_date or default_snapshot(kept)
    return Reference(audit=dict(audit), rfm=rfm_as_of(kept, snapshot), kept=kept)


def default_snapshot(kept: list[tuple]) -> dt.date:
    """The day after the latest kept purchase."""
    return max(when.date() for _, _, when, _ in kept) + dt.timedelta(days=1)


def rfm_as_of(kept: list[tuple], as_of: dt.date, window_days: int | None = None) -> pd.DataFrame:
    """RFM and scores of every customer with a kept purchase dated before ``as_of``, from
    those purchases only (frequency and monetary from the last ``window_days`` days)."""
    last: dict[int, dt.date] = {}
    invoices: dict[int, set] = defaultdict(set)
    spend: dict[int, Decimal] = defaultdict(Decimal)
    for customer, invoice, when, revenue in kept:
        day = when.date()
        if day >= as_of:
            continue
        last[customer] = max(last.get(customer, day), day)
        if window_days is not None and day < as_of - dt.timedelta(days=window_days):
            continue
        if invoice is not None:
            invoices[customer].add(invoice)
        spend[customer] += revenue
    customers = sorted(last)
    rfm = pd.DataFrame(
        {
            "customer_id": customers,
            "recency_days": [(as_of - last[c]).days for c in customers],
            "frequency": [len(invoices[c]) for c in customers],
            "monetary": [spend[c].quantize(Decimal("0.01"), ROUND_HALF_UP) for c in customers],
        },
        columns=["customer_id", "recency_days", "frequency", "monetary"],
    )
    n = len(rfm)
    for column, score, ascending in (
        ("recency_days", "r_score", False),
        ("frequency", "f_score", True),
        ("monetary", "m_score", True),
    ):
        rank = rfm[column].astype(float).rank(method="min", ascending=ascending)
        share = (rank - 1) / (n - 1) if n > 1 else rank * 0
        rfm[score] = [min(5, 1 + math.floor(5 * s)) for s in share]
    return rfm


def _next_period(day: dt.date, grain: str) -> dt.date:
    """The first day of the period (month, week from Monday, quarter) after ``day``'s."""
    if grain == "week":
        return day - dt.timedelta(days=day.weekday()) + dt.timedelta(days=7)
    months = 3 if grain == "quarter" else 1
    first_month = (day.month - 1) // months * months + 1
    month = first_month + months
    return dt.date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def as_of_dates(kept: list[tuple], snapshot: dt.date, grain: str = "month") -> list[dt.date]:
    """The period starts after the earliest kept purchase's period, before the snapshot,
    and the snapshot."""
    dates = []
    day = _next_period(min(when.date() for _, _, when, _ in kept), grain)
    while day < snapshot:
        dates.append(day)
        day = _next_period(day, grain)
    return [*dates, snapshot]


def reference_history(
    reference: Reference,
    snapshot_date: dt.date | None = None,
    grain: str = "month",
    window_days: int | None = None,
) -> pd.DataFrame:
    """customer_rfm_history's RFM columns, one as-of date at a time, from the definition."""
    snapshot = snapshot_date or default_snapshot(reference.kept)
    frames = [
        rfm_as_of(reference.kept, day, window_days).assign(as_of_date=day)
        for day in as_of_dates(reference.kept, snapshot, grain)
    ]
    return pd.concat(frames, ignore_index=True).sort_values(
        ["customer_id", "as_of_date"], ignore_index=True
    )
