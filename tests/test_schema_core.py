"""The schema toolkit, `$id`-aware resolution, per-dialect validation and structural budgets."""

from __future__ import annotations

import json

import corpus
import jsonschema
import pytest
from jsonschema_specifications import REGISTRY as SPECIFICATIONS
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

from workbench.analysis.fields import Structure
from workbench.analysis.refs import RefIndex
from workbench.loader import load_workspace
from workbench.pipeline import check
from workbench.rules import validity
from workbench.schema import dialect_of, iter_refs, json_type, subschemas
from workbench.schema.dialect import DRAFT4, DRAFT7, DRAFT202012

D7 = "http://json-schema.org/draft-07/schema#"


# ---------------------------------------------------------------- toolkit

def test_dialect_from_schema_keyword_with_default():
    assert dialect_of({"$schema": D7}) is DRAFT7
    assert dialect_of({"$schema": "http://json-schema.org/draft-04/schema"}) is DRAFT4
    assert dialect_of({}) is DRAFT202012
    assert dialect_of({"$schema": "https://example.com/custom"}, default=DRAFT7) is DRAFT7


def test_vocabulary_per_dialect():
    tuple_schema = {"items": [{"type": "string"}], "additionalItems": {"type": "integer"},
                    "dependencies": {"a": ["b"], "c": {"required": ["d"]}}}
    seen = {rel for rel, _ in subschemas(tuple_schema, DRAFT7)}
    assert seen == {("items", 0), ("additionalItems",), ("dependencies", "c")}
    # 2020-12: `items` is one schema, `prefixItems` the tuple, `dependencies` is no keyword
    assert {rel for rel, _ in subschemas(tuple_schema, DRAFT202012)} == set()
    assert {rel for rel, _ in subschemas({"prefixItems": [{}], "items": False}, DRAFT202012)} == {
        ("prefixItems", 0), ("items",)}
    assert "if" not in DRAFT4.keywords and "if" in DRAFT7.keywords


def test_iter_refs_follows_subschemas_only():
    body = {"properties": {"$ref": {"$ref": "#/$defs/a"}, "e": {"enum": [{"$ref": "not-a-ref"}]}},
            "$defs": {"a": {"$dynamicRef": "#meta"}}}
    assert sorted(iter_refs(body)) == [(("$defs", "a"), "#meta"), (("properties", "$ref"), "#/$defs/a")]


def test_json_type():
    assert [json_type(v) for v in (True, 1, 1.5, "x", None, [], {})] == [
        "boolean", "integer", "number", "string", "null", "array", "object"]


# ---------------------------------------------------------------- resolution and validation per dialect

@pytest.fixture(scope="module")
def adversarial_ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial")
    corpus.adversarial(root)
    return load_workspace(root)


def _reference_registry(ws) -> Registry:
    """What python-jsonschema sees: every file under its file URI, crawled, plus the meta-schemas."""
    resources = [(s.uri, Resource.from_contents(s.body, default_specification=dialect_of(s.body).specification))
                 for s in ws.schemas]
    return SPECIFICATIONS.with_resources(resources).crawl()


def _reference_verdict(ws, schema, instance) -> bool:
    registry = _reference_registry(ws)
    dialect = dialect_of(schema.body)
    resolver = registry.resolver(base_uri=schema.uri).in_subresource(dialect.specification.create_resource(schema.body))
    return dialect.validator(schema.body, registry=registry, _resolver=resolver).is_valid(instance)


CASES = [  # (schema file, instance)
    ("schemas/d4-order.json", {"address": {"city": "Oslo"}, "customer": "Ada", "note": "ok"}),
    ("schemas/d4-order.json", {"address": {}, "customer": "Ada"}),
    ("schemas/d4-order.json", {"customer": ""}),
    ("schemas/d4-order.json", {"note": "x" * 41}),
    ("schemas/ids/shipment.json", {"parcel": {"weight": 1}, "sender": {"name": "A"}, "mode": "sea", "stamp": "??"}),
    ("schemas/ids/shipment.json", {"parcel": {"weight": -1}, "sender": {"name": "A"}}),
    ("schemas/ids/shipment.json", {"parcel": {}, "sender": {}}),
    ("schemas/ids/shipment.json", {"parcel": {}, "sender": {"name": "A"}, "mode": "rail"}),
    ("schemas/ids/shipment.json", {"parcel": {}, "sender": {"name": "A"}, "meta": {"type": 5}}),
    ("schemas/d7-tuple.json", {"point": [1, 2]}),
    ("schemas/d7-tuple.json", {"point": [1, 2, 3]}),
    ("schemas/d7-tuple.json", {"point": [1, "x"]}),
    ("schemas/d7-tuple.json", {"card": "4242"}),
    ("schemas/d7-tuple.json", {"card": "42", "billing": "b"}),
    ("schemas/tree.json", {"value": 1, "children": [{"value": 2, "children": [{"value": "x"}]}]}),
    ("schemas/dag.json", {"label": "d0-", "via3": {"label": "d3-", "via1": {"label": "d5-"}}}),
    ("schemas/dag.json", {"label": "d0-", "via3": {"label": "d3-", "via1": {"label": "wrong"}}}),
]


