"""From customer_rfm rows to the matrix the clustering sees."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.preprocessing import RobustScaler, StandardScaler

from ._progress import Log, say, timed
from .config import SegmentationConfig, config_error, validate_config

CUSTOMER_ID = "customer_id"
TRANSFORMED_SUFFIX = "_transformed"


def transformed_name(feature: str) -> str:
    """Column name of a feature after :func:`prepare_features`."""
    return f"{feature}{TRANSFORMED_SUFFIX}"


def customers_in_order(rfm: pd.DataFrame) -> pd.DataFrame:
    """``rfm`` sorted by ``customer_id``, after checking the id is present, whole and unique.

    Every random choice downstream is made on rows in this order, which is what makes
    the result independent of the order the warehouse returned the rows in.
    """
    if CUSTOMER_ID not in rfm.columns:
        raise ValueError(f"customer_rfm has no column {CUSTOMER_ID!r}")
    ids = rfm[CUSTOMER_ID]
    if ids.isna().any():
        raise ValueError(f"customer_rfm has {int(ids.isna().sum())} rows without a customer_id")
    if ids.duplicated().any():
        duplicated = ids[ids.duplicated()].iloc[0]
        raise ValueError(
            f"customer_rfm must have one row per customer; customer_id {duplicated} "
            f"appears {int((ids == duplicated).sum())} times"
        )
    return rfm.sort_values(CUSTOMER_ID, kind="stable")


def numeric_column(rfm: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as ``float64`` (DECIMAL arrives as objects); error if it is not numbers."""
    column = rfm[name]
    try:
        values = pd.to_numeric(column, errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        raise config_error(
            "features",
            name,
            f"numeric columns of customer_rfm; {name!r} holds {column.dtype} values",
        ) from None
    return values


def prepare_features(
    rfm: pd.DataFrame, config: SegmentationConfig, log: Log | None = None
) -> pd.DataFrame:
    """Clip (optionally), ``log1p`` and scale the clustering features.

    Steps, each column on its own: clip to the ``[1 - q, q]`` quantiles when
    ``outlier_policy="clip"``; ``log1p`` when ``log_transform`` and the column has no
    negative value; then the standard or robust scaler.

    Args:
        rfm: customer_rfm, one row per customer, ``customer_id`` plus the
            ``config.features`` columns (numeric, no nulls). Row order does not matter.
        config: the clustering configuration.
        log: receives progress messages.

    Returns:
        Shape ``(n_customers, n_features)``: one row per customer indexed by
        ``customer_id`` (ascending), columns ``<feature>_transformed`` in
        ``config.features`` order, unitless (standardised).

    Raises:
        ValueError: bad config for this data (names the dbt var), a feature that is not
            numeric or has nulls, a missing or repeated customer_id.
    """
    validate_config(config, n_customers=len(rfm), available_columns=rfm.columns)
    say(log, f"{len(rfm):,} customers in; features {', '.join(config.features)}")
    with timed(log, "features prepared"):
        ordered = customers_in_order(rfm)
        columns = []
        logged = []
        for name in config.features:
            values = numeric_column(ordered, name)
            missing = ~np.isfinite(values)
            if missing.any():
                raise ValueError(
                    f"feature {name!r} (var 'cluster_features') has {int(missing.sum())} "
                    "null or infinite values; clustering needs a value for every customer"
                )
            if config.outlier_policy == "clip":
                low, high = np.quantile(values, [1 - config.clip_quantile, config.clip_quantile])
                values = np.clip(values, low, high)
            if config.log_transform and values.min() >= 0:
                values = np.log1p(values)
                logged.append(name)
            columns.append(values)
        matrix = np.column_stack(columns)
        scaler = StandardScaler() if config.scaler == "standard" else RobustScaler()
        matrix = scaler.fit_transform(matrix)
    if config.log_transform:
        kept = [name for name in config.features if name not in logged]
        say(
            log,
            f"log1p on {', '.join(logged) or 'no feature'}"
            + (f"; left as is (negative values): {', '.join(kept)}" if kept else ""),
        )
    return pd.DataFrame(
        matrix,
        index=pd.Index(ordered[CUSTOMER_ID].to_numpy(), name=CUSTOMER_ID),
        columns=[transformed_name(name) for name in config.features],
    )


def feature_matrix(X: pd.DataFrame) -> np.ndarray:
    """The values of a :func:`prepare_features` frame, after checking it is one."""
    if not isinstance(X, pd.DataFrame) or X.index.name != CUSTOMER_ID:
        raise ValueError(
            "X must be the DataFrame prepare_features returns (indexed by customer_id)"
        )
    if not X.index.is_monotonic_increasing or not X.index.is_unique:
        raise ValueError("X must have one row per customer, sorted by customer_id")
    values = X.to_numpy(dtype="float64")
    if values.ndim != 2 or values.shape[1] == 0 or not np.all(np.isfinite(values)):
        raise ValueError("X must hold at least one feature column of finite numbers")
    return values
