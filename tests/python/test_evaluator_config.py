"""The project's dbt-project-evaluator configuration (evaluator/) stays true to the
project: every exception names a rule group of the package and a real model or source,
and says why; the vars name folders, prefixes and tests that exist. No dbt run: the
evaluator itself runs with `make evaluate` (README "dbt Labs' project evaluator")."""

from __future__ import annotations

import csv
import re

import yaml
from conftest import PROJECT_ROOT

EVALUATOR = PROJECT_ROOT / "evaluator"
MODELS = PROJECT_ROOT / "models"

#: The rule groups (fct_ models) of dbt-project-evaluator 1.3 that the seed may except.
RULE_GROUPS = {
    "fct_chained_views_dependencies",
    "fct_direct_join_to_source",
    "fct_duplicate_sources",
    "fct_exposure_parents_materializations",
    "fct_exposures_dependent_on_private_models",
    "fct_hard_coded_references",
    "fct_marts_or_intermediate_dependent_on_source",
    "fct_missing_primary_key_tests",
    "fct_model_directories",
    "fct_model_fanout",
    "fct_model_naming_conventions",
    "fct_multiple_sources_joined",
    "fct_public_models_without_contract",
    "fct_rejoining_of_upstream_concepts",
    "fct_root_models",
    "fct_source_directories",
    "fct_source_fanout",
    "fct_sources_without_freshness",
    "fct_staging_dependent_on_marts_or_intermediate",
    "fct_staging_dependent_on_staging",
    "fct_test_directories",
    "fct_too_many_joins",
    "fct_undocumented_models",
    "fct_undocumented_public_models",
    "fct_undocumented_source_tables",
    "fct_undocumented_sources",
    "fct_unused_sources",
}


def exceptions() -> list[dict[str, str]]:
    with (EVALUATOR / "dbt_project_evaluator_exceptions.csv").open(newline="") as seed:
        return list(csv.DictReader(seed))


def evaluator_vars() -> dict:
    return yaml.safe_load((EVALUATOR / "dbt_project_evaluator.yml").read_text())["vars"]


def model_names() -> set[str]:
    return {path.stem for pattern in ("*.sql", "*.py") for path in MODELS.rglob(pattern)}


def source_names() -> set[str]:
    declared = yaml.safe_load((MODELS / "_sources.yml").read_text())["sources"]
    return {
        f"{source['name']}.{table['name']}" for source in declared for table in source["tables"]
    }


def like(pattern: str) -> re.Pattern[str]:
    """SQL `like` (how the package applies id_to_exclude) as a regular expression."""
    parts = (".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern)
    return re.compile("".join(parts))


def test_every_exception_names_a_rule_group_a_column_and_gives_its_reason():
    rows = exceptions()
    assert rows
    for row in rows:
        assert list(row) == ["fct_name", "column_name", "id_to_exclude", "comment"], row
        assert row["fct_name"] in RULE_GROUPS, row
        assert re.fullmatch(r"[a-z_]+", row["column_name"]), row
        assert len(row["comment"].split()) >= 5, f"say why: {row}"


def test_every_exception_matches_a_model_or_source_of_the_project():
    names = model_names() | source_names()
    unmatched = [
        row["id_to_exclude"]
        for row in exceptions()
        if not any(like(row["id_to_exclude"]).fullmatch(name) for name in names)
    ]
    assert unmatched == []


def test_no_exception_is_listed_twice():
    keys = [(row["fct_name"], row["column_name"], row["id_to_exclude"]) for row in exceptions()]
    assert len(keys) == len(set(keys))


def test_every_mart_is_named_by_one_of_the_configured_entity_prefixes():
    prefixes = tuple(evaluator_vars()["marts_prefixes"])
    marts = {path.stem for path in (MODELS / "marts").rglob("*") if path.suffix in {".sql", ".py"}}
    assert sorted(name for name in marts if not name.startswith(prefixes)) == []


def test_every_configured_layer_is_a_folder_of_models():
    configured = evaluator_vars()
    for model_type in configured["model_types"]:
        folder = configured.get(f"{model_type}_folder_name")
        if folder is not None:
            assert (MODELS / folder).is_dir(), model_type


def test_the_primary_key_tests_of_the_project_exist_in_tests_generic():
    for test_set in evaluator_vars()["primary_key_test_macros"]:
        for test in test_set:
            package, macro = test.split(".")
            if package != "customer_segmentation":
                continue
            name = macro.removeprefix("test_")
            source = (PROJECT_ROOT / "tests" / "generic" / f"{name}.sql").read_text()
            assert f"{{% test {name}(" in source, test