@pytest.mark.parametrize("path,instance", CASES, ids=[f"{p.rsplit('/', 1)[-1]}-{i}" for i, (p, _) in enumerate(CASES)])
def test_validation_matches_python_jsonschema(adversarial_ws, path, instance):
    ws = adversarial_ws
    schema = ws.schema(path)
    refs = RefIndex.of(ws)
    validator, failure = validity._validator(refs, schema, refs.closure(schema))
    assert failure is None
    assert type(validator).__module__.startswith("jsonschema_rs")  # not the python-jsonschema fallback
    ours = not list(validity._errors(validator, instance))
    assert ours == _reference_verdict(ws, schema, instance)


def test_id_addressed_refs_resolve(adversarial_ws):
    refs = RefIndex.of(adversarial_ws)
    shipment = adversarial_ws.schema("schemas/ids/shipment.json")
    got = {r.ref: refs.resolve(r.base, r.ref) for r in refs.refs_of(shipment)}
    assert got["parcel#/$defs/parcel"].doc == "file:///schemas/ids/parcel.json"
    assert got["https://example.com/schemas/party"].doc == "file:///schemas/ids/party.json"
    assert got["#mode"].contents == {"$anchor": "mode", "enum": ["air", "sea"]}
    assert got["stamp"].doc == "file:///schemas/ids/shipment.json"
    meta = got["http://json-schema.org/draft-07/schema#"]
    assert meta.status == "ok" and meta.doc == ""  # a standard meta-schema: offline, outside the workspace
    order = adversarial_ws.schema("schemas/d4-order.json")
    got = {r.ref: refs.resolve(r.base, r.ref) for r in refs.refs_of(order)}
    assert got["address.json"].contents["required"] == ["city"]  # draft-04 `id` inside definitions
    assert got["customer.json#/definitions/name"].doc == "file:///schemas/d4-customer.json"


def test_adversarial_workspace_checks_without_false_errors(adversarial_ws):
    result = check(adversarial_ws)
    wrong = [f for f in result.findings if f.rule in ("V001", "V002", "V003", "V004", "V005")
             or "failed" in f.message]
    assert wrong == []


def test_dag_of_definitions_is_bounded_by_budgets(adversarial_ws):
    st = Structure(adversarial_ws)
    dag = st.facts(adversarial_ws.schema("schemas/dag.json"))
    budgets = adversarial_ws.config.budgets
    assert 0 < len(dag.leaves) <= budgets.leaves
    assert {b for b, _ in dag.exceeded} >= {"leaves"}
    assert max(len(leaf.path) for leaf in dag.leaves) <= budgets.depth
    tree = st.facts(adversarial_ws.schema("schemas/tree.json"))
    assert tree.exceeded == () and {leaf.path for leaf in tree.leaves} >= {("value",), ("children",)}
    tuple_facts = st.facts(adversarial_ws.schema("schemas/d7-tuple.json"))
    assert ("point",) in {leaf.path for leaf in tuple_facts.leaves}


def test_l002_names_the_budget_and_stays_quiet_within_it(make_ws):
    dag, _ = corpus.dag_schema(12, 3)
    root = make_ws({"ssot/schemas/dag.schema.json": dag,
                    "ssot/schemas/small.schema.json": {"type": "object", "properties": {"a": {"type": "string"}}},
                    "decisions/workspace.yaml": "version: 1\nbudgets:\n  leaves: 50\n"})
    ws = load_workspace(root)
    assert ws.config.budgets.leaves == 50
    hits = [f for f in check(ws, ("L002",)).findings]
    assert [(f.path, f.severity) for f in hits] == [("ssot/schemas/dag.schema.json", "info")]
    assert "leaves budget" in hits[0].message and "50" in hits[0].message


def test_the_steps_budget_counts_work_the_same_on_every_run(make_ws):
    """`steps` bounds the leaves composed (each definition's once): unlike the clock it gives the same
    L002, at the same place, however loaded the machine is."""
    dag, _ = corpus.dag_schema(12, 3)
    root = make_ws({"ssot/schemas/dag.schema.json": dag,
                    "ssot/schemas/small.schema.json": {"type": "object", "properties": {"a": {"type": "string"}}},
                    "decisions/workspace.yaml": "version: 1\nbudgets:\n  steps: 200\n"})
    runs = [[(f.path, f.message) for f in check(load_workspace(root), ("L002",)).findings] for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    assert [path for path, _ in runs[0]] == ["ssot/schemas/dag.schema.json"]
    assert "steps budget (leaves composed, 200)" in runs[0][0][1]


# ---------------------------------------------------------------- refs: cycles, malformed, remote once

def test_v005_cycle_through_allof_and_anyof(make_ws):
    root = make_ws({
        "ssot/schemas/loop.schema.json": {"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]},
                                                    "b": {"anyOf": [{"$ref": "#/$defs/a"}]}},
                                          "$ref": "#/$defs/a"},
        "ssot/schemas/x.schema.json": {"allOf": [{"$ref": "y.schema.json"}]},
        "ssot/schemas/y.schema.json": {"oneOf": [{"$ref": "x.schema.json"}]},
        "ssot/schemas/tree.schema.json": {"type": "object", "properties": {
            "kids": {"type": "array", "items": {"$ref": "#"}}}},
    })
    hits = check(load_workspace(root), ("V005",)).findings
    assert sorted(f.path for f in hits) == ["ssot/schemas/loop.schema.json", "ssot/schemas/x.schema.json"]


