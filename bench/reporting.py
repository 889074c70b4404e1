"""BENCHMARKS.md from the result files.

The layout and the prose are the template ``bench/BENCHMARKS.md.j2``;
:func:`report_context` computes every figure and table row it shows; the daily-loads and
Spark sections come from their own benchmarks (``daily_loads.py``, ``spark_target.py``).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import jinja2

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


#: The report's layout and prose; :func:`report_context` gives its figures.
TEMPLATE = Path(__file__).resolve().with_name("BENCHMARKS.md.j2")


def _results_table(cells: list[dict[str, Any]]) -> dict[str, Any]:
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
    return {"header": header, "rows": rows}


def _dbt_breakdowns(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per size and format with a dbt breakdown: its parts and its slowest nodes."""
    out = []
    for cell in cells:
        breakdown = dbt_breakdown(cell)
        if not breakdown:
            continue
        group_peaks = breakdown.get("group_peaks", {})
        out.append(
            {
                "where": f"{size_label(cell['lines'])} lines, {cell['format']}",
                "wall": _seconds(breakdown["wall"]),
                "parts": [
                    [
                        part,
                        f"{seconds:,.1f}",
                        f"{seconds / breakdown['wall']:.0%}",
                        format_bytes(group_peaks.get(part)),
                    ]
                    for part, seconds in breakdown["groups"].items()
                ],
                "slowest": [
                    [node_name(node), kind, f"{sec:,.1f}", format_bytes(peak)]
                    for node, kind, sec, peak in breakdown["top"]
                ],
            }
        )
    return out


def _pandas_steps(cells: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
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
        rows.append(
            [
                size_label(cell["lines"]),
                cell["format"],
                *(f"{medians.get(step, 0):,.1f}" for step in ("read", "rfm", "cluster", "write")),
                str(runs_ok[0]["details"].get("k", "-")),
            ]
        )
    return rows


def _agreement(cells: list[dict[str, Any]]) -> list[list[str]]:
    return [
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
        for cell in cells
        for contender, result in cell["agreement"].items()
    ]


def _every_run(cells: list[dict[str, Any]]) -> list[list[str]]:
    return [
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
        for cell in cells
        for m in cell["measurements"]
    ]


def _run_settings(run: dict[str, Any]) -> dict[str, Any]:
    settings = run["settings"]
    return {
        "name": Path(run["results_file"]).name,
        "started_at": run["started_at"],
        "commit": run["commit"],
        "load_average_before": run["load_average_before"],
        "memory_limit": settings["duckdb_memory_limit"] or "unset (profile default 80%)",
        "threads": settings["duckdb_threads"] or "unset (all cores)",
        "address_space_cap": format_bytes(settings["pandas_address_space_cap"]),
        "memory_cap": format_bytes(settings["memory_cap"]),
        "timeout": f"{settings['timeout']:.0f}",
        "repeats": settings["repeats"],
        "contenders": ", ".join(settings["contenders"]),
        "seed": settings["seed"],
        "command": run["command"],
    }


def report_context(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of BENCHMARKS.md (later runs win per size and format)."""
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
    return {
        "results": _results_table(cells),
        "targets": targets(cells),
        "dbt_breakdowns": _dbt_breakdowns(cells),
        "pandas_steps": _pandas_steps(cells),
        "agreement": _agreement(cells),
        "every_run": _every_run(cells),
        "machine": (
            f"{machine['cores']} cores ({machine['cpu']}), "
            f"{format_bytes(machine['memory_bytes'])} memory, {machine['os']}, "
            f"kernel {machine['kernel']}, Python {machine['python']}"
        ),
        "versions": ", ".join(f"{k} {v}" for k, v in first["versions"].items()),
        "runs": [_run_settings(run) for run in used_runs],
        "merged_files": " ".join(_shown_path(Path(run["results_file"])) for run in used_runs)
        if len(used_runs) > 1
        else "",
        "disturbed_share": f"{DISTURBED_SHARE:.0%}",
    }


def render_report(runs: list[dict[str, Any]]) -> str:
    """BENCHMARKS.md from one or more result files: :data:`TEMPLATE` filled with
    :func:`report_context`, then the daily-loads and Spark sections.
    """
    environment = jinja2.Environment(
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False
    )
    environment.globals["table"] = lambda header, rows: "\n".join(_table(header, rows))
    text = environment.from_string(TEMPLATE.read_text()).render(**report_context(runs))
    # the daily-loads benchmark's section, from its own result files
    from daily_loads import current_section, render_section, stored_results

    daily = render_section(stored_results()) or current_section()
    # and the spark benchmark's
    import spark_target

    spark = spark_target.render_section(spark_target.stored_results())
    spark = spark or spark_target.current_section()
    sections = [section for section in (daily, spark) if section]
    return text + "".join("\n" + section for section in sections)
