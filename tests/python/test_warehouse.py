"""The dbt-duckdb plugin's background import of the clustering stack."""

from __future__ import annotations

import sys

from segmentation.warehouse import WARM_MODULES, warm_imports


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
