"""The exploratory figures: how the customer features relate, and where the outliers are.

The method's first step asks for the relationships between variables and the outliers
besides the distributions; these figures show eda_feature_correlations (a heatmap of
the raw and the transformed features side by side) and eda_outliers with
eda_line_relationships (values beyond Tukey's fences, the revenue of the top lines).
They are :class:`~segmentation.report.figures.Figure` builders like those of
:mod:`segmentation.report.figures`, which appends :data:`EDA_BUILDERS` to its own.
"""

from __future__ import annotations

import pandas as pd

from segmentation.report import charts, fmt
from segmentation.report import takeaways as tk
from segmentation.report.data import ReportData
from segmentation.report.figure_base import Builder, Figure
from segmentation.report.figure_base import needs as _needs

SECTION = "Relationships and outliers"
NEAR_COLOUR = "#e0a03a"

STAGE_TITLES = {
    "raw": "Before: customer_rfm, original units",
    "transformed": "After: the clustering transform",
}


def _correlation(value: float) -> str:
    return "undefined" if pd.isna(value) else fmt.fixed(value)


def correlation_cells(correlations: pd.DataFrame, stage: str) -> list[list[charts.Cell]]:
    """One stage's matrix as heatmap cells: Pearson printed, shaded by its size."""
    cells = correlations[correlations["stage"] == stage].set_index(["position_a", "position_b"])
    positions = sorted(correlations["position_a"].unique())
    grid = []
    for a in positions:
        row = []
        for b in positions:
            if (a, b) not in cells.index:
                row.append(charts.Cell(None, "", "not computed"))
                continue
            cell = cells.loc[(a, b)]
            pearson = cell["pearson"]
            tip = (
                f"{cell['feature_a']} x {cell['feature_b']} ({stage}): Pearson "
                f"{_correlation(pearson)}, Spearman {_correlation(cell['spearman'])}, "
                f"{fmt.count(cell['customers'])} customers"
            )
            if pd.isna(pearson):
                row.append(charts.Cell(None, "n/a", f"{tip} (a feature is constant)"))
            else:
                row.append(charts.Cell(abs(float(pearson)), fmt.fixed(pearson), tip))
        grid.append(row)
    return grid


def transformed_title(correlations: pd.DataFrame) -> str:
    """The transformed panel's title, naming the transforms the features got."""
    transforms = correlations.loc[correlations["stage"] == "transformed", "transform_a"]
    named = sorted(set(transforms) - {"none"})
    if not named:
        return "After: no transform (cluster_log_transform is off)"
    return f"After: {' / '.join(named)}, as clustered"


@_needs(
    "fig-correlations",
    SECTION,
    "How the customer features correlate",
    ("eda_feature_correlations",),
    wide=True,
)
def correlations_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """Heatmaps of the features' Pearson correlations, raw and transformed side by side."""
    correlations = data.frames["eda_feature_correlations"]
    features = (
        correlations.drop_duplicates("position_a").sort_values("position_a")["feature_a"].tolist()
    )
    chart = charts.heatmap_panels(
        features,
        [f.replace("_", " ") for f in features],
        [
            (STAGE_TITLES["raw"], correlation_cells(correlations, "raw")),
            (transformed_title(correlations), correlation_cells(correlations, "transformed")),
        ],
        "Correlation of the customer features before and after the transform",
    )
    return Figure(
        "fig-correlations",
        SECTION,
        "How the customer features correlate",
        tk.correlation_takeaway(correlations),
        chart,
        note="Pearson correlation over every customer, -1 to 1; darker = stronger, either "
        "sign. After: clipped (if cluster_outlier_policy is clip) and log1p on every feature "
        "with no negative value; the scaler changes no correlation. Hover a cell for "
        "Spearman (rank) correlation, which log1p leaves as it is.",
        wide=True,
    )


def _row_label(row: pd.Series) -> str:
    return f"line {row['column_name']}" if row["source"] == "lines" else row["column_name"]


def _outlier_tip(row: pd.Series) -> str:
    if row["value_count"] == 0:
        return f"{_row_label(row)}: no values"
    return (
        f"{_row_label(row)}: {fmt.count(row['outliers'])} of {fmt.count(row['value_count'])} "
        f"values ({fmt.percent(row['outlier_share'])}) outside {fmt.short(row['lower_fence'])} "
        f"to {fmt.short(row['upper_fence'])}; {fmt.count(row['far_outliers'])} "
        f"({fmt.percent(row['far_outlier_share'])}) outside {fmt.short(row['lower_far_fence'])} "
        f"to {fmt.short(row['upper_far_fence'])}. Q1 {fmt.short(row['q1'])}, median "
        f"{fmt.short(row['median'])}, Q3 {fmt.short(row['q3'])}"
    )


def line_relationships_note(line_relationships: pd.DataFrame) -> str:
    """Quantity against unit price over the kept lines, for the figure's note."""
    if line_relationships.empty:
        return ""
    row = line_relationships.iloc[0]
    return (
        f" Over the {fmt.count(row['kept_lines'])} kept lines, quantity and unit price "
        f"correlate at {_correlation(row['quantity_unit_price_pearson'])} (Pearson) and "
        f"{_correlation(row['quantity_unit_price_spearman'])} (Spearman); the top "
        f"{tk.share_label(row['top_lines_share'])} of lines are the "
        f"{fmt.count(row['top_lines'])} worth the most (quantity x unit price)."
    )


@_needs(
    "fig-outliers",
    SECTION,
    "Outliers beyond Tukey's fences",
    ("eda_outliers", "eda_line_relationships"),
)
def outliers_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """Share of each numeric column's values beyond the inner and the outer fences."""
    outliers = data.frames["eda_outliers"].copy()
    outliers["source_order"] = (outliers["source"] != "lines").astype(int)
    outliers = outliers.sort_values(["source_order", "column_position"]).reset_index(drop=True)
    shares = outliers[["outlier_share", "far_outlier_share"]].astype(float).fillna(0.0)
    far = (100 * shares["far_outlier_share"]).tolist()
    near = (100 * (shares["outlier_share"] - shares["far_outlier_share"])).tolist()
    chart = charts.stacked_hbars(
        [_row_label(r) for _, r in outliers.iterrows()],
        [
            charts.Series("beyond 3 IQR", far, charts.LOSS),
            charts.Series("beyond 1.5 IQR only", near, NEAR_COLOUR),
        ],
        [_outlier_tip(r) for _, r in outliers.iterrows()],
        [
            f"{fmt.percent(r['outlier_share'])} ({fmt.count(r['outliers'])})"
            if r["value_count"]
            else "no values"
            for _, r in outliers.iterrows()
        ],
        "% of values beyond the fences",
        "Share of values beyond Tukey's fences per column",
    )
    line_relationships = data.frames["eda_line_relationships"]
    return Figure(
        "fig-outliers",
        SECTION,
        "Outliers beyond Tukey's fences",
        tk.outlier_takeaway(outliers, line_relationships),
        chart,
        note="Outliers lie below Q1 - 1.5 IQR or above Q3 + 1.5 IQR (IQR = Q3 - Q1), far "
        "outliers beyond 3 IQR. Lines: every raw line that split into fields; the rest: "
        "customer_rfm's features." + line_relationships_note(line_relationships),
        legend=(("beyond 3 IQR", charts.LOSS), ("beyond 1.5 IQR only", NEAR_COLOUR)),
    )


EDA_BUILDERS: tuple[Builder, ...] = (correlations_figure, outliers_figure)
