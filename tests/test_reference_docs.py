"""The reference docs are generated from the code's own sources (`make docs`); every rule's
example (workbench/rules/examples/ID.yaml) makes it fire."""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass
from typing import Any

import pytest

from workbench import reference
from workbench.config import yaml_key
from workbench.loader.decisions import RECORDS, decisions_schema
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


def _properties(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The keys an object node documents (through `$ref`, `oneOf`/`anyOf` and array `items`)."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    out = dict(node.get("properties") or {})
    for sub in [*node.get("oneOf", ()), *node.get("anyOf", ()), node.get("items")]:
        if isinstance(sub, dict):
            out |= _properties(sub, schema)
    return out


def _declared_keys(record: type[Any]) -> list[tuple[str, ...]]:
    """The YAML key path of every field `record` reads, and of the fields of a dataclass one holds."""
    out = []
    for f in fields(record):
        if (key := yaml_key(f)) is None:
            continue
        out.append(path := tuple(key.split(".")))
        default = f.default_factory() if f.default_factory is not MISSING else f.default
        if is_dataclass(default):
            out += [path + sub for sub in _declared_keys(type(default))]
    return out


@pytest.mark.parametrize("kind", RECORDS)
def test_every_key_a_record_reads_is_in_its_schema(kind: str) -> None:
    """The records (model, config) and the packaged schemas name the same YAML keys, so records.md and
    config.md show each declared default next to its key."""
    schema = decisions_schema(kind)
    for container, record in RECORDS[kind].items():
        node = _properties(schema, schema)[container] if container else schema
        for path in _declared_keys(record):
            at = node
            for part in path:
                known = _properties(at, schema)
                assert part in known, f"{record.__name__} reads {'.'.join(path)!r}, which {kind}.schema.json lacks"
                at = known[part]
