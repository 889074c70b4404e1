"""The report's figures: relations in, a :class:`Figure` (title, takeaway, chart) out.

Every figure has a stable id (``fig-<name>``), a takeaway from
:mod:`segmentation.report.takeaways` and an inline SVG chart. When a relation it needs
is absent, the figure is still there and says why. Segments keep one colour everywhere
(:func:`segment_colours`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from segmentation.report import charts, fmt
from segmentation.report import takeaways as tk
from segmentation.report.data import ReportData
from segmentation.report.eda_figures import EDA_BUILDERS
from segmentation.report.figure_base import (
    NOISE_COLOUR,
    PALETTE,
    SECTIONS,
    Builder,
    Figure,
    legend_of,
    segment_colours,
    segment_table,
)
from segmentation.report.figure_base import needs as _needs
from segmentation.report.history_figures import HISTORY_BUILDERS

MAX_SCATTER_POINTS = 5000
SCATTER_RANDOM_STATE = 42
HISTOGRAM_BINS = 30

__all__ = [
    "NOISE_COLOUR",
    "PALETTE",
    "SECTIONS",
    "Figure",
    "build_figures",
    "scatter_sample",
    "segment_colours",
]


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


def _k_tips(sweep: pd.DataFrame) -> list[str]:
    def value(r: pd.Series, column: str) -> str:
        return "n/a" if pd.isna(r.get(column)) else fmt.fixed(r[column], 3)

    def inertia(r: pd.Series) -> str:
        return "n/a" if pd.isna(r["inertia"]) else fmt.plain(round(r["inertia"], 1))

    return [
        f"k={int(r['k'])}: inertia {inertia(r)}, "
        f"silhouette {value(r, 'silhouette')}, stability ARI {value(r, 'stability_ari')}"
        for _, r in sweep.iterrows()
    ]


SELECTED_COLOUR = "#c0392b"
KNEE_COLOUR = "#6c4f9c"


@_needs("fig-elbow", "Choosing k", "Elbow: inertia by k", ("cluster_evaluation",))
def elbow_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """Inertia by k with the knee (Kneedle) and the selected k marked."""
    evaluation = data.frames["cluster_evaluation"]
    row, sweep = tk.selected_run(evaluation)
    sweep = sweep.dropna(subset=["inertia"])
    takeaway = tk.elbow_takeaway(evaluation)
    if sweep.empty:
        return Figure(
            "fig-elbow", "Choosing k", "Elbow: inertia by k", takeaway, absent="no inertia recorded"
        )
    highlights = []
    knee = tk.knee_k(sweep)
    if knee is not None:
        highlights.append(charts.Highlight(knee, f"elbow k={knee}", KNEE_COLOUR))
    highlights.append(
        charts.Highlight(int(row["k"]), f"selected k={int(row['k'])}", SELECTED_COLOUR)
    )
    chart = charts.line_chart(
        sweep["k"].astype(int).tolist(),
        sweep["inertia"].astype(float).tolist(),
        _k_tips(sweep),
        "k (clusters)",
        "inertia",
        "Inertia by k",
        highlights,
    )
    note = (
        f"{row['algorithm']}; within-cluster sum of squares in transformed units. "
        "It always falls as k grows; the elbow (Kneedle) is where it stops paying off."
        if len(sweep) > 1
        else f"{row['algorithm']} fits once and finds k itself; inertia in transformed units."
    )
    legend = (("elbow", KNEE_COLOUR),) if knee is not None else ()
    return Figure(
        "fig-elbow",
        "Choosing k",
        "Elbow: inertia by k",
        takeaway,
        chart,
        note=note,
        legend=(*legend, ("selected k", SELECTED_COLOUR)),
    )


@_needs("fig-silhouette", "Choosing k", "Silhouette by k", ("cluster_evaluation",))
def silhouette_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """Silhouette by k with the selected k marked and the README's quality bands."""
    evaluation = data.frames["cluster_evaluation"]
    row, sweep = tk.selected_run(evaluation)
    sweep = sweep.dropna(subset=["silhouette"])
    takeaway = tk.silhouette_takeaway(evaluation)
    if sweep.empty:
        return Figure(
            "fig-silhouette",
            "Choosing k",
            "Silhouette by k",
            takeaway,
            absent="no silhouette recorded",
        )
    lo = min(0.0, float(sweep["silhouette"].min()))
    chart = charts.line_chart(
        sweep["k"].astype(int).tolist(),
        sweep["silhouette"].astype(float).tolist(),
        _k_tips(sweep),
        "k (clusters)",
        "silhouette",
        "Silhouette by k",
        [charts.Highlight(int(row["k"]), f"selected k={int(row['k'])}", SELECTED_COLOUR)],
        y_format=lambda v: fmt.fixed(v, 2),
        y_domain=(lo, 1.0),
        bands=[
            (tk.SILHOUETTE_WELL_SEPARATED, 1.0, "#e7f3ea", "well separated"),
            (tk.SILHOUETTE_USABLE, tk.SILHOUETTE_WELL_SEPARATED, "#f6f3e4", "usable"),
            (lo, tk.SILHOUETTE_USABLE, "#f8eaea", "weak"),
        ],
    )
    return Figure(
        "fig-silhouette",
        "Choosing k",
        "Silhouette by k",
        takeaway,
        chart,
        note="Mean silhouette, -1 to 1, higher is better; the best k is selected unless "
        "n_clusters fixes it.",
        legend=(("selected k", SELECTED_COLOUR),),
    )


