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
    # the cross-engine macros a test calls, as they render for DuckDB (the default)
    engine = (PROJECT_ROOT / "macros" / "cross_engine.sql").read_text()
    defaults = jinja2.Environment(extensions=["jinja2.ext.do"]).from_string(engine).module
    helpers = {
        "distinct_integers": defaults.default__distinct_integers,
        # a full build's test reads every row of its model; a daily load's narrowing to
        # the rows it wrote (load_batch_rows with a batch_key) needs a dbt build and is
        # tested in test_daily_loads.py
        "load_batch_rows": lambda relation, batch_key=None: relation,
    }
    return jinja2.Environment().from_string(match.group(1)).render(**helpers, **arguments)


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


# --- the correlation matrix tests ------------------------------------------------------

#: a 2 x 2 correlation matrix of one stage: (feature_a, feature_b, pearson, spearman)
SQUARE = [
    ("a", "a", 1.0, 1.0),
    ("a", "b", 0.5, 0.4),
    ("b", "a", 0.5, 0.4),
    ("b", "b", 1.0, 1.0),
]


def render_matrix_test(name: str) -> str:
    return render_test(
        name,
        model="matrix",
        columns=["pearson", "spearman"],
        within="stage",
        row_column="feature_a",
        column_column="feature_b",
    )


def matrix_failures(name: str, cells: list[tuple]) -> list[tuple]:
    con = duckdb.connect()
    con.execute(
        "create table matrix (stage varchar, feature_a varchar, feature_b varchar, "
        "pearson double, spearman double)"
    )
    con.executemany("insert into matrix values ('raw', ?, ?, ?, ?)", cells)
    return con.execute(render_matrix_test(name)).fetchall()


@pytest.mark.parametrize("name", ["correlation_matrix_is_symmetric", "correlation_diagonal_is_one"])
def test_the_matrix_tests_pass_on_a_symmetric_matrix_with_a_unit_diagonal(name):
    assert matrix_failures(name, SQUARE) == []


def test_symmetry_fails_on_a_cell_whose_mirror_differs_or_is_missing():
    differs = [SQUARE[0], ("a", "b", 0.5, 0.4), ("b", "a", 0.5, 0.41), SQUARE[3]]
    assert sorted(matrix_failures("correlation_matrix_is_symmetric", differs)) == [
        ("raw", "a", "b"),
        ("raw", "b", "a"),
    ]
    missing = [SQUARE[0], SQUARE[1], SQUARE[3]]
    assert matrix_failures("correlation_matrix_is_symmetric", missing) == [("raw", "a", "b")]
    # NULL is a value like any other: NULL against 0.4 differs
    one_null = [SQUARE[0], ("a", "b", 0.5, None), SQUARE[2], SQUARE[3]]
    assert len(matrix_failures("correlation_matrix_is_symmetric", one_null)) == 2


def test_the_diagonal_must_be_one_or_null_for_a_feature_without_correlations():
    off = [("a", "a", 0.9999999, 1.0), *SQUARE[1:]]
    assert matrix_failures("correlation_diagonal_is_one", off) == [("raw", "a", 1)]
    missing = SQUARE[1:]
    assert matrix_failures("correlation_diagonal_is_one", missing) == [("raw", "a", 0)]
    # a constant feature: NULL on its diagonal and everywhere in its row passes ...
    constant = [
        ("a", "a", 1.0, 1.0),
        ("a", "b", None, None),
        ("b", "a", None, None),
        ("b", "b", None, None),
    ]
    assert matrix_failures("correlation_diagonal_is_one", constant) == []
    # ... but not a NULL diagonal beside a defined correlation
    null_diagonal = [SQUARE[0], SQUARE[1], SQUARE[2], ("b", "b", None, None)]
    assert matrix_failures("correlation_diagonal_is_one", null_diagonal) == [("raw", "b", 1)]


def run_on(table: str, rows: list[tuple], name: str, **arguments) -> list[tuple]:
    """Rows generic test ``name`` returns on ``t`` (``table``: its columns) holding ``rows``."""
    con = duckdb.connect()
    con.execute(f"create table t ({table})")
    if rows:
        con.executemany(f"insert into t values ({', '.join('?' * len(rows[0]))})", rows)
    con.execute("create table other (customer_id bigint)")
    con.executemany("insert into other values (?)", [(1,), (2,)])
    return con.execute(render_test(name, model="t", **arguments)).fetchall()


