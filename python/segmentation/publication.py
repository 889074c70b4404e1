"""Decide what a dbt command may publish, and publish it atomically.

dbt builds in a work file (:func:`segmentation.warehouse.work_path`); analysts read the
published warehouse (``DUCKDB_PATH``). The last node of the DAG, ``warehouse_publication``,
asks :func:`plan_publication` whether this command may replace the published warehouse
and with what, and :func:`publish` writes it.

The unit of consistency is the **relation**: every published relation is one that a
build rebuilt and tested, with every relation it was computed from in the state that
build tested. A partial build (``dbt build -s customer_rfm+``) republishes what it
rebuilt, and carries every other relation over unchanged from the warehouse already
published. The rules, in the order :func:`plan_publication` checks them:

1. Only what passed its tests is published: every model the command ran must be
   upstream of this node, and every data test on every node it ran must have been
   selected too (dbt's build order then guarantees each passed, or this node is
   skipped; a model that is not upstream could fail a test and not stop it).
   ``dbt run`` and ``dbt build --exclude-resource-type test`` select none, so they
   never publish; they say so, with the command that would.
2. Nothing stale: a published relation downstream of a node this command rebuilt must
   have been rebuilt too (``--exclude`` could leave it out).
3. Nothing untested underneath: every node a rebuilt relation is computed from, and that
   this command did not rebuild, was last built by a command that published. A command
   that failed, was killed, or never publishes (``dbt run``, ``dbt seed``) leaves the
   nodes it built "unpublished"; a partial build on top of them would publish marts made
   from them, so it must rebuild them too.
4. Nothing missing: a relation this command did not rebuild must be in the published
   warehouse already, to be carried over.

Rule 1 refusals are expected (the command was never meant to publish) and only logged;
rules 2-4 stop the build with an error, since the command was meant to publish.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue
from typing import Any

import duckdb

#: The work-file table the on-run-start hook writes: this invocation's id and start.
RUN_TABLE = "dbt_run"
#: The work-file table every model and seed appends to when it is built (post-hook).
BUILD_LOG_TABLE = "dbt_build_log"
#: The work-file table of the invocations whose publication completed.
PUBLICATION_LOG_TABLE = "dbt_publication_log"
#: The relation, in the published warehouse, that says what it holds and from which build.
RECORD_TABLE = "warehouse_publication"
#: The column every mart carries: the dbt invocation that built its rows.
RUN_ID_COLUMN = "dbt_run_id"
#: The column of a mart that daily loads extend: the build that wrote each row (such a
#: mart has no :data:`RUN_ID_COLUMN`: its rows come from many builds).
WRITER_COLUMN = "loaded_by_run_id"


@dataclass(frozen=True)
class Node:
    """A model or seed of the project, as the publication sees it."""

    unique_id: str
    name: str
    resource_type: str
    depends_on: tuple[str, ...] = ()
    materialized: str = "table"
    #: An incremental model's ``unique_key`` (publication updates its rows by it).
    unique_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataTest:
    """A data test and the nodes it reads."""

    unique_id: str
    name: str
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildContext:
    """What dbt knows about this command when the publication node runs.

    Built by the ``publication`` materialization from dbt's ``graph``,
    ``selected_resources`` and ``flags`` (:func:`context_from_json`).
    """

    command: str
    invocation_id: str
    publication_id: str
    nodes: Mapping[str, Node]
    tests: Mapping[str, DataTest]
    selected: frozenset[str]
    select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    vars: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    column_descriptions: Mapping[str, str] = field(default_factory=dict)

    @property
    def published(self) -> tuple[str, ...]:
        """The relations the warehouse holds: the parents of the publication node."""
        return self.nodes[self.publication_id].depends_on


@dataclass(frozen=True)
class Plan:
    """What this command publishes: ``rebuilt`` from the work file, ``carried`` from the
    published warehouse; or, when ``refusal`` is set, nothing (``blocking``: as an error).
    """

    rebuilt: tuple[str, ...] = ()
    carried: tuple[str, ...] = ()
    refusal: str | None = None
    blocking: bool = False

    @property
    def publishes(self) -> bool:
        return self.refusal is None and bool(self.rebuilt)


def _key_columns(unique_key: str | Sequence[str] | None) -> tuple[str, ...]:
    """Dbt's ``unique_key`` config (one column, a list, or none) as a tuple of columns."""
    if not unique_key:
        return ()
    return (unique_key,) if isinstance(unique_key, str) else tuple(unique_key)


