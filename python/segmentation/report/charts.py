"""Chart types as pure functions: plain lists in, one ``<svg>`` string out.

They know nothing about the warehouse; :mod:`segmentation.report.figures` turns
relations into these inputs. Widths are CSS pixels: the page shows every chart at its own
size, never scaled, so its text is the size the CSS gives it (see page.CARD_MIN).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from segmentation.report import fmt
from segmentation.report.svg import (
    Band,
    Formatter,
    Frame,
    Linear,
    circle,
    line,
    mix,
    nice_domain,
    polyline,
    rect,
    svg,
    text,
    ticks,
    x_axis,
    y_axis,
)

WIDTH = 520
WIDE = 1160
INK = "#1f2933"
MUTED = "#8a94a3"
ACCENT = "#2f6f9f"
LOSS = "#d1603d"
GOOD = "#3f8f5f"
SHADE_LOW = "#f3f6fa"
SHADE_HIGH = "#1f4e79"


def label_width(labels: Sequence[str], per_char: float = 6.6) -> float:
    """Pixels a column of 12px labels needs (a generous estimate, no font metrics)."""
    return max((len(label) for label in labels), default=0) * per_char + 14


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    colour: str


def stacked_hbars(
    rows: Sequence[str],
    series: Sequence[Series],
    tips: Sequence[str],
    end_labels: Sequence[str],
    axis_label: str,
    label: str,
) -> str:
    """Horizontal bars, one per row, the series stacked left to right."""
    frame = Frame(WIDTH, 34 + 26 * len(rows) + 40, left=label_width(rows), right=150)
    totals = [sum(s.values[i] for s in series) for i in range(len(rows))]
    x = Linear(0, max(totals, default=0) or 1, frame.x0, frame.x1)
    band = Band(len(rows), frame.y0, frame.y1, 0.3)
    parts = [x_axis(x, frame, fmt.short, axis_label, grid=True)]
    for i, row in enumerate(rows):
        y = band.start(i)
        parts.append(text(frame.x0 - 8, band.centre(i) + 4, row, "end"))
        start = 0.0
        for s in series:
            value = s.values[i]
            if value > 0:
                parts.append(
                    rect(
                        x(start), y, x(start + value) - x(start), band.bandwidth, s.colour, tips[i]
                    )
                )
            start += value
        # a hairline at zero so every row has a mark to hover, even with nothing to stack
        parts.append(rect(frame.x0, y, 2, band.bandwidth, MUTED, tips[i]))
        parts.append(text(x(start) + 6, band.centre(i) + 4, end_labels[i], cls="value"))
    return svg(frame, "".join(parts), label)


@dataclass(frozen=True)
class Step:
    """One row of a waterfall: a bar from ``start`` to ``end`` (``end < start`` = a loss)."""

    label: str
    start: float
    end: float
    colour: str
    tip: str
    value_label: str


def waterfall(steps: Sequence[Step], axis_label: str, label: str) -> str:
    """A horizontal waterfall: each row starts where the previous one ended."""
    rows = [s.label for s in steps]
    frame = Frame(WIDTH, 34 + 28 * len(steps) + 40, left=label_width(rows), right=110)
    x = Linear(0, max((max(s.start, s.end) for s in steps), default=1) or 1, frame.x0, frame.x1)
    band = Band(len(steps), frame.y0, frame.y1, 0.25)
    parts = [x_axis(x, frame, fmt.short, axis_label, grid=True)]
    for i, step in enumerate(steps):
        y = band.start(i)
        parts.append(text(frame.x0 - 8, band.centre(i) + 4, step.label, "end"))
        width = max(abs(x(step.end) - x(step.start)), 1.5)
        left = min(x(step.start), x(step.end))
        parts.append(rect(left, y, width, band.bandwidth, step.colour, step.tip))
        if i + 1 < len(steps):
            below = band.start(i + 1)
            parts.append(line(x(step.end), y + band.bandwidth, x(step.end), below, "connector"))
        parts.append(
            text(
                max(x(step.start), x(step.end)) + 6,
                band.centre(i) + 4,
                step.value_label,
                cls="value",
            )
        )
    return svg(frame, "".join(parts), label)


def bars_and_line(
    categories: Sequence[str],
    bars: Sequence[float],
    line_values: Sequence[float],
    tips: Sequence[str],
    bar_label: str,
    line_label: str,
    label: str,
    wide: bool = False,
) -> str:
    """Vertical bars on the left axis and a line with points on the right axis."""
    frame = Frame(WIDE if wide else WIDTH, 300, left=56, right=56, bottom=44)
    band = Band(len(categories), frame.x0, frame.x1, 0.25)
    y_bars = Linear(*nice_domain(0, max(bars, default=0) or 1), frame.y1, frame.y0)
    y_line = Linear(*nice_domain(0, max(line_values, default=0) or 1), frame.y1, frame.y0)
    parts = [
        y_axis(y_bars, frame, fmt.short, bar_label),
        y_axis(y_line, frame, fmt.short, line_label, right=True, grid=False),
        line(frame.x0, frame.y1, frame.x1, frame.y1, "axis"),
    ]
    every = max(1, -(-len(categories) // (24 if wide else 12)))
    for i, (category, value) in enumerate(zip(categories, bars, strict=True)):
        parts.append(
            rect(
                band.start(i),
                y_bars(value),
                band.bandwidth,
                y_bars(0) - y_bars(value),
                ACCENT,
                tips[i],
            )
        )
        if i % every == 0:
            month, _, year = category.partition(" ")
            parts.append(text(band.centre(i), frame.y1 + 15, month, "middle", "tick"))
            parts.append(text(band.centre(i), frame.y1 + 28, year, "middle", "tick"))
    points = [(band.centre(i), y_line(v)) for i, v in enumerate(line_values)]
    parts.append(polyline(points, LOSS))
    parts.extend(circle(px, py, 3.5, LOSS, tips[i]) for i, (px, py) in enumerate(points))
    return svg(frame, "".join(parts), label)


@dataclass(frozen=True)
class Histogram:
    title: str
    edges: Sequence[float]
    counts: Sequence[int]
    colour: str
    tips: Sequence[str]


def histogram_grid(rows: Sequence[tuple[str, Sequence[Histogram]]], label: str) -> str:
    """Small multiples: one row per (row title, panels), the panels side by side."""
    columns = max((len(panels) for _, panels in rows), default=1)
    panel_width, panel_height, row_title = (WIDE - 20) / columns, 190, 32
    height = len(rows) * (panel_height + row_title) + 8
    parts = []
    for r, (row_name, panels) in enumerate(rows):
        top = r * (panel_height + row_title)
        parts.append(text(4, top + 18, row_name, cls="row-title"))
        for c, panel in enumerate(panels):
            left = 20 + c * panel_width
            frame = Frame(panel_width, panel_height, left=44, right=14, top=22, bottom=30)
            x = Linear(panel.edges[0], panel.edges[-1], frame.x0, frame.x1)
            y = Linear(*nice_domain(0, max(panel.counts, default=0) or 1, 4), frame.y1, frame.y0)
            body = [text(frame.x0, 12, panel.title, cls="panel-title"), y_axis(y, frame, fmt.short)]
            edge_ticks = ticks(panel.edges[0], panel.edges[-1], 4)
            body.append(x_axis(x, frame, fmt.short, values=edge_ticks))
            for i, count in enumerate(panel.counts):
                if count > 0:
                    body.append(
                        rect(
                            x(panel.edges[i]) + 0.5,
                            y(count),
                            max(x(panel.edges[i + 1]) - x(panel.edges[i]) - 1, 0.8),
                            y(0) - y(count),
                            panel.colour,
                            panel.tips[i],
                        )
                    )
            parts.append(
                f'<g transform="translate({left:.1f},{top + row_title:.1f})">{"".join(body)}</g>'
            )
    return svg(Frame(WIDE, height), "".join(parts), label)


@dataclass(frozen=True)
class Highlight:
    """A point to ring and annotate, e.g. the elbow or the selected k."""

    x: float
    note: str
    colour: str


def line_chart(
    xs: Sequence[float],
    ys: Sequence[float],
    tips: Sequence[str],
    x_label: str,
    y_label: str,
    label: str,
    highlights: Sequence[Highlight] = (),
    y_format: Formatter = fmt.short,
    y_domain: tuple[float, float] | None = None,
    bands: Sequence[tuple[float, float, str, str]] = (),
    reference: tuple[float, str] | None = None,
) -> str:
    """Points joined by a line, integer x ticks; highlights get a ring and a note.

    ``bands`` shade y ranges (lo, hi, colour, caption); ``reference`` draws a dashed
    horizontal line (y, caption).
    """
    frame = Frame(WIDTH, 280, left=60, right=20, top=24, bottom=44)
    x = Linear(min(xs) - 0.5, max(xs) + 0.5, frame.x0, frame.x1)
    lo, hi = y_domain or nice_domain(min(ys), max(ys))
    y = Linear(lo, hi, frame.y1, frame.y0)
    parts = []
    for band_lo, band_hi, colour, caption in bands:
        top, bottom = y(min(max(band_hi, lo), hi)), y(max(min(band_lo, hi), lo))
        if bottom - top > 0:
            parts.append(rect(frame.x0, top, frame.x1 - frame.x0, bottom - top, colour, cls="band"))
            parts.append(text(frame.x1 - 6, top + 13, caption, "end", "band-label"))
    parts.append(y_axis(y, frame, y_format, y_label))
    parts.append(x_axis(x, frame, lambda v: f"{v:g}", x_label, values=list(xs)))
    if reference is not None:
        ref_y, caption = reference
        if lo <= ref_y <= hi:
            parts.append(line(frame.x0, y(ref_y), frame.x1, y(ref_y), "reference"))
            parts.append(text(frame.x1 - 6, y(ref_y) - 5, caption, "end", "band-label"))
    points = [(x(a), y(b)) for a, b in zip(xs, ys, strict=True)]
    if len(points) > 1:
        parts.append(polyline(points, ACCENT))
    for highlight in highlights:
        if highlight.x in xs:
            i = list(xs).index(highlight.x)
            px, py = points[i]
            parts.append(
                line(px, frame.y0, px, frame.y1, "marker", f' stroke="{highlight.colour}"')
            )
            parts.append(
                circle(px, py, 9, "none", cls="ring", extra=f' stroke="{highlight.colour}"')
            )
    for i, (px, py) in enumerate(points):
        parts.append(circle(px, py, 4.5, ACCENT, tips[i]))
    for offset, highlight in enumerate(highlights):
        if highlight.x in xs:
            px = x(highlight.x)
            anchor = "end" if px > (frame.x0 + frame.x1) / 2 else "start"
            dx = -8 if anchor == "end" else 8
            point_is_high = points[list(xs).index(highlight.x)][1] < (frame.y0 + frame.y1) / 2
            note_y = frame.y1 - 10 - 15 * offset if point_is_high else frame.y0 + 12 + 15 * offset
            parts.append(
                text(
                    px + dx,
                    note_y,
                    highlight.note,
                    anchor,
                    "annotation",
                    f' fill="{highlight.colour}"',
                )
            )
    return svg(frame, "".join(parts), label)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    colour: str
    tip: str


def scatter(
    points: Sequence[Point],
    x_label: str,
    y_label: str,
    label: str,
    names: Sequence[tuple[float, float, str, str]] = (),
) -> str:
    """A scatter plot; ``names`` are (x, y, text, colour) labels drawn on top."""
    frame = Frame(WIDE, 560, left=60, right=20, top=16, bottom=46)
    xs = [p.x for p in points] or [0.0]
    ys = [p.y for p in points] or [0.0]
    x = Linear(*nice_domain(min(xs), max(xs)), frame.x0, frame.x1)
    y = Linear(*nice_domain(min(ys), max(ys)), frame.y1, frame.y0)
    parts = [y_axis(y, frame, fmt.short, y_label), x_axis(x, frame, fmt.short, x_label, grid=True)]
    parts.append('<g class="points">')
    parts.extend(circle(x(p.x), y(p.y), 3, p.colour, p.tip) for p in points)
    parts.append("</g>")
    for px, py, name, colour in names:
        parts.append(text(x(px), y(py), name, "middle", "cluster-name", f' fill="{colour}"'))
    return svg(frame, "".join(parts), label)


@dataclass(frozen=True)
class Cell:
    """A heatmap cell: ``shade`` 0-1 (None = empty), the text shown and the hover text."""

    shade: float | None
    content: str
    tip: str


def heatmap(
    rows: Sequence[str],
    row_colours: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[Cell]],
    label: str,
    wide: bool = False,
) -> str:
    """A grid of shaded cells with their values; rows get a colour swatch."""
    width = WIDE if wide else WIDTH
    left = label_width(rows) + 18
    header = 20 + 14 * max((_wrap_count(c) for c in columns), default=1)
    frame = Frame(width, header + 34 * len(rows) + 8, left=left, right=8, top=header, bottom=8)
    band_x = Band(len(columns), frame.x0, frame.x1, 0.06)
    band_y = Band(len(rows), frame.y0, frame.y1, 0.1)
    parts = _column_titles(band_x, frame.y0, columns)
    for i, row in enumerate(rows):
        cy = band_y.centre(i)
        parts.append(rect(8, cy - 6, 12, 12, row_colours[i], cls="swatch"))
        parts.append(text(frame.x0 - 8, cy + 4, row, "end"))
        parts.extend(_heatmap_row(band_x, band_y, i, cells[i]))
    return svg(frame, "".join(parts), label)


def heatmap_panels(
    rows: Sequence[str],
    columns: Sequence[str],
    panels: Sequence[tuple[str, Sequence[Sequence[Cell]]]],
    label: str,
) -> str:
    """Heatmaps of the same rows and columns side by side, one (title, cells) per panel.

    As wide as the page (text at the size of every wide figure); the row labels are
    drawn once, on the left, and column titles wrap to the width of a cell.
    """
    left, gap = label_width(rows), 28
    panel_width = (WIDE - left - 8 - gap * (len(panels) - 1)) / max(len(panels), 1)
    wrap = max(6, int(panel_width / max(len(columns), 1) / 6.4))
    header = 30 + 20 + 14 * max((_wrap_count(c, wrap) for c in columns), default=1)
    frame = Frame(WIDE, header + 34 * len(rows) + 8, left=left, right=8, top=header, bottom=8)
    band_y = Band(len(rows), frame.y0, frame.y1, 0.1)
    parts = [text(left - 8, band_y.centre(i) + 4, row, "end") for i, row in enumerate(rows)]
    for p, (title, cells) in enumerate(panels):
        x0 = left + p * (panel_width + gap)
        band_x = Band(len(columns), x0, x0 + panel_width, 0.06)
        parts.append(text(x0, 18, title, cls="row-title"))
        parts.extend(_column_titles(band_x, frame.y0, columns, wrap))
        for i in range(len(rows)):
            parts.extend(_heatmap_row(band_x, band_y, i, cells[i]))
    return svg(frame, "".join(parts), label)


def _column_titles(band_x: Band, y0: float, columns: Sequence[str], width: int = 14) -> list[str]:
    """Each column's title above it, wrapped at ``width`` characters, bottom line aligned."""
    parts = []
    for j, column in enumerate(columns):
        lines = _wrap(column, width)
        for k, part in enumerate(lines):
            y = y0 - 8 - 14 * (len(lines) - 1 - k)
            parts.append(text(band_x.centre(j), y, part, "middle", "column-title"))
    return parts


