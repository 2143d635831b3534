"""E001: committed M1 documents that differ from what `workbench export` writes now."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.export import DOCS
from workbench.loader import load_workspace
from workbench.pipeline import check
from workbench.pipeline import export as export_docs
from workbench.rules.export_drift import diff_excerpt

OUT = "doc/m0-runtime-contract-freeze"


@pytest.fixture
def exported(repo_root, tmp_path) -> Path:
    """A copy of the shipped workspace with freshly exported documents."""
    root = tmp_path / "copy"
    for name in ("ssot", "decisions", "clients"):
        if (repo_root / name).is_dir():
            shutil.copytree(repo_root / name, root / name)
    export_docs(load_workspace(root))
    return root


def e001(root: Path):
    return check(load_workspace(root), select=["E001"]).findings


def test_quiet_when_the_documents_are_current(exported):
    assert e001(exported) == ()
    assert main(["--check", "--root", str(exported), "--select", "export"]) == 0


def test_edited_decision_makes_the_docs_stale_until_re_exported(exported, capsys):
    family = exported / "decisions/families/skill_execute.yaml"
    family.write_text(family.read_text("utf-8").replace("owner: gateway-api", "owner: platform-team"), "utf-8")
    before = {n: (exported / OUT / n).stat().st_mtime_ns for n in DOCS}

    assert main(["--check", "--root", str(exported), "--select", "export"]) == 1
    assert "E001" in capsys.readouterr().out
    stale = {f.path: f for f in e001(exported)}
    matrix = stale[f"{OUT}/m1_contract_reuse_matrix.md"]
    assert matrix.rule == "E001" and matrix.category == "export" and matrix.severity == "error"
    committed = (exported / matrix.path).read_text("utf-8").split("\n")
    assert "gateway-api" in committed[matrix.line - 1] and "skill_execute" in committed[matrix.line - 1]
    assert "\n  -" in matrix.message and "platform-team" in matrix.message
    assert before == {n: (exported / OUT / n).stat().st_mtime_ns for n in DOCS}  # checking never writes

    export_docs(load_workspace(exported))
    assert main(["--check", "--root", str(exported), "--select", "export"]) == 0


def test_missing_and_hand_edited_documents(exported):
    (exported / OUT / "m1_dependency_matrix.md").unlink()
    handoff = exported / OUT / "m1_to_m2_handoff.md"
    handoff.write_text(handoff.read_text("utf-8") + "hand-written note\n", "utf-8")
    found = {f.path: f for f in e001(exported)}
    assert set(found) == {f"{OUT}/m1_dependency_matrix.md", f"{OUT}/m1_to_m2_handoff.md"}
    assert found[f"{OUT}/m1_dependency_matrix.md"].message.startswith("missing")
    assert "+hand-written" not in found[f"{OUT}/m1_to_m2_handoff.md"].message  # the export side lacks it
    assert "-hand-written note" in found[f"{OUT}/m1_to_m2_handoff.md"].message


def test_no_decisions_means_nothing_to_export(make_ws):
    root = make_ws({"ssot/schemas/a.schema.json": {"type": "object"}})
    assert e001(root) == ()


ADOPTED = {"ssot/schemas/a.schema.json": {"type": "object"}, "decisions/families/a.yaml": "family: a\n"}


def test_documents_are_not_asked_of_a_repository_that_does_not_run_the_plan(make_ws):
    assert e001(make_ws(ADOPTED)) == ()  # decisions/, but no plan file, no export.out, no document


@pytest.mark.parametrize("says", [
    {"decisions/plan.yaml": "name: M1 plan\n"},
    {"decisions/workspace.yaml": "version: 1\nexport:\n  out: docs/contracts\n"},
])
def test_documents_are_expected_where_the_workspace_says_so(make_ws, says):
    found = e001(make_ws(ADOPTED | says))
    assert len(found) == len(DOCS) and all(f.message.startswith("not exported yet") for f in found)


def test_diff_excerpt_points_at_the_first_change_and_clips_long_lines():
    assert diff_excerpt(["a", "b", "c", ""], ["a", "B", "c", "d", ""]) == (2, ["-b", "+B", "+d"], 3)
    assert diff_excerpt(["a", ""], ["a", "", "x"])[0] == 3
    line, excerpt, total = diff_excerpt([str(i) for i in range(30)], [], limit=10)
    assert (line, len(excerpt), total) == (1, 10, 30)
    row = "| " + "x" * 500 + " | owner-a | " + "y" * 500 + " |"
    _, excerpt, _ = diff_excerpt([row], [row.replace("owner-a", "owner-b")])
    assert "owner-a" in excerpt[0] and "owner-b" in excerpt[1]
    assert all(len(e) < 200 and e.count("...") == 2 for e in excerpt)
