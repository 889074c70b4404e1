"""The text-parsing macros in macros/parse_text.sql give the answer of their plain form.

Staging parses every line, so these macros are written for speed: a value is cast as
found and trimmed only when that fails, UCI-shaped dates skip the ISO cast. Each test
renders a macro and compares it, over many thousands of spellings (every month/day
pair of the UCI shape, ISO variants, blanks of every kind around them, and seeded
random text), with the plain definition it stands for. One differing value fails.
"""

from __future__ import annotations

import itertools
import random

import duckdb
import pytest
from conftest import PROJECT_ROOT

from segmentation.model_sql import macro_module

MACROS = PROJECT_ROOT / "macros" / "parse_text.sql"
UCI_FORMATS = "['%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y']"

#: The blanks a value may have around it (the data contract's reading): spaces, tabs,
#: line ends, form and vertical tabs, no-break spaces.
TRIMMED = r"regexp_replace(value, '^[ \t\n\r\f\x0B\xA0]+|[ \t\n\r\f\x0B\xA0]+$', '', 'g')"
#: The two date shapes of the data contract: ISO 8601 (a zone suffix allowed) and the UCI
#: CSV export style, month first.
ISO = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?"
UCI = r"\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2}(:\d{2})?)?"
NUMBER = f"try_cast({TRIMMED} as double)"

#: The plain definitions: what each macro must return for every text.
PLAIN = {
    "timestamp_from_text": (
        f"case when regexp_full_match({TRIMMED}, '{ISO}') then try_cast({TRIMMED} as timestamp)"
        f" when regexp_full_match({TRIMMED}, '{UCI}')"
        f" then try_strptime({TRIMMED}, {UCI_FORMATS}) end"
    ),
    "decimal_from_text": f"try_cast({TRIMMED} as decimal(18, 6))",
    "integer_from_text": (
        f"case when {NUMBER} = floor({NUMBER}) then try_cast({NUMBER} as bigint) end"
    ),
    "is_missing_text": (f"coalesce(lower({TRIMMED}), '') in ('', 'nan', 'null', 'none', 'n/a')"),
}

BLANKS = ["", " ", "  ", "\t", "\r", "\n", "\u00a0", " \u00a0", "\t\u00a0", "\u00a0\r\n"]


def render_macro(name: str, column: str) -> str:
    """The SQL macro ``name`` in macros/parse_text.sql renders for ``column`` on DuckDB
    (its default__ implementation, with the macros it calls)."""
    implementation = macro_module([MACROS.name]).get(f"default__{name}")
    assert implementation, f"macros/parse_text.sql has no macro default__{name}"
    return str(implementation(column))


def padded(values: list[str]) -> list[str]:
    """Each value as is, and with every kind of blank before, after and around it."""
    out = list(values)
    for blank in BLANKS[1:]:
        out += [blank + v for v in values] + [v + blank for v in values]
        out += [blank + v + blank for v in values]
    return out


def random_texts(count: int, alphabet: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(count)]


def uci_shaped_dates() -> list[str]:
    """Every month and day from 0 to 99 (one and two digits, and 00-09) with three years,
    each followed by a seeded choice of time: none, H:MM, HH:MM or H:MM:SS."""
    numbers = [str(n) for n in range(100)] + [f"0{n}" for n in range(10)]
    dates = [
        f"{m}/{d}/{y}"
        for m, d in itertools.product(numbers, numbers)
        for y in ("2010", "0000", "9999")
    ]
    times = ["", " 8:26", " 08:26", " 23:59", " 24:00", " 8:26:00", " 8:26:61", " 0:00:00"]
    rng = random.Random(7)
    return [date + rng.choice(times) for date in dates]


def date_spellings() -> list[str]:
    iso = [
        "2010-12-01 08:26:00",
        "2010-12-01 08:26",
        "2010-12-01T08:26:00",
        "2010-12-01 08:26:00.123456",
        "2010-12-01 08:26:00+01",
        "2010-12-01 08:26:00 UTC",
        "2010-12-01",
        "2010/12/01 08:26",
        "2010.12.01",
        "2011-02-30",
        "2010-12-01 25:00:00",
        "epoch",
        "infinity",
        "-infinity",
    ]
    odd = [
        "1/2/3",
        "1/2/33",
        "12/1/10 8:26",
        "12/1/2010  8:26",
        "12/1/2010 8",
        "12-1-2010",
        "12/1/20100",
        "",
    ]
    return (
        padded(iso + odd + ["12/1/2010 8:26", "1/13/2011 16:05", "12/1/2010"]) + uci_shaped_dates()
    )


def number_spellings() -> list[str]:
    numbers = [
        "2.55",
        "-11062.06",
        "0",
        "0.001",
        "1e3",
        "1E-7",
        "0.0000005",
        "123456789012.123456789",
    ]
    numbers += ["1e13", "nan", "inf", "-inf", "abc", "2,55", "", "+3", ".5", "5."]
    return padded(numbers)


def missing_spellings() -> list[str]:
    words = [
        "",
        "nan",
        "NaN",
        "NA",
        "n/a",
        "N/A",
        "null",
        "NULL",
        "None",
        "#N/A",
        "17850",
        "0",
        "nana",
    ]
    return padded(words)


CASES = {
    "timestamp_from_text": lambda: date_spellings() + random_texts(20_000, "0123456789/-: T", 1),
    "decimal_from_text": lambda: number_spellings() + random_texts(20_000, "0123456789.-+eE ", 2),
    "is_missing_text": lambda: missing_spellings() + random_texts(5_000, "nNaA/#lLuoe \t", 3),
    "integer_from_text": lambda: number_spellings() + random_texts(20_000, "0123456789.-+eE_ ", 4),
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_macro_answers_as_its_plain_definition(name: str) -> None:
    texts = [*CASES[name](), None]
    con = duckdb.connect()
    con.execute("create table texts as select unnest(?::varchar[]) as value", [texts])
    differing = con.execute(
        f"""
        select value, {render_macro(name, "value")} as fast, {PLAIN[name]} as plain
        from texts
        where fast is distinct from plain
        limit 5
        """
    ).fetchall()
    assert not differing, f"{name} differs from {PLAIN[name]} on (text, macro, plain): {differing}"


def test_uci_shaped_dates_are_read_month_first() -> None:
    """The shortcut is taken: a UCI date parses, and ISO text still goes to the cast."""
    con = duckdb.connect()
    sql = render_macro("timestamp_from_text", "value")
    rows = con.execute(
        f"select {sql} from (values ('12/1/2010 8:26'), ('2010-12-01 08:26:00')) as t (value)"
    ).fetchall()
    assert [r[0].isoformat() for r in rows] == ["2010-12-01T08:26:00"] * 2
