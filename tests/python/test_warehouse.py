"""The dbt-duckdb plugin: the background import of the clustering stack and when it starts,
and the long-lived objects it keeps out of the garbage collector's way."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest
from conftest import PROJECT_ROOT
from dbt.flags import get_flags, set_flags

from segmentation.warehouse import _runs_models


def _in_a_fresh_interpreter(code: str) -> list[str]:
    """Run ``code`` where nothing is imported yet (this process imported it all)."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "python")},
    )
    return result.stdout.splitlines()


def test_the_clustering_stack_is_imported_in_the_background():
    probe = """
import sys, threading
from segmentation.warehouse import WARM_MODULES, warm_imports
print("before:", "sklearn" in sys.modules or any(m in sys.modules for m in WARM_MODULES))
thread = warm_imports()
print("on its own thread:", thread is not threading.main_thread() and thread.daemon)
thread.join(timeout=120)
print("after:", "sklearn" in sys.modules and all(m in sys.modules for m in WARM_MODULES))
"""
    assert _in_a_fresh_interpreter(probe) == [
        "before: False",
        "on its own thread: True",
        "after: True",
    ]


def test_a_module_that_fails_to_import_does_not_stop_the_others():
    probe = """
import sys
from segmentation.warehouse import warm_imports
print("before:", "segmentation.frames" in sys.modules)
warm_imports(("segmentation.no_such_module", "segmentation.frames")).join(timeout=120)
print("after:", "segmentation.frames" in sys.modules, "segmentation.no_such_module" in sys.modules)
"""
    assert _in_a_fresh_interpreter(probe) == ["before: False", "after: True False"]


@pytest.mark.parametrize(("command", "warms"), [("build", True), ("run", True), ("docs", False)])
def test_only_the_commands_that_run_models_warm_the_imports(command, warms):
    saved = get_flags()
    try:
        set_flags(argparse.Namespace(WHICH=command))
        assert _runs_models() is warms
    finally:
        set_flags(saved)


def test_long_lived_objects_are_frozen_now_and_everything_at_exit():
    # Exit handlers run last-registered first: the probe, registered before, runs after
    # the plugin's handler and sees what Python's final collection will see.
    probe = """
import atexit, gc
from segmentation.warehouse import freeze_long_lived_objects
frozen = {}
def probe_at_exit():
    print("later objects frozen at exit:", gc.get_freeze_count() > frozen["now"] + 9_000)
atexit.register(probe_at_exit)
print("frozen before:", gc.get_freeze_count() > 0)
freeze_long_lived_objects()
frozen["now"] = gc.get_freeze_count()
print("frozen now:", frozen["now"] > 0)
later = [[] for _ in range(10_000)]
"""
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "python")},
    )
    assert result.stdout.splitlines() == [
        "frozen before: False",
        "frozen now: True",
        "later objects frozen at exit: True",
    ]
