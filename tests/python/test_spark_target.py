"""The spark target gives what the DuckDB target gives (README "On Spark").

`make spark-test` runs these: they need the extras in requirements-spark.txt and Java.

- Every accepted shape of export (CSV UTF-8 and Latin-1 with UCI dates, gzipped Online
  Retail II, Parquet, a glob over files of different shapes, the bundled sample) is built
  on both targets: the row accounting, the rejected lines with their text and every
  customer's RFM must be equal, value for value.
- Each macro with a Spark form is run on both engines over the same edge cases (both
  date styles, blanks of every kind, float customer ids, text that is no number, month
  ends, half cents), in one `dbt show --inline` per engine: the answers must be equal,
  and the ones the contract fixes must be what it says.
"""

from __future__ import annotations

import json
import os
import random
import re
import shlex
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pytest
from conftest import CAUTIOUS, PROJECT_ROOT, run_dbt, synth
from test_dbt_rfm_matches_the_contract import RFM_MODELS, SHAPES
from test_parse_text_macros import date_spellings, missing_spellings, number_spellings

from segmentation.frames import RUN_STAMP_COLUMNS
from segmentation.warehouse import work_path

pytestmark = [pytest.mark.dbt, pytest.mark.spark]

#: profiles.yml's target for each engine.
TARGETS = {"duckdb": "dev", "spark": "spark"}

#: The relations both targets must agree on, with the columns that order their rows.
COMPARED = {
    "transaction_audit": ["rule_order"],
    "rejected_transaction_lines": ["source_file", "line_number"],
    "customer_rfm": ["customer_id"],
}


#: The columns that say which dbt command wrote a row: different in every build.
RUN_ID_COLUMNS = (*RUN_STAMP_COLUMNS, "loaded_by_run_id", "loaded_at")


def spark_table(warehouse: Path, table: str) -> str:
    """The Parquet files of a table the spark target built, for DuckDB to read: the
    target keeps its warehouse in <DUCKDB_PATH>.spark (profiles.yml)."""
    return str(Path(f"{warehouse}.spark") / "warehouse" / "main.db" / table / "*.parquet")


def differences(duck_warehouse: Path, spark_warehouse: Path, table: str) -> list[str]:
    """What differs between the DuckDB and the Spark build of ``table``: column names,
    row counts, and up to five rows each side has that the other has not (the Spark
    values read with the DuckDB column's type; the run ids left out)."""
    con = duckdb.connect()
    con.execute(f"attach '{work_path(duck_warehouse)}' as duck (read_only)")
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = 'duck' and table_schema = 'main' and table_name = ? "
        "order by ordinal_position",
        [table],
    ).fetchall()
    spark_columns = [
        row[0]
        for row in con.execute(
            f"describe select * from read_parquet('{spark_table(spark_warehouse, table)}')"
        ).fetchall()
    ]
    problems = []
    if [name for name, _ in columns] != spark_columns:
        problems.append(f"columns: duckdb {[n for n, _ in columns]}, spark {spark_columns}")
    kept = [(name, kind) for name, kind in columns if name not in RUN_ID_COLUMNS]
    names = ", ".join(f'"{name}"' for name, _ in kept)
    casts = ", ".join(f'cast("{name}" as {kind}) as "{name}"' for name, kind in kept)
    duck = f"select {names} from duck.main.{table}"
    spark = f"select {casts} from read_parquet('{spark_table(spark_warehouse, table)}')"
    counts = con.execute(
        f"select (select count(*) from ({duck})), (select count(*) from ({spark}))"
    )
    duck_rows, spark_rows = counts.fetchone() or (0, 0)
    if duck_rows != spark_rows:
        problems.append(f"rows: duckdb {duck_rows}, spark {spark_rows}")
    for label, left, right in (("only duckdb", duck, spark), ("only spark", spark, duck)):
        rows = con.execute(f"select * from ({left} except all {right}) limit 5").fetchall()
        if rows:
            problems.append(f"{label}: {rows}")
    return problems


