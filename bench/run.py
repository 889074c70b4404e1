"""Benchmark: `dbt build` against plain pandas + scikit-learn and a bare DuckDB query.

``make bench`` runs this. For each size and format it generates a UCI Online Retail
export with the project's generator (``python -m segmentation.synth``, cached in
``bench/data/``), then times whole processes, alternating between the contenders
within one run (repeat r starts with a different contender):

``dbt``
    ``dbt build --exclude-resource-type unit_test --vars '{transactions_path: FILE}'``
    (the production build: unit tests check the SQL, not the file) from the project root, with
    ``DBT_PROFILES_DIR`` = the project root and ``DUCKDB_PATH`` in
    ``bench/results/``; a fresh warehouse every run. Per-model times come from the
    run's ``run_results.json``.
``pandas``
    ``bench/pandas_pipeline.py``: the same pipeline written the way a notebook does
    it, under an address-space cap (``--pandas-address-space-cap``).
``floor``
    ``bench/floor.py --reader native``: one DuckDB statement computing RFM from the
    file with DuckDB's typed reader (the cheapest answer; not exact on CSV, see there).
``floor_loader``
    ``bench/floor.py --reader loader``: the same statement over the project's loader
    (the contract's answer, no tables in between).

For every run it records the wall time from spawn to exit, the peak resident memory
of the whole process tree (``/proc`` polled every ``--poll-interval`` seconds, summed
over the tree, and the kernel's own high-water mark of the largest process from
``wait4``; the larger is reported), the CPU time of the tree, and the CPU time used
by anything else on the machine meanwhile (so a run disturbed by another workload
shows as such). Before each run it waits (up to ``--quiet-wait`` seconds) for the
machine to be idle, and a disturbed run is run again (``--retries``); the medians
count only the last attempt. A run that exceeds ``--memory-cap`` of resident memory or
``--timeout`` is killed and recorded as failed, never retried.

After each size and format it checks that dbt (``main.customer_rfm`` of the
published warehouse) and pandas agree on every customer's RFM: the same customers,
``recency_days`` and ``frequency`` exactly, ``monetary`` to the cent; the floors are
compared too, for information. Then it writes the report (``BENCHMARKS.md``) and the
raw results (``bench/results/run-<time>.json``).

Usage::

    python bench/run.py [--sizes 0.5M,5M,50M] [--formats csv,parquet] [--repeats 3]
        [--contenders dbt,pandas,floor,floor_loader] [--duckdb-memory-limit 3GB]
        [--merge bench/results/run-....json ...] [--report BENCHMARKS.md]

A tiny run: ``python bench/run.py --sizes 20000 --formats csv --repeats 1``. The exit
status is 0 when every dbt run succeeded and dbt and pandas agreed wherever both ran;
missed performance targets and pandas running out of memory are results, not errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from constants import BENCH_DIR, CONTENDERS, DEFAULT_SIZES, FORMATS, GIB, PROJECT_ROOT, SEED
from contenders import (  # noqa: F401
    Settings,
    _remove_warehouse,
    check_agreement,
    compare_rfm,
    generate,
    read_rfm,
    run_contender,
)
from measuring import Measurement, measure, parse_size, size_label  # noqa: F401
from reporting import render_report

# ----------------------------------------------------------------------- running


def machine_facts() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_bytes": memory,
        "kernel": platform.release(),
        "os": _os_name(),
        "python": platform.python_version(),
    }


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in (
        "dbt-core",
        "dbt-duckdb",
        "duckdb",
        "pandas",
        "numpy",
        "scikit-learn",
        "pyarrow",
    ):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" (with uncommitted changes)" if dirty else "")


def run_cell(
    lines: int, fmt: str, settings: Settings, log: Callable[[str], None]
) -> dict[str, Any]:
    """All repeats of all contenders on one size and format, then the agreement check."""
    data = generate(lines, fmt, settings.data_dir, settings.seed, log)
    cell_dir = settings.results_dir / f"{size_label(lines)}_{fmt}"
    cell_dir.mkdir(parents=True, exist_ok=True)
    log(f"{size_label(lines)} lines, {fmt}: {data['data_lines']:,} data lines")
    measurements: list[Measurement] = []
    latest: dict[str, Measurement] = {}
    contenders = list(settings.contenders)
    for repeat in range(1, settings.repeats + 1):
        shift = (repeat - 1) % len(contenders)
        for contender in contenders[shift:] + contenders[:shift]:
            for attempt in range(1, settings.retries + 2):
                measurement = run_contender(contender, data, cell_dir, repeat, settings, log)
                measurement.attempt = attempt
                measurements.append(measurement)
                if not measurement.disturbed or attempt > settings.retries:
                    break
                measurement.superseded = True
                log("    disturbed by other work: running it again once the machine is idle")
            latest[contender] = measurement
    agreement = check_agreement(cell_dir, latest)
    for contender, result in agreement.items():
        verdict = "agree" if result["agree"] else "DISAGREE"
        log(f"  dbt vs {contender}: {verdict} ({json.dumps(result)})")
    if not settings.keep_warehouses:
        _remove_warehouse(cell_dir)
    return {
        "lines": lines,
        "format": fmt,
        "data": data,
        "measurements": [asdict(m) for m in measurements],
        "agreement": agreement,
    }


def exit_status(cells: Iterable[dict[str, Any]]) -> int:
    """0 when every dbt run succeeded and dbt agreed with pandas wherever both ran."""
    for cell in cells:
        for m in cell["measurements"]:
            if m["contender"] == "dbt" and m["status"] != "ok":
                return 1
        pandas = cell["agreement"].get("pandas")
        if pandas is not None and not pandas["agree"]:
            return 1
    return 0


# -------------------------------------------------------------------------- main


def _parse_bytes(text: str) -> int:
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(GiB|GB|G|MiB|MB|M)?\s*", text, re.I)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a size such as 16GiB or 512MiB")
    unit = (match.group(2) or "GiB").lower()
    factor = GIB if unit.startswith("g") else 1 << 20
    return int(float(match.group(1)) * factor)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description="Time dbt build against pandas + scikit-learn and a bare DuckDB query.",
    )
    parser.add_argument(
        "--sizes", default=DEFAULT_SIZES, help=f"lines, comma separated (default {DEFAULT_SIZES})"
    )
    parser.add_argument("--formats", default=",".join(FORMATS), help="csv, parquet or both")
    parser.add_argument("--repeats", type=int, default=3, help="runs per contender (default 3)")
    parser.add_argument(
        "--contenders", default=",".join(CONTENDERS), help="default: " + ",".join(CONTENDERS)
    )
    parser.add_argument(
        "--duckdb-memory-limit",
        default="3GB",
        help="DUCKDB_MEMORY_LIMIT for dbt and the floors (default 3GB; '' leaves it unset)",
    )
    parser.add_argument("--duckdb-threads", default="", help="DUCKDB_THREADS (default unset)")
    parser.add_argument(
        "--memory-cap",
        type=_parse_bytes,
        default=16 * GIB,
        help="kill any contender above this resident memory (default 16GiB)",
    )
    parser.add_argument(
        "--pandas-address-space-cap",
        type=_parse_bytes,
        default=20 * GIB,
        help="RLIMIT_AS of the pandas process (default 20GiB)",
    )
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds per run (default 3600)"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=900.0,
        help="wait up to this many seconds for an idle machine before each run (default 900)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="run a disturbed run again up to this many times (default 2)",
    )
    parser.add_argument("--poll-interval", type=float, default=0.05, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=SEED, help=f"generator seed (default {SEED})")
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR / "data")
    parser.add_argument("--results-dir", type=Path, default=BENCH_DIR / "results")
    parser.add_argument("--report", type=Path, default=PROJECT_ROOT / "BENCHMARKS.md")
    parser.add_argument("--no-report", action="store_true", help="do not write the report")
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="*",
        default=[],
        help="earlier result files to include in the report (this run wins per size/format)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: write the report from the --merge files",
    )
    parser.add_argument(
        "--keep-warehouses", action="store_true", help="keep dbt's warehouses after each cell"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    earlier = [json.loads(path.read_text()) for path in args.merge]
    if args.report_only:
        if not earlier:
            _parser().error("--report-only needs --merge FILE ...")
        args.report.write_text(render_report(earlier))
        print(f"wrote {args.report}")
        return exit_status(cell for run in earlier for cell in run["cells"])

    try:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError as error:
        _parser().error(f"--sizes: {error}")
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    contenders = tuple(c.strip() for c in args.contenders.split(",") if c.strip())
    for name, values, allowed in (
        ("--formats", formats, FORMATS),
        ("--contenders", contenders, CONTENDERS),
    ):
        wrong = [v for v in values if v not in allowed]
        if wrong or not values:
            _parser().error(f"{name}: {', '.join(wrong) or 'empty'}; allowed: {', '.join(allowed)}")
    if args.repeats < 1:
        _parser().error("--repeats must be >= 1")

    settings = Settings(
        data_dir=args.data_dir.resolve(),
        results_dir=args.results_dir.resolve(),
        repeats=args.repeats,
        contenders=contenders,
        duckdb_memory_limit=args.duckdb_memory_limit or None,
        duckdb_threads=args.duckdb_threads or None,
        memory_cap=args.memory_cap,
        pandas_address_space_cap=args.pandas_address_space_cap,
        timeout=args.timeout,
        quiet_wait=args.quiet_wait,
        retries=args.retries,
        poll_interval=args.poll_interval,
        seed=args.seed,
        keep_warehouses=args.keep_warehouses,
    )
    settings.results_dir.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    results_file = settings.results_dir / f"run-{started:%Y%m%dT%H%M%SZ}.json"

    def log(message: str) -> None:
        print(message, flush=True)

    command = "python bench/run.py " + shlex.join(sys.argv[1:] if argv is None else list(argv))
    run: dict[str, Any] = {
        "started_at": started.isoformat(),
        "command": command.strip(),
        "commit": git_commit(),
        "machine": machine_facts(),
        "versions": versions(),
        "load_average_before": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "settings": {
            key: (str(value) if isinstance(value, Path) else value)
            for key, value in asdict(settings).items()
        },
        "results_file": str(results_file),
        "cells": [],
    }
    log(f"benchmark {run['command']} (commit {run['commit']}); results in {results_file}")
    for lines in sizes:
        for fmt in formats:
            run["cells"].append(run_cell(lines, fmt, settings, log))
            results_file.write_text(json.dumps(run, indent=1, default=str))
    run["finished_at"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    results_file.write_text(json.dumps(run, indent=1, default=str))
    if not args.no_report:
        args.report.write_text(render_report([*earlier, run]))
        log(f"wrote {args.report}")
    return exit_status(run["cells"])


if __name__ == "__main__":
    sys.exit(main())
