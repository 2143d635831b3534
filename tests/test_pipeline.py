"""The pipeline and typed findings: stages in order, derived data computed once, anchors filled in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_broken_workspace import NEW_SCHEMA, break_it, copy_shipped

from workbench import checklist as checklist_module
from workbench import pipeline
from workbench.findings import Finding, Location, by_severity, worst
from workbench.loader import load_workspace
from workbench.pipeline import check, derive
from workbench.rules import invocation
from workbench.tui.view import FAMILY, SCHEMA, FindingIndex, NodeRef

SHIPPED = Path(__file__).resolve().parents[1]


@pytest.fixture()
def broken(tmp_path) -> Path:
    root = copy_shipped(tmp_path / "broken")
    shutil.copytree(SHIPPED / "clients", root / "clients")
    break_it(root)
    return root


def one(result, rule: str) -> Finding:
    """The one finding of `rule` that is not info (the shipped workspace has a waived R001)."""
    [found] = [f for f in result.of_rule(rule) if f.severity != "info"]
    return found


def test_an_overlap_is_anchored_on_both_families(broken):
    found = one(check(load_workspace(broken), select=["O002"]), "O002")
    assert (found.file, found.family, found.schema) == \
        ("decisions/families/gateway_invoke.yaml", "gateway_invoke", None)
    [other] = found.related
    assert (other.file, other.family) == ("decisions/families/skill_execute.yaml", "skill_execute")
    assert found.families == ("gateway_invoke", "skill_execute")


def test_drift_names_its_pointer_line_and_the_other_definitions(broken):
    ws = load_workspace(broken)
    found = one(check(ws, select=["R001"]), "R001")
    assert (found.file, found.schema, found.family, found.pointer) == (
        NEW_SCHEMA, NEW_SCHEMA, "gateway_invoke", "/properties/run_id")
    assert found.line == ws.sources[NEW_SCHEMA].line_of("/properties/run_id") and found.line > 1
    assert found.related and all(loc.pointer for loc in found.related)
    assert len(found.related) >= 2  # every other definition of run_id
    assert all(loc.schema == loc.file for loc in found.related)  # schema anchors filled in from the snapshot


def test_an_example_finding_is_anchored_on_its_schema_and_family(tmp_path):
    root = copy_shipped(tmp_path / "ws")
    example = root / "ssot/examples/gate.decision.json"
    body = json.loads(example.read_text())
    body["verdict"] = 42
    example.write_text(json.dumps(body, indent=2) + "\n")
    [found, *_] = check(load_workspace(root), select=["V002"]).of_rule("V002")
    assert (found.file, found.schema, found.family, found.pointer) == (
        "ssot/examples/gate.decision.json", "ssot/schemas/gate.decision.schema.json", "gate", "/verdict")
    assert example.read_text().split("\n")[found.line - 1].strip().startswith('"verdict"')


def test_the_tui_index_is_a_lookup_of_the_anchors(broken):
    ws = load_workspace(broken)
    result = check(ws, select=["O002", "R001"])
    index = FindingIndex(ws, result.findings)
    o002, r001 = one(result, "O002"), one(result, "R001")
    assert o002 in index.of_family(ws.family("skill_execute"))  # the related family shows it too
    assert index.target[o002] == NodeRef(FAMILY, "gateway_invoke")
    assert index.target[r001] == NodeRef(SCHEMA, NEW_SCHEMA)
    assert r001 in index.of_schema(r001.related[0].file)


def test_the_invocation_scan_and_the_checklist_run_once_per_check(monkeypatch, repo_root):
    calls = {"scan": 0, "derive": 0}
    scan, derive_checklist = invocation.scan, checklist_module.derive_checklist

    def counting_scan(ws):
        calls["scan"] += 1
        return scan(ws)

    def counting_derive(ws, result):
        calls["derive"] += 1
        return derive_checklist(ws, result)

    monkeypatch.setattr(invocation, "scan", counting_scan)
    monkeypatch.setattr(pipeline, "derive_checklist", counting_derive)
    result = check(load_workspace(repo_root))
    assert calls == {"scan": 1, "derive": 1}
    assert result.checklist and all(r.status == "done" for r in result.checklist)


def test_post_rules_judge_what_the_first_stage_derived(tmp_path):
    root = copy_shipped(tmp_path / "ws")
    shutil.copytree(SHIPPED / "clients", root / "clients")
    (root / "clients/dome_cli/bad.py").write_text("import subprocess\n")
    text = (root / "decisions/checklist.yaml").read_text()
    ticked = text.replace("derive: {kind: invocation_policy_enforced}",
                          "derive: {kind: invocation_policy_enforced}\n    done: true")
    (root / "decisions/checklist.yaml").write_text(ticked)
    result = check(load_workspace(root), select=["G008"])  # G008 alone still sees I001's findings
    [row] = [r for r in result.checklist if (r.item.derive or {}).get("kind") == "invocation_policy_enforced"]
    assert row.status == "contradicted" and "I001" in row.evidence_text
    assert [f.rule for f in result.findings] == ["G008"]


def test_a_checklist_item_whose_rule_did_not_run_says_so(repo_root):
    rows = derive(load_workspace(repo_root), rules=[]).checklist
    [row] = [r for r in rows if (r.item.derive or {}).get("kind") == "provenance_frozen"]
    assert row.status == "open" and "P001 did not run" in row.evidence_text


def test_export_renders_from_the_result_without_running_the_check(monkeypatch, tmp_path, repo_root):
    root = copy_shipped(tmp_path / "ws")
    monkeypatch.setattr(pipeline, "check", lambda *a, **k: pytest.fail("export must not run the full check"))
    written = pipeline.export(load_workspace(root))
    assert {state for path, state in written if path.startswith("doc/")} == {"written"}
    assert check.__module__ == "workbench.pipeline"


def test_shared_formatting_of_findings():
    waived = Finding("O001", "overlap", "info", "a and b overlap", "decisions/families/a.yaml", 3, note="waived: ok")
    plain = Finding("V001", "validity", "error", "bad", "ssot/schemas/a.schema.json")
    assert waived.where == "decisions/families/a.yaml:3" and plain.where == "ssot/schemas/a.schema.json"
    assert waived.text() == "a and b overlap (waived: ok)" and plain.text() == "bad"
    assert by_severity([waived, plain]) == [plain, waived] and worst([waived, plain]) == "error"
    assert Location("x.json", 2, "/a").as_dict() == {"file": "x.json", "line": 2, "pointer": "/a"}


def test_sarif_carries_related_locations_and_pointers(broken):
    from helpers_sarif import sarif_errors

    from workbench.report.sarif import sarif_log

    log = sarif_log(check(load_workspace(broken), select=["O002", "R001"]))
    results = {r["ruleId"]: r for r in log["runs"][0]["results"] if r["level"] == "error"}
    related = results["O002"]["relatedLocations"]
    assert related[0]["physicalLocation"]["artifactLocation"]["uri"] == "decisions/families/skill_execute.yaml"
    assert results["R001"]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "/properties/run_id"
    assert sarif_errors(log) == []


def test_edited_files_and_the_first_look_judge_only_what_an_edit_reaches(tmp_path):
    """`edited_files` names the changed schema, its examples, a schema whose example changed, a file that stopped
    loading and a removed one; `check_first` judges those files only (a broken schema elsewhere stays unreported
    until the whole check), and every per-file rule it ran reports there as the whole check does."""
    from helpers_ws import schema, write

    from workbench.pipeline import check_first, edited_files

    root = write(tmp_path / "ws", {
        "ssot/schemas/a.schema.json": schema({"x": {"type": "string"}}),
        "ssot/schemas/b.schema.json": schema({"y": {"type": "string"}}),
        "ssot/schemas/c.schema.json": schema({"z": {"type": "string"}}),
        "ssot/schemas/gone.schema.json": schema({"g": {"type": "string"}}),
        "ssot/examples/a.json": {"x": "1"}, "ssot/examples/b.json": {"y": "1"}, "ssot/examples/c.json": {"z": "1"},
    })
    before = load_workspace(root)
    assert edited_files(before, load_workspace(root)) == frozenset()
    write(root, {"ssot/schemas/a.schema.json": schema({"x": {"type": "strnig"}}),  # a's example goes with it
                 "ssot/examples/b.json": {"y": 2},  # b goes with its example
                 "ssot/schemas/c.schema.json": "{ not json"})
    (root / "ssot/schemas/gone.schema.json").unlink()
    after = load_workspace(root)
    edited = edited_files(before, after)
    assert edited == {"ssot/schemas/a.schema.json", "ssot/examples/a.json", "ssot/schemas/b.schema.json",
                      "ssot/examples/b.json", "ssot/schemas/c.schema.json", "ssot/examples/c.json",
                      "ssot/schemas/gone.schema.json"}
    first = check_first(after, edited)
    whole = check(after)
    per_file = {r.id for r in first.rules}
    assert per_file == {"L001", "V001", "V002", "V003", "V006"}
    assert {(f.rule, f.path) for f in first.findings} == {(f.rule, f.path) for f in whole.findings
                                                           if f.rule in per_file and f.path in edited}
    assert {"V001", "V002", "L001"} <= {f.rule for f in first.findings}
    only_a = check_first(after, frozenset({"ssot/schemas/a.schema.json"}))
    assert {f.path for f in only_a.findings} == {"ssot/schemas/a.schema.json"}  # c's L001, b's V002: not judged