def context_from_json(text: str) -> BuildContext:
    """The :class:`BuildContext` the materialization serialised as JSON."""
    raw = json.loads(text)
    return BuildContext(
        command=raw["command"],
        invocation_id=raw["invocation_id"],
        publication_id=raw["publication_id"],
        nodes={
            uid: Node(
                uid,
                n["name"],
                n["resource_type"],
                tuple(n["depends_on"]),
                n.get("materialized") or "table",
                _key_columns(n.get("unique_key")),
            )
            for uid, n in raw["nodes"].items()
        },
        tests={
            uid: DataTest(uid, t["name"], tuple(t["depends_on"])) for uid, t in raw["tests"].items()
        },
        selected=frozenset(raw["selected"]),
        select=tuple(raw.get("select") or ()),
        exclude=tuple(raw.get("exclude") or ()),
        vars=raw.get("vars") or {},
        description=raw.get("description") or "",
        column_descriptions=raw.get("column_descriptions") or {},
    )


def ancestors(nodes: Mapping[str, Node], start: Iterable[str]) -> set[str]:
    """Every model or seed the nodes in ``start`` are computed from (not ``start`` itself)."""
    seen: set[str] = set()
    stack = [parent for uid in start for parent in nodes[uid].depends_on]
    while stack:
        uid = stack.pop()
        if uid in seen or uid not in nodes:
            continue
        seen.add(uid)
        stack.extend(nodes[uid].depends_on)
    return seen


def publish_command(context: BuildContext, select: Sequence[str] | None = None) -> str:
    """The ``dbt build`` command that would publish what this command built."""
    parts = ["dbt", "build"]
    chosen = context.select if select is None else tuple(select)
    if chosen:
        parts += ["-s", *chosen]
    if context.exclude and select is None:
        parts += ["--exclude", *context.exclude]
    if context.vars:
        parts += ["--vars", json.dumps(dict(context.vars), separators=(", ", ": "))]
    return " ".join(shlex.quote(part) for part in parts)


