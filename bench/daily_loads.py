"""Benchmark: a daily load (one new weekly file) against a full build on the same files.

``make bench-daily`` runs this. It generates a year of exports as one file per ISO week
(:func:`segmentation.synth.write_weekly_exports`, cached in ``bench/data/``), then:

1. builds a warehouse on every week but the last (not timed) and keeps a copy of it;
2. adds the last week and times ``dbt build`` (the production build) on it: the
   **incremental** build, ``--repeats`` times, each from the kept copy;
3. builds a second warehouse on every week, then times ``dbt build --full-refresh`` on
   it ``--repeats`` times: the **full** build. Both timed builds run with their own warm
   ``--target-path`` (partial parsing applies to both, so the ratio is not flattered by
   a full parse). Each side's figure is its median run (this machine's timings vary by
   a second or more from run to run);
4. checks that the two published warehouses agree, relation by relation (the columns
   naming the build left out), and splits each build's time into dbt's start-up and
   parse, the incremental models, the rest of the SQL, the Python models (clustering),
   the data tests and the publication, from ``run_results.json``.

The result is ``bench/results/daily-loads-<size>-<format>-<threads>.json``; ``bench/run.py``
renders every such file as the "Daily loads" section of BENCHMARKS.md, and
``--report`` rewrites that section now.

Usage::

    python bench/daily_loads.py [--lines 5M] [--format parquet] [--report BENCHMARKS.md]
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

from measuring import marked_section, parse_size, replace_marked_section, size_label

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
DATA_DIR = PROJECT_ROOT / "bench" / "data"
#: Columns that say which build wrote a row or when, not what it computed.
STAMPS = ("dbt_run_id", "dbt_run_started_at", "loaded_by_run_id", "loaded_at")
#: The issue's goals: a daily load's time over a full build's, by total lines.
TARGET_RATIOS = {5_000_000: 0.5, 50_000_000: 0.15}
SECTION_START = "<!-- daily-loads:start -->"
SECTION_END = "<!-- daily-loads:end -->"


def exports(lines: int, customers: int, fmt: str, seed: int) -> list[Path]:
    """The weekly files of one generated year (generated once, then reused)."""
    from segmentation.synth import iter_transactions, write_weekly_exports

    folder = DATA_DIR / f"weekly-{size_label(lines)}-{customers}-{fmt}-seed{seed}"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        write_weekly_exports(
            iter_transactions(customers, seed, lines=lines, churn_share=0.1),
            folder,
            suffix=f".{fmt}",
        )
        done.touch()
    return sorted(folder.glob(f"week-*.{fmt}"))


def link(files: list[Path], folder: Path) -> None:
    """Hard-link (or copy) ``files`` into ``folder``, keeping size and modification time."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        try:
            os.link(file, folder / file.name)
        except OSError:
            shutil.copy2(file, folder / file.name)