@_needs("fig-stability", "Choosing k", "Stability by k", ("cluster_evaluation",))
def stability_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """Mean adjusted Rand index of bootstrap refits by k."""
    evaluation = data.frames["cluster_evaluation"]
    row, sweep = tk.selected_run(evaluation)
    measured = sweep.dropna(subset=["stability_ari"])
    takeaway = tk.stability_takeaway(evaluation)
    if measured.empty:
        return Figure(
            "fig-stability",
            "Choosing k",
            "Stability by k",
            takeaway,
            absent="stability_ari is empty",
        )
    # zoomed to the interesting range, but always showing the 0.9 line and 1.0
    lo = min(0.5, math.floor(float(measured["stability_ari"].min()) * 10) / 10)
    chart = charts.line_chart(
        measured["k"].astype(int).tolist(),
        measured["stability_ari"].astype(float).tolist(),
        _k_tips(measured),
        "k (clusters)",
        "stability (ARI)",
        "Stability by k",
        [charts.Highlight(int(row["k"]), f"selected k={int(row['k'])}", SELECTED_COLOUR)],
        y_format=lambda v: fmt.fixed(v, 2),
        y_domain=(lo, 1.0),
        reference=(tk.STABLE_ARI, f"stable above {tk.STABLE_ARI}"),
    )
    return Figure(
        "fig-stability",
        "Choosing k",
        "Stability by k",
        takeaway,
        chart,
        note="Mean adjusted Rand index between the fit and refits on bootstrap resamples: "
        "1 = the same clusters every time.",
        legend=(("selected k", SELECTED_COLOUR),),
    )


def scatter_sample(
    frame: pd.DataFrame,
    max_points: int = MAX_SCATTER_POINTS,
    random_state: int = SCATTER_RANDOM_STATE,
) -> pd.DataFrame:
    """At most ``max_points`` rows, a seeded random sample (random drawing order)."""
    return frame.sample(n=min(len(frame), max_points), random_state=random_state)


