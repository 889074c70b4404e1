"""Cluster profiles in the shape of the contract's ``segment_profiles``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .features import CUSTOMER_ID, customers_in_order

PROFILE_MEASURES = ("recency_days", "frequency", "monetary")


def profile_segments(rfm: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster: size, revenue, typical recency, frequency and monetary.

    The same columns as the SQL model ``segment_profiles``.

    Parameters
    ----------
    rfm : DataFrame
        customer_rfm, with ``customer_id``, ``recency_days``, ``frequency``,
        ``monetary`` (original units: days, invoices, currency).
    segments : DataFrame
        :func:`segment_customers` output for the same customers (``customer_id``,
        ``cluster_id``, ``segment_name``, ``distance_to_centre``).

    Returns
    -------
    DataFrame
        Ordered by ``cluster_id`` (-1 noise first when present): ``cluster_id``,
        ``segment_name``, ``customers``, ``share_of_customers`` (0..1), ``revenue``
        (sum of monetary), ``share_of_revenue`` (0..1), then ``mean_<measure>`` and
        ``median_<measure>`` for recency_days, frequency and monetary, and
        ``mean_distance_to_centre`` (transformed units; NaN for noise).
    """
    missing = [c for c in (CUSTOMER_ID, *PROFILE_MEASURES) if c not in rfm.columns]
    if missing:
        raise ValueError(f"customer_rfm lacks {', '.join(missing)} needed for profiles")
    measures = customers_in_order(rfm).loc[:, [CUSTOMER_ID, *PROFILE_MEASURES]]
    for column in PROFILE_MEASURES:
        measures[column] = pd.to_numeric(measures[column]).astype("float64")
    joined = segments.loc[
        :, [CUSTOMER_ID, "cluster_id", "segment_name", "distance_to_centre"]
    ].merge(measures, on=CUSTOMER_ID, how="inner", validate="one_to_one")
    if len(joined) != len(segments):
        raise ValueError("segments and customer_rfm must hold the same customers")
    grouped = joined.groupby(["cluster_id", "segment_name"], sort=True)
    profile = grouped.size().rename("customers").reset_index()
    revenue = grouped["monetary"].sum().to_numpy()
    profile["share_of_customers"] = profile["customers"] / len(joined)
    profile["revenue"] = revenue
    total = joined["monetary"].sum()
    profile["share_of_revenue"] = revenue / total if total else np.nan
    for column in PROFILE_MEASURES:
        profile[f"mean_{column}"] = grouped[column].mean().to_numpy()
        profile[f"median_{column}"] = grouped[column].median().to_numpy()
    profile["mean_distance_to_centre"] = grouped["distance_to_centre"].mean().to_numpy()
    return profile.sort_values("cluster_id", kind="stable").reset_index(drop=True)
