"""`python -m segmentation.report` on warehouses built by `dbt build` from generated exports.

Every takeaway is checked against numbers recomputed here with SQL, mostly from other
relations than the one the figure draws (e.g. segment sizes from customer_segments
joined to customer_rfm, not from segment_profiles). The browser tests load the report
from disk in headless Chromium with the network cut off.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from html import unescape as html_unescape
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_ROOT, run_dbt, synth
from test_report_units import FIGURE_IDS, FigureFacts, figure_facts, parse_html

from segmentation.warehouse import work_path

#: Runs dbt (deselect with -m 'not dbt': make test-fast).
pytestmark = pytest.mark.dbt

CHROMIUM = Path("/usr/bin/chromium")


def write_report(warehouse: Path, out: Path) -> subprocess.CompletedProcess:
    command = ["-m", "segmentation.report", "--warehouse", str(warehouse), "--out", str(out)]
    return subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "python")},
        capture_output=True,
        text=True,
        check=False,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Built:
    warehouse: Path
    report: Path
    html: str
    figures: dict[str, FigureFacts]
    warehouse_digest: str

    def rows(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def one(self, sql: str) -> tuple:
        (row,) = self.rows(sql)
        return row

    def takeaway(self, fig_id: str) -> str:
        return self.figures[fig_id].takeaway


def build(folder: Path, export: Path, variables: dict | None = None) -> Built:
    warehouse = folder / "warehouse.duckdb"
    run = run_dbt(
        "build",
        warehouse=warehouse,
        variables={"transactions_path": str(export), **(variables or {})},
    )
    assert run.returncode == 0, run.output[-4000:]
    before = digest(warehouse)
    out = folder / "reports" / "segmentation_report.html"
    done = write_report(warehouse, out)
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    return Built(warehouse, out, html, figure_facts(html), before)


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return synth(
        tmp_path_factory.mktemp("export") / "export.csv", "--customers", "600", "--seed", "5"
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory, export) -> Built:
    return build(tmp_path_factory.mktemp("kmeans"), export)


@pytest.fixture(scope="module")
def built_dbscan(tmp_path_factory, export) -> Built:
    # a radius below the one the eps grid picks, so some customers are left as noise
    return build(
        tmp_path_factory.mktemp("dbscan"),
        export,
        {"cluster_algorithm": "dbscan", "cluster_dbscan_eps": 0.3},
    )


def pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def plain(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


# --- structure -----------------------------------------------------------------------


def test_the_report_has_every_figure_each_with_drawn_marks(built):
    assert list(built.figures) == FIGURE_IDS
    for fig_id, facts in built.figures.items():
        assert "missing" not in facts.classes, (fig_id, facts.takeaway)
        assert facts.svgs >= 1, fig_id
        assert facts.marks > 0, fig_id
        assert facts.takeaway and "Not shown" not in facts.takeaway, fig_id


def test_the_report_reads_the_warehouse_without_changing_it(built):
    assert digest(built.warehouse) == built.warehouse_digest


def test_the_report_loads_nothing_from_the_network(built):
    html = built.html
    assert "http://" not in html and "https://" not in html
    assert not re.search(
        r"""(?i)\b(src|href|xlink:href|action|poster)\s*=\s*["']?(?![#"'])""", html
    )
    assert not re.search(r"(?i)@import|url\(", html)
    assert not re.search(r"(?i)<(script|link|img|iframe|object|embed|video|audio)\b", html)
    assert "default-src 'none'" in html


def test_the_header_states_lines_customers_date_range_and_the_publishing_run(built):
    lines, customers = built.one(
        "select (select sum(row_count) from transaction_audit), (select count(*) from customer_rfm)"
    )
    first, last = built.one(
        "select min(first_purchase_at)::date, max(last_purchase_at)::date from customer_rfm"
    )
    run_ids = {
        row[0]
        for row in built.rows("select distinct published_by_run_id from warehouse_publication")
    }
    header = next(n for n in parse_html(built.html).walk() if n.tag == "header").all_text()
    assert f"{lines:,}" in header
    assert f"{customers:,}" in header
    assert f"{first:%Y-%m-%d}" in header and f"{last:%Y-%m-%d}" in header
    assert len(run_ids) == 1 and run_ids.pop() in header


