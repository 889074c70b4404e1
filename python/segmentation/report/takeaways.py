"""One-line takeaways computed from the relations: DataFrame in, sentence out.

Each function reads only the columns the contract names and says what the figure
shows in numbers (never fixed text). Segment names are quoted with single quotes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from segmentation.report import fmt

NOISE_ID = -1
#: README "Reading cluster_evaluation": silhouette above ~0.5 well separated, 0.25-0.5 usable.
SILHOUETTE_WELL_SEPARATED = 0.5
SILHOUETTE_USABLE = 0.25
#: README: stability_ari above ~0.9 means the same clusters come back on every refit.
STABLE_ARI = 0.9


def silhouette_quality(silhouette: float) -> str:
    """The README's reading of a silhouette value."""
    if silhouette >= SILHOUETTE_WELL_SEPARATED:
        return "well separated"
    if silhouette >= SILHOUETTE_USABLE:
        return "usable"
    return "weak"


def reason_label(reason: str) -> str:
    """``missing_customer_id`` -> ``missing customer id``."""
    return reason.replace("_", " ")


def null_takeaway(profile: pd.DataFrame) -> str:
    """The raw column with the most empty values, and how many values do not cast."""
    invalid = int(profile["invalid_count"].sum())
    tail = f"{fmt.count(invalid)} values do not cast to their type"
    top = profile.sort_values(["null_count", "column_name"], ascending=[False, True]).iloc[0]
    if top["null_count"] == 0:
        return f"No raw column has empty values; {tail}"
    others = int((profile["null_count"] > 0).sum()) - 1
    where = "the only column with empty values" if others == 0 else "the emptiest column"
    return (
        f"{top['column_name']} is empty on {fmt.percent(top['null_share'])} of lines "
        f"({fmt.count(top['null_count'])}), {where}; {tail}"
    )


def accounting_takeaway(audit: pd.DataFrame) -> str:
    """The kept share of all lines and the largest rejection reason."""
    total = audit["row_count"].sum()
    if total == 0:
        return "The export has no data lines"
    kept = audit.loc[audit["reason"] == "kept", "row_count"].sum()
    rejected = audit[(audit["reason"] != "kept") & (audit["row_count"] > 0)]
    head = f"{fmt.percent(kept / total)} of {fmt.count(total)} lines are kept"
    if rejected.empty:
        return f"{head}; none is rejected"
    worst = rejected.sort_values(["row_count", "rule_order"], ascending=[False, True]).iloc[0]
    return (
        f"{head}; the biggest loss is {reason_label(worst['reason'])} "
        f"({fmt.percent(worst['row_count'] / total)})"
    )


def monthly_takeaway(monthly: pd.DataFrame) -> str:
    """The peak revenue month against the median month."""
    if monthly.empty:
        return "No kept purchases, so no monthly sales"
    peak = monthly.sort_values(["revenue", "month"], ascending=[False, True]).iloc[0]
    return (
        f"Revenue peaks in {fmt.month(peak['month'])} at {fmt.amount(peak['revenue'])} "
        f"({fmt.count(peak['customers'])} customers); the median month brings "
        f"{fmt.amount(monthly['revenue'].median())} over {len(monthly)} months"
    )


def transformed_features(segments: pd.DataFrame) -> list[str]:
    """Features clustered on: ``<feature>`` for every ``<feature>_transformed`` column."""
    suffix = "_transformed"
    return [c[: -len(suffix)] for c in segments.columns if c.endswith(suffix)]