@_needs(
    "fig-pca",
    "Segments",
    "Customers on the first two principal components",
    ("customer_segments", "customer_rfm", "pca_components"),
    wide=True,
)
def pca_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """PCA scatter coloured by segment; hover shows the customer and R/F/M."""
    seg = data.frames["customer_segments"]
    rfm = data.frames["customer_rfm"][["customer_id", "recency_days", "frequency", "monetary"]]
    customers = seg[["customer_id", "cluster_id", "segment_name", "pca_1", "pca_2"]].merge(
        rfm, on="customer_id", how="left"
    )
    components = data.frames["pca_components"]
    ratios = tk.explained_ratios(components)
    sample = scatter_sample(customers)
    colours = dict(zip(segments["cluster_id"], segments["colour"], strict=True))
    points = [
        charts.Point(
            float(r.pca_1),
            float(r.pca_2),
            colours.get(int(r.cluster_id), NOISE_COLOUR),
            f"Customer {int(r.customer_id)}: {r.segment_name}\n"
            f"Recency {fmt.plain(r.recency_days)} days, frequency {fmt.plain(r.frequency)} "
            f"invoices, monetary {fmt.money(r.monetary)}",
        )
        for r in sample.itertuples(index=False)
    ]
    centres = (
        customers[customers["cluster_id"] != tk.NOISE_ID]
        .groupby(["cluster_id", "segment_name"], as_index=False)[["pca_1", "pca_2"]]
        .median()
    )
    names = [
        (r.pca_1, r.pca_2, r.segment_name, colours.get(int(r.cluster_id), NOISE_COLOUR))
        for r in centres.itertuples(index=False)
    ]

    def axis(component: int) -> str:
        if component in ratios.index:
            return f"PC{component} ({fmt.percent(ratios.loc[component])} of variance)"
        return f"PC{component}"

    chart = charts.scatter(points, axis(1), axis(2), "PCA scatter coloured by segment", names)
    shown = (
        f"All {fmt.count(len(customers))} customers"
        if len(sample) == len(customers)
        else f"A seeded random sample of {fmt.count(len(sample))} of "
        f"{fmt.count(len(customers))} customers (random_state {SCATTER_RANDOM_STATE})"
    )
    return Figure(
        "fig-pca",
        "Segments",
        "Customers on the first two principal components",
        tk.pca_takeaway(components),
        chart,
        note=f"{shown}; at most {fmt.count(MAX_SCATTER_POINTS)} are drawn. Names sit at each "
        "segment's median position. Hover a point for the customer and its R/F/M.",
        legend=legend_of(segments),
        wide=True,
    )


PROFILE_COLUMNS = (
    # (column, heading, higher is better, formatter)
    ("customers", "Customers", True, fmt.count),
    ("median_recency_days", "Median recency (days)", False, fmt.plain),
    ("mean_recency_days", "Mean recency (days)", False, lambda v: fmt.fixed(v, 1)),
    ("median_frequency", "Median frequency (invoices)", True, fmt.plain),
    ("mean_frequency", "Mean frequency (invoices)", True, lambda v: fmt.fixed(v, 1)),
    ("median_monetary", "Median monetary", True, fmt.amount),
    ("mean_monetary", "Mean monetary", True, fmt.amount),
)


def profile_shades(profiles: pd.DataFrame) -> pd.DataFrame:
    """Per column, 0-1 where 1 is the best segment (most recent, most frequent, richest)."""
    shades = {}
    for column, _, higher_is_better, _ in PROFILE_COLUMNS:
        values = profiles[column].astype(float)
        span = values.max() - values.min()
        scaled = (values - values.min()) / span if span > 0 else values * 0 + 0.5
        shades[column] = scaled if higher_is_better else 1 - scaled
    return pd.DataFrame(shades, index=profiles.index)


@_needs("fig-profiles", "Segments", "Segment profiles", ("segment_profiles",), wide=True)
def profiles_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """A heatmap of each segment's typical recency, frequency and spend."""
    profiles = data.frames["segment_profiles"].sort_values("cluster_id").reset_index(drop=True)
    shades = profile_shades(profiles)
    colours = dict(zip(segments["cluster_id"], segments["colour"], strict=True))
    cells = [
        [
            charts.Cell(
                float(shades.loc[i, column]),
                formatter(row[column]),
                f"{row['segment_name']}: {heading.lower()} {formatter(row[column])}",
            )
            for column, heading, _, formatter in PROFILE_COLUMNS
        ]
        for i, row in profiles.iterrows()
    ]
    chart = charts.heatmap(
        profiles["segment_name"].tolist(),
        [colours.get(int(c), NOISE_COLOUR) for c in profiles["cluster_id"]],
        [heading for _, heading, _, _ in PROFILE_COLUMNS],
        cells,
        "Segment profiles heatmap",
        wide=True,
    )
    return Figure(
        "fig-profiles",
        "Segments",
        "Segment profiles",
        tk.profile_takeaway(profiles),
        chart,
        note="segment_profiles, original units. Shade compares segments within a column: "
        "darker = better (more recent, more frequent, more spend, more customers).",
        wide=True,
    )


