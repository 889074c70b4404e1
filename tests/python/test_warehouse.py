"""The dbt-duckdb plugin's background import of the clustering stack, and when it starts."""

from __future__ import annotations

import argparse
import sys

import pytest
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
