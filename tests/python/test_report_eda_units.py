"""The exploratory figures' pure parts on hand-made relations: takeaways, cells, panels.

Like test_report_units.py: small frames whose answers can be worked out by hand,
including what a default build never produces (a constant feature, no transform,
clipping, outliers on both sides, a missing relation).
"""

from __future__ import annotations

import math

import pandas as pd
from test_report_units import figure_facts, tiny_frames

from segmentation.report import build_report
from segmentation.report import takeaways as tk
from segmentation.report.data import from_frames
from segmentation.report.eda_figures import (
    correlation_cells,
    correlations_figure,
    outliers_figure,
    transformed_title,
)
from segmentation.report.figures import segment_table


def correlation_frame(
    raw: dict[tuple[str, str], float],
    transformed: dict[tuple[str, str], float],
    transform: str = "log1p",
) -> pd.DataFrame:
    """A long matrix of features a, b, c from the upper triangles given (diagonal 1)."""
    features = ["a", "b", "c"]
    rows = []
    for stage, upper in (("raw", raw), ("transformed", transformed)):
        for i, x in enumerate(features):
            for j, y in enumerate(features):
                r = 1.0 if i == j else upper.get((x, y), upper.get((y, x), math.nan))
                rows.append(
                    {
                        "stage": stage,
                        "feature_a": x,
                        "feature_b": y,
                        "position_a": i + 1,
                        "position_b": j + 1,
                        "transform_a": "none" if stage == "raw" else transform,
                        "transform_b": "none" if stage == "raw" else transform,
                        "customers": 100,
                        "pearson": r,
                        "spearman": r,
                    }
                )
    return pd.DataFrame(rows)


RAW = {("a", "b"): 0.62, ("a", "c"): -0.10, ("b", "c"): 0.30}
AFTER = {("a", "b"): 0.91, ("a", "c"): -0.20, ("b", "c"): 0.45}


# --- correlation takeaway ---------------------------------------------------------------


def test_correlation_takeaway_names_the_strongest_pair_after_the_transform_and_before():
    assert tk.correlation_takeaway(correlation_frame(RAW, AFTER)) == (
        "a and b correlate at 0.91 after log1p (0.62 before), the strongest pair: they "
        "carry mostly the same signal"
    )


def test_a_strong_negative_pair_wins_and_a_weak_one_is_not_called_the_same_signal():
    negative = {("a", "b"): 0.30, ("a", "c"): -0.85, ("b", "c"): 0.10}
    assert tk.correlation_takeaway(correlation_frame(RAW, negative)) == (
        "a and c correlate at -0.85 after log1p (-0.10 before), the strongest pair: they "
        "carry mostly the same signal"
    )
    weak = {("a", "b"): 0.30, ("a", "c"): -0.20, ("b", "c"): 0.45}
    assert tk.correlation_takeaway(correlation_frame(RAW, weak)) == (
        "b and c correlate at 0.45 after log1p (0.30 before), the strongest pair"
    )


def test_equally_strong_pairs_go_to_the_earlier_features():
    tied = {("a", "b"): 0.5, ("a", "c"): 0.5, ("b", "c"): -0.5}
    assert tk.correlation_takeaway(correlation_frame(RAW, tied)).startswith(
        "a and b correlate at 0.50"
    )


def test_correlation_takeaway_says_how_the_pair_was_transformed():
    clipped = tk.correlation_takeaway(correlation_frame(RAW, AFTER, "clip, log1p"))
    assert "0.91 after clipping and log1p (0.62 before)" in clipped
    untransformed = tk.correlation_takeaway(correlation_frame(RAW, RAW, "none"))
    assert untransformed == "a and b correlate at 0.62, the strongest pair"


def test_correlation_takeaway_with_only_undefined_correlations_says_so():
    constant = correlation_frame({}, {})
    assert tk.correlation_takeaway(constant).startswith("No pair of features has a defined")


def test_transform_phrases_and_share_labels():
    assert tk.transform_phrase("log1p", "log1p") == "after log1p"
    assert tk.transform_phrase("log1p", "none") == "after the clustering transform"
    assert tk.share_label(0.01) == "1%"
    assert tk.share_label(0.005) == "0.5%"


# --- outlier takeaway -------------------------------------------------------------------


