"""The docs coverage check catches what it promises to catch."""

from segmentation.docs_coverage import undocumented

PROJECT = "customer_segmentation"


def manifest(model_description="A model.", column_description="A column.", macro="A macro."):
    return {
        "nodes": {
            "model.customer_segmentation.m": {
                "resource_type": "model",
                "name": "m",
                "package_name": PROJECT,
                "description": model_description,
                "columns": {"a": {"description": column_description}},
            },
            "test.customer_segmentation.t": {"resource_type": "test", "name": "t"},
        },
        "macros": {
            "macro.customer_segmentation.x": {
                "name": "x",
                "package_name": PROJECT,
                "description": macro,
            },
            "macro.dbt.other": {"name": "other", "package_name": "dbt", "description": ""},
        },
    }


CATALOG = {"nodes": {"model.customer_segmentation.m": {"columns": {"A": {"index": 1}}}}}


def test_a_fully_described_project_passes():
    assert undocumented(manifest(), CATALOG, PROJECT) == []


def test_a_model_without_description_is_reported():
    assert undocumented(manifest(model_description=""), CATALOG, PROJECT) == [
        "model m (?): no description"
    ]


def test_a_column_in_the_warehouse_but_not_in_the_yaml_is_reported():
    catalog = {"nodes": {"model.customer_segmentation.m": {"columns": {"A": {}, "B": {}}}}}
    assert undocumented(manifest(), catalog, PROJECT) == [
        "model m (?): column 'B' has no description"
    ]


def test_a_blank_column_description_is_reported():
    assert undocumented(manifest(column_description="  "), CATALOG, PROJECT) == [
        "model m (?): column 'A' has no description"
    ]


def test_macros_of_other_packages_are_ignored_but_ours_are_checked():
    assert undocumented(manifest(macro=""), CATALOG, PROJECT) == ["macro x (?): no description"]
