"""The clustering vars are declared once, in the package (segmentation.clustering.OPTIONS):
dbt_project.yml's defaults, the JSON object the Python models get, the accepted
algorithm names and the README's vars table are all checked against it."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from conftest import PROJECT_ROOT

from segmentation.clustering import ALGORITHMS, from_meta, option_defaults, option_docs

SEGMENTS_YAML = PROJECT_ROOT / "models" / "marts" / "segments" / "_segments__models.yml"


def project_vars() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]


def segment_models() -> dict[str, dict]:
    return {m["name"]: m for m in yaml.safe_load(SEGMENTS_YAML.read_text())["models"]}


def meta_vars(model: str) -> list[str]:
    """The var names in a model's `meta.clustering` JSON template."""
    template = segment_models()[model]["config"]["meta"]["clustering"]
    return re.findall(r"'(\w+)': var\('\1'\)", template)


def test_dbt_project_defaults_are_the_package_defaults():
    declared = project_vars()
    for var, default in option_defaults().items():
        assert var in declared, var
        assert declared[var] == default, var


@pytest.mark.parametrize("model", ["cluster_evaluation", "segment_model"])
def test_the_python_models_get_every_clustering_var_and_nothing_else(model):
    names = meta_vars(model)
    assert sorted(names) == sorted(option_defaults()) and len(names) == len(set(names))


def test_the_rendered_json_reads_back_as_the_default_config():
    rendered = json.dumps({var: project_vars()[var] for var in option_defaults()})
    assert from_meta({"clustering": rendered}) == from_meta(
        {"clustering": json.dumps(option_defaults())}
    )
    with pytest.raises(ValueError, match="var 'cluster_k_min' is '3'"):
        from_meta({"clustering": json.dumps({**option_defaults(), "cluster_k_min": "3"})})


def test_cluster_evaluation_accepts_exactly_the_package_s_algorithms():
    columns = {c["name"]: c for c in segment_models()["cluster_evaluation"]["columns"]}
    (accepted,) = [
        t["accepted_values"]["arguments"]["values"]
        for t in columns["algorithm"]["data_tests"]
        if isinstance(t, dict) and "accepted_values" in t
    ]
    assert accepted == list(ALGORITHMS)


def shown(default: object) -> str:
    """A default as the README's vars table writes it."""
    if default is None:
        return "`null`"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, list):
        return "`[" + ", ".join(default) + "]`"
    return f"`{default}`"


def test_the_readme_vars_table_has_every_clustering_var_s_default_and_doc_line():
    readme = (PROJECT_ROOT / "README.md").read_text()
    table = readme[readme.index("## Vars") :]
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \| (.+) \|$", table, flags=re.MULTILINE)
    documented = {var: (default, doc) for var, default, doc in rows}
    for var, default, doc in option_docs():
        assert documented.get(var) == (shown(default), doc), var