def test_malformed_ref_is_reported_on_its_schema_and_breaks_no_rule(make_ws):
    root = make_ws({
        "ssot/schemas/bad.schema.json": {"type": "object", "properties": {
            "a": {"$ref": "http://[::1"}, "b": {"type": "string"}, "c": {"type": "integer"}}},
        "ssot/schemas/good.schema.json": {"type": "object", "properties": {
            "a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "integer"}}},
    })
    findings = check(load_workspace(root)).findings
    assert not [f for f in findings if "failed" in f.message]
    v003 = [f for f in findings if f.rule == "V003"]
    assert [f.path for f in v003] == ["ssot/schemas/bad.schema.json"]


def test_v004_once_per_target(make_ws):
    root = make_ws({"ssot/schemas/a.schema.json": {"properties": {
        "x": {"$ref": "https://example.com/other.json#/$defs/x"},
        "y": {"$ref": "https://example.com/other.json#/$defs/y"},
        "z": {"$ref": "https://example.com/third.json"},
        "m": {"$ref": "https://json-schema.org/draft/2020-12/schema"}}}})
    hits = check(load_workspace(root), ("V004",)).findings
    assert len(hits) == 2
    assert any("1 more" in f.message for f in hits)


# ---------------------------------------------------------------- the real-schema corpus

@pytest.fixture(scope="module")
def real_ws(tmp_path_factory):
    pytest.importorskip("check_jsonschema", reason="check-jsonschema (test extra) vendors the catalog schemas")
    root = tmp_path_factory.mktemp("corpus")
    assert corpus.real_corpus(root) > 20
    return load_workspace(root)


def test_real_corpus_has_no_false_reference_or_validity_errors(real_ws):
    result = check(real_ws, ("validity", "load", "overlap", "duplication"))
    assert not [f for f in result.findings if "failed" in f.message]
    assert not [f for f in result.findings if f.rule in ("V001", "V002", "V003", "V005", "L001")]
    # a remote ref is one python-jsonschema cannot resolve offline either
    registry = _reference_registry(real_ws)
    refs = RefIndex.of(real_ws)
    for f in (f for f in result.findings if f.rule == "V004"):
        schema = real_ws.schema(f.path)
        ref = f.subjects[1]
        base = next(r.base for r in refs.refs_of(schema) if r.ref == ref)
        with pytest.raises(Unresolvable):
            registry.resolver(base_uri=base).lookup(ref)


def test_sarif_schema_checks_cleanly(real_ws):
    if not corpus.SARIF.is_file():
        from helpers_sarif import in_ci

        why = f"SARIF 2.1.0 schema not found at {corpus.SARIF}: CI provides ../shared/schemas (README, Development)"
        if in_ci():
            pytest.fail(f"{why}; CI is set, so the SARIF validation must run")
        pytest.skip(why)
    path = "schemas/sarif/sarif-schema-2.1.0.json"
    result = check(real_ws, ("validity",))
    assert not [f for f in result.findings if f.path == path and f.severity == "error"]
    body = real_ws.schema(path).body
    assert dialect_of(body).validator is jsonschema.validators.validator_for(body)  # read in the dialect it declares


def test_real_corpus_metaschemas_resolve_by_id(real_ws):
    refs = RefIndex.of(real_ws)
    meta = real_ws.schema("schemas/meta/draft202012/metaschema.json")
    targets = {r.ref: refs.resolve(r.base, r.ref) for r in refs.refs_of(meta)}
    assert targets["meta/core"].doc == "file:///schemas/meta/draft202012/vocabularies/core.json"
    assert all(t.status == "ok" for t in targets.values())
    assert json.dumps(targets["meta/core"].contents)  # plain JSON


def test_python_jsonschema_validates_what_jsonschema_rs_refuses(adversarial_ws, monkeypatch):
    def refuse(*args, **kwargs):
        raise ValueError("unsupported")

    monkeypatch.setattr(validity, "_RS", dict.fromkeys(validity._RS, refuse))
    refs = RefIndex.of(adversarial_ws)
    schema = adversarial_ws.schema("schemas/ids/shipment.json")
    validator, failure = validity._validator(refs, schema, refs.closure(schema))
    assert failure is None and isinstance(validator, jsonschema.Draft202012Validator)
    assert not list(validity._errors(validator, {"parcel": {}, "sender": {"name": "A"}, "stamp": "??"}))
    assert [p for p, _ in validity._errors(validator, {"parcel": {"weight": -1}, "sender": {"name": "A"}})] == [
        ("parcel", "weight")]
