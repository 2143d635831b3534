"""`workbench init`: a starter decisions/ that loads cleanly and never overwrites anything."""

from __future__ import annotations

import json
import shutil

import pytest

from workbench.cli import main
from workbench.config import WorkspaceConfig
from workbench.init import family_id_for, init_decisions
from workbench.loader import load_workspace
from workbench.loader.yamlfile import parse_yaml
from workbench.pipeline import check


@pytest.fixture
def ssot_only(tmp_path, repo_root):
    """A copy of the shipped ssot/ alone: no decisions/ at all."""
    root = tmp_path / "repo"
    shutil.copytree(repo_root / "ssot", root / "ssot")
    return root


def family_files(root) -> dict[str, dict]:
    return {p.stem: parse_yaml(p.name, p.read_bytes()).value
            for p in sorted((root / "decisions/families").glob("*.yaml"))}


def test_init_on_shipped_ssot_then_loads_cleanly(ssot_only, capsys, monkeypatch):
    monkeypatch.chdir(ssot_only)  # paths print from the current directory
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert "wrote decisions/workspace.yaml" in out and "wrote decisions/families/gate_decision.yaml" in out
    # the shipped pairs overlap too little to be grouped: noted in their drafts instead
    assert "ssot/schemas/control.event.schema.json ~ ssot/schemas/event.envelope.schema.json" in out
    assert "# To decide" in (ssot_only / "decisions/families/event_envelope.yaml").read_text()

    ws = load_workspace(ssot_only)
    assert ws.problems == (), "\n".join(f"{p.path}:{p.line} {p.message}" for p in ws.problems)
    assert ws.config == WorkspaceConfig()
    assert all(ws.family_of(s.path) is not None for s in ws.contract_schemas if s.pin is None)
    assert not any(ws.family_of(s.path) for s in ws.schemas if s.shared or s.pin)  # upstream's: reused by decision
    assert all(f.guess and f.owner is None and f.decision is None for f in ws.families)
    assert not [f for f in check(ws, select=["L001"]).findings]

    assert main(["status", "--root", str(ssot_only), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["problems"] == [] and status["intent_classes"]["undecided"]["schemas"] == 0
    assert status["decisions"] == {"undecided": len(ws.families)}


def test_init_guesses(ssot_only):
    init_decisions(ssot_only)
    ws = load_workspace(ssot_only)
    intent = {f.id: f.intent_class for f in ws.families}
    assert intent["gate_decision"] == "status"
    assert intent["task_result"] == "status"
    assert intent["rpc_error"] == "error"
    assert intent["reason_codes"] == "error"
    assert intent["stream_cursor"] == "event_log"
    assert intent["event_envelope"] == "event_log"
    assert intent["evidence_bundle_telemetry"] == "event_log"
    assert intent["work_queue"] == "job_invocation"
    assert intent["spawn_spec"] == "job_invocation"
    assert intent["runtime_config"] == "resource_spec"
    assert intent["profile_catalog_map"] == "resource_spec"
    # a request/response pair is one family
    assert ws.family("skill_execute").schemas == (
        "ssot/schemas/skill.execute.request.schema.json",
        "ssot/schemas/skill.execute.response.schema.json",
    )
    assert ws.family("skill_execute").intent_class == "job_invocation"
    assert "skill_execute_request" not in intent


def test_init_files_are_commented_guesses(ssot_only):
    written = init_decisions(ssot_only)
    assert written == sorted(written)
    assert written[-1] == "decisions/workspace.yaml"
    for rel in written:
        text = (ssot_only / rel).read_text()
        assert text.startswith("# ")
    fam = (ssot_only / "decisions/families/gate_decision.yaml").read_text()
    assert "GUESS" in fam.splitlines()[0]
    data = family_files(ssot_only)["gate_decision"]
    assert data == {
        "family": "gate_decision",
        "title": "Gate decision",
        "intent_class": "status",
        "schemas": ["ssot/schemas/gate.decision.schema.json"],
        "guess": True,
    }
    workspace = (ssot_only / "decisions/workspace.yaml").read_text()
    for key in ("version: 1", "globs:", "shared_globs:", "patterns:", "intent_classes:", "stability_tiers:",
                "overlap_warning:", "max_nesting: 64", "out: doc/m0-runtime-contract-freeze"):
        assert key in workspace


def test_init_never_overwrites(ssot_only):
    first = init_decisions(ssot_only)
    gate = ssot_only / "decisions/families/gate_decision.yaml"
    gate.write_text("family: gate_decision\nowner: me\nschemas: [ssot/schemas/gate.decision.schema.json]\n")
    before = {p: p.read_bytes() for p in (ssot_only / "decisions").rglob("*.yaml")}
    assert init_decisions(ssot_only) == []
    assert init_decisions(ssot_only, force=True) == []
    assert {p: p.read_bytes() for p in (ssot_only / "decisions").rglob("*.yaml")} == before
    assert len(first) == len(before)


def test_init_partial_decisions(ssot_only):
    (ssot_only / "decisions").mkdir()
    (ssot_only / "decisions/workspace.yaml").write_text("version: 1\n")
    written = init_decisions(ssot_only)
    assert "decisions/workspace.yaml" not in written
    assert (ssot_only / "decisions/workspace.yaml").read_text() == "version: 1\n"
    assert written and all(rel.startswith("decisions/families/") for rel in written)
    assert load_workspace(ssot_only).problems == ()


def test_force_adds_only_missing_families(ssot_only):
    families = ssot_only / "decisions/families"
    families.mkdir(parents=True)
    (families / "gate.yaml").write_text("family: gate\nschemas:\n  - ssot/schemas/gate.decision.schema.json\n")
    (families / "rpc_error.yaml").write_text("family: rpc_error\nschemas: []\n")  # id taken, schema not in it
    assert init_decisions(ssot_only) == ["decisions/workspace.yaml"]  # existing families: needs --force

    written = init_decisions(ssot_only, force=True)
    assert "decisions/families/gate_decision.yaml" not in written
    assert "decisions/families/rpc_error_2.yaml" in written
    ws = load_workspace(ssot_only)
    assert ws.problems == ()
    assert ws.family_of("ssot/schemas/gate.decision.schema.json").id == "gate"
    assert ws.family_of("ssot/schemas/rpc.error.schema.json").id == "rpc_error_2"
    assert all(ws.family_of(s.path) is not None for s in ws.contract_schemas if s.pin is None)


def test_init_odd_names_and_shapes(make_ws):
    root = make_ws({
        "ssot/schemas/9Lives-Thing.schema.json": {"type": "object"},
        "ssot/schemas/order.request.schema.json": {"properties": {"inputs": {}}},  # no response: alone
        "ssot/schemas/widget.schema.json": {"properties": {"event_type": {}, "sequence": {}, "payload": {}}},
        "ssot/schemas/thing.schema.json": {"title": "Thing [draft]"},
        "ssot/schemas/broken.schema.json": "{",
    })
    written = init_decisions(root)
    data = family_files(root)
    assert set(data) == {"f_9lives_thing", "order_request", "widget", "thing"}
    assert data["order_request"]["intent_class"] == "job_invocation"  # request + inputs
    assert data["widget"]["intent_class"] == "event_log"  # from its fields
    assert data["thing"]["intent_class"] == "resource_spec"  # the fallback
    assert data["thing"]["title"] == "Thing [draft]"
    assert len(written) == 5
    problems = load_workspace(root).problems
    assert [p.path for p in problems] == ["ssot/schemas/broken.schema.json"]  # only the input's own problem


@pytest.mark.parametrize("name, family_id", [
    ("gate.decision", "gate_decision"),
    ("orchestrator.secure_defaults", "orchestrator_secure_defaults"),
    ("Run-Manifest.v2", "run_manifest_v2"),
    ("2fa.token", "f_2fa_token"),
    ("...", "family"),
])
def test_family_id_for(name, family_id):
    assert family_id_for(name) == family_id


def test_init_finds_schemas_kept_elsewhere(make_ws, capsys):
    """No schema under the default `ssot/schemas/`: init writes the globs of the folders where JSON
    Schemas are (declared by `$schema`, or reading as one), and only those (configs, data, dependencies
    stay out)."""
    dialect = "http://json-schema.org/draft-07/schema#"
    root = make_ws({
        "schemas/order.json": {"$schema": dialect, "type": "object", "properties": {"id": {"type": "string"}}},
        "schemas/invoice.json": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"},
        "schemas/v2/invoice.json": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"},
        "vendored/a/x.json": {"$schema": dialect, "type": "string"},
        "vendored/node_modules/dep/y.json": {"$schema": dialect, "type": "string"},
        "api/v1/user.schema.json": {"type": "object", "properties": {"name": {"type": "string"}}},
        "api/v1/fixture.json": {"name": "x"},
        "mixed/event.json": {"$schema": dialect, "type": "object"},
        "mixed/data.json": {"$schema": "not a dialect", "rows": []},
        "mixed/plain.json": {"$defs": {"a": {"type": "string"}}, "oneOf": [{"$ref": "#/$defs/a"}]},
        "mixed/config.json": {"type": "module", "name": "app"},
        "mixed/titled.json": {"title": "not a schema: nothing gives it structure"},
        "package.json": {"name": "app", "type": "module"},
        "node_modules/dep/schema.json": {"$schema": dialect},
        ".github/x.json": {"$schema": dialect},
    })
    assert main(["init", "--root", str(root)]) == 0
    assert "7 schema(s) match the 5 schemas.globs" in capsys.readouterr().out
    ws = load_workspace(root)
    assert ws.config.schema_globs == ("api/v1/*.schema.json", "mixed/event.json", "mixed/plain.json",
                                      "schemas/**/*.json", "vendored/a/**/*.json")
    assert sorted(s.path for s in ws.schemas) == [
        "api/v1/user.schema.json", "mixed/event.json", "mixed/plain.json", "schemas/invoice.json",
        "schemas/order.json", "schemas/v2/invoice.json", "vendored/a/x.json"]
    assert all(ws.family_of(s.path) is not None for s in ws.schemas)


def test_init_keeps_the_default_globs_when_they_match(ssot_only, capsys):
    (ssot_only / "other").mkdir()
    (ssot_only / "other/x.json").write_text('{"$schema": "http://json-schema.org/draft-07/schema#"}')
    assert main(["init", "--root", str(ssot_only)]) == 0
    assert load_workspace(ssot_only).config.schema_globs == WorkspaceConfig().schema_globs


VENDOR = "https://schema.example.com/provider.definition.schema.v1.json"


def test_init_adopts_a_vendor_catalog(make_ws, capsys):
    """A catalog in the shape of CloudFormation's: hashed file names, a vendor dialect's own keywords
    beside the JSON Schema ones, some declaring a vendor `$schema`, and a stub among them. Its folder
    gets one glob (not a list of every file), the vendor `$schema` is named with how to map it, and
    a document outside a schemas folder that names its schema (tsconfig) stays out."""
    resource = {"typeName": "AWS::X::Y", "handlers": {"create": {}}, "additionalProperties": False,
                "properties": {"Name": {"type": "string"}}, "primaryIdentifier": ["/properties/Name"]}
    files = {f"schemas/{i:04x}.json": dict(resource, typeName=f"AWS::X::T{i}") for i in range(20)}
    files["schemas/0001.json"] = dict(resource, **{"$schema": VENDOR})
    files["schemas/stub.json"] = {"typeName": "AWS::CDK::Metadata"}
    files["config/tsconfig.json"] = {"$schema": "https://json.schemastore.org/tsconfig", "type": "module",
                                     "properties": {"x": 1}}
    root = make_ws(files)
    assert main(["init", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "21 schema(s) match the 1 schemas.globs of decisions/workspace.yaml: schemas/**/*.json" in out
    assert "1 schema(s) declare 1 $schema URI(s) naming no standard dialect (V001)" in out
    assert f'      "{VENDOR}": draft-07  # 1 schema(s)' in out
    text = (root / "decisions/workspace.yaml").read_text()
    assert '  dialect: "2020-12"' in text
    # mapping it, as the output says, reads it as draft-07: no V001 left
    (root / "decisions/workspace.yaml").write_text(
        text.replace('  dialect: "2020-12"\n', f'  dialect: "2020-12"\n  dialects: {{"{VENDOR}": draft-07}}\n'))
    assert [f for f in check(load_workspace(root), ("V001", "L001")).findings if f.severity == "error"] == []


def test_init_lists_files_when_schemas_are_few_among_other_json(make_ws):
    files = {f"data/{i}.json": {"rows": [i]} for i in range(3)}
    files["data/order.json"] = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}
    init_decisions(make_ws(files))
    assert load_workspace(make_ws({})).config.schema_globs == ("data/order.json",)


def test_init_spells_out_every_setting_of_the_workspace_schema(ssot_only):
    """The header says every key is there: each key of the packaged workspace schema (and of its sections)
    is written, set to its default or commented out; the file loads as the defaults."""
    import re

    from workbench.loader.decisions import decisions_schema

    init_decisions(ssot_only)
    text = (ssot_only / "decisions/workspace.yaml").read_text()
    schema = decisions_schema("workspace")
    for key, sub in schema["properties"].items():
        assert re.search(rf"^(# )?{re.escape(key)}:", text, re.M), key
        for inner in (sub.get("properties") or {}):
            assert re.search(rf"^[# ]+{re.escape(inner)}:", text, re.M), f"{key}.{inner}"
    assert load_workspace(ssot_only).config == WorkspaceConfig()
