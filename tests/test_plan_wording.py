"""Plan wording and document columns come from the workspace (decisions/plan.yaml and the records).

Without plan.yaml the documents and pages cite no issue, phase or section of any
plan; the shipped plan.yaml reproduces the seed plan's wording; delta ids may be
`PREFIX-NNN`; the optional family/delta/header fields are exported (escaped)
when present and leave no empty columns or headings when absent.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
from pathlib import Path

import pytest
from test_export import MD, OUT, assert_tables_intact, copy_repo, plain, render_docs, tables

from workbench.export import DOCS
from workbench.export.docs import CI_ENFORCEMENT, DELTA_REGISTER, HANDOFF, REUSE_MATRIX
from workbench.loader import load_workspace
from workbench.model import Plan
from workbench.pipeline import derive

HOSTILE = "a | b\nsecond `code` [bold]x[/] <br> *em* snake_case\n# not a heading\n- not a list"
PLAN = "decisions/plan.yaml"


@pytest.fixture
def copy(repo_root, tmp_path) -> Path:
    return copy_repo(repo_root, tmp_path / "copy")


def write(root: Path, rel: str, data) -> None:
    """A decisions record written as JSON (which is YAML), so any text survives exactly."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def load_clean(root: Path):
    ws = load_workspace(root)
    assert ws.problems == (), [(p.path, p.message) for p in ws.problems]
    return ws


def blocks(text: str) -> list[tuple[str, str]]:
    """(block type, inline text) of each heading and paragraph, in document order."""
    tokens = MD.parse(text)
    out = []
    for i, tok in enumerate(tokens):
        if tok.type in ("heading_open", "paragraph_open") and tokens[i + 1].type == "inline":
            if tok.type == "paragraph_open" and any(t.type == "table_open" for t in tokens[max(0, i - 1):i]):
                continue
            out.append((tok.tag, plain(tokens[i + 1])))
    return out


# ---------------------------------------------------------------- (a) no plan.yaml: neutral wording

PLAN_IDS = re.compile(r"#57|§2\.3|[Ss]ection 2\.3|M1 plan|\bP[1-4]\b|D3:")


def test_without_plan_yaml_the_shipped_records_render_no_plan_ids(copy):
    (copy / PLAN).unlink()
    ws = load_clean(copy)
    assert ws.decisions.plan == Plan()
    docs = render_docs(ws)
    for name, text in docs.items():
        assert not PLAN_IDS.search(text), (name, PLAN_IDS.search(text).group())
        assert_tables_intact(text)
    assert "One row per contract family of decisions/families/, grouped by intent class." in docs[REUSE_MATRIX]
    assert "The overlap risks of the plan and what detects them." in docs[REUSE_MATRIX]
    assert "Contracts not reusable as-is, one entry per file in decisions/deltas/." in docs[DELTA_REGISTER]
    assert "Each CI gate of decisions/gates.yaml, what enforces it" in docs[CI_ENFORCEMENT]
    handoff = docs[HANDOFF]
    # the downstream issues named from work_packages.yaml's handoff (workspace data, not code)
    assert "What API Spec Freeze (#58), Daemon MVP (#59) and Clients/SDK/CI (#60) consume from M1. " in handoff
    headings = [t for kind, t in blocks(handoff) if kind == "h2"]
    assert "Checklist" in headings and "M2 service items" not in headings
    assert "Identifier mapping" in [t for kind, t in blocks(docs["m1_dependency_matrix.md"]) if kind == "h2"]


