"""Run dbt Labs' dbt-project-evaluator on a throwaway copy of the project.

The evaluator is a dbt package, and the dbt hub is out of reach, so it is installed
from local checkouts of its repository and of dbt-utils (which it needs). Neither is
part of this project: the runner copies the project's git-tracked files to a temporary
folder, adds the packages and this folder's configuration there, builds the evaluator
on a throwaway DuckDB file and prints every rule group that fails, with its rows::

    make evaluate EVALUATOR=/path/to/dbt-project-evaluator DBT_UTILS=/path/to/dbt-utils

It exits 0 when every rule group passes (the exceptions seed removed what is left)
and 1 otherwise (2 when the evaluator could not be built).

The project's evaluator configuration lives beside this file, in one place:
``dbt_project_evaluator.yml`` (the vars, under the package's name) and
``dbt_project_evaluator_exceptions.csv`` (every exception, with its reason). They
only exist in the copy, so a normal ``dbt build`` neither needs nor runs the package.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import yaml  # type: ignore[import-untyped]  # no stubs in requirements.txt

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent
#: The vars of the package, merged into the copy's ``dbt_project.yml``.
CONFIG_FILE = HERE / "dbt_project_evaluator.yml"
#: Every exception to a rule, with its reason: the package's exceptions seed.
EXCEPTIONS_FILE = HERE / "dbt_project_evaluator_exceptions.csv"
PACKAGE = "dbt_project_evaluator"


def tracked_files(root: Path) -> list[Path]:
    """The files git tracks under ``root``, relative to it (as they are in the work tree).

    Parameters
    ----------
    root : Path
        The project's root, a git work tree.

    Returns
    -------
    list of Path
        Relative paths, without the ones deleted from the work tree.
    """
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, check=True, capture_output=True, text=True
    ).stdout
    return [Path(name) for name in listing.split("\0") if name and (root / name).is_file()]


def copy_project(root: Path, destination: Path) -> None:
    """Copy the git-tracked files of ``root`` into ``destination``, keeping their layout.

    Parameters
    ----------
    root : Path
        The project's root.
    destination : Path
        An empty folder.
    """
    for relative in tracked_files(root):
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, target)


def evaluator_project(
    project: Mapping[str, Any], evaluator_vars: Mapping[str, Any]
) -> dict[str, Any]:
    """The copy's ``dbt_project.yml``: the project's, configured for the evaluator.

    Parameters
    ----------
    project : Mapping
        The project's ``dbt_project.yml``, parsed.
    evaluator_vars : Mapping
        The package's vars (``dbt_project_evaluator.yml``'s ``vars``).

    Returns
    -------
    dict
        A new mapping: the vars scoped to the package, the package's dispatch (its
        DuckDB shims of dbt's macros come first) and its empty exceptions seed disabled,
        since the project's own takes its place.
    """
    configured = dict(project)
    configured["vars"] = {**project.get("vars", {}), PACKAGE: dict(evaluator_vars)}
    configured["dispatch"] = [
        *project.get("dispatch", []),
        {"macro_namespace": "dbt", "search_order": [PACKAGE, "dbt"]},
    ]
    seeds = dict(project.get("seeds", {}))
    seeds[PACKAGE] = {f"{PACKAGE}_exceptions": {"+enabled": False}}
    configured["seeds"] = seeds
    return configured


def write_packages(copy: Path, evaluator: Path, dbt_utils: Path) -> None:
    """Install the two checkouts as local packages of the copy.

    The evaluator's own ``packages.yml`` asks the dbt hub for dbt-utils, which is out
    of reach; its copy here asks for the local checkout instead.

    Parameters
    ----------
    copy : Path
        The project's copy.
    evaluator, dbt_utils : Path
        Work trees of the two repositories.
    """
    local_evaluator = copy / "packages_local" / PACKAGE
    shutil.copytree(evaluator, local_evaluator, ignore=shutil.ignore_patterns(".git"))
    packages = {"packages": [{"local": str(dbt_utils.resolve())}]}
    (local_evaluator / "packages.yml").write_text(yaml.safe_dump(packages))
    packages["packages"].append({"local": str(local_evaluator)})
    (copy / "packages.yml").write_text(yaml.safe_dump(packages))


def prepare(copy: Path, evaluator: Path, dbt_utils: Path) -> None:
    """Make ``copy`` (an empty folder) the project plus the evaluator and its configuration.

    Parameters
    ----------
    copy : Path
        An empty folder.
    evaluator, dbt_utils : Path
        Work trees of the two repositories.
    """
    copy_project(PROJECT_ROOT, copy)
    project = yaml.safe_load((copy / "dbt_project.yml").read_text())
    evaluator_vars = yaml.safe_load(CONFIG_FILE.read_text())["vars"]
    configured = evaluator_project(project, evaluator_vars)
    (copy / "dbt_project.yml").write_text(yaml.safe_dump(configured, sort_keys=False))
    shutil.copy2(EXCEPTIONS_FILE, copy / "seeds" / f"{PACKAGE}_exceptions.csv")
    write_packages(copy, evaluator, dbt_utils)


def exception_counts() -> dict[str, int]:
    """How many rows of the exceptions seed each rule group has."""
    with EXCEPTIONS_FILE.open(newline="") as seed:
        return dict(Counter(row["fct_name"] for row in csv.DictReader(seed)))


def dbt(copy: Path, arguments: Sequence[str], environment: Mapping[str, str]) -> int:
    """Run ``dbt`` (the one beside this Python) in ``copy``; its exit code."""
    executable = Path(sys.executable).parent / "dbt"
    command = [str(executable), *arguments]
    print("$", " ".join(command), flush=True)
    return subprocess.run(command, cwd=copy, env=dict(environment)).returncode


#: dbt's test statuses, the worst last.
STATUS_ORDER = ("pass", "warn", "fail", "error")


def rule_statuses(run_results: Mapping[str, Any], manifest: Mapping[str, Any]) -> dict[str, str]:
    """The outcome of each rule group: the worst status of the evaluator's tests on it.

    Parameters
    ----------
    run_results, manifest : Mapping
        dbt's ``run_results.json`` and ``manifest.json`` of the evaluator's build.

    Returns
    -------
    dict
        ``fct_`` model name (a rule group) to ``pass``, ``warn``, ``fail`` or ``error``;
        the package's tests warn, so any status but ``pass`` is a rule that fails.
    """
    statuses: dict[str, str] = {}
    nodes = manifest["nodes"]
    for result in run_results["results"]:
        node = nodes.get(result["unique_id"], {})
        if node.get("resource_type") != "test" or node.get("package_name") != PACKAGE:
            continue
        status = result["status"] if result["status"] in STATUS_ORDER else "error"
        for parent in node["depends_on"]["nodes"]:
            name = nodes[parent]["name"]
            if name.startswith("fct_"):
                known = statuses.get(name, "pass")
                statuses[name] = max(known, status, key=STATUS_ORDER.index)
    return dict(sorted(statuses.items()))


def print_rows(database: Path, schema: str, relation: str) -> None:
    """Print the rows of one evaluator table, one per line."""
    with duckdb.connect(str(database), read_only=True) as con:
        result = con.execute(f'select * from "{schema}"."{relation}"')
        columns = [column[0] for column in result.description or []]
        rows = result.fetchall()
    print(f"\n{relation}: {len(rows)} row(s)")
    for row in rows:
        shown = {c: v for c, v in zip(columns, row, strict=True) if c != "measured_at"}
        print("  " + json.dumps(shown, default=str))


def coverage(database: Path) -> str:
    """The evaluator's test and documentation coverage, as one line."""
    with duckdb.connect(str(database), read_only=True) as con:
        tests = con.execute(
            "select tested_models, total_models, test_coverage_pct from main.fct_test_coverage"
        ).fetchone()
        docs = con.execute(
            "select documentation_coverage_pct from main.fct_documentation_coverage"
        ).fetchone()
    if tests is None or docs is None:
        return "no coverage measured"
    return (
        f"test coverage {tests[2]}% ({tests[0]} of {tests[1]} models have a data test), "
        f"documentation coverage {docs[0]}%"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Build the evaluator on a copy of the project; 1 when a rule group fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluator", type=Path, required=True, help="dbt-project-evaluator")
    parser.add_argument("--dbt-utils", type=Path, required=True, help="dbt-utils work tree")
    parser.add_argument("--keep", action="store_true", help="keep the copy and print its path")
    arguments = parser.parse_args(argv)
    for checkout in (arguments.evaluator, arguments.dbt_utils):
        if not (checkout / "dbt_project.yml").is_file():
            parser.error(f"{checkout} is not a dbt package (no dbt_project.yml)")

    copy = Path(tempfile.mkdtemp(prefix="dbt-project-evaluator-"))
    try:
        prepare(copy, arguments.evaluator.resolve(), arguments.dbt_utils.resolve())
        warehouse = copy / "target" / "evaluator.duckdb"
        environment = {**os.environ, "DBT_PROFILES_DIR": str(copy), "DUCKDB_PATH": str(warehouse)}
        if dbt(copy, ["deps"], environment) != 0:
            return 2
        selection = ["--select", f"package:{PACKAGE}", f"{PACKAGE}_exceptions"]
        # quiet: the rule groups and their rows are printed below, from the results
        built = dbt(copy, ["--quiet", "build", *selection], environment)
        target = copy / "target"
        if not (target / "run_results.json").is_file():
            print(f"the evaluator's build stopped (dbt exit code {built})", file=sys.stderr)
            return 2
        run_results = json.loads((target / "run_results.json").read_text())
        manifest = json.loads((target / "manifest.json").read_text())
        errors = [
            r["unique_id"]
            for r in run_results["results"]
            if r["status"] == "error" and not r["unique_id"].startswith("test.")
        ]
        if errors:
            print("the evaluator's build failed on: " + ", ".join(errors), file=sys.stderr)
            return 2
        statuses = rule_statuses(run_results, manifest)
        failing = [rule for rule, status in statuses.items() if status != "pass"]
        excepted = exception_counts()
        print(f"\n{len(statuses)} rule groups:")
        for rule, status in statuses.items():
            note = f" ({excepted[rule]} exception(s))" if rule in excepted else ""
            print(f"  {status.upper():5} {rule}{note}")
        # dbt builds in the work file (profiles.yml); nothing here publishes it
        sys.path.insert(0, str(PROJECT_ROOT / "python"))
        from segmentation.warehouse import work_path

        database = work_path(warehouse)
        print(coverage(database))
        for relation in failing:
            print_rows(database, "main", relation)
        if failing:
            print(f"\n{len(failing)} rule group(s) fail: {', '.join(failing)}")
            return 1
        print("\nEvery dbt-project-evaluator rule group passes.")
        return 0
    finally:
        if arguments.keep:
            print(f"the copy: {copy}")
        else:
            shutil.rmtree(copy, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
