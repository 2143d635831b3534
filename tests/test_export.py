"""`workbench export`: the five M1 documents, their tables, determinism and the derived mappings."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from workbench.analysis.refs import RefIndex
from workbench.analysis.wire import build
from workbench.cli import main
from workbench.export import DOCS, HEADER
from workbench.export import render_docs as _render
from workbench.export.docs import topological_order
from workbench.export.mapping import identifier_uses, representation
from workbench.export.markdown import cell, code, table
from workbench.loader import load_workspace
from workbench.model import WorkPackage
from workbench.pipeline import derive
from workbench.pipeline import export as export_docs


def render_docs(ws):
    """What export writes for `ws`: rendered from its check result, as the pipeline does."""
    return _render(ws, derive(ws))

MD = MarkdownIt("commonmark").enable("table")
OUT = "doc/m0-runtime-contract-freeze"
UNESCAPED_PIPE = re.compile(r"(?<!\\)(?:\\\\)*\|")


def copy_repo(repo_root: Path, dest: Path) -> Path:
    """The workspace inputs of the checkout (ssot/, decisions/, clients/) copied to `dest`."""
    for name in ("ssot", "decisions", "clients"):
        if (repo_root / name).is_dir():
            shutil.copytree(repo_root / name, dest / name)
    return dest


def tables(text: str) -> list[dict]:
    """Each table: its header cells, body rows (cell texts) and raw source lines, checked for shape."""
    tokens = MD.parse(text)
    lines = text.split("\n")
    out = []
    for i, tok in enumerate(tokens):
        if tok.type != "table_open":
            continue
        end = next(j for j in range(i, len(tokens)) if tokens[j].type == "table_close")
        rows, row = [], None
        for t in tokens[i:end]:
            if t.type == "tr_open":
                row = []
                rows.append(row)
            elif t.type == "inline":
                row.append(plain(t))
        raw = lines[tok.map[0]:tok.map[1]]
        out.append({"header": rows[0], "rows": rows[1:], "raw": raw})
    return out


def plain(inline) -> str:
    """The text an inline token renders to (`<br>` as a newline)."""
    parts = []
    for child in inline.children or []:
        if child.type == "html_inline" and child.content.lower().startswith("<br"):
            parts.append("\n")
        else:
            parts.append(child.content)
    return "".join(parts)


def assert_tables_intact(text: str) -> list[dict]:
    """Every table row has the header's column count, in the source and as parsed."""
    found = tables(text)
    for t in found:
        width = len(t["header"])
        assert len(t["raw"]) == len(t["rows"]) + 2, t["raw"][:3]  # header + delimiter + one line per row
        for line in t["raw"]:
            assert len(UNESCAPED_PIPE.findall(line)) == width + 1, line
        assert all(len(r) == width for r in t["rows"])
    return found


def all_cells(text: str) -> set[str]:
    return {c for t in tables(text) for r in t["rows"] for c in r}


@pytest.fixture
def copy(repo_root, tmp_path) -> Path:
    return copy_repo(repo_root, tmp_path / "copy")


@pytest.fixture(scope="module")
def exported(repo_root, tmp_path_factory) -> dict[str, str]:
    """The documents as exported from a copy of the shipped workspace (once: the tests only read them)."""
    copied = copy_repo(repo_root, tmp_path_factory.mktemp("exported"))
    export_docs(load_workspace(copied))
    return {name: (copied / OUT / name).read_text("utf-8") for name in DOCS}


# ---------------------------------------------------------------- markdown helpers

def test_cell_keeps_hostile_text_literal_in_a_table():
    hostile = "a | b\nsecond `code` [bold]x[/] <br> *em* _u_ snake_case $x$ ~~s~~ &amp; back\\slash \\|"
    for lead in ("# h", "- item", "1. one", "> quote", "+ plus", "=== setext"):
        text = table(["name", "value"], [["x", hostile], ["y", lead]])
        parsed = assert_tables_intact(text)
        assert parsed[0]["rows"] == [["x", hostile], ["y", lead]]


def test_code_falls_back_to_escaped_text_when_a_span_cannot_hold_it():
    assert code("ssot/x.json") == "`ssot/x.json`"
    assert code("a|b") == cell("a|b") == "a\\|b"
    assert code("a`b") == cell("a`b") == "a\\`b"
    assert cell(None) == "" and code(None) == ""


def test_table_rejects_a_row_of_the_wrong_width():
    with pytest.raises(ValueError):
        table(["a", "b"], [["only one"]])


# ---------------------------------------------------------------- the shipped workspace

def test_every_document_parses_with_intact_tables(exported):
    assert list(exported) == list(DOCS)
    for name, text in exported.items():
        assert text.startswith(HEADER + "\n"), name
        assert text.endswith("\n") and not text.endswith("\n\n") and "\r" not in text, name
        assert tables(text), f"{name} has no table"
        assert_tables_intact(text)


