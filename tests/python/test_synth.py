"""The synthetic export generator: reproducible, every accepted file shape, every kind of
mess the contract accounts for, and planted customer types a clustering finds again.

Files are read back here with the csv module and the contract's rules, written out in a
few lines below, so a generator that planted a line in the wrong bucket fails."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import StandardScaler

from segmentation import synth
from segmentation.synth import (
    LAYOUTS,
    generate_transactions,
    iter_transactions,
    planted_truth,
    write_transactions,
    write_weekly_exports,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT_ROOT / "seeds" / "sample" / "online_retail_sample.csv.gz"
SAMPLE_COMMAND = ["--customers", "4000", "--seed", "42", "--out"]
NON_PRODUCT_CODES = {"POST", "DOT", "C2", "M", "D", "S", "B", "BANK CHARGES", "AMAZONFEE"}
NON_PRODUCT_CODES |= {"CRUK", "PADS"}
#: The NA spellings the contract names for CustomerID (rule 2), in any case.
CONTRACT_NA = {"nan", "null", "none", "n/a"}
UCI_DATE = re.compile(r"^([1-9]|1[0-2])/([1-9]|[12]\d|3[01])/\d{4} (\d|1\d|2[0-3]):[0-5]\d$")


# ------------------------------------------------------------- reading a file back


@dataclass
class Line:
    text: str
    fields: list[str] | None  # None: the line does not split into eight fields
    reason: str = ""
    problem: str = ""  # for malformed lines: what is wrong


def data_lines(path: Path, encoding: str = "utf-8") -> tuple[str, list[str]]:
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    text = raw.decode(encoding)
    assert text.endswith("\n")
    header, *lines = text[:-1].split("\n")
    return header, lines


def whole(text: str) -> int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number == int(number) else None


def when(text: str) -> dt.datetime | None:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    return None


def classify(lines: list[str]) -> list[Line]:
    """Every line with its row-accounting reason, by the contract's rules in order."""
    out, seen = [], set()
    for text in lines:
        line = Line(text, None)
        out.append(line)
        if text.count('"') % 2:
            line.reason, line.problem = "malformed", "unclosed_quote"
            continue
        fields = next(csv.reader([text]))
        if len(fields) != 8:
            line.reason = "malformed"
            line.problem = "too_many_fields" if len(fields) > 8 else "too_few_fields"
            continue
        line.fields = fields
        invoice, stock, description, quantity, date, price, customer, country = fields
        try:
            amount = Decimal(price)
        except InvalidOperation:
            amount = None
        problems = [
            name
            for name, bad in (
                ("bad_date", when(date) is None),
                ("bad_quantity", whole(quantity) is None),
                ("bad_price", amount is None),
                (
                    "non_numeric_customer_id",
                    customer != ""
                    and customer.lower() not in CONTRACT_NA
                    and whole(customer) is None,
                ),
            )
            if bad
        ]
        if problems:
            line.reason, line.problem = "malformed", problems[0]
            continue
        if customer == "" or customer.lower() in CONTRACT_NA:
            line.reason = "missing_customer_id"
            continue
        key = (invoice, stock, description, whole(quantity), when(date), amount)
        key += (whole(customer), country)
        if key in seen:
            line.reason = "duplicate"
            continue
        seen.add(key)
        if invoice.startswith("C"):
            line.reason = "cancellation"
        elif whole(quantity) <= 0:
            line.reason = "non_positive_quantity"
        elif amount <= 0:
            line.reason = "non_positive_price"
        elif stock in NON_PRODUCT_CODES:
            line.reason = "non_product_code"
        else:
            line.reason = "kept"
    return out


def rfm(lines: list[Line]) -> pd.DataFrame:
    """Recency, frequency and monetary per customer from the kept lines."""
    kept = pd.DataFrame(
        [line.fields for line in lines if line.reason == "kept"],
        columns=["invoice", "stock", "description", "quantity", "date", "price", "customer", "c"],
    )
    kept["customer"] = kept["customer"].astype(float).astype(int)
    kept["day"] = pd.to_datetime(kept["date"]).dt.normalize()
    kept["revenue"] = kept["quantity"].astype(int) * kept["price"].astype(float)
    snapshot = kept["day"].max() + pd.Timedelta(days=1)
    per = kept.groupby("customer")
    return pd.DataFrame(
        {
            "recency": (snapshot - per["day"].max()).dt.days,
            "frequency": per["invoice"].nunique(),
            "monetary": per["revenue"].sum(),
        }
    )


