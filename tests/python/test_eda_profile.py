"""`eda_column_profile` says about the numeric columns what pandas' `describe()` and
`nunique()` say, computed here independently from the file (reference_rfm's reader)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from conftest import CAUTIOUS, run_dbt, synth
from reference_rfm import _price, _whole, read_lines

#: Runs dbt (deselect with -m 'not dbt': make test-fast).
pytestmark = pytest.mark.dbt


def _as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# profile column -> (reader's field, how the text becomes a number)
NUMERIC = {
    "quantity": ("quantity", _whole),
    "unit_price": ("price", lambda text: _as_float(_price(text))),
    "customer_id": ("customer", _whole),
}


@pytest.mark.parametrize(
    "args",
    [
        ["--customers", "300", "--seed", "11"],
        ["--customers", "40", "--seed", "12", "--date-style", "uci"],
    ],
    ids=["300_customers", "40_customers"],
)
def test_numeric_columns_match_pandas_describe(tmp_path, args):
    path = synth(tmp_path / "exp.csv", *args)
    run = run_dbt(
        "build",
        CAUTIOUS,
        "--select",
        "+eda_column_profile",
        warehouse=tmp_path / "w.duckdb",
        variables={"transactions_path": str(path)},
    )
    assert run.returncode == 0, run.output[-3000:]
    profile = run.query_work("select * from eda_column_profile").set_index("column_name")
    split = [line.values for line in read_lines(str(path)) if line.values is not None]

    for column, (field, parse) in NUMERIC.items():
        values = pd.Series([parse(line[field]) for line in split], dtype="float64")
        described = values.describe()
        got = profile.loc[column]
        assert got["row_count"] == len(split), column
        assert got["non_null_count"] == described["count"], column
        assert got["distinct_count"] == values.nunique(), column
        assert float(got["min_value"]) == described["min"], column
        assert float(got["max_value"]) == described["max"], column
        assert got["mean"] == pytest.approx(described["mean"], rel=1e-9), column
        assert got["std"] == pytest.approx(described["std"], rel=1e-9), column
        for quartile, name in (("p25", "25%"), ("p50", "50%"), ("p75", "75%")):
            assert got[quartile] == pytest.approx(described[name], rel=1e-12, abs=1e-9), (
                column,
                quartile,
            )