def test_a_foreign_workspace_renders_no_issue_section_or_phase(make_ws):
    root = make_ws({
        "ssot/schemas/order.schema.json": {"type": "object", "properties": {"id": {"type": "string"}}},
        "ssot/examples/order.json": {"id": "x"},
        "decisions/families/order.yaml": {"family": "order", "intent_class": "resource_spec",
                                          "schemas": ["ssot/schemas/order.schema.json"], "decision": "new"},
        "decisions/deltas/ORD-7.yaml": {"delta": "ORD-7", "family": "order"},
        "decisions/checklist.yaml": {"items": [{"id": "order_done", "text": "Order decided."}]},
    })
    ws = load_clean(root)
    docs = render_docs(ws)
    for name, text in docs.items():
        assert not re.search(r"#[0-9]|§|\bP[0-9]\b|\bD[0-9]+\b|M1 plan|[Ss]ection [0-9]", text), name
    assert "What downstream issues consume from M1." in docs[HANDOFF]
    # the pages' titles read the same neutral labels
    plan = ws.decisions.plan
    assert plan.checklist_page_title() == plan.checklist_heading() == "Checklist"
    assert plan.page_title("CI gates and change classes", document=CI_ENFORCEMENT) == "CI gates and change classes"
    assert plan.page_title("Dependency matrix", section="work_packages") == "Dependency matrix"


# ---------------------------------------------------------------- (b) the shipped plan.yaml: the seed's wording

def test_the_shipped_plan_yaml_reproduces_the_seed_wording(repo_root):
    ws = load_clean(repo_root)
    plan = ws.decisions.plan
    docs = render_docs(ws)
    committed = {n: (repo_root / OUT / n).read_text("utf-8") for n in DOCS}
    assert docs == committed  # E001 stays quiet: the committed docs are these
    expected = {
        REUSE_MATRIX: ["One row per contract family of decisions/families/ (M1 plan P1; work packages D1, D2), "
                       "grouped by intent class.",
                       "The overlap risks of the M1 plan (section 2.2) and what detects them."],
        DELTA_REGISTER: ["Contracts not reusable as-is (M1 plan P2; work package D6), one entry per file in "
                         "decisions/deltas/."],
        "m1_dependency_matrix.md": ["Work packages of the M1 plan (section 3) from decisions/work_packages.yaml, "
                                    "the order they can be done in", "## D3: identifier mapping"],
        CI_ENFORCEMENT: ["Each CI gate of decisions/gates.yaml (M1 plan P3; work packages D4, D7), what enforces it"],
        HANDOFF: ["What the M2 API Spec Freeze (#58), the daemon (#59) and clients/CI (#60) consume from M1 "
                  "(M1 plan P4).", "## Section 2.3 checklist", "## M2 service items"],
    }
    for name, texts in expected.items():
        for text in texts:
            assert text in docs[name], (name, text)
    for name, text in docs.items():  # the seed's "Issue:" and "Depends on:" header after each title
        assert blocks(text)[1] == ("p", "Issue: #57 · Depends on: #61 (Runtime Contract Freeze, decision-only)"), name
    service = next(t for t in tables(docs[HANDOFF]) if t["header"][0] == "M2 item")
    assert [r[0] for r in service["rows"]] == ["capabilities", "skill-execute", "submit/status/cancel",
                                               "stream events/logs"]
    assert [r[1] for r in service["rows"]][:2] == ["capability_discovery", "skill_execute, run_provenance"]
    # the TUI page titles as they were written in code before plan.yaml
    assert plan.page_title("Delta register: contracts not reusable as-is", document=DELTA_REGISTER) == \
        "Delta register: contracts not reusable as-is (#57 P2)"
    assert plan.page_title("CI gates and change classes", document=CI_ENFORCEMENT) == \
        "CI gates and change classes (#57 P3)"
    assert plan.page_title("Dependency matrix", section="work_packages") == "Dependency matrix (#57 §3)"
    assert plan.checklist_page_title() == "Missing-contract resolution checklist (§2.3)"