def plan_publication(
    context: BuildContext,
    last_built_by: Mapping[str, str],
    published_runs: Iterable[str],
    already_published: Iterable[str],
) -> Plan:
    """What this command may publish (the module docstring has the rules).

    Parameters
    ----------
    context
        The command, the graph and the selection.
    last_built_by
        unique_id -> the invocation that last built that node in the work file.
    published_runs
        Invocations whose publication completed.
    already_published
        Names of the relations in the published warehouse now.

    Returns
    -------
    Plan
        Relation names (not unique ids) to copy from the work file and to carry over.
    """
    nodes = context.nodes
    published = context.published
    ran = {uid for uid in context.selected if uid in nodes and uid != context.publication_id}
    rebuilt = [uid for uid in published if uid in context.selected]
    names = [nodes[uid].name for uid in rebuilt]
    if not rebuilt:
        return Plan(refusal="this command rebuilt none of the published relations")
    outside = sorted(nodes[uid].name for uid in ran - ancestors(nodes, [context.publication_id]))
    if outside:
        return Plan(
            refusal=f"{', '.join(outside)} ran but is not upstream of warehouse_publication, "
            "so a test on it could fail without stopping the publication; make it a ref of "
            "models/publish/warehouse_publication.py or of a model it publishes",
            blocking=True,
        )

    untested = sorted(
        test.name
        for test in context.tests.values()
        if test.unique_id not in context.selected and ran.intersection(test.depends_on)
    )
    if untested:
        why = (
            f"`dbt {context.command}` runs no data tests"
            if context.command != "build"
            else f"this build did not run {len(untested)} data test(s) on what it rebuilt "
            f"(e.g. {untested[0]})"
        )
        return Plan(refusal=f"{why}; to test and publish: {publish_command(context)}")

    stale = sorted(
        nodes[uid].name
        for uid in published
        if uid not in context.selected and ancestors(nodes, [uid]) & ran
    )
    if stale:
        return Plan(
            refusal=f"{', '.join(stale)} would be published stale: computed from nodes this "
            f"build rebuilt, but not rebuilt itself; to publish: "
            f"{publish_command(context, [f'{nodes[uid].name}+' for uid in rebuilt])} "
            "without --exclude, or dbt build",
            blocking=True,
        )

    done = set(published_runs)
    unpublished = {
        uid for uid in ancestors(nodes, rebuilt) - ran if last_built_by.get(uid) not in done
    }
    if unpublished:
        roots = sorted(
            nodes[uid].name for uid in unpublished if not ancestors(nodes, [uid]) & unpublished
        )
        rebuild = publish_command(context, [f"{name}+" for name in roots])
        return Plan(
            refusal=f"{', '.join(sorted(nodes[uid].name for uid in unpublished))} in the work "
            "file came from a command that did not publish (a failed or killed build, dbt run "
            f"or dbt seed), and this build would publish marts computed from it; to publish: "
            f"{rebuild}",
            blocking=True,
        )

    present = set(already_published)
    carried = [nodes[uid].name for uid in published if uid not in context.selected]
    missing = sorted(name for name in carried if name not in present)
    if missing:
        return Plan(
            refusal=f"{', '.join(missing)} has never been published and this build did not "
            "rebuild it; to publish: dbt build",
            blocking=True,
        )
    return Plan(rebuilt=tuple(names), carried=tuple(carried))


# --------------------------------------------------------------------------- DuckDB


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _table_exists(con: duckdb.DuckDBPyConnection, database: str, name: str) -> bool:
    row = con.execute(
        "select count(*) from duckdb_tables() "
        "where database_name = ? and schema_name = 'main' and table_name = ?",
        [database, name],
    ).fetchone()
    return bool(row and row[0])


def read_build_state(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], set[str]]:
    """``(last_built_by, published_runs)`` from the work file's logs (empty when absent)."""
    database = con.execute("select current_database()").fetchone()[0]  # type: ignore[index]
    last: dict[str, str] = {}
    if _table_exists(con, database, BUILD_LOG_TABLE):
        last = dict(
            con.execute(
                f"select unique_id, arg_max(dbt_run_id, built_at) from main.{BUILD_LOG_TABLE} "
                "group by unique_id"
            ).fetchall()
        )
    runs: set[str] = set()
    if _table_exists(con, database, PUBLICATION_LOG_TABLE):
        runs = {
            row[0]
            for row in con.execute(
                f"select dbt_run_id from main.{PUBLICATION_LOG_TABLE}"
            ).fetchall()
        }
    return last, runs


def published_relations(warehouse: Path) -> set[str]:
    """Names of the tables in the published warehouse (empty when there is none)."""
    if not warehouse.exists():
        return set()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main'"
            ).fetchall()
        }


def _table_ddl(con: duckdb.DuckDBPyConnection, database: str, name: str) -> str:
    row = con.execute(
        "select sql from duckdb_tables() "
        "where database_name = ? and schema_name = 'main' and table_name = ?",
        [database, name],
    ).fetchone()
    if row is None:
        raise ValueError(f"relation {name} is not a table in {database}")
    return str(row[0])


def _copy_comments(con: duckdb.DuckDBPyConnection, source: str, target: str, name: str) -> None:
    """Give ``target.main.name`` the table and column comments of ``source.main.name``."""
    qualified = f"{_quote(target)}.main.{_quote(name)}"
    row = con.execute(
        "select comment from duckdb_tables() "
        "where database_name = ? and schema_name = 'main' and table_name = ?",
        [source, name],
    ).fetchone()
    if row and row[0]:
        con.execute(f"comment on table {qualified} is {_literal(row[0])}")
    for column, text in con.execute(
        "select column_name, comment from duckdb_columns() where database_name = ? "
        "and schema_name = 'main' and table_name = ? and comment is not null",
        [source, name],
    ).fetchall():
        con.execute(f"comment on column {qualified}.{_quote(column)} is {_literal(text)}")