def _heatmap_row(band_x: Band, band_y: Band, i: int, cells: Sequence[Cell]) -> list[str]:
    """Row ``i`` of a heatmap: a shaded, hoverable cell per column with its value."""
    parts = []
    cy = band_y.centre(i)
    for j, cell in enumerate(cells):
        colour = "#eef0f3" if cell.shade is None else mix(SHADE_LOW, SHADE_HIGH, cell.shade)
        parts.append(
            rect(
                band_x.start(j),
                band_y.start(i),
                band_x.bandwidth,
                band_y.bandwidth,
                colour,
                cell.tip,
            )
        )
        ink = "#ffffff" if cell.shade is not None and cell.shade > 0.55 else INK
        parts.append(
            text(band_x.centre(j), cy + 4, cell.content, "middle", "cell", f' fill="{ink}"')
        )
    return parts


def _wrap(title: str, width: int = 14) -> list[str]:
    words, lines, current = title.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines


def _wrap_count(title: str, width: int = 14) -> int:
    return len(_wrap(title, width))


def paired_hbars(
    rows: Sequence[str],
    colours: Sequence[str],
    first: Sequence[float],
    second: Sequence[float],
    tips: Sequence[str],
    names: tuple[str, str],
    label: str,
    wide: bool = False,
) -> str:
    """Two bars per row (shares, 0-1): ``first`` light, ``second`` solid, same colour."""
    left = label_width(rows) + 18
    frame = Frame(WIDE if wide else WIDTH, 34 + 50 * len(rows) + 40, left=left, right=112)
    x = Linear(
        0, max(max(first, default=0), max(second, default=0), 0.0001) * 1.02, frame.x0, frame.x1
    )
    x = Linear(0, nice_domain(0, x.d1)[1], frame.x0, frame.x1)
    band = Band(len(rows), frame.y0, frame.y1, 0.22)
    half = band.bandwidth / 2
    parts = [x_axis(x, frame, lambda v: f"{100 * v:.0f}%", "share", grid=True)]
    for i, row in enumerate(rows):
        y = band.start(i)
        parts.append(rect(8, band.centre(i) - 6, 12, 12, colours[i], cls="swatch"))
        parts.append(text(frame.x0 - 8, band.centre(i) + 4, row, "end"))
        for offset, (values, opacity, name) in enumerate(
            ((first, 0.4, names[0]), (second, 1.0, names[1]))
        ):
            top = y + offset * half
            parts.append(
                rect(
                    frame.x0,
                    top + 1,
                    max(x(values[i]) - frame.x0, 1.5),
                    half - 2,
                    colours[i],
                    tips[i],
                    extra=f' fill-opacity="{opacity}"',
                )
            )
            parts.append(
                text(
                    max(x(values[i]), frame.x0 + 1.5) + 6,
                    top + half / 2 + 4,
                    f"{fmt.percent(values[i])} {name}",
                    cls="value",
                )
            )
    return svg(frame, "".join(parts), label)