def dbt(
    warehouse: Path, target: Path, folder: Path, fmt: str, threads: int, *extra: str
) -> dict[str, Any]:
    """Run the production build; return its wall time, log and run_results.json."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DUCKDB_PATH": str(warehouse),
    }
    command = [
        str(Path(sys.executable).with_name("dbt")),
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--target-path",
        str(target),
        "--vars",
        json.dumps({"transactions_path": str(folder / f"*.{fmt}")}),
        "--threads",
        str(threads),
        *extra,
    ]
    began = time.perf_counter()
    run = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - began
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{run.stdout[-4000:]}")
    results = json.loads((target / "run_results.json").read_text())
    return {"wall_seconds": wall, "log": run.stdout, "run_results": results}


def breakdown(
    run: dict[str, Any], incremental_models: set[str], python_models: set[str]
) -> dict[str, float]:
    """Seconds by part of the build (node times as dbt reports them; one thread)."""
    parts = dict.fromkeys(
        (
            "start-up and parse",
            "incremental models",
            "other SQL models and seeds",
            "Python models (clustering, file listing)",
            "data tests",
            "publication",
        ),
        0.0,
    )
    results = run["run_results"]
    parts["start-up and parse"] = run["wall_seconds"] - results["elapsed_time"]
    for node in results["results"]:
        uid, seconds = node["unique_id"], node["execution_time"]
        name = uid.split(".")[-1]
        if uid.startswith("test."):
            parts["data tests"] += seconds
        elif name == "warehouse_publication":
            parts["publication"] += seconds
        elif name in incremental_models:
            parts["incremental models"] += seconds
        elif name in python_models:
            parts["Python models (clustering, file listing)"] += seconds
        else:
            parts["other SQL models and seeds"] += seconds
    # dbt's own work between nodes (hooks, the run's start and end)
    parts["dbt between nodes"] = results["elapsed_time"] - sum(
        node["execution_time"] for node in results["results"]
    )
    return {key: round(value, 2) for key, value in parts.items()}


def compare(incremental: Path, full: Path) -> list[str]:
    """The published relations on which the two warehouses differ (none: they agree).

    In DuckDB, not pandas (the rejected lines of 50M lines do not fit in memory as
    frames): each relation without the stamp columns, ``source_file`` as its name only
    and doubles rounded to 9 significant digits (sums in another order differ in their
    last bits), ``except all`` both ways.
    """
    import duckdb

    differ = []
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{incremental}' as a (read_only)")
        con.execute(f"attach '{full}' as b (read_only)")
        names = [
            r[0] for r in con.sql("select relation from a.main.warehouse_publication").fetchall()
        ]
        for name in names:
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = 'a' and schema_name = 'main' and table_name = ?",
                [name],
            ).fetchall()
            kept = []
            for column, kind in columns:
                if column in STAMPS or column == "loaded_by_this_build":
                    continue
                quoted = f'"{column}"'
                if column == "source_file":
                    kept.append(f"regexp_extract({quoted}, '[^/]*$') as {quoted}")
                elif kind in ("DOUBLE", "FLOAT"):
                    kept.append(
                        f"case when {quoted} = 0 then 0 else round({quoted}, "
                        f"8 - cast(floor(log10(abs({quoted}))) as integer)) end as {quoted}"
                    )
                else:
                    kept.append(quoted)
            select = ", ".join(kept)
            query = (
                f"select count(*) from ((select {select} from a.main.{name} except all "
                f"select {select} from b.main.{name}) union all (select {select} from "
                f"b.main.{name} except all select {select} from a.main.{name}))"
            )
            if con.execute(query).fetchone()[0]:  # type: ignore[index]
                differ.append(name)
    return differ


def profile_threads(profiles: Path = PROJECT_ROOT / "profiles.yml") -> int:
    """The dbt threads of the DuckDB output of ``profiles.yml`` (what ``dbt build`` uses)."""
    import yaml

    profile = yaml.safe_load(profiles.read_text())["customer_segmentation"]
    return int(profile["outputs"][profile["target"]]["threads"])


def warehouse_files(warehouse: Path) -> list[Path]:
    """The published file and its work folder (``<warehouse>.build``)."""
    return [warehouse, warehouse.with_name(warehouse.name + ".build")]


def keep(warehouse: Path, copy: Path) -> None:
    """Copy the warehouse and its work folder into ``copy``."""
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    for path in warehouse_files(warehouse):
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, copy / path.name)


def restore(copy: Path, warehouse: Path) -> None:
    """Put back what :func:`keep` copied, as it was."""
    for path in warehouse_files(warehouse):
        if path.is_dir():
            shutil.rmtree(path)
            shutil.copytree(copy / path.name, path)
        else:
            shutil.copy2(copy / path.name, path)


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (the lower middle one of an even number)."""
    return sorted(runs, key=lambda run: run["wall_seconds"])[(len(runs) - 1) // 2]


def measure(
    lines: int, customers: int, fmt: str, seed: int, threads: int, repeats: int = 3
) -> dict[str, Any]:
    files = exports(lines, customers, fmt, seed)
    work = RESULTS_DIR / f"daily-loads-{size_label(lines)}-{fmt}-threads{threads}"
    shutil.rmtree(work, ignore_errors=True)
    link(files[:-1], work / "incremental")
    link(files, work / "full")
    wi, wf = work / "incremental.duckdb", work / "full.duckdb"
    dbt(wi, work / "target-incremental", work / "incremental", fmt, threads)
    keep(wi, work / "before-the-new-file")
    link(files[-1:], work / "incremental")
    incremental_runs = []
    for _ in range(repeats):
        restore(work / "before-the-new-file", wi)
        incremental_runs.append(
            dbt(wi, work / "target-incremental", work / "incremental", fmt, threads)
        )
    shutil.rmtree(work / "before-the-new-file")
    dbt(wf, work / "target-full", work / "full", fmt, threads)
    full_runs = [
        dbt(wf, work / "target-full", work / "full", fmt, threads, "--full-refresh")
        for _ in range(repeats)
    ]
    incremental, full = median_run(incremental_runs), median_run(full_runs)
    manifest = json.loads((work / "target-full" / "manifest.json").read_text())
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    incremental_models = {n["name"] for n in models if n["config"]["materialized"] == "incremental"}
    python_models = {n["name"] for n in models if n.get("language") == "python"}
    new_lines = next(
        (
            line.split("transactions: ")[1]
            for line in incremental["log"].splitlines()
            if "transactions: loaded" in line
        ),
        "",
    )
    return {
        "lines": lines,
        "customers": customers,
        "threads": threads,
        "format": fmt,
        "files": len(files),
        "new_file": files[-1].name,
        "new_file_bytes": files[-1].stat().st_size,
        "all_bytes": sum(f.stat().st_size for f in files),
        "loaded": new_lines,
        "repeats": repeats,
        "incremental_runs": [round(run["wall_seconds"], 2) for run in incremental_runs],
        "full_runs": [round(run["wall_seconds"], 2) for run in full_runs],
        "incremental_seconds": round(incremental["wall_seconds"], 2),
        "full_seconds": round(full["wall_seconds"], 2),
        "ratio": round(incremental["wall_seconds"] / full["wall_seconds"], 3),
        "incremental_parts": breakdown(incremental, incremental_models, python_models),
        "full_parts": breakdown(full, incremental_models, python_models),
        "differ": None,
        "published_bytes": wi.stat().st_size,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip(),
    }


def _timing(median: float, runs: list[float] | None) -> str:
    """``14.2 s (13.9-15.0)``: the median and, for several runs, their range."""
    if not runs or len(runs) < 2:
        return f"{median:.1f} s"
    return f"{median:.1f} s ({min(runs):.1f}-{max(runs):.1f})"


def render_section(results: list[dict[str, Any]]) -> str:
    """The "Daily loads" section of BENCHMARKS.md (empty without results)."""
    if not results:
        return ""
    out = [
        SECTION_START,
        "## Daily loads",
        "",
        "Generated by `bench/daily_loads.py` (`make bench-daily`): a year of exports as one",
        "file per ISO week; a warehouse built on every week but the last, then the last",
        "week added and `dbt build --exclude-resource-type unit_test` timed (incremental),",
        "against `dbt build --full-refresh` of a warehouse on every week (full), each",
        "with a warm target (partial parse). Each build is timed several times (runs);",
        "the figures are the median runs, the range in brackets, and the ratio is the",
        "median incremental over the median full build.",
        "",
        "| lines | customers | format | dbt threads | files | new file | runs | incremental "
        "| full | ratio | marts equal |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    ordered = sorted(results, key=lambda r: (r["lines"], r["format"], r["threads"]))
    for r in ordered:
        equal = (
            "not compared"
            if r["differ"] is None
            else "yes"
            if not r["differ"]
            else "no: " + ", ".join(r["differ"])
        )
        out.append(
            f"| {size_label(r['lines'])} | {r['customers']:,} | {r['format']} | {r['threads']} "
            f"| {r['files']} | {r['loaded']} | {r.get('repeats', 1)} | "
            f"{_timing(r['incremental_seconds'], r.get('incremental_runs'))} | "
            f"{_timing(r['full_seconds'], r.get('full_runs'))} | "
            f"{r['ratio']:.2f} | {equal} |"
        )
    out += [
        "",
        "Targets (issue: a daily load at most 0.5 of a full build at 5M lines, 0.15 at 50M):",
        "",
    ]
    for r in ordered:
        goal = TARGET_RATIOS.get(r["lines"])
        if goal is not None:
            verdict = "met" if r["ratio"] <= goal else "missed"
            out.append(
                f"- {size_label(r['lines'])} lines, {r['format']}, {r['threads']} dbt thread(s): "
                f"{r['ratio']:.2f} against at most {goal} ({verdict})"
            )
    for r in ordered:
        parts = r["incremental_parts"]
        fixed = sum(v for k, v in parts.items() if k != "incremental models" and v > 0)
        out += [
            "",
            f"### Where the time goes: {size_label(r['lines'])} lines, {r['format']}, "
            f"{r['threads']} dbt thread(s)",
            "",
            "| part | incremental | full |",
            "| --- | --- | --- |",
        ]
        for part, seconds in parts.items():
            if part == "dbt between nodes" and r["threads"] > 1:
                continue  # nodes overlap: their times add up to more than the wall time
            out.append(f"| {part} | {seconds:.2f} s | {r['full_parts'][part]:.2f} s |")
        overlap = (
            f"With {r['threads']} dbt threads the nodes overlap and share the cores, so "
            f"these node times add up to more than the wall time "
            f"({r['incremental_seconds']:.1f} s). "
            if r["threads"] > 1
            else ""
        )
        out += [
            "",
            f"{overlap}Of the incremental build, {fixed:.1f} s is work that does not shrink with "
            f"the new file: dbt's start-up and parse, the per-customer models (RFM, the "
            f"clustering, the history of {r['customers']:,} customers, EDA), the data "
            f"tests and the publication; the incremental models take "
            f"{parts['incremental models']:.1f} s (full: "
            f"{r['full_parts']['incremental models']:.1f} s). Published warehouse "
            f"{r['published_bytes'] / 2**20:.0f} MiB; measured {r['measured_at']} at "
            f"{r['commit']} on {r['machine']}.",
        ]
    out.append(SECTION_END)
    return "\n".join(out) + "\n"


def stored_results() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(RESULTS_DIR.glob("daily-loads-*.json"))]


def current_section(report: Path = PROJECT_ROOT / "BENCHMARKS.md") -> str:
    """The section as ``report`` has it now (kept when no result files are at hand)."""
    return marked_section(report, SECTION_START, SECTION_END)


def write_section(report: Path, section: str) -> None:
    """Replace (or append) the daily-loads section of ``report``."""
    replace_marked_section(report, section, SECTION_START, SECTION_END)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", default="5M", help="total lines of the year (5M, 50M)")
    parser.add_argument("--format", default="parquet", choices=("parquet", "csv"))
    parser.add_argument("--customers", type=int, default=150_000)
    parser.add_argument(
        "--threads",
        type=int,
        default=profile_threads(),
        help="dbt threads (default: the profile's)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs of each build (the median is kept)"
    )
    parser.add_argument("--report", type=Path, default=PROJECT_ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats is {args.repeats}; allowed: an integer >= 1")
    result = measure(
        parse_size(args.lines), args.customers, args.format, args.seed, args.threads, args.repeats
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    name = f"daily-loads-{size_label(result['lines'])}-{result['format']}-{args.threads}.json"
    (RESULTS_DIR / name).write_text(json.dumps(result, indent=1))  # the timings first
    work = RESULTS_DIR / f"daily-loads-{size_label(result['lines'])}-{result['format']}"
    work = work.with_name(f"{work.name}-threads{args.threads}")
    result["differ"] = compare(work / "incremental.duckdb", work / "full.duckdb")
    (RESULTS_DIR / name).write_text(json.dumps(result, indent=1))
    write_section(args.report, render_section(stored_results()))
    print(json.dumps({k: v for k, v in result.items() if not k.endswith("_parts")}, indent=1))
    return 0 if not result["differ"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