# --- every takeaway against recomputed numbers ---------------------------------------


def test_nulls_takeaway_matches_the_column_profile(built):
    column, nulls, share = built.one(
        "select column_name, null_count, null_share from eda_column_profile "
        "order by null_count desc, column_name limit 1"
    )
    (invalid,) = built.one("select sum(invalid_count) from eda_column_profile")
    text = built.takeaway("fig-nulls")
    assert column in text and f"({nulls:,})" in text and pct(share) in text
    assert f"{invalid:,} values do not cast" in text


def test_row_accounting_takeaway_matches_the_audit(built):
    total, kept = built.one(
        "select sum(row_count), sum(row_count) filter (where reason = 'kept') "
        "from transaction_audit"
    )
    reason, lost = built.one(
        "select reason, row_count from transaction_audit where reason <> 'kept' "
        "order by row_count desc, rule_order limit 1"
    )
    text = built.takeaway("fig-row-accounting")
    assert f"{pct(kept / total)} of {total:,} lines are kept" in text
    assert f"{reason.replace('_', ' ')} ({pct(lost / total)})" in text


def test_monthly_takeaway_names_the_peak_month_and_the_median(built):
    month, revenue, customers = built.one(
        "select month, revenue, customers from eda_monthly_sales order by revenue desc limit 1"
    )
    median, months = built.one("select median(revenue), count(*) from eda_monthly_sales")
    text = built.takeaway("fig-monthly-sales")
    assert f"{month:%b %Y} at {float(revenue):,.0f} ({customers:,} customers)" in text
    assert f"{float(median):,.0f} over {months} months" in text


def test_distributions_takeaway_matches_skewness_computed_by_duckdb(built):
    features = ["recency_days", "frequency", "monetary"]
    before = built.one(
        "select " + ", ".join(f"skewness({f}::double)" for f in features) + " from customer_rfm"
    )
    after = built.one(
        "select "
        + ", ".join(f"skewness({f}_transformed)" for f in features)
        + " from customer_segments"
    )
    worst = max(range(3), key=lambda i: abs(before[i]))
    text = built.takeaway("fig-distributions")
    assert text.startswith(f"{features[worst]} is the most skewed (skew {before[worst]:.1f})")
    assert f"it is {after[worst]:.1f}" in text
    assert f"at most {max(abs(a) for a in after):.1f}" in text


FEATURES = [
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
    "avg_order_value",
    "purchase_lines",
    "units",
    "distinct_products",
]


def test_correlations_takeaway_matches_correlations_computed_by_duckdb(built):
    pairs = list(itertools.combinations(FEATURES, 2))
    after = built.one(
        "select "
        + ", ".join(f"corr(ln(1 + {a}::double), ln(1 + {b}::double))" for a, b in pairs)
        + " from customer_rfm"
    )
    before = built.one(
        "select "
        + ", ".join(f"corr({a}::double, {b}::double)" for a, b in pairs)
        + " from customer_rfm"
    )
    strongest = max(range(len(pairs)), key=lambda i: abs(after[i]))
    (a, b), r = pairs[strongest], after[strongest]
    text = built.takeaway("fig-correlations")
    assert text.startswith(
        f"{a} and {b} correlate at {r:.2f} after log1p ({before[strongest]:.2f} before)"
    )
    assert text.endswith("they carry mostly the same signal") == (abs(r) >= 0.8)
    assert built.figures["fig-correlations"].marks == 2 * len(FEATURES) ** 2


def test_outliers_takeaway_matches_tukeys_rule_on_the_lines_and_the_top_lines(built):
    with duckdb.connect(str(work_path(built.warehouse)), read_only=True) as con:
        shares = []
        for column in ("quantity", "unit_price"):
            q1, q3 = con.execute(
                f"select quantile_cont({column}::double, [0.25, 0.75]) "
                "from int_transaction_lines_parsed where parse_error is null"
            ).fetchone()[0]
            low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
            (share,) = con.execute(
                f"select avg(({column} < {low} or {column} > {high})::int) "
                f"from int_transaction_lines_parsed where parse_error is null "
                f"and {column} is not null"
            ).fetchone()
            shares.append((share, column))
        (top,) = con.execute(
            "select sum(v) filter (where n <= top) / sum(v) from (select line_revenue as v, "
            "row_number() over (order by line_revenue desc) as n, "
            "ceil(count(*) over () / 100) as top from int_transactions_kept)"
        ).fetchone()
    share, column = max(shares)
    text = built.takeaway("fig-outliers")
    assert text.startswith(f"{pct(share)} of lines have an outlying {column.replace('_', ' ')}")
    assert text.endswith(f"the top 1% of lines carry {pct(float(top))} of revenue")


