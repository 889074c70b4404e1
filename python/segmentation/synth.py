"""Deterministic synthetic Online Retail exports with planted customer types and planted mess.

The output looks like the UCI Online Retail data set (one line per invoice line, one year
of a UK gift wholesaler's trade) in either of its two header layouts, and exercises
everything the data contract promises: every accepted file shape and every
row-accounting bucket, with a known right answer for the customer segmentation. The
same arguments always write the same bytes.

Usage
-----
::

    python -m segmentation.synth --customers N --seed S --out FILE
        [--layout {online_retail,online_retail_ii}] [--encoding {utf-8,latin-1}]
        [--date-style {iso,uci}] [--mess | --no-mess] [--lines N] [--truth FILE]
        [--start YYYY-MM-DD] [--churn-share SHARE]

The extension of ``--out`` picks the format: ``.csv``, ``.csv.gz``, ``.parquet`` or
``.xlsx`` (small files only). ``--lines N`` aims at about N data lines: alone, it picks
the number of customers (about 50 lines each); with ``--customers``, it scales the
number of lines per invoice instead (recency and frequency stay as planted).
``--truth FILE`` also writes ``customer_id,planted_segment`` for every customer with
kept purchases. In Python: :func:`generate_transactions` / :func:`iter_transactions`,
:func:`write_transactions`, :func:`planted_truth`.

What is planted
---------------
Every customer belongs to one of four types (:data:`SEGMENTS`), assigned in exact
proportion to the shares (largest-remainder rounding) and then shuffled. "Days before
snapshot" counts from the day after the last day of the one-year window (``start`` +
365 days), which is also the contract's default snapshot date whenever some customer
bought on the last day (any file of more than a few dozen customers).

======================  =====  ==========  ========  ==================  =========  =========
type                    share  recency     invoices  first purchase      lines per  quantity
                               (days)                (days before snap.) invoice    per line
======================  =====  ==========  ========  ==================  =========  =========
champions               0.12   1-20        15-40     245-365             1+Poi(7)   wholesale
lapsed_big_spenders     0.16   200-330     5-12      recency-365         1+Poi(7)   wholesale
recent_newcomers        0.28   1-40        1-2       recency-40          1+Poi(3)   retail
lost_one_timers         0.44   250-365     1-2       recency-(rec.+60)   1+Poi(3)   retail
======================  =====  ==========  ========  ==================  =========  =========

With ``--churn-share S`` a fifth type, ``churned_champions`` (:data:`CHURNED_CHAMPIONS`),
takes a share S of the customers (the four shares above are scaled by 1 - S): 10-25
invoices from 300-365 days before the snapshot until a last one 150-190 days before it,
wholesale lines like the champions'. Before they stop they look like champions; after,
they lapse: the planted churn for segments over time.

All ranges are inclusive and drawn uniformly. The last invoice falls exactly on the
recency day, a second one (if any) on the first-purchase day, the rest uniformly in
between; about 3% of the remaining invoices are moved onto the day of another invoice of
the same customer, so two invoices of one customer on one day occur. Quantities are
drawn from ``(2, 3, 4, 6, 6, 8, 10, 12, 12, 12, 24, 24, 36, 48)`` (wholesale, mean ~15)
or ``(1, 1, 1, 2, 2, 3, 4, 6, 12)`` (retail, mean ~3.6). An invoice's lines are distinct
products of a catalogue of 397 products drawn once per seed (5-digit stock codes, some
with a letter suffix; unit prices log-normal around 2.50, 0.19-49.95), with popular
products more likely. Typical monetary values: champions ~10,000, lapsed big spenders
~3,000, newcomers and lost one-timers ~60. In log1p-standardised recency / frequency /
monetary space the four types are four well separated clouds: KMeans with k chosen by
silhouette finds k = 4 and recovers the types (adjusted Rand index ~1), which
``tests/python/test_synth.py`` checks after applying the contract's cleaning.

Some catalogue descriptions contain a comma, double quotes (written CSV-style, doubled
inside a quoted field) or Latin-1 letters (``CAFÉ``, ``CRÈME``, ``£``, ...). No value
ever contains a line break, so one physical line is one data line.

Customers get a unique CustomerID in 12000-18999 (up to 7,000 customers) or in
12000-(12000 + 3 x customers) beyond that; invoice numbers are unique 6-digit numbers
from 536365 up, numbered in order of invoice time within a chunk of customers; when a
file may hold more invoices than that leaves room for (more than about 22,000
customers), they start at the next power of ten with room to spare (10000000 for 5M
lines). Invoice counts are stratified within each type, so the number of lines is close
to its expectation even for a few hundred customers. Countries: mostly United
Kingdom (88%), then Germany, France, EIRE, Spain, Netherlands, Belgium, Switzerland,
Portugal, Australia, Norway, Italy.

What mess is injected (``mess=True``, the default)
--------------------------------------------------
Every messy line is an *extra* line: the planted customers' own lines are all clean and
are all kept by the contract's rules, so no rejection changes what is planted. Rates are
relative to the number of clean lines; each kind appears at least once per chunk of
customers (:data:`MESS_RATES`). The contract bucket each kind lands in:

=========================  =======  =====================  ===================================
kind                       rate     contract bucket        what the line is
=========================  =======  =====================  ===================================
missing_customer_id        17%      missing_customer_id    guest invoices (own invoice numbers),
                                                           empty CustomerID; ~14% of all lines
duplicate                  1%       duplicate              exact copy of a clean line, placed
                                                           later on the same invoice
cancellation               1.5%     cancellation           ``C`` + number, negated quantity of
                                                           a clean line, same customer, 0-14
                                                           days after the original
non_positive_quantity      0.3%     non_positive_quantity  copy of a clean line on its invoice
                                                           with quantity 0, -1, -2, -3, -6, -12
zero_price                 0.2%     non_positive_price     copy of a clean line, price 0.00
adjust_bad_debt            0.002%   non_positive_price     own ``A`` + number invoice, stock
                                                           code ``B``, "Adjust bad debt",
                                                           quantity 1, price -1000 to -20000
non_product_code           0.8%     non_product_code       POST, DOT, C2, M, D, S, BANK
                                                           CHARGES, AMAZONFEE, CRUK or PADS line
                                                           with positive quantity and price
bad_date                   0.05%    malformed              InvoiceDate ``01.12.2010 08:26``
bad_quantity               0.05%    malformed              Quantity ``12 pcs``
bad_price                  0.05%    malformed              UnitPrice ``"2,55"`` (decimal comma)
too_many_fields            0.05%    malformed              Description with a comma, unquoted
too_few_fields             0.05%    malformed              the Country field left off
unclosed_quote             0.05%    malformed              Description opens a ``"`` that
                                                           never closes
=========================  =======  =====================  ===================================

In CSV, a quarter of the customers (chosen per seed) have their CustomerID written as a
float, ``17850.0`` (how pandas exports a column with missing values); the rest as
``17850``; guests as an empty field.

The malformed kinds only exist in text: Parquet gets every kind except the six malformed
ones (its columns are typed: Quantity int64, UnitPrice float64, InvoiceDate timestamp,
CustomerID float64 with nulls as in the UCI export); Excel gets the three bad-value kinds
as text cells but not the three structural ones. ``expected_reason`` in the generated
frame says which bucket each line must land in.

Large files
-----------
Customers are generated in chunks (about a million lines each), each from its own
random stream (``PCG64(seed).jumped(chunk + 1)``), and written chunk by chunk, so memory
stays bounded at any ``--lines``; the file is the same whichever way it is produced.
Within a chunk lines are ordered by invoice time, so a multi-chunk file is a sequence of
year-long runs (like monthly exports concatenated out of order).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import os
import sys
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
}
KINDS: tuple[str, ...] = tuple(REASON_OF_KIND)
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

# ------------------------------------------------------------------------ catalogue

_STYLES = (
    "WHITE HANGING", "RED RETROSPOT", "VINTAGE", "REGENCY", "PANTRY", "JUMBO", "PINK POLKADOT",
    "BLUE", "GLASS STAR", "WOODEN", "SKULL", "ENGLISH ROSE", "ANTIQUE SILVER", "PAISLEY",
    "SPACEBOY", "DOLLY GIRL", "CHARLOTTE", "LOVE", "HOME SWEET HOME", "SWEETHEART", "GREEN",
    "IVORY", "ZINC", "ENAMEL", "CERAMIC", "BAROQUE", "FELTCRAFT", "WOODLAND", "RETRO",
    "STRAWBERRY",
)  # fmt: skip
_ITEMS = (
    "T-LIGHT HOLDER", "LANTERN", "CAKE TINS", "TEA SET", "MUG", "DOORMAT", "CUSHION COVER",
    "BUNTING", "GIFT BAG", "JAM JAR", "PHOTO FRAME", "WALL CLOCK", "LUNCH BOX", "PARTY CUPS",
    "NAPKINS", "CANDLE", "WATER BOTTLE", "HEART DECORATION", "CHOPSTICKS", "PURSE", "METAL SIGN",
    "TRAY", "BOWL", "PLATE", "EGG CUP", "BIRD HOUSE", "WRAP", "NOTEBOOK", "STICKERS", "PEG BAG",
    "SHOPPER BAG", "PLASTERS IN TIN", "PARASOL", "TISSUES", "CAKE STAND", "CHALKBOARD",
    "DRAWER KNOB", "KEY RING", "HAND WARMER", "ALARM CLOCK",
)  # fmt: skip
_COMMA_VARIANTS = ("ASSORTED", "SET OF 2", "PACK OF 6", "LARGE", "SMALL")
_QUOTE_WORDS = ("HOME", "LOVE", "KEEP CALM", "HELLO", "OPEN", "MERRY CHRISTMAS")
_LATIN1_DESCRIPTIONS = (
    "CAFÉ AU LAIT MUG",
    "CRÈME BRÛLÉE DISH",
    "£1 GIFT TAG",
    "NOËL GARLAND",
    "PÂTISSERIE CAKE TIN",
    "SMÖRGÅSBORD TRAY",
    "JALAPEÑO CHILLI LIGHTS",
    "FAÇADE WALL SIGN",
    "MÜSLI JAR",
    "ROSÉ WINE GLASS",
    'CAFÉ SIGN "OPEN", BLACK',
    "CRÈME DE LA CRÈME MUG",
)


@dataclass(frozen=True)
class _Catalogue:
    stock_codes: np.ndarray  # object, the item vocabulary: products, non-products, B
    descriptions: np.ndarray  # object, same length
    price_cents: np.ndarray  # int64, products only
    popularity: np.ndarray  # float, products only, sums to 1


def _catalogue(rng: np.random.Generator) -> _Catalogue:
    """The products of one seed, followed by the non-product codes and ``B``."""
    n_special = 12 + 8 + len(_LATIN1_DESCRIPTIONS)
    combos = [f"{style} {item}" for style in _STYLES for item in _ITEMS]
    picked = rng.choice(len(combos), CATALOGUE_SIZE - n_special + 20, replace=False)
    plain = [combos[i] for i in picked]
    # 20 of the picked names get a comma or quotes added (so stay unique), the rest are plain
    commas = [f"{plain.pop()}, {_COMMA_VARIANTS[i % len(_COMMA_VARIANTS)]}" for i in range(12)]
    quotes = [f'{plain.pop()} "{_QUOTE_WORDS[i % len(_QUOTE_WORDS)]}"' for i in range(8)]
    descriptions = np.array([*plain, *commas, *quotes, *_LATIN1_DESCRIPTIONS], dtype=object)
    descriptions = descriptions[rng.permutation(CATALOGUE_SIZE)]

    numbers = rng.choice(np.arange(10002, 24000), CATALOGUE_SIZE, replace=False)
    suffix = np.where(
        rng.random(CATALOGUE_SIZE) < 0.15,
        np.array(list("ABCDEFG"), dtype=object)[rng.integers(0, 7, CATALOGUE_SIZE)],
        "",
    )
    codes = np.array([f"{n}{s}" for n, s in zip(numbers, suffix, strict=True)], dtype=object)
    price = np.clip(np.round(np.exp(rng.normal(np.log(250), 0.75, CATALOGUE_SIZE))), 19, 4995)
    weight = 1.0 / (rng.permutation(CATALOGUE_SIZE) + 5.0) ** 0.8
    weight[np.isin(descriptions, _LATIN1_DESCRIPTIONS)] *= 3  # so small files carry them too
    return _Catalogue(
        stock_codes=np.array([*codes, *(np_[0] for np_ in NON_PRODUCTS), ADJUST_CODE], object),
        descriptions=np.array(
            [*descriptions, *(np_[1] for np_ in NON_PRODUCTS), ADJUST_DESCRIPTION], object
        ),
        price_cents=price.astype(np.int64),
        popularity=weight / weight.sum(),
    )


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


# ------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Plan:
    seed: int
    mess: bool
    start: dt.date
    customers: int
    scale: float  # multiplies (lines per invoice - 1)
    segments: tuple[PlantedSegment, ...]  # the planted types (planted_segments)
    segment: np.ndarray  # per customer, index into segments
    customer_id: np.ndarray
    country: np.ndarray
    float_id: np.ndarray
    invoices: np.ndarray
    recency: np.ndarray
    first_recency: np.ndarray
    catalogue: _Catalogue
    chunk_size: int
    first_invoice: int


def _mess_overhead(mess: bool) -> float:
    return sum(MESS_RATES.values()) if mess else 0.0


def _per_customer(
    scale: float, mess: bool, segments: tuple[PlantedSegment, ...] = SEGMENTS
) -> tuple[float, float]:
    """Expected (invoices, lines) per customer at a lines-per-invoice scale."""
    invoices = sum(s.share * (s.invoices[0] + s.invoices[1]) / 2 for s in segments)
    lines = sum(
        s.share * (s.invoices[0] + s.invoices[1]) / 2 * (1 + (s.lines_per_invoice - 1) * scale)
        for s in segments
    )
    return invoices, lines * (1 + _mess_overhead(mess))


def _size(
    customers: int | None, lines: int | None, mess: bool, segments: tuple[PlantedSegment, ...]
) -> tuple[int, float]:
    """Customer count and lines-per-invoice scale that give about ``lines`` lines."""
    if lines is None:
        assert customers is not None
        return customers, 1.0
    if customers is None:
        return max(1, round(lines / _per_customer(1.0, mess, segments)[1])), 1.0
    low, high = _per_customer(0.0, mess, segments)[1], _per_customer(1.0, mess, segments)[1]
    scale = (lines / customers - low) / (high - low)
    most = max(s.lines_per_invoice for s in segments) - 1
    if scale < 0:
        raise ValueError(
            f"lines must be at least about {round(low * customers)} for customers={customers} "
            f"(every invoice has a line); got {lines}: lower customers or raise lines"
        )
    if scale * most > CATALOGUE_SIZE / 3:
        top = round(_per_customer(CATALOGUE_SIZE / 3 / most, mess, segments)[1] * customers)
        raise ValueError(
            f"lines must be at most about {top} for customers={customers}; got {lines}: "
            "raise customers or leave customers out"
        )
    return customers, scale


def _plan(
    customers: int | None,
    seed: int,
    mess: bool,
    start: dt.date,
    lines: int | None,
    churn_share: float = 0.0,
) -> _Plan:
    if customers is None and lines is None:
        raise ValueError("customers must be an integer >= 1 (or give lines); got None")
    if customers is not None:
        customers = _check_int("customers", customers, 1)
    seed = _check_int("seed", seed, 0)
    if lines is not None:
        lines = _check_int("lines", lines, 1)
    if not isinstance(mess, bool):
        raise ValueError(f"mess must be True or False; got {mess!r}")
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        raise ValueError(f"start must be a datetime.date; got {start!r}")
    segments = planted_segments(churn_share)
    n, scale = _size(customers, lines, mess, segments)

    rng = np.random.Generator(np.random.PCG64(seed))
    catalogue = _catalogue(rng)
    shares = np.array([s.share for s in segments])
    counts = np.floor(shares * n).astype(np.int64)
    leftover = np.argsort(-(shares * n - counts), kind="stable")[: n - counts.sum()]
    counts[leftover] += 1
    segment = rng.permutation(np.repeat(np.arange(len(segments), dtype=np.int8), counts))
    span = 7000 if n <= 7000 else 3 * n
    customer_id = 12000 + rng.choice(span, n, replace=False).astype(np.int64)
    country = rng.choice(len(COUNTRIES), n, p=COUNTRY_WEIGHTS / COUNTRY_WEIGHTS.sum())
    float_id = (rng.random(n) < FLOAT_ID_SHARE) & mess

    def per_segment(pick) -> tuple[np.ndarray, np.ndarray]:
        low = np.array([pick(s)[0] for s in segments])[segment]
        high = np.array([pick(s)[1] for s in segments])[segment]
        return low, high

    # invoice counts stratified within each type (one draw per equal-probability slice of
    # the range), so the total number of lines is close to its expectation even for few
    # customers and --lines hits its target
    low, high = per_segment(lambda s: s.invoices)
    by_segment = np.lexsort((rng.random(n), segment))  # random slice order within a type
    slice_ = np.empty(n, np.int64)
    slice_[by_segment] = _positions(counts)
    quantile = (slice_ + rng.random(n)) / counts[segment]
    invoices = low + np.floor(quantile * (high - low + 1)).astype(np.int64)
    low, high = per_segment(lambda s: s.recency_days)
    recency = rng.integers(low, high + 1)
    low, high = per_segment(lambda s: s.first_purchase_days)
    max_active = np.array([s.max_active_days for s in segments])[segment]
    first_low = np.maximum(recency, low)
    first_high = np.minimum(high, recency + max_active)
    first_recency = rng.integers(first_low, first_high + 1)

    per_invoice, per_line = _per_customer(scale, mess, segments)
    chunk = int(min(MAX_CUSTOMERS_PER_CHUNK, max(1, LINES_PER_CHUNK // per_line)))
    # invoices per customer incl. guest, cancellation and adjustment invoices, with room
    bound = 3 * per_invoice * n * (1 + _mess_overhead(mess)) + 1000
    fits = FIRST_INVOICE + bound <= 999_999
    first_invoice = FIRST_INVOICE if fits else 10 ** len(str(int(bound)))
    return _Plan(
        seed=seed,
        mess=mess,
        start=start,
        customers=n,
        scale=scale,
        segments=segments,
        segment=segment,
        customer_id=customer_id,
        country=country,
        float_id=float_id,
        invoices=invoices,
        recency=recency,
        first_recency=first_recency,
        catalogue=catalogue,
        chunk_size=chunk,
        first_invoice=first_invoice,
    )


# ------------------------------------------------------------------- generation


def _positions(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., count-1 for every group, concatenated (the rank within np.repeat)."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def _pick(rng: np.random.Generator, n: int, rate: float, population: int) -> np.ndarray:
    """Distinct indices below ``population``: about ``rate * n`` of them, at least one."""
    k = min(population, max(1, round(rate * n)))
    return np.sort(rng.choice(population, k, replace=False)) if population else np.empty(0, int)


def _business_minute(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """Minutes since ``start`` of a random time between 07:00 and 19:59 on ``day``."""
    return day * 1440 + rng.integers(7 * 60, 20 * 60, len(day))


@dataclass
class _Lines:
    """Line-level arrays of one chunk, before ordering."""

    invoice: list[np.ndarray]
    position: list[np.ndarray]
    item: list[np.ndarray]
    quantity: list[np.ndarray]
    price: list[np.ndarray]
    kind: list[np.ndarray]

    def add(self, invoice, position, item, quantity, price, kind: str) -> None:
        n = len(invoice)
        self.invoice.append(np.asarray(invoice, np.int64))
        self.position.append(np.broadcast_to(np.asarray(position, np.float64), n))
        self.item.append(np.asarray(item, np.int64))
        self.quantity.append(np.broadcast_to(np.asarray(quantity, np.int64), n))
        self.price.append(np.broadcast_to(np.asarray(price, np.int64), n))
        self.kind.append(np.full(n, KINDS.index(kind), np.int8))


def _invoice_lines(
    rng: np.random.Generator,
    plan: _Plan,
    n_lines: np.ndarray,
    quantity_table: np.ndarray,
    quantity_group: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lines of invoices with ``n_lines`` lines each: (invoice, position, product, quantity)."""
    cat = plan.catalogue
    invoice = np.repeat(np.arange(len(n_lines)), n_lines)
    position = _positions(n_lines)
    base = rng.choice(CATALOGUE_SIZE, len(n_lines), p=cat.popularity)
    stride = rng.integers(1, CATALOGUE_SIZE, len(n_lines))
    product = (base[invoice] + position * stride[invoice]) % CATALOGUE_SIZE
    group = quantity_group[invoice]
    sizes = (quantity_table > 0).sum(axis=1)
    pick = np.floor(rng.random(len(invoice)) * sizes[group]).astype(np.int64)
    return invoice, position, product, quantity_table[group, pick]


