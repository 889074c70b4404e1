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
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = PROJECT_ROOT / "bench"
BIN = Path(sys.executable).parent
GIB = 1 << 30
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

CONTENDERS: tuple[str, ...] = ("dbt", "pandas", "floor", "floor_loader")
FORMATS: tuple[str, ...] = ("csv", "parquet")
DEFAULT_SIZES = "0.5M,5M,50M"
SEED = 42
#: A run is flagged as disturbed when other work used more than this share of the
#: machine's CPU capacity while it ran.
DISTURBED_SHARE = 0.10
#: The machine counts as idle when other work uses less than this many cores.
IDLE_CORES = 0.25
#: ... averaged over this many seconds.
IDLE_WINDOW = 3.0
#: dbt models whose time is clustering (scikit-learn), not SQL.
CLUSTERING_MODELS = ("cluster_evaluation", "customer_segments", "pca_components")
RFM_MODEL = "model.customer_segmentation.customer_rfm"

# Targets (the issue "Scale: tens of millions of lines").
TARGET_LINES_MID = 5_000_000
TARGET_LINES_BIG = 50_000_000
TARGET_WALL_RATIO = 0.5
TARGET_MEMORY_RATIO = 0.5
TARGET_BIG_DBT_PEAK = 4 * GIB
TARGET_BIG_PANDAS_FACTOR = 3.0
TARGET_SQL_OVER_FLOOR = 2.0


# ------------------------------------------------------------------------ sizes


