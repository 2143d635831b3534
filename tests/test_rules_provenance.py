"""Provenance rules P001/P002: one canonical provenance record."""

from __future__ import annotations

from helpers_governance import OBJ, family_yaml, findings_of, yaml_doc
from helpers_ws import schema, write

MANIFEST = "ssot/schemas/run.manifest.schema.json"
RESPONSE = "ssot/schemas/skill.response.schema.json"
POLICY = "decisions/provenance.yaml"
FIELDS = ["repo", "commit_sha", "input_hash"]


def manifest(required=tuple(FIELDS), props=tuple(FIELDS)) -> dict:
    record = {"type": "object", "properties": {p: {"type": "string"} for p in props}, "required": list(required)}
    return schema({"run_id": "string", "provenance": record}, closed=False)


def prov_ws(tmp_path, manifest_body=None, response=None, policy=None):
    """run.manifest holds the record; skill.response refers to it by default."""
    response = response or schema({"provenance": {"$ref": "run.manifest.schema.json#/properties/provenance"}},
                                  closed=False)
    return write(tmp_path, {
        MANIFEST: manifest_body or manifest(),
        RESPONSE: response,
        "decisions/families/runs.yaml": family_yaml("runs", [MANIFEST, RESPONSE]),
        POLICY: yaml_doc(policy or {"canonical_record": MANIFEST, "pointer": "/properties/provenance",
                                    "fields": FIELDS}),
    })


def source_line(root, rel, needle, after=0):
    """First line (1-based) after line `after` of a written file containing `needle`."""
    lines = (root / rel).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if i > after and needle in line)


def test_quiet_when_record_is_complete_and_referenced(tmp_path):
    root = prov_ws(tmp_path)
    assert findings_of(root, "P001") == [] and findings_of(root, "P002") == []


def test_p001_field_missing_or_not_required(tmp_path):
    root = prov_ws(tmp_path, manifest(required=["repo"], props=["repo", "commit_sha"]))
    found = findings_of(root, "P001")
    by = {f.subjects[1]: f for f in found}
    assert set(by) == {"commit_sha", "input_hash"} and {f.path for f in found} == {MANIFEST}
    assert "not listed in `required`" in by["commit_sha"].message
    assert by["commit_sha"].line == source_line(root, MANIFEST, '"required"')
    assert "is not defined" in by["input_hash"].message
    record_line = source_line(root, MANIFEST, '"provenance"')
    assert by["input_hash"].line == source_line(root, MANIFEST, '"properties"', after=record_line)


def test_p001_follows_ref_to_the_record(tmp_path):
    lib = OBJ | {"$defs": {"prov": {"type": "object", "properties": {"repo": {"type": "string"}},
                                    "required": ["repo"]}}}
    body = schema({"provenance": {"$ref": "common/prov.schema.json#/$defs/prov"}}, closed=False)
    root = prov_ws(tmp_path, body, policy={"canonical_record": MANIFEST, "pointer": "/properties/provenance",
                                           "fields": ["repo", "commit_sha"]})
    write(root, {"ssot/schemas/common/prov.schema.json": lib})
    found = findings_of(root, "P001")
    assert [(f.subjects[1], "is not defined" in f.message) for f in found] == [("commit_sha", True)]
    assert found[0].line == source_line(root, MANIFEST, '"provenance"')


def test_p001_missing_record_file_or_pointer(tmp_path):
    root = prov_ws(tmp_path, policy={"canonical_record": "ssot/schemas/gone.schema.json",
                                     "pointer": "/properties/provenance", "fields": FIELDS})
    found = findings_of(root, "P001")
    assert [(f.path, f.line) for f in found] == [(POLICY, 1)] and "gone.schema.json" in found[0].message

    write(root, {POLICY: yaml_doc({"canonical_record": MANIFEST, "pointer": "/properties/prov", "fields": FIELDS})})
    found = findings_of(root, "P001")
    assert [(f.path, f.line) for f in found] == [(POLICY, 2)] and "/properties/prov" in found[0].message


def test_p002_inline_field_elsewhere(tmp_path):
    response = schema({"result": {"type": "object", "properties": {
        "commit_sha": {"type": "string"},
        "input_hash": {"$ref": "run.manifest.schema.json#/properties/provenance/properties/input_hash"},
        "other": {"type": "string"}}}}, closed=False)
    root = prov_ws(tmp_path, response=response)
    found = findings_of(root, "P002")
    assert [(f.path, f.subjects) for f in found] == [(RESPONSE, ("skill.response", "commit_sha"))]
    assert found[0].line == source_line(root, RESPONSE, '"commit_sha"')
    assert "/properties/result/properties/commit_sha" in found[0].message


def test_p002_field_outside_the_pointer_of_the_canonical_schema_and_in_defs(tmp_path):
    body = manifest()
    body["properties"]["repo"] = {"type": "string"}  # top level of run.manifest: not the record
    body["$defs"] = {"x": {"properties": {"enum": {"properties": {"dirty": {}, "input_hash": {}}}}}}
    root = prov_ws(tmp_path, body)
    found = findings_of(root, "P002")
    assert sorted(f.message.split(" defined at ")[1].split(",")[0] for f in found) == [
        "/$defs/x/properties/enum/properties/input_hash", "/properties/repo"]
