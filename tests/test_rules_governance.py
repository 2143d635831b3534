"""Governance rules G001-G006, G009-G011 on tiny workspaces."""

from __future__ import annotations

import pytest
from helpers_governance import OBJ, QUEUE, REQUEST, base_files, family_yaml, findings_of, yaml_doc, yaml_list
from helpers_ws import line_of, schema, write

ALPHA = "decisions/families/alpha.yaml"
BETA = "decisions/families/beta.yaml"
WP = "decisions/work_packages.yaml"


def ws_with(tmp_path, changes: dict | None = None):
    """The base workspace with some files replaced, or removed (value None)."""
    files = base_files() | (changes or {})
    return write(tmp_path, {rel: v for rel, v in files.items() if v is not None})


@pytest.mark.parametrize("rule_id", ["G001", "G002", "G003", "G004", "G005", "G006", "G009", "G010", "G011"])
def test_base_workspace_is_quiet(tmp_path, rule_id):
    assert findings_of(write(tmp_path, base_files()), rule_id) == []


# G001 -----------------------------------------------------------------------------------

def test_g001_reports_contract_schema_in_no_family_but_not_shared_ones(tmp_path):
    root = write(ws_with(tmp_path), {"ssot/schemas/c.schema.json": schema({"z": "string"}, closed=False),
                                     "ssot/schemas/common/more.schema.json": OBJ})
    found = findings_of(root, "G001")
    assert [(f.path, f.line, f.severity) for f in found] == [("ssot/schemas/c.schema.json", 1, "warning")]
    assert "no family" in found[0].message and found[0].subjects == ("c",)


@pytest.mark.parametrize("undecided", ["info", "warning", "error"])
def test_g001_severity_is_configured(tmp_path, undecided):
    config = f"version: 1\ngovernance:\n  undecided: {undecided}\n"
    root = write(ws_with(tmp_path), {"ssot/schemas/c.schema.json": schema({"z": "string"}, closed=False),
                                     "decisions/workspace.yaml": config})
    assert [f.severity for f in findings_of(root, "G001")] == [undecided]


def test_g001_without_decisions_reports_every_schema_at_the_default_severity(tmp_path):
    write(tmp_path, {QUEUE: schema({"x": "string"}, closed=False), REQUEST: OBJ,
                     "ssot/schemas/common/ids.schema.json": OBJ})
    found = findings_of(tmp_path, "G001")
    assert {f.path for f in found} == {QUEUE, REQUEST}
    assert {f.severity for f in found} == {"warning"}  # not inferred from decisions/ being absent


# G002 -----------------------------------------------------------------------------------

def test_g002_missing_owner_and_unknown_vocabulary(tmp_path):
    root = ws_with(tmp_path, {ALPHA: family_yaml("alpha", [QUEUE], owner=None, intent_class="rpc",
                                                 stability_tier="gold")})
    found = findings_of(root, "G002")
    by_field = {f.subjects[1]: f for f in found}
    assert set(by_field) == {"owner", "intent_class", "stability_tier"}
    assert all(f.path == ALPHA for f in found)
    assert by_field["intent_class"].line == line_of(root / ALPHA, "intent_class:")
    assert "'rpc'" in by_field["intent_class"].message
    assert by_field["stability_tier"].line == line_of(root / ALPHA, "stability_tier:")
    assert "stable/v1" in by_field["stability_tier"].message
    assert by_field["owner"].line == line_of(root / ALPHA, "family:")  # absent: the record's first line


def test_g002_missing_decision(tmp_path):
    root = ws_with(tmp_path, {ALPHA: family_yaml("alpha", [QUEUE], decision=None)})
    assert [f.message for f in findings_of(root, "G002")] == ["family 'alpha' has no decision"]


# G003 -----------------------------------------------------------------------------------

def _beta(**fields):
    base = dict(decision="new", rationale="Alpha carries scheduling state", alternatives_considered=["alpha"],
                downstream_consumers=["#58"])
    return family_yaml("beta", [REQUEST], **(base | fields))


def test_g003_new_without_alternatives_rationale_or_consumers(tmp_path):
    root = ws_with(tmp_path, {BETA: _beta(rationale=None, alternatives_considered=None, downstream_consumers=None)})
    found = findings_of(root, "G003")
    assert {(f.path, f.line) for f in found} == {(BETA, line_of(root / BETA, "decision:"))}
    messages = " | ".join(f.message for f in found)
    assert "alternatives_considered" in messages and "no rationale" in messages
    assert "downstream_consumers" in messages


