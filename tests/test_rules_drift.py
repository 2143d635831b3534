"""drift (R001): one field name, conflicting definitions."""

from __future__ import annotations

import json

from helpers_structural import ULID, make_ws, ref
from helpers_ws import family, hits, line_of, run, schema

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
    assert "identifier run_id at /properties/run_id is `integer minimum=1`" in f.message
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

    lib = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {"size": {"type": "integer"}}}
    ids = {"$ref": "common/ids.schema.json"}  # a and b are related through the identifier library
    make_ws(tmp_path, {"a": schema({"size": {"$ref": "common/types.schema.json#/$defs/size"}, "ids": ids}),
                       "b": schema({"size": {"type": "integer"}, "ids": ids}),
                       "c": schema({"other": {"type": "integer"}})},
            shared={"ids": {"$defs": {}}, "types": lib})
    cache = LoadCache()
    assert hits(check(load_workspace(tmp_path, cache), ["drift"])) == []
    before = fields.STATS["misses"]
    lib["$defs"]["size"] = {"type": "integer", "minimum": 0}
    (tmp_path / "ssot/schemas/common/types.schema.json").write_text(json.dumps(lib))
    (f,) = hits(check(load_workspace(tmp_path, cache), ["drift"]))
    assert f.subjects == ("size",) and "`integer minimum=0` in ssot/schemas/a.schema.json#/properties/size" in f.message
    assert fields.STATS["misses"] - before == 2  # the library and the schema that refers to it; not b or c


def _repo(root, schemas: dict[str, dict]):
    """A user's repository: schemas under schemas/, adopted with `workbench init` (drafted families only)."""
    from workbench.cli import main

    for name, body in schemas.items():
        path = root / "schemas" / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body, indent=2) + "\n")
    assert main(["init", "--root", str(root)]) == 0
    return hits(run(root, "drift"))


RUN_ID = {"type": "string", "pattern": f"^run_{ULID}$"}


def test_two_undecided_schemas_with_a_drifting_run_id(tmp_path, capsys):
    (f,) = _repo(tmp_path, {"submit": schema({"run_id": RUN_ID, "name": {"type": "string"}}),
                            "report": schema({"run_id": {"type": "integer"}, "name": {"type": "object"}})})
    assert (f.rule, f.severity, f.path, f.subjects) == ("R001", "warning", "schemas/report.json", ("run_id",))
    assert f.message == (f'field run_id is defined 2 ways: `integer` in schemas/report.json#/properties/run_id; '
                         f'`string pattern="^run_{ULID}$"` in schemas/submit.json#/properties/run_id')


def test_unrelated_tools_sharing_names_stay_quiet(tmp_path, capsys):
    assert _repo(tmp_path, {  # independent services: each formats its ids, names its images, its own way
        "ci": schema({"run_id": {"type": "string", "pattern": "^[0-9]+$"}, "name": {"type": "string"},
                      "image": {"type": "string"}}),
        "compose": schema({"run_id": {"type": "string", "format": "uuid"}, "name": {"type": "object"},
                           "image": {"type": "object"}}),
    }) == []


def test_an_identifier_format_drifting_between_related_schemas_is_found(tmp_path):
    make_ws(tmp_path, {"a": schema({"run_id": RUN_ID, "lib": ref("task_id")}),
                       "b": schema({"run_id": {"type": "string", "format": "uuid"}, "lib": ref("task_id")})})
    (f,) = hits(run(tmp_path, "drift"))
    assert f.subjects == ("run_id",) and 'format="uuid"' in f.message


def test_every_definition_of_the_identifier_library_is_compared_everywhere(tmp_path):
    key = {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"}
    lib = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {"run_id": RUN_ID, "idem_key": key}}
    loose = {"a": schema({"idem_key": {"type": "string"}}), "b": schema({"idem_key": {"type": "string"}})}
    make_ws(tmp_path, loose, shared={"ids": lib}, identifiers=IDENTIFIERS[:1])  # declares run_id there
    (f,) = hits(run(tmp_path, "drift"))
    assert f.subjects == ("idem_key",) and "ssot/schemas/common/ids.schema.json#/$defs/idem_key" in f.message
    make_ws(tmp_path, loose, shared={"ids": lib}, identifiers=[])  # no identifier library: unrelated schemas
    assert hits(run(tmp_path, "drift")) == []


INT64 = {"type": "integer", "minimum": -9223372036854775808, "maximum": 9223372036854775807}


def test_a_numeric_range_drifting_is_found(tmp_path):
    make_ws(tmp_path, {"a": schema({"size": INT64, "run_id": ref("run_id")}),
                       "b": schema({"size": {"type": "integer", "minimum": 0}, "run_id": ref("run_id")})})
    (f,) = hits(run(tmp_path, "drift"))
    assert f.message.startswith("field size is defined 2 ways: `integer minimum=-9.223372036854776e+18 "
                                "maximum=9.223372036854776e+18` in ssot/schemas/a.schema.json#/properties/size; "
                                "`integer minimum=0` in ssot/schemas/b.schema.json#/properties/size")


def test_a_bound_written_as_its_float_rendering_is_the_same_bound(tmp_path):
    rounded = {"type": "integer", "minimum": -9223372036854776000, "maximum": 9223372036854776000.0}
    make_ws(tmp_path, {
        "a": schema({"size": INT64, "n": {"type": "number", "minimum": 1}, "run_id": ref("run_id")}),
        "b": schema({"size": rounded, "n": {"type": "number", "minimum": 1.0}, "run_id": ref("run_id")})})
    assert hits(run(tmp_path, "drift")) == []


def _typed(variant: dict) -> dict:
    return schema({"type": variant, "run_id": ref("run_id")})  # all related through the identifier library


GENERIC = [{"type": "string", "pattern": "^RLIMIT_[A-Z]+$"}, {"type": "string", "pattern": "^[cbup]$"},
           {"type": "object"}]


def test_a_generic_name_is_compared_only_within_a_family(tmp_path):
    make_ws(tmp_path, {n: _typed(v) for n, v in zip("abc", GENERIC, strict=True)})
    assert hits(run(tmp_path, "drift")) == []  # three unrelated uses, three shapes: generic
    make_ws(tmp_path, {n: _typed(v) for n, v in zip("abc", GENERIC, strict=True)} | {"a2": _typed({"type": "string"})},
            [family("a", ["a", "a2"], guess=True)])  # an `init` draft: a and its sibling belong together
    (f,) = hits(run(tmp_path, "drift"))
    assert f.subjects == ("type",) and {f.path, *(loc.file for loc in f.related)} == {
        "ssot/schemas/a.schema.json", "ssot/schemas/a2.schema.json"}


def test_two_uses_in_two_shapes_are_not_enough_to_call_a_name_generic(tmp_path):
    make_ws(tmp_path, {n: _typed(v) for n, v in zip("ab", GENERIC, strict=False)})
    (f,) = hits(run(tmp_path, "drift"))
    assert f.subjects == ("type",)
