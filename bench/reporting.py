"""BENCHMARKS.md from the result files."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from constants import (
    CLUSTERING_MODELS,
    CONTENDERS,
    DISTURBED_SHARE,
    FORMATS,
    PROJECT_ROOT,
    TARGET_BIG_DBT_PEAK,
    TARGET_BIG_PANDAS_FACTOR,
    TARGET_LINES_BIG,
    TARGET_LINES_MID,
    TARGET_MEMORY_RATIO,
    TARGET_SQL_OVER_FLOOR,
    TARGET_WALL_RATIO,
)
from contenders import node_name
from measuring import format_bytes, peak_between, size_label

# ----------------------------------------------------------------------- report


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def counted(cell: dict[str, Any], contender: str) -> list[dict[str, Any]]:
    """The runs of one contender that count: all but those disturbed and run again."""
    return [
        m
        for m in cell["measurements"]
        if m["contender"] == contender and not m.get("superseded", False)
    ]


def summarise(cell: dict[str, Any], contender: str) -> dict[str, Any] | None:
    runs = counted(cell, contender)
    if not runs:
        return None
    ok = [m for m in runs if m["status"] == "ok"]
    failures = sorted({m["status"] for m in runs if m["status"] != "ok"})
    return {
        "runs": len(runs),
        "ok": len(ok),
        "wall": _median([m["wall_seconds"] for m in ok]),
        "peak": _median([m["peak_rss_bytes"] for m in ok]),
        "failed_peak": max((m["peak_rss_bytes"] for m in runs if m not in ok), default=None),
        "failures": failures,
        "disturbed": sum(m["disturbed"] for m in runs),
    }


def dbt_breakdown(cell: dict[str, Any]) -> dict[str, Any]:
    """Median seconds per dbt node and per kind of node over the successful dbt runs."""
    measurements = [
        m for m in counted(cell, "dbt") if m["status"] == "ok" and m["details"].get("nodes")
    ]
    runs = [m["details"] for m in measurements]
    walls = [m["wall_seconds"] for m in counted(cell, "dbt") if m["status"] == "ok"]
    if not runs:
        return {}
    per_node: dict[str, list[float]] = {}
    kinds: dict[str, str] = {}
    rfm_path: dict[str, bool] = {}
    for run in runs:
        for node in run["nodes"]:
            per_node.setdefault(node["node"], []).append(node["seconds"])
            kinds[node["node"]] = node["kind"]
            rfm_path[node["node"]] = node["rfm_path"]
    node_median = {node: statistics.median(values) for node, values in per_node.items()}
    node_peaks: dict[str, list[int]] = {}
    for m in measurements:
        for node in m["details"]["nodes"]:
            if node.get("started_at") and node.get("completed_at"):
                peak = peak_between(m, node["started_at"], node["completed_at"])
                if peak is not None:
                    node_peaks.setdefault(node["node"], []).append(peak)
    node_peak = {node: int(statistics.median(values)) for node, values in node_peaks.items()}

    def total(select: Callable[[str], bool]) -> float:
        return sum(seconds for node, seconds in node_median.items() if select(node))

    def peak(select: Callable[[str], bool]) -> int | None:
        return max((p for node, p in node_peak.items() if select(node)), default=None)

    name = node_name

    selectors: dict[str, Callable[[str], bool]] = {
        "SQL work on the lines (every model but clustering and publication)": (
            lambda n: (
                kinds[n].endswith("model")
                and name(n) not in CLUSTERING_MODELS
                and name(n) != "warehouse_publication"
            )
        ),
        "of which the models customer_rfm depends on (the RFM path)": (
            lambda n: kinds[n].endswith("model") and rfm_path[n]
        ),
        "clustering (Python models: " + ", ".join(CLUSTERING_MODELS) + ")": (
            lambda n: name(n) in CLUSTERING_MODELS
        ),
        "publication (copy of the published relations)": (
            lambda n: name(n) == "warehouse_publication"
        ),
        "data tests": (lambda n: kinds[n] == "test"),
        "unit tests": (lambda n: kinds[n] == "unit_test"),
        "seeds": (lambda n: kinds[n] == "seed"),
    }
    groups = {part: total(select) for part, select in selectors.items()}
    group_peaks = {part: peak(select) for part, select in selectors.items()}
    elapsed = statistics.median([run["elapsed_seconds"] for run in runs])
    wall = statistics.median(walls)
    groups["dbt start-up, parsing, compiling (wall minus node times)"] = wall - total(
        lambda n: True
    )
    top = sorted(node_median.items(), key=lambda item: -item[1])[:10]
    return {
        "groups": groups,
        "top": [(node, kinds[node], seconds, node_peak.get(node)) for node, seconds in top],
        "group_peaks": group_peaks,
        "elapsed": elapsed,
        "wall": wall,
        "rfm_path_seconds": total(lambda n: kinds[n].endswith("model") and rfm_path[n]),
    }


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} s"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def _cell_result(summary: dict[str, Any] | None, value: str) -> str:
    if summary is None:
        return "not run"
    if summary["ok"] == 0:
        failed = "; ".join(summary["failures"])
        if value == "peak" and summary["failed_peak"]:
            return f"{failed}, at {format_bytes(summary['failed_peak'])}"
        return failed
    text = _seconds(summary["wall"]) if value == "wall" else format_bytes(summary["peak"])
    if summary["ok"] < summary["runs"]:
        text += f" ({summary['runs'] - summary['ok']} of {summary['runs']} failed)"
    return text


def targets(cells: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(target, size/format, measured, PASS/FAIL/not run) rows."""
    rows: list[tuple[str, str, str, str]] = []
    by_key = {(c["lines"], c["format"]): c for c in cells}
    for fmt in FORMATS:
        cell = by_key.get((TARGET_LINES_MID, fmt))
        where = f"5M {fmt}"
        if cell is None:
            rows.append(("dbt wall <= 0.5 x pandas wall", where, "-", "not run"))
            rows.append(("dbt peak memory <= 0.5 x pandas peak", where, "-", "not run"))
            continue
        dbt, pandas = summarise(cell, "dbt"), summarise(cell, "pandas")
        for label, key, limit in (
            ("dbt wall <= 0.5 x pandas wall", "wall", TARGET_WALL_RATIO),
            ("dbt peak memory <= 0.5 x pandas peak", "peak", TARGET_MEMORY_RATIO),
        ):
            if not dbt or not pandas or dbt["ok"] == 0:
                rows.append((label, where, "dbt did not run", "not run"))
            elif pandas["ok"] == 0:
                rows.append((label, where, "pandas: " + "; ".join(pandas["failures"]), "PASS"))
            else:
                ratio = dbt[key] / pandas[key]
                rows.append((label, where, f"{ratio:.2f}", "PASS" if ratio <= limit else "FAIL"))
    for fmt in FORMATS:
        cell = by_key.get((TARGET_LINES_BIG, fmt))
        where = f"50M {fmt}"
        if cell is None:
            rows.append(("dbt peak memory < 4 GiB", where, "-", "not run"))
            rows.append(("pandas needs >= 3 x dbt's memory, or fails", where, "-", "not run"))
            continue
        dbt, pandas = summarise(cell, "dbt"), summarise(cell, "pandas")
        if dbt and dbt["ok"]:
            rows.append(
                (
                    "dbt peak memory < 4 GiB",
                    where,
                    format_bytes(dbt["peak"]),
                    "PASS" if dbt["peak"] < TARGET_BIG_DBT_PEAK else "FAIL",
                )
            )
        else:
            rows.append(("dbt peak memory < 4 GiB", where, "dbt failed", "FAIL"))
        label = "pandas needs >= 3 x dbt's memory, or fails"
        if not pandas or not dbt or not dbt["ok"]:
            rows.append((label, where, "-", "not run"))
        elif pandas["ok"] == 0:
            rows.append((label, where, "pandas: " + "; ".join(pandas["failures"]), "PASS"))
        else:
            factor = pandas["peak"] / dbt["peak"]
            rows.append(
                (
                    label,
                    where,
                    f"{factor:.1f} x",
                    "PASS" if factor >= TARGET_BIG_PANDAS_FACTOR else "FAIL",
                )
            )
    for cell in sorted(cells, key=lambda c: (c["lines"], c["format"])):
        where = f"{size_label(cell['lines'])} {cell['format']}"
        breakdown = dbt_breakdown(cell)
        floor = summarise(cell, "floor")
        label = "dbt's RFM-path SQL <= 2 x the floor"
        if not breakdown or not floor or not floor["ok"]:
            rows.append((label, where, "-", "not run"))
            continue
        ratio = breakdown["rfm_path_seconds"] / floor["wall"]
        rows.append(
            (label, where, f"{ratio:.2f}", "PASS" if ratio <= TARGET_SQL_OVER_FLOOR else "FAIL")
        )
    return rows