def test_elbow_takeaway_matches_the_inertia_curve(built):
    curve = built.rows("select k, inertia, is_knee from cluster_evaluation order by k")
    at = next(i for i, row in enumerate(curve) if row[2])
    k, inertia = curve[at][0], curve[at][1]
    text = built.takeaway("fig-elbow")
    assert text.startswith(f"The elbow is at k={k}")
    if at > 0:
        assert f"falls {pct(1 - inertia / curve[at - 1][1])} from k={curve[at - 1][0]}" in text
    if at + 1 < len(curve):
        assert f"{pct(1 - curve[at + 1][1] / inertia)} to k={curve[at + 1][0]}" in text


def test_silhouette_takeaway_names_the_selected_and_best_k(built):
    k, silhouette = built.one("select k, silhouette from cluster_evaluation where is_selected")
    best_k, _ = built.one(
        "select k, silhouette from cluster_evaluation order by silhouette desc limit 1"
    )
    assert k == best_k
    assert built.takeaway("fig-silhouette").startswith(f"Silhouette picks k={k} ({silhouette:.2f}")


def test_stability_takeaway_matches_the_bootstrap_ari(built):
    k, ari = built.one("select k, stability_ari from cluster_evaluation where is_selected")
    weakest_k, weakest = built.one(
        "select k, stability_ari from cluster_evaluation order by stability_ari, k limit 1"
    )
    text = built.takeaway("fig-stability")
    assert f"k={k} bootstrap refits agree with ARI {ari:.2f}" in text
    assert f"least stable is k={weakest_k} ({weakest:.2f})" in text


def test_pca_takeaway_and_axes_state_the_explained_variance(built):
    ratios = built.rows(
        "select component, any_value(explained_variance_ratio) from pca_components "
        "group by component order by component"
    )
    loadings = built.rows(
        "select feature, loading from pca_components where component = 1 "
        "order by abs(loading) desc limit 2"
    )
    text = built.takeaway("fig-pca")
    assert f"show {pct(ratios[0][1] + ratios[1][1])} of the variance" in text
    for feature, loading in loadings:
        assert f"{feature} ({loading:+.2f})" in text
    figure = built.figures["fig-pca"].text
    assert f"PC1 ({pct(ratios[0][1])} of variance)" in figure
    assert f"PC2 ({pct(ratios[1][1])} of variance)" in figure


def test_pca_points_show_each_customer_and_its_rfm_on_hover(built):
    (customers,) = built.one("select count(*) from customer_segments")
    facts = built.figures["fig-pca"]
    assert facts.marks == customers
    assert f"All {customers:,} customers" in facts.text
    customer_id, recency, frequency, monetary, segment = built.one(
        "select customer_id, recency_days, frequency, monetary, segment_name "
        "from customer_segments join customer_rfm using (customer_id) "
        "order by customer_id limit 1"
    )
    assert (
        f"Customer {customer_id}: {segment}\nRecency {recency:,} days, frequency {frequency:,} "
        f"invoices, monetary {float(monetary):,.2f}"
    ) in facts.text


def test_profiles_takeaway_matches_medians_recomputed_from_customers(built):
    segment, monetary, frequency, recency = built.one(
        "select segment_name, median(monetary::double) as m, median(frequency), "
        "median(recency_days) from customer_segments join customer_rfm using (customer_id) "
        "where cluster_id <> -1 group by segment_name order by m desc limit 1"
    )
    assert built.takeaway("fig-profiles") == (
        f"'{segment}' spends the most: median {monetary:,.0f} over {plain(frequency)} "
        f"invoices, last purchase a median {plain(recency)} days ago"
    )


