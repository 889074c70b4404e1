"""The report's "Segments over time" section: segment sizes at every as-of date and the
latest moves between segments, both read off segment_migration (a few rows per date),
never the whole customer_rfm_history.
"""

from __future__ import annotations

import pandas as pd

from segmentation.report import charts, fmt
from segmentation.report.data import ReportData
from segmentation.report.figure_base import NOISE_COLOUR, Builder, Figure, needs

SECTION = "Segments over time"
NONE = "(none)"
KIND_TITLES = {"segment_name": "learned segments", "rfm_segment": "RFM segments"}


def segment_sizes(migration: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Customers per segment (columns) at every as-of date (rows, ascending).

    The sizes at each date after the first are the migration's arrivals; at the first,
    its departures (every customer at a date moves to the next one).
    """
    moves = migration[migration["segment_kind"] == kind]
    arrived = moves.groupby(["to_as_of_date", "to_segment"])["customers"].sum()
    first = moves["from_as_of_date"].min()
    left = moves[(moves["from_as_of_date"] == first) & (moves["from_segment"] != NONE)]
    at_first = left.groupby(["from_as_of_date", "from_segment"])["customers"].sum()
    sizes = pd.concat([at_first.rename_axis(arrived.index.names), arrived])
    return sizes.unstack(fill_value=0).sort_index().astype("int64")


def latest_moves(migration: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The moves of ``kind`` between the last two as-of dates."""
    moves = migration[migration["segment_kind"] == kind]
    return moves[moves["to_as_of_date"] == moves["to_as_of_date"].max()]


def sizes_takeaway(sizes: pd.DataFrame, kind: str) -> str:
    """Which segment grew and which shrank most between the last two as-of dates."""
    if len(sizes) < 2:
        return f"One as-of date only: no change of {KIND_TITLES[kind]} to show yet."
    before, after = sizes.index[-2], sizes.index[-1]
    change = (sizes.iloc[-1] - sizes.iloc[-2]).sort_values(kind="stable")
    grew, shrank = change.index[-1], change.index[0]
    text = (
        f"From {fmt.day(before)} to {fmt.day(after)}, '{grew}' grew most "
        f"({change[grew]:+,} to {fmt.count(sizes.iloc[-1][grew])} customers)"
    )
    if change[shrank] < 0:
        text += (
            f" and '{shrank}' shrank most ({change[shrank]:+,} to "
            f"{fmt.count(sizes.iloc[-1][shrank])})"
        )
    return text + "."


def migration_takeaway(moves: pd.DataFrame) -> str:
    """The move between two different segments that carried the most past revenue."""
    if moves.empty:
        return "No moves to show."
    before, after = (
        fmt.day(moves["from_as_of_date"].iloc[0]),
        fmt.day(moves["to_as_of_date"].iloc[0]),
    )
    changed = moves[
        (moves["from_segment"] != NONE) & (moves["from_segment"] != moves["to_segment"])
    ]
    if changed.empty:
        return f"From {before} to {after} every customer stayed in their segment (new ones aside)."
    top = changed.sort_values(
        ["revenue", "customers", "from_segment"], ascending=[False, False, True]
    )
    row = top.iloc[0]
    moved = int(changed["customers"].sum())
    return (
        f"{fmt.count(row['customers'])} '{row['from_segment']}' customers became "
        f"'{row['to_segment']}' between {before} and {after}, carrying "
        f"{fmt.money(row['revenue'])} of past revenue ({fmt.count(moved)} customers changed "
        "segment in all)."
    )


def _colours(names: list[str], segments: pd.DataFrame) -> list[str]:
    by_name = dict(zip(segments["segment_name"], segments["colour"], strict=True))
    return [by_name.get(name, NOISE_COLOUR) for name in names]


@needs(
    "fig-segments-over-time",
    SECTION,
    "Learned segments over time",
    ("segment_migration",),
    wide=True,
)
def sizes_over_time_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
    """Customers in each learned segment at every as-of date."""
    sizes = segment_sizes(data.frames["segment_migration"], "segment_name")
    ordered = [n for n in segments["segment_name"] if n in sizes.columns] + [
        n for n in sizes.columns if n not in set(segments["segment_name"])
    ]
    dates = [fmt.day(d) for d in sizes.index]
    series = [
        charts.Series(name, sizes[name].astype(float).tolist(), colour)
        for name, colour in zip(ordered, _colours(ordered, segments), strict=True)
    ]
    tips = [
        [
            f"{name}, {day}: {fmt.count(v)} customers"
            for day, v in zip(dates, sizes[name], strict=True)
        ]
        for name in ordered
    ]
    chart = charts.date_lines(
        dates, series, tips, "customers", "Customers per segment by as-of date"
    )
    return Figure(
        "fig-segments-over-time",
        SECTION,
        "Learned segments over time",
        sizes_takeaway(sizes, "segment_name"),
        chart,
        note="Customers in each learned segment at every as-of date of customer_rfm_history, "
        "all labelled by the one model of this build. A customer counts from their first "
        "purchase on.",
        legend=tuple(zip(ordered, _colours(ordered, segments), strict=True)),
        wide=True,
    )


def _migration_builder(kind: str) -> Builder:
    fig_id = f"fig-migration-{'learned' if kind == 'segment_name' else 'rfm'}"
    title = f"Latest moves between {KIND_TITLES[kind]}"

    @needs(fig_id, SECTION, title, ("segment_migration",), wide=True)
    def migration_figure(data: ReportData, segments: pd.DataFrame) -> Figure:
        moves = latest_moves(data.frames["segment_migration"], kind)
        sources = moves.groupby("from_segment")["customers"].sum()
        rows = sorted(sources.index, key=lambda name: (name == NONE, -sources[name], name))
        arrivals = moves.groupby("to_segment")["customers"].sum()
        columns = sorted(arrivals.index, key=lambda name: (-arrivals[name], name))
        lookup = moves.set_index(["from_segment", "to_segment"])
        cells = []
        for source in rows:
            line = []
            for target in columns:
                if (source, target) in lookup.index:
                    hit = lookup.loc[(source, target)]
                    share = float(hit["customers"]) / float(sources[source])
                    line.append(
                        charts.Cell(
                            share,
                            fmt.count(hit["customers"]),
                            f"{source} -> {target}: {fmt.count(hit['customers'])} customers "
                            f"({fmt.percent(share)} of {source}), {fmt.money(hit['revenue'])} "
                            "spent by then",
                        )
                    )
                else:
                    line.append(charts.Cell(None, "", f"{source} -> {target}: none"))
            cells.append(line)
        row_colours = (
            _colours(rows, segments) if kind == "segment_name" else ["#c9d3de"] * len(rows)
        )
        chart = charts.heatmap(rows, row_colours, columns, cells, f"{title} heatmap", wide=True)
        before, after = (
            fmt.day(moves["from_as_of_date"].iloc[0]),
            fmt.day(moves["to_as_of_date"].iloc[0]),
        )
        return Figure(
            fig_id,
            SECTION,
            title,
            migration_takeaway(moves),
            chart,
            note=f"Customers by their segment on {before} (rows; {NONE}: no purchase yet) and "
            f"on {after} (columns); the shade is the share of the row. segment_migration has "
            "every pair of consecutive dates.",
            wide=True,
        )

    return migration_figure


HISTORY_BUILDERS: tuple[Builder, ...] = (
    sizes_over_time_figure,
    _migration_builder("segment_name"),
    _migration_builder("rfm_segment"),
)
