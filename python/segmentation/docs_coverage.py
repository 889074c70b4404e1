"""Fail when a model, seed, source, macro or column lacks a description.

Reads dbt's ``manifest.json`` (what is documented) and ``catalog.json`` (the columns
that really exist in the warehouse, from ``dbt docs generate``), so a column added to
the SQL but not to the YAML is caught too::

    python -m segmentation.docs_coverage target/manifest.json target/catalog.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DOCUMENTED_RESOURCES = ("model", "seed", "source")


def _blank(text: object) -> bool:
    return not isinstance(text, str) or not text.strip()


def undocumented(
    manifest: Mapping[str, Any], catalog: Mapping[str, Any], project: str
) -> list[str]:
    """Every missing description in the project, one readable line each."""
    problems: list[str] = []
    nodes = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    catalog_nodes = {**catalog.get("nodes", {}), **catalog.get("sources", {})}
    for unique_id, node in sorted(nodes.items()):
        if node.get("resource_type") not in DOCUMENTED_RESOURCES:
            continue
        if node.get("package_name") != project:
            continue
        where = f"{node['resource_type']} {node['name']} ({node.get('original_file_path', '?')})"
        if _blank(node.get("description")):
            problems.append(f"{where}: no description")
        documented = {
            name.lower(): column
            for name, column in node.get("columns", {}).items()
            if not _blank(column.get("description"))
        }
        actual = catalog_nodes.get(unique_id, {}).get("columns", {})
        for name in sorted(actual, key=lambda n: actual[n].get("index", 0)):
            if name.lower() not in documented:
                problems.append(f"{where}: column '{name}' has no description")
    for macro in sorted(manifest.get("macros", {}).values(), key=lambda m: m["name"]):
        if macro.get("package_name") == project and _blank(macro.get("description")):
            problems.append(
                f"macro {macro['name']} ({macro.get('original_file_path', '?')}): no description"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("catalog", type=Path)
    parser.add_argument("--project", default="customer_segmentation")
    args = parser.parse_args(argv)
    problems = undocumented(
        json.loads(args.manifest.read_text()), json.loads(args.catalog.read_text()), args.project
    )
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} undocumented item(s)", file=sys.stderr)
        return 1
    print("every model, seed, source, macro and column is described")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