def test_sizes_takeaway_matches_shares_recomputed_from_customers(built):
    segment, customers, revenue = built.one(
        "select segment_name, count(*) / sum(count(*)) over (), "
        "sum(monetary) / sum(sum(monetary)) over () as revenue "
        "from customer_segments join customer_rfm using (customer_id) "
        "group by segment_name order by revenue desc limit 1"
    )
    assert built.takeaway("fig-sizes") == (
        f"Segment '{segment}' is {pct(customers)} of customers and {pct(float(revenue))} of revenue"
    )


def test_crosstab_takeaway_matches_overlap_recomputed_from_customers(built):
    tops = built.rows(
        "with pairs as (select cluster_id, segment_name, rfm_segment, count(*) as n, "
        "count(*) / sum(count(*)) over (partition by cluster_id) as share "
        "from customer_segments join customer_rfm using (customer_id) "
        "group by cluster_id, segment_name, rfm_segment) "
        "select segment_name, rfm_segment, share from pairs "
        "qualify row_number() over (partition by cluster_id order by share desc, rfm_segment) = 1 "
        "order by share desc, cluster_id"
    )
    purest, mixed = tops[0], tops[-1]
    text = built.takeaway("fig-crosstab")
    assert text.startswith(f"{pct(purest[2])} of '{purest[0]}' are RFM '{purest[1]}'")
    assert f"'{mixed[0]}' is the most mixed (largest group '{mixed[1]}', {pct(mixed[2])})" in text


def swatches(html: str, fig_id: str) -> dict[str, str]:
    """Segment name -> colour as drawn in a figure (legend swatches and row swatches)."""
    figure = next(n for n in parse_html(html).walk() if n.attrs.get("id") == fig_id)
    found = {}
    for node in figure.walk():
        kids = node.children
        for a, b in itertools.pairwise(kids):
            if "swatch" in a.classes():
                colour = a.attrs.get("fill") or a.attrs.get("style", "").split(":")[-1]
                found[b.all_text() if b.tag == "text" else node.all_text()] = colour
        if node.tag == "li" and node.children and "swatch" in node.children[0].classes():
            found[node.all_text()] = node.children[0].attrs["style"].split(":")[-1]
    return found


def test_each_segment_has_one_colour_in_every_figure(built):
    segments = {row[0] for row in built.rows("select distinct segment_name from customer_segments")}
    legend = swatches(built.html, "fig-pca")
    assert set(legend) >= segments
    assert len({legend[s] for s in segments}) == len(segments)
    for fig_id in ("fig-profiles", "fig-sizes", "fig-crosstab"):
        drawn = swatches(built.html, fig_id)
        assert {s: drawn[s] for s in segments} == {s: legend[s] for s in segments}, fig_id


# --- other runs and broken warehouses ------------------------------------------------


def test_a_dbscan_run_with_noise_draws_every_figure_and_states_the_noise(built_dbscan):
    for fig_id, facts in built_dbscan.figures.items():
        assert facts.marks > 0, fig_id
    k, noise = built_dbscan.one("select k, noise_share from cluster_evaluation")
    (unclustered,) = built_dbscan.one("select avg((cluster_id = -1)::int) from customer_segments")
    assert unclustered > 0, "the planted export should leave some customers as noise"
    assert noise == pytest.approx(unclustered)
    assert built_dbscan.takeaway("fig-silhouette").startswith(f"dbscan found k={k} clusters")
    assert f"{pct(unclustered)} of customers are left unclustered" in built_dbscan.takeaway(
        "fig-silhouette"
    )
    assert swatches(built_dbscan.html, "fig-pca")["Outliers (unclustered)"] == "#a3aab5"