def _copy_table(con: duckdb.DuckDBPyConnection, source: str, target: str, name: str) -> None:
    """Create ``target.main.name`` as ``source.main.name`` is (columns, types, constraints,
    comments) and copy its rows.
    """
    writer = con.cursor()
    try:
        _create_and_fill(writer, source, target, name)
    finally:
        writer.close()
    _copy_comments(con, source, target, name)


def _create_and_fill(
    writer: duckdb.DuckDBPyConnection, source: str, target: str, name: str
) -> None:
    """Create ``target.main.name`` from ``source``'s DDL and copy its rows, on ``writer``,
    whose default schema this makes ``target.main`` (the DDL names the table unqualified).
    """
    writer.execute(f"use {_quote(target)}.main")
    writer.execute(_table_ddl(writer, source, name))
    writer.execute(
        f"insert into {_quote(target)}.main.{_quote(name)} "
        f"select * from {_quote(source)}.main.{_quote(name)}"
    )


def _rows_per_run(
    con: duckdb.DuckDBPyConnection, database: str, name: str, column: str = RUN_ID_COLUMN
) -> dict[Any, int]:
    """``column`` (a build id) -> rows, of ``database.main.name``."""
    return dict(
        con.execute(
            f"select {_quote(column)}, count(*) from {_quote(database)}.main.{_quote(name)} "
            "group by all"
        ).fetchall()
    )


def _sync_rows(con: duckdb.DuckDBPyConnection, source: str, target: str, node: Node) -> bool:
    """Bring ``target``'s copy of an incremental mart to ``source``'s by its unique key.

    An incremental build replaces the rows of the keys it touched, and
    :data:`WRITER_COLUMN` names the build that wrote each row. So the rows of
    ``source`` written by builds ``target`` has no rows of are the change: delete
    ``target``'s rows with their keys, insert them, and drop the rows of builds
    ``source`` no longer holds. The rows no build touched are not written again.
    Returns whether ``target`` now holds, build by build, as many rows as ``source``
    (when not, as after a column change, the caller copies the table whole).
    """
    if not node.unique_key or _table_ddl(con, source, node.name) != _table_ddl(
        con, target, node.name
    ):
        return False
    columns = {
        row[0]
        for row in con.execute(
            "select column_name from duckdb_columns() where database_name = ? "
            "and schema_name = 'main' and table_name = ?",
            [source, node.name],
        ).fetchall()
    }
    if WRITER_COLUMN not in columns:
        return False
    here = f"{_quote(source)}.main.{_quote(node.name)}"
    there = f"{_quote(target)}.main.{_quote(node.name)}"
    writer = _quote(WRITER_COLUMN)
    before = _rows_per_run(con, target, node.name, WRITER_COLUMN)
    wanted = _rows_per_run(con, source, node.name, WRITER_COLUMN)
    new = [run for run in wanted if run not in before]
    gone = [run for run in before if run not in wanted]
    if new:
        ids = ", ".join("?" for _ in new)
        con.execute(
            f"create temp table publication_delta as select * from {here} "
            f"where {writer} in ({ids})",
            new,
        )
        try:
            matches = " and ".join(
                f"{there}.{column} = publication_delta.{column}"
                for column in map(_quote, node.unique_key)
            )
            con.execute(f"delete from {there} using publication_delta where {matches}")
            con.execute(f"insert into {there} select * from publication_delta")
        finally:
            con.execute("drop table publication_delta")
    if gone:
        ids = ", ".join("?" for _ in gone)
        con.execute(f"delete from {there} where {writer} in ({ids})", gone)
    return _rows_per_run(con, target, node.name, WRITER_COLUMN) == wanted


