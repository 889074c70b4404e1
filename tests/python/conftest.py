"""Shared helpers: run dbt against a throwaway warehouse and read what it published."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from segmentation.warehouse import work_path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# with --select: only the data tests whose parents are all selected (e.g. not the
# segment tests that also read customer_rfm)
CAUTIOUS = "--indirect-selection=cautious"


@dataclass
class DbtRun:
    returncode: int
    output: str
    warehouse: Path

    def query(self, sql: str) -> pd.DataFrame:
        """Query the published warehouse (what analysts see)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.sql(sql).df()

    def query_work(self, sql: str) -> pd.DataFrame:
        """Query the work file dbt builds in (for partial builds that do not publish)."""
        with duckdb.connect(str(work_path(self.warehouse)), read_only=True) as con:
            return con.sql(sql).df()


def run_dbt(
    *args: str, warehouse: Path, variables: dict | None = None, env: dict | None = None
) -> DbtRun:
    """Run `dbt <args>` from the project root with DUCKDB_PATH=warehouse."""
    command = [str(BIN / "dbt"), *args]
    if variables:
        command += ["--vars", json.dumps(variables)]
    environment = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DUCKDB_PATH": str(warehouse),
        **(env or {}),
    }
    done = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    return DbtRun(done.returncode, done.stdout + done.stderr, warehouse)


def synth(out: Path, *args: str) -> Path:
    """Write a generated export with the project's generator (python -m segmentation.synth)."""
    subprocess.run(
        [sys.executable, "-m", "segmentation.synth", "--out", str(out), *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "python")},
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"