def test_plan_labels_are_user_text_and_escaped(copy):
    write(copy, PLAN, {
        "name": "Q3 *roadmap*", "issue": "PROJ-12",
        "sections": {"checklist": "4.1", "risks": "A-2"},
        "checklist_title": "Exit criteria",
        "phases": [{"id": "S1", "documents": [REUSE_MATRIX, DELTA_REGISTER]}],
        "downstream": [{"issue": "PROJ-13", "name": "the `api` team | x"}],
        "service_items": [{"item": "Run a skill", "match": ["Skill-Execute"]}, {"item": "Nothing"}],
        "documents": {REUSE_MATRIX: {"title": "Reuse | matrix", "work_packages": ["D1"]}},
    })
    ws = load_clean(copy)
    docs = render_docs(ws)
    reuse = blocks(docs[REUSE_MATRIX])
    assert reuse[0] == ("h1", "Reuse | matrix")
    assert reuse[1][1].startswith("One row per contract family of decisions/families/ "
                                  "(Q3 *roadmap* S1; work package D1), grouped")
    assert ("p", "The overlap risks of the Q3 *roadmap* (section A-2) and what detects them.") in reuse
    assert blocks(docs[DELTA_REGISTER])[1][1].startswith("Contracts not reusable as-is (Q3 *roadmap* S1), one")
    assert "S1" not in docs[CI_ENFORCEMENT]
    handoff = blocks(docs[HANDOFF])
    assert handoff[1][1].startswith("What the `api` team | x (PROJ-13) consume from M1. ")
    assert ("h2", "Section 4.1 checklist") in handoff
    service = next(t for t in assert_tables_intact(docs[HANDOFF]) if t["header"][0] == "M2 item")
    assert [r[:2] for r in service["rows"]] == [["Run a skill", "skill_execute, run_provenance"],
                                                ["Nothing", "no new or extended family"]]
    assert ws.decisions.plan.page_title("Deltas", document=DELTA_REGISTER) == "Deltas (PROJ-12 S1)"
    assert ws.decisions.plan.checklist_page_title() == "Exit criteria (§4.1)"


def test_an_invalid_plan_label_is_a_problem_and_keeps_its_default(copy):
    (copy / PLAN).write_text("name: M1 plan\nsections:\n  checklist: 2.3\nphases:\n  - id: P1\n"
                             "    documents: [not_a_doc.md]\n", encoding="utf-8")
    ws = load_workspace(copy)
    found = sorted((p.field, p.line) for p in ws.problems if p.path == PLAN)
    assert found == [("phases.0.documents.0", 6), ("sections.checklist", 3)]
    plan = ws.decisions.plan
    assert plan.name == "M1 plan" and plan.section("checklist") == "" and plan.phases == ()
    assert "## Checklist\n" in render_docs(ws)[HANDOFF]


def test_plan_yaml_citing_an_unknown_work_package_is_g006(copy):
    text = (copy / PLAN).read_text("utf-8").replace("identifier_mapping_package: D3", "identifier_mapping_package: D42")
    (copy / PLAN).write_text(text.replace("{work_packages: [D6]}", "{work_packages: [D6, D77]}"), "utf-8")
    ws = load_clean(copy)
    hits = sorted((f.line, f.message) for f in derive(ws).findings if f.rule == "G006")
    lines = text.split("\n")
    assert hits == [
        (next(i for i, ln in enumerate(lines, 1) if "D42" in ln),
         "decisions/plan.yaml cites unknown work package D42 (identifier_mapping_package)"),
        (next(i for i, ln in enumerate(lines, 1) if "m1_contract_delta_register.md:" in ln),
         "decisions/plan.yaml cites unknown work package D77 (work_packages of m1_contract_delta_register.md)"),
    ]


# ---------------------------------------------------------------- (c) PREFIX-NNN delta ids

DLT = {"delta": "DLT-001", "title": "Skill execute envelope v1", "family": "skill_execute", "kind": "new",
       "authority_owner": "gateway-api", "compatibility_rule": "additive only",
       "upstream_candidates": ["spawn_envelope"],
       "risk": "none", "downstream_consumers": ["#58"], "status": "frozen"}


def test_a_prefix_number_delta_id_loads_and_is_in_the_register(copy):
    write(copy, "decisions/deltas/DLT-001.yaml", DLT)
    checklist = (copy / "decisions/checklist.yaml").read_text("utf-8")
    checklist = checklist.replace("derive: {kind: delta_frozen, delta: idempotency_semantics}",
                                  "derive: {kind: delta_frozen, delta: DLT-001}")
    (copy / "decisions/checklist.yaml").write_text(checklist, "utf-8")
    ws = load_clean(copy)
    delta = next(d for d in ws.decisions.deltas if d.id == "DLT-001")
    assert delta.path == "decisions/deltas/DLT-001.yaml" and delta.family == "skill_execute"
    result = derive(ws)
    assert not [f for f in result.findings if "DLT-001" in f.subjects]  # complete: no G005
    item = next(r for r in result.checklist if r.item.id == "idempotency_semantics_frozen")
    assert item.status == "done" and "DLT-001" in item.evidence_text
    docs = render_docs(ws)
    register = assert_tables_intact(docs[DELTA_REGISTER])
    assert "DLT-001" in [r[0] for r in register[0]["rows"]]
    per_family = next(t for t in register if t["header"][0] == "contract_family")
    assert "DLT-001" in next(r for r in per_family["rows"] if r[0] == "skill_execute")[3]
    assert "DLT-001" in docs[HANDOFF]


