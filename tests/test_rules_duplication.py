"""duplication (D001): the same sub-schema written out in several files."""

from __future__ import annotations

from helpers_structural import make_ws, ref
from helpers_ws import family, hits, line_of, obj, run, schema

ADDRESS = obj({
    "street": {"type": "string", "description": "Street and number."},
    "city": {"type": "string"},
    "postcode": {"type": "string", "pattern": "^[0-9]{5}$"},
    "country": {"type": "string", "enum": ["DE", "FR", "NL"]},
}, ["street", "city"])


def reworded(node: dict) -> dict:
    """Same sub-schema, other annotations and key order."""
    props = {k: dict(v, description=f"the {k}") for k, v in reversed(list(node["properties"].items()))}
    return {"title": "Address", "required": list(reversed(node["required"])), "properties": props,
            "additionalProperties": False, "type": "object", "examples": [{"street": "x", "city": "y"}]}


def test_same_sub_schema_in_two_files(tmp_path):
    make_ws(tmp_path, {
        "customer": schema({"id": {"type": "string"}, "billing": ADDRESS}),
        "shipment": schema({"tracking": {"type": "string"}, "legs": {"type": "array", "items": reworded(ADDRESS)}}),
    })
    (f,) = hits(run(tmp_path, "duplication"))
    assert (f.rule, f.severity, f.path) == ("D001", "warning", "ssot/schemas/customer.schema.json")
    assert f.line == line_of(tmp_path / f.path, '"billing"')
    assert "4 properties: city, country, postcode, street" in f.message
    assert ("ssot/schemas/customer.schema.json#/properties/billing, "
            "ssot/schemas/shipment.schema.json#/properties/legs/items") in f.message


def test_refs_are_compared_by_target_not_spelling(tmp_path):
    ids = obj({"run": ref("run_id"), "task": ref("task_id"), "note": {"type": "string"}})
    deep = obj({"run": {"$ref": "../common/ids.schema.json#/$defs/run_id"},
                "task": {"$ref": "../common/ids.schema.json#/$defs/task_id"}, "note": {"type": "string"}})
    make_ws(tmp_path, {"a": schema({"ctx": ids}), "nested/b": schema({"ctx": deep})})
    assert len(hits(run(tmp_path, "duplication"))) == 1


def test_only_the_outermost_copy_is_reported(tmp_path):
    outer = obj({"home": ADDRESS, "work": ADDRESS, "phone": {"type": "string"}})
    make_ws(tmp_path, {"a": schema({"contact": outer}), "b": schema({"person": outer})})
    (f,) = hits(run(tmp_path, "duplication"))
    assert "#/properties/contact," in f.message and "home" in f.message


def test_quiet_when_different_small_or_in_one_file(tmp_path):
    tighter = obj(dict(ADDRESS["properties"], postcode={"type": "string", "pattern": "^[0-9]{4}$"}), ["street", "city"])
    small = obj({"lat": {"type": "number"}, "lon": {"type": "number"}})
    make_ws(tmp_path, {  # an unnamed copy needs to be equal and of 3 properties; a named one, the same name
        "a": schema({"addr": ADDRESS, "pos": small, "again": ADDRESS}),
        "b": schema({"address": tighter, "position": small}),
    })
    assert hits(run(tmp_path, "duplication")) == []


def test_property_named_like_an_annotation_is_a_property(tmp_path):
    a = obj({"title": {"type": "string"}, "description": {"type": "string"}, "size": {"type": "integer"}})
    b = obj({"title": {"type": "string"}, "description": {"type": "integer"}, "size": {"type": "integer"}})
    make_ws(tmp_path, {"a": schema({"x": a}), "b": schema({"y": b})})
    assert hits(run(tmp_path, "duplication")) == []
    make_ws(tmp_path, {"a": schema({"x": a}), "b": schema({"y": a})})
    assert len(hits(run(tmp_path, "duplication"))) == 1


