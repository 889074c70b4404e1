"""SVG building blocks as strings: scales, nice ticks, axes and marks. No state, no I/O.

Every data mark carries ``class="mark"`` and a ``<title>`` child, so the browser shows
its values on hover and tests can count what was drawn. The SVG is meant to be inlined
in HTML5, which needs no ``xmlns`` (the report then holds no URL at all).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

Formatter = Callable[[float], str]


def esc(text: object) -> str:
    """Text safe inside an element or a double-quoted attribute."""
    return escape(str(text), quote=True)


def n(value: float) -> str:
    """A coordinate with at most one decimal, the shortest way."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Frame:
    """A drawing of ``width`` x ``height`` pixels with margins around the plot area."""

    width: float
    height: float
    left: float = 56
    right: float = 16
    top: float = 16
    bottom: float = 40

    @property
    def x0(self) -> float:
        return self.left

    @property
    def x1(self) -> float:
        return self.width - self.right

    @property
    def y0(self) -> float:
        return self.top

    @property
    def y1(self) -> float:
        return self.height - self.bottom


@dataclass(frozen=True)
class Linear:
    """Maps the domain ``d0..d1`` linearly onto the pixel range ``r0..r1``."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        if self.d1 == self.d0:
            return (self.r0 + self.r1) / 2
        return self.r0 + (value - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)


@dataclass(frozen=True)
class Band:
    """``count`` equal bands over ``r0..r1``; ``padding`` is the gap share of each band."""

    count: int
    r0: float
    r1: float
    padding: float = 0.2

    @property
    def step(self) -> float:
        return (self.r1 - self.r0) / max(self.count, 1)

    @property
    def bandwidth(self) -> float:
        return self.step * (1 - self.padding)

    def start(self, index: int) -> float:
        return self.r0 + index * self.step + self.step * self.padding / 2

    def centre(self, index: int) -> float:
        return self.start(index) + self.bandwidth / 2


def tick_step(lo: float, hi: float, count: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``count`` ticks."""
    span = hi - lo
    if not math.isfinite(span) or span <= 0:
        return 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power * 1.0000001:
            return multiple * power
    return 10 * power


def nice_domain(lo: float, hi: float, count: int = 5) -> tuple[float, float]:
    """Widen ``lo..hi`` to round tick values; a single value gets a unit around it."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    step = tick_step(lo, hi, count)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


def ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values inside ``lo..hi``."""
    step = tick_step(lo, hi, count)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def svg(frame: Frame, body: str, label: str) -> str:
    """The root element; ``label`` is read out by screen readers."""
    return (
        f'<svg viewBox="0 0 {n(frame.width)} {n(frame.height)}" width="{n(frame.width)}" '
        f'height="{n(frame.height)}" role="img" aria-label="{esc(label)}">{body}</svg>'
    )


def title(tip: str | None) -> str:
    return f"<title>{esc(tip)}</title>" if tip else ""


def rect(
    x: float,
    y: float,
    width: float,
    height: float,
    fill: str,
    tip: str | None = None,
    cls: str = "mark",
    extra: str = "",
) -> str:
    """A rectangle; negative sizes are flipped so the mark is always drawn."""
    if width < 0:
        x, width = x + width, -width
    if height < 0:
        y, height = y + height, -height
    return (
        f'<rect class="{cls}" x="{n(x)}" y="{n(y)}" width="{n(width)}" height="{n(height)}" '
        f'fill="{fill}"{extra}>{title(tip)}</rect>'
    )


def circle(
    x: float,
    y: float,
    radius: float,
    fill: str,
    tip: str | None = None,
    cls: str = "mark",
    extra: str = "",
) -> str:
    return (
        f'<circle class="{cls}" cx="{n(x)}" cy="{n(y)}" r="{n(radius)}" fill="{fill}"{extra}>'
        f"{title(tip)}</circle>"
    )


def line(x1: float, y1: float, x2: float, y2: float, cls: str = "grid", extra: str = "") -> str:
    return f'<line class="{cls}" x1="{n(x1)}" y1="{n(y1)}" x2="{n(x2)}" y2="{n(y2)}"{extra}/>'


def polyline(points: Sequence[tuple[float, float]], stroke: str, cls: str = "series") -> str:
    coordinates = " ".join(f"{n(x)},{n(y)}" for x, y in points)
    return f'<polyline class="{cls}" points="{coordinates}" fill="none" stroke="{stroke}"/>'


def text(
    x: float,
    y: float,
    content: object,
    anchor: str = "start",
    cls: str = "label",
    extra: str = "",
) -> str:
    return (
        f'<text class="{cls}" x="{n(x)}" y="{n(y)}" text-anchor="{anchor}"{extra}>'
        f"{esc(content)}</text>"
    )


def y_axis(
    scale: Linear,
    frame: Frame,
    fmt: Formatter,
    label: str | None = None,
    right: bool = False,
    grid: bool = True,
) -> str:
    """Tick labels and horizontal grid lines for a vertical value axis."""
    lo, hi = sorted((scale.d0, scale.d1))
    parts = []
    for value in ticks(lo, hi):
        y = scale(value)
        if grid:
            parts.append(line(frame.x0, y, frame.x1, y))
        x = frame.x1 + 6 if right else frame.x0 - 6
        parts.append(text(x, y + 4, fmt(value), "start" if right else "end", "tick"))
    if label:
        x = frame.width - 10 if right else 12
        y = (frame.y0 + frame.y1) / 2
        rotation = 90 if right else -90
        parts.append(
            text(
                0,
                0,
                label,
                "middle",
                "axis-title",
                f' transform="translate({n(x)},{n(y)}) rotate({rotation})"',
            )
        )
    return "".join(parts)


def x_axis(
    scale: Linear,
    frame: Frame,
    fmt: Formatter,
    label: str | None = None,
    values: Sequence[float] | None = None,
    grid: bool = False,
) -> str:
    """Tick labels (and optional vertical grid lines) for a horizontal value axis."""
    lo, hi = sorted((scale.d0, scale.d1))
    parts = [line(frame.x0, frame.y1, frame.x1, frame.y1, "axis")]
    for value in values if values is not None else ticks(lo, hi):
        x = scale(value)
        if grid:
            parts.append(line(x, frame.y0, x, frame.y1))
        parts.append(text(x, frame.y1 + 16, fmt(value), "middle", "tick"))
    if label:
        parts.append(
            text((frame.x0 + frame.x1) / 2, frame.height - 6, label, "middle", "axis-title")
        )
    return "".join(parts)


def mix(start: str, end: str, t: float) -> str:
    """The colour ``t`` (0-1) of the way from ``start`` to ``end`` (``#rrggbb``)."""
    t = min(max(t, 0.0), 1.0)
    a = [int(start[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(end[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))
