"""The data and the contenders: generate an export, run dbt / pandas / the floors on it,
and check they agree on every customer's RFM.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constants import BENCH_DIR, BIN, PROJECT_ROOT, RFM_MODEL
from measuring import (
    Measurement,
    format_bytes,
    last_json_line,
    measure,
    size_label,
    wait_until_idle,
)

# -------------------------------------------------------------------------- data


def generate(lines: int, fmt: str, data_dir: Path, seed: int, log: Callable[[str], None]) -> dict:
    """The export for ``lines`` and ``fmt`` (generated once, then reused); its facts."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"online_retail_{size_label(lines)}_seed{seed}.{fmt}"
    meta_path = path.with_name(path.name + ".json")
    if path.exists() and meta_path.exists():
        return {**json.loads(meta_path.read_text()), "path": str(path)}
    partial = path.with_name(f".{path.name}.partial.{fmt}")
    log(f"generating {path.name} ...")
    began = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmentation.synth",
            "--lines",
            str(lines),
            "--seed",
            str(seed),
            "--out",
            str(partial),
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "python")},
        capture_output=True,
        text=True,
        check=True,
    )
    written = re.search(r"wrote (\d+) lines", done.stderr)
    partial.replace(path)
    meta = {
        "path": str(path),
        "requested_lines": lines,
        "data_lines": int(written.group(1)) if written else None,
        "bytes": path.stat().st_size,
        "format": fmt,
        "seed": seed,
        "generated_in_seconds": round(time.perf_counter() - began, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    log(f"  {meta['data_lines']:,} lines, {format_bytes(meta['bytes'])}")
    return meta


# ------------------------------------------------------------------- contenders


@dataclass
class Settings:
    data_dir: Path
    results_dir: Path
    repeats: int
    contenders: tuple[str, ...]
    duckdb_memory_limit: str | None
    duckdb_threads: str | None
    memory_cap: int
    pandas_address_space_cap: int
    timeout: float
    quiet_wait: float
    retries: int
    poll_interval: float
    seed: int
    keep_warehouses: bool


def _duckdb_env(settings: Settings) -> dict[str, str]:
    env = {}
    if settings.duckdb_memory_limit:
        env["DUCKDB_MEMORY_LIMIT"] = settings.duckdb_memory_limit
    if settings.duckdb_threads:
        env["DUCKDB_THREADS"] = settings.duckdb_threads
    return env


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DUCKDB_PATH", "DUCKDB_MEMORY_LIMIT", "DUCKDB_THREADS", "DUCKDB_TEMP_DIRECTORY"):
        env.pop(name, None)
    return env


def warehouse_path(cell_dir: Path) -> Path:
    return cell_dir / "dbt" / "warehouse.duckdb"


def contender_command(
    contender: str, data: dict, cell_dir: Path, settings: Settings
) -> tuple[list[str], dict[str, str], int | None]:
    """The command, environment and address-space cap one contender runs with."""
    env = _base_env()
    source = data["path"]
    if contender == "dbt":
        warehouse = warehouse_path(cell_dir)
        env.update(
            {
                **_duckdb_env(settings),
                "DBT_PROFILES_DIR": str(PROJECT_ROOT),
                "DUCKDB_PATH": str(warehouse),
            }
        )
        command = [
            str(BIN / "dbt"),
            "build",
            # unit tests check the SQL on fixed inputs, not the file: a production
            # build skips them (dbt's advice); `make test` runs them
            "--exclude-resource-type",
            "unit_test",
            "--vars",
            json.dumps({"transactions_path": source}),
            "--target-path",
            str(cell_dir / "dbt" / "target"),
            "--log-path",
            str(cell_dir / "dbt" / "logs"),
        ]
        return command, env, None
    if contender == "pandas":
        command = [
            sys.executable,
            str(BENCH_DIR / "pandas_pipeline.py"),
            "--input",
            source,
            "--out",
            str(cell_dir / "pandas_rfm.parquet"),
        ]
        return command, env, settings.pandas_address_space_cap
    reader = "native" if contender == "floor" else "loader"
    env.update(_duckdb_env(settings))
    env["DUCKDB_TEMP_DIRECTORY"] = str(cell_dir / f"{contender}_spill")
    command = [
        sys.executable,
        str(BENCH_DIR / "floor.py"),
        "--reader",
        reader,
        "--input",
        source,
        "--out",
        str(cell_dir / f"{contender}_rfm.parquet"),
    ]
    return command, env, None


def _remove_warehouse(cell_dir: Path) -> None:
    warehouse = warehouse_path(cell_dir)
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(warehouse.with_name(warehouse.name + ".build"), ignore_errors=True)


def _epoch(timestamp: str | None) -> float | None:
    if not timestamp:
        return None
    moment = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def node_name(unique_id: str) -> str:
    """``model.pkg.customer_rfm`` -> ``customer_rfm``; tests without their hash; unit
    tests as ``model.test``.
    """
    parts = unique_id.split(".")
    if parts[0] == "unit_test":
        return ".".join(parts[2:])
    return parts[2] if len(parts) > 2 else unique_id


def dbt_node_timings(target: Path) -> dict[str, Any]:
    """Per-node execution seconds of the last dbt run, and each node's kind."""
    results = json.loads((target / "run_results.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    parents = manifest.get("parent_map", {})
    rfm_path: set[str] = set()
    stack = [RFM_MODEL]
    while stack:
        node = stack.pop()
        if node not in rfm_path:
            rfm_path.add(node)
            stack.extend(parents.get(node, ()))
    timings = []
    for result in results["results"]:
        unique_id = result["unique_id"]
        node = nodes.get(unique_id, {})
        kind = unique_id.split(".")[0]
        if kind == "model":
            kind = f"{node.get('language', 'sql')} model"
        execute = next((t for t in result.get("timing", []) if t["name"] == "execute"), None)
        timings.append(
            {
                "started_at": _epoch(execute["started_at"]) if execute else None,
                "completed_at": _epoch(execute["completed_at"]) if execute else None,
                "node": unique_id,
                "name": node_name(unique_id),
                "kind": kind,
                "status": result["status"],
                "seconds": round(result["execution_time"], 3),
                "rfm_path": unique_id in rfm_path,
            }
        )
    return {"elapsed_seconds": round(results["elapsed_time"], 3), "nodes": timings}


def run_contender(
    contender: str,
    data: dict,
    cell_dir: Path,
    repeat: int,
    settings: Settings,
    log: Callable[[str], None],
) -> Measurement:
    command, env, address_space_cap = contender_command(contender, data, cell_dir, settings)
    if contender == "dbt":
        _remove_warehouse(cell_dir)
    else:
        shutil.rmtree(cell_dir / f"{contender}_spill", ignore_errors=True)
    waited = wait_until_idle(settings.quiet_wait, log)
    process = measure(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        log_path=cell_dir / "logs" / f"{contender}_r{repeat}.log",
        timeout=settings.timeout,
        memory_cap=settings.memory_cap,
        address_space_cap=address_space_cap,
        poll_interval=settings.poll_interval,
    )
    details: dict[str, Any] = {}
    if contender == "dbt":
        target = cell_dir / "dbt" / "target"
        if (target / "run_results.json").exists():
            details = dbt_node_timings(target)
            shutil.copy(target / "run_results.json", cell_dir / f"dbt_run_results_r{repeat}.json")
    else:
        details = last_json_line(Path(process["log"]).read_text(errors="replace"))
    measurement = Measurement(
        contender=contender,
        lines=data["requested_lines"],
        fmt=data["format"],
        repeat=repeat,
        waited_for_idle_seconds=round(waited, 1),
        details=details,
        **process,
    )
    log(
        f"    {contender:<12} r{repeat}  {measurement.status:<10} "
        f"{measurement.wall_seconds:8.1f} s  peak {format_bytes(measurement.peak_rss_bytes):>10}"
        + ("  (disturbed by other work)" if measurement.disturbed else "")
    )
    return measurement


# ------------------------------------------------------------------- agreement


def read_rfm(path: Path) -> Any:
    """customer_id, recency_days, frequency, monetary_cents from a warehouse or a Parquet file."""
    import duckdb

    columns = (
        "cast(customer_id as bigint) as customer_id, "
        "cast(recency_days as bigint) as recency_days, "
        "cast(frequency as bigint) as frequency, "
        "cast(round(monetary * 100) as bigint) as monetary_cents"
    )
    if path.suffix == ".parquet":
        with duckdb.connect() as con:
            return con.execute(f"select {columns} from read_parquet(?)", [str(path)]).df()
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select {columns} from main.customer_rfm").df()


def compare_rfm(expected: Any, actual: Any) -> dict[str, Any]:
    """Customer by customer: the same customers, recency and frequency, monetary to the cent."""
    merged = expected.merge(
        actual, on="customer_id", how="outer", suffixes=("_a", "_b"), indicator=True
    )
    both = merged[merged["_merge"] == "both"]
    counts = {
        "customers_a": len(expected),
        "customers_b": len(actual),
        "only_in_a": int((merged["_merge"] == "left_only").sum()),
        "only_in_b": int((merged["_merge"] == "right_only").sum()),
        "recency_days_differ": int((both["recency_days_a"] != both["recency_days_b"]).sum()),
        "frequency_differ": int((both["frequency_a"] != both["frequency_b"]).sum()),
        "monetary_differs": int((both["monetary_cents_a"] != both["monetary_cents_b"]).sum()),
    }
    counts["agree"] = counts["customers_a"] > 0 and all(
        value == 0 for key, value in counts.items() if key not in ("customers_a", "customers_b")
    )
    return counts


def check_agreement(cell_dir: Path, latest: dict[str, Measurement]) -> dict[str, Any]:
    """Dbt against each other contender whose last run succeeded."""
    dbt = latest.get("dbt")
    if dbt is None or not dbt.ok:
        return {}
    reference = read_rfm(warehouse_path(cell_dir))
    agreement = {}
    for contender, measurement in latest.items():
        if contender == "dbt" or not measurement.ok:
            continue
        agreement[contender] = compare_rfm(
            reference, read_rfm(cell_dir / f"{contender}_rfm.parquet")
        )
    return agreement
