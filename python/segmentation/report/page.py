"""The HTML page: header with the dataset summary, sticky contents, figure cards.

One self-contained document: inline CSS, inline SVG, no script, no font or image to
fetch. The Content-Security-Policy forbids every load, so a future change that adds
one shows up as a console error instead of a silent network request.
"""

from __future__ import annotations

from collections.abc import Sequence

from segmentation.report import fmt
from segmentation.report.charts import WIDTH
from segmentation.report.figures import SECTIONS, Figure
from segmentation.report.svg import esc
from segmentation.report.takeaways import Summary

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

#: The narrowest a figure card gets: a chart of the normal width, its padding and border.
#: Charts are shown at their own size, never scaled, so their text is exactly the size
#: the CSS gives it at every window width (scaled to the column, a 520-wide chart's
#: labels grew to ~19px at 1200px while a 1160-wide chart's shrank to ~8px). A chart
#: wider than its column (a wide one below a ~1540px window) scrolls sideways instead.
CARD_MIN = WIDTH + 2 * 20 + 2

CSS = """
:root {
  --ink: #1f2933; --muted: #5f6b7a; --faint: #8a94a3; --line: #e4e7eb;
  --paper: #f6f7f9; --card: #ffffff; --accent: #2f6f9f;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
          "Noto Sans", "Liberation Sans", sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { scroll-behavior: smooth; }
body { margin: 0; background: var(--paper); color: var(--ink); font: 15px/1.5 var(--sans);
       -webkit-font-smoothing: antialiased; }
header.masthead { background: #17324d; color: #fff; padding: 28px 40px 24px; }
header.masthead h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
header.masthead p { margin: 0; color: #c9d6e3; font-size: 14px; }
header.masthead code { font-family: var(--mono); font-size: 13px; color: #fff; }
.stats { display: flex; flex-wrap: wrap; gap: 12px; margin: 20px 0 0; padding: 0;
         list-style: none; }
.stats li { background: rgba(255,255,255,0.08); border: 1px solid rgba(255,255,255,0.14);
            border-radius: 10px; padding: 10px 16px; min-width: 150px; }
.stats .value { display: block; font-size: 20px; font-weight: 650;
                font-variant-numeric: tabular-nums; }
.stats .name { display: block; font-size: 12px; color: #c9d6e3; text-transform: uppercase;
               letter-spacing: 0.05em; }
header.masthead .note { margin: 14px 0 0; color: #c9d6e3; font-size: 14px; }
.layout { display: grid; grid-template-columns: 230px minmax(0, 1fr); gap: 28px;
          padding: 24px 40px 48px; max-width: 1560px; margin: 0 auto; }
nav.toc { position: sticky; top: 16px; align-self: start; max-height: calc(100vh - 32px);
          overflow-y: auto; font-size: 14px; }
nav.toc h2 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em;
             color: var(--faint); margin: 0 0 8px; }
nav.toc ol { list-style: none; margin: 0; padding: 0; }
nav.toc li.section { margin: 12px 0 4px; font-weight: 650; color: var(--muted); }
nav.toc a { color: var(--ink); text-decoration: none; display: block; padding: 3px 8px;
            border-left: 2px solid var(--line); }
nav.toc a:hover { border-left-color: var(--accent); color: var(--accent); background: #eef3f8; }
nav.toc a.absent { color: var(--faint); }
main section { margin: 0 0 36px; scroll-margin-top: 16px; }
main h2 { font-size: 19px; margin: 0 0 14px; font-weight: 650; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(CARD_MIN, 1fr));
        gap: 20px; }
.figure { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 12px;
          padding: 18px 20px 14px; box-shadow: 0 1px 2px rgba(16,24,40,0.04);
          scroll-margin-top: 16px; min-width: 0; }
.figure.wide { grid-column: 1 / -1; }
.figure h3 { margin: 0; font-size: 16px; font-weight: 650; }
.figure .takeaway { margin: 4px 0 12px; font-size: 15px; color: var(--ink);
                    font-variant-numeric: tabular-nums; }
.figure .takeaway::before { content: ""; display: inline-block; width: 4px; height: 1em;
                            background: var(--accent); border-radius: 2px; margin-right: 8px;
                            vertical-align: -2px; }
.figure.missing .takeaway::before { background: var(--faint); }
.figure .note { margin: 10px 0 0; font-size: 13px; color: var(--muted); }
.figure .absent-box { border: 1px dashed var(--line); border-radius: 8px; padding: 28px;
                      text-align: center; color: var(--muted); font-size: 14px; }
.chart { overflow-x: auto; }
.chart svg { display: block; max-width: none; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; list-style: none; margin: 0 0 8px;
          padding: 0; font-size: 13px; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: 6px; }
.legend .swatch { width: 12px; height: 12px; border-radius: 3px; display: inline-block; }
svg text { font-family: var(--sans); }
svg :where(text:not([fill])) { fill: var(--ink); }
svg .tick { font-size: 11px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg .label { font-size: 12px; }
svg .value { font-size: 11px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg .axis-title { font-size: 12px; fill: var(--muted); }
svg .panel-title { font-size: 12px; font-weight: 600; }
svg .row-title { font-size: 13px; font-weight: 650; fill: var(--muted); }
svg .column-title { font-size: 11px; fill: var(--muted); }
svg .cell { font-size: 12px; font-variant-numeric: tabular-nums; pointer-events: none; }
svg .annotation { font-size: 12px; font-weight: 650; }
svg .band-label { font-size: 11px; fill: var(--faint); }
svg .cluster-name { font-size: 13px; font-weight: 700; paint-order: stroke;
                    stroke: #fff; stroke-width: 4px; stroke-linejoin: round;
                    pointer-events: none; }
svg .grid { stroke: #eceff3; stroke-width: 1; }
svg .axis { stroke: #c5ccd6; stroke-width: 1; }
svg .connector { stroke: #b8c0cc; stroke-width: 1; stroke-dasharray: 2 2; }
svg .reference { stroke: var(--faint); stroke-width: 1.2; stroke-dasharray: 5 4; }
svg .marker { stroke-width: 1.2; stroke-dasharray: 4 4; opacity: 0.7; }
svg .ring { stroke-width: 2; fill: none; }
svg .series { stroke-width: 2; stroke-linejoin: round; }
svg .points .mark { fill-opacity: 0.72; }
svg .mark { transition: opacity 0.1s; }
svg .mark:hover { stroke: #111; stroke-width: 1.5; fill-opacity: 1; }
footer { color: var(--faint); font-size: 12px; text-align: center; padding: 0 0 32px; }
@media (max-width: 980px) {
  .layout { grid-template-columns: 1fr; padding: 16px; }
  nav.toc { position: sticky; top: 0; z-index: 1; background: var(--paper); max-height: none;
            padding: 8px 0; }
  nav.toc ol { display: flex; flex-wrap: wrap; gap: 4px; }
  nav.toc li.section { display: none; }
  .grid { grid-template-columns: 1fr; }
  header.masthead { padding: 20px 16px; }
}
@media print {
  nav.toc { display: none; } .layout { grid-template-columns: 1fr; }
  .chart svg { max-width: 100%; height: auto; }
}
""".replace("CARD_MIN", f"{CARD_MIN}px")