def parse_size(text: str) -> int:
    """``"0.5M"`` -> 500000, ``"20k"`` -> 20000, ``"20000"`` -> 20000 (lines)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kKmM]?)\s*", text)
    if not match:
        raise ValueError(f"size {text!r}: expected a number of lines such as 20000, 500k or 5M")
    number = float(match.group(1)) * {"": 1, "k": 1e3, "m": 1e6}[match.group(2).lower()]
    if number < 1000:
        raise ValueError(f"size {text!r}: at least 1000 lines")
    return round(number)


def size_label(lines: int) -> str:
    """500000 -> ``0.5M``, 20000 -> ``20k``."""
    if lines >= 100_000:
        return f"{lines / 1e6:g}M"
    if lines >= 1000:
        return f"{lines / 1e3:g}k"
    return str(lines)


def format_bytes(count: float | None) -> str:
    if count is None:
        return "-"
    if count >= GIB:
        return f"{count / GIB:.2f} GiB"
    return f"{count / (1 << 20):.0f} MiB"


# --------------------------------------------------------------- process measuring


def _process_table() -> dict[int, tuple[int, int]]:
    """Pid -> (parent pid, resident bytes) for every process we can see."""
    table: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        # fields[1] is the parent pid, fields[21] the resident set size in pages
        table[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE_SIZE)
    return table


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, summed."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        if pid in table:
            total += table[pid][1]
        stack.extend(children.get(pid, ()))
    return total


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent not idle since boot (all cores)."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / CLOCK_TICKS


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def wait_until_idle(max_wait: float, log: Callable[[str], None]) -> float:
    """Wait until other work uses less than IDLE_CORES cores; return the seconds waited."""
    began = time.monotonic()
    while True:
        busy, own = busy_cpu_seconds(), own_cpu_seconds()
        time.sleep(IDLE_WINDOW)
        others = ((busy_cpu_seconds() - busy) - (own_cpu_seconds() - own)) / IDLE_WINDOW
        waited = time.monotonic() - began
        if others < IDLE_CORES or waited >= max_wait:
            if others >= IDLE_CORES:
                log(f"    machine still busy ({others:.2f} cores) after {waited:.0f} s; running")
            return waited
        if waited < IDLE_WINDOW + 0.5:
            log(f"    machine busy ({others:.2f} cores used by other work); waiting")
        time.sleep(4.0)


@dataclass
class Measurement:
    """One whole-process run of one contender."""

    contender: str
    lines: int
    fmt: str
    repeat: int
    status: str  # "ok" or "failed: ..."
    wall_seconds: float
    peak_rss_bytes: int
    polled_tree_peak_bytes: int
    kernel_max_rss_bytes: int
    cpu_seconds: float
    other_cpu_seconds: float
    disturbed: bool
    waited_for_idle_seconds: float
    returncode: int | None
    command: list[str]
    log: str
    details: dict[str, Any] = field(default_factory=dict)
    started_at_epoch: float = 0.0
    memory_timeline: list[tuple[float, int]] = field(default_factory=list)
    attempt: int = 1
    superseded: bool = False  # disturbed, and run again

    @property
    def ok(self) -> bool:
        return self.status == "ok"


_OOM_MARKERS = (
    "MemoryError",
    "out of memory",
    "Out of Memory Error",
    "std::bad_alloc",
    "Cannot allocate memory",
    "Unable to allocate",
)


def _failure_status(returncode: int, output: str, address_space_cap: int | None) -> str:
    oom = any(marker in output for marker in _OOM_MARKERS)
    if oom and address_space_cap:
        return f"failed: out of memory (address-space cap {format_bytes(address_space_cap)})"
    if oom:
        return "failed: out of memory"
    if returncode < 0:
        name = signal.Signals(-returncode).name
        hint = " (the kernel's OOM killer?)" if name == "SIGKILL" else ""
        return f"failed: killed by {name}{hint}"
    return f"failed: exit status {returncode}"


def measure(
    command: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    timeout: float,
    memory_cap: int,
    address_space_cap: int | None = None,
    poll_interval: float = 0.05,
) -> dict[str, Any]:
    """Run ``command`` as a new session; time it and track the memory of its process tree.

    The child gets ``RLIMIT_AS = address_space_cap`` when given. The tree is killed
    when its resident memory passes ``memory_cap`` or the run passes ``timeout``.
    Returns the fields of :class:`Measurement` that describe the process.
    """

    def limit_address_space() -> None:  # runs in the child, before exec
        if address_space_cap:
            resource.setrlimit(resource.RLIMIT_AS, (address_space_cap, address_space_cap))

    log_path.parent.mkdir(parents=True, exist_ok=True)
    busy_before, own_before = busy_cpu_seconds(), own_cpu_seconds()
    timeline: list[tuple[float, int]] = []
    with open(log_path, "wb") as log:
        started_at_epoch = time.time()
        began = time.perf_counter()
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=limit_address_space if address_space_cap else None,
        )
        peak, killed_for = 0, ""
        while True:
            finished, status, usage = os.wait4(process.pid, os.WNOHANG)
            if finished:
                wall = time.perf_counter() - began
                break
            rss = tree_rss(process.pid)
            elapsed = time.perf_counter() - began
            peak = max(peak, rss)
            timeline.append((round(elapsed, 2), rss))
            if not killed_for and peak > memory_cap:
                killed_for = (
                    f"failed: out of memory (resident memory passed {format_bytes(memory_cap)})"
                )
            elif not killed_for and elapsed > timeout:
                killed_for = f"failed: timeout after {timeout:.0f} s"
            if killed_for:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            time.sleep(poll_interval)
    process.returncode = os.waitstatus_to_exitcode(status)
    other_cpu = (busy_cpu_seconds() - busy_before) - (own_cpu_seconds() - own_before)
    cpu = usage.ru_utime + usage.ru_stime
    other_cpu = max(0.0, other_cpu - cpu)
    kernel_peak = usage.ru_maxrss * 1024
    output = log_path.read_text(errors="replace")
    if killed_for:
        state = killed_for
    elif process.returncode == 0:
        state = "ok"
    else:
        state = _failure_status(process.returncode, output[-20000:], address_space_cap)
    return {
        "status": state,
        "wall_seconds": round(wall, 3),
        "peak_rss_bytes": max(peak, kernel_peak),
        "polled_tree_peak_bytes": peak,
        "kernel_max_rss_bytes": kernel_peak,
        "cpu_seconds": round(cpu, 2),
        "other_cpu_seconds": round(other_cpu, 2),
        "disturbed": other_cpu > DISTURBED_SHARE * wall * (os.cpu_count() or 1),
        "returncode": process.returncode,
        "command": list(command),
        "log": str(log_path),
        "started_at_epoch": started_at_epoch,
        "memory_timeline": _downsample(timeline),
    }


def _downsample(timeline: list[tuple[float, int]], points: int = 1500) -> list[tuple[float, int]]:
    """At most ``points`` samples, keeping the largest of each run of neighbours."""
    step = -(-len(timeline) // points) if timeline else 1
    return [
        max(timeline[i : i + step], key=lambda sample: sample[1])
        for i in range(0, len(timeline), step)
    ]


def peak_between(measurement: dict[str, Any], start: float, end: float) -> int | None:
    """Largest sampled tree memory between two epoch times (None: no sample inside)."""
    began = measurement.get("started_at_epoch") or 0.0
    inside = [
        rss
        for elapsed, rss in measurement.get("memory_timeline") or []
        if start <= began + elapsed <= end
    ]
    return max(inside) if inside else None


def last_json_line(text: str) -> dict[str, Any]:
    """The last line of ``text`` that parses as a JSON object (a contender's summary)."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return {}


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
    return "\n".join(out) + ("\n" + daily if daily else "")


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