def test_documents_cover_every_record(exported, repo_root):
    ws = load_workspace(repo_root)
    matrix = all_cells(exported["m1_contract_reuse_matrix.md"])
    assert {f.id for f in ws.families} <= matrix and len(ws.families) >= 16
    assert {s.path for s in ws.contract_schemas} <= matrix
    deltas = all_cells(exported["m1_contract_delta_register.md"])
    assert {d.id for d in ws.decisions.deltas} <= deltas and ws.decisions.deltas
    deps = all_cells(exported["m1_dependency_matrix.md"])
    assert {p.id for p in ws.decisions.work_packages} <= deps and len(ws.decisions.work_packages) == 8
    gates = all_cells(exported["m1_ci_enforcement_mapping.md"])
    assert {g.id for g in ws.decisions.gates} <= gates
    handoff = all_cells(exported["m1_to_m2_handoff.md"])
    assert {i.id for i in ws.decisions.checklist} <= handoff and len(ws.decisions.checklist) == 8
    assert {i.name for i in ws.decisions.identifiers} <= handoff
    assert {"capabilities", "skill-execute", "submit/status/cancel", "stream events/logs"} <= handoff


def test_reuse_matrix_has_the_seed_columns(exported):
    headers = [t["header"] for t in tables(exported["m1_contract_reuse_matrix.md"])]
    seed = ["contract_family", "intent_class", "owner", "stability_tier", "current_usage",
            "candidate_gateway_usage", "decision", "rationale", "wire mapping", "version policy"]
    # the shipped families record representation deltas: their column comes after the wire mapping
    assert seed[:9] + ["representation deltas"] + seed[9:] in headers


def test_dependency_order_and_identifier_mapping_in_the_matrix(exported):
    found = tables(exported["m1_dependency_matrix.md"])
    order = next(t for t in found if t["header"][:2] == ["step", "ID"])
    assert [r[1] for r in order["rows"]] == ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"]
    ids = next(t for t in found if t["header"][:3] == ["identifier", "schema", "JSON pointer"])
    assert ["run_id", "ssot/schemas/run.manifest.schema.json", "/properties/run_id",
            "$ref ssot/schemas/common/ids.schema.json#/$defs/run_id", "yes"] in ids["rows"]


def test_handoff_maps_fields_to_proto_and_summarises_findings(exported):
    found = tables(exported["m1_to_m2_handoff.md"])
    rep = next(t for t in found if t["header"][:3] == ["schema", "field", "JSON Schema"])
    rows = {(r[0].rsplit("/", 1)[-1], r[1]): r[3] for r in rep["rows"]}
    assert rows["skill.execute.request.schema.json", "deadline"] == "google.protobuf.Timestamp deadline"
    assert rows["run.manifest.schema.json", "provenance.contract_hashes"] == "map<string, string> contract_hashes"
    assert rows["skill.execute.request.schema.json", "input"] == "google.protobuf.Struct input"
    assert rows["stream.cursor.schema.json", "payload(log_line)"] == "oneof payload: StreamCursor.LogLine log_line"
    summary = next(t for t in found if t["header"][0] == "category")
    assert "export" not in [r[0] for r in summary["rows"]] and summary["rows"][-1][0] == "total"


# ---------------------------------------------------------------- determinism

def test_export_twice_and_from_another_folder_gives_identical_bytes(repo_root, tmp_path):
    a = copy_repo(repo_root, tmp_path / "a")
    b = copy_repo(repo_root, tmp_path / "elsewhere" / "deeper" / "b")
    first = [(p, s) for p, s in export_docs(load_workspace(a)) if p.startswith(OUT)]  # proto/ and the lock too
    assert first == [(f"{OUT}/{name}", "written") for name in DOCS]
    assert {s for _, s in export_docs(load_workspace(a))} == {"unchanged"}
    export_docs(load_workspace(b))
    for name in DOCS:
        text = (a / OUT / name).read_bytes()
        assert text == (b / OUT / name).read_bytes(), name
        assert str(tmp_path).encode() not in text
    assert not [p for p in (a / OUT).iterdir() if p.name not in DOCS]  # no temp files left behind


