"""What every figure shares: the :class:`Figure` card, one colour per segment, and the
guard that turns a figure whose relation is absent into one that says why.

The figures themselves are grouped by report section in :mod:`.figures` and
:mod:`.history_figures`; each is a function ``(ReportData, segments) -> Figure``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from segmentation.report import takeaways as tk
from segmentation.report.data import ReportData

#: Tableau 10, reordered so neighbouring cluster ids contrast; colour-blind friendly enough
#: with the labels and hover text beside every mark.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#17becf",
)
NOISE_COLOUR = "#a3aab5"


@dataclass(frozen=True)
class Figure:
    """One figure card. ``chart`` is an ``<svg>`` string, empty when ``absent`` says why."""

    id: str
    section: str
    title: str
    takeaway: str
    chart: str = ""
    note: str = ""
    legend: tuple[tuple[str, str], ...] = ()
    wide: bool = False
    absent: str | None = None


SECTIONS = (
    "Data quality",
    "Sales",
    "Features",
    "Relationships and outliers",
    "Choosing k",
    "Segments",
    "Segments over time",
)


def segment_colours(cluster_ids: pd.Series | list[int]) -> dict[int, str]:
    """A colour per cluster id: the palette in cluster id order, noise (-1) grey."""
    colours, index = {}, 0
    for cluster_id in sorted({int(c) for c in cluster_ids}):
        if cluster_id == tk.NOISE_ID:
            colours[cluster_id] = NOISE_COLOUR
        else:
            colours[cluster_id] = PALETTE[index % len(PALETTE)]
            index += 1
    return colours


def segment_table(data: ReportData) -> pd.DataFrame:
    """cluster_id, segment_name, colour for every segment, in cluster id order."""
    source = data.get("segment_profiles")
    if source is None:
        source = data.get("customer_segments")
    if source is None:
        return pd.DataFrame(columns=["cluster_id", "segment_name", "colour"])
    table = (
        source[["cluster_id", "segment_name"]]
        .drop_duplicates("cluster_id")
        .sort_values("cluster_id")
        .reset_index(drop=True)
    )
    colours = segment_colours(table["cluster_id"])
    return table.assign(colour=table["cluster_id"].map(colours))


def legend_of(segments: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    return tuple(zip(segments["segment_name"], segments["colour"], strict=True))


Builder = Callable[[ReportData, pd.DataFrame], Figure]


def needs(
    fig_id: str, section: str, title: str, relations: tuple[str, ...], wide: bool = False
) -> Callable[[Builder], Builder]:
    """Decorator: an absent (or empty) relation turns the figure into one that says why."""

    def wrap(build: Builder) -> Builder:
        def guarded(data: ReportData, segments: pd.DataFrame) -> Figure:
            reason = data.missing(*relations)
            if reason is None:
                empty = [r for r in relations if data.frames[r].empty]
                if empty:
                    reason = f"relation {empty[0]} has no rows"
            if reason is not None:
                return Figure(
                    fig_id, section, title, f"Not shown: {reason}.", wide=wide, absent=reason
                )
            return build(data, segments)

        guarded.__doc__ = build.__doc__
        return guarded

    return wrap
