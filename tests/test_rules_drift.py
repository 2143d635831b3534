"""drift (R001): one field name, conflicting definitions."""

from __future__ import annotations

import json

from helpers_structural import ULID, family, hits, line_of, make_ws, ref, run, schema

IDENTIFIERS = [
    {"name": "run_id", "definition": "ssot/schemas/common/ids.schema.json#/$defs/run_id", "meaning": "a run"},
    {"name": "correlation_id", "definition": "ssot/schemas/common/ids.schema.json#/$defs/correlation_id",
     "meaning": "one user action"},
]


def test_identifier_redefined_is_an_error_at_the_deviating_definition(tmp_path):
    make_ws(tmp_path, {
        "a": schema({"run_id": ref("run_id")}),
        "b": schema({"run_id": ref("run_id"), "correlation_id": ref("correlation_id")}),
        "c": schema({"note": {"type": "string"}, "run_id": {"type": "integer", "minimum": 1}}),
    }, identifiers=IDENTIFIERS)
    (f,) = hits(run(tmp_path, "drift"))
    assert (f.rule, f.severity, f.path) == ("R001", "error", "ssot/schemas/c.schema.json")
    assert f.line == line_of(tmp_path / f.path, '"run_id"')
    assert "identifier run_id at /properties/run_id is `integer`" in f.message
    assert f'`string pattern="^run_{ULID}$"` (ssot/schemas/common/ids.schema.json#/$defs/run_id)' in f.message
    for name in "abc":
        assert f"{name}.schema.json#/properties/run_id" in f.message


def test_inline_copy_identical_to_the_canonical_definition_is_not_drift(tmp_path):
    inline = {"type": "string", "description": "copied", "pattern": f"^run_{ULID}$"}
    nested = {"$ref": "../common/ids.schema.json#/$defs/run_id", "description": "via another path"}
    make_ws(tmp_path, {"a": schema({"run_id": ref("run_id")}), "b": schema({"run_id": inline}),
                       "sub/c": schema({"run_id": nested})}, identifiers=IDENTIFIERS)
    assert hits(run(tmp_path, "drift")) == []


def test_other_fields_conflicting_are_one_warning_naming_every_definition(tmp_path):
    make_ws(tmp_path, {  # related: each uses the shared identifier library
        "a": schema({"sha": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "run_id": ref("run_id")}),
        "b": schema({"sha": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "run_id": ref("run_id")}),
        "c": schema({"sha": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}, "run_id": ref("run_id")}),
        "d": schema({"at": {"type": "string", "format": "date-time"}, "run_id": ref("run_id")}),
        "e": schema({"at": {"type": "string", "format": "date"}, "run_id": ref("run_id")}),
    })
    found = hits(run(tmp_path, "drift"))
    assert [(f.severity, f.subjects, f.path) for f in found] == [
        ("warning", ("sha",), "ssot/schemas/c.schema.json"), ("warning", ("at",), "ssot/schemas/d.schema.json")]
    sha = found[0].message
    assert sha.startswith("field sha is defined 2 ways: ")
    assert all(f"{n}.schema.json#/properties/sha" in sha for n in "abc")


def test_unrelated_schemas_are_different_vocabularies(tmp_path):
    make_ws(tmp_path, {  # no $ref between them, no family: independent contracts
        "ci": schema({"image": {"type": "string"}, "name": {"type": "string", "maxLength": 40}}),
        "compose": schema({"image": {"type": "object"}, "name": {"type": "string"}}),
    })
    assert hits(run(tmp_path, "drift")) == []
    make_ws(tmp_path, {  # one refers to the other: related, so the clash is drift
        "ci": schema({"image": {"type": "string"}}),
        "compose": schema({"image": {"type": "object"}, "ci": {"$ref": "ci.schema.json"}}),
    })
    [f] = hits(run(tmp_path, "drift"))
    assert f.subjects == ("image",)


def test_families_of_one_intent_class_are_related(tmp_path):
    make_ws(tmp_path, {"gate": schema({"score": {"type": "integer"}}), "promo": schema({"score": {"type": "number"}})},
            [family("gate", ["gate"]), family("promo", ["promo"])])
    [f] = hits(run(tmp_path, "drift"))
    assert f.subjects == ("score",) and {loc.file for loc in f.related} | {f.path} == {
        "ssot/schemas/gate.schema.json", "ssot/schemas/promo.schema.json"}


def test_disjoint_vocabularies_sharing_a_name_are_not_drift(tmp_path):
    make_ws(tmp_path, {
        "rpc": schema({"code": {"type": "string", "enum": ["GW_NOT_FOUND", "GW_INTERNAL"]}}),
        "reason": schema({"code": {"type": "string", "enum": ["POLICY_DENIED", "TIMEOUT"]}}),
    })
    assert hits(run(tmp_path, "drift")) == []


def _status(values):
    return schema({"status": {"type": "string", "enum": values}})


def test_status_is_compared_only_within_one_intent_class(tmp_path):
    make_ws(tmp_path, {"task": _status(["succeeded", "failed", "timed_out"]),
                       "job": _status(["accepted", "succeeded", "failed"])},
            [family("task", ["task"], intent="status"), family("job", ["job"], intent="job_invocation")])
    assert hits(run(tmp_path, "drift")) == []


def test_status_drift_within_one_intent_class_is_a_warning(tmp_path):
    make_ws(tmp_path, {"gate": _status(["pass", "fail", "hold"]), "promo": _status(["pass", "fail"]),
                       "other": _status(["up", "down"])},
            [family("gate", ["gate"]), family("promo", ["promo"]), family("other", ["other"], intent="resource_spec")])
    (f,) = hits(run(tmp_path, "drift"))
    assert (f.severity, f.path) == ("warning", "ssot/schemas/gate.schema.json")
    assert "other.schema.json" not in f.message


def test_refs_to_the_same_definition_never_conflict(tmp_path):
    make_ws(tmp_path, {n: schema({"run_id": ref("run_id"), "task_id": ref("task_id")}) for n in "abc"})
    assert hits(run(tmp_path, "drift")) == []


def test_recheck_recomputes_only_the_edited_file_and_its_dependents(tmp_path):
    from workbench.analysis import fields
    from workbench.loader import LoadCache, load_workspace
    from workbench.pipeline import check

    lib = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {"size": {"type": "string"}}}
    ids = {"$ref": "common/ids.schema.json"}  # a and b are related through the identifier library
    make_ws(tmp_path, {"a": schema({"size": {"$ref": "common/types.schema.json#/$defs/size"}, "ids": ids}),
                       "b": schema({"size": {"type": "string"}, "ids": ids}),
                       "c": schema({"other": {"type": "integer"}})},
            shared={"ids": {"$defs": {}}, "types": lib})
    cache = LoadCache()
    assert hits(check(load_workspace(tmp_path, cache), ["drift"])) == []
    before = fields.STATS["misses"]
    lib["$defs"]["size"] = {"type": "integer"}
    (tmp_path / "ssot/schemas/common/types.schema.json").write_text(json.dumps(lib))
    (f,) = hits(check(load_workspace(tmp_path, cache), ["drift"]))
    assert f.subjects == ("size",) and "`integer` in ssot/schemas/a.schema.json#/properties/size" in f.message
    assert fields.STATS["misses"] - before == 2  # the library and the schema that refers to it; not b or c
