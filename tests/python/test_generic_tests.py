"""The custom generic data tests in tests/generic/ fail when they should.

Each test's SQL is rendered from its file (the body of its ``{% test %}`` block) and run
on small DuckDB tables: a dbt data test passes when its query returns no rows.
"""

from __future__ import annotations

import re

import duckdb
import jinja2
import pytest
from conftest import PROJECT_ROOT

GENERIC_TESTS = PROJECT_ROOT / "tests" / "generic"


def render_test(name: str, **arguments: str) -> str:
    """The SQL of generic test ``name`` with its arguments filled in."""
    source = (GENERIC_TESTS / f"{name}.sql").read_text()
    match = re.search(r"{%\s*test\s+" + name + r"\(.*?\)\s*%}(.*){%\s*endtest\s*%}", source, re.S)
    assert match, f"tests/generic/{name}.sql has no {{% test {name}(...) %}} block"
    return jinja2.Environment().from_string(match.group(1)).render(**arguments)


def failing_rows(rows: list[tuple[str, int | None]]) -> list[tuple]:
    con = duckdb.connect()
    con.execute("create table lines (source_file varchar, line_number bigint)")
    if rows:
        con.executemany("insert into lines values (?, ?)", rows)
    sql = render_test(
        "unique_within", model="lines", column_name="line_number", within="source_file"
    )
    return con.execute(sql).fetchall()


@pytest.mark.parametrize(
    "rows",
    [
        [("a.csv", 2), ("a.csv", 3), ("a.csv", 7)],
        # the same line numbers in two files of a glob
        [("a.csv", 2), ("a.csv", 3), ("b.csv", 2), ("b.csv", 3)],
        [],
    ],
    ids=["gaps", "two-files", "empty"],
)
def test_unique_within_passes_when_each_number_appears_once_per_file(rows):
    assert failing_rows(rows) == []


def test_unique_within_names_the_file_where_a_number_repeats():
    rows = [("a.csv", 2), ("a.csv", 3), ("b.csv", 2), ("b.csv", 3), ("b.csv", 3)]
    assert failing_rows(rows) == [("b.csv", 3, 2)]


def test_unique_within_fails_on_a_missing_number():
    assert failing_rows([("a.csv", 2), ("a.csv", None)]) == [("a.csv", 2, 1)]
