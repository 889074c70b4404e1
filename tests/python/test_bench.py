"""The benchmark harness (bench/run.py) works end to end, and its contenders are right.

No timing is asserted anywhere: these tests prove the harness runs, measures memory,
records failures as failures, and that the pandas pipeline and the floors compute the
contract's RFM. The figures themselves live in BENCHMARKS.md.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from conftest import PROJECT_ROOT, synth
from reference_rfm import reference_rfm

BENCH = PROJECT_ROOT / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


run = _load("run")


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    return {
        fmt: synth(folder / f"lines.{fmt}", "--lines", "3000", "--seed", "5")
        for fmt in ("csv", "parquet")
    }


def _reference(path: Path) -> pd.DataFrame:
    rfm = reference_rfm(str(path)).rfm
    return pd.DataFrame(
        {
            "customer_id": rfm["customer_id"].astype("int64"),
            "recency_days": rfm["recency_days"].astype("int64"),
            "frequency": rfm["frequency"].astype("int64"),
            "monetary_cents": [int(m * 100) for m in rfm["monetary"]],
        }
    )


@pytest.mark.dbt
def test_the_harness_runs_end_to_end_and_dbt_agrees_with_pandas(tmp_path: Path) -> None:
    report = tmp_path / "BENCHMARKS.md"
    results = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--sizes",
            "20000",
            "--formats",
            "csv",
            "--repeats",
            "1",
            "--quiet-wait",
            "0",
            "--retries",
            "0",
            "--data-dir",
            str(tmp_path / "data"),
            "--results-dir",
            str(results),
            "--report",
            str(report),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    (results_file,) = results.glob("run-*.json")
    (cell,) = json.loads(results_file.read_text())["cells"]
    statuses = {m["contender"]: m["status"] for m in cell["measurements"]}
    assert statuses == {"dbt": "ok", "pandas": "ok", "floor": "ok", "floor_loader": "ok"}
    for m in cell["measurements"]:
        assert m["peak_rss_bytes"] > 10 * (1 << 20), m
    dbt = next(m for m in cell["measurements"] if m["contender"] == "dbt")
    assert any(node["name"] == "customer_rfm" for node in dbt["details"]["nodes"])

    agreement = cell["agreement"]["pandas"]
    assert agreement["agree"], agreement
    assert agreement["customers_a"] == agreement["customers_b"] > 100
    assert cell["agreement"]["floor_loader"]["agree"]

    text = report.read_text()
    assert "| dbt wall <= 0.5 x pandas wall | 5M csv | - | not run |" in text
    assert "yes, every customer" in text
    assert "python bench/run.py --sizes 20000 --formats csv --repeats 1" in text
    assert "customer_rfm" in text


def test_the_report_can_be_rebuilt_from_result_files(tmp_path: Path) -> None:
    cell = {
        "lines": 5_000_000,
        "format": "parquet",
        "data": {"data_lines": 4_990_000},
        "agreement": {},
        "measurements": [
            {
                "contender": contender,
                "lines": 5_000_000,
                "fmt": "parquet",
                "repeat": 1,
                "status": status,
                "wall_seconds": wall,
                "peak_rss_bytes": peak,
                "cpu_seconds": wall,
                "other_cpu_seconds": 0.0,
                "disturbed": False,
                "details": {},
            }
            for contender, status, wall, peak in (
                ("dbt", "ok", 10.0, 1 << 30),
                ("pandas", "failed: out of memory", 30.0, 16 << 30),
                ("floor", "ok", 2.0, 1 << 29),
            )
        ],
    }
    results = {
        "started_at": "2026-01-01T00:00:00+00:00",
        "command": "python bench/run.py --sizes 5M",
        "commit": "abc1234",
        "machine": run.machine_facts(),
        "versions": run.versions(),
        "load_average_before": "0.00 0.00 0.00",
        "settings": {
            "duckdb_memory_limit": "3GB",
            "duckdb_threads": None,
            "pandas_address_space_cap": 16 << 30,
            "memory_cap": 16 << 30,
            "timeout": 3600.0,
            "repeats": 1,
            "contenders": ["dbt", "pandas", "floor"],
            "seed": 42,
        },
        "results_file": str(tmp_path / "run-x.json"),
        "cells": [cell],
    }
    path = tmp_path / "run-x.json"
    path.write_text(json.dumps(results))
    report = tmp_path / "B.md"

    assert run.main(["--report-only", "--merge", str(path), "--report", str(report)]) == 0
    text = report.read_text()
    assert "failed: out of memory" in text
    assert "| dbt peak memory <= 0.5 x pandas peak | 5M parquet | pandas: failed" in text


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_pandas_pipeline_computes_the_contracts_rfm(
    fmt: str, exports: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "rfm.parquet"
    subprocess.run(
        [sys.executable, str(BENCH / "pandas_pipeline.py"), "--input", str(exports[fmt]),
         "--out", str(out)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    result = run.compare_rfm(_reference(exports[fmt]), run.read_rfm(out))
    assert result["agree"], result


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_loader_floor_computes_the_contracts_rfm(
    fmt: str, exports: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "rfm.parquet"
    subprocess.run(
        [sys.executable, str(BENCH / "floor.py"), "--reader", "loader", "--input",
         str(exports[fmt]), "--out", str(out)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    result = run.compare_rfm(_reference(exports[fmt]), run.read_rfm(out))
    assert result["agree"], result


def test_the_pandas_reader_drops_exactly_the_lines_of_the_wrong_shape(tmp_path: Path) -> None:
    pandas_pipeline = _load("pandas_pipeline")
    path = tmp_path / "lines.csv"
    path.write_bytes(
        b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        b'1,A,"MUG, RED",1,2011-01-01 10:00:00,1.00,12000,UK\n'
        b"2,A,MUG, RED,1,2011-01-01 10:00:00,1.00,12000,UK\n"  # too many fields
        b"3,A,MUG,1,2011-01-01 10:00:00,1.00,12000\n"  # too few fields
        b'4,A,"MUG,1,2011-01-01 10:00:00,1.00,12000,UK\n'  # unclosed quote
        b'5,A,"A ""B"" C",1,2011-01-01 10:00:00,1.00,12000,UK\n'
        b"\n"
        b"6,A,MUG,1,2011-01-01 10:00:00,1.00,12000,UK"  # no final newline
    )
    frame = pandas_pipeline.read_export(str(path))
    assert frame["InvoiceNo"].tolist() == ["1", "5", "6"]
    assert frame["Description"].tolist() == ["MUG, RED", 'A "B" C', "MUG"]


@pytest.mark.parametrize(
    ("text", "lines"), [("20000", 20_000), ("20k", 20_000), ("0.5M", 500_000), ("50M", 50_000_000)]
)
def test_sizes_are_read_as_lines(text: str, lines: int) -> None:
    assert run.parse_size(text) == lines
    assert run.parse_size(run.size_label(lines)) == lines


def test_a_size_that_is_not_a_number_of_lines_is_refused() -> None:
    with pytest.raises(ValueError, match="size '5 lines'"):
        run.parse_size("5 lines")


def test_memory_of_a_whole_process_tree_is_measured(tmp_path: Path) -> None:
    grandchild = "b = bytearray(300 << 20); import time; time.sleep(0.5)"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}])"
    measured = run.measure(
        [sys.executable, "-c", child],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        log_path=tmp_path / "log",
        timeout=60,
        memory_cap=8 << 30,
    )
    assert measured["status"] == "ok"
    assert measured["peak_rss_bytes"] >= 300 << 20


def test_running_out_of_memory_is_recorded_as_a_failure(tmp_path: Path) -> None:
    over_the_cap = "b = bytearray(600 << 20)"
    measured = run.measure(
        [sys.executable, "-c", over_the_cap],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        log_path=tmp_path / "log",
        timeout=60,
        memory_cap=8 << 30,
        address_space_cap=400 << 20,
    )
    assert measured["status"] == "failed: out of memory (address-space cap 400 MiB)"


def test_a_run_over_the_resident_memory_cap_is_killed_and_recorded(tmp_path: Path) -> None:
    grows = "import time\nb = bytearray(400 << 20)\ntime.sleep(30)"
    measured = run.measure(
        [sys.executable, "-c", grows],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        log_path=tmp_path / "log",
        timeout=60,
        memory_cap=200 << 20,
    )
    assert measured["status"] == "failed: out of memory (resident memory passed 200 MiB)"
    assert measured["wall_seconds"] < 30


def test_a_run_past_the_timeout_is_killed_and_recorded(tmp_path: Path) -> None:
    measured = run.measure(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        log_path=tmp_path / "log",
        timeout=1,
        memory_cap=8 << 30,
    )
    assert measured["status"] == "failed: timeout after 1 s"


daily = _load("daily_loads")


def test_the_daily_loads_section_is_rendered_from_its_results_and_replaced_in_place(tmp_path):
    parts = dict.fromkeys(("start-up and parse", "incremental models", "publication"), 1.0)
    result = {
        "lines": 5_000_000, "customers": 150_000, "format": "parquet", "threads": 1,
        "files": 53, "loaded": "loaded 1 file(s), 26,920 data line(s)",
        "incremental_seconds": 10.0, "full_seconds": 40.0, "ratio": 0.25, "repeats": 3,
        "incremental_runs": [12.0, 10.0, 9.5], "full_runs": [40.0, 41.0, 39.0],
        "incremental_parts": parts, "full_parts": {**parts, "publication": 3.0},
        "differ": [], "published_bytes": 2**20, "measured_at": "now", "commit": "abc",
        "machine": "x86_64, 2 cores",
    }  # fmt: skip
    section = daily.render_section([result])
    assert "| 5M | 150,000 | parquet | 1 | 53 | loaded 1 file(s), 26,920 data line(s) " in section
    assert "| 3 | 10.0 s (9.5-12.0) | 40.0 s (39.0-41.0) | 0.25 | yes |" in section
    assert "| publication | 1.00 s | 3.00 s |" in section
    assert "node times add up to more than" not in section
    overlapping = daily.render_section([{**result, "threads": 2}])
    assert "With 2 dbt threads the nodes overlap" in overlapping
    assert "more than the wall time (10.0 s)" in overlapping
    report = tmp_path / "BENCHMARKS.md"
    report.write_text("# Benchmarks\n\ntext\n")
    daily.write_section(report, section)
    daily.write_section(report, daily.render_section([{**result, "differ": ["customer_rfm"]}]))
    text = report.read_text()
    assert text.count(daily.SECTION_START) == 1 and text.startswith("# Benchmarks\n\ntext\n")
    assert "| 0.25 | no: customer_rfm |" in text
    assert daily.current_section(report) == text[text.index(daily.SECTION_START) :]
    assert daily.render_section([]) == ""


def test_the_daily_loads_bench_runs_with_the_profiles_threads_by_default(tmp_path):
    profiles = tmp_path / "profiles.yml"
    profiles.write_text(
        "customer_segmentation:\n  target: dev\n  outputs:\n"
        "    dev: {type: duckdb, threads: 3}\n    spark: {type: spark, threads: 1}\n"
    )
    assert daily.profile_threads(profiles) == 3
    assert daily.profile_threads() >= 1  # the project's own profile parses


def test_each_build_is_represented_by_its_median_run():
    runs = [{"wall_seconds": seconds} for seconds in (12.0, 9.5, 10.0)]
    assert daily.median_run(runs) == {"wall_seconds": 10.0}
    assert daily.median_run(runs[:2]) == {"wall_seconds": 9.5}  # the lower middle one
    assert daily.median_run(runs[:1]) == {"wall_seconds": 12.0}


def test_a_kept_warehouse_comes_back_as_it_was(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_text("published")
    (tmp_path / "w.duckdb.build").mkdir()
    (tmp_path / "w.duckdb.build" / "w.duckdb").write_text("work")
    daily.keep(warehouse, tmp_path / "kept")
    warehouse.write_text("changed")
    (tmp_path / "w.duckdb.build" / "w.duckdb").write_text("changed")
    (tmp_path / "w.duckdb.build" / "w.duckdb.wal").write_text("new")
    daily.restore(tmp_path / "kept", warehouse)
    assert warehouse.read_text() == "published"
    assert sorted(p.name for p in (tmp_path / "w.duckdb.build").iterdir()) == ["w.duckdb"]
    assert (tmp_path / "w.duckdb.build" / "w.duckdb").read_text() == "work"


def test_the_daily_loads_section_says_whether_each_target_is_met():
    parts = dict.fromkeys(("start-up and parse", "incremental models", "publication"), 1.0)
    base = {
        "customers": 150_000, "format": "parquet", "threads": 1, "files": 53, "loaded": "",
        "incremental_seconds": 10.0, "full_seconds": 40.0, "incremental_parts": parts,
        "full_parts": parts, "differ": [], "published_bytes": 1, "measured_at": "now",
        "commit": "abc", "machine": "m",
    }  # fmt: skip
    section = daily.render_section(
        [{**base, "lines": 5_000_000, "ratio": 0.49}, {**base, "lines": 50_000_000, "ratio": 0.2}]
    )
    assert "- 5M lines, parquet, 1 dbt thread(s): 0.49 against at most 0.5 (met)" in section
    assert "- 50M lines, parquet, 1 dbt thread(s): 0.20 against at most 0.15 (missed)" in section


spark_bench = _load("spark_target")
measuring = _load("measuring")


def test_the_spark_section_gives_ratios_and_keeps_its_place(tmp_path):
    result = {
        "lines": 500_000, "models": 23, "file_bytes": 2**20, "same_audit": True,
        "duckdb_startup_s": 2.0, "spark_startup_s": 20.0,
        "duckdb_build_s": 5.0, "spark_build_s": 80.0, "machine": "x86_64, 2 cores",
    }  # fmt: skip
    section = spark_bench.render_section([result])
    assert "| 0.5M | 23 | 16.0 | 10.0 | 25% | yes |" in section
    assert spark_bench.render_section([{**result, "same_audit": False}]).count("| NO |") == 1
    assert spark_bench.render_section([]) == ""
    report = tmp_path / "BENCHMARKS.md"
    report.write_text("# Benchmarks\n\ntext\n")
    for _ in range(2):
        measuring.replace_marked_section(
            report, section, spark_bench.SECTION_START, spark_bench.SECTION_END
        )
    text = report.read_text()
    assert text.count(spark_bench.SECTION_START) == 1 and text.startswith("# Benchmarks\n")
    assert spark_bench.current_section(report) == text[text.index(spark_bench.SECTION_START) :]