def build_both(tmp_path: Path, transactions_path: str | None) -> tuple[Path, Path]:
    """The audit, rejected lines and RFM built on each target from one export
    (the bundled sample when ``transactions_path`` is None)."""
    variables = {"transactions_path": transactions_path} if transactions_path else None
    built = []
    for engine, target in TARGETS.items():
        warehouse = tmp_path / engine / "w.duckdb"
        warehouse.parent.mkdir()
        run = run_dbt(
            "build",
            "--target",
            target,
            CAUTIOUS,
            "--select",
            RFM_MODELS,
            "--target-path",
            str(tmp_path / engine / "target"),
            warehouse=warehouse,
            variables=variables,
        )
        assert run.returncode == 0, f"{engine}:\n{run.output[-3000:]}"
        built.append(warehouse)
    return built[0], built[1]


def assert_same_build(tmp_path: Path, transactions_path: str | None) -> None:
    duck, spark = build_both(tmp_path, transactions_path)
    problems = {t: differences(duck, spark, t) for t in COMPARED}
    assert not any(problems.values()), problems
    with duckdb.connect(str(work_path(duck)), read_only=True) as con:
        customers = con.execute("select count(*) from customer_rfm").fetchone()
    assert customers and customers[0] > 0, "no customers: the comparison would be empty"


#: The shapes of test_dbt_rfm_matches_the_contract Spark reads (no Excel on Spark).
SPARK_SHAPES = [shape for shape in SHAPES if not SHAPES[shape][0].endswith(".xlsx")]


@pytest.mark.parametrize("shape", SPARK_SHAPES)
def test_both_targets_agree_on_each_shape(tmp_path: Path, shape: str) -> None:
    name, args = SHAPES[shape]
    # CustomerIDs spelled as NA and as text that is no number: CSV only
    messes = ["--id-messes"] if ".csv" in name else []
    path = synth(tmp_path / name, *args, *messes)
    assert_same_build(tmp_path, str(path))


def test_both_targets_agree_on_a_glob_of_files_in_different_shapes(tmp_path: Path) -> None:
    """One folder, three files: UTF-8 ISO, Latin-1 UCI dates, and a semicolon-delimited
    Online Retail II file with blank lines and a header in another case. The glob is
    relative to the project (through ..), its folder's name has a blank and a +."""
    folder = tmp_path / "exports 2011+"
    folder.mkdir()
    synth(folder / "a.csv", "--customers", "150", "--seed", "11", "--id-messes")
    synth(
        folder / "b.csv",
        *("--customers", "150", "--seed", "12", "--encoding", "latin-1", "--date-style", "uci"),
    )
    (folder / "c+1.csv").write_text(
        "invoice;stockcode;description;quantity;invoicedate;price;customer id;country\n"
        "\n"
        "C536379;85123A;WHITE HANGING HEART;-2;2011-01-04 10:00;2,55;17850;United Kingdom\n"
        "536380;85123A;WHITE HANGING HEART;6;2011-01-04 10:01;2.55;17850.0;United Kingdom\n"
        '536381;22752;"SET 7 BABUSHKA; NESTING BOXES";2;1/5/2011 9:00;7.65;13047;France\n'
        "536382;POST;POSTAGE;1;2011-01-05 09:00:00;18;13047;France\n"
        "536383;22752;SET 7 BABUSHKA NESTING BOXES;2;2011-01-05T09:30;7.65; N/A ;France\n"
        "536384;22752;too few fields;2\n"
        "\n",
        encoding="utf-8",
    )
    assert_same_build(tmp_path, os.path.relpath(folder, PROJECT_ROOT) + "/*.csv")


def test_both_targets_agree_on_the_bundled_sample(tmp_path: Path) -> None:
    assert_same_build(tmp_path, None)


