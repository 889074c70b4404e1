"""What the generator plants and writes: layouts, formats, planted customer types, the
kinds of mess and their reasons, and the checks of its arguments.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# ------------------------------------------------------------------- public constants

LAYOUTS: dict[str, tuple[str, ...]] = {
    "online_retail": (
        "InvoiceNo",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "UnitPrice",
        "CustomerID",
        "Country",
    ),
    "online_retail_ii": (
        "Invoice",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "Price",
        "Customer ID",
        "Country",
    ),
}
ENCODINGS: tuple[str, ...] = ("utf-8", "latin-1")
DATE_STYLES: tuple[str, ...] = ("iso", "uci")
FORMATS: tuple[str, ...] = (".csv", ".csv.gz", ".parquet", ".xlsx")
DEFAULT_START = dt.date(2010, 12, 1)
DAYS = 365  # the data span; the snapshot is ``start + DAYS``

#: Source columns of a generated frame, in file order (canonical snake_case names).
COLUMNS: tuple[str, ...] = (
    "invoice_no",
    "stock_code",
    "description",
    "quantity",
    "invoice_date",
    "unit_price",
    "customer_id",
    "country",
)

WHOLESALE_QUANTITIES = (2, 3, 4, 6, 6, 8, 10, 12, 12, 12, 24, 24, 36, 48)
RETAIL_QUANTITIES = (1, 1, 1, 2, 2, 3, 4, 6, 12)


@dataclass(frozen=True)
class PlantedSegment:
    """One planted customer type. Day counts are days before the snapshot, inclusive.

    The last invoice is ``recency_days`` before the snapshot; the first one is drawn in
    ``[max(recency, first_purchase_days[0]), min(first_purchase_days[1], recency +
    max_active_days)]``; the others fall uniformly in between. Each invoice has
    ``1 + Poisson(lines_per_invoice - 1)`` lines.
    """

    name: str
    share: float
    recency_days: tuple[int, int]
    invoices: tuple[int, int]
    first_purchase_days: tuple[int, int]
    max_active_days: int
    lines_per_invoice: float
    quantities: tuple[int, ...]


SEGMENTS: tuple[PlantedSegment, ...] = (
    PlantedSegment(
        "champions", 0.12, (1, 20), (15, 40), (245, 365), 365, 8.0, WHOLESALE_QUANTITIES
    ),
    PlantedSegment(
        "lapsed_big_spenders", 0.16, (200, 330), (5, 12), (0, 365), 365, 8.0, WHOLESALE_QUANTITIES
    ),
    PlantedSegment("recent_newcomers", 0.28, (1, 40), (1, 2), (0, 40), 40, 4.0, RETAIL_QUANTITIES),
    PlantedSegment(
        "lost_one_timers", 0.44, (250, 365), (1, 2), (0, 365), 60, 4.0, RETAIL_QUANTITIES
    ),
)
#: Opt-in fifth type (``churn_share`` / ``--churn-share``): buyers like champions who
#: stop half-way through the year, for segments over time. Before they stop they buy at
#: a champion's pace; their last invoice is 150-190 days before the snapshot.
CHURNED_CHAMPIONS = PlantedSegment(
    "churned_champions", 0.0, (150, 190), (10, 25), (300, 365), 365, 8.0, WHOLESALE_QUANTITIES
)
SEGMENT_NAMES: tuple[str, ...] = (*(s.name for s in SEGMENTS), CHURNED_CHAMPIONS.name)


def planted_segments(churn_share: float = 0.0) -> tuple[PlantedSegment, ...]:
    """The planted types: :data:`SEGMENTS`, plus :data:`CHURNED_CHAMPIONS` with
    ``churn_share`` of the customers (the others' shares scaled to make room).
    """
    if isinstance(churn_share, bool) or not isinstance(churn_share, int | float):
        raise ValueError(f"churn_share must be a number from 0 to 0.5; got {churn_share!r}")
    if not 0 <= churn_share <= 0.5:
        raise ValueError(f"churn_share must be a number from 0 to 0.5; got {churn_share!r}")
    if churn_share == 0:
        return SEGMENTS
    from dataclasses import replace

    scaled = tuple(replace(s, share=s.share * (1 - churn_share)) for s in SEGMENTS)
    return (*scaled, replace(CHURNED_CHAMPIONS, share=float(churn_share)))


GUEST_LINES_PER_INVOICE = 8.0
GUEST_QUANTITIES = (1, 1, 2, 2, 3, 4, 6, 6, 12, 12, 24)

#: Mess kind -> rate relative to the number of clean lines (each at least once per chunk).
MESS_RATES: dict[str, float] = {
    "missing_customer_id": 0.17,
    "duplicate": 0.010,
    "cancellation": 0.015,
    "non_positive_quantity": 0.003,
    "zero_price": 0.002,
    "adjust_bad_debt": 0.00002,
    "non_product_code": 0.008,
    "bad_date": 0.0005,
    "bad_quantity": 0.0005,
    "bad_price": 0.0005,
    "too_many_fields": 0.0005,
    "too_few_fields": 0.0005,
    "unclosed_quote": 0.0005,
}
#: Malformed kinds that are a bad value (Excel can hold them as text) or a broken line.
BAD_VALUE_KINDS: tuple[str, ...] = ("bad_date", "bad_quantity", "bad_price")
STRUCTURAL_KINDS: tuple[str, ...] = ("too_many_fields", "too_few_fields", "unclosed_quote")
#: Line kind (``mess`` column) -> the contract's row-accounting bucket.
REASON_OF_KIND: dict[str, str] = {
    "clean": "kept",
    "missing_customer_id": "missing_customer_id",
    "duplicate": "duplicate",
    "cancellation": "cancellation",
    "non_positive_quantity": "non_positive_quantity",
    "zero_price": "non_positive_price",
    "adjust_bad_debt": "non_positive_price",
    "non_product_code": "non_product_code",
    **{kind: "malformed" for kind in (*BAD_VALUE_KINDS, *STRUCTURAL_KINDS)},
    "na_customer_id": "missing_customer_id",
    "non_numeric_customer_id": "malformed",
}
KINDS: tuple[str, ...] = tuple(REASON_OF_KIND)
#: Opt-in kinds (``id_messes`` / ``--id-messes``, off by default so the bundled sample
#: stays as it is): a copy of a clean line whose CustomerID is written as text. Rates as
#: in :data:`MESS_RATES`, drawn from a random stream of their own, so the rest of the
#: file is byte for byte the file without them.
ID_MESS_RATES: dict[str, float] = {
    "na_customer_id": 0.004,
    "non_numeric_customer_id": 0.004,
}
ID_MESS_KINDS: tuple[str, ...] = tuple(ID_MESS_RATES)
#: ``na_customer_id`` lines: the NA spellings the data contract names (rule 2,
#: ``nan``, ``null``, ``none``, ``n/a``, any case), as exports write them.
NA_ID_SPELLINGS: tuple[str, ...] = ("nan", "NaN", "NULL", "null", "None", "N/A", "n/a")
#: ``non_numeric_customer_id`` lines: text that is no whole number and no NA spelling
#: the contract names, so rule 1 calls the line malformed. ``{id}`` is the customer's
#: number; ``NA``, ``#N/A`` and ``-`` are NA spellings elsewhere (pandas, Excel) that
#: the contract does not name.
NON_NUMERIC_ID_SPELLINGS: tuple[str, ...] = ("{id}A", "C{id}", "ID-{id}", "NA", "#N/A", "-")
REASONS: tuple[str, ...] = (
    "malformed",
    "missing_customer_id",
    "duplicate",
    "cancellation",
    "non_positive_quantity",
    "non_positive_price",
    "non_product_code",
    "kept",
)
FLOAT_ID_SHARE = 0.25

COUNTRIES: tuple[str, ...] = (
    "United Kingdom",
    "Germany",
    "France",
    "EIRE",
    "Spain",
    "Netherlands",
    "Belgium",
    "Switzerland",
    "Portugal",
    "Australia",
    "Norway",
    "Italy",
)
COUNTRY_WEIGHTS = np.array([880, 25, 22, 20, 10, 8, 8, 7, 6, 5, 5, 4], dtype=float)

#: Non-product stock codes: (code, description, weight, min price cents, max price cents).
NON_PRODUCTS: tuple[tuple[str, str, float, int, int], ...] = (
    ("POST", "POSTAGE", 0.40, 500, 4000),
    ("DOT", "DOTCOM POSTAGE", 0.08, 5000, 60000),
    ("C2", "CARRIAGE", 0.08, 2500, 5000),
    ("M", "Manual", 0.15, 50, 5000),
    ("D", "Discount", 0.04, 100, 3000),
    ("S", "SAMPLES", 0.03, 100, 3000),
    ("BANK CHARGES", "Bank Charges", 0.05, 1500, 1500),
    ("AMAZONFEE", "AMAZON FEE", 0.02, 1000, 20000),
    ("CRUK", "CRUK Commission", 0.03, 100, 5000),
    ("PADS", "PADS TO MATCH ALL CUSHIONS", 0.02, 1, 1),
)
ADJUST_CODE, ADJUST_DESCRIPTION = "B", "Adjust bad debt"
CATALOGUE_SIZE = 397  # prime: invoice lines walk it with a stride, so they never repeat

FIRST_INVOICE = 536365
LINES_PER_CHUNK = 1_000_000
MAX_CUSTOMERS_PER_CHUNK = 50_000
XLSX_MAX_LINES = 1_048_575

# --------------------------------------------------------------------- validation


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_choice(name: str, value: object, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return str(value)


def output_format(path: str | os.PathLike[str]) -> str:
    """Return the output format (``.csv``, ``.csv.gz``, ``.parquet``, ``.xlsx``) of a path."""
    lowered = str(path).lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if lowered.endswith(suffix):
            return suffix
    raise ValueError(f"path must end with one of {', '.join(FORMATS)}; got {str(path)!r}")