@pytest.mark.parametrize("stem, delta, problem", [
    ("DLT-002", "DLT-001", "does not match the file name"),
    ("dlt-001", "dlt-001", "does not match"),  # a lower-case prefix is neither form
    ("D1", "D1", "does not match"),  # a work package id is not a delta id
])
def test_delta_ids_keep_their_checks(copy, stem, delta, problem):
    write(copy, f"decisions/deltas/{stem}.yaml", dict(DLT, delta=delta))
    found = [p for p in load_workspace(copy).problems if p.path == f"decisions/deltas/{stem}.yaml"]
    assert found and problem in found[0].message and found[0].field == "delta"


# ---------------------------------------------------------------- (d) new fields exported and escaped

def test_representation_deltas_is_a_reuse_matrix_column_and_escaped(copy):
    gate = load_workspace(copy).family("gate")
    path = copy / gate.path
    path.write_text(path.read_text("utf-8") + "representation_deltas: " + json.dumps(HOSTILE) + "\n", "utf-8")
    ws = load_clean(copy)
    assert ws.family("gate").representation_deltas == HOSTILE
    text = render_docs(ws)[REUSE_MATRIX]
    families = next(t for t in assert_tables_intact(text) if "rationale" in t["header"])
    header = families["header"]
    assert header[header.index("wire mapping") + 1] == "representation deltas"
    assert header[-1] == "version policy"
    rows = {r[0]: r[header.index("representation deltas")] for r in families["rows"]}
    assert rows["gate"] == HOSTILE and rows["promotion"] == ""


def test_delta_prose_fields_are_per_delta_subsections(copy):
    write(copy, "decisions/deltas/DLT-001.yaml", dict(
        DLT, title="Envelope | v1", why_insufficient=HOSTILE, minimum_v1_surface="skill_id, input, deadline",
        migration_plan="Merge into `spawn_envelope`\nonce #59 ships."))
    write(copy, "decisions/deltas/DLT-002.yaml", dict(DLT, delta="DLT-002", migration_plan="Only this one."))
    ws = load_clean(copy)
    text = render_docs(ws)[DELTA_REGISTER]
    assert_tables_intact(text)
    found = blocks(text)
    start = found.index(("h2", "Delta details"))
    end = found.index(("h2", "Deltas per new or extended family"))
    assert found[start + 1:end] == [
        ("h3", "DLT-001: Envelope | v1"),
        ("p", "Why the SSOT is insufficient: " + HOSTILE),
        ("p", "Minimum v1 surface: skill_id, input, deadline"),
        ("p", "Migration/merge plan: Merge into `spawn_envelope`\nonce #59 ships."),
        ("h3", "DLT-002: Skill execute envelope v1"),
        ("p", "Migration/merge plan: Only this one."),
    ]
    # the hostile text stays inline: no heading, list or html block of its own
    types = [t.type for t in MD.parse(text)]
    assert "bullet_list_open" not in types and types.count("html_block") == 1  # the generated-file comment


