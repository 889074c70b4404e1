"""The report's "Segments" section: the customers on two principal components, each
segment's profile and size, and the learned segments against the RFM segments.

:class:`~segmentation.report.figure_base.Figure` builders; :mod:`segmentation.report.figures`
lists :data:`SEGMENT_BUILDERS` after "Choosing k".
"""

from __future__ import annotations

import pandas as pd

from segmentation.report import charts, fmt
from segmentation.report import takeaways as tk
from segmentation.report.data import ReportData
from segmentation.report.figure_base import (
    NOISE_COLOUR,
    Builder,
    Figure,
    legend_of,
)
from segmentation.report.figure_base import needs as _needs

MAX_SCATTER_POINTS = 5000
SCATTER_RANDOM_STATE = 42


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


SEGMENT_BUILDERS: tuple[Builder, ...] = (
    pca_figure,
    profiles_figure,
    sizes_figure,
    crosstab_figure,
)