def test_export_to_another_folder_and_through_the_cli(copy, tmp_path, capsys, monkeypatch):
    out = tmp_path / "elsewhere"
    assert main(["export", "--root", str(copy), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(DOCS)
    monkeypatch.chdir(copy)  # printed paths are read from the current directory
    assert main(["export", "--root", str(copy)]) == 0
    assert f"written   {OUT}/m1_to_m2_handoff.md" in capsys.readouterr().out
    assert render_docs(load_workspace(copy)) == {n: (copy / OUT / n).read_text("utf-8") for n in DOCS}


def test_hostile_rationale_keeps_tables_intact(copy):
    path = copy / "decisions/families/gate.yaml"
    data = load_workspace(copy).family("gate")
    hostile = "Reused | unchanged\nsee `gate.decision` and [bold]x[/] <br>\n# not a heading"
    record = {"family": "gate", "title": data.title, "intent_class": data.intent_class,
              "schemas": list(data.schemas), "owner": data.owner, "stability_tier": data.stability_tier,
              "decision": data.decision, "rationale": hostile, "representation_deltas": hostile}
    path.write_text(json.dumps(record), encoding="utf-8")  # JSON is YAML
    text = render_docs(load_workspace(copy))["m1_contract_reuse_matrix.md"]
    families = next(t for t in assert_tables_intact(text) if "rationale" in t["header"])
    row = next(r for r in families["rows"] if r[0] == "gate")
    assert row[families["header"].index("rationale")] == hostile
    assert row[families["header"].index("representation deltas")] == hostile


# ---------------------------------------------------------------- derived data

def test_topological_order_breaks_ties_naturally_and_reports_cycles():
    wps = [WorkPackage("D10", "x", ("D1",)), WorkPackage("D2", "x", ("D1",)), WorkPackage("D1", "x"),
           WorkPackage("C1", "x", ("C2",)), WorkPackage("C2", "x", ("C1",)), WorkPackage("B", "x", ("#58",))]
    assert topological_order(wps) == (["B", "D1", "D2", "D10"], ["C1", "C2"])


def test_mappings_resolve_refs_and_flag_inline_identifiers(make_ws):
    root = make_ws({
        "ssot/schemas/common/ids.schema.json": {"$defs": {"run_id": {"type": "string", "pattern": "^run_"}}},
        "ssot/schemas/thing.schema.json": {
            "type": "object", "required": ["run_id"],
            "properties": {
                "run_id": {"$ref": "common/ids.schema.json#/$defs/run_id"},
                "at": {"type": "string", "format": "date-time"},
                "tags": {"type": "object", "additionalProperties": {"type": "integer"}},
                "extra": {"type": "object"},
                "kind": {"enum": ["a", "b"]},
                "parts": {"type": "array", "items": {"$ref": "#/$defs/part"}},
            },
            "$defs": {"part": {"type": "object", "properties": {"run_id": {"type": "string"}}}},
        },
        "decisions/identifiers.yaml": "identifiers:\n  - name: run_id\n"
                                      "    definition: ssot/schemas/common/ids.schema.json#/$defs/run_id\n",
    })
    ws = load_workspace(root)
    refs = RefIndex(ws)
    uses = {(u.pointer, u.canonical, u.defined_by) for u in identifier_uses(ws, refs)}
    assert uses == {("/properties/run_id", True, "$ref ssot/schemas/common/ids.schema.json#/$defs/run_id"),
                    ("/$defs/part/properties/run_id", False, "inline: string")}
    thing = ws.schema("ssot/schemas/thing.schema.json")
    rows = {r.field: (r.proto, r.required) for r in representation(build(ws, [thing]), [thing])}
    assert rows == {
        "run_id": ("string run_id", True), "at": ("google.protobuf.Timestamp at", False),
        "tags": ("map<string, int64> tags", False), "extra": ("google.protobuf.Struct extra", False),
        "kind": ("optional Thing.Kind kind", False), "parts": ("repeated Thing.Part parts", False),
        "parts[].run_id": ("optional string run_id", False),
    }


def test_a_format_that_is_not_a_string_does_not_stop_the_export(make_ws):
    """An invalid `format` (a list: V001 reports it) maps like a string without one, never crashes the export."""
    root = make_ws({
        "ssot/schemas/a.schema.json": {"type": "object", "properties": {
            "at": {"type": "string", "format": ["date-time"]}, "blob": {"type": "string", "format": {"x": 1}}}},
        "decisions/families/a.yaml": "family: a\nintent_class: status\ndecision: new\n"
                                     "schemas: [ssot/schemas/a.schema.json]\n",
    })
    ws = load_workspace(root)
    a = ws.schema("ssot/schemas/a.schema.json")
    rows = {r.field: r.proto for r in representation(build(ws, [a]), [a])}
    assert rows == {"at": "optional string at", "blob": "optional string blob"}
    for text in render_docs(ws).values():
        assert_tables_intact(text)


def test_malformed_refs_and_definitions_do_not_stop_the_export(make_ws):
    root = make_ws({
        "ssot/schemas/a.schema.json": {"type": "object", "properties": {"run_id": {"$ref": "http://[bad"}}},
        "decisions/families/a.yaml": "family: a\nintent_class: status\ndecision: new\n"
                                     "schemas: [ssot/schemas/a.schema.json]\n",
        "decisions/identifiers.yaml": "identifiers:\n  - name: run_id\n    definition: 'http://[bad'\n",
        "decisions/provenance.yaml": "canonical_record: 'http://[x'\npointer: /p\nfields: [repo]\n",
    })
    docs = render_docs(load_workspace(root))
    handoff = all_cells(docs["m1_to_m2_handoff.md"])
    assert "http://[bad" in handoff and "not defined" in handoff
    for text in docs.values():
        assert_tables_intact(text)
