"""The EDA relationship marts say what pandas says, computed here independently.

`eda_feature_correlations` against ``df.corr()`` of customer_rfm's features, before and
after the clustering transform (redone here in numpy, scaler included); `eda_outliers`
against Tukey's rule with pandas' quantiles, from the file itself (reference_rfm's
reader) and from customer_rfm; `eda_line_relationships` against pandas on the kept lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CAUTIOUS, DbtRun, run_dbt, synth
from reference_rfm import _price, _whole, read_lines, reference_rfm

#: Runs dbt (deselect with -m 'not dbt': make test-fast).
pytestmark = pytest.mark.dbt

FEATURES = [
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
    "avg_order_value",
    "purchase_lines",
    "units",
    "distinct_products",
]
MODELS = ["+eda_feature_correlations", "+eda_outliers", "+eda_line_relationships"]


@dataclass(frozen=True)
class Built:
    run: DbtRun
    export: Path
    variables: dict

    def table(self, name: str) -> pd.DataFrame:
        return self.run.query_work(f"select * from {name}")


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("eda_export")
    return synth(folder / "exp.csv", "--customers", "300", "--seed", "31")


@pytest.fixture(
    scope="module",
    params=[
        {},
        {"cluster_outlier_policy": "clip", "cluster_clip_quantile": 0.9},
    ],
    ids=["log1p", "clip_then_log1p"],
)
def built(request, export, tmp_path_factory) -> Built:
    variables = {"transactions_path": str(export), **request.param}
    run = run_dbt(
        "build",
        CAUTIOUS,
        "--select",
        *MODELS,
        warehouse=tmp_path_factory.mktemp("eda_build") / "w.duckdb",
        variables=variables,
    )
    assert run.returncode == 0, run.output[-3000:]
    return Built(run, export, request.param)


def customer_features(built: Built) -> pd.DataFrame:
    rfm = built.table("customer_rfm").sort_values("customer_id")
    return rfm[FEATURES].astype("float64").reset_index(drop=True)


def clustering_transform(values: np.ndarray, variables: dict) -> np.ndarray:
    """What python/segmentation/clustering does to one feature, written again here."""
    if variables.get("cluster_outlier_policy") == "clip":
        q = variables["cluster_clip_quantile"]
        low, high = np.quantile(values, [1 - q, q])
        values = np.clip(values, low, high)
    if values.min() >= 0:
        values = np.log1p(values)
    return (values - values.mean()) / values.std()


def matrix(correlations: pd.DataFrame, stage: str, method: str) -> pd.DataFrame:
    cells = correlations[correlations["stage"] == stage]
    return cells.pivot(index="feature_a", columns="feature_b", values=method).loc[
        FEATURES, FEATURES
    ]


# --- eda_feature_correlations ----------------------------------------------------------


def test_the_features_are_customer_rfms_numeric_columns_but_ids_and_scores(built):
    correlations = built.table("eda_feature_correlations")
    order = correlations.drop_duplicates("feature_a").sort_values("position_a")
    assert order["feature_a"].tolist() == FEATURES
    assert correlations.groupby("stage").size().to_dict() == {
        "raw": len(FEATURES) ** 2,
        "transformed": len(FEATURES) ** 2,
    }
    assert (correlations["customers"] == len(customer_features(built))).all()


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_correlations_equal_pandas_corr_before_and_after_the_transform(built, method):
    correlations = built.table("eda_feature_correlations")
    raw = customer_features(built)
    transformed = pd.DataFrame(
        {f: clustering_transform(raw[f].to_numpy(), built.variables) for f in FEATURES}
    )
    for stage, frame in (("raw", raw), ("transformed", transformed)):
        expected = frame.corr(method=method)
        got = matrix(correlations, stage, method)
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9)
    # the transform matters: log1p moves Pearson, clipping moves Spearman too
    assert not np.allclose(
        matrix(correlations, "raw", "pearson"), matrix(correlations, "transformed", "pearson")
    )
    if built.variables.get("cluster_outlier_policy") == "clip":
        assert not np.allclose(
            matrix(correlations, "raw", "spearman"),
            matrix(correlations, "transformed", "spearman"),
        )


def test_each_feature_names_the_transform_it_got(built):
    correlations = built.table("eda_feature_correlations")
    expected = "clip, log1p" if built.variables.get("cluster_outlier_policy") else "log1p"
    by_stage = correlations.groupby("stage")["transform_a"].unique()
    assert by_stage["raw"].tolist() == ["none"]
    assert by_stage["transformed"].tolist() == [expected]


# --- eda_outliers ----------------------------------------------------------------------


def tukey(values: pd.Series) -> dict:
    """Quartiles (pandas' quantile, linear), fences and counts beyond them."""
    q1, median, q3 = values.quantile([0.25, 0.5, 0.75]).tolist()
    iqr = q3 - q1
    low, high = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    far_low, far_high = q1 - 3 * iqr, q3 + 3 * iqr
    return {
        "value_count": len(values),
        "q1": q1,
        "median": median,
        "q3": q3,
        "lower_fence": low,
        "upper_fence": high,
        "upper_far_fence": far_high,
        "outliers_below": int((values < low).sum()),
        "outliers_above": int((values > high).sum()),
        "far_outliers_below": int((values < far_low).sum()),
        "far_outliers_above": int((values > far_high).sum()),
    }


def line_columns(export: Path) -> dict[str, pd.Series]:
    """quantity and unit_price of every line that split into fields, where they cast."""
    split = [line.values for line in read_lines(str(export)) if line.values is not None]
    quantity = [_whole(v["quantity"]) for v in split]
    price = [_price(v["price"]) for v in split]
    return {
        "quantity": pd.Series([q for q in quantity if q is not None], dtype="float64"),
        "unit_price": pd.Series([float(p) for p in price if p is not None], dtype="float64"),
    }


def assert_described(got: pd.Series, expected: dict, where: str) -> None:
    for column, value in expected.items():
        if isinstance(value, int):
            assert got[column] == value, (where, column)
        else:
            assert got[column] == pytest.approx(value, rel=1e-12, abs=1e-12), (where, column)
    assert got["outliers"] == expected["outliers_below"] + expected["outliers_above"], where
    assert got["outlier_share"] == pytest.approx(got["outliers"] / expected["value_count"])


def test_line_outliers_follow_tukeys_rule_on_the_file(built):
    outliers = built.table("eda_outliers").set_index(["source", "column_name"])
    for column, values in line_columns(built.export).items():
        expected = tukey(values)
        assert expected["outliers_above"] > 0, "the export should have outlying lines"
        assert_described(outliers.loc[("lines", column)], expected, column)


def test_customer_outliers_follow_tukeys_rule_on_customer_rfm(built):
    outliers = built.table("eda_outliers").set_index(["source", "column_name"])
    features = customer_features(built)
    assert sorted(outliers.loc["customers"].index) == sorted(FEATURES)
    found = 0
    for feature in FEATURES:
        expected = tukey(features[feature])
        found += expected["outliers_above"]
        assert_described(outliers.loc[("customers", feature)], expected, feature)
    assert found > 0, "planted big spenders should lie beyond the fences"


# --- eda_line_relationships ------------------------------------------------------------


def test_line_relationships_equal_pandas_on_the_kept_lines(built):
    # decimals as text, to compare them exactly
    kept = built.run.query_work(
        "select quantity, unit_price::varchar as unit_price from int_transactions_kept"
    )
    # the kept lines are the contract's, counted independently from the file
    assert len(kept) == reference_rfm(str(built.export)).audit["kept"]
    (got,) = built.run.query_work(
        "select * replace (top_lines_min_value::varchar as top_lines_min_value, "
        "top_lines_revenue::varchar as top_lines_revenue, revenue::varchar as revenue) "
        "from eda_line_relationships"
    ).to_dict("records")
    quantity = kept["quantity"].astype("float64")
    price = kept["unit_price"].astype("float64")
    assert got["kept_lines"] == len(kept)
    assert got["quantity_unit_price_pearson"] == pytest.approx(quantity.corr(price), abs=1e-9)
    assert got["quantity_unit_price_spearman"] == pytest.approx(
        quantity.corr(price, method="spearman"), abs=1e-9
    )
    # exact: Decimal values, the top ceil(1% of n) of them
    values = sorted(
        (int(q) * Decimal(p) for q, p in zip(kept["quantity"], kept["unit_price"], strict=True)),
        reverse=True,
    )
    top = math.ceil(Decimal(len(values)) * Decimal("0.01"))
    assert got["top_lines_share"] == 0.01
    assert got["top_lines"] == top
    assert Decimal(got["top_lines_min_value"]) == values[top - 1]
    cent = Decimal("0.01")
    assert Decimal(got["top_lines_revenue"]) == sum(values[:top]).quantize(cent, ROUND_HALF_UP)
    assert Decimal(got["revenue"]) == sum(values).quantize(cent, ROUND_HALF_UP)
    assert got["top_lines_revenue_share"] == pytest.approx(
        float(sum(values[:top]) / sum(values)), rel=1e-12
    )
    # the planted catalogue makes the top 1% carry far more than 1% of revenue
    assert got["top_lines_revenue_share"] > 0.05
