"""Where dbt builds, and the dbt-duckdb plugin that prepares each dbt process.

DuckDB lets one process write a database file and nobody else open it meanwhile.
So dbt never writes the warehouse analysts query (``DUCKDB_PATH``, default
``warehouse.duckdb``). It builds in a work file, ``<DUCKDB_PATH>.build/<name>``
(:func:`work_path`), and the last node of the DAG publishes what a command rebuilt and
tested by writing a new warehouse and renaming it over ``DUCKDB_PATH``
(:mod:`segmentation.publication`).

The work file has the same name as the warehouse (only its folder differs) so the
database name DuckDB derives from the file name, which dbt writes into view
definitions, is the same in both.

This module is also a dbt-duckdb plugin (listed in profiles.yml): dbt-duckdb
initialises plugins before it opens the database, which is when the work folder must
exist and the build lock be taken (:func:`hold_build_lock`).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import os
import sys
import threading
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


#: The file in the work folder a dbt process holds locked while it uses the work file.
LOCK_NAME = "build.lock"
_held_locks: dict[Path, Any] = {}


class WarehouseBusy(RuntimeError):
    """Another dbt process is using this warehouse's work file."""


def hold_build_lock(folder: str | os.PathLike[str]) -> None:
    """Lock ``folder``'s build lock for the rest of this process, or raise :class:`WarehouseBusy`.

    DuckDB lets one process write a file. Two builds on one ``DUCKDB_PATH`` (a scheduled
    run and an analyst's) would otherwise meet DuckDB's raw lock error, or worse, take
    turns at the work file between nodes (dbt-duckdb closes it when idle). The lock is
    an advisory ``flock``, released by the kernel when the process ends however it ends,
    so a killed build never leaves a stale lock. The file records who holds it.
    """
    import fcntl

    path = Path(folder) / LOCK_NAME
    if path in _held_locks:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        warehouse = published_path(Path(folder) / Path(folder).name.removesuffix(WORK_SUFFIX))
        raise WarehouseBusy(
            f"another dbt process ({holder}) is building warehouse {warehouse}; wait for it "
            "to finish, or set DUCKDB_PATH to another warehouse"
        ) from None
    handle.seek(0)
    handle.truncate()
    command = " ".join(Path(sys.argv[0]).name if i == 0 else a for i, a in enumerate(sys.argv))
    handle.write(f"PID {os.getpid()}, `{command}`, since {time.strftime('%H:%M:%S')}")
    handle.flush()
    _held_locks[path] = handle


try:  # the plugin half needs dbt-duckdb, which pure-library users may not have
    from dbt.adapters.duckdb.plugins import BasePlugin
except ImportError:  # pragma: no cover
    BasePlugin = object  # type: ignore[assignment,misc]


#: Imported in the background while dbt starts (see :func:`warm_imports`).
WARM_MODULES = ("segmentation.clustering",)


def warm_imports(modules: tuple[str, ...] = WARM_MODULES) -> threading.Thread:
    """Import ``modules`` on a background thread; return the thread.

    scikit-learn and SciPy take about a second to import, and the first Python model
    that needs them would otherwise wait for it. Started when dbt starts, the import
    runs while DuckDB works on the SQL models (which release Python's lock), so it is
    done by the time the clustering runs; importing a module that is still being
    imported simply waits for it. The process waits for the thread before it exits,
    so a short dbt command never ends in the middle of an import.
    """

    def run() -> None:
        # Lowest CPU priority (Linux: per thread): DuckDB's workers come first.
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        for module in modules:
            try:
                importlib.import_module(module)
            except Exception:  # the model that imports it will report the error
                continue

    thread = threading.Thread(target=run, name="warm-imports", daemon=True)
    thread.start()
    atexit.register(thread.join)
    return thread


def freeze_long_lived_objects() -> None:
    """Keep Python's garbage collector off the objects that live until the process ends.

    By the time dbt opens the database it holds its whole manifest, hundreds of
    thousands of objects that stay alive to the end; Python's collector scans them
    again in every full collection, and once more, with everything else, when the
    process exits (about 0.8 s once pandas and scikit-learn are loaded). This freezes
    the objects alive now (:func:`gc.freeze`: the collector ignores them from then on)
    and registers an exit handler that freezes everything before the final collection.
    Together they save about 1.5 s of every ``dbt build``.

    Nothing is lost: frozen objects still die by reference counting, so an open
    DuckDB connection still closes at exit; only reference cycles that were already
    garbage stay in memory, and at exit Python never promised to finalise those.
    """
    gc.freeze()
    atexit.register(gc.freeze)


class Plugin(BasePlugin):
    """dbt-duckdb plugin: before dbt opens the work file, create its folder and take the
    build lock (:func:`hold_build_lock`); import the clustering stack in the background
    (:func:`warm_imports`); keep long-lived objects out of the garbage collector's way
    (:func:`freeze_long_lived_objects`).
    """

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        path = getattr(self.creds, "path", None)
        if path and path != ":memory:":
            hold_build_lock(Path(path).parent)
        freeze_long_lived_objects()
        if _runs_models():
            warm_imports()


def _runs_models() -> bool:
    """True for the dbt commands that run models (build, run): the others (parse, docs,
    test, ls, ...) never reach the clustering, and would only wait for the import.
    """
    try:
        from dbt.flags import get_flags
    except ImportError:  # pragma: no cover
        return False
    return getattr(get_flags(), "WHICH", None) in ("build", "run")