def test_a_missing_relation_leaves_its_figure_in_place_saying_why(built, tmp_path):
    warehouse = tmp_path / "partial.duckdb"
    shutil.copy(built.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table segment_rfm_crosstab")
    done = write_report(warehouse, tmp_path / "report.html")
    assert done.returncode == 0, done.stderr
    facts = figure_facts((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert list(facts) == FIGURE_IDS
    assert "missing" in facts["fig-crosstab"].classes
    assert "segment_rfm_crosstab is not in the warehouse" in facts["fig-crosstab"].takeaway
    assert all(facts[f].marks > 0 for f in FIGURE_IDS if f != "fig-crosstab")


def test_the_cli_names_a_missing_warehouse(tmp_path):
    done = write_report(tmp_path / "nowhere.duckdb", tmp_path / "report.html")
    assert done.returncode == 2
    assert "nowhere.duckdb does not exist" in done.stderr
    assert not (tmp_path / "report.html").exists()


# --- in a real browser, offline -------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (apt-get install -y chromium chromium-driver)",
)


@dataclass(frozen=True)
class BrowserLoad:
    dom: str
    console: list[str]
    network_requests: list[str]


def chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    """Headless Chromium on ``page`` with the network cut off: a dead proxy, no DNS."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--hide-scrollbars",
        *extra,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def page_network_requests(net_log: Path) -> list[str]:
    """URLs the page itself asked the network for, from Chromium's NetLog.

    Chromium's own background traffic (updates, time sync) is keyed to no site; requests
    a page makes carry the page's site, here ``file://``, in their isolation key.
    """
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params", {})
        from_the_page = "file://" in params.get("network_isolation_key", "")
        local = params.get("url", "").startswith(("file:", "data:"))
        if event["type"] == start_job and from_the_page and not local:
            urls.append(params["url"])
    return urls


def load_in_chromium(page: Path, folder: Path) -> BrowserLoad:
    net_log = folder / "net.json"
    done = chromium(
        page,
        folder / "profile",
        "--enable-logging=stderr",
        "--v=0",
        f"--log-net-log={net_log}",
        "--dump-dom",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # the report has no script, so any console message (a CSP violation, a blocked or
    # failed load) is an error
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return BrowserLoad(done.stdout, console, page_network_requests(net_log))


def png_size_and_distinct_rows(png: Path) -> tuple[int, int, int]:
    """Width, height and the number of distinct filtered scanlines of a PNG.

    A uniform image (blank page) filters to at most a few distinct scanlines whatever
    filters the encoder picks; a page with text and charts has hundreds.
    """
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    stride = 1 + width * channels * depth // 8
    pixels = zlib.decompress(b"".join(chunks))
    rows = {pixels[i * stride : (i + 1) * stride] for i in range(height)}
    return width, height, len(rows)


@needs_chromium
def test_the_report_renders_offline_in_chromium_with_every_figure_drawn(built, tmp_path):
    load = load_in_chromium(built.report, tmp_path)
    assert load.console == []
    assert load.network_requests == []
    figures = figure_facts(load.dom)
    assert list(figures) == FIGURE_IDS
    for fig_id, facts in figures.items():
        assert facts.marks > 0, f"{fig_id} is blank after load"
        assert facts.marks == built.figures[fig_id].marks, fig_id


@needs_chromium
def test_a_screenshot_of_the_report_is_not_blank(built, tmp_path):
    png = tmp_path / "report.png"
    done = chromium(
        built.report, tmp_path / "profile", f"--screenshot={png}", "--window-size=1400,4000"
    )
    assert done.returncode == 0 and png.exists(), done.stderr[-3000:]
    width, height, distinct = png_size_and_distinct_rows(png)
    assert (width, height) == (1400, 4000)
    assert distinct > 200


@needs_chromium
def test_the_browser_checks_catch_network_loads_console_errors_and_blank_figures(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>bad</title></head><body>"
        '<img src="http://example.invalid/x.png">'
        '<figure class="figure" id="fig-nulls"><svg viewBox="0 0 10 10">'
        '<rect class="mark" x="0" y="0" width="0" height="5"></rect></svg></figure>'
        '<script>console.error("boom")</script></body></html>'
    )
    load = load_in_chromium(page, tmp_path)
    assert load.network_requests == ["http://example.invalid/x.png"]
    assert any("boom" in line for line in load.console)
    assert figure_facts(load.dom)["fig-nulls"].marks == 0
    empty, blank = tmp_path / "empty.html", tmp_path / "blank.png"
    empty.write_text("<!DOCTYPE html><html><head><title>empty</title></head><body></body></html>")
    chromium(empty, tmp_path / "profile2", f"--screenshot={blank}", "--window-size=800,600")
    assert png_size_and_distinct_rows(blank)[2] < 10


#: Run at the end of a copy of the report: every SVG text of every figure, with its CSS
#: font size and the size it renders at (the CSS size times the scale from the SVG's
#: user units to screen pixels), written into the page for --dump-dom to return.
MEASURE_TEXT = """<script>
(() => {
  const found = {window_width: window.innerWidth,
                 body_px: parseFloat(getComputedStyle(document.body).fontSize), texts: []};
  for (const figure of document.querySelectorAll("figure.figure")) {
    for (const text of figure.querySelectorAll("svg text")) {
      const ctm = text.getScreenCTM();
      const css = parseFloat(getComputedStyle(text).fontSize);
      found.texts.push({figure: figure.id, cls: text.getAttribute("class") || "",
                        css_px: css, rendered_px: css * Math.hypot(ctm.a, ctm.b)});
    }
  }
  const out = document.createElement("pre");
  out.id = "measured-text";
  out.textContent = JSON.stringify(found);
  document.body.appendChild(out);
})();
</script>"""

#: The text of an axis: tick values, axis titles and category labels.
AXIS_LABELS = {"tick", "axis-title", "label"}


def rendered_text_sizes(report: Path, folder: Path, width: int) -> dict:
    """Every figure's SVG text as the report renders it in a ``width``-pixel window.

    The report's Content-Security-Policy forbids scripts, so a copy without it (and
    with the measuring script) is loaded; its CSS and SVG are the report's own.
    """
    html = report.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html, count=1)
    page = folder / f"measure-{width}.html"
    page.write_text(html.replace("</body>", MEASURE_TEXT + "</body>"), encoding="utf-8")
    done = chromium(page, folder / f"profile-{width}", f"--window-size={width},3000", "--dump-dom")
    assert done.returncode == 0, done.stderr[-3000:]
    found = re.search(r'<pre id="measured-text">(.*?)</pre>', done.stdout, re.S)
    assert found, "the measuring script did not run"
    return json.loads(html_unescape(found.group(1)))


@needs_chromium
def test_chart_text_renders_at_one_size_at_every_window_width(built, tmp_path):
    # Issue #18: scaled to the column, a 520-wide chart's labels grew to ~19px at 1200px
    # while a 1160-wide chart's shrank to ~8px. Screenshots stay in tmp_path to look at.
    widths = (1000, 1200, 1400, 1600)
    measured = {}
    for width in widths:
        png = tmp_path / f"report-{width}.png"
        shot = chromium(
            built.report, tmp_path / "profile", f"--screenshot={png}", f"--window-size={width},3000"
        )
        assert shot.returncode == 0 and png.exists(), shot.stderr[-3000:]
        assert png_size_and_distinct_rows(png)[:2] == (width, 3000)
        measured[width] = found = rendered_text_sizes(built.report, tmp_path, width)
        assert found["window_width"] == width

        axis = [t for t in found["texts"] if t["cls"] in AXIS_LABELS]
        assert {t["figure"] for t in axis} == set(FIGURE_IDS), "every figure has axis labels"
        sizes = [t["rendered_px"] for t in axis]
        smallest = min(axis, key=lambda t: t["rendered_px"])
        largest = max(axis, key=lambda t: t["rendered_px"])
        # one band across every figure: within 15% of each other ...
        assert largest["rendered_px"] <= 1.15 * smallest["rendered_px"], (width, smallest, largest)
        # ... and beside the body text: smaller, as chart labels are, but never tiny
        body = found["body_px"]
        assert 0.7 * body <= min(sizes) and max(sizes) <= body, (width, body, smallest, largest)

    # every text of every chart (titles, values, cells too) at the same size at every
    # width, the size its CSS gives it: nothing is scaled to the column
    first = measured[widths[0]]["texts"]
    for width in widths:
        texts = measured[width]["texts"]
        assert len(texts) == len(first)
        for text, at_first in zip(texts, first, strict=True):
            assert text["rendered_px"] == pytest.approx(text["css_px"], rel=0.01), (width, text)
            assert text["rendered_px"] == pytest.approx(at_first["rendered_px"], rel=0.01)