def outlier_frame(**changes) -> pd.DataFrame:
    frame = tiny_frames()["eda_outliers"]
    return frame.assign(**changes) if changes else frame


def test_outlier_takeaway_names_the_most_outlying_line_column_and_the_top_lines():
    frames = tiny_frames()
    assert tk.outlier_takeaway(frames["eda_outliers"], frames["eda_line_relationships"]) == (
        "2.3% of lines have an outlying quantity (above 27 units); the top 1% of lines "
        "carry 18.2% of revenue"
    )


def test_outlier_takeaway_says_which_side_the_outliers_are_on():
    both = outlier_frame(outliers_below=[4, 0, 0])
    assert "(outside -13 to 27 units)" in tk.outlier_takeaway(both, None)
    below = outlier_frame(outliers_below=[23, 0, 0], outliers_above=[0, 12, 0])
    assert "(below -13 units)" in tk.outlier_takeaway(below, None)
    price = outlier_frame(outlier_share=[0.001, 0.012, 0.0])
    assert tk.outlier_takeaway(price, None) == (
        "1.2% of lines have an outlying unit price (above 8.5)"
    )


def test_outlier_takeaway_without_outliers_or_top_lines_says_so():
    none = outlier_frame(outliers=0, outlier_share=0.0, outliers_above=0)
    assert tk.outlier_takeaway(none, None) == (
        "No line has an outlying quantity or unit price (Tukey's fences)"
    )


# --- figures ----------------------------------------------------------------------------


def test_correlation_cells_print_pearson_and_shade_by_its_size():
    cells = correlation_cells(correlation_frame(RAW, AFTER), "transformed")
    assert [[c.content for c in row] for row in cells] == [
        ["1.00", "0.91", "-0.20"],
        ["0.91", "1.00", "0.45"],
        ["-0.20", "0.45", "1.00"],
    ]
    assert cells[0][2].shade == 0.2
    assert cells[0][1].tip == "a x b (transformed): Pearson 0.91, Spearman 0.91, 100 customers"


def test_an_undefined_correlation_is_an_unshaded_n_a_cell():
    cells = correlation_cells(correlation_frame({("a", "b"): 0.5}, AFTER), "raw")
    assert cells[0][2].content == "n/a" and cells[0][2].shade is None
    assert "Pearson undefined" in cells[0][2].tip


def test_the_transformed_panel_is_titled_with_the_transforms_used():
    assert transformed_title(correlation_frame(RAW, AFTER)) == "After: log1p, as clustered"
    assert transformed_title(correlation_frame(RAW, RAW, "none")).startswith("After: no transform")


def test_the_heatmap_draws_both_matrices_side_by_side_in_one_wide_svg():
    frames = tiny_frames()
    data = from_frames(frames)
    figure = correlations_figure(data, segment_table(data))
    assert figure.chart.count("<svg") == 1 and 'viewBox="0 0 1160 ' in figure.chart
    assert figure.chart.count('class="mark"') == 2 * 3 * 3
    assert "Before: customer_rfm, original units" in figure.chart
    assert "After: log1p, as clustered" in figure.chart


def test_the_outliers_panel_has_a_bar_per_column_and_the_line_relationships_in_its_note():
    data = from_frames(tiny_frames())
    figure = outliers_figure(data, segment_table(data))
    for label in ("line quantity", "line unit_price", "monetary"):
        assert f">{label}</text>" in figure.chart
    assert "quantity and unit price correlate at -0.12 (Pearson) and -0.31 (Spearman)" in (
        figure.note
    )


def test_without_the_eda_relations_their_figures_say_why_and_the_rest_draw():
    frames = tiny_frames()
    del frames["eda_outliers"]
    frames["eda_feature_correlations"] = frames["eda_feature_correlations"].drop(columns="spearman")
    facts = figure_facts(build_report(from_frames(frames)))
    assert "eda_outliers is not in the warehouse" in facts["fig-outliers"].takeaway
    assert "eda_feature_correlations has no column spearman" in facts["fig-correlations"].takeaway
    assert facts["fig-outliers"].svgs == 0 and facts["fig-correlations"].svgs == 0
    assert all(
        f.marks > 0 for k, f in facts.items() if k not in {"fig-outliers", "fig-correlations"}
    )