def _shown_path(path: Path) -> str:
    """``path`` relative to the project root when it is inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return lines


def render_report(runs: list[dict[str, Any]]) -> str:
    """BENCHMARKS.md from one or more result files (later runs win per size and format)."""
    cells_by_key: dict[tuple[int, str], dict[str, Any]] = {}
    run_of_cell: dict[tuple[int, str], dict[str, Any]] = {}
    for run in runs:
        for cell in run["cells"]:
            cells_by_key[(cell["lines"], cell["format"])] = cell
            run_of_cell[(cell["lines"], cell["format"])] = run
    cells = [cells_by_key[key] for key in sorted(cells_by_key)]
    used_runs = list({id(r): r for r in run_of_cell.values()}.values())
    first = used_runs[0]
    machine = first["machine"]

    out = ["# Benchmarks: dbt build vs pandas at tens of millions of lines", ""]
    out += [
        "Generated by `bench/run.py` (`make bench`); every figure below comes from the",
        "result files listed at the end and can be reproduced with the commands there.",
        "Medians over the successful repeats; memory is the peak resident memory of the",
        "whole process tree. Ratios below 1 favour dbt.",
        "",
        "## Results",
        "",
    ]
    header = [
        "lines",
        "format",
        "dbt wall",
        "pandas wall",
        "floor wall",
        "floor (loader) wall",
        "dbt peak",
        "pandas peak",
        "floor peak",
        "dbt / pandas wall",
        "dbt / pandas memory",
        "dbt / floor wall",
        "RFM-path SQL / floor",
        "dbt = pandas RFM",
    ]
    rows = []
    for cell in cells:
        s = {c: summarise(cell, c) for c in CONTENDERS}
        breakdown = dbt_breakdown(cell)
        agreement = cell["agreement"].get("pandas")

        def value(contender: str, key: str, s: dict[str, Any] = s) -> float | None:
            summary = s[contender]
            return summary[key] if summary and summary["ok"] else None

        rows.append(
            [
                f"{cell['data']['data_lines']:,}",
                cell["format"],
                _cell_result(s["dbt"], "wall"),
                _cell_result(s["pandas"], "wall"),
                _cell_result(s["floor"], "wall"),
                _cell_result(s["floor_loader"], "wall"),
                _cell_result(s["dbt"], "peak"),
                _cell_result(s["pandas"], "peak"),
                _cell_result(s["floor"], "peak"),
                _ratio(value("dbt", "wall"), value("pandas", "wall")),
                _ratio(value("dbt", "peak"), value("pandas", "peak")),
                _ratio(value("dbt", "wall"), value("floor", "wall")),
                _ratio(breakdown.get("rfm_path_seconds"), value("floor", "wall")),
                "-"
                if agreement is None
                else ("yes, every customer" if agreement["agree"] else "NO"),
            ]
        )
    out += _table(header, rows)
    out += ["", "## Targets", ""]
    out += _table(["target", "where", "measured", "result"], targets(cells))
    out += [""]

    out += ["## Where dbt's time goes", ""]
    for cell in cells:
        breakdown = dbt_breakdown(cell)
        if not breakdown:
            continue
        where = f"{size_label(cell['lines'])} lines, {cell['format']}"
        out += [
            f"### {where}: `dbt build` {_seconds(breakdown['wall'])} wall",
            "",
        ]
        group_peaks = breakdown.get("group_peaks", {})
        out += _table(
            ["part", "seconds (median)", "share of wall", "peak memory meanwhile"],
            [
                [
                    part,
                    f"{seconds:,.1f}",
                    f"{seconds / breakdown['wall']:.0%}",
                    format_bytes(group_peaks.get(part)),
                ]
                for part, seconds in breakdown["groups"].items()
            ],
        )
        out += ["", "Slowest nodes:", ""]
        out += _table(
            ["node", "kind", "seconds (median)", "peak memory meanwhile"],
            [
                [node_name(node), kind, f"{sec:,.1f}", format_bytes(peak)]
                for node, kind, sec, peak in breakdown["top"]
            ],
        )
        out += [""]

    out += ["## Where pandas' time goes", ""]
    step_rows = []
    for cell in cells:
        runs_ok = [
            m
            for m in counted(cell, "pandas")
            if m["status"] == "ok" and m["details"].get("seconds")
        ]
        if not runs_ok:
            continue
        steps = runs_ok[0]["details"]["seconds"]
        medians = {
            step: statistics.median([m["details"]["seconds"][step] for m in runs_ok])
            for step in steps
        }
        step_rows.append(
            [
                size_label(cell["lines"]),
                cell["format"],
                *(f"{medians.get(step, 0):,.1f}" for step in ("read", "rfm", "cluster", "write")),
                str(runs_ok[0]["details"].get("k", "-")),
            ]
        )
    out += _table(
        ["lines", "format", "read s", "RFM s", "clustering s", "write s", "k chosen"], step_rows
    )
    out += [""]

    out += ["## Agreement", ""]
    agreement_rows = []
    for cell in cells:
        for contender, result in cell["agreement"].items():
            agreement_rows.append(
                [
                    size_label(cell["lines"]),
                    cell["format"],
                    f"dbt vs {contender}",
                    f"{result['customers_a']:,} / {result['customers_b']:,}",
                    str(result["only_in_a"] + result["only_in_b"]),
                    str(result["recency_days_differ"]),
                    str(result["frequency_differ"]),
                    str(result["monetary_differs"]),
                    "agree" if result["agree"] else "DISAGREE",
                ]
            )
    out += _table(
        [
            "lines",
            "format",
            "pair",
            "customers",
            "in one only",
            "recency differs",
            "frequency differs",
            "monetary differs (cents)",
            "verdict",
        ],
        agreement_rows,
    )
    out += [
        "",
        "dbt is read from `main.customer_rfm` of the published warehouse. The bare floor",
        "uses DuckDB's own CSV reader, which reads on past a line with an unclosed quote",
        "into the lines after it, so on CSV it loses some customers' lines: it is a lower",
        "bound on cost, not a correct alternative. `floor (loader)` is exact.",
        "",
    ]

    out += ["## Every run", ""]
    every = []
    for cell in cells:
        for m in cell["measurements"]:
            every.append(
                [
                    size_label(m["lines"]),
                    m["fmt"],
                    m["contender"],
                    str(m["repeat"]),
                    m["status"],
                    f"{m['wall_seconds']:,.1f}",
                    format_bytes(m["peak_rss_bytes"]),
                    f"{m['cpu_seconds']:,.1f}",
                    f"{m['other_cpu_seconds']:,.1f}"
                    + (" (disturbed)" if m["disturbed"] else "")
                    + ("; run again, not counted" if m.get("superseded") else ""),
                ]
            )
    out += _table(
        [
            "lines",
            "format",
            "contender",
            "repeat",
            "status",
            "wall s",
            "peak memory",
            "CPU s",
            "other work's CPU s",
        ],
        every,
    )
    out += [""]

    out += ["## Machine, versions, settings", ""]
    out += [
        f"- machine: {machine['cores']} cores ({machine['cpu']}), "
        f"{format_bytes(machine['memory_bytes'])} memory, {machine['os']}, "
        f"kernel {machine['kernel']}, Python {machine['python']}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in first["versions"].items()),
    ]
    for run in used_runs:
        settings = run["settings"]
        out += [
            f"- run `{Path(run['results_file']).name}` at {run['started_at']}, commit "
            f"{run['commit']}, load average before {run['load_average_before']}:",
            "  - DuckDB (dbt and floors): `DUCKDB_MEMORY_LIMIT`="
            f"{settings['duckdb_memory_limit'] or 'unset (profile default 80%)'}, "
            f"`DUCKDB_THREADS`={settings['duckdb_threads'] or 'unset (all cores)'}",
            f"  - pandas: address-space cap (RLIMIT_AS) "
            f"{format_bytes(settings['pandas_address_space_cap'])}; every contender: "
            f"killed above {format_bytes(settings['memory_cap'])} resident or after "
            f"{settings['timeout']:.0f} s",
            f"  - repeats {settings['repeats']}, contenders alternating "
            f"({', '.join(settings['contenders'])}), generator seed {settings['seed']}",
            f"  - reproduce: `{run['command']}`",
        ]
    if len(used_runs) > 1:
        files = " ".join(_shown_path(Path(run["results_file"])) for run in used_runs)
        out += [
            f"- this report, from those result files: "
            f"`python bench/run.py --report-only --merge {files}`"
        ]
    out += [""]

    out += ["## Method", ""]
    out += [
        "- **dbt**: `dbt build --exclude-resource-type unit_test --vars",
        "  '{transactions_path: FILE}'` from the project root (`DBT_PROFILES_DIR` = project",
        "  root, `DUCKDB_PATH` under `bench/results/`), a fresh warehouse every run: loader,",
        "  staging, cleaning rules, row accounting, rejected lines, RFM, EDA marts,",
        "  clustering (Python models), every data test, and the atomic publication. The",
        "  unit tests check the SQL on fixed inputs, not the file, so this production build",
        "  skips them, as dbt advises; `make test` runs them. Per-node times from the run's",
        "  `run_results.json`; the first repeat of each size and format parses the project",
        "  from scratch, later ones reuse dbt's partial parse.",
        "- **pandas**: `bench/pandas_pipeline.py`, the same contract in notebook style",
        "  (`read_csv`/`read_parquet`, `to_numeric`/`to_datetime(errors='coerce')`,",
        "  `dropna`, `drop_duplicates`, filters, `groupby().agg`), then log1p +",
        "  StandardScaler + KMeans (n_init 10) for k = 2..10 with the silhouette on 10,000",
        "  customers. Its only concession to the contract is a streaming filter that drops",
        "  CSV lines of the wrong shape before `read_csv` (see its docstring).",
        "- **floor**: `bench/floor.py`, one DuckDB statement from file to RFM (`--reader",
        "  native`: DuckDB's typed reader; `--reader loader`: the project's loader).",
        "- **RFM-path SQL**: the summed node times of the models `customer_rfm` depends on",
        "  (loader, staging, parsed lines, duplicates, classification, kept lines,",
        "  per-customer sums, customer_rfm),",
        "  compared with the floor's whole process wall time.",
        "- **memory**: resident memory of the process and all its children, polled from",
        "  `/proc`, and the kernel's high-water mark of the largest process (`wait4`); the",
        "  larger is reported. **wall**: spawn to exit. The data files are generated",
        "  before timing and sit in the page cache for every contender alike.",
        "- **other work's CPU**: CPU the rest of the machine used during a run; a run is",
        f"  marked disturbed above {DISTURBED_SHARE:.0%} of the machine's capacity and run",
        "  again once the machine is idle; only the last attempt counts. Before each run",
        "  the harness waits for the machine to be idle. Disturbance matters most for",
        "  pandas: scikit-learn's KMeans uses OpenMP threads on every core, and with",
        "  one core taken by other work it runs many times slower.",
        "",
    ]
    # the daily-loads benchmark's section, from its own result files
    from daily_loads import current_section, render_section, stored_results

    daily = render_section(stored_results()) or current_section()
    # and the spark benchmark's
    import spark_target

    spark = spark_target.render_section(spark_target.stored_results())
    spark = spark or spark_target.current_section()
    sections = [section for section in (daily, spark) if section]
    return "\n".join(out) + "".join("\n" + section for section in sections)
