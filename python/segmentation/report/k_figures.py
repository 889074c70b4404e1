"""The report's "Choosing k" section: the elbow, the silhouette and the stability of
every k tried, and the k chosen.

:class:`~segmentation.report.figure_base.Figure` builders; :mod:`segmentation.report.figures`
lists :data:`K_BUILDERS` after the data sections.
"""

from __future__ import annotations

import math

import pandas as pd

from segmentation.report import charts, fmt
from segmentation.report import takeaways as tk
from segmentation.report.data import ReportData
from segmentation.report.figure_base import (
    Builder,
    Figure,
)
from segmentation.report.figure_base import needs as _needs


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


K_BUILDERS: tuple[Builder, ...] = (
    elbow_figure,
    silhouette_figure,
    stability_figure,
)