def date_lines(
    dates: Sequence[str],
    series: Sequence[Series],
    tips: Sequence[Sequence[str]],
    y_label: str,
    label: str,
    y_format: Formatter = fmt.short,
) -> str:
    """One line per series over evenly spaced dates (at most 12 date labels shown)."""
    frame = Frame(WIDE, 300, left=60, right=20, top=16, bottom=44)
    x = Linear(-0.5, len(dates) - 0.5, frame.x0, frame.x1)
    top = max((v for s in series for v in s.values), default=1.0)
    lo, hi = nice_domain(0.0, max(top, 1.0))
    y = Linear(lo, hi, frame.y1, frame.y0)
    step = max(1, -(-len(dates) // 12))
    shown = [float(i) for i in range(0, len(dates), step)]
    parts = [
        y_axis(y, frame, y_format, y_label),
        x_axis(x, frame, lambda v: dates[int(v)], None, values=shown),
    ]
    for one, row_tips in zip(series, tips, strict=True):
        points = [(x(i), y(v)) for i, v in enumerate(one.values)]
        if len(points) > 1:
            parts.append(polyline(points, one.colour))
        parts.extend(
            circle(px, py, 3.5, one.colour, tip)
            for (px, py), tip in zip(points, row_tips, strict=True)
        )
    return svg(frame, "".join(parts), label)
