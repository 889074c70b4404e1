"""One of the project's SQL models or macros as dbt renders it for DuckDB, without dbt.

For the tests and the benchmark's floor, which run a model's SQL on a connection of
their own over relations they made, in milliseconds rather than a dbt invocation. Only
models and macro files that use plain Jinja render here: ``ref`` gives the relation the
caller names, ``adapter.dispatch`` the ``default__`` macro (DuckDB's), ``return`` its
value. ``dbt compile`` renders the same files for real; the end-to-end tests build them
with dbt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class _Returned(Exception):
    """dbt's ``return()``: ends the macro, which gives ``value`` instead of its text."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def _return(value: Any) -> None:
    raise _Returned(value)


class DuckDBAdapter:
    """dbt's ``adapter.dispatch`` as the DuckDB target resolves it: the default__ macro."""

    def __init__(self) -> None:
        self.macros: dict[str, Callable[..., Any]] = {}

    def dispatch(self, name: str, _package: str | None = None) -> Callable[..., Any]:
        """The ``default__`` implementation of macro ``name``."""
        implementation = self.macros.get(f"default__{name}")
        if implementation is None:
            raise KeyError(f"no macro default__{name} in the macro files given")
        return implementation


#: One macro definition of a macro file (dbt's macros do not nest).
_MACRO = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(.*?{%-?\s*endmacro\s*-?%}", re.DOTALL)


def macro_module(files: Sequence[str]) -> dict[str, Callable[..., Any]]:
    """The macros of ``files`` (paths under macros/) by name, each called as dbt calls it.

    As in dbt, each macro is compiled on its own and finds the others by name among the
    environment's globals, so a value one returns with ``return()`` reaches its caller.
    """
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    adapter = DuckDBAdapter()
    environment.globals.update({"adapter": adapter, "execute": True, "return": _return})
    sources = {
        match.group(1): match.group(0)
        for file in files
        for match in _MACRO.finditer((PROJECT_ROOT / "macros" / file).read_text())
    }
    modules: dict[str, Any] = {}

    def called_as_dbt_calls(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return getattr(modules[name], name)(*args, **kwargs)
            except _Returned as returned:
                return returned.value

        return call

    macros = {name: called_as_dbt_calls(name) for name in sources}
    # a template copies the globals when its module is made: every name first, then modules
    environment.globals.update(macros)
    for name, source in sources.items():
        modules[name] = environment.from_string(source).module
    adapter.macros = macros
    return macros


def render_model(path: str, refs: Mapping[str, str], macro_files: Sequence[str]) -> str:
    """The SQL of the model at ``path`` (under models/) with ``ref(name)`` as ``refs[name]``,
    the macros of ``macro_files`` (under macros/) in reach.

    Raises
    ------
    KeyError
        When the model refers to a relation ``refs`` does not name.
    """
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    environment.globals.update(macro_module(macro_files))
    environment.globals.update(
        ref=lambda name: refs[name],
        config=lambda **_: "",
        execute=True,
    )
    return environment.from_string((PROJECT_ROOT / "models" / path).read_text()).render()