def _stamp_and_count(
    con: duckdb.DuckDBPyConnection, database: str, name: str
) -> tuple[str | None, int]:
    """``(dbt_run_id, rows)`` of ``database.main.name`` (the id when there is one only)."""
    qualified = f"{_quote(database)}.main.{_quote(name)}"
    has_stamp = con.execute(
        "select count(*) from duckdb_columns() where database_name = ? "
        "and schema_name = 'main' and table_name = ? and column_name = ?",
        [database, name, RUN_ID_COLUMN],
    ).fetchone()[0]  # type: ignore[index]
    count = con.execute(f"select count(*) from {qualified}").fetchone()[0]  # type: ignore[index]
    if not has_stamp:
        return None, int(count)
    ids = _rows_per_run(con, database, name)
    return (next(iter(ids)) if len(ids) == 1 else None), int(count)


def check_stamps(con: duckdb.DuckDBPyConnection, names: Iterable[str], run_id: str) -> None:
    """Raise if a relation about to be published as rebuilt has a row from another build."""
    database = con.execute("select current_database()").fetchone()[0]  # type: ignore[index]
    for name in names:
        has_stamp = con.execute(
            "select count(*) from duckdb_columns() where database_name = ? "
            "and schema_name = 'main' and table_name = ? and column_name = ?",
            [database, name, RUN_ID_COLUMN],
        ).fetchone()[0]  # type: ignore[index]
        if not has_stamp:
            continue
        stray = con.execute(
            f"select count(*) from main.{_quote(name)} where {RUN_ID_COLUMN} is distinct from ?",
            [run_id],
        ).fetchone()[0]  # type: ignore[index]
        if stray:
            raise ValueError(
                f"{name} has {stray} row(s) whose dbt_run_id is not this build's ({run_id}): "
                "every row of a mart a build rebuilds must carry that build's id; "
                "nothing was published"
            )


def _previous_record(
    con: duckdb.DuckDBPyConnection, database: str
) -> dict[str, tuple[str | None, Any]]:
    """Relation -> (dbt_run_id, built_at) from a published warehouse's own record."""
    if not _table_exists(con, database, RECORD_TABLE):
        return {}
    return {
        row[0]: (row[1], row[2])
        for row in con.execute(
            f"select relation, dbt_run_id, built_at from {_quote(database)}.main.{RECORD_TABLE}"
        ).fetchall()
    }


#: The columns of ``warehouse_publication`` and their types.
RECORD_COLUMNS: Mapping[str, str] = {
    "relation": "varchar not null primary key",
    "resource_type": "varchar not null",
    "rebuilt": "boolean not null",
    "dbt_run_id": "varchar",
    "built_at": "timestamp with time zone",
    "row_count": "bigint not null",
    "published_by_run_id": "varchar not null",
    "published_at": "timestamp with time zone not null",
}


def _create_record(
    con: duckdb.DuckDBPyConnection, relation: str, rows: list[tuple[Any, ...]]
) -> None:
    """``relation`` as the publication record, holding ``rows`` (RECORD_COLUMNS order,
    ``published_at`` in epoch seconds).
    """
    columns = ", ".join(f"{name} {kind}" for name, kind in RECORD_COLUMNS.items())
    con.execute(f"create or replace table {relation} ({columns})")
    if rows:
        con.executemany(
            f"insert into {relation} values (?, ?, ?, ?, ?, ?, ?, to_timestamp(?))", rows
        )


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    return {
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where database_name = ? "
            "and schema_name = 'main'",
            [database],
        ).fetchall()
    }


def _staging_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.publishing-{os.getpid()}")