def skew_table(rfm: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Per clustering feature: sample skewness before (customer_rfm) and after the transform.

    Returns columns feature, skew_before, skew_after (pandas' bias-corrected skew).
    """
    rows = []
    for feature in transformed_features(segments):
        before = (
            pd.to_numeric(rfm[feature], errors="coerce").skew()
            if feature in rfm.columns
            else math.nan
        )
        after = pd.to_numeric(segments[f"{feature}_transformed"], errors="coerce").skew()
        rows.append({"feature": feature, "skew_before": before, "skew_after": after})
    return pd.DataFrame(rows, columns=["feature", "skew_before", "skew_after"])


def distribution_takeaway(skews: pd.DataFrame) -> str:
    """The most skewed feature before the transform and what the transform left."""
    known = skews.dropna(subset=["skew_before", "skew_after"])
    if known.empty:
        return "No transformed features to compare"
    worst = known.loc[known["skew_before"].abs().idxmax()]
    largest_after = known["skew_after"].abs().max()
    return (
        f"{worst['feature']} is the most skewed (skew {fmt.fixed(worst['skew_before'], 1)}); "
        f"after log1p and scaling it is {fmt.fixed(worst['skew_after'], 1)}, and every "
        f"feature has |skew| at most {fmt.fixed(largest_after, 1)}"
    )


#: |r| from which two features carry mostly the same signal (one could stand for both).
SAME_SIGNAL = 0.8

_TRANSFORM_PHRASES = {
    "log1p": "after log1p",
    "clip, log1p": "after clipping and log1p",
    "clip": "after clipping",
    "none": "untransformed",
}


def transform_phrase(transform_a: str, transform_b: str) -> str:
    """How a pair of features was transformed, for a sentence: ``"after log1p"``."""
    if transform_a == transform_b:
        return _TRANSFORM_PHRASES.get(transform_a, "after the clustering transform")
    return "after the clustering transform"


def correlation_takeaway(correlations: pd.DataFrame) -> str:
    """The most correlated pair of features as clustered (transformed), against raw.

    Reads eda_feature_correlations (long: one row per stage x feature_a x feature_b);
    the strongest pair by |Pearson|, ties to the earlier features.
    """
    pairs = correlations[correlations["position_a"] < correlations["position_b"]]
    after = pairs[pairs["stage"] == "transformed"].dropna(subset=["pearson"])
    if after.empty:
        return "No pair of features has a defined correlation (too few customers, or constant)"
    after = after.assign(strength=after["pearson"].abs()).sort_values(
        ["strength", "position_a", "position_b"], ascending=[False, True, True]
    )
    top = after.iloc[0]
    a, b, r = top["feature_a"], top["feature_b"], float(top["pearson"])
    phrase = transform_phrase(top["transform_a"], top["transform_b"])
    text = f"{a} and {b} correlate at {fmt.fixed(r)}"
    if phrase != "untransformed":
        raw = pairs[
            (pairs["stage"] == "raw") & (pairs["feature_a"] == a) & (pairs["feature_b"] == b)
        ]["pearson"]
        text += f" {phrase}"
        if len(raw) and pd.notna(raw.iloc[0]):
            text += f" ({fmt.fixed(raw.iloc[0])} before)"
    text += ", the strongest pair"
    if abs(r) >= SAME_SIGNAL:
        text += ": they carry mostly the same signal"
    return text


def _fence_phrase(row: pd.Series) -> str:
    """Where a column's outliers lie: ``"above 25.5 units"``, ``"below 0.5"``, or both."""
    unit = " units" if row["column_name"] == "quantity" else ""
    low, high = fmt.short(row["lower_fence"]), fmt.short(row["upper_fence"])
    if row["outliers_below"] == 0:
        return f"above {high}{unit}"
    if row["outliers_above"] == 0:
        return f"below {low}{unit}"
    return f"outside {low} to {high}{unit}"


def share_label(share: float) -> str:
    """A share as a short percentage: ``0.01`` -> ``"1%"``, ``0.005`` -> ``"0.5%"``."""
    return f"{100 * share:g}%"


def outlier_takeaway(outliers: pd.DataFrame, line_relationships: pd.DataFrame | None) -> str:
    """The raw line column with the most outliers, and the revenue the top lines carry.

    Reads eda_outliers (source x column) and eda_line_relationships (one row).
    """
    lines = outliers[(outliers["source"] == "lines") & (outliers["value_count"] > 0)]
    if lines.empty:
        text = "No line has a quantity or unit price to look for outliers in"
    else:
        worst = lines.sort_values(
            ["outlier_share", "column_position"], ascending=[False, True]
        ).iloc[0]
        if worst["outliers"] == 0:
            text = "No line has an outlying quantity or unit price (Tukey's fences)"
        else:
            text = (
                f"{fmt.percent(worst['outlier_share'])} of lines have an outlying "
                f"{worst['column_name'].replace('_', ' ')} ({_fence_phrase(worst)})"
            )
    if line_relationships is not None and len(line_relationships):
        row = line_relationships.iloc[0]
        if pd.notna(row["top_lines_revenue_share"]):
            text += (
                f"; the top {share_label(row['top_lines_share'])} of lines carry "
                f"{fmt.percent(row['top_lines_revenue_share'])} of revenue"
            )
    return text


def selected_run(evaluation: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """The selected row and every row of its algorithm, ordered by k."""
    selected = evaluation[evaluation["is_selected"].fillna(False).astype(bool)]
    row = selected.iloc[0] if not selected.empty else evaluation.iloc[0]
    sweep = evaluation[evaluation["algorithm"] == row["algorithm"]].sort_values("k")
    return row, sweep.reset_index(drop=True)


def knee_k(sweep: pd.DataFrame) -> int | None:
    knees = sweep[sweep["is_knee"].fillna(False).astype(bool)]
    return int(knees["k"].iloc[0]) if not knees.empty else None


def elbow_takeaway(evaluation: pd.DataFrame) -> str:
    """Where the inertia curve bends and how much it fell there."""
    row, sweep = selected_run(evaluation)
    sweep = sweep.dropna(subset=["inertia"])
    if sweep.empty:
        return f"{row['algorithm']} records no inertia, so there is no elbow to find"
    if len(sweep) == 1:
        return (
            f"{row['algorithm']} found k={int(row['k'])} clusters in one fit "
            f"(inertia {fmt.plain(round(sweep['inertia'].iloc[0], 1))}); without a k sweep "
            "there is no elbow"
        )
    knee = knee_k(sweep)
    if knee is None:
        return (
            f"Inertia falls from k={int(sweep['k'].iloc[0])} to k={int(sweep['k'].iloc[-1])} "
            "without a clear elbow"
        )
    at = sweep.index[sweep["k"] == knee][0]
    if at == 0:
        return f"The elbow is at k={knee}, the smallest k tried"
    before = sweep.loc[at - 1]
    drop = 1 - sweep.loc[at, "inertia"] / before["inertia"]
    text = f"The elbow is at k={knee}: inertia falls {fmt.percent(drop)} from k={int(before['k'])}"
    if at + 1 < len(sweep):
        after = sweep.loc[at + 1]
        further = 1 - after["inertia"] / sweep.loc[at, "inertia"]
        text += f", then only {fmt.percent(further)} to k={int(after['k'])}"
    return text


#: What the selected k's silhouette says about the customer base, by its band.
STRUCTURE_READINGS = {
    "well separated": "The segments are well separated groups.",
    "usable": "The structure is usable but not separate groups: the customers form a "
    "continuum and the segments are a useful way to cut it.",
    "weak": "The structure is weak: the customer base is a continuum, and the segments are "
    "one way to cut it, not groups found in it.",
}


def silhouette_takeaway(evaluation: pd.DataFrame) -> str:
    """The chosen k, its silhouette, why this k, and how strong the structure is."""
    row, sweep = selected_run(evaluation)
    k, score = int(row["k"]), row["silhouette"]
    if pd.isna(score):
        return f"No silhouette for k={k}"
    quality = silhouette_quality(score)
    if len(sweep) == 1:
        noise = row.get("noise_share")
        text = (
            f"{row['algorithm']} found k={k} clusters with silhouette "
            f"{fmt.fixed(score)} ({quality})"
        )
        if pd.notna(noise) and noise > 0:
            text += f"; {fmt.percent(noise)} of customers are left unclustered"
        return text
    best = sweep.loc[sweep["silhouette"].idxmax()]
    eligible = (
        sweep["is_eligible"].fillna(True).astype(bool)
        if "is_eligible" in sweep
        else pd.Series(True, index=sweep.index)
    )
    reason = row.get("selection_reason")
    fixed = (isinstance(reason, str) and reason.startswith("var n_clusters")) or (
        int(best["k"]) != k and bool(eligible[sweep["k"] == k].iloc[0]) and bool(eligible.all())
    )
    knee = knee_k(sweep)
    if fixed:
        text = f"k={k} was fixed by n_clusters (silhouette {fmt.fixed(score)}, {quality})"
        if int(best["k"]) != k:
            best_score = fmt.fixed(best["silhouette"])
            text += f"; the best silhouette is at k={int(best['k'])} ({best_score})"
        return text
    text = f"Silhouette picks k={k} ({fmt.fixed(score)}, {quality})"
    if int(best["k"]) != k:
        text += (
            f", the best among the k whose every segment is big enough; k={int(best['k'])} "
            f"scores {fmt.fixed(best['silhouette'])} but its smallest segment holds only "
            f"{fmt.percent(best['smallest_segment_share'])} of customers"
        )
    if knee == k:
        text += "; the elbow agrees"
    elif knee is None:
        text += "; inertia shows no clear elbow"
    else:
        text += f"; the elbow is at k={knee}"
    return f"{text}. {STRUCTURE_READINGS[quality]}"


def stability_takeaway(evaluation: pd.DataFrame) -> str:
    """How well bootstrap refits reproduce the clusters at the chosen k."""
    row, sweep = selected_run(evaluation)
    measured = sweep.dropna(subset=["stability_ari"])
    if measured.empty:
        return "Stability was not measured (cluster_stability_resamples is 0)"
    k = int(row["k"])
    ari = row["stability_ari"]
    if pd.isna(ari):
        return f"Stability was not measured at the selected k={k}"
    verdict = "stable" if ari >= STABLE_ARI else "unstable: the split moves with the sample"
    text = f"At the selected k={k} bootstrap refits agree with ARI {fmt.fixed(ari)} ({verdict})"
    if len(measured) > 1:
        weakest = measured.loc[measured["stability_ari"].idxmin()]
        text += (
            f"; the least stable is k={int(weakest['k'])} ({fmt.fixed(weakest['stability_ari'])})"
        )
    return text


def explained_ratios(components: pd.DataFrame) -> pd.Series:
    """explained_variance_ratio per component number (the long table has one per feature)."""
    return components.groupby("component")["explained_variance_ratio"].first().sort_index()


def pca_takeaway(components: pd.DataFrame) -> str:
    """Variance the two plotted components show and what the first one weighs most."""
    ratios = explained_ratios(components)
    first = components[components["component"] == ratios.index[0]]
    top = first.reindex(first["loading"].abs().sort_values(ascending=False).index).head(2)
    weights = " and ".join(
        f"{r['feature']} ({fmt.signed(r['loading'])})" for _, r in top.iterrows()
    )
    if len(ratios) == 1:
        return f"PC1 shows {fmt.percent(ratios.iloc[0])} of the variance; it weighs {weights}"
    shown = ratios.iloc[0] + ratios.iloc[1]
    return f"PC1 and PC2 show {fmt.percent(shown)} of the variance; PC1 weighs mostly {weights}"


def clusters_only(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of real clusters (DBSCAN noise, cluster_id -1, left out)."""
    clusters = frame[frame["cluster_id"] != NOISE_ID]
    return clusters if not clusters.empty else frame


def profile_takeaway(profiles: pd.DataFrame) -> str:
    """The segment with the highest median spend and how it buys."""
    top = (
        clusters_only(profiles)
        .sort_values(["median_monetary", "cluster_id"], ascending=[False, True])
        .iloc[0]
    )
    return (
        f"'{top['segment_name']}' spends the most: median {fmt.amount(top['median_monetary'])} "
        f"over {fmt.plain(top['median_frequency'])} invoices, last purchase a median "
        f"{fmt.plain(top['median_recency_days'])} days ago"
    )


def size_takeaway(profiles: pd.DataFrame) -> str:
    """The segment that brings the most revenue, against its share of customers."""
    top = profiles.sort_values(["share_of_revenue", "cluster_id"], ascending=[False, True]).iloc[0]
    return (
        f"Segment '{top['segment_name']}' is {fmt.percent(top['share_of_customers'])} of "
        f"customers and {fmt.percent(top['share_of_revenue'])} of revenue"
    )


def crosstab_takeaway(crosstab: pd.DataFrame) -> str:
    """The purest and the most mixed learned segment in rule-based RFM terms."""
    ordered = crosstab.sort_values(
        ["cluster_id", "share_of_segment", "rfm_segment"], ascending=[True, False, True]
    )
    dominant = ordered.groupby("cluster_id", sort=True).head(1)
    dominant = clusters_only(dominant)
    purest = dominant.sort_values(["share_of_segment", "cluster_id"], ascending=[False, True])
    best = purest.iloc[0]
    text = (
        f"{fmt.percent(best['share_of_segment'])} of '{best['segment_name']}' are RFM "
        f"'{best['rfm_segment']}'"
    )
    if len(purest) > 1:
        mixed = purest.iloc[-1]
        text += (
            f"; '{mixed['segment_name']}' is the most mixed (largest group "
            f"'{mixed['rfm_segment']}', {fmt.percent(mixed['share_of_segment'])})"
        )
    return text


@dataclass(frozen=True)
class Summary:
    """The header's facts about the dataset and the run."""

    lines: int | None
    kept_share: float | None
    customers: int | None
    first_day: str | None
    last_day: str | None
    run_id: str | None
    run_started_at: str | None
    algorithm: str | None
    k: int | None
    silhouette: float | None
    rebuilt: int | None = None
    carried: int | None = None


def summarise(frames: dict[str, pd.DataFrame]) -> Summary:
    """Lines, kept share, customers, purchase date range and the publication, where known."""
    audit = frames.get("transaction_audit")
    lines = kept = None
    if audit is not None:
        lines = int(audit["row_count"].sum())
        kept_lines = audit.loc[audit["reason"] == "kept", "row_count"].sum()
        kept = kept_lines / lines if lines else None
    rfm = frames.get("customer_rfm")
    customers = int(rfm["customer_id"].nunique()) if rfm is not None else None
    first = last = None
    if rfm is not None and {"first_purchase_at", "last_purchase_at"} <= set(rfm.columns):
        if len(rfm):
            first, last = (
                fmt.day(rfm["first_purchase_at"].min()),
                fmt.day(rfm["last_purchase_at"].max()),
            )
    elif frames.get("eda_monthly_sales") is not None and len(frames["eda_monthly_sales"]):
        months = frames["eda_monthly_sales"]["month"]
        first, last = fmt.month(months.min()), fmt.month(months.max())
    run_id = started = None
    rebuilt = carried = None
    publication = frames.get("warehouse_publication")
    if publication is not None and len(publication):
        run_id = str(publication["published_by_run_id"].iloc[0])
        started = _utc(publication["published_at"].iloc[0])
        rebuilt = int(publication["rebuilt"].astype(bool).sum())
        carried = len(publication) - rebuilt
    algorithm = k = silhouette = None
    evaluation = frames.get("cluster_evaluation")
    if evaluation is not None and len(evaluation):
        row, _ = selected_run(evaluation)
        algorithm, k = str(row["algorithm"]), int(row["k"])
        silhouette = None if pd.isna(row["silhouette"]) else float(row["silhouette"])
    return Summary(
        lines,
        kept,
        customers,
        first,
        last,
        run_id,
        started,
        algorithm,
        k,
        silhouette,
        rebuilt,
        carried,
    )


def _utc(value: object) -> str:
    """``2026-11-27 02:18 UTC``; DuckDB hands timestamptz over in the session's time zone."""
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M UTC")
