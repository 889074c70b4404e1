"""Customers with known segments, for tests and benchmarks (like ``sklearn.datasets``).

Four customer types, far apart once log-transformed, each with the long right tail
real spend has:

=====================  ==============  ==========  ===============================
type                   recency_days    frequency   monetary
=====================  ==============  ==========  ===============================
champions              1-20            15-40       high (order value ~ 60)
lapsed_big_spenders    200-330         5-12        high (order value ~ 90)
recent_newcomers       1-40            1-2         low (order value ~ 20)
lost_one_timers        250-365         1-2         low (order value ~ 15)
=====================  ==============  ==========  ===============================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.synth import SEGMENTS

#: The planted types of the generator (segmentation.synth.SEGMENTS, their one home).
PLANTED_TYPES = tuple(segment.name for segment in SEGMENTS)
#: The default shares of the types here: fewer lost one-timers than the generator
#: plants (its ``share``), so that every type is well represented in the small samples
#: the clustering tests draw.
DEFAULT_WEIGHTS = (0.15, 0.2, 0.3, 0.35)
#: The median order value of each type (the generator prices lines, not orders).
_ORDER_VALUES = {
    "champions": 60.0,
    "lapsed_big_spenders": 90.0,
    "recent_newcomers": 20.0,
    "lost_one_timers": 15.0,
}
# type -> (recency range, frequency range, median order value)
_PROFILES = {
    segment.name: (segment.recency_days, segment.invoices, _ORDER_VALUES[segment.name])
    for segment in SEGMENTS
}


def make_planted_rfm(
    n_customers: int = 1_000,
    *,
    random_state: int = 0,
    order_value_sigma: float = 0.6,
    weights: tuple[float, ...] = DEFAULT_WEIGHTS,
) -> tuple[pd.DataFrame, pd.Series]:
    """customer_rfm-shaped rows with planted customer types.

    Frequency is log-normal, rounded and clipped to the type's range; recency is
    log-uniform within the type's range; monetary is frequency x log-normal order
    values (``order_value_sigma`` on the log scale sets how long the right tail is).

    Parameters
    ----------
    n_customers : int
        Rows to make.
    random_state : int
        Seed; the same seed gives the same rows.
    order_value_sigma : float
        Log-scale spread of the order value.
    weights : tuple of float
        Share of each type in :data:`PLANTED_TYPES` order.

    Returns
    -------
    rfm : DataFrame of shape (n_customers, 4)
        ``customer_id`` (shuffled, not in type order), ``recency_days`` (days),
        ``frequency`` (invoices), ``monetary`` (money).
    truth : Series of shape (n_customers,)
        Each row's planted type.
    """
    rng = np.random.default_rng(random_state)
    probabilities = np.asarray(weights, dtype=float) / np.sum(weights)
    kinds = rng.choice(len(PLANTED_TYPES), size=n_customers, p=probabilities)
    recency = np.empty(n_customers)
    frequency = np.empty(n_customers)
    monetary = np.empty(n_customers)
    for index, kind in enumerate(PLANTED_TYPES):
        member = kinds == index
        size = int(member.sum())
        (r_low, r_high), (f_low, f_high), order_value = _PROFILES[kind]
        recency[member] = np.exp(rng.uniform(np.log(r_low), np.log(r_high), size))
        centre = np.sqrt(f_low * f_high)
        drawn = np.exp(rng.normal(np.log(centre), 0.35, size))
        frequency[member] = np.clip(np.rint(drawn), f_low, f_high)
        orders = np.exp(rng.normal(np.log(order_value), order_value_sigma, size))
        monetary[member] = frequency[member] * orders
    rfm = pd.DataFrame(
        {
            "customer_id": rng.permutation(np.arange(10_000, 10_000 + n_customers)),
            "recency_days": np.rint(recency).astype(np.int64),
            "frequency": frequency.astype(np.int64),
            "monetary": np.round(monetary, 2),
        }
    )
    truth = pd.Series(np.asarray(PLANTED_TYPES)[kinds], name="planted_type")
    return rfm, truth