def _chunk(plan: _Plan, index: int, invoice_offset: int) -> tuple[pd.DataFrame, int]:
    """Generate the lines of customer chunk ``index``; return them and the invoices used."""
    rng = np.random.Generator(np.random.PCG64(plan.seed).jumped(index + 1))
    cat = plan.catalogue
    customers = np.arange(
        index * plan.chunk_size, min(plan.customers, (index + 1) * plan.chunk_size)
    )
    groups = [*plan.segments, None]  # the last group is guests
    quantity_table = np.zeros((len(groups), 16), np.int64)
    for g, s in enumerate(groups):
        q = s.quantities if s else GUEST_QUANTITIES
        quantity_table[g, : len(q)] = q
    lines_mean = np.array([s.lines_per_invoice if s else GUEST_LINES_PER_INVOICE for s in groups])

    # customer invoices: the last on the recency day, the second on the first-purchase day
    inv_customer = np.repeat(customers, plan.invoices[customers])
    k = _positions(plan.invoices[customers])
    last, first = plan.recency[inv_customer], plan.first_recency[inv_customer]
    days_before = last + np.floor(rng.random(len(k)) * (first - last + 1)).astype(np.int64)
    days_before = np.where(k == 0, last, np.where(k == 1, first, days_before))
    same_day = (k >= 2) & (rng.random(len(k)) < 0.03)
    days_before[same_day] = days_before[np.flatnonzero(same_day) - 1]
    inv_minute = _business_minute(rng, DAYS - days_before)
    inv_group = plan.segment[inv_customer].astype(np.int64)
    n_lines = 1 + rng.poisson((lines_mean[inv_group] - 1) * plan.scale)
    n_lines = np.minimum(n_lines, CATALOGUE_SIZE)
    invoice, position, product, quantity = _invoice_lines(
        rng, plan, n_lines, quantity_table, inv_group
    )
    n_clean = len(invoice)
    n_customer_invoices = len(k)

    lines = _Lines([], [], [], [], [], [])
    lines.add(invoice, position, product, quantity, cat.price_cents[product], "clean")
    inv_customer_all = [inv_customer]
    inv_minute_all = [inv_minute]
    inv_prefix = [np.zeros(len(k), np.int8)]  # 0 none, 1 C, 2 A
    inv_guest_country = [np.zeros(len(k), np.int64)]

    if plan.mess:
        n_invoices = n_customer_invoices

        def copy(kind: str) -> np.ndarray:
            return _pick(rng, n_clean, MESS_RATES[kind], n_clean)

        # guests: own invoices, no customer id
        guest_lines = MESS_RATES["missing_customer_id"] * n_clean
        guest_per_invoice = 1 + (GUEST_LINES_PER_INVOICE - 1) * plan.scale
        n_guest = max(1, round(guest_lines / guest_per_invoice))
        g_lines = 1 + rng.poisson((GUEST_LINES_PER_INVOICE - 1) * plan.scale, n_guest)
        g_lines = np.minimum(g_lines, CATALOGUE_SIZE)
        g_invoice, g_position, g_product, g_quantity = _invoice_lines(
            rng, plan, g_lines, quantity_table, np.full(n_guest, len(plan.segments))
        )
        lines.add(
            g_invoice + n_invoices,
            g_position,
            g_product,
            g_quantity,
            cat.price_cents[g_product],
            "missing_customer_id",
        )
        inv_customer_all.append(np.full(n_guest, -1))
        inv_minute_all.append(_business_minute(rng, rng.integers(0, DAYS, n_guest)))
        inv_prefix.append(np.zeros(n_guest, np.int8))
        inv_guest_country.append(
            rng.choice(len(COUNTRIES), n_guest, p=COUNTRY_WEIGHTS / COUNTRY_WEIGHTS.sum())
        )
        n_invoices += n_guest

        # copies of clean lines that stay on their invoice
        rows = copy("duplicate")
        lines.add(
            invoice[rows],
            position[rows] + 0.5,
            product[rows],
            quantity[rows],
            cat.price_cents[product[rows]],
            "duplicate",
        )
        rows = copy("non_positive_quantity")
        bad_quantity = np.array([0, -1, -2, -3, -6, -12])[rng.integers(0, 6, len(rows))]
        lines.add(
            invoice[rows],
            n_lines[invoice[rows]] + 1.0,
            product[rows],
            bad_quantity,
            cat.price_cents[product[rows]],
            "non_positive_quantity",
        )
        rows = copy("zero_price")
        lines.add(
            invoice[rows],
            n_lines[invoice[rows]] + 2.0,
            product[rows],
            quantity[rows],
            0,
            "zero_price",
        )
        for offset, kind in enumerate((*BAD_VALUE_KINDS, *STRUCTURAL_KINDS)):
            rows = copy(kind)
            lines.add(
                invoice[rows],
                position[rows] + 0.25 + offset / 100,
                product[rows],
                quantity[rows],
                cat.price_cents[product[rows]],
                kind,
            )

        # one non-product line on distinct customer invoices
        on = _pick(rng, n_clean, MESS_RATES["non_product_code"], n_customer_invoices)
        weights = np.array([npc[2] for npc in NON_PRODUCTS])
        which = rng.choice(len(NON_PRODUCTS), len(on), p=weights / weights.sum())
        low = np.array([npc[3] for npc in NON_PRODUCTS])[which]
        high = np.array([npc[4] for npc in NON_PRODUCTS])[which]
        lines.add(
            on,
            n_lines[on] + 3.0,
            CATALOGUE_SIZE + which,
            np.where(which == 0, rng.integers(1, 4, len(on)), 1),
            rng.integers(low, high + 1),
            "non_product_code",
        )

        # cancellations: one C invoice per original invoice, 0-14 days later
        rows = copy("cancellation")
        originals, c_invoice = np.unique(invoice[rows], return_inverse=True)
        c_day = np.minimum(
            inv_minute[originals] // 1440 + rng.integers(0, 15, len(originals)), DAYS - 1
        )
        c_minute = np.maximum(_business_minute(rng, c_day), inv_minute[originals] + 1)
        lines.add(
            c_invoice + n_invoices,
            position[rows],
            product[rows],
            -quantity[rows],
            cat.price_cents[product[rows]],
            "cancellation",
        )
        inv_customer_all.append(inv_customer[originals])
        inv_minute_all.append(c_minute)
        inv_prefix.append(np.ones(len(originals), np.int8))
        inv_guest_country.append(np.zeros(len(originals), np.int64))
        n_invoices += len(originals)

        # adjust bad debt: own A invoices of planted customers, negative price
        n_adjust = max(1, round(MESS_RATES["adjust_bad_debt"] * n_clean))
        lines.add(
            np.arange(n_adjust) + n_invoices,
            0.0,
            np.full(n_adjust, len(cat.stock_codes) - 1),
            1,
            -rng.integers(100_000, 2_000_001, n_adjust),
            "adjust_bad_debt",
        )
        inv_customer_all.append(rng.choice(customers, n_adjust))
        inv_minute_all.append(_business_minute(rng, rng.integers(0, DAYS, n_adjust)))
        inv_prefix.append(np.full(n_adjust, 2, np.int8))
        inv_guest_country.append(np.zeros(n_adjust, np.int64))

    # invoice numbers in order of time
    invoice_customer = np.concatenate(inv_customer_all)
    invoice_minute = np.concatenate(inv_minute_all)
    invoice_prefix = np.concatenate(inv_prefix)
    invoice_guest_country = np.concatenate(inv_guest_country)
    n_inv = len(invoice_minute)
    order = np.lexsort((rng.random(n_inv), invoice_minute))
    rank = np.empty(n_inv, np.int64)
    rank[order] = np.arange(n_inv)
    numbers = plan.first_invoice + invoice_offset + rank
    if plan.first_invoice == FIRST_INVOICE and numbers.max(initial=0) > 999_999:
        raise RuntimeError("invoice numbers overflowed 6 digits")  # the bound above prevents it
    invoice_text = pc.binary_join_element_wise(
        pa.array(np.array(["", "C", "A"], dtype=object)[invoice_prefix], pa.string()),
        pc.cast(pa.array(numbers), pa.string()),
        "",
    )

    line_invoice = np.concatenate(lines.invoice)
    line_order = np.lexsort(
        (np.arange(len(line_invoice)), np.concatenate(lines.position), rank[line_invoice])
    )
    line_invoice = line_invoice[line_order]
    item = np.concatenate(lines.item)[line_order]
    line_kind = np.concatenate(lines.kind)[line_order]
    cust = invoice_customer[line_invoice]
    guest = cust < 0
    known = np.where(guest, 0, cust)
    country = np.where(guest, invoice_guest_country[line_invoice], plan.country[known])
    reason_of_kind = np.array([REASONS.index(REASON_OF_KIND[k]) for k in KINDS], np.int8)
    frame = pd.DataFrame(
        {
            "invoice_no": pc.take(invoice_text, pa.array(line_invoice)).to_pandas(),
            "stock_code": pd.Categorical.from_codes(item, categories=cat.stock_codes),
            "description": pd.Categorical.from_codes(item, categories=cat.descriptions),
            "quantity": np.concatenate(lines.quantity)[line_order],
            "invoice_date": np.datetime64(plan.start, "s")
            + (invoice_minute[line_invoice] * 60).astype("timedelta64[s]"),
            "unit_price": np.concatenate(lines.price)[line_order] / 100.0,
            "customer_id": pd.arrays.IntegerArray(plan.customer_id[known], guest),
            "country": pd.Categorical.from_codes(country, categories=COUNTRIES),
            "planted_segment": pd.Categorical.from_codes(
                np.where(guest, -1, plan.segment[known]),
                categories=[segment.name for segment in plan.segments],
            ),
            "mess": pd.Categorical.from_codes(line_kind, categories=KINDS),
            "expected_reason": pd.Categorical.from_codes(
                reason_of_kind[line_kind], categories=REASONS
            ),
            "customer_id_written_as_float": plan.float_id[known] & ~guest,
        }
    )
    return frame, n_inv
    return frame, n_inv


