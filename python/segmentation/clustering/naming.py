"""Business names for clusters, from where their customers sit against everyone else.

The rule (:func:`name_clusters`), for each cluster, using customer_rfm's own columns in
their original units (days, invoices, money), whatever the clustering features were:

1. Three yes/no questions, comparing the cluster's median with the median of all
   customers (noise included):

   * recent: median ``recency_days`` strictly below the population's;
   * frequent: median ``frequency`` strictly above the population's;
   * big spending: median ``monetary`` strictly above the population's.

2. The answers pick a base name from :data:`BASE_NAMES`. Two of them read differently
   when the cluster's median frequency is 1 invoice (one-time buyers).
3. If several clusters get the same base name, each gets `` (1)``, `` (2)``, ... in
   cluster_id order, i.e. (1) is the one with the highest mean monetary. Base names
   have no parentheses, so the result is always unique.

DBSCAN noise (cluster_id -1) is :data:`NOISE_NAME`. Without all three RFM columns the
names are ``"Cluster <id>"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

NOISE_NAME = "Outliers (unclustered)"
NOISE_ID = -1

#: (recent, frequent, big spending) -> base name.
BASE_NAMES: Mapping[tuple[bool, bool, bool], str] = MappingProxyType(
    {
        (True, True, True): "High-value loyal",
        (True, True, False): "Promising regulars",
        (True, False, True): "Recent big spenders",
        (True, False, False): "Recent occasional buyers",
        (False, True, True): "Lapsed big spenders",
        (False, True, False): "Lapsed regulars",
        (False, False, True): "Lapsed infrequent big spenders",
        (False, False, False): "Lapsed low-value",
    }
)
#: Base names used instead when the cluster's median frequency is one invoice.
ONE_TIME_NAMES: Mapping[tuple[bool, bool, bool], str] = MappingProxyType(
    {
        (True, False, False): "Recent one-time buyers",
        (False, False, False): "Lost one-timers",
    }
)
RFM_COLUMNS = ("recency_days", "frequency", "monetary")


def name_clusters(rfm: pd.DataFrame, cluster_id: np.ndarray) -> dict[int, str]:
    """A distinct business name for every cluster id (module docstring has the rule).

    Args:
        rfm: customer_rfm rows, shape ``(n_customers, ...)``.
        cluster_id: shape ``(n_customers,)``, the cluster of each row of ``rfm``;
            -1 = DBSCAN noise.

    Returns:
        cluster id -> name, for every id present.
    """
    cluster_id = np.asarray(cluster_id)
    ids = sorted(int(c) for c in np.unique(cluster_id))
    names: dict[int, str] = {}
    if not all(column in rfm.columns for column in RFM_COLUMNS):
        return {c: NOISE_NAME if c == NOISE_ID else f"Cluster {c}" for c in ids}

    measures = {
        column: pd.to_numeric(rfm[column]).to_numpy(dtype="float64") for column in RFM_COLUMNS
    }
    population = {column: float(np.median(values)) for column, values in measures.items()}
    for c in ids:
        if c == NOISE_ID:
            names[c] = NOISE_NAME
            continue
        member = cluster_id == c
        median = {column: float(np.median(values[member])) for column, values in measures.items()}
        answers = (
            median["recency_days"] < population["recency_days"],
            median["frequency"] > population["frequency"],
            median["monetary"] > population["monetary"],
        )
        one_time = median["frequency"] <= 1
        names[c] = (ONE_TIME_NAMES.get(answers) if one_time else None) or BASE_NAMES[answers]

    clustered = [c for c in ids if c != NOISE_ID]
    for base in {names[c] for c in clustered}:
        sharing = [c for c in clustered if names[c] == base]
        if len(sharing) > 1:
            for rank, c in enumerate(sharing, start=1):
                names[c] = f"{base} ({rank})"
    return names
