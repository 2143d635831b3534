"""The derived §2.3 checklist (workbench/checklist.py) and its rules G007/G008."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers_governance import QUEUE, REQUEST, base_files, family_yaml, findings_of, yaml_doc, yaml_list
from helpers_ws import schema, write

from workbench.loader import load_workspace
from workbench.pipeline import derive

SHIPPED = Path(__file__).parents[1]
CHECKLIST = "decisions/checklist.yaml"


def checklist_ws(tmp_path, items: list[dict], extra: dict | None = None) -> Path:
    return write(tmp_path, base_files() | {CHECKLIST: yaml_list("items", items)} | (extra or {}))


def item(id_: str, derive: dict | None = None, **kw) -> dict:
    return {"id": id_, "text": f"{id_} text"} | ({"derive": derive} if derive else {}) | kw


def rows(root: Path) -> dict:
    return {r.item.id: r for r in derive(load_workspace(root)).checklist}


# derivations on tiny workspaces --------------------------------------------------------

INVOCATION = yaml_doc({"scan": ["clients/**/*.py"], "approved": ["clients/transport.py"],
                       "forbidden": {"imports": ["subprocess"], "calls": ["os.system"]}})
PROVENANCE = yaml_doc({"canonical_record": QUEUE, "pointer": "/properties/prov", "fields": ["repo"]})
QUEUE_WITH_PROV = schema({"x": "string", "prov": {"type": "object", "properties": {"repo": {"type": "string"}},
                                           "required": ["repo"]}}, closed=False)

CLIENT_OK = {"decisions/invocation.yaml": INVOCATION, "clients/app.py": "import json\n"}
CASES = [  # (derive, files that make it done, files that make it open)
    pytest.param({"kind": "family_decided", "family": "beta"}, {},
                 {"decisions/families/beta.yaml": family_yaml("beta", [REQUEST], decision="new")},
                 id="new-unjustified"),
    pytest.param({"kind": "family_decided", "family": "alpha"}, {},
                 {"decisions/families/alpha.yaml": family_yaml("alpha", [QUEUE], decision=None)}, id="undecided"),
    pytest.param({"kind": "invocation_policy_enforced"}, CLIENT_OK,
                 CLIENT_OK | {"clients/app.py": "import os\nos.system('x')\n"}, id="violation"),
    pytest.param({"kind": "invocation_policy_enforced"}, CLIENT_OK,
                 {"decisions/invocation.yaml": INVOCATION, "clients/transport.py": "import json\n"},
                 id="only-approved-files"),
    pytest.param({"kind": "provenance_frozen"}, {"decisions/provenance.yaml": PROVENANCE, QUEUE: QUEUE_WITH_PROV},
                 {"decisions/provenance.yaml": PROVENANCE}, id="provenance"),
    pytest.param({"kind": "delta_frozen", "delta": "beta_envelope"}, {},
                 {"decisions/deltas/beta_envelope.yaml": yaml_doc({"delta": "beta_envelope", "status": "proposed"})},
                 id="delta-proposed"),
    pytest.param({"kind": "ownership_complete"}, {},
                 {"decisions/families/alpha.yaml": family_yaml("alpha", [QUEUE], stability_tier=None)}, id="no-tier"),
]


@pytest.mark.parametrize("derive, done_files, open_files", CASES)
def test_derivation_done_and_open(tmp_path, derive, done_files, open_files):
    done = rows(checklist_ws(tmp_path / "done", [item("x", derive)], done_files))["x"]
    assert (done.status, done.source) == ("done", "derived"), done.evidence_text
    assert done.evidence and all((tmp_path / "done" / p).exists() for p in done.evidence)
    opened = rows(checklist_ws(tmp_path / "open", [item("x", derive)], open_files))["x"]
    assert opened.status == "open", opened.evidence_text
    assert opened.evidence_text and opened.evidence_text != done.evidence_text


@pytest.mark.parametrize("families, files, expected", [
    (["alpha", "beta"], {"decisions/families/alpha.yaml": family_yaml("alpha", [QUEUE], wire_mapping=None)},
     "alpha has no wire_mapping"),
    (["alpha"], {"decisions/families/alpha.yaml": family_yaml("alpha", [QUEUE, "ssot/schemas/gone.schema.json"])},
     "alpha schemas missing: ssot/schemas/gone.schema.json"),
])
def test_wire_contract_gaps_are_named(tmp_path, families, files, expected):
    """Done needs the generated proto too (tests/test_wire.py); each family gap is named on its own."""
    got = rows(checklist_ws(tmp_path, [item("x", {"kind": "wire_contract_frozen", "families": families})], files))["x"]
    assert got.status == "open" and expected in got.evidence_text


def test_invocation_finding_without_a_line_is_cited_by_file(tmp_path):
    """An I001 finding on a file that cannot be scanned has no line: the evidence names the file, not `file:None`."""
    outside = tmp_path / "outside.py"
    outside.write_text("import subprocess\n")
    root = checklist_ws(tmp_path / "root", [item("x", {"kind": "invocation_policy_enforced"})], CLIENT_OK)
    (root / "clients/link.py").symlink_to(outside)
    row = rows(root)["x"]
    assert row.status == "open"
    assert "first clients/link.py: " in row.evidence_text and "None" not in row.evidence_text


def test_missing_family_or_delta_is_open(tmp_path):
    got = rows(checklist_ws(tmp_path, [item("f", {"kind": "family_decided", "family": "nope"}),
                                       item("d", {"kind": "delta_frozen", "delta": "nope"})]))
    assert {k: r.status for k, r in got.items()} == {"f": "open", "d": "open"}
    assert all("nope" in r.evidence_text for r in got.values())


def test_duplication_guard_needs_a_gate_enforced_by_o002(tmp_path):
    from workbench.rules.registry import get_rule

    derive = {"kind": "duplication_guard"}
    no_gate = rows(checklist_ws(tmp_path / "a", [item("g", derive)]))["g"]
    assert no_gate.status == "open" and "O002" in no_gate.evidence_text
    gates = {"decisions/gates.yaml": yaml_list("gates", [{"id": "reuse_only", "enforced_by": ["O002"]}])}
    with_gate = rows(checklist_ws(tmp_path / "b", [item("g", derive)], gates))["g"]
    assert with_gate.status == ("done" if get_rule("O002") else "open")
    assert "reuse_only" in with_gate.evidence_text


def test_manual_items(tmp_path):
    got = rows(checklist_ws(tmp_path, [
        item("ticked", done=True, evidence=["decisions/gates.yaml"]),
        item("ticked_missing", done=True, evidence=["doc/nowhere.md"]),
        item("unticked", evidence=["decisions/gates.yaml"]),
    ]))
    assert {k: (r.status, r.source) for k, r in got.items()} == {
        "ticked": ("done", "manual"), "ticked_missing": ("open", "manual"), "unticked": ("open", "manual")}
    assert "doc/nowhere.md" in got["ticked_missing"].evidence_text
    assert got["ticked"].evidence == ("decisions/gates.yaml",)
    assert got["ticked"].as_dict()["status"] == "done" and got["ticked"].as_dict()["id"] == "ticked"


# G007 / G008 -----------------------------------------------------------------------------

def test_g007_ticked_item_with_missing_evidence(tmp_path):
    root = checklist_ws(tmp_path / "root", [
        item("fine", done=True, evidence=["decisions/gates.yaml"]),
        item("bad", done=True, evidence=["decisions/gates.yaml", "doc/gone.md", "../outside.md"]),
        item("unticked", evidence=["doc/gone.md"]),
    ])
    (tmp_path / "outside.md").write_text("exists, but outside the root")
    found = findings_of(root, "G007")
    assert [(f.path, f.line, f.subjects) for f in found] == [
        (CHECKLIST, 3, ("bad", "../outside.md")), (CHECKLIST, 3, ("bad", "doc/gone.md"))]


def test_g007_quiet_when_evidence_exists(tmp_path):
    root = checklist_ws(tmp_path, [item("fine", done=True, evidence=["decisions/gates.yaml", QUEUE])])
    assert findings_of(root, "G007") == []


def test_g008_tick_contradicts_derived_status(tmp_path):
    root = checklist_ws(tmp_path, [
        item("claims_done", {"kind": "delta_frozen", "delta": "beta_envelope"}, done=True),
        item("claims_open", {"kind": "ownership_complete"}, done=False),
        item("agrees", {"kind": "family_decided", "family": "alpha"}, done=True),
    ], {"decisions/deltas/beta_envelope.yaml": yaml_doc({"delta": "beta_envelope", "status": "proposed"})})
    found = {f.subjects[0]: f for f in findings_of(root, "G008")}
    assert set(found) == {"claims_done", "claims_open"}
    assert found["claims_done"].line == 2 and found["claims_open"].line == 3
    assert "ticked done, but derived open" in found["claims_done"].message
    assert "proposed" in found["claims_done"].message  # names the evidence
    assert "ticked not done, but derived done" in found["claims_open"].message
    assert rows(root)["claims_done"].status == "contradicted"


def test_g008_quiet_without_ticks(tmp_path):
    root = checklist_ws(tmp_path, [item("a", {"kind": "ownership_complete"})])
    assert findings_of(root, "G008") == []


# the shipped workspace -------------------------------------------------------------------

def _shipped_row(root: Path, kind: str):
    return next(r for r in derive(load_workspace(root)).checklist if (r.item.derive or {}).get("kind") == kind)


def _copy_shipped(tmp_path: Path) -> Path:
    for part in ("decisions", "ssot", "clients"):
        shutil.copytree(SHIPPED / part, tmp_path / part)
    return tmp_path


def test_shipped_ownership_complete(tmp_path):
    row = _shipped_row(SHIPPED, "ownership_complete")
    assert row.status == "done", row.evidence_text
    ws = load_workspace(SHIPPED)
    assert {f.path for f in ws.families if f.decision in ("reuse", "extend")} <= set(row.evidence)

    root = _copy_shipped(tmp_path)
    path = root / "decisions/families/gate.yaml"
    path.write_text("".join(line for line in path.read_text().splitlines(True) if not line.startswith("owner:")))
    broken = _shipped_row(root, "ownership_complete")
    assert broken.status == "open" and "gate has no owner" in broken.evidence_text


def test_shipped_invocation_policy_enforced(tmp_path):
    row = _shipped_row(SHIPPED, "invocation_policy_enforced")
    assert row.status == "done", row.evidence_text
    assert "decisions/invocation.yaml" in row.evidence
    assert any(p.startswith("clients/") for p in row.evidence)
    assert "clients/dome_client/transport.py" not in row.evidence  # approved: not scanned

    root = _copy_shipped(tmp_path)
    with (root / "clients/dome_cli/main.py").open("a") as fh:
        fh.write("\nimport subprocess\n")
    broken = _shipped_row(root, "invocation_policy_enforced")
    assert broken.status == "open" and "clients/dome_cli/main.py" in broken.evidence_text
