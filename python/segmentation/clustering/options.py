"""One option of the clustering step, declared once (the model is scikit-learn's
``_parameter_constraints``): its dbt var, kind, default, bounds or allowed values,
what null means, and one doc line. The checks and their messages derive from it.

:func:`option` declares a :class:`~.config.SegmentationConfig` field with its
:class:`Option`; :mod:`.config` lists them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["int", "float", "bool", "choice", "columns"]


@dataclass(frozen=True)
class Option:
    """The declaration of one option: its var, kind, default, constraints and doc.

    Attributes
    ----------
    var : str
        The dbt var that sets it.
    kind : {"int", "float", "bool", "choice", "columns"}
        ``int``: an integer (``bool`` is not one); ``float``: any finite number;
        ``choice``: one of ``choices``, exactly; ``columns``: a non-empty list of
        distinct column names.
    default : object
        The value when the var is absent (Python form: a tuple for ``columns``).
    doc : str
        One line for the README's vars table.
    minimum, maximum : float or None
        Bounds of a number; ``None``: unbounded on that side.
    exclusive_minimum, exclusive_maximum : bool
        Whether the bound itself is refused.
    choices : tuple of str
        The allowed values of a ``choice``.
    null_means : str or None
        What null does, when null is allowed (e.g. "every core"); ``None``: null is
        refused.
    name : str
        The :class:`SegmentationConfig` field (filled in from the dataclass).
    """

    var: str
    kind: Kind
    default: Any
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    choices: tuple[str, ...] = ()
    null_means: str | None = None
    name: str = ""

    @property
    def nullable(self) -> bool:
        """Whether null is an allowed value."""
        return self.null_means is not None

    def allowed(self) -> str:
        """What the option accepts, as error messages say it."""
        if self.kind == "bool":
            text = "true or false"
        elif self.kind == "choice":
            text = ", ".join(self.choices)
        elif self.kind == "columns":
            text = "a non-empty list of distinct numeric customer_rfm column names"
        else:
            text = ("an integer" if self.kind == "int" else "a number") + self._bounds()
        return f"null ({self.null_means}) or {text}" if self.nullable else text

    def _bounds(self) -> str:
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            if self.exclusive_minimum and self.exclusive_maximum:
                return f" strictly between {_number(low)} and {_number(high)}"
            if not self.exclusive_minimum and not self.exclusive_maximum:
                return f" from {_number(low)} to {_number(high)}"
            left = ">" if self.exclusive_minimum else ">="
            right = "<" if self.exclusive_maximum else "<="
            return f" {left} {_number(low)} and {right} {_number(high)}"
        if low is not None:
            return f" {'>' if self.exclusive_minimum else '>='} {_number(low)}"
        if high is not None:
            return f" {'<' if self.exclusive_maximum else '<='} {_number(high)}"
        return ""

    def error(self, value: object, allowed: str | None = None) -> ValueError:
        """The error for a bad ``value``, naming the var, the value and what is allowed."""
        hint = ""
        if isinstance(value, str) and self.kind in ("int", "float", "bool", "columns"):
            hint = "; vars are read as typed JSON values, text is not converted"
        return ValueError(
            f"var '{self.var}' is {value!r}; allowed: {allowed or self.allowed()}"
            f"{hint} (SegmentationConfig.{self.name})"
        )

    def check(self, value: object, *, as_json: bool = False) -> None:
        """Raise :meth:`error` unless ``value`` is allowed.

        ``as_json``: ``value`` is a var as it arrived (a list for ``columns``), not a
        :class:`SegmentationConfig` field (a tuple).
        """
        if value is None:
            if not self.nullable:
                raise self.error(value)
            return
        if self.kind == "columns":
            self._check_columns(value, as_json)
            return
        if self.kind == "bool":
            ok = isinstance(value, bool)
        elif self.kind == "choice":
            ok = isinstance(value, str) and value in self.choices
        elif self.kind == "int":
            ok = _is_int(value) and self._within(float(value))  # type: ignore[arg-type]
        else:
            ok = _is_number(value) and math.isfinite(value) and self._within(value)  # type: ignore[arg-type]
        if not ok:
            raise self.error(value)

    def _check_columns(self, value: object, as_json: bool) -> None:
        if (
            not isinstance(value, list | tuple)
            or (isinstance(value, list) and not as_json)
            or not value
            or not all(isinstance(item, str) and item for item in value)
        ):
            raise self.error(value)
        if len(set(value)) != len(value):
            raise self.error(list(value), "distinct column names (no repeats)")

    def _within(self, number: float) -> bool:
        low, high = self.minimum, self.maximum
        if low is not None and (number <= low if self.exclusive_minimum else number < low):
            return False
        return not (
            high is not None and (number >= high if self.exclusive_maximum else number > high)
        )

    def from_json(self, raw: object) -> object:
        """The :class:`SegmentationConfig` value of a typed JSON var, after checking it.

        No text coercion: a string is only ever a ``choice``.
        """
        self.check(raw, as_json=True)
        if self.kind == "columns" and raw is not None:
            return tuple(raw)  # type: ignore[arg-type]
        if self.kind == "float" and raw is not None:
            return float(raw)  # type: ignore[arg-type]
        return raw

    def json_default(self) -> object:
        """The default as dbt_project.yml writes it (a list for ``columns``)."""
        return list(self.default) if isinstance(self.default, tuple) else self.default


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def option(var: str, kind: Kind, default: Any, doc: str, **constraints: Any) -> Any:
    """Declare a :class:`SegmentationConfig` field: a dataclass field with its :class:`Option`."""
    spec = Option(var=var, kind=kind, default=default, doc=doc, **constraints)
    return field(default=default, metadata={"option": spec})