@_needs("fig-sizes", "Segments", "Segment size and revenue share", ("segment_profiles",), wide=True)
def sizes_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """Share of customers against share of revenue per segment."""
    profiles = data.frames["segment_profiles"].sort_values("cluster_id")
    colours = dict(zip(segments["cluster_id"], segments["colour"], strict=True))
    tips = [
        f"{r['segment_name']}: {fmt.count(r['customers'])} customers "
        f"({fmt.percent(r['share_of_customers'])}), revenue {fmt.money(r['revenue'])} "
        f"({fmt.percent(r['share_of_revenue'])})"
        for _, r in profiles.iterrows()
    ]
    chart = charts.paired_hbars(
        profiles["segment_name"].tolist(),
        [colours.get(int(c), NOISE_COLOUR) for c in profiles["cluster_id"]],
        profiles["share_of_customers"].astype(float).tolist(),
        profiles["share_of_revenue"].astype(float).tolist(),
        tips,
        ("of customers", "of revenue"),
        "Segment size and revenue share",
        wide=True,
    )
    return Figure(
        "fig-sizes",
        "Segments",
        "Segment size and revenue share",
        tk.size_takeaway(profiles),
        chart,
        note="Light bar: share of customers. Solid bar: share of revenue (sum of monetary).",
        wide=True,
    )


@_needs(
    "fig-crosstab",
    "Segments",
    "Learned segments against RFM segments",
    ("segment_rfm_crosstab",),
    wide=True,
)
def crosstab_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """Heatmap of segment_rfm_crosstab: each row sums to 100%."""
    crosstab = data.frames["segment_rfm_crosstab"]
    order = (
        crosstab.groupby("rfm_segment")["customers"]
        .sum()
        .reset_index()
        .sort_values(["customers", "rfm_segment"], ascending=[False, True])
    )["rfm_segment"].tolist()
    rows = (
        crosstab[["cluster_id", "segment_name"]]
        .drop_duplicates("cluster_id")
        .sort_values("cluster_id")
    )
    colours = dict(zip(segments["cluster_id"], segments["colour"], strict=True))
    lookup = crosstab.set_index(["cluster_id", "rfm_segment"])
    cells = []
    for row in rows.itertuples(index=False):
        line = []
        for rfm_segment in order:
            key = (row.cluster_id, rfm_segment)
            if key in lookup.index:
                hit = lookup.loc[key]
                share = float(hit["share_of_segment"])
                line.append(
                    charts.Cell(
                        share,
                        f"{100 * share:.0f}%",
                        f"{row.segment_name} x {rfm_segment}: {fmt.count(hit['customers'])} "
                        f"customers, {fmt.percent(share)} of the segment",
                    )
                )
            else:
                line.append(charts.Cell(None, "", f"{row.segment_name} x {rfm_segment}: none"))
        cells.append(line)
    chart = charts.heatmap(
        rows["segment_name"].tolist(),
        [colours.get(int(c), NOISE_COLOUR) for c in rows["cluster_id"]],
        order,
        cells,
        "Learned segment by RFM segment heatmap",
        wide=True,
    )
    return Figure(
        "fig-crosstab",
        "Segments",
        "Learned segments against RFM segments",
        tk.crosstab_takeaway(crosstab),
        chart,
        note="Share of each learned segment (row) in each rule-based rfm_segment (column); "
        "rows add up to 100%. RFM segments are ordered by size.",
        wide=True,
    )


BUILDERS: tuple[Builder, ...] = (
    nulls_figure,
    accounting_figure,
    monthly_figure,
    distributions_figure,
    elbow_figure,
    silhouette_figure,
    stability_figure,
    pca_figure,
    profiles_figure,
    sizes_figure,
    crosstab_figure,
    *EDA_BUILDERS,
    *HISTORY_BUILDERS,
)


def build_figures(data: ReportData) -> list[Figure]:
    """Every figure of the report (page.render groups them by section)."""
    segments = segment_table(data)
    return [build(data, segments) for build in BUILDERS]
