"""Build in a work file, publish the warehouse atomically.

DuckDB lets one process write a database file and nobody else open it meanwhile.
So dbt never writes the warehouse analysts query (``DUCKDB_PATH``, default
``warehouse.duckdb``). It builds ``<DUCKDB_PATH>.build/<name>`` instead, and the
last node of ``dbt build`` (the ``warehouse_publication`` model, which runs only
after every mart and every test on it passed) copies that file next to the
warehouse and renames it over the warehouse in one atomic step:

* readers holding the old warehouse open keep reading the old file; new readers see
  the new one; nobody ever sees half a build;
* a build that fails, or is killed, never reaches the rename, so the warehouse stays
  exactly as the last successful build left it.

The work file has the same name as the warehouse (only its folder differs) so the
database name DuckDB derives from the file name, which dbt writes into view
definitions, is the same in both.

This module is also a dbt-duckdb plugin (listed in profiles.yml): dbt-duckdb
initialises plugins before it opens the database, which is when the work folder
must exist.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import duckdb

WORK_SUFFIX = ".build"


def work_path(warehouse: str | os.PathLike[str]) -> Path:
    """Where dbt builds for a given published warehouse path."""
    published = Path(warehouse)
    return published.parent / (published.name + WORK_SUFFIX) / published.name


def published_path(work: str | os.PathLike[str]) -> Path:
    """The warehouse a work file publishes to (the inverse of :func:`work_path`)."""
    work = Path(work)
    folder = work.parent
    if not folder.name.endswith(WORK_SUFFIX) or folder.name[: -len(WORK_SUFFIX)] != work.name:
        raise ValueError(
            f"'{work}' is not a work file: expected <warehouse>{WORK_SUFFIX}/<warehouse name>; "
            "set the warehouse with DUCKDB_PATH and keep profiles.yml's path as shipped"
        )
    return folder.with_name(work.name)


def current_database_path(con: duckdb.DuckDBPyConnection) -> str:
    """The file behind the connection's current database."""
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    if row is None or not row[0]:
        raise ValueError("the current DuckDB database is not a file")
    return str(row[0])


def publish(
    con: duckdb.DuckDBPyConnection, work: str | os.PathLike[str], warehouse: str | os.PathLike[str]
) -> float:
    """Checkpoint the work file and atomically replace ``warehouse`` with a copy of it.

    Returns the seconds the copy took. The copy is written beside the warehouse
    (same file system, so the rename is atomic) under a name no reader opens.
    """
    target = Path(warehouse)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.publishing-{os.getpid()}")
    start = time.perf_counter()
    con.execute("checkpoint")
    try:
        shutil.copyfile(work, staging)
        with open(staging, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    wal = target.with_name(target.name + ".wal")
    wal.unlink(missing_ok=True)
    return time.perf_counter() - start


try:  # the plugin half needs dbt-duckdb, which pure-library users may not have
    from dbt.adapters.duckdb.plugins import BasePlugin
except ImportError:  # pragma: no cover
    BasePlugin = object  # type: ignore[assignment,misc]


class Plugin(BasePlugin):  # type: ignore[misc,valid-type]
    """dbt-duckdb plugin: make sure the work file's folder exists before dbt opens it."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        path = getattr(self.creds, "path", None)
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
