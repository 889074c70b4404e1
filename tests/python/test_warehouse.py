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

from segmentation.warehouse import WARM_MODULES, _runs_models, warm_imports


def test_the_clustering_stack_is_imported_in_the_background():
    thread = warm_imports()
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert all(module in sys.modules for module in WARM_MODULES)


def test_a_module_that_fails_to_import_does_not_stop_the_others():
    thread = warm_imports(("segmentation.no_such_module", "segmentation.frames"))
    thread.join(timeout=120)
    assert "segmentation.frames" in sys.modules
    assert "segmentation.no_such_module" not in sys.modules


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