@dataclass
class Export:
    frame: pd.DataFrame  # what generate_transactions returned
    path: Path  # the CSV written from it
    lines: list[Line]  # the file read back and classified


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> Export:
    """A default export of 400 customers."""
    frame = generate_transactions(400, 11)
    path = tmp_path_factory.mktemp("messy") / "export.csv"
    write_transactions(frame, path)
    return Export(frame, path, classify(data_lines(path)[1]))


# -------------------------------------------------------------------- determinism


@pytest.mark.parametrize("name", ["x.csv", "x.csv.gz", "x.parquet", "x.xlsx"])
def test_the_same_arguments_write_the_same_bytes(tmp_path, name):
    first, second = tmp_path / "a" / name, tmp_path / "b" / name
    for path in (first, second):
        path.parent.mkdir()
        synth.main(["--customers", "40", "--seed", "3", "--out", str(path)])
    assert first.read_bytes() == second.read_bytes()


def test_a_different_seed_writes_a_different_file(tmp_path):
    synth.main(["--customers", "40", "--seed", "3", "--out", str(tmp_path / "a.csv")])
    synth.main(["--customers", "40", "--seed", "4", "--out", str(tmp_path / "b.csv")])
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "b.csv").read_bytes()


def test_a_file_written_in_chunks_equals_one_written_whole(tmp_path, monkeypatch):
    # the plan reads the chunk size where the generator is
    monkeypatch.setattr(synth.generate, "LINES_PER_CHUNK", 3000)
    chunks = list(iter_transactions(300, 5))
    assert len(chunks) > 3
    write_transactions(iter(chunks), tmp_path / "chunked.csv")
    frame = generate_transactions(300, 5)
    write_transactions(frame, tmp_path / "whole.csv")
    assert (tmp_path / "chunked.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    invoices = frame.groupby("invoice_no")[["customer_id", "invoice_date"]].nunique(dropna=False)
    assert (invoices == 1).all().all(), "an invoice number is reused across chunks"
    assert frame.groupby("customer_id")["planted_segment"].nunique().eq(1).all()


# ------------------------------------------------------------------ file shapes


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_layout_writes_its_uci_header(tmp_path, layout):
    frame = generate_transactions(30, 1)
    write_transactions(frame, tmp_path / "x.csv", layout=layout)
    write_transactions(frame, tmp_path / "x.parquet", layout=layout)
    write_transactions(frame, tmp_path / "x.xlsx", layout=layout)
    expected = {
        "online_retail": "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,"
        "CustomerID,Country",
        "online_retail_ii": "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,"
        "Customer ID,Country",
    }[layout]
    assert data_lines(tmp_path / "x.csv")[0] == expected
    assert ",".join(pq.read_schema(tmp_path / "x.parquet").names) == expected
    assert ",".join(pd.read_excel(tmp_path / "x.xlsx", nrows=1).columns) == expected


def test_a_latin1_file_decodes_as_latin1_and_not_as_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    synth.main(["--customers", "200", "--seed", "1", "--encoding", "latin-1", "--out", str(path)])
    raw = path.read_bytes()
    text = raw.decode("latin-1")
    assert re.search(r"[^\x00-\x7f]", text), "no non-ASCII character to test the encoding with"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    utf8 = tmp_path / "utf8.csv"
    synth.main(["--customers", "200", "--seed", "1", "--out", str(utf8)])
    assert utf8.read_bytes().decode("utf-8") == text


def test_uci_date_style_writes_month_first_without_zero_padding(tmp_path):
    path = tmp_path / "uci.csv"
    synth.main(["--customers", "100", "--seed", "2", "--date-style", "uci", "--out", str(path)])
    lines = classify(data_lines(path)[1])
    dates = [line.fields[4] for line in lines if line.problem != "bad_date" and line.fields]
    assert dates and all(UCI_DATE.match(d) for d in dates), [
        d for d in dates if not UCI_DATE.match(d)
    ][:5]
    assert any(d.startswith("12/1/2010 ") for d in dates)


def test_parquet_has_typed_columns_and_every_kind_of_mess_but_malformed(tmp_path):
    frame = generate_transactions(300, 4)
    write_transactions(frame, tmp_path / "x.parquet", layout="online_retail_ii")
    schema = pq.read_schema(tmp_path / "x.parquet")
    types = {name: str(schema.field(name).type) for name in schema.names}
    assert types["Quantity"] == "int64"
    assert types["Price"] == "double"
    assert types["Customer ID"] == "double"
    assert types["InvoiceDate"].startswith("timestamp")
    assert types["Invoice"] == types["StockCode"] == types["Description"] == "string"

    table = pd.read_parquet(tmp_path / "x.parquet")
    missing = table["Customer ID"].isna()
    duplicate = table.duplicated(keep="first")  # guests come first below, so only ids count
    reasons = np.select(
        [
            missing,
            duplicate,
            table["Invoice"].str.startswith("C"),
            table["Quantity"] <= 0,
            table["Price"] <= 0,
            table["StockCode"].isin(NON_PRODUCT_CODES),
        ],
        [
            "missing_customer_id",
            "duplicate",
            "cancellation",
            "non_positive_quantity",
            "non_positive_price",
            "non_product_code",
        ],
        "kept",
    )
    planted = frame.loc[frame["expected_reason"] != "malformed", "expected_reason"]
    assert reasons.tolist() == planted.astype(str).tolist()
    assert set(reasons) == set(synth.REASONS) - {"malformed"}


def test_xlsx_holds_bad_values_as_text_but_no_broken_lines(tmp_path):
    frame = generate_transactions(60, 5)
    write_transactions(frame, tmp_path / "x.xlsx")
    sheet = pd.read_excel(tmp_path / "x.xlsx", dtype=object)
    kept = frame[~frame["mess"].isin(synth.STRUCTURAL_KINDS)]
    assert len(sheet) == len(kept)
    text_dates = sheet["InvoiceDate"].map(lambda v: isinstance(v, str))
    assert text_dates.sum() == (kept["mess"] == "bad_date").sum() > 0
    assert sheet["Quantity"].map(lambda v: isinstance(v, str)).sum() > 0
    assert sheet["CustomerID"].isna().sum() == kept["customer_id"].isna().sum()


# ------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("customers", [None, 150])
def test_the_lines_option_hits_its_target_within_ten_percent(tmp_path, customers):
    path = tmp_path / "x.csv"
    args = ["--lines", "20000", "--seed", "9", "--out", str(path)]
    synth.main(args + (["--customers", str(customers)] if customers else []))
    count = len(data_lines(path)[1])
    assert 18000 <= count <= 22000, count


def test_customer_ids_stay_unique_beyond_the_uci_range():
    frame = generate_transactions(8000, 1, mess=False)
    ids = frame.groupby("customer_id")["planted_segment"].first()
    assert len(ids) == 8000
    assert ids.index.min() >= 12000 and ids.index.max() > 18999


# -------------------------------------------------------------------------- mess


def test_a_default_messy_file_plants_every_kind_of_mess(messy):
    reasons = Counter(line.reason for line in messy.lines)
    assert set(reasons) == set(synth.REASONS)
    problems = Counter(line.problem for line in messy.lines if line.problem)
    assert set(problems) == {*synth.BAD_VALUE_KINDS, *synth.STRUCTURAL_KINDS}
    assert 0.10 <= reasons["missing_customer_id"] / len(messy.lines) <= 0.20
    for reason, count in reasons.items():
        if reason not in ("kept", "missing_customer_id"):
            assert count / len(messy.lines) < 0.03, reason
    fields = [line.fields for line in messy.lines if line.fields]
    assert any(f[0].startswith("A") and f[1] == "B" and Decimal(f[5]) < 0 for f in fields)
    assert any(f[1] == "POST" for f in fields)
    assert any(f[6].endswith(".0") for f in fields), "no CustomerID written as a float"
    assert any(f[6] and "." not in f[6] for f in fields)
    quoted = [line.text for line in messy.lines if line.fields and '""' in line.text]
    assert quoted, "no description with a double quote"


def test_every_line_lands_in_the_bucket_it_was_planted_for(messy):
    planted = messy.frame["expected_reason"].astype(str).tolist()
    assert [line.reason for line in messy.lines] == planted


def test_a_duplicate_comes_after_the_line_it_copies(messy):
    first_seen: dict[str, int] = {}
    for number, line in enumerate(messy.lines):
        first_seen.setdefault(line.text, number)
        if line.reason == "duplicate":
            assert first_seen[line.text] < number


def test_no_value_contains_a_line_break(messy):
    assert len(messy.lines) == len(messy.frame)
    text = messy.frame[["description", "stock_code", "country", "invoice_no"]].astype(str)
    assert not text.apply(lambda column: column.str.contains("[\r\n]")).any().any()


def test_id_messes_add_na_spellings_and_text_ids_and_leave_every_other_line(tmp_path):
    plain = generate_transactions(300, 3)
    messy = generate_transactions(300, 3, id_messes=True)
    extra = messy["mess"].isin(synth.ID_MESS_KINDS).to_numpy()
    assert set(messy.loc[extra, "mess"].astype(str)) == set(synth.ID_MESS_KINDS)
    pd.testing.assert_frame_equal(
        messy.loc[~extra, list(plain.columns)].reset_index(drop=True),
        plain,
        check_categorical=False,
    )
    write_transactions(plain, tmp_path / "plain.csv")
    write_transactions(messy, tmp_path / "messy.csv")
    with_extra = data_lines(tmp_path / "messy.csv")[1]
    assert [t for t, e in zip(with_extra, extra, strict=True) if not e] == data_lines(
        tmp_path / "plain.csv"
    )[1]
    lines = classify(with_extra)
    assert [line.reason for line in lines] == messy["expected_reason"].astype(str).tolist()
    written = {line.fields[6] for line, e in zip(lines, extra, strict=True) if e}
    assert written >= set(synth.NA_ID_SPELLINGS) | {"NA", "#N/A"}


def test_without_mess_there_is_nothing_to_reject(tmp_path):
    path = tmp_path / "clean.csv"
    synth.main(["--customers", "300", "--seed", "8", "--no-mess", "--out", str(path)])
    lines = classify(data_lines(path)[1])
    assert Counter(line.reason for line in lines) == {"kept": len(lines)}
    assert not any(line.fields[6].endswith(".0") for line in lines)


# ----------------------------------------------------------------- planted types


def test_the_truth_file_covers_every_customer_with_kept_purchases(tmp_path, messy):
    kept = {whole(line.fields[6]) for line in messy.lines if line.reason == "kept"}
    truth = planted_truth(messy.frame)
    assert set(truth["customer_id"]) == kept
    assert truth["customer_id"].is_unique
    shares = truth["planted_segment"].value_counts(normalize=True)
    for segment in synth.SEGMENTS:
        assert shares[segment.name] == pytest.approx(segment.share, abs=0.01)

    out, truth_file = tmp_path / "x.csv", tmp_path / "truth.csv"
    synth.main(
        ["--customers", "400", "--seed", "11", "--out", str(out), "--truth", str(truth_file)]
    )
    assert out.read_bytes() == messy.path.read_bytes()
    pd.testing.assert_frame_equal(pd.read_csv(truth_file), truth)


def test_the_planted_types_have_their_documented_recency_and_frequency(messy):
    features = rfm(messy.lines).join(planted_truth(messy.frame).set_index("customer_id"))
    for segment in synth.SEGMENTS:
        mine = features[features["planted_segment"] == segment.name]
        assert mine["recency"].between(*segment.recency_days).all(), segment.name
        assert mine["frequency"].between(*segment.invoices).all(), segment.name


def test_two_invoices_of_one_customer_sometimes_fall_on_one_day(messy):
    clean = messy.frame[messy.frame["mess"] == "clean"]
    per_day = clean.groupby(["customer_id", clean["invoice_date"].dt.date])["invoice_no"]
    assert (per_day.nunique() > 1).any()


def test_kmeans_with_silhouette_finds_the_planted_types_after_cleaning(messy):
    features = rfm(messy.lines).join(planted_truth(messy.frame).set_index("customer_id"))
    scaled = StandardScaler().fit_transform(
        np.log1p(features[["recency", "frequency", "monetary"]])
    )
    labels = {k: KMeans(k, n_init=10, random_state=0).fit_predict(scaled) for k in range(2, 11)}
    silhouette = {k: silhouette_score(scaled, labels[k]) for k in labels}
    best = max(silhouette, key=silhouette.get)
    assert best == len(synth.SEGMENTS), silhouette
    assert adjusted_rand_score(features["planted_segment"], labels[best]) >= 0.9


# --------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"customers": 0}, "customers"),
        ({"customers": 2.5}, "customers"),
        ({"customers": None}, "customers"),
        ({"seed": -1}, "seed"),
        ({"lines": 0}, "lines"),
        ({"lines": 10}, "lines"),  # too few for 100 customers
        ({"mess": "yes"}, "mess"),
        ({"start": "2010-12-01"}, "start"),
    ],
)
def test_bad_generator_arguments_raise_errors_naming_the_parameter(kwargs, named):
    arguments = {"customers": 100, "seed": 1, **kwargs}
    with pytest.raises(ValueError, match=rf"^{named}\b"):
        generate_transactions(**arguments)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"layout": "excel"}, "layout"),
        ({"encoding": "utf-16"}, "encoding"),
        ({"date_style": "european"}, "date_style"),
        ({"path": "x.txt"}, "path"),
    ],
)
def test_bad_writer_arguments_raise_errors_naming_the_parameter_and_choices(
    tmp_path, kwargs, named
):
    arguments = {"path": tmp_path / "x.csv", **kwargs}
    with pytest.raises(
        ValueError, match=rf"^{named} must (be|end with) one of .*(online_retail|utf-8|iso|\.csv)"
    ):
        write_transactions(generate_transactions(5, 1), **arguments)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--customers", "10", "--layout", "excel"], "--layout"),
        (["--customers", "10", "--date-style", "eu"], "--date-style"),
        (["--customers", "0"], "--customers"),
        (["--customers", "10", "--seed", "-2"], "--seed"),
        ([], "--customers"),
    ],
)
def test_bad_command_line_options_stop_with_a_message_naming_the_option(
    tmp_path, capsys, args, named
):
    seed = [] if "--seed" in args else ["--seed", "1"]
    with pytest.raises(SystemExit) as stopped:
        synth.main([*args, *seed, "--out", str(tmp_path / "x.csv")])
    assert stopped.value.code == 2
    assert named in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


