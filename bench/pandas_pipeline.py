"""The same pipeline in plain pandas + scikit-learn, written the way a notebook does it.

RFM by the contract's definitions (../shared/design/contract.md), then log1p +
StandardScaler + KMeans for k = 2..10 with the silhouette on a seeded sample of
10,000 customers, k chosen by the best silhouette. Honest, not tuned: whole-frame
reads, ``dropna``, ``drop_duplicates``, boolean filters, ``groupby().agg``, the
scikit-learn defaults the project's vars also use (``n_init=10``,
``random_state=42``).

Usage::

    python bench/pandas_pipeline.py --input FILE.csv|FILE.parquet --out RFM.parquet
        [--non-product-codes seeds/non_product_stock_codes.csv]

Writes ``customer_id, recency_days, frequency, monetary, cluster`` to ``--out`` and
prints one JSON line with the customers, the chosen k and the time of each step.
Exits with status 3 (and ``"failed": "out of memory"``) on a MemoryError, so the
harness can tell running out of memory from a crash.

The one thing a notebook would not have to write is :class:`WellFormedLines`. The
contract counts a line that cannot be split into the header's eight fields as
malformed, and ``pd.read_csv`` cannot say so by itself: with ``on_bad_lines="skip"``
it drops lines with too many fields but pads lines with too few, and a line with an
unclosed quote swallows the lines after it up to the next quote (so they vanish or
merge). The wrapper hands ``read_csv`` only lines with an even number of quotes and
eight fields; it streams, so it adds no copy of the file in memory.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CODES = PROJECT_ROOT / "seeds" / "non_product_stock_codes.csv"
HEADER = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)
K_RANGE = range(2, 11)
SILHOUETTE_SAMPLE = 10_000
RANDOM_STATE = 42
N_INIT = 10
OUT_OF_MEMORY_STATUS = 3


class WellFormedLines:
    """A binary file-like reader over ``path`` that leaves out lines of the wrong shape.

    A line passes when it has an even number of double quotes and splits (CSV rules)
    into exactly ``field_count`` fields; empty lines are left out too. The header
    passes through. ``dropped`` counts the lines left out.
    """

    BLOCK = 1 << 24

    def __init__(self, path: str | Path, field_count: int = len(HEADER)) -> None:
        self._handle = open(path, "rb")  # noqa: SIM115 - closed by close() / read_csv
        self._commas = field_count - 1
        self._field_count = field_count
        self._tail = b""
        self._out = bytearray()
        self._eof = False
        self.dropped = 0

    def _quoted_line_ok(self, line: bytes) -> bool:
        if not line or line.count(b'"') % 2:
            return False
        fields = next(csv.reader([line.decode("utf-8", errors="replace")]))
        return len(fields) == self._field_count

    def _fill(self) -> None:
        block = self._handle.read(self.BLOCK)
        if not block:
            self._eof = True
            block, self._tail = self._tail, b""
            if not block:
                return
            lines = block.split(b"\n")
        else:
            block = self._tail + block
            cut = block.rfind(b"\n") + 1
            self._tail = block[cut:]
            lines = block[:cut].split(b"\n")[:-1]
        commas = self._commas
        kept = [
            line
            for line in lines
            if (b'"' not in line and line.count(b",") == commas) or self._quoted_line_ok(line)
        ]
        self.dropped += len(lines) - len(kept)
        if kept:
            self._out += b"\n".join(kept)
            self._out += b"\n"

    def read(self, size: int = -1) -> bytes:
        while not self._eof and (size < 0 or len(self._out) < size):
            self._fill()
        if size < 0 or size >= len(self._out):
            chunk, self._out = bytes(self._out), bytearray()
        else:
            chunk = bytes(self._out[:size])
            del self._out[:size]
        return chunk

    def __iter__(self):  # pandas checks for a file-like by read() or __iter__
        return self

    def __next__(self) -> bytes:
        raise StopIteration

    def close(self) -> None:
        self._handle.close()


def non_product_codes(path: Path) -> list[str]:
    """The stock codes of the seed ``non_product_stock_codes`` (first column)."""
    return pd.read_csv(path, dtype=str).iloc[:, 0].tolist()


def read_export(path: str) -> pd.DataFrame:
    """The export as read by a notebook: one row per line, the UCI column names."""
    if path.endswith(".parquet"):
        return pd.read_parquet(path)
    lines = WellFormedLines(path)
    try:
        return pd.read_csv(
            lines,
            dtype={"InvoiceNo": str, "StockCode": str, "Description": str, "Country": str},
            encoding="utf-8",
        )
    finally:
        lines.close()


def clean(df: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """The lines the contract keeps, in its order: cast, dropna, drop_duplicates, filters."""
    # values that do not cast are the contract's malformed lines: coerce to NaN, drop
    df["Quantity"] = pd.to_numeric(df["Quantity"], errors="coerce")
    df["UnitPrice"] = pd.to_numeric(df["UnitPrice"], errors="coerce")
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"], errors="coerce", format="ISO8601")
    df["CustomerID"] = pd.to_numeric(df["CustomerID"], errors="coerce")
    df = df.dropna(subset=["Quantity", "UnitPrice", "InvoiceDate", "CustomerID"])
    df = df[(df["Quantity"] % 1 == 0) & (df["CustomerID"] % 1 == 0)]

    df = df.drop_duplicates()
    df = df[~df["InvoiceNo"].str.startswith("C")]
    df = df[(df["Quantity"] > 0) & (df["UnitPrice"] > 0)]
    df = df[~df["StockCode"].isin(codes)]
    return df


def rfm_table(df: pd.DataFrame) -> pd.DataFrame:
    """recency_days, frequency and monetary per customer from the kept lines."""
    df["TotalPrice"] = df["Quantity"] * df["UnitPrice"]
    snapshot = df["InvoiceDate"].max().normalize() + pd.Timedelta(days=1)
    rfm = df.groupby("CustomerID").agg(
        last_purchase=("InvoiceDate", "max"),
        frequency=("InvoiceNo", "nunique"),
        monetary=("TotalPrice", "sum"),
    )
    rfm["recency_days"] = (snapshot - rfm["last_purchase"].dt.normalize()).dt.days
    rfm["monetary"] = rfm["monetary"].round(2)
    rfm = rfm.reset_index().rename(columns={"CustomerID": "customer_id"})
    rfm["customer_id"] = rfm["customer_id"].astype("int64")
    return rfm[["customer_id", "recency_days", "frequency", "monetary"]]


def cluster(rfm: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, float]]:
    """log1p + StandardScaler + KMeans, k = 2..10 by the silhouette on 10,000 customers."""
    X = np.log1p(rfm[["recency_days", "frequency", "monetary"]])
    X = StandardScaler().fit_transform(X)
    models: dict[int, KMeans] = {}
    silhouettes: dict[int, float] = {}
    for k in K_RANGE:
        if k >= len(rfm):
            break
        models[k] = KMeans(n_clusters=k, n_init=N_INIT, random_state=RANDOM_STATE).fit(X)
        silhouettes[k] = float(
            silhouette_score(
                X,
                models[k].labels_,
                sample_size=min(SILHOUETTE_SAMPLE, len(rfm)),
                random_state=RANDOM_STATE,
            )
        )
    best = max(silhouettes, key=lambda k: silhouettes[k])
    rfm = rfm.assign(cluster=models[best].labels_)
    return rfm, silhouettes


def run(input_path: str, out: str, codes_path: Path) -> dict[str, Any]:
    """The notebook, top to bottom; one name for the frame, so each step frees the last."""
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        clock = now

    codes = non_product_codes(codes_path)
    df = read_export(input_path)
    lines = len(df)
    lap("read")
    df = clean(df, codes)
    rfm = rfm_table(df)
    del df
    lap("rfm")
    rfm, silhouettes = cluster(rfm)
    lap("cluster")
    rfm.to_parquet(out, index=False)
    lap("write")
    best = max(silhouettes, key=lambda k: silhouettes[k])
    return {"lines_read": lines, "customers": len(rfm), "k": best, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="the export: .csv or .parquet")
    parser.add_argument("--out", required=True, help="RFM per customer, written as Parquet")
    parser.add_argument("--non-product-codes", default=str(DEFAULT_CODES))
    args = parser.parse_args(argv)
    try:
        summary = run(args.input, args.out, Path(args.non_product_codes))
    except MemoryError as error:
        print(json.dumps({"failed": "out of memory", "error": repr(error)[:300]}))
        return OUT_OF_MEMORY_STATUS
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
