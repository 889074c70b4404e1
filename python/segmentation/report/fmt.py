"""How numbers read in the report: one place, so takeaways, tooltips and axes agree.

Counts get thousands separators (``28,339``), shares one decimal (``14.0%``), money is
rounded to whole units of the file's currency (``910,290``; the file says which
currency, the report does not guess a symbol).
"""

from __future__ import annotations

import math

import pandas as pd


def count(value: float) -> str:
    """A whole number with thousands separators: ``28339`` -> ``"28,339"``."""
    return f"{round(value):,}"


def percent(share: float) -> str:
    """A share (0-1) as a percentage with one decimal: ``0.1401`` -> ``"14.0%"``."""
    return f"{100 * share:.1f}%"


def amount(value: float) -> str:
    """Money rounded to whole units: ``910289.52`` -> ``"910,290"``."""
    return f"{value:,.0f}"


def money(value: float) -> str:
    """Money to the cent, for tooltips: ``9909.18`` -> ``"9,909.18"``."""
    return f"{value:,.2f}"


def fixed(value: float, places: int = 2) -> str:
    """A decimal with ``places`` digits and no negative zero: ``-0.001`` -> ``"0.00"``."""
    text = f"{value:.{places}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def signed(value: float, places: int = 2) -> str:
    """A decimal with its sign: ``0.68`` -> ``"+0.68"``."""
    text = fixed(value, places)
    return text if text.startswith("-") else f"+{text}"


def plain(value: float) -> str:
    """Whole numbers without decimals, others with one.

    ``11.0`` -> ``"11"``, ``27.5`` -> ``"27.5"``.
    """
    if float(value).is_integer():
        return count(value)
    return f"{value:,.1f}"


def month(value: object) -> str:
    """A month as ``"Mar 2011"``."""
    return pd.Timestamp(value).strftime("%b %Y")


def day(value: object) -> str:
    """A day as ``"2011-03-01"``."""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def short(value: float) -> str:
    """Axis tick labels.

    ``1200000`` -> ``"1.2M"``, ``350000`` -> ``"350k"``, ``0.25`` -> ``"0.25"``.
    """
    if value == 0:
        return "0"
    size = abs(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= threshold:
            return _trim(f"{value / threshold:.2f}") + suffix
    if size >= 1:
        return _trim(f"{value:.2f}")
    digits = max(2, 1 - math.floor(math.log10(size)) + 1)
    return _trim(f"{value:.{digits}f}")


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text
