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
        [--start YYYY-MM-DD] [--churn-share SHARE] [--id-messes]

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

With ``--id-messes`` (``id_messes=True``; off by default, so the bundled sample is as it
was) two more kinds are planted, CSV only (:data:`ID_MESS_RATES`), each a copy of a
clean line placed later on its invoice, from a random stream of its own (every other
line is byte for byte as without them):

=========================  =======  =====================  ===================================
kind                       rate     contract bucket        CustomerID written as
=========================  =======  =====================  ===================================
na_customer_id             0.4%     missing_customer_id    an NA spelling the contract names:
                                                           ``nan``, ``NaN``, ``NULL``, ``null``,
                                                           ``None``, ``N/A``, ``n/a``
non_numeric_customer_id    0.4%     malformed              text that is no number: ``17850A``,
                                                           ``C17850``, ``ID-17850``, and ``NA``,
                                                           ``#N/A``, ``-`` (NA spellings the
                                                           contract does not name)
=========================  =======  =====================  ===================================

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

from .cli import (
    main,
)
from .generate import (
    generate_transactions,
    iter_transactions,
    planted_truth,
)
from .spec import (
    ADJUST_CODE,
    ADJUST_DESCRIPTION,
    BAD_VALUE_KINDS,
    CATALOGUE_SIZE,
    CHURNED_CHAMPIONS,
    COLUMNS,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    DATE_STYLES,
    DAYS,
    DEFAULT_START,
    ENCODINGS,
    FIRST_INVOICE,
    FLOAT_ID_SHARE,
    FORMATS,
    GUEST_LINES_PER_INVOICE,
    GUEST_QUANTITIES,
    ID_MESS_KINDS,
    ID_MESS_RATES,
    KINDS,
    LAYOUTS,
    LINES_PER_CHUNK,
    MAX_CUSTOMERS_PER_CHUNK,
    MESS_RATES,
    NA_ID_SPELLINGS,
    NON_NUMERIC_ID_SPELLINGS,
    NON_PRODUCTS,
    REASON_OF_KIND,
    REASONS,
    RETAIL_QUANTITIES,
    SEGMENT_NAMES,
    SEGMENTS,
    STRUCTURAL_KINDS,
    WHOLESALE_QUANTITIES,
    XLSX_MAX_LINES,
    PlantedSegment,
    output_format,
    planted_segments,
)
from .writers import (
    write_transactions,
    write_weekly_exports,
)

__all__ = [
    "ADJUST_CODE",
    "ADJUST_DESCRIPTION",
    "BAD_VALUE_KINDS",
    "CATALOGUE_SIZE",
    "CHURNED_CHAMPIONS",
    "COLUMNS",
    "COUNTRIES",
    "COUNTRY_WEIGHTS",
    "DATE_STYLES",
    "DAYS",
    "DEFAULT_START",
    "ENCODINGS",
    "FIRST_INVOICE",
    "FLOAT_ID_SHARE",
    "FORMATS",
    "GUEST_LINES_PER_INVOICE",
    "GUEST_QUANTITIES",
    "ID_MESS_KINDS",
    "ID_MESS_RATES",
    "KINDS",
    "LAYOUTS",
    "LINES_PER_CHUNK",
    "MAX_CUSTOMERS_PER_CHUNK",
    "MESS_RATES",
    "NA_ID_SPELLINGS",
    "NON_NUMERIC_ID_SPELLINGS",
    "NON_PRODUCTS",
    "REASONS",
    "REASON_OF_KIND",
    "RETAIL_QUANTITIES",
    "SEGMENTS",
    "SEGMENT_NAMES",
    "STRUCTURAL_KINDS",
    "WHOLESALE_QUANTITIES",
    "XLSX_MAX_LINES",
    "PlantedSegment",
    "generate_transactions",
    "iter_transactions",
    "main",
    "output_format",
    "planted_segments",
    "planted_truth",
    "write_transactions",
    "write_weekly_exports",
]
