"""Benchmark: the spark target against the DuckDB target on the same file.

``make bench-spark`` runs this. For each size it generates one CSV export (cached in
``bench/data/``), lists the models the spark target builds (the SQL layer: readers,
cleaning, row accounting, RFM, EDA; ``dbt ls --target spark``), and on each target:

1. times ``dbt show --inline 'select 1'``: dbt's start-up, the parse and, for Spark,
   the start of a local session; nothing is read;
2. times ``dbt build --exclude-resource-type unit_test --select <those models>`` (the
   production build, restricted to what both targets build), with a warm
   ``--target-path`` on each;
3. checks that both targets' ``transaction_audit`` is the same (tests/python/
   test_spark_target.py compares every relation; this guards the timed runs).

The timings are ratios measured in one run on one machine, written to
``bench/results/spark-target-<size>.json`` and rendered as the "Spark target" section of
BENCHMARKS.md.

Usage::

    python bench/spark_target.py [--sizes 0.5M 5M] [--report BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from measuring import marked_section, parse_size, replace_marked_section, size_label

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
DATA_DIR = PROJECT_ROOT / "bench" / "data"
DBT = Path(sys.executable).with_name("dbt")
#: profiles.yml's target for each engine.
TARGETS = {"duckdb": "dev", "spark": "spark"}
SECTION_START = "<!-- spark-target:start -->"
SECTION_END = "<!-- spark-target:end -->"


def export(lines: int, seed: int = 7) -> Path:
    """A generated CSV export of about ``lines`` lines (generated once, then reused)."""
    path = DATA_DIR / f"spark-{size_label(lines)}-seed{seed}.csv"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "segmentation.synth",
                *("--lines", str(lines)),
                *("--seed", str(seed), "--out", str(path)),
            ],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "python")},
            check=True,
        )
    return path


def dbt(args: list[str], work: Path, engine: str, variables: dict[str, str]) -> float:
    """Run ``dbt <args>`` on ``engine``'s target in ``work``; its wall time in seconds."""
    command = [str(DBT), *args, "--target", TARGETS[engine], "--vars", json.dumps(variables)]
    command += ["--target-path", str(work / f"target-{engine}")]
    environment = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DUCKDB_PATH": str(work / engine / "warehouse.duckdb"),
    }
    started = time.perf_counter()
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=environment, capture_output=True)
    elapsed = time.perf_counter() - started
    if done.returncode:
        output = (done.stdout + done.stderr).decode(errors="replace")
        raise SystemExit(f"dbt {' '.join(args)} on {engine} failed:\n{output[-3000:]}")
    return elapsed


def spark_models(work: Path, variables: dict[str, str]) -> list[str]:
    """The models (and the seeds they read) the spark target builds."""
    environment = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT)}
    environment["DUCKDB_PATH"] = str(work / "spark" / "warehouse.duckdb")
    listed = subprocess.run(
        [
            *(str(DBT), "ls", "--target", "spark", "--resource-type", "model"),
            *("--resource-type", "seed"),
            *("--output", "name", "--quiet", "--vars", json.dumps(variables)),
            *("--target-path", str(work / "target-spark")),
        ],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(line.strip() for line in listed.stdout.splitlines() if line.strip())


def audit(work: Path, engine: str) -> list[tuple]:
    """transaction_audit as one target built it."""
    warehouse = work / engine / "warehouse.duckdb"
    con = duckdb.connect()
    if engine == "spark":
        files = Path(f"{warehouse}.spark") / "warehouse" / "main.db" / "transaction_audit"
        relation = f"read_parquet('{files}/*.parquet')"
    else:
        con.execute(f"attach '{warehouse}.build/warehouse.duckdb' as w (read_only)")
        relation = "w.main.transaction_audit"
    return con.execute(f"select reason, row_count from {relation} order by rule_order").fetchall()


def measure(lines: int) -> dict[str, Any]:
    path = export(lines)
    work = RESULTS_DIR / f"spark-target-{size_label(lines)}"
    shutil.rmtree(work, ignore_errors=True)
    for engine in TARGETS:
        (work / engine).mkdir(parents=True)
    variables = {"transactions_path": str(path)}
    models = spark_models(work, variables)
    build = ["build", "--exclude-resource-type", "unit_test", "--select", *models]
    result: dict[str, Any] = {"lines": lines, "file_bytes": path.stat().st_size}
    result["models"] = len(models)  # with the seeds
    for engine in TARGETS:
        dbt(["parse"], work, engine, variables)  # warm the target path
        result[f"{engine}_startup_s"] = dbt(
            ["show", "--inline", "select 1 as one"], work, engine, variables
        )
        result[f"{engine}_build_s"] = dbt(build, work, engine, variables)
    result["same_audit"] = audit(work, "duckdb") == audit(work, "spark")
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    return result


def render_section(results: list[dict[str, Any]]) -> str:
    """The "Spark target" section of BENCHMARKS.md (empty without results)."""
    if not results:
        return ""
    out = [SECTION_START, "## Spark target", ""]
    out += [
        "`make bench-spark` (`bench/spark_target.py`) builds the models the spark target",
        "builds (the SQL layer: readers, cleaning, row accounting, RFM, EDA) on both targets",
        "from one generated CSV, the production build (`--exclude-resource-type unit_test`),",
        "each with a warm target path; start-up is `dbt show --inline 'select 1'`. The",
        "Spark target is a local session (`local[*]`) on this machine: its figures are the",
        "local-mode overhead, not what a cluster gives. Ratios of one run.",
        "",
        "| lines | models and seeds | Spark build / DuckDB build | Spark start-up / DuckDB start-up"
        " | Spark start-up share of its build | same audit |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in sorted(results, key=lambda r: r["lines"]):
        out.append(
            f"| {size_label(r['lines'])} | {r['models']} "
            f"| {r['spark_build_s'] / r['duckdb_build_s']:.1f} "
            f"| {r['spark_startup_s'] / r['duckdb_startup_s']:.1f} "
            f"| {r['spark_startup_s'] / r['spark_build_s']:.0%} "
            f"| {'yes' if r['same_audit'] else 'NO'} |"
        )
    out += ["", SECTION_END]
    return "\n".join(out) + "\n"


def stored_results() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(RESULTS_DIR.glob("spark-target-*.json"))]


def current_section(report: Path = PROJECT_ROOT / "BENCHMARKS.md") -> str:
    """The section as ``report`` has it now (kept when no result files are at hand)."""
    return marked_section(report, SECTION_START, SECTION_END)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["0.5M", "5M"])
    parser.add_argument("--report", type=Path, default=PROJECT_ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        result = measure(parse_size(size))
        name = f"spark-target-{size_label(result['lines'])}.json"
        (RESULTS_DIR / name).write_text(json.dumps(result, indent=1))
        print(json.dumps(result, indent=1))
    stored = stored_results()
    replace_marked_section(args.report, render_section(stored), SECTION_START, SECTION_END)
    return 0 if all(r["same_audit"] for r in stored) else 1


if __name__ == "__main__":
    raise SystemExit(main())
