"""Read what the report needs from the warehouse: one query per relation, nothing else.

:func:`load` is the only function here that touches the database; everything after it
works on the DataFrames it returns. A relation that is absent, or lacks a column the
report needs, is recorded with the reason, so its figures can say why they are empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

#: Relations the report reads and the columns each figure needs from them.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "transaction_audit": ("rule_order", "reason", "row_count"),
    "eda_column_profile": ("column_name", "null_count", "invalid_count", "null_share"),
    "eda_monthly_sales": ("month", "invoices", "customers", "revenue"),
    "eda_feature_correlations": (
        "stage",
        "feature_a",
        "feature_b",
        "position_a",
        "position_b",
        "transform_a",
        "transform_b",
        "customers",
        "pearson",
        "spearman",
    ),
    "eda_outliers": (
        "source",
        "column_name",
        "column_position",
        "value_count",
        "q1",
        "median",
        "q3",
        "lower_fence",
        "upper_fence",
        "lower_far_fence",
        "upper_far_fence",
        "outliers_below",
        "outliers_above",
        "outliers",
        "outlier_share",
        "far_outliers",
        "far_outlier_share",
    ),
    "eda_line_relationships": (
        "kept_lines",
        "quantity_unit_price_pearson",
        "quantity_unit_price_spearman",
        "top_lines_share",
        "top_lines",
        "top_lines_revenue_share",
    ),
    "customer_rfm": ("customer_id", "recency_days", "frequency", "monetary"),
    "customer_segments": ("customer_id", "cluster_id", "segment_name", "pca_1", "pca_2"),
    "cluster_evaluation": ("algorithm", "k", "inertia", "silhouette", "is_selected"),
    "pca_components": ("component", "explained_variance_ratio", "feature", "loading"),
    "segment_profiles": (
        "cluster_id",
        "segment_name",
        "customers",
        "share_of_customers",
        "revenue",
        "share_of_revenue",
        "mean_recency_days",
        "median_recency_days",
        "mean_frequency",
        "median_frequency",
        "mean_monetary",
        "median_monetary",
    ),
    "segment_rfm_crosstab": (
        "cluster_id",
        "segment_name",
        "rfm_segment",
        "customers",
        "share_of_segment",
    ),
    "segment_migration": (
        "segment_kind",
        "from_as_of_date",
        "to_as_of_date",
        "from_segment",
        "to_segment",
        "customers",
        "revenue",
    ),
    "warehouse_publication": (
        "relation",
        "rebuilt",
        "dbt_run_id",
        "published_by_run_id",
        "published_at",
    ),
}

#: Columns used when present (older or other builds may lack them).
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "cluster_evaluation": (
        "stability_ari",
        "is_knee",
        "noise_share",
        "is_eligible",
        "smallest_segment_share",
        "selection_reason",
    ),
}

ORDER_BY: dict[str, str] = {
    "transaction_audit": "rule_order",
    "eda_column_profile": "ordinal_position",
    "eda_monthly_sales": "month",
    "eda_feature_correlations": "stage, position_a, position_b",
    "eda_outliers": "source, column_position",
    "eda_line_relationships": "kept_lines",
    "customer_rfm": "customer_id",
    "customer_segments": "customer_id",
    "cluster_evaluation": "algorithm, k",
    "pca_components": "component, feature",
    "segment_profiles": "cluster_id",
    "segment_rfm_crosstab": "cluster_id, rfm_segment",
    "segment_migration": "segment_kind, to_as_of_date, from_segment, to_segment",
    "warehouse_publication": "relation",
}


@dataclass(frozen=True)
class ReportData:
    """The relations as DataFrames, and for each one that could not be used, why."""

    frames: dict[str, pd.DataFrame]
    absent: dict[str, str] = field(default_factory=dict)
    source: str = "warehouse"

    def get(self, name: str) -> pd.DataFrame | None:
        return self.frames.get(name)

    def missing(self, *names: str) -> str | None:
        """Why one of ``names`` cannot be used (the first such), or None if all are there."""
        for name in names:
            if name not in self.frames:
                return self.absent.get(name, f"relation {name} was not read")
        return None


def check_columns(name: str, frame: pd.DataFrame) -> str | None:
    """Why ``frame`` cannot stand in for relation ``name``, or None if it can."""
    lacking = [c for c in REQUIRED_COLUMNS.get(name, ()) if c not in frame.columns]
    if lacking:
        return f"relation {name} has no column {', '.join(lacking)}; rebuild with dbt build"
    return None


def from_frames(frames: dict[str, pd.DataFrame], source: str = "warehouse") -> ReportData:
    """ReportData from DataFrames already in memory (what :func:`load` builds on)."""
    usable, absent = {}, {}
    for name in REQUIRED_COLUMNS:
        if name not in frames:
            absent[name] = f"relation {name} is not in the warehouse; run dbt build"
            continue
        problem = check_columns(name, frames[name])
        if problem:
            absent[name] = problem
        else:
            usable[name] = _with_optional(name, frames[name])
    return ReportData(usable, absent, source)


def _with_optional(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in OPTIONAL_COLUMNS.get(name, ()) if c not in frame.columns]
    return frame.assign(**{c: pd.NA for c in missing}) if missing else frame


def read_relations(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Every relation the report reads that exists in schema main, as a DataFrame."""
    present = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
    }
    frames = {}
    for name in REQUIRED_COLUMNS:
        if name in present:
            query = f"select * from main.{name} order by {_order(con, name)}"
            frames[name] = con.execute(query).df()
    return frames


def _order(con: duckdb.DuckDBPyConnection, name: str) -> str:
    columns = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'main' and table_name = ?",
            [name],
        ).fetchall()
    }
    wanted = [c.strip() for c in ORDER_BY[name].split(",")]
    usable = [c for c in wanted if c in columns]
    return ", ".join(usable) if usable else "all"


def load(warehouse: Path | str) -> ReportData:
    """Open ``warehouse`` read-only and read every relation the report uses."""
    path = Path(warehouse)
    if not path.exists():
        raise FileNotFoundError(f"warehouse {path} does not exist; run `make build` first")
    with duckdb.connect(str(path), read_only=True) as con:
        frames = read_relations(con)
    return from_frames(frames, source=path.name)