TELEMETRY_REF = {"trace_id_hex": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                 "span_id_hex": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}


def test_a_small_object_under_one_name_in_two_schemas_is_a_duplicate(tmp_path):
    make_ws(tmp_path, {  # two undecided tools, nothing in common but the copied object
        "evidence": schema({"bundle": {"type": "string"}, "telemetry_ref": obj(TELEMETRY_REF, ["trace_id_hex"])}),
        "capsule": schema({"capsule": {"type": "string"},
                           "telemetry_ref": obj(TELEMETRY_REF, ["trace_id_hex"], closed=False)}),
    })
    (f,) = hits(run(tmp_path, "duplication"))
    assert (f.rule, f.path, f.pointer) == ("D001", "ssot/schemas/capsule.schema.json", "/properties/telemetry_ref")
    assert f.message.startswith(
        "the same object telemetry_ref (2 properties: span_id_hex, trace_id_hex) is written out in 2 places: "
        "ssot/schemas/capsule.schema.json#/properties/telemetry_ref, "
        "ssot/schemas/evidence.schema.json#/properties/telemetry_ref (the copies already differ)")
    assert [loc.file for loc in f.related] == ["ssot/schemas/evidence.schema.json"]


def test_openness_differing_between_copies_is_drift_at_the_open_copy(tmp_path):
    make_ws(tmp_path, {
        "evidence": schema({"telemetry_ref": obj(TELEMETRY_REF)}),
        "capsule": schema({"telemetry_ref": obj(TELEMETRY_REF, closed=False)}),
        "bundle": schema({"items": {"type": "array", "items": obj(TELEMETRY_REF, closed=False)}}),
    })
    (f,) = hits(run(tmp_path, "R002"))
    assert (f.rule, f.category, f.severity, f.path) == ("R002", "drift", "warning", "ssot/schemas/capsule.schema.json")
    assert f.line == line_of(tmp_path / f.path, '"telemetry_ref"')
    assert f.message == ("the same object telemetry_ref (2 properties: span_id_hex, trace_id_hex) is open here but "
                         "closed in ssot/schemas/evidence.schema.json#/properties/telemetry_ref: a document with "
                         "another key passes here and fails there")
    assert [(loc.file, loc.pointer) for loc in f.related] == [
        ("ssot/schemas/evidence.schema.json", "/properties/telemetry_ref")]


def test_openness_alike_is_no_drift(tmp_path):
    make_ws(tmp_path, {"evidence": schema({"telemetry_ref": obj(TELEMETRY_REF, ["trace_id_hex"], closed=False)}),
                       "capsule": schema({"telemetry_ref": obj(TELEMETRY_REF, closed=False)}),
                       "bundle": schema({"telemetry_ref": obj(TELEMETRY_REF, closed=False, required=["span_id_hex"])})})
    assert hits(run(tmp_path, "R002")) == []


def test_a_small_object_under_different_names_or_with_other_keys_is_not(tmp_path):
    other = dict(TELEMETRY_REF, parent_span_id_hex={"type": "string"})
    make_ws(tmp_path, {"a": schema({"telemetry_ref": obj(TELEMETRY_REF)}), "b": schema({"trace": obj(TELEMETRY_REF)}),
                       "c": schema({"telemetry_ref": obj(other)})})
    assert hits(run(tmp_path, "duplication")) == []


def test_shared_definition_copied_inline_points_at_the_copy(tmp_path):
    lib = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {"address": ADDRESS}}
    make_ws(tmp_path, {"a": schema({"addr": reworded(ADDRESS)})}, [family("a", ["a"])],
            shared={"ids": {"$defs": {}}, "types": lib})
    (f,) = hits(run(tmp_path, "duplication"))
    assert f.path == "ssot/schemas/a.schema.json"
    assert "ssot/schemas/common/types.schema.json#/$defs/address" in f.message