def test_the_readme_s_spark_show_gives_the_duckdb_audit(tmp_path: Path) -> None:
    """README "On Spark": `dbt show --target spark --inline ...` after a Spark build."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    shown = re.search(r"^dbt show --target spark --inline (.+)$", readme, flags=re.M)
    assert shown, 'README "On Spark" shows no `dbt show --target spark --inline` command'
    query = shlex.split(shown.group(1))[0]
    duck, _ = build_both(tmp_path, None)
    rows = show(query, "spark", tmp_path, warehouse=tmp_path / "spark" / "w.duckdb")
    plain = re.sub(r"\{\{\s*ref\('(\w+)'\)\s*\}\}", r"\1", query)
    with duckdb.connect(str(work_path(duck)), read_only=True) as con:
        want = con.execute(plain).fetchall()
    assert [tuple(row.values()) for row in rows] == want


# --- the dispatched macros, on both engines -------------------------------------------


def sampled(values: list[str], count: int, seed: int) -> list[str]:
    """A seeded sample of ``values`` (all of them when there are fewer)."""
    return values if len(values) <= count else random.Random(seed).sample(values, count)


def texts() -> list[str]:
    """The text cases: dates in both styles, numbers, float customer ids, NA spellings,
    text no engine reads as a number, each with and without blanks around it."""
    ids = ["17850", "17850.0", "17850.5", "1.785e4", "1_785", "6d", "0x1p3", "1e400", "-0.0"]
    odd = ["2010", "12/1/2010 8:26:61", "0/0/0000", "2/29/2012 0:00", "2/29/2011 0:00"]
    odd += ['a "b", c', "C536379", "1e3", "\u00a017850\u00a0"]
    cases = [*date_spellings()[:700], *sampled(date_spellings()[700:], 600, 1)]
    cases += [*number_spellings(), *missing_spellings(), *ids, *odd]
    return list(dict.fromkeys(cases))


def as_text(call: str) -> str:
    """SQL giving the answer of a macro call as text, the same spelling on both engines."""
    return "cast({{ " + call + " }} as string)"


#: Per text case: each macro's answer as text.
TEXT_MACROS = {
    "integer_from_text": as_text("integer_from_text('value')"),
    "decimal_from_text": as_text("decimal_from_text('value')"),
    "timestamp_from_text": as_text("timestamp_from_text('value')"),
    "is_missing_text": as_text("is_missing_text('value')"),
    "text_starts_with": as_text("text_starts_with('value', \"'1'\")"),
    "csv_line": "{{ csv_line(['value', \"'x'\"]) }}",
}

#: Cases the contract fixes, with the answer both engines must give.
FIXED = {
    ("integer_from_text", "17850.0"): "17850",
    ("integer_from_text", "17850.5"): None,
    ("integer_from_text", "6d"): None,
    ("integer_from_text", "0x1p3"): None,
    ("decimal_from_text", "2.55"): "2.550000",
    ("decimal_from_text", "2,55"): None,
    ("decimal_from_text", "abc"): None,
    ("timestamp_from_text", "12/1/2010 8:26"): "2010-12-01 08:26:00",
    ("timestamp_from_text", "2010-12-01T08:26:00"): "2010-12-01 08:26:00",
    ("timestamp_from_text", "2010"): None,
    ("timestamp_from_text", "2/29/2011 0:00"): None,
    ("integer_from_text", "\u00a017850\u00a0"): "17850",
    ("integer_from_text", "17850\t"): "17850",
    ("timestamp_from_text", "2010-12-01 08:26:00\t"): "2010-12-01 08:26:00",
    ("timestamp_from_text", "\u00a012/1/2010 8:26"): "2010-12-01 08:26:00",
    ("timestamp_from_text", "epoch"): None,
    ("timestamp_from_text", "infinity"): None,
    ("timestamp_from_text", "1/2/3"): None,
    ("timestamp_from_text", "2010/12/01 08:26"): None,
    ("timestamp_from_text", "2010-12-01 08:26:00 UTC"): None,
    ("is_missing_text", " N/A "): "true",
    ("is_missing_text", "\tnan"): "true",
    ("is_missing_text", "NA"): "false",
    ("csv_line", 'a "b", c'): '"a ""b"", c",x',
}

#: Cases that are not text: (macro, case, SQL giving the answer as text, the answer).
OTHER_CASES = [
    *[
        ("days_between", f"{a} to {b}", as_text(f"days_between(\"date '{a}'\", \"date '{b}'\")"), n)
        for a, b, n in [
            ("2010-12-01", "2011-12-10", "374"),
            ("2012-02-28", "2012-03-01", "2"),
            ("2011-12-10", "2011-12-10", "0"),
            ("2011-12-10", "2011-12-01", "-9"),
        ]
    ],
    *[
        (
            "cents_quotient",
            f"{a} / {b}",
            as_text(f"cents_quotient('cast({a} as decimal(18, 6))', '{b}')"),
            q,
        )
        for a, b, q in [
            ("1.005", "1", "1.01"),
            ("-1.005", "1", "-1.01"),
            ("10", "3", "3.33"),
            ("20", "3", "6.67"),
            ("0.004999", "1", "0.00"),
            ("-0.015", "3", "-0.01"),
            ("123456789.125", "1", "123456789.13"),
            ("5", "0", None),
        ]
    ],
    *[
        ("integer_divide", f"{a} div {b}", as_text(f"integer_divide('{a}', '{b}')"), q)
        for a, b, q in [("7", "2", "3"), ("-7", "2", "-3"), ("7", "-2", "-3"), ("6", "3", "2")]
    ],
    *[
        ("value_type_name", kind, '{{ value_type_name("' + expression + '") }}', kind)
        for kind, expression in [
            ("BIGINT", "cast(1 as bigint)"),
            ("VARCHAR", "cast('a' as string)"),
            ("DECIMAL(18,6)", "cast(1 as decimal(18, 6))"),
            ("TIMESTAMP", "cast('2010-12-01 08:26:00' as timestamp)"),
        ]
    ],
    (
        "type_timestamp_tz",
        "round trip",
        "cast(cast(cast('2010-12-01 08:26:00' as {{ type_timestamp_tz() }}) as timestamp)"
        " as string)",
        "2010-12-01 08:26:00",
    ),
]

#: Set-returning and aggregate macros: (macro, case, query of (answer) rows, answers).
ROW_CASES = [
    (
        "period_starts",
        f"{grain} {a} to {b}",
        f"select cast(p as string) as answer from (select {{{{ period_starts('{grain}', "
        f"\"date '{a}'\", \"date '{b}'\") }}}} as p) as s",
        answers,
    )
    for grain, a, b, answers in [
        ("month", "2010-12-01", "2011-03-15", ["2011-01-01", "2011-02-01", "2011-03-01"]),
        ("month", "2011-01-31", "2011-02-28", ["2011-02-01"]),
        ("month", "2011-12-09", "2011-12-31", []),
        ("quarter", "2010-12-01", "2011-07-01", ["2011-01-01", "2011-04-01", "2011-07-01"]),
        ("week", "2010-12-01", "2010-12-20", ["2010-12-06", "2010-12-13", "2010-12-20"]),
    ]
]


def literal(text: str) -> str:
    """``text`` as a SQL expression both engines read alike: printable runs quoted (no
    backslash or quote inside: Spark reads backslash escapes, DuckDB does not), the
    other characters as chr()."""
    parts, run = [], ""
    for char in text:
        if char.isprintable() and char not in "'\\" and ord(char) < 128:
            run += char
            continue
        if run:
            parts.append(f"'{run}'")
            run = ""
        parts.append(f"chr({ord(char)})")
    if run or not parts:
        parts.append(f"'{run}'")
    return parts[0] if len(parts) == 1 else f"concat({', '.join(parts)})"


def macro_query(cases: list[str], cases_file: Path, engine: str) -> str:
    """One query: a row (macro, case, answer) per case of every macro."""
    read = {
        "duckdb": f"read_parquet('{cases_file}')",
        "spark": f"parquet.`{cases_file}`",
    }[engine]
    parts = [
        f"select '{name}' as macro, cast(id as string) as case_id, {sql} as answer "
        f"from {read} as cases"
        for name, sql in TEXT_MACROS.items()
    ]
    parts += [
        f"select '{name}' as macro, {literal(case)} as case_id, {sql} as answer"
        for name, case, sql, _ in OTHER_CASES
    ]
    parts += [
        f"select '{name}' as macro, {literal(case)} as case_id, answer from ({query}) as r{i}"
        for i, (name, case, query, _) in enumerate(ROW_CASES)
    ]
    # an aggregate over a stored column (DuckDB's bitmap needs the column's statistics)
    distinct = as_text("distinct_integers('id % 1000')")
    parts.append(
        f"select 'distinct_integers' as macro, 'ids' as case_id, {distinct} as answer "
        f"from {read} as c"
    )
    return "\nunion all\n".join(parts)


def show(query: str, engine: str, tmp_path: Path, warehouse: Path | None = None) -> list[dict]:
    """The rows of ``dbt show --inline query`` on ``engine``'s target (against the
    warehouses of DUCKDB_PATH=warehouse, a throwaway one by default)."""
    done = run_dbt(
        *("show", "--target", TARGETS[engine], "--inline", query, "--limit", "-1"),
        *("--output", "json", "--log-format", "json"),
        *("--target-path", str(tmp_path / f"target-{engine}")),
        warehouse=warehouse or tmp_path / f"{engine}.duckdb",
    )
    assert done.returncode == 0, f"{engine}:\n{done.output[-5000:]}"
    for line in done.output.splitlines():
        event = json.loads(line) if line.startswith("{") else {}
        if event.get("info", {}).get("name") == "ShowNode":
            return json.loads(event["data"]["preview"])
    raise AssertionError(f"{engine}: no rows in dbt show's output:\n{done.output[-2000:]}")


def astronomical(answer: str | None) -> str | None:
    """A timestamp of year 0 as Spark writes it: DuckDB writes '0001-12-08 (BC) 08:26:00'
    for the same instant (there is no year 0 before Christ, so 1 BC is year 0)."""
    if answer and answer[:4] == "0001" and answer[10:15] == " (BC)":
        return "0000" + answer[4:10] + answer[15:]
    return answer


def answers(rows: Iterable[dict]) -> dict[tuple[str, str], list]:
    out: dict[tuple[str, str], list] = {}
    for row in rows:
        out.setdefault((row["macro"], row["case_id"]), []).append(astronomical(row["answer"]))
    return {key: sorted(v, key=lambda a: (a is None, a)) for key, v in out.items()}


def test_each_dispatched_macro_answers_alike_on_both_engines(tmp_path: Path) -> None:
    cases = texts()
    cases_file = tmp_path / "cases.parquet"
    with duckdb.connect() as con:
        con.execute(
            "copy (select unnest(range(len($1))) as id, unnest($1) as value) to "
            f"'{cases_file}' (format parquet)",
            [cases],
        )
    got = {
        engine: answers(show(macro_query(cases, cases_file, engine), engine, tmp_path))
        for engine in ("duckdb", "spark")
    }
    expected_keys = {(m, str(i)) for m in TEXT_MACROS for i in range(len(cases))}
    expected_keys |= {(m, c) for m, c, _, _ in OTHER_CASES}
    for engine, found in got.items():
        missing = expected_keys - set(found)
        assert not missing, f"{engine} gave no answer for {sorted(missing)[:5]}"

    differing = [
        (macro, cases[int(case)] if macro in TEXT_MACROS else case, got["duckdb"][key], answer)
        for key, answer in got["spark"].items()
        for macro, case in [key]
        if answer != got["duckdb"].get(key)
    ]
    assert not differing, f"(macro, case, duckdb, spark), {len(differing)} differ: {differing[:8]}"

    index = {text: str(i) for i, text in enumerate(cases)}
    fixed = {(m, index[text]): [answer] for (m, text), answer in FIXED.items()}
    fixed |= {(m, c): [a] for m, c, _, a in OTHER_CASES}
    fixed |= {(m, c): list(a) for m, c, _, a in ROW_CASES}
    fixed[("distinct_integers", "ids")] = [str(min(len(cases), 1000))]
    wrong = {
        key: (found.get(key, []), want)
        for engine, found in got.items()
        for key, want in fixed.items()
        if found.get(key, []) != want
    }
    assert not wrong, f"(macro, case): (answer, the contract's answer): {wrong}"