def remove_stale_staging(warehouse: Path) -> None:
    """Delete the staging files of publications whose process is gone (killed mid-way)."""
    for path in warehouse.parent.glob(f".{warehouse.name}.publishing-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            path.unlink(missing_ok=True)
        except PermissionError:  # alive, another user's
            continue


#: Connections publishing writes the rebuilt relations with, side by side.
PUBLICATION_WRITERS = 2


def _write_rebuilt(
    con: duckdb.DuckDBPyConnection,
    work: str,
    rebuilt: Sequence[str],
    present: set[str],
    nodes: Mapping[str, Node],
) -> dict[str, int]:
    """Write each relation of ``rebuilt`` from ``work`` into ``publishing``; its rows.

    An incremental mart already published gets its new rows (:func:`_sync_rows`); any
    other relation is written whole (:func:`_copy_table`). The relations are written by
    :data:`PUBLICATION_WRITERS` connections at once, the largest first: the history
    alone takes about as long as all the small marts together, most of whose cost is a
    statement at a time (create, comments), not rows. Each writes its own tables, so
    they never touch the same one.
    """
    sizes = dict(
        con.execute(
            "select table_name, estimated_size from duckdb_tables() "
            "where database_name = ? and schema_name = 'main'",
            [work],
        ).fetchall()
    )
    order = sorted(rebuilt, key=lambda name: (-sizes.get(name, 0), name))

    def write(writer: duckdb.DuckDBPyConnection, name: str) -> int:
        # one transaction per relation: its DDL, rows and a comment per column commit
        # once, not a statement at a time (about 0.4 s of small marts)
        writer.execute("begin transaction")
        try:
            synced = name in present and nodes[name].materialized == "incremental"
            if not (synced and _sync_rows(writer, work, "publishing", nodes[name])):
                writer.execute(f"drop table if exists publishing.main.{_quote(name)}")
                _create_and_fill(writer, work, "publishing", name)
            _copy_comments(writer, work, "publishing", name)
            count = _stamp_and_count(writer, "publishing", name)[1]
        except BaseException:
            writer.execute("rollback")
            raise
        writer.execute("commit")
        return count

    writers = [con.cursor() for _ in range(min(PUBLICATION_WRITERS, len(order)) or 1)]
    try:
        with ThreadPoolExecutor(max_workers=len(writers)) as pool:
            free: Queue[duckdb.DuckDBPyConnection] = Queue()
            for writer in writers:
                free.put(writer)

            def task(name: str) -> int:
                writer = free.get()
                try:
                    return write(writer, name)
                finally:
                    free.put(writer)

            return dict(zip(order, pool.map(task, order), strict=True))
    finally:
        for writer in writers:
            writer.close()


def publish(
    con: duckdb.DuckDBPyConnection,
    warehouse: Path,
    plan: Plan,
    context: BuildContext,
    run_started_at: Any,
) -> list[tuple[Any, ...]]:
    """Write a new warehouse beside ``warehouse`` and rename it over ``warehouse``.

    The new file starts as a byte copy of the published warehouse (when there is one),
    so the relations ``plan`` carries over cost nothing more. Each relation ``plan``
    rebuilt is then replaced by the work file's (``con`` is on it), with its columns,
    constraints and comments, except an incremental mart, whose new rows alone are
    written (:func:`_sync_rows`), so that publishing grows with what a build changed and
    not with the history. ``warehouse_publication`` says which build made each relation.
    The rename is atomic: readers holding the old file open keep reading it; nobody
    ever sees a half-written one. Returns the record rows.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(warehouse)
    staging = _staging_path(warehouse)
    staging.unlink(missing_ok=True)
    # a published file with a write-ahead log (someone wrote to it) is read, not copied
    reuse = warehouse.exists() and not warehouse.with_name(warehouse.name + ".wal").exists()
    if reuse:
        shutil.copyfile(warehouse, staging)
    work = con.execute("select current_database()").fetchone()[0]  # type: ignore[index]
    nodes = {node.name: node for node in context.nodes.values()}
    published_at = time.time()
    rows: list[tuple[Any, ...]] = []
    con.execute(f"attach {_literal(str(staging))} as publishing")
    try:
        present = _tables(con, "publishing")
        previous = _previous_record(con, "publishing")
        for name in present - set(plan.carried):
            if not (name in plan.rebuilt and nodes[name].materialized == "incremental"):
                con.execute(f"drop table publishing.main.{_quote(name)}")
        counts = _write_rebuilt(con, work, plan.rebuilt, present, nodes)
        for name in plan.rebuilt:
            count = counts[name]
            rows.append(
                (
                    name,
                    nodes[name].resource_type,
                    True,
                    context.invocation_id,
                    run_started_at,
                    count,
                )
            )
        missing = [name for name in plan.carried if name not in present]
        if missing:
            con.execute(f"attach {_literal(str(warehouse))} as published (read_only)")
            try:
                previous = _previous_record(con, "published")
                for name in missing:
                    _copy_table(con, "published", "publishing", name)
            finally:
                con.execute("detach published")
        for name in plan.carried:
            run_id, count = _stamp_and_count(con, "publishing", name)
            recorded = previous.get(name, (run_id, None))
            rows.append((name, nodes[name].resource_type, False, recorded[0], recorded[1], count))
        rows = [
            (*row, context.invocation_id, published_at) for row in sorted(rows, key=lambda r: r[0])
        ]
        record = f"publishing.main.{RECORD_TABLE}"
        _create_record(con, record, rows)
        if context.description:
            con.execute(f"comment on table {record} is {_literal(context.description.strip())}")
        for column, text in context.column_descriptions.items():
            if text and column in RECORD_COLUMNS:
                con.execute(f"comment on column {record}.{_quote(column)} is {_literal(text)}")
        con.execute("checkpoint publishing")
        con.execute("detach publishing")
        with open(staging, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staging, warehouse)
    except BaseException:
        con.execute("detach database if exists publishing")
        raise
    finally:
        staging.unlink(missing_ok=True)
        staging.with_name(staging.name + ".wal").unlink(missing_ok=True)
    warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
    return rows


class PublicationRefused(RuntimeError):
    """A command meant to publish cannot, and why (rules 2-4 of the module docstring)."""


def _note(message: str, *, warn: bool = False) -> None:
    """One line in dbt's log, as dbt's own lines are (no logger prefix)."""
    try:
        from dbt_common.events.base_types import EventLevel
        from dbt_common.events.functions import fire_event
        from dbt_common.events.types import Note
    except ImportError:  # pragma: no cover - outside dbt
        print(message)
        return
    fire_event(Note(msg=message), level=EventLevel.WARN if warn else EventLevel.INFO)


def _with_command_flags(context: BuildContext) -> BuildContext:
    """``context`` with this dbt process's ``--select``, ``--exclude`` and ``--vars``
    (dbt's Jinja ``flags`` does not carry them; the Python models run in dbt's process).
    """
    from dataclasses import replace

    try:
        from dbt.flags import get_flags
    except ImportError:  # pragma: no cover - outside dbt
        return context
    flags = get_flags()
    return replace(
        context,
        select=tuple(getattr(flags, "SELECT", None) or ()),
        exclude=tuple(getattr(flags, "EXCLUDE", None) or ()),
        vars=dict(getattr(flags, "VARS", None) or {}),
    )


def run_publication(con: duckdb.DuckDBPyConnection, context_json: str, relation: str) -> None:
    """The ``publication`` materialization's work: plan, check, publish, record, say so.

    ``con`` is on the work file; ``relation`` is the model's own table there, which gets
    the rows of ``warehouse_publication`` this command published (none when it did not).
    """
    from segmentation.warehouse import current_database_path, published_path

    context = _with_command_flags(context_from_json(context_json))
    run_started_at = json.loads(context_json)["run_started_at"]
    target = published_path(current_database_path(con))
    last_built_by, published_runs = read_build_state(con)
    plan = plan_publication(context, last_built_by, published_runs, published_relations(target))
    if plan.refusal is not None:
        message = f"{target.name} not replaced: {plan.refusal}"
        if plan.blocking:
            raise PublicationRefused(message) from None
        _create_record(con, relation, [])
        _note(message, warn=True)
        return
    check_stamps(con, plan.rebuilt, context.invocation_id)
    start = time.perf_counter()
    rows = publish(con, target, plan, context, run_started_at)
    seconds = time.perf_counter() - start
    con.execute(
        f"insert into main.{PUBLICATION_LOG_TABLE} values (?, now())", [context.invocation_id]
    )
    _create_record(con, relation, rows)
    _note(
        f"published {target}: {len(plan.rebuilt)} relation(s) rebuilt by this build, "
        f"{len(plan.carried)} carried over unchanged ({seconds:.2f} s)"
    )
