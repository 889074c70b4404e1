"""The row-accounting reasons have one home, the macro `transaction_audit_reasons`
(macros/transaction_audit_reasons.sql); every other place that spells them out (the
classification, the YAML check constraints, the generator, the docs) must agree with
it, name for name and in the order the rules apply."""

from __future__ import annotations

import re

import yaml
from conftest import PROJECT_ROOT

from segmentation import synth


def home() -> list[str]:
    text = (PROJECT_ROOT / "macros" / "transaction_audit_reasons.sql").read_text()
    return re.findall(r"'([a-z_]+)'", text)


def quoted(text: str) -> list[str]:
    return re.findall(r"'([a-z_]+)'", text)


def test_the_macro_lists_the_eight_reasons_once_each():
    reasons = home()
    assert len(reasons) == 8 == len(set(reasons)) and reasons[-1] == "kept"


def test_the_classification_applies_the_rules_in_the_macros_order():
    sql = (PROJECT_ROOT / "models/intermediate/int_transaction_lines_classified.sql").read_text()
    outcomes = re.findall(r"(?:then|else) '([a-z_]+)'", sql)
    assert outcomes == home()


def _check_expressions(model: str) -> list[str]:
    properties = yaml.safe_load((PROJECT_ROOT / "models/marts/_marts__models.yml").read_text())
    node = next(m for m in properties["models"] if m["name"] == model)
    reason = next(c for c in node["columns"] if c["name"] == "reason")
    return [c["expression"] for c in reason["constraints"] if c["type"] == "check"]


def test_the_marts_check_constraints_allow_exactly_the_macros_reasons():
    (audit,) = _check_expressions("transaction_audit")
    assert quoted(audit) == home()
    (rejected,) = _check_expressions("rejected_transaction_lines")
    assert quoted(rejected) == home()[:-1]


def test_the_generator_plants_the_macros_reasons():
    assert list(synth.REASONS) == home()


def test_the_contract_and_the_readme_number_the_rules_in_the_macros_order():
    for document in ("docs/contract.md", "README.md"):
        text = (PROJECT_ROOT / document).read_text()
        numbered = re.findall(r"^\d\. `([a-z_]+)`", text, flags=re.MULTILINE)
        assert numbered[:8] == home(), document