def test_g003_alternative_must_exist_and_be_named_in_rationale(tmp_path):
    root = ws_with(tmp_path, {BETA: _beta(alternatives_considered=["ghost", "alpha"], rationale="nothing fits")})
    found = findings_of(root, "G003")
    assert {f.path for f in found} == {BETA} and len(found) == 2
    ghost = next(f for f in found if "ghost" in f.message)
    assert ghost.line == line_of(root / BETA, "alternatives_considered:")
    named = next(f for f in found if "rationale does not name" in f.message)
    assert "alpha" in named.message and named.line == line_of(root / BETA, "rationale:")


@pytest.mark.parametrize("rationale, quiet", [
    ("work.queue entries carry scheduling state", True),   # a schema of the alternative
    ("the ALPHA family is internal", True),                # its id, any case
    ("alphabetical order does not matter", False),         # not a whole word
    ("a separate request is cleaner", False),
])
def test_g003_rationale_must_name_an_alternative(tmp_path, rationale, quiet):
    root = ws_with(tmp_path, {BETA: _beta(rationale=rationale)})
    assert (findings_of(root, "G003") == []) is quiet


def test_g003_ignores_reuse_families(tmp_path):
    root = ws_with(tmp_path, {ALPHA: family_yaml("alpha", [QUEUE], rationale=None)})
    assert findings_of(root, "G003") == []


# G004 -----------------------------------------------------------------------------------

def test_g004_missing_version_policy_and_wire_mapping(tmp_path):
    root = ws_with(tmp_path, {ALPHA: family_yaml("alpha", [QUEUE], version_policy=None, wire_mapping=None)})
    found = findings_of(root, "G004")
    assert {f.subjects[1] for f in found} == {"version_policy", "wire_mapping"}
    assert {(f.path, f.severity) for f in found} == {(ALPHA, "warning")}


# G005 -----------------------------------------------------------------------------------

def test_g005_incomplete_delta_and_unknown_family(tmp_path):
    root = ws_with(tmp_path, {"decisions/deltas/beta_envelope.yaml": yaml_doc(
        {"delta": "beta_envelope", "family": "gamma", "upstream_candidates": ["alpha", "nope"]})})
    found = findings_of(root, "G005")
    missing = {f.subjects[1] for f in found if "has no" in f.message}
    assert missing == {"authority_owner", "compatibility_rule", "downstream_consumers"}
    unknown = sorted((f.subjects[1], f.line) for f in found if "unknown family" in f.message)
    assert unknown == [("gamma", 2), ("nope", 3)]


# G006 -----------------------------------------------------------------------------------

def test_g006_cycle_is_reported_with_its_path(tmp_path):
    root = ws_with(tmp_path, {WP: yaml_list("packages", [
        {"id": "D1", "title": "a", "depends_on": ["D3"], "enables": ["D2"]},
        {"id": "D2", "title": "b", "depends_on": ["D1"], "enables": ["D3"]},
        {"id": "D3", "title": "c", "depends_on": ["D2"], "enables": ["D1"]},
    ])})
    found = findings_of(root, "G006")
    assert len(found) == 1
    assert found[0].message == "work package dependency cycle: D1 -> D3 -> D2 -> D1"
    assert (found[0].path, found[0].line, found[0].severity) == (WP, 2, "error")


@pytest.mark.parametrize("packages, cycles", [
    ([{"id": "D1", "title": "a", "depends_on": ["D1"], "enables": ["D1"]}], ["D1 -> D1"]),
    ([{"id": "D1", "title": "a", "enables": ["D2", "D3"]},  # a diamond is not a cycle
      {"id": "D2", "title": "b", "depends_on": ["D1"], "enables": ["D4"]},
      {"id": "D3", "title": "c", "depends_on": ["D1"], "enables": ["D4"]},
      {"id": "D4", "title": "d", "depends_on": ["D2", "D3"]}], []),
])
def test_g006_self_loop_and_diamond(tmp_path, packages, cycles):
    found = findings_of(ws_with(tmp_path, {WP: yaml_list("packages", packages)}), "G006")
    assert [f.message.split(": ")[1] for f in found] == cycles


def test_g006_unknown_references(tmp_path):
    root = ws_with(tmp_path, {WP: yaml_list("packages", [
        {"id": "D1", "title": "a", "depends_on": ["D9"], "enables": ["D7", "#60"]},
    ]) + yaml_list("handoff", [{"issue": "#58", "consumes": ["D1", "D5"]}])})
    found = [f for f in findings_of(root, "G006") if f.severity == "error"]
    assert sorted((f.subjects[-1], f.line) for f in found) == [("D5", 4), ("D7", 2), ("D9", 2)]