def test_header_metadata_per_document_over_the_shared_block(copy):
    plan = (copy / PLAN).read_text("utf-8")
    plan = plan.replace('  depends_on: ["#61 (Runtime Contract Freeze, decision-only)"]\n',
                        '  depends_on: ["#61 (Runtime | Contract)\\nfreeze", "plain `text` [bold]x[/]"]\n'
                        '  last_updated: 2026-02-25\n')
    plan = plan.replace("m1_contract_delta_register.md: {work_packages: [D6]}",
                        'm1_contract_delta_register.md: {work_packages: [D6], issue: "#99", last_updated: "Q1 | late"}')
    (copy / PLAN).write_text(plan, "utf-8")
    ws = load_clean(copy)
    docs = render_docs(ws)
    depends = "Depends on: #61 (Runtime | Contract)\nfreeze, plain `text` [bold]x[/]"
    shared = f"Issue: #57 · {depends} · Last updated: 2026-02-25"
    assert blocks(docs[REUSE_MATRIX])[1] == ("p", shared)
    assert blocks(docs[DELTA_REGISTER])[1] == (
        "p", f"Issue: #99 · {depends} · Last updated: Q1 | late")
    line = docs[REUSE_MATRIX].split("\n")[4]
    assert line.startswith("**Issue:** `#57` · **Depends on:** `#61` (Runtime \\| Contract)<br>freeze, ")
    # written by the user, never the clock: the same bytes on every export
    assert datetime.date.today().isoformat() not in "".join(docs.values()) or \
        datetime.date.today().isoformat() == "2026-02-25"
    assert render_docs(load_workspace(copy)) == docs
    for text in docs.values():
        assert_tables_intact(text)


# ---------------------------------------------------------------- (e) absent fields: no clutter

def test_absent_optional_fields_add_no_columns_headings_or_header(copy):
    for record in (copy / "decisions/families").glob("*.yaml"):  # the shipped families record them
        text = record.read_text()
        record.write_text(re.sub(r"(?m)^# ProtoJSON.*\n(#.*\n)*representation_deltas:\n(  .*\n)*", "", text))
    docs = render_docs(load_clean(copy))
    headers = [h for t in tables(docs[REUSE_MATRIX]) for h in t["header"]]
    assert "representation deltas" not in headers
    assert "Delta details" not in docs[DELTA_REGISTER] and "Last updated" not in "".join(docs.values())
    (copy / PLAN).unlink()
    for name, text in render_docs(load_clean(copy)).items():
        kinds = blocks(text)
        assert kinds[0][0] == "h1" and not kinds[1][1].startswith("Issue:"), name
        assert "**" not in text.split("\n## ")[0], name  # nothing between the title and the intro


def test_one_prose_field_alone_shows_only_its_label(copy):
    write(copy, "decisions/deltas/DLT-001.yaml", dict(DLT, minimum_v1_surface="ids only"))
    text = render_docs(load_clean(copy))[DELTA_REGISTER]
    details = text.split("## Delta details\n", 1)[1].split("\n## ", 1)[0]
    assert details.strip() == "### `DLT-001`: Skill execute envelope v1\n\n**Minimum v1 surface:** ids only"


# ---------------------------------------------------------------- the TUI page titles

@pytest.mark.anyio
@pytest.mark.parametrize("plan, titles", [
    (None, {"c": "Checklist", "d": "Delta register: contracts not reusable as-is",
            "m": "Dependency matrix: ◀ depends on · ▶ enables", "g": "CI gates and change classes"}),
    ({"issue": "#7", "sections": {"checklist": "5", "work_packages": "2"}, "checklist_title": "Exit criteria",
      "phases": [{"id": "B", "documents": [DELTA_REGISTER, CI_ENFORCEMENT]}]},
     {"c": "Exit criteria (§5)", "d": "Delta register: contracts not reusable as-is (#7 B)",
      "m": "Dependency matrix (#7 §2): ◀ depends on · ▶ enables", "g": "CI gates and change classes (#7 B)"}),
])
async def test_page_titles_read_the_plan_labels(tmp_path, plan, titles):
    from helpers_tui import FIXTURE, SIZE, settle
    from textual.widgets import Label

    from workbench.tui.app import WorkbenchApp

    root = tmp_path / "ws"
    shutil.copytree(FIXTURE, root)
    (root / PLAN).unlink()
    if plan is not None:
        write(root, PLAN, plan)
    app = WorkbenchApp(root, watch=False, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, title in titles.items():
            await pilot.press(key)
            await settle(pilot)
            label = app.screen.query_one(".page-title", Label)
            assert str(label.content) == title, key