def stats_html(summary: Summary) -> str:
    """The header's stat tiles; unknown facts are left out."""
    tiles = []
    if summary.lines is not None:
        tiles.append(("raw lines", fmt.count(summary.lines)))
    if summary.kept_share is not None:
        tiles.append(("lines kept", fmt.percent(summary.kept_share)))
    if summary.customers is not None:
        tiles.append(("customers", fmt.count(summary.customers)))
    if summary.first_day and summary.last_day:
        tiles.append(("purchases", f"{summary.first_day} \N{EN DASH} {summary.last_day}"))
    if summary.k is not None:
        score = f", silhouette {fmt.fixed(summary.silhouette)}" if summary.silhouette else ""
        tiles.append((f"segments ({summary.algorithm}{score})", str(summary.k)))
    return "".join(
        f'<li><span class="value">{esc(value)}</span><span class="name">{esc(name)}</span></li>'
        for name, value in tiles
    )


def legend_html(legend: Sequence[tuple[str, str]]) -> str:
    if not legend:
        return ""
    items = "".join(
        f'<li><span class="swatch" style="background:{colour}"></span>{esc(name)}</li>'
        for name, colour in legend
    )
    return f'<ul class="legend">{items}</ul>'


def figure_html(figure: Figure) -> str:
    classes = ["figure"]
    if figure.wide:
        classes.append("wide")
    if figure.absent:
        classes.append("missing")
        body = f'<div class="absent-box">{esc(figure.absent)}</div>'
    else:
        body = f'{legend_html(figure.legend)}<div class="chart">{figure.chart}</div>'
    note = f'<p class="note">{esc(figure.note)}</p>' if figure.note else ""
    return (
        f'<figure class="{" ".join(classes)}" id="{figure.id}">'
        f"<figcaption><h3>{esc(figure.title)}</h3>"
        f'<p class="takeaway">{esc(figure.takeaway)}</p></figcaption>'
        f"{body}{note}</figure>"
    )


def section_id(section: str) -> str:
    return "sec-" + section.lower().replace(" ", "-")


def toc_html(figures: Sequence[Figure]) -> str:
    items = []
    for section in SECTIONS:
        members = [f for f in figures if f.section == section]
        if not members:
            continue
        items.append(f'<li class="section">{esc(section)}</li>')
        for figure in members:
            cls = ' class="absent"' if figure.absent else ""
            items.append(f'<li><a href="#{figure.id}"{cls}>{esc(figure.title)}</a></li>')
    return (
        f'<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{"".join(items)}</ol></nav>'
    )


def render(figures: Sequence[Figure], summary: Summary, source: str) -> str:
    """The whole document."""
    sections = []
    for section in SECTIONS:
        members = [f for f in figures if f.section == section]
        if members:
            cards = "".join(figure_html(f) for f in members)
            sections.append(
                f'<section id="{section_id(section)}"><h2>{esc(section)}</h2>'
                f'<div class="grid">{cards}</div></section>'
            )
    run = (
        f"published by dbt run <code>{esc(summary.run_id)}</code> at {esc(summary.run_started_at)}"
        if summary.run_id
        else "publication unknown"
    )
    note = ""
    if summary.carried:
        note = (
            f'<p class="note">That build rebuilt {summary.rebuilt} of the '
            f"{(summary.rebuilt or 0) + summary.carried} relations; "
            f"the other {summary.carried} are "
            "as earlier builds published them (table <code>warehouse_publication</code> "
            "says which).</p>"
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Customer segmentation report</title>"
        f"<style>{CSS}</style></head><body>"
        '<header class="masthead"><h1>Customer segmentation report</h1>'
        f"<p>From <code>{esc(source)}</code> · {run}</p>"
        f'<ul class="stats">{stats_html(summary)}</ul>{note}</header>'
        f'<div class="layout">{toc_html(figures)}<main>{"".join(sections)}</main></div>'
        "<footer>Written by <code>python -m segmentation.report</code>. Every number comes from "
        "the warehouse; hover a mark to read its values.</footer>"
        "</body></html>\n"
    )