@pytest.mark.parametrize(
    ("rows", "fails"),
    [
        ([(0.25, 0.5), (0.75, 0.5)], False),
        ([(0.25, 0.5), (0.70, 0.5)], True),
        ([(None, None), (None, None)], True),  # NULL shares sum to nothing
        ([], True),  # a model with no rows has no shares to sum to one
    ],
    ids=["sums-to-one", "short", "all-null", "empty"],
)
def test_shares_sum_to_one_fails_unless_every_column_sums_to_one(rows, fails):
    failing = run_on(
        "a double, b double", rows, "shares_sum_to_one", columns=["a", "b"], tolerance=1e-6
    )
    assert bool(failing) is fails


def test_unique_combination_names_a_repeated_combination():
    rows = [(1, "x"), (1, "y"), (2, "x"), (1, "x")]
    assert run_on("c bigint, s varchar", rows, "unique_combination", columns=["c", "s"]) == [
        (1, "x", 2)
    ]
    assert run_on("c bigint, s varchar", rows[:3], "unique_combination", columns=["c", "s"]) == []


def test_not_null_columns_names_each_column_with_a_null_and_counts_them():
    rows = [(1, "x", None), (None, "y", None), (3, None, None)]
    assert sorted(
        run_on("c bigint, s varchar, t double", rows, "not_null_columns", columns=["c", "s", "t"])
    ) == [
        ("c", 1),
        ("s", 1),
        ("t", 3),
    ]
    assert (
        run_on("c bigint, s varchar", [(1, "x"), (2, "y")], "not_null_columns", columns=["c", "s"])
        == []
    )
    assert run_on("c bigint, s varchar", [], "not_null_columns", columns=["c", "s"]) == []


def test_row_count_equals_fails_on_any_other_count():
    rows = [(1,), (2,)]
    assert run_on("c bigint", rows, "row_count_equals", expected=2) == []
    assert run_on("c bigint", rows, "row_count_equals", expected=3) == [(2,)]


@pytest.mark.parametrize(
    ("rows", "fails"),
    [([(True,), (False,)], False), ([(False,), (False,)], True), ([(True,), (True,)], True)],
    ids=["one", "none", "two"],
)
def test_exactly_one_selected_fails_on_none_or_several(rows, fails):
    failing = run_on("is_selected boolean", rows, "exactly_one_selected", column_name="is_selected")
    assert bool(failing) is fails


@pytest.mark.parametrize(
    ("rows", "fails"),
    [([(1,), (2,)], False), ([(1,)], True), ([(1,), (2,), (3,)], True), ([(1,), (2,), (2,)], True)],
    ids=["same", "missing", "extra", "twice"],
)
def test_same_customers_as_fails_on_a_missing_extra_or_repeated_customer(rows, fails):
    failing = run_on(
        "customer_id bigint", rows, "same_customers_as", other="other", column_name="customer_id"
    )
    assert bool(failing) is fails


def test_unique_and_not_null_names_a_repeated_or_null_value():
    rows = [(1,), (2,), (2,), (None,)]
    assert sorted(
        run_on("c bigint", rows, "unique_and_not_null", column_name="c"),
        key=lambda row: (row[0] is None, row[0]),
    ) == [(2, 2), (None, 1)]
    assert run_on("c bigint", rows[:2], "unique_and_not_null", column_name="c") == []


def _score_grid(*, drop=(), extra=(), unnamed=()) -> list[tuple]:
    cells = [(r, f, f"s{r}{f}") for r in range(1, 6) for f in range(1, 6) if (r, f) not in drop]
    return [(r, f, None if (r, f) in unnamed else name) for r, f, name in cells] + list(extra)


@pytest.mark.parametrize(
    ("rows", "failing"),
    [
        (_score_grid(), []),
        (_score_grid(drop=[(3, 4)]), [(3, 4, True, 0, 0)]),
        (_score_grid(extra=[(2, 2, "again")]), [(2, 2, True, 2, 2)]),
        (_score_grid(unnamed=[(5, 1)]), [(5, 1, True, 1, 0)]),
        (_score_grid(extra=[(6, 1, "six")]), [(6, 1, False, 1, 1)]),
        (_score_grid(extra=[(None, 1, "no score")]), [(None, 1, False, 1, 1)]),
    ],
    ids=["complete", "missing-cell", "cell-twice", "unnamed-cell", "score-6", "null-score"],
)
def test_complete_score_grid_names_each_missing_repeated_unnamed_or_foreign_cell(rows, failing):
    assert (
        run_on(
            "r_score integer, f_score integer, rfm_segment varchar",
            rows,
            "complete_score_grid",
            scores=["r_score", "f_score"],
            label="rfm_segment",
        )
        == failing
    )
