"""Customer segmentation helpers used by the dbt project's Python models.

The package is importable from dbt Python models because ``profiles.yml`` lists
``python/`` under ``module_paths``.
"""