# ----------------------------------------------------------------- bundled sample


def test_the_bundled_sample_is_what_the_generator_writes(tmp_path):
    """seeds/sample/online_retail_sample.csv.gz is the output of
    python -m segmentation.synth --customers 4000 --seed 42 --out FILE."""
    out = tmp_path / "sample.csv.gz"
    subprocess.run(
        [sys.executable, "-m", "segmentation.synth", *SAMPLE_COMMAND, str(out)],
        cwd=PROJECT_ROOT,
        env={"PYTHONPATH": str(PROJECT_ROOT / "python"), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    assert gzip.decompress(out.read_bytes()) == gzip.decompress(SAMPLE.read_bytes())
    assert SAMPLE.stat().st_size < 5_000_000


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_weekly_exports_hold_every_line_once_one_iso_week_per_file(tmp_path, suffix):
    frame = generate_transactions(300, 4)
    paths = write_weekly_exports(iter_transactions(300, 4), tmp_path, suffix=suffix)
    assert paths == sorted(tmp_path.glob(f"week-*{suffix}")) and len(paths) >= 52
    con = duckdb.connect()
    reader = "read_csv" if suffix == ".csv" else "read_parquet"
    weeks = []
    for path in paths:
        if suffix == ".csv":  # every file has the header, and its own lines only
            assert path.read_text().splitlines()[0] == ",".join(LAYOUTS["online_retail"])
            continue
        dates = con.sql(f"select distinct strftime(InvoiceDate, '%G-%V') from {reader}('{path}')")
        weeks.append({row[0] for row in dates.fetchall()})
    if suffix == ".csv":
        lines = sum(len(p.read_text().splitlines()) - 1 for p in paths)
        assert lines == len(frame)
    else:
        assert all(
            week == {p.stem.removeprefix("week-")} for week, p in zip(weeks, paths, strict=True)
        )
