"""CLI: ``python -m segmentation.report --warehouse PATH --out FILE``."""

from __future__ import annotations

import argparse
import os
import sys

from segmentation.report import write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m segmentation.report",
        description="Write the segmentation report, one self-contained HTML file, from a "
        "published warehouse (opened read-only).",
    )
    parser.add_argument(
        "--warehouse",
        default=os.environ.get("DUCKDB_PATH", "warehouse.duckdb"),
        help="the DuckDB warehouse (default: $DUCKDB_PATH, else warehouse.duckdb)",
    )
    parser.add_argument(
        "--out",
        default="reports/segmentation_report.html",
        help="the HTML file to write (default: reports/segmentation_report.html)",
    )
    args = parser.parse_args(argv)
    try:
        path = write_report(args.warehouse, args.out)
    except FileNotFoundError as error:
        print(f"segmentation.report: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
