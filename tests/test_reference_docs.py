"""The reference docs are generated from the code's own sources (`make docs`); every rule's
example (workbench/rules/examples/ID.yaml) makes it fire."""

from __future__ import annotations

import pytest

from workbench import reference
from workbench.rules.registry import SECTIONS, all_rules

RULES = [r.id for r in all_rules()]


@pytest.mark.parametrize("rule_id", RULES)
def test_every_rule_fires_on_its_example(rule_id: str) -> None:
    rule = next(r for r in all_rules() if r.id == rule_id)
    assert reference.example_of(rule_id) is not None, f"workbench/rules/examples/{rule_id}.yaml is missing"
    findings = reference.run_example(rule)
    assert findings, f"{rule_id} does not fire on its example"
    assert all(f.rule == rule_id for f in findings)


@pytest.mark.parametrize("rule_id", RULES)
def test_every_rule_says_what_it_finds_why_it_matters_and_how_to_fix_it(rule_id: str) -> None:
    rule = next(r for r in all_rules() if r.id == rule_id)
    paragraphs = rule.explanation.split("\n\n")
    labels = [next((s for s in SECTIONS if p.startswith(s)), None) for p in paragraphs]
    assert labels[0] is None, f"{rule_id}: the docstring starts with what the rule finds"
    assert [label for label in labels if label] == list(SECTIONS), f"{rule_id}: one paragraph per section, in order"
    assert all(len(p) > len(label or "") + 10 for p, label in zip(paragraphs, labels, strict=True))


def test_the_committed_reference_docs_are_what_make_docs_writes(repo_root) -> None:
    stale = [name for name, text in reference.render_all().items()
             if not (repo_root / reference.OUT / name).is_file()
             or (repo_root / reference.OUT / name).read_text("utf-8") != text]
    assert not stale, f"run `make docs`: {', '.join(stale)} differ from what would be generated"
