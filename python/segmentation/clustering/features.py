"""From customer_rfm rows to the matrix the clustering sees, and back.

:class:`FeatureTransform` is the fitted transform as a value: per feature, the clip
bounds, whether ``log1p`` applies, and the scaler's centre and scale. It is fitted
once on the snapshot (:meth:`FeatureTransform.fit`) and applied to any rows with the
same columns (:meth:`FeatureTransform.apply`, :meth:`FeatureTransform.values`), e.g.
the same customers at earlier dates. :func:`prepare_features` is fit then apply.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    return rows_in_order(rfm, (CUSTOMER_ID,), "customer_rfm")


def rows_in_order(rows: pd.DataFrame, keys: tuple[str, ...], what: str = "rows") -> pd.DataFrame:
    """``rows`` sorted by ``keys`` (stable), after checking the keys are present, whole
    and unique together.

    Parameters
    ----------
    rows : DataFrame
    keys : tuple of str
        Columns that identify a row, e.g. ``("customer_id", "as_of_date")``.
    what : str
        What ``rows`` are, for the error messages.

    Raises
    ------
    ValueError
        A key column missing, a null key, or two rows with the same keys.
    """
    for key in keys:
        if key not in rows.columns:
            raise ValueError(f"{what} has no column {key!r}")
        empty = rows[key].isna()
        if empty.any():
            raise ValueError(f"{what} has {int(empty.sum())} rows without a {key}")
    columns = list(keys)
    ordered = rows.sort_values(columns, kind="stable")
    # sorted, a repeated key sits next to its twin
    repeated = np.ones(max(len(ordered) - 1, 0), dtype=bool)
    for key in keys:
        column = ordered[key].to_numpy()
        repeated &= column[1:] == column[:-1]
    if repeated.any():
        first = ordered[columns].iloc[int(np.argmax(repeated))]
        same = (rows[columns] == first.to_numpy()).all(axis=1)
        described = ", ".join(f"{key} {first[key]}" for key in keys)
        raise ValueError(
            f"{what} must have one row per {' x '.join(keys)}; {described} appears "
            f"{int(same.sum())} times"
        )
    return ordered


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


def _finite_column(rows: pd.DataFrame, name: str) -> np.ndarray:
    values = numeric_column(rows, name)
    missing = ~np.isfinite(values)
    if missing.any():
        raise ValueError(
            f"feature {name!r} (var 'cluster_features') has {int(missing.sum())} "
            "null or infinite values; clustering needs a value for every customer"
        )
    return values


@dataclass(frozen=True)
class FeatureTransform:
    """The fitted feature transform: clip, ``log1p``, then ``(x - center) / scale``.

    Every attribute but ``features`` has one entry per feature, in ``features`` order.

    Attributes
    ----------
    features : tuple of str
        customer_rfm columns, in the order of the matrix columns.
    clip_low, clip_high : tuple of (float or None)
        Bounds each raw value is clipped to (feature units); ``None``: no clip.
    log1p : tuple of bool
        Whether ``log1p`` is applied (after the clip).
    center, scale : tuple of float
        The scaler's centre and scale, in the units after the log: mean and standard
        deviation (``standard``) or median and interquartile range (``robust``).
    """

    features: tuple[str, ...]
    clip_low: tuple[float | None, ...]
    clip_high: tuple[float | None, ...]
    log1p: tuple[bool, ...]
    center: tuple[float, ...]
    scale: tuple[float, ...]

    def __post_init__(self) -> None:
        n = len(self.features)
        if n == 0 or not all(isinstance(name, str) and name for name in self.features):
            raise ValueError("a FeatureTransform needs at least one named feature")
        for name in ("clip_low", "clip_high", "log1p", "center", "scale"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"FeatureTransform.{name} needs one entry per feature ({n})")
        if not all(np.isfinite(self.center)) or not all(
            np.isfinite(s) and s > 0 for s in self.scale
        ):
            raise ValueError("FeatureTransform centres must be finite and scales positive")

    @property
    def columns(self) -> list[str]:
        """The ``<feature>_transformed`` column names, in feature order."""
        return [transformed_name(name) for name in self.features]

    @classmethod
    def fit(cls, rfm: pd.DataFrame, config: SegmentationConfig) -> FeatureTransform:
        """Fit the transform of ``config`` on customer_rfm.

        Each feature on its own: clip to its ``[1 - q, q]`` quantiles when
        ``outlier_policy="clip"``; ``log1p`` when ``log_transform`` and no (clipped)
        value is negative; then the standard or robust scaler, whose fitted centre and
        scale are kept (so :meth:`apply` reproduces ``fit_transform`` bit for bit).

        Parameters
        ----------
        rfm : DataFrame
            customer_rfm, one row per customer, ``customer_id`` plus the
            ``config.features`` columns (numeric, no nulls). Row order does not matter.
        config : SegmentationConfig

        Returns
        -------
        FeatureTransform

        Raises
        ------
        ValueError
            Bad config for this data (names the dbt var), a feature that is not numeric
            or has nulls, a missing or repeated customer_id.
        """
        validate_config(config, n_customers=len(rfm), available_columns=rfm.columns)
        ordered = customers_in_order(rfm)
        clip_low: list[float | None] = []
        clip_high: list[float | None] = []
        logged: list[bool] = []
        columns = []
        for name in config.features:
            values = _finite_column(ordered, name)
            if config.outlier_policy == "clip":
                low, high = np.quantile(values, [1 - config.clip_quantile, config.clip_quantile])
                values = np.clip(values, low, high)
                clip_low.append(float(low))
                clip_high.append(float(high))
            else:
                clip_low.append(None)
                clip_high.append(None)
            log = bool(config.log_transform and values.min() >= 0)
            logged.append(log)
            columns.append(np.log1p(values) if log else values)
        matrix = np.column_stack(columns)
        if config.scaler == "standard":
            standard = StandardScaler().fit(matrix)
            center, scale = standard.mean_, standard.scale_
        else:
            robust = RobustScaler().fit(matrix)
            center, scale = robust.center_, robust.scale_
        return cls(
            features=tuple(config.features),
            clip_low=tuple(clip_low),
            clip_high=tuple(clip_high),
            log1p=tuple(logged),
            center=tuple(float(c) for c in center),
            scale=tuple(float(s) for s in scale),
        )

    def values(self, rows: pd.DataFrame) -> np.ndarray:
        """The transformed matrix of ``rows``, in their order, with no key checks.

        Parameters
        ----------
        rows : DataFrame
            Any rows with the ``features`` columns (numeric, no nulls), e.g. history
            rows of several customers at several dates.

        Returns
        -------
        ndarray of shape (n_rows, n_features)
            Transformed units (unitless).

        Raises
        ------
        ValueError
            A missing, non-numeric or null feature, or a negative value of a feature the
            transform takes the ``log1p`` of (it was fitted on non-negative values).
        """
        missing = [name for name in self.features if name not in rows.columns]
        if missing:
            raise ValueError(
                f"rows lack the feature column {missing[0]!r} the model was fitted on "
                f"(features: {', '.join(self.features)})"
            )
        matrix = np.empty((len(rows), len(self.features)), dtype=np.float64)
        for j, name in enumerate(self.features):
            values = _finite_column(rows, name)
            low, high = self.clip_low[j], self.clip_high[j]
            if low is not None or high is not None:
                values = np.clip(values, low, high)
            if self.log1p[j]:
                negative = values < 0
                if negative.any():
                    raise ValueError(
                        f"feature {name!r} has {int(negative.sum())} negative values; the "
                        "model takes its log1p (it was fitted on values >= 0)"
                    )
                values = np.log1p(values)
            matrix[:, j] = (values - self.center[j]) / self.scale[j]
        return matrix

    def apply(self, rfm: pd.DataFrame) -> pd.DataFrame:
        """The transformed features of customer_rfm-shaped rows, one row per customer.

        Parameters
        ----------
        rfm : DataFrame
            ``customer_id`` (unique) plus the ``features`` columns; any row order.

        Returns
        -------
        DataFrame of shape (n_customers, n_features)
            Indexed by ``customer_id`` (ascending), columns ``<feature>_transformed``
            in ``features`` order, unitless: the shape of :func:`prepare_features`.
        """
        ordered = customers_in_order(rfm)
        return pd.DataFrame(
            self.values(ordered),
            index=pd.Index(ordered[CUSTOMER_ID].to_numpy(), name=CUSTOMER_ID),
            columns=self.columns,
        )

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """Transformed values back in each feature's own units (days, invoices, money).

        Undoes the scaling and the ``log1p``; a clip cannot be undone and is ignored.

        Parameters
        ----------
        values : ndarray of shape (n, n_features)

        Returns
        -------
        ndarray of shape (n, n_features)
        """
        values = np.asarray(values, dtype=np.float64)
        original = values * np.asarray(self.scale) + np.asarray(self.center)
        logged = np.asarray(self.log1p, dtype=bool)
        original[:, logged] = np.expm1(original[:, logged])
        return original


def prepare_features(
    rfm: pd.DataFrame, config: SegmentationConfig, log: Log | None = None
) -> pd.DataFrame:
    """Clip (optionally), ``log1p`` and scale the clustering features.

    :meth:`FeatureTransform.fit` then :meth:`FeatureTransform.apply` on the same rows.

    Parameters
    ----------
    rfm : DataFrame
        customer_rfm, one row per customer, ``customer_id`` plus the
        ``config.features`` columns (numeric, no nulls). Row order does not matter.
    config : SegmentationConfig
    log : callable, optional
        Receives progress messages.

    Returns
    -------
    DataFrame of shape (n_customers, n_features)
        One row per customer indexed by ``customer_id`` (ascending), columns
        ``<feature>_transformed`` in ``config.features`` order, unitless (standardised).

    Raises
    ------
    ValueError
        Bad config for this data (names the dbt var), a feature that is not numeric or
        has nulls, a missing or repeated customer_id.
    """
    validate_config(config, n_customers=len(rfm), available_columns=rfm.columns)
    say(log, f"{len(rfm):,} customers in; features {', '.join(config.features)}")
    with timed(log, "features prepared"):
        transform = FeatureTransform.fit(rfm, config)
        X = transform.apply(rfm)
    if config.log_transform:
        pairs = zip(transform.features, transform.log1p, strict=True)
        logged = [name for name, log1p in pairs if log1p]
        kept = [name for name in transform.features if name not in logged]
        say(
            log,
            f"log1p on {', '.join(logged) or 'no feature'}"
            + (f"; left as is (negative values): {', '.join(kept)}" if kept else ""),
        )
    return X


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
