"""The README's figures come from a run anyone can repeat: every SQL block in it that is
followed by a result table gives that table on the bundled sample, and the workflows
it shows are the ones test_publication.py runs."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import pytest
from conftest import PROJECT_ROOT, run_dbt

#: Runs dbt (deselect with -m 'not dbt': make test-fast).
pytestmark = pytest.mark.dbt

README = (PROJECT_ROOT / "README.md").read_text()


def answered_queries() -> list[tuple[str, list[str], list[list[str]]]]:
    """(sql, header, rows) for every ```sql block directly followed by a Markdown table."""
    found = []
    pattern = r"```sql\n((?:(?!```).)*)```\n\n((?:\|[^\n]*\|\n)+)"
    for sql, table in re.findall(pattern, README, flags=re.DOTALL):
        lines = [line.strip().strip("|").split("|") for line in table.strip().splitlines()]
        header = [cell.strip() for cell in lines[0]]
        rows = [[cell.strip() for cell in line] for line in lines[2:]]
        found.append((sql, header, rows))
    return found


def same(cell: object, shown: str) -> bool:
    """A query result as the README's table shows it (numbers compared as numbers)."""
    try:
        return Decimal(str(cell)) == Decimal(shown)
    except InvalidOperation:
        return str(cell) == shown


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    run = run_dbt("build", warehouse=tmp_path_factory.mktemp("sample") / "warehouse.duckdb")
    assert run.returncode == 0, run.output[-3000:]
    return run


def test_the_readme_answers_questions_in_sql():
    assert len(answered_queries()) >= 4


@pytest.mark.parametrize("index", range(len(answered_queries())))
def test_each_answered_question_gives_the_readme_s_table_on_the_sample(sample, index):
    sql, header, rows = answered_queries()[index]
    result = sample.query(sql)
    assert list(result.columns) == header
    got = [list(row) for row in result.itertuples(index=False)]
    assert len(got) == len(rows), (got, rows)
    for got_row, shown_row in zip(got, rows, strict=True):
        assert all(same(a, b) for a, b in zip(got_row, shown_row, strict=True)), (
            got_row,
            shown_row,
        )
