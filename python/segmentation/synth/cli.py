"""``python -m segmentation.synth``: the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterable, Iterator, Sequence

import pandas as pd

from .generate import iter_transactions, planted_truth
from .spec import DATE_STYLES, DEFAULT_START, ENCODINGS, FORMATS, LAYOUTS, output_format
from .writers import write_transactions

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
    parser.add_argument(
        "--id-messes",
        action="store_true",
        help="also plant CustomerIDs written as the contract's NA spellings (nan, NULL, "
        "None, N/A) and as text that is no number (CSV only; default: off, as the "
        "bundled sample)",
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
            id_messes=args.id_messes,
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
