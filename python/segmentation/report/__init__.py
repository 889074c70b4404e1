r"""A self-contained HTML report of a published warehouse.

    python -m segmentation.report --warehouse warehouse.duckdb \
        --out reports/segmentation_report.html

The flow is one way, each step a pure function except the first and the last:
:func:`data.load` (queries, read-only) -> :class:`data.ReportData` (DataFrames) ->
:mod:`takeaways` (sentences) and :mod:`charts` (SVG strings) via :mod:`figures` ->
:func:`page.render` (HTML) -> :func:`write_report` (the file).
"""

from __future__ import annotations

from pathlib import Path

from segmentation.report.data import ReportData, load
from segmentation.report.figures import build_figures
from segmentation.report.page import render
from segmentation.report.takeaways import summarise

__all__ = ["build_report", "write_report"]


def build_report(data: ReportData) -> str:
    """The report's HTML for relations already read (no I/O)."""
    return render(build_figures(data), summarise(data.frames), data.source)


def write_report(warehouse: Path | str, out: Path | str) -> Path:
    """Read ``warehouse`` read-only and write the report to ``out`` (folders created)."""
    html = build_report(load(warehouse))
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    return target
