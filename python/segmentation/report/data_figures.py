"""The report's first sections: "Data quality" (empty and invalid values, where every
line went), "Sales" (by month) and "Features" (the RFM distributions).

:class:`~segmentation.report.figure_base.Figure` builders; :mod:`segmentation.report.figures`
puts :data:`DATA_BUILDERS` first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.report import charts, fmt
from segmentation.report import takeaways as tk
from segmentation.report.data import ReportData
from segmentation.report.figure_base import (
    Builder,
    Figure,
)
from segmentation.report.figure_base import needs as _needs

HISTOGRAM_BINS = 30


def _null_label(nulls: float, invalid: float, share: float) -> str:
    parts = [f"{fmt.count(nulls)} empty ({fmt.percent(share)})"] if nulls else []
    parts += [f"{fmt.count(invalid)} invalid"] if invalid else []
    return ", ".join(parts) or "none"


@_needs(
    "fig-nulls", "Data quality", "Empty and invalid values per raw column", ("eda_column_profile",)
)
def nulls_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """Null and invalid counts per raw column (eda_column_profile)."""
    profile = data.frames["eda_column_profile"]
    rows = profile["column_name"].astype(str).tolist()
    nulls = profile["null_count"].astype(float).tolist()
    invalid = profile["invalid_count"].astype(float).tolist()
    tips = [
        f"{r['column_name']}: {fmt.count(r['null_count'])} empty "
        f"({fmt.percent(r['null_share'])}), {fmt.count(r['invalid_count'])} invalid"
        for _, r in profile.iterrows()
    ]
    labels = [
        _null_label(a, b, s) for a, b, s in zip(nulls, invalid, profile["null_share"], strict=True)
    ]
    chart = charts.stacked_hbars(
        rows,
        [charts.Series("empty", nulls, "#e0a03a"), charts.Series("invalid", invalid, charts.LOSS)],
        tips,
        labels,
        "lines",
        "Empty and invalid values per raw column",
    )
    return Figure(
        "fig-nulls",
        "Data quality",
        "Empty and invalid values per raw column",
        tk.null_takeaway(profile),
        chart,
        note="Empty: the field is blank or an NA spelling. Invalid: text that does not cast "
        "to the column's type (counted as malformed in the row accounting).",
        legend=(("empty", "#e0a03a"), ("invalid", charts.LOSS)),
    )


@_needs("fig-row-accounting", "Data quality", "Where every raw line went", ("transaction_audit",))
def accounting_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """The row-accounting waterfall: raw lines, minus each rejection reason, kept."""
    audit = data.frames["transaction_audit"].sort_values("rule_order")
    total = float(audit["row_count"].sum())
    steps = [
        charts.Step(
            "raw lines", 0, total, charts.MUTED, f"raw lines: {fmt.count(total)}", fmt.count(total)
        )
    ]
    remaining = total
    for _, row in audit[audit["reason"] != "kept"].iterrows():
        lost = float(row["row_count"])
        share = lost / total if total else 0.0
        steps.append(
            charts.Step(
                f"\N{MINUS SIGN} {tk.reason_label(row['reason'])}",
                remaining,
                remaining - lost,
                charts.LOSS,
                f"rule {row['rule_order']}, {row['reason']}: {fmt.count(lost)} lines "
                f"({fmt.percent(share)}); {fmt.count(remaining - lost)} remain",
                f"\N{MINUS SIGN}{fmt.count(lost)} ({fmt.percent(share)})",
            )
        )
        remaining -= lost
    kept = float(audit.loc[audit["reason"] == "kept", "row_count"].sum())
    steps.append(
        charts.Step(
            "kept",
            0,
            kept,
            charts.GOOD,
            f"kept: {fmt.count(kept)} lines ({fmt.percent(kept / total if total else 0)})",
            f"{fmt.count(kept)} ({fmt.percent(kept / total if total else 0)})",
        )
    )
    chart = charts.waterfall(steps, "lines", "Row accounting waterfall")
    return Figure(
        "fig-row-accounting",
        "Data quality",
        "Where every raw line went",
        tk.accounting_takeaway(audit),
        chart,
        note="transaction_audit: the first matching rule decides, in this order; the bars "
        "add up to every data line of the export.",
    )


@_needs("fig-monthly-sales", "Sales", "Monthly sales", ("eda_monthly_sales",), wide=True)
def monthly_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """Revenue bars and customers line per month (eda_monthly_sales)."""
    monthly = data.frames["eda_monthly_sales"].sort_values("month")
    months = [fmt.month(m) for m in monthly["month"]]
    tips = [
        f"{fmt.month(r['month'])}: revenue {fmt.money(r['revenue'])}, "
        f"{fmt.count(r['invoices'])} invoices, {fmt.count(r['customers'])} customers"
        for _, r in monthly.iterrows()
    ]
    chart = charts.bars_and_line(
        months,
        monthly["revenue"].astype(float).tolist(),
        monthly["customers"].astype(float).tolist(),
        tips,
        "revenue",
        "customers",
        "Monthly revenue and customers",
        wide=True,
    )
    return Figure(
        "fig-monthly-sales",
        "Sales",
        "Monthly sales",
        tk.monthly_takeaway(monthly),
        chart,
        note="Kept lines only. Revenue in the file's currency; a first or last month may be "
        "partial.",
        legend=(("revenue (left axis)", charts.ACCENT), ("customers (right axis)", charts.LOSS)),
        wide=True,
    )


def _histogram(title: str, values: pd.Series, colour: str, unit: str) -> charts.Histogram:
    clean = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if clean.size == 0:
        clean = np.zeros(1)
    counts, edges = np.histogram(clean, bins=HISTOGRAM_BINS)
    tips = [
        f"{title}: {fmt.short(edges[i])} to {fmt.short(edges[i + 1])}{unit}, "
        f"{fmt.count(c)} customers"
        for i, c in enumerate(counts)
    ]
    return charts.Histogram(title, edges.tolist(), counts.tolist(), colour, tips)


@_needs(
    "fig-distributions",
    "Features",
    "RFM distributions before and after the transform",
    ("customer_rfm", "customer_segments"),
    wide=True,
)
def distributions_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """Histograms of each clustering feature: raw (customer_rfm) and transformed."""
    rfm, seg = data.frames["customer_rfm"], data.frames["customer_segments"]
    features = tk.transformed_features(seg)
    if not features:
        reason = "customer_segments has no <feature>_transformed columns"
        return Figure(
            "fig-distributions",
            "Features",
            "RFM distributions before and after the transform",
            f"Not shown: {reason}.",
            wide=True,
            absent=reason,
        )
    skews = tk.skew_table(rfm, seg).set_index("feature")
    units = {"recency_days": " days", "frequency": " invoices"}
    before = [
        _histogram(
            f"{f} (skew {fmt.fixed(skews.loc[f, 'skew_before'], 1)})",
            rfm[f] if f in rfm.columns else pd.Series(dtype=float),
            "#7b8794",
            units.get(f, ""),
        )
        for f in features
    ]
    after = [
        _histogram(
            f"{f}_transformed (skew {fmt.fixed(skews.loc[f, 'skew_after'], 1)})",
            seg[f"{f}_transformed"],
            charts.ACCENT,
            "",
        )
        for f in features
    ]
    chart = charts.histogram_grid(
        [
            ("Before: customer_rfm, original units", before),
            ("After: log1p and scaling, as clustered", after),
        ],
        "Feature distributions before and after the transform",
    )
    return Figure(
        "fig-distributions",
        "Features",
        "RFM distributions before and after the transform",
        tk.distribution_takeaway(skews.reset_index()),
        chart,
        note=f"{HISTOGRAM_BINS} equal-width bins per panel, every customer. Skew is pandas' "
        "sample skewness; 0 is symmetric.",
        wide=True,
    )


DATA_BUILDERS: tuple[Builder, ...] = (
    nulls_figure,
    accounting_figure,
    monthly_figure,
    distributions_figure,
)
