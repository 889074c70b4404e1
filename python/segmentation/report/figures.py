"""The report's figures: relations in, a :class:`Figure` (title, takeaway, chart) out.

Every figure has a stable id (``fig-<name>``), a takeaway from
:mod:`segmentation.report.takeaways` and an inline SVG chart. When a relation it needs
is absent, the figure is still there and says why. Segments keep one colour everywhere
(:func:`segment_colours`). The builders live with their report section:
:mod:`~segmentation.report.data_figures` (data quality, sales, features),
:mod:`~segmentation.report.eda_figures` (relationships and outliers),
:mod:`~segmentation.report.k_figures` (choosing k),
:mod:`~segmentation.report.segment_figures` (segments) and
:mod:`~segmentation.report.history_figures` (segments over time).
"""

from __future__ import annotations

from segmentation.report.data import ReportData
from segmentation.report.data_figures import DATA_BUILDERS
from segmentation.report.eda_figures import EDA_BUILDERS
from segmentation.report.figure_base import (
    NOISE_COLOUR,
    PALETTE,
    SECTIONS,
    Builder,
    Figure,
    segment_colours,
    segment_table,
)
from segmentation.report.history_figures import HISTORY_BUILDERS
from segmentation.report.k_figures import K_BUILDERS
from segmentation.report.segment_figures import SEGMENT_BUILDERS, scatter_sample

__all__ = [
    "NOISE_COLOUR",
    "PALETTE",
    "SECTIONS",
    "Figure",
    "build_figures",
    "scatter_sample",
    "segment_colours",
    "segment_table",
]

#: Every figure builder, in the report's order.
BUILDERS: tuple[Builder, ...] = (
    *DATA_BUILDERS,
    *K_BUILDERS,
    *SEGMENT_BUILDERS,
    *EDA_BUILDERS,
    *HISTORY_BUILDERS,
)


def build_figures(data: ReportData) -> list[Figure]:
    """Every figure of the report (page.render groups them by section)."""
    segments = segment_table(data)
    return [build(data, segments) for build in BUILDERS]