def test_g006_enables_must_mirror_depends_on(tmp_path):
    root = ws_with(tmp_path, {WP: yaml_list("packages", [
        {"id": "D1", "title": "a", "enables": ["D2"]},
        {"id": "D2", "title": "b"},
        {"id": "D3", "title": "c", "depends_on": ["D1"]},
    ])})
    found = findings_of(root, "G006")
    assert {f.severity for f in found} == {"warning"}
    assert sorted(f.message for f in found) == [
        "D1 enables D2, but D2 does not depend on D1",
        "D3 depends on D1, but D1 does not list D3 in enables",
    ]


# G009 -----------------------------------------------------------------------------------

def test_g009_gate_names_unregistered_rule(tmp_path):
    root = ws_with(tmp_path, {"decisions/gates.yaml": yaml_list("gates", [
        {"id": "ok", "enforced_by": ["V001"]}, {"id": "bad", "enforced_by": ["G001", "Z999"]}])})
    found = findings_of(root, "G009")
    assert [(f.path, f.line, f.subjects) for f in found] == [("decisions/gates.yaml", 3, ("bad", "Z999"))]


# G010 -----------------------------------------------------------------------------------

CATALOG = OBJ | {"$defs": {"reason_code": {"type": "string", "enum": ["POLICY_DENIED", "TIMEOUT"]}}}
RPC = schema({"code": {"type": "string", "enum": ["GW_DENIED", "GW_TIMEOUT"]},
              "detail": {"type": "object", "properties": {
                  "reason": {"$ref": "reason.codes.schema.json#/$defs/reason_code"}}}}, closed=False)
ERRORS_FAMILY = family_yaml("errors", ["ssot/schemas/reason.codes.schema.json", "ssot/schemas/rpc.error.schema.json"])


def error_ws(tmp_path, mappings=None):
    files = {"ssot/schemas/reason.codes.schema.json": CATALOG, "ssot/schemas/rpc.error.schema.json": RPC,
             "decisions/families/errors.yaml": ERRORS_FAMILY}
    if mappings is not None:
        files["decisions/error_mapping.yaml"] = yaml_doc({
            "reason_catalog": "ssot/schemas/reason.codes.schema.json",
            "rpc_error_schema": "ssot/schemas/rpc.error.schema.json"}) + yaml_list("mappings", mappings)
    return write(ws_with(tmp_path), files)


def test_g010_rpc_error_refers_to_reason_codes_without_mapping_file(tmp_path):
    found = findings_of(error_ws(tmp_path), "G010")
    assert len(found) == 1
    f = found[0]
    assert f.path == "ssot/schemas/rpc.error.schema.json" and "error_mapping.yaml is missing" in f.message
    assert '"reason"' in (tmp_path / f.path).read_text().splitlines()[f.line - 1]  # the object holding the $ref


def test_g010_unmapped_and_unknown_codes(tmp_path):
    found = findings_of(error_ws(tmp_path, [{"reason_code": "POLICY_DENIED", "rpc_code": "GW_NOPE"},
                                    {"reason_code": "BOGUS", "rpc_code": "GW_TIMEOUT"}]), "G010")
    assert {f.path for f in found} == {"decisions/error_mapping.yaml"}
    by = {f.subjects: f for f in found}
    assert "no rpc error mapping" in by[("TIMEOUT",)].message and by[("TIMEOUT",)].line == 3
    assert by[("POLICY_DENIED", "GW_NOPE")].line == 4 and "`code` enum" in by[("POLICY_DENIED", "GW_NOPE")].message
    assert by[("BOGUS",)].line == 5
    assert len(found) == 3


def test_g010_quiet_with_complete_mapping(tmp_path):
    root = error_ws(tmp_path, [{"reason_code": "POLICY_DENIED", "rpc_code": "GW_DENIED"},
                               {"reason_code": "TIMEOUT", "rpc_code": "GW_TIMEOUT"}])
    assert findings_of(root, "G010") == []


def test_g010_quiet_when_rpc_error_does_not_use_reason_codes(tmp_path):
    root = error_ws(tmp_path)
    write(root, {"ssot/schemas/rpc.error.schema.json": schema({"code": "string"}, closed=False)})
    assert findings_of(root, "G010") == []


# G011 -----------------------------------------------------------------------------------

def test_g011_guess_is_info(tmp_path):
    root = ws_with(tmp_path, {ALPHA: family_yaml("alpha", [QUEUE], guess=True)})
    found = findings_of(root, "G011")
    assert [(f.path, f.line, f.severity) for f in found] == [(ALPHA, line_of(root / ALPHA, "guess:"), "info")]
