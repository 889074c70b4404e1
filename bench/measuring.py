"""Measure a process: sizes, the memory of its process tree, CPU used meanwhile."""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constants import CLOCK_TICKS, DISTURBED_SHARE, GIB, IDLE_CORES, IDLE_WINDOW, PAGE_SIZE

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


# ----------------------------------------------------------------------- report


def marked_section(report: Path, start: str, end: str) -> str:
    """The part of ``report`` from the ``start`` marker to the ``end`` marker ("" if none)."""
    text = report.read_text() if report.exists() else ""
    if start not in text:
        return ""
    return text[text.index(start) : text.index(end) + len(end)] + "\n"


def replace_marked_section(report: Path, section: str, start: str, end: str) -> None:
    """Replace the part of ``report`` between the markers with ``section``.

    The section is appended when the report has no markers yet.
    """
    text = report.read_text() if report.exists() else ""
    if start in text:
        before = text[: text.index(start)]
        after = text[text.index(end) + len(end) :].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    report.write_text(text)
