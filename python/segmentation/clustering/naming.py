"""Business names for clusters, from where their customers sit against everyone else.

The rule (:func:`name_clusters`), for each cluster, on customer_rfm's own columns in
their original units (days, invoices, money), whatever the clustering features were:

1. Levels. For each measure (``recency_days``, ``frequency``, ``monetary``), the
   cluster's median is placed in the population (every customer, noise included) by
   its mid-rank percentile: the share of customers below it plus half the share equal
   to it (so a value many customers share, like 1 invoice, sits in the middle of its
   tie). Below 1/3 is ``low``, above 2/3 ``high``, else ``mid``: the population's
   tertiles, robust to ties.
2. Base name. Recency gives the first word (:data:`RECENCY_WORDS`: low days =
   "Recent", mid = "Cooling", high = "Lapsed"); frequency and monetary give the rest
   (:data:`VALUE_PHRASES`). A cluster whose median frequency is 1 invoice is
   "one-time" (:data:`ONE_TIME_PHRASES`). Two combinations keep their classic names
   (:data:`CLASSIC_NAMES`): "High-value loyal" (recent, high frequency, high spend)
   and "Lost one-timers" (lapsed one-time buyers who did not spend much).
3. Clusters that would still share a name get a qualifier from the measure on which
   they differ most (the largest spread of their percentiles; ties go to monetary,
   then frequency, then recency): ", higher spend" / ", lower spend" for two, ",
   highest spend" / ", mid spend" / ", lowest spend" for three (", more recent",
   ", more frequent", ... for the other measures).
4. Last resort, so names are always unique: clusters that still share a name (four
   or more alike, or equal on every measure) get " (1)", " (2)", ... in cluster_id
   order, i.e. (1) is the one with the highest mean monetary.

The rule is deterministic: the same clusters get the same names. Noise of the
density algorithms (cluster_id -1) is :data:`NOISE_NAME`. Without all three RFM
columns the names are ``"Cluster <id>"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

NOISE_NAME = "Outliers (unclustered)"
NOISE_ID = -1
RFM_COLUMNS = ("recency_days", "frequency", "monetary")
LOW, MID, HIGH = "low", "mid", "high"

#: Level of recency_days -> first word of the name.
RECENCY_WORDS: Mapping[str, str] = MappingProxyType({LOW: "Recent", MID: "Cooling", HIGH: "Lapsed"})
#: (frequency level, monetary level) -> the rest of the name.
VALUE_PHRASES: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        (HIGH, HIGH): "frequent big spenders",
        (HIGH, MID): "frequent buyers",
        (HIGH, LOW): "frequent small spenders",
        (MID, HIGH): "big spenders",
        (MID, MID): "occasional buyers",
        (MID, LOW): "occasional small spenders",
        (LOW, HIGH): "infrequent big spenders",
        (LOW, MID): "infrequent buyers",
        (LOW, LOW): "low-value buyers",
    }
)
#: Monetary level -> the rest of the name when the median customer bought once.
ONE_TIME_PHRASES: Mapping[str, str] = MappingProxyType(
    {HIGH: "one-time big spenders", MID: "one-time buyers", LOW: "one-time buyers"}
)
#: (recency level, frequency level or "one-time", monetary level) -> classic name.
CLASSIC_NAMES: Mapping[tuple[str, str, str], str] = MappingProxyType(
    {
        (LOW, HIGH, HIGH): "High-value loyal",
        (HIGH, "one-time", MID): "Lost one-timers",
        (HIGH, "one-time", LOW): "Lost one-timers",
    }
)
#: Measure -> qualifiers for 2 and for 3 clusters, from the highest value down.
QUALIFIERS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType(
    {
        "monetary": (
            ("higher spend", "lower spend"),
            ("highest spend", "mid spend", "lowest spend"),
        ),
        "frequency": (
            ("more frequent", "less frequent"),
            ("most frequent", "mid frequency", "least frequent"),
        ),
        "recency_days": (
            ("less recent", "more recent"),
            ("least recent", "mid recency", "most recent"),
        ),
    }
)
#: The order in which measures break a tie for "differ most".
QUALIFIER_PRIORITY = ("monetary", "frequency", "recency_days")


def percentile_rank(ordered: np.ndarray, value: float) -> float:
    """Mid-rank percentile of ``value`` in the population ``ordered`` (sorted ascending):
    the share below it plus half the share equal to it.
    """
    below = np.searchsorted(ordered, value, side="left")
    not_above = np.searchsorted(ordered, value, side="right")
    return float((below + not_above) / 2 / ordered.size)


def level(rank: float) -> str:
    """``low`` below 1/3, ``high`` above 2/3, ``mid`` otherwise."""
    return LOW if rank < 1 / 3 else HIGH if rank > 2 / 3 else MID


def base_name(recency: str, frequency: str, monetary: str, one_time: bool) -> str:
    """The name of a cluster from its three levels (rule steps 1-2)."""
    key = (recency, "one-time" if one_time else frequency, monetary)
    if key in CLASSIC_NAMES:
        return CLASSIC_NAMES[key]
    phrase = ONE_TIME_PHRASES[monetary] if one_time else VALUE_PHRASES[(frequency, monetary)]
    return f"{RECENCY_WORDS[recency]} {phrase}"


def name_clusters(rfm: pd.DataFrame, cluster_id: np.ndarray) -> dict[int, str]:
    """A distinct business name for every cluster id (the module docstring has the rule).

    Parameters
    ----------
    rfm : DataFrame of shape (n_customers, ...)
        customer_rfm rows.
    cluster_id : ndarray of shape (n_customers,)
        The cluster of each row of ``rfm``; -1 = noise.

    Returns
    -------
    dict
        cluster id -> name, for every id present.
    """
    cluster_id = np.asarray(cluster_id)
    ids = sorted(int(c) for c in np.unique(cluster_id))
    if not all(column in rfm.columns for column in RFM_COLUMNS):
        return {c: NOISE_NAME if c == NOISE_ID else f"Cluster {c}" for c in ids}

    measures = {
        column: pd.to_numeric(rfm[column]).to_numpy(dtype="float64") for column in RFM_COLUMNS
    }
    ordered = {column: np.sort(values) for column, values in measures.items()}
    clustered = [c for c in ids if c != NOISE_ID]
    ranks: dict[int, dict[str, float]] = {}
    names: dict[int, str] = {NOISE_ID: NOISE_NAME} if NOISE_ID in ids else {}
    for c in clustered:
        member = cluster_id == c
        medians = {column: float(np.median(values[member])) for column, values in measures.items()}
        ranks[c] = {
            column: percentile_rank(ordered[column], medians[column]) for column in RFM_COLUMNS
        }
        names[c] = base_name(
            level(ranks[c]["recency_days"]),
            level(ranks[c]["frequency"]),
            level(ranks[c]["monetary"]),
            one_time=medians["frequency"] <= 1,
        )
    for sharing in _sharing(names, clustered):
        _qualify(names, ranks, sharing)
    for sharing in _sharing(names, clustered):
        for number, c in enumerate(sharing, start=1):
            names[c] = f"{names[c]} ({number})"
    return {c: names[c] for c in ids}


def _sharing(names: dict[int, str], clustered: list[int]) -> list[list[int]]:
    """Groups (in cluster_id order) of two or more clusters with the same name."""
    groups: dict[str, list[int]] = {}
    for c in clustered:
        groups.setdefault(names[c], []).append(c)
    return [group for group in groups.values() if len(group) > 1]


def _qualify(names: dict[int, str], ranks: dict[int, dict[str, float]], sharing: list[int]) -> None:
    """Rule step 3: append the qualifier of the measure the clusters differ most on."""
    if len(sharing) > 3:
        return
    spread = {
        measure: max(ranks[c][measure] for c in sharing) - min(ranks[c][measure] for c in sharing)
        for measure in QUALIFIER_PRIORITY
    }
    measure = max(QUALIFIER_PRIORITY, key=lambda m: (spread[m], -QUALIFIER_PRIORITY.index(m)))
    values = [ranks[c][measure] for c in sharing]
    if len(set(values)) < len(values):
        return
    words = QUALIFIERS[measure][len(sharing) - 2]
    for position, c in enumerate(sorted(sharing, key=lambda c: -ranks[c][measure])):
        names[c] = f"{names[c]}, {words[position]}"
