"""Short progress messages for dbt's log, without making them anyone's concern."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Log = Callable[[str], None]


def say(log: Log | None, message: str) -> None:
    """Send ``message`` to ``log`` when there is one."""
    if log is not None:
        log(f"segmentation: {message}")


@contextmanager
def timed(log: Log | None, step: str) -> Iterator[None]:
    """Log how many seconds the ``with`` block took, as ``"<step>: 1.23 s"``."""
    start = time.perf_counter()
    yield
    say(log, f"{step}: {time.perf_counter() - start:.2f} s")