# ------------------------------------------------------------------------ public API


def iter_transactions(
    customers: int | None = None,
    seed: int = 0,
    *,
    mess: bool = True,
    start: dt.date = DEFAULT_START,
    lines: int | None = None,
    churn_share: float = 0.0,
) -> Iterator[pd.DataFrame]:
    """Generate the transactions chunk by chunk (about a million lines per chunk).

    Arguments are those of :func:`generate_transactions` and are validated before
    this returns. Concatenating the chunks gives exactly :func:`generate_transactions`.
    """
    plan = _plan(customers, seed, mess, start, lines, churn_share)

    def chunks() -> Iterator[pd.DataFrame]:
        used = 0
        for index in range(-(-plan.customers // plan.chunk_size)):
            frame, invoices = _chunk(plan, index, used)
            used += invoices
            yield frame

    return chunks()


def generate_transactions(
    customers: int | None = None,
    seed: int = 0,
    *,
    mess: bool = True,
    start: dt.date = DEFAULT_START,
    lines: int | None = None,
    churn_share: float = 0.0,
) -> pd.DataFrame:
    """Generate a synthetic Online Retail export as a DataFrame, one row per file line.

    Parameters
    ----------
    customers:
        Number of planted customers (>= 1). May be None when ``lines`` is given; then
        the customer count is chosen so the output has about ``lines`` lines.
    seed:
        Seed (>= 0) of the ``numpy.random.PCG64`` streams; same arguments, same frame.
    mess:
        Inject the contract's kinds of bad lines (see the module docstring). With
        False every line is clean and the contract keeps every one.
    start:
        First day of the one-year window; the snapshot is ``start + 365 days``.
    lines:
        Target number of lines. With ``customers`` too, the number of lines per
        invoice is scaled (recency and frequency stay as planted); alone, it picks
        the customer count.
    churn_share:
        Share of customers of the opt-in type :data:`CHURNED_CHAMPIONS` (0 to 0.5;
        default 0: the four types of :data:`SEGMENTS` only, as the bundled sample).

    Returns
    -------
    DataFrame in file order with the source columns :data:`COLUMNS` (``invoice_no``
    str, ``stock_code``/``description``/``country`` categorical, ``quantity`` int64,
    ``invoice_date`` datetime64[s], ``unit_price`` float64 in pounds, ``customer_id``
    Int64, NA for guests) and ``planted_segment`` (NA for guests), ``mess`` (the line's
    kind, ``clean`` or a key of :data:`MESS_RATES`), ``expected_reason`` (its
    row-accounting bucket) and ``customer_id_written_as_float`` (CSV only).
    """
    return pd.concat(
        list(
            iter_transactions(
                customers, seed, mess=mess, start=start, lines=lines, churn_share=churn_share
            )
        ),
        ignore_index=True,
    )


def planted_truth(transactions: pd.DataFrame | Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The planted type of every customer with a clean (kept) line.

    Returns a DataFrame ``customer_id`` (int64), ``planted_segment`` (str), sorted by
    customer_id: exactly the customers the contract's cleaning keeps purchases of.
    """
    frames = [transactions] if isinstance(transactions, pd.DataFrame) else transactions
    parts = [
        f.loc[f["mess"] == "clean", ["customer_id", "planted_segment"]].drop_duplicates()
        for f in frames
    ]
    truth = pd.concat(parts, ignore_index=True).drop_duplicates()
    return pd.DataFrame(
        {
            "customer_id": truth["customer_id"].astype("int64").to_numpy(),
            "planted_segment": truth["planted_segment"].astype(str).to_numpy(),
        }
    ).sort_values("customer_id", ignore_index=True)


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
    return [
        _text(frame["invoice_no"], _csv_quote),
        _text(frame["stock_code"], _csv_quote),
        _text(frame["description"], _csv_quote),
        _number(frame["quantity"].to_numpy(np.int64)),
        _by_value(seconds, lambda v: _date_text(v, date_style)),
        _by_value(cents, _cents_text),
        _by_value(np.where(ids.isna().to_numpy(), -1, keys), _id_text),
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
    malformed = [KINDS.index(k) for k in (*BAD_VALUE_KINDS, *STRUCTURAL_KINDS)]
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
    frame = frame[~np.isin(kinds, [KINDS.index(k) for k in STRUCTURAL_KINDS])]
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
        malformed lines are left out, bad values are written as text cells).
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
    malformed = [KINDS.index(k) for k in (*BAD_VALUE_KINDS, *STRUCTURAL_KINDS)]
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


# ------------------------------------------------------------------------------- CLI


_OPTION_OF = {
    "customers": "--customers",
    "seed": "--seed",
    "lines": "--lines",
    "path": "--out",
    "churn_share": "--churn-share",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m segmentation.synth",
        description="Write a deterministic synthetic Online Retail export with planted "
        "customer types and planted bad lines (see the module docstring).",
    )
    parser.add_argument("--customers", type=int, help="planted customers (optional with --lines)")
    parser.add_argument("--seed", type=int, required=True, help="random seed, >= 0")
    parser.add_argument("--out", required=True, help="file to write: " + ", ".join(FORMATS))
    parser.add_argument("--layout", choices=tuple(LAYOUTS), default="online_retail")
    parser.add_argument("--encoding", choices=ENCODINGS, default="utf-8")
    parser.add_argument("--date-style", choices=DATE_STYLES, default="iso")
    parser.add_argument(
        "--mess",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="inject every kind of bad line the contract accounts for (default: on)",
    )
    parser.add_argument("--lines", type=int, help="target number of data lines (about)")
    parser.add_argument("--truth", help="also write customer_id,planted_segment to this CSV")
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=DEFAULT_START,
        help="first day, YYYY-MM-DD (default 2010-12-01); the data spans one year",
    )
    parser.add_argument(
        "--churn-share",
        type=float,
        default=0.0,
        help="share of customers who buy like champions, then stop half-way through the "
        "year (type churned_champions; default 0)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    import time

    parser = _parser()
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        output_format(args.out)
        if args.customers is None and args.lines is None:
            raise ValueError("customers must be given (or lines)")
        chunks = iter_transactions(
            args.customers,
            args.seed,
            mess=args.mess,
            start=args.start,
            lines=args.lines,
            churn_share=args.churn_share,
        )
    except ValueError as error:  # name the option, not the Python parameter
        name, _, rest = str(error).partition(" ")
        parser.error(f"{_OPTION_OF.get(name, name)} {rest}")
    truth: list[pd.DataFrame] = []

    def remembered(frames: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for frame in frames:
            if args.truth:
                truth.append(planted_truth(frame))
            yield frame

    written = write_transactions(
        remembered(chunks),
        args.out,
        layout=args.layout,
        encoding=args.encoding,
        date_style=args.date_style,
    )
    if args.truth:
        table = pd.concat(truth, ignore_index=True).sort_values("customer_id", ignore_index=True)
        table.to_csv(args.truth, index=False, lineterminator="\n")
    print(
        f"wrote {written} lines to {args.out} in {time.perf_counter() - began:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
