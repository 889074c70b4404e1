"""Shared helpers: run dbt against a throwaway warehouse and read what it published."""

from __future__ import annotations

import json
import os
import shutil
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


def dbt_command(*args: str, variables: dict | None = None) -> list[str]:
    """The argv of `dbt <args> [--vars JSON]` with this environment's dbt."""
    command = [str(BIN / "dbt"), *args]
    if variables:
        command += ["--vars", json.dumps(variables)]
    return command


def dbt_environment(warehouse: Path, project: Path = PROJECT_ROOT, env: dict | None = None):
    """The environment a dbt command of the tests runs in: DUCKDB_PATH=warehouse."""
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(project),
        "DUCKDB_PATH": str(warehouse),
        **(env or {}),
    }


def run_dbt(
    *args: str,
    warehouse: Path,
    variables: dict | None = None,
    env: dict | None = None,
    project: Path = PROJECT_ROOT,
) -> DbtRun:
    """Run `dbt <args>` from the project root (or a copy) with DUCKDB_PATH=warehouse."""
    done = subprocess.run(
        dbt_command(*args, variables=variables),
        cwd=project,
        env=dbt_environment(warehouse, project, env),
        capture_output=True,
        text=True,
        check=False,
    )
    return DbtRun(done.returncode, done.stdout + done.stderr, warehouse)


#: What a clone does not have: the environment, build output, local data.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "target",
    "logs",
    "reports",
    "*.duckdb",
    "*.duckdb.*",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "results",
)


def copy_project(destination: Path) -> Path:
    """A copy of the project as a fresh clone has it, to edit (seeds, models) in a test."""
    shutil.copytree(PROJECT_ROOT, destination, ignore=NOT_IN_A_CLONE)
    shutil.rmtree(destination / "bench" / "data", ignore_errors=True)
    return destination


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


def weekly_exports(
    folder: Path, customers: int, seed: int, suffix: str = ".csv", **generate
) -> list[Path]:
    """A generated export split into one file per ISO week of the invoice date
    (:func:`segmentation.synth.write_weekly_exports`), in path order."""
    from segmentation.synth import iter_transactions, write_weekly_exports

    return write_weekly_exports(
        iter_transactions(customers, seed, **generate), folder, suffix=suffix
    )
