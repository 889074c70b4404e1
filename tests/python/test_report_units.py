"""The report's pure parts on hand-made relations: takeaways, colours, sampling, SVG, HTML.

The end-to-end tests (test_report.py) build a real warehouse with dbt; these pin the
rules with small frames whose answers can be worked out by hand, including the cases a
default build never produces (DBSCAN, n_clusters overriding the silhouette, a missing
relation, no stability). The HTML helpers at the bottom are shared with test_report.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from segmentation.report import build_report, fmt, history_figures
from segmentation.report import takeaways as tk
from segmentation.report.data import from_frames
from segmentation.report.figures import (
    NOISE_COLOUR,
    PALETTE,
    build_figures,
    scatter_sample,
    segment_colours,
)
from segmentation.report.svg import nice_domain, ticks

FIGURE_IDS = [
    "fig-nulls",
    "fig-row-accounting",
    "fig-monthly-sales",
    "fig-distributions",
    "fig-correlations",
    "fig-outliers",
    "fig-elbow",
    "fig-silhouette",
    "fig-stability",
    "fig-pca",
    "fig-profiles",
    "fig-sizes",
    "fig-crosstab",
    "fig-segments-over-time",
    "fig-migration-learned",
    "fig-migration-rfm",
]


# --- HTML helpers (also used by test_report.py) -------------------------------------

VOID = {"meta", "link", "br", "img", "input", "hr", "source", "wbr", "base", "col"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def all_text(self) -> str:
        return "".join(t for node in self.walk() for t in node.text)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].text.append(data)


def parse_html(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


@dataclass(frozen=True)
class FigureFacts:
    classes: set[str]
    svgs: int
    marks: int
    takeaway: str
    text: str


def is_drawn_mark(node: Node) -> bool:
    """A data mark (class "mark") with a visible size: not a zero-width bar or dot."""
    if "mark" not in node.classes():
        return False
    sizes = {"rect": ("width", "height"), "circle": ("r",)}.get(node.tag, ())
    return all(float(node.attrs.get(a, "0") or 0) > 0 for a in sizes)


def figure_facts(html: str) -> dict[str, FigureFacts]:
    """Per element with class "figure": its svg count, drawn data marks and takeaway text."""
    facts = {}
    for node in parse_html(html).walk():
        if "figure" in node.classes():
            svgs = [n for n in node.walk() if n.tag == "svg"]
            marks = sum(1 for s in svgs for n in s.walk() if is_drawn_mark(n))
            takeaway = next((n.all_text() for n in node.walk() if "takeaway" in n.classes()), "")
            facts[node.attrs.get("id", "")] = FigureFacts(
                node.classes(), len(svgs), marks, unescape(takeaway), node.all_text()
            )
    return facts


# --- hand-made relations ------------------------------------------------------------


def tiny_frames(
    algorithm: str = "kmeans", noise: bool = False, customers: int = 60
) -> dict[str, pd.DataFrame]:
    """A complete, small, consistent set of the relations the report reads."""
    rng = np.random.default_rng(0)
    ids = np.arange(1000, 1000 + customers)
    cluster = np.arange(customers) % 3
    if noise:
        cluster[:6] = -1
    names = {-1: "Outliers (unclustered)", 0: "Big <spenders> & co", 1: "Regulars", 2: "Lost"}
    rfm = pd.DataFrame(
        {
            "customer_id": ids,
            "recency_days": rng.integers(1, 365, customers),
            "frequency": rng.integers(1, 30, customers),
            "monetary": rng.uniform(10, 5000, customers).round(2),
            "rfm_segment": np.where(cluster == 0, "Champions", "Hibernating"),
        }
    )
    segments = pd.DataFrame(
        {
            "customer_id": ids,
            "cluster_id": cluster,
            "segment_name": [names[c] for c in cluster],
            "pca_1": rng.normal(size=customers) + cluster,
            "pca_2": rng.normal(size=customers),
            "recency_days_transformed": rng.normal(size=customers),
            "frequency_transformed": rng.normal(size=customers),
            "monetary_transformed": rng.normal(size=customers),
        }
    )
    joined = segments.merge(rfm, on="customer_id")
    grouped = joined.groupby(["cluster_id", "segment_name"], as_index=False)
    profiles = grouped.agg(
        customers=("customer_id", "size"),
        revenue=("monetary", "sum"),
        mean_recency_days=("recency_days", "mean"),
        median_recency_days=("recency_days", "median"),
        mean_frequency=("frequency", "mean"),
        median_frequency=("frequency", "median"),
        mean_monetary=("monetary", "mean"),
        median_monetary=("monetary", "median"),
    )
    profiles["share_of_customers"] = profiles["customers"] / customers
    profiles["share_of_revenue"] = profiles["revenue"] / profiles["revenue"].sum()
    crosstab = joined.groupby(["cluster_id", "segment_name", "rfm_segment"], as_index=False).agg(
        customers=("customer_id", "size")
    )
    crosstab["share_of_segment"] = crosstab["customers"] / crosstab.groupby("cluster_id")[
        "customers"
    ].transform("sum")
    if algorithm == "dbscan":
        evaluation = pd.DataFrame(
            {
                "algorithm": ["dbscan"],
                "k": [3],
                "inertia": [50.0],
                "silhouette": [0.41],
                "stability_ari": [0.93],
                "is_knee": [False],
                "is_selected": [True],
                "noise_share": [0.1 if noise else 0.0],
            }
        )
    else:
        evaluation = pd.DataFrame(
            {
                "algorithm": algorithm,
                "k": [2, 3, 4, 5],
                "inertia": [100.0, 40.0, 30.0, 25.0],
                "silhouette": [0.40, 0.62, 0.50, 0.45],
                "stability_ari": [0.99, 0.97, 0.80, 0.70],
                "is_knee": [False, True, False, False],
                "is_selected": [False, True, False, False],
                "noise_share": 0.0,
            }
        )
    components = pd.DataFrame(
        {
            "component": [1, 1, 1, 2, 2, 2],
            "explained_variance_ratio": [0.6, 0.6, 0.6, 0.3, 0.3, 0.3],
            "feature": ["frequency", "monetary", "recency_days"] * 2,
            "loading": [0.7, 0.6, -0.3, 0.1, 0.2, 0.95],
        }
    )
    features = ["recency_days", "frequency", "monetary"]
    transformed = rfm[features].astype(float).apply(lambda c: np.log1p(c))
    correlations = pd.DataFrame(
        [
            {
                "stage": stage,
                "feature_a": a,
                "feature_b": b,
                "position_a": i + 1,
                "position_b": j + 1,
                "transform_a": "none" if stage == "raw" else "log1p",
                "transform_b": "none" if stage == "raw" else "log1p",
                "customers": customers,
                "pearson": frame[a].corr(frame[b]),
                "spearman": frame[a].corr(frame[b], method="spearman"),
            }
            for stage, frame in (("raw", rfm[features].astype(float)), ("transformed", transformed))
            for i, a in enumerate(features)
            for j, b in enumerate(features)
        ]
    )
    outliers = pd.DataFrame(
        {
            "source": ["lines", "lines", "customers"],
            "column_name": ["quantity", "unit_price", "monetary"],
            "column_position": [1, 2, 3],
            "value_count": [995, 1000, customers],
            "q1": [2.0, 1.25, 800.0],
            "median": [6.0, 2.1, 2400.0],
            "q3": [12.0, 4.15, 3800.0],
            "lower_fence": [-13.0, -3.1, -3700.0],
            "upper_fence": [27.0, 8.5, 8300.0],
            "lower_far_fence": [-28.0, -7.45, -8200.0],
            "upper_far_fence": [42.0, 12.85, 12800.0],
            "outliers_below": [0, 0, 0],
            "outliers_above": [23, 12, 0],
            "outliers": [23, 12, 0],
            "outlier_share": [23 / 995, 0.012, 0.0],
            "far_outliers": [9, 3, 0],
            "far_outlier_share": [9 / 995, 0.003, 0.0],
        }
    )
    line_relationships = pd.DataFrame(
        {
            "kept_lines": [830],
            "quantity_unit_price_pearson": [-0.12],
            "quantity_unit_price_spearman": [-0.31],
            "top_lines_share": [0.01],
            "top_lines": [9],
            "top_lines_revenue_share": [0.182],
        }
    )
    return {
        "eda_feature_correlations": correlations,
        "eda_outliers": outliers,
        "eda_line_relationships": line_relationships,
        "transaction_audit": pd.DataFrame(
            {
                "rule_order": range(1, 9),
                "reason": [
                    "malformed",
                    "missing_customer_id",
                    "duplicate",
                    "cancellation",
                    "non_positive_quantity",
                    "non_positive_price",
                    "non_product_code",
                    "kept",
                ],
                "row_count": [5, 140, 8, 12, 0, 3, 2, 830],
            }
        ),
        "eda_column_profile": pd.DataFrame(
            {
                "column_name": ["invoice_no", "quantity", "customer_id"],
                "null_count": [0, 0, 140],
                "invalid_count": [0, 5, 0],
                "null_share": [0.0, 0.0, 0.14],
            }
        ),
        "eda_monthly_sales": pd.DataFrame(
            {
                "month": pd.to_datetime(["2011-01-01", "2011-02-01", "2011-03-01"]),
                "invoices": [10, 30, 20],
                "customers": [5, 12, 9],
                "revenue": [1000.0, 3500.4, 2000.0],
            }
        ),
        "customer_rfm": rfm,
        "customer_segments": segments,
        "cluster_evaluation": evaluation,
        "pca_components": components,
        "segment_profiles": profiles,
        "segment_rfm_crosstab": crosstab,
        "segment_migration": tiny_migration(names),
    }


def tiny_migration(names: dict[int, str]) -> pd.DataFrame:
    """Three as-of dates: 10 customers on 1 January, 14 on 1 February, 15 on 1 March."""
    big, regular, lost = names[0], names[1], names[2]
    jan, feb, mar = (pd.Timestamp(d) for d in ("2011-01-01", "2011-02-01", "2011-03-01"))
    rows = [
        ("segment_name", jan, feb, big, big, 4, 4000.0),
        ("segment_name", jan, feb, regular, regular, 6, 600.0),
        ("segment_name", jan, feb, "(none)", regular, 4, 80.0),
        ("segment_name", feb, mar, big, big, 3, 3500.0),
        ("segment_name", feb, mar, big, lost, 1, 900.0),
        ("segment_name", feb, mar, regular, regular, 8, 800.0),
        ("segment_name", feb, mar, regular, lost, 2, 150.0),
        ("segment_name", feb, mar, "(none)", big, 1, 20.0),
        ("rfm_segment", jan, feb, "Champions", "Champions", 10, 4600.0),
        ("rfm_segment", jan, feb, "(none)", "Hibernating", 4, 80.0),
        ("rfm_segment", feb, mar, "Champions", "Champions", 10, 4400.0),
        ("rfm_segment", feb, mar, "Hibernating", "Hibernating", 4, 900.0),
        ("rfm_segment", feb, mar, "(none)", "Hibernating", 1, 20.0),
    ]
    columns = [
        "segment_kind", "from_as_of_date", "to_as_of_date", "from_segment", "to_segment",
        "customers", "revenue",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


# --- takeaways ---------------------------------------------------------------------


def test_segment_sizes_over_time_are_read_off_the_migration_and_its_takeaway_names_the_movers():
    migration = tiny_frames()["segment_migration"]
    sizes = history_figures.segment_sizes(migration, "segment_name")
    assert sizes.to_dict("index") == {
        pd.Timestamp("2011-01-01"): {"Big <spenders> & co": 4, "Lost": 0, "Regulars": 6},
        pd.Timestamp("2011-02-01"): {"Big <spenders> & co": 4, "Lost": 0, "Regulars": 10},
        pd.Timestamp("2011-03-01"): {"Big <spenders> & co": 4, "Lost": 3, "Regulars": 8},
    }
    assert history_figures.sizes_takeaway(sizes, "segment_name") == (
        "From 2011-02-01 to 2011-03-01, 'Lost' grew most (+3 to 3 customers) and 'Regulars' "
        "shrank most (-2 to 8)."
    )
    assert history_figures.sizes_takeaway(sizes.iloc[:1], "segment_name").startswith(
        "One as-of date only"
    )


def test_migration_takeaway_names_the_move_that_carried_the_most_past_revenue():
    migration = tiny_frames()["segment_migration"]
    latest = history_figures.latest_moves(migration, "segment_name")
    assert history_figures.migration_takeaway(latest) == (
        "1 'Big <spenders> & co' customers became 'Lost' between 2011-02-01 and 2011-03-01, "
        "carrying 900.00 of past revenue (3 customers changed segment in all)."
    )
    stayed = history_figures.latest_moves(migration, "rfm_segment")
    assert history_figures.migration_takeaway(stayed) == (
        "From 2011-02-01 to 2011-03-01 every customer stayed in their segment (new ones aside)."
    )


def test_null_takeaway_names_the_emptiest_column_and_counts_invalid_values():
    profile = tiny_frames()["eda_column_profile"]
    assert tk.null_takeaway(profile) == (
        "customer_id is empty on 14.0% of lines (140), the only column with empty values; "
        "5 values do not cast to their type"
    )
    clean = profile.assign(null_count=0, null_share=0.0)
    assert tk.null_takeaway(clean).startswith("No raw column has empty values")


def test_accounting_takeaway_states_the_kept_share_and_the_biggest_loss():
    audit = tiny_frames()["transaction_audit"]
    assert tk.accounting_takeaway(audit) == (
        "83.0% of 1,000 lines are kept; the biggest loss is missing customer id (14.0%)"
    )


def test_monthly_takeaway_names_the_peak_month_and_the_median_month():
    monthly = tiny_frames()["eda_monthly_sales"]
    assert tk.monthly_takeaway(monthly) == (
        "Revenue peaks in Feb 2011 at 3,500 (12 customers); the median month brings 2,000 "
        "over 3 months"
    )


def test_elbow_takeaway_reports_the_drop_into_and_out_of_the_knee():
    evaluation = tiny_frames()["cluster_evaluation"]
    assert tk.elbow_takeaway(evaluation) == (
        "The elbow is at k=3: inertia falls 60.0% from k=2, then only 25.0% to k=4"
    )
    no_knee = evaluation.assign(is_knee=False)
    assert tk.elbow_takeaway(no_knee) == "Inertia falls from k=2 to k=5 without a clear elbow"


def test_silhouette_takeaway_picks_the_best_k_and_compares_the_elbow():
    evaluation = tiny_frames()["cluster_evaluation"]
    assert tk.silhouette_takeaway(evaluation) == (
        "Silhouette picks k=3 (0.62, well separated); the elbow agrees. The segments are "
        "well separated groups."
    )


def test_silhouette_takeaway_says_why_a_better_scoring_k_was_not_chosen():
    evaluation = tiny_frames()["cluster_evaluation"].assign(
        is_selected=[False, False, True, False],
        is_eligible=[True, False, True, True],
        smallest_segment_share=[0.2, 0.012, 0.1, 0.05],
        selection_reason=[None, None, "best silhouette among eligible k", None],
    )
    assert tk.silhouette_takeaway(evaluation) == (
        "Silhouette picks k=4 (0.50, well separated), the best among the k whose every "
        "segment is big enough; k=3 scores 0.62 but its smallest segment holds only 1.2% of "
        "customers; the elbow is at k=3. The segments are well separated groups."
    )


def test_silhouette_takeaway_says_when_n_clusters_overrode_the_best_k():
    evaluation = tiny_frames()["cluster_evaluation"].assign(
        is_selected=[False, False, False, True],
        selection_reason=[None, None, None, "var n_clusters = 5"],
    )
    assert tk.silhouette_takeaway(evaluation) == (
        "k=5 was fixed by n_clusters (silhouette 0.45, usable); the best silhouette is at "
        "k=3 (0.62)"
    )


def test_dbscan_single_row_evaluation_gives_takeaways_without_a_sweep():
    evaluation = tiny_frames("dbscan", noise=True)["cluster_evaluation"]
    assert tk.elbow_takeaway(evaluation) == (
        "dbscan found k=3 clusters in one fit (inertia 50); without a k sweep there is no elbow"
    )
    assert tk.silhouette_takeaway(evaluation) == (
        "dbscan found k=3 clusters with silhouette 0.41 (usable); 10.0% of customers are "
        "left unclustered"
    )
    assert tk.stability_takeaway(evaluation) == (
        "At the selected k=3 bootstrap refits agree with ARI 0.93 (stable)"
    )


def test_stability_takeaway_names_the_least_stable_k_or_says_it_was_not_measured():
    evaluation = tiny_frames()["cluster_evaluation"]
    assert tk.stability_takeaway(evaluation) == (
        "At the selected k=3 bootstrap refits agree with ARI 0.97 (stable); the least stable "
        "is k=5 (0.70)"
    )
    unmeasured = evaluation.assign(stability_ari=np.nan)
    assert tk.stability_takeaway(unmeasured) == (
        "Stability was not measured (cluster_stability_resamples is 0)"
    )


def test_pca_takeaway_states_the_variance_shown_and_the_heaviest_loadings():
    components = tiny_frames()["pca_components"]
    assert tk.pca_takeaway(components) == (
        "PC1 and PC2 show 90.0% of the variance; PC1 weighs mostly frequency (+0.70) and "
        "monetary (+0.60)"
    )


def test_size_and_profile_takeaways_leave_dbscan_noise_out_of_the_profile_pick():
    frames = tiny_frames("dbscan", noise=True)
    profiles = frames["segment_profiles"]
    real = profiles[profiles["cluster_id"] != -1]
    richest = real.loc[real["median_monetary"].idxmax()]
    assert tk.profile_takeaway(profiles).startswith(
        f"'{richest['segment_name']}' spends the most: median "
        f"{fmt.amount(richest['median_monetary'])}"
    )
    top = profiles.loc[profiles["share_of_revenue"].idxmax()]
    assert tk.size_takeaway(profiles) == (
        f"Segment '{top['segment_name']}' is {100 * top['share_of_customers']:.1f}% of "
        f"customers and {100 * top['share_of_revenue']:.1f}% of revenue"
    )


def test_skew_table_compares_each_feature_before_and_after_its_transform():
    frames = tiny_frames()
    skews = tk.skew_table(frames["customer_rfm"], frames["customer_segments"])
    assert skews["feature"].tolist() == ["recency_days", "frequency", "monetary"]
    assert skews.loc[1, "skew_before"] == pytest.approx(frames["customer_rfm"]["frequency"].skew())


# --- colours, sampling, scales, formatting ------------------------------------------


def test_segment_colours_are_fixed_by_cluster_id_and_noise_is_grey():
    colours = segment_colours([2, -1, 0, 1])
    assert colours == {-1: NOISE_COLOUR, 0: PALETTE[0], 1: PALETTE[1], 2: PALETTE[2]}
    assert segment_colours([0, 1, 2]) == {0: PALETTE[0], 1: PALETTE[1], 2: PALETTE[2]}


def test_scatter_is_capped_at_a_seeded_sample_and_the_caption_says_so():
    frames = tiny_frames(customers=12_000)
    first = scatter_sample(frames["customer_segments"])
    again = scatter_sample(frames["customer_segments"])
    assert len(first) == 5000
    assert first["customer_id"].tolist() == again["customer_id"].tolist()
    pca = next(f for f in build_figures(from_frames(frames)) if f.id == "fig-pca")
    assert pca.chart.count('class="mark"') == 5000
    assert "A seeded random sample of 5,000 of 12,000 customers" in pca.note


def test_nice_ticks_are_round_and_inside_the_domain():
    assert nice_domain(0, 910_289.52) == (0, 1_000_000)
    assert ticks(0, 1_000_000) == [0, 200_000, 400_000, 600_000, 800_000, 1_000_000]
    assert ticks(0.71, 17_620.2, 4) == [5000, 10000, 15000]
    assert nice_domain(3.0, 3.0) == pytest.approx((2.6, 3.4))


def test_number_formats_read_the_same_everywhere():
    assert fmt.count(28339) == "28,339"
    assert fmt.percent(0.14009) == "14.0%"
    assert fmt.amount(910289.52) == "910,290"
    assert fmt.plain(11.0) == "11"
    assert fmt.plain(27.5) == "27.5"
    assert fmt.fixed(-0.001) == "0.00"
    assert fmt.signed(0.678) == "+0.68"
    assert fmt.short(1_200_000) == "1.2M"
    assert fmt.short(0.25) == "0.25"


# --- figures and page ---------------------------------------------------------------


def test_every_figure_has_marks_when_all_relations_are_present():
    for noise, algorithm in ((False, "kmeans"), (True, "dbscan")):
        html = build_report(from_frames(tiny_frames(algorithm, noise=noise)))
        facts = figure_facts(html)
        assert list(facts) == FIGURE_IDS
        for fig_id, fact in facts.items():
            assert fact.svgs == 1 and fact.marks > 0, fig_id


def test_a_figure_whose_relation_is_absent_says_why_and_the_rest_still_draw():
    frames = tiny_frames()
    del frames["segment_rfm_crosstab"]
    frames["pca_components"] = frames["pca_components"].drop(columns="loading")
    facts = figure_facts(build_report(from_frames(frames)))
    assert "missing" in facts["fig-crosstab"].classes
    assert facts["fig-crosstab"].svgs == 0
    assert "segment_rfm_crosstab is not in the warehouse" in facts["fig-crosstab"].takeaway
    assert "pca_components has no column loading" in facts["fig-pca"].takeaway
    for fig_id in set(FIGURE_IDS) - {"fig-crosstab", "fig-pca"}:
        assert facts[fig_id].marks > 0, fig_id


def test_segment_names_and_values_are_escaped_in_the_html():
    html = build_report(from_frames(tiny_frames()))
    assert "<spenders>" not in html
    assert "Big &lt;spenders&gt; &amp; co" in html


def test_the_page_has_a_toc_entry_for_every_figure_and_forbids_every_load():
    html = build_report(from_frames(tiny_frames()))
    for fig_id in FIGURE_IDS:
        assert f'href="#{fig_id}"' in html
    assert re.search(r"Content-Security-Policy\" content=\"default-src 'none';", html)
    assert "<script" not in html


def test_the_header_names_the_publishing_build_and_what_it_carried_over():
    frames = tiny_frames()
    frames["warehouse_publication"] = pd.DataFrame(
        {
            "relation": ["customer_rfm", "customer_segments", "transaction_audit"],
            "rebuilt": [True, True, False],
            "dbt_run_id": ["run-b", "run-b", "run-a"],
            "published_by_run_id": ["run-b"] * 3,
            "published_at": [pd.Timestamp("2026-11-30 08:00", tz="UTC")] * 3,
        }
    )
    html = build_report(from_frames(frames))
    header = html[html.index("<header") : html.index("</header>")]
    assert "published by dbt run <code>run-b</code> at 2026-11-30 08:00 UTC" in header
    assert "That build rebuilt 2 of the 3 relations; the other 1 are" in header
    frames["warehouse_publication"]["rebuilt"] = True
    html = build_report(from_frames(frames))
    assert "That build rebuilt" not in html[html.index("<header") : html.index("</header>")]
