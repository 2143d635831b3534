"""The TUI stays current: the watcher covers every path the check reads; keymap problems show at start."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers_tui import FIXTURE, SIZE, settle, until

from workbench.loader import load_workspace, watched_paths
from workbench.tui.app import WorkbenchApp
from workbench.tui.keymap import load_keymap
from workbench.tui.screens import binding_ids
from workbench.tui.screens.help import EXAMPLE, HelpScreen
from workbench.tui.watch import WatchPlan

pytestmark = pytest.mark.anyio

INVOCATION = """\
scan: ["clients/**/*.py"]
forbidden:
  imports: [subprocess]
  calls: []
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    dest = tmp_path / "ws"
    shutil.copytree(FIXTURE, dest)
    (dest / "decisions/invocation.yaml").write_text(INVOCATION)
    (dest / "clients/app").mkdir(parents=True)
    (dest / "clients/app/main.py").write_text("import json\n")
    return dest


def test_watched_paths_come_from_the_config(root: Path) -> None:
    (root / "decisions/checklist.yaml").write_text(
        "items:\n  - id: x\n    text: x\n    done: true\n    evidence: [notes/review.md, README.md]\n")
    paths = watched_paths(load_workspace(root))
    assert paths == ("README.md", "clients", "decisions", "doc/m1", "notes/review.md", "proto", "ssot/examples",
                     "ssot/schemas")
    plan = WatchPlan.of(root, paths)
    assert root / "ssot/schemas" in plan.trees and root / "clients" in plan.trees
    assert root / "ssot/schemas/common" not in plan.trees  # inside a watched tree already
    assert plan.covers(str(root / "clients/app/new.py"))
    assert plan.covers(str(root / "doc"))  # the export folder's top appearing
    assert plan.covers(str(root / "README.md"))
    assert not plan.covers(str(root / ".venv/lib/x.py"))
    assert not plan.covers(str(root / "decisions/families/.wb-gate.yaml.1.tmp"))


def test_a_glob_leaving_the_root_is_not_watched(root: Path) -> None:
    (root / "decisions/invocation.yaml").write_text(INVOCATION.replace("clients/**/*.py", "../elsewhere/*.py"))
    assert "../elsewhere" not in watched_paths(load_workspace(root))
    assert all(not p.startswith("..") for p in watched_paths(load_workspace(root)))


@pytest.mark.timing
async def test_watcher_sees_a_client_file_and_the_export_folder(root: Path) -> None:
    from workbench.pipeline import export as export_docs

    app = WorkbenchApp(root, watch=True, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        assert await until(pilot, lambda: app.snapshot is not None and not app.busy)
        assert await until(pilot, lambda: app._watch_plan is not None)
        await pilot.pause(0.3)  # the watcher is up
        rules = lambda: {f.rule for f in app.snapshot.result.findings}  # noqa: E731
        assert "I001" not in rules() and "E001" in rules()
        (root / "clients/app/main.py").write_text("import subprocess\n")
        assert await until(pilot, lambda: "I001" in rules())
        export_docs(load_workspace(root))  # `workbench export` from a shell
        assert await until(pilot, lambda: "E001" not in rules())
        assert root / "doc/m1" in app._watch_plan.trees  # the new folder is now watched itself
        doc = next((root / "doc/m1").iterdir())
        doc.write_text(doc.read_text() + "\nhand edit\n")
        assert await until(pilot, lambda: "E001" in rules())


async def test_keymap_problems_are_reported_at_start(root: Path, tmp_path: Path, monkeypatch) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('[keymap]\n"browse.edit" = "E"\n"browse.nope" = "N"\n')
    monkeypatch.setenv("WORKBENCH_KEYMAP", str(keymap))
    app = WorkbenchApp(root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("browse.nope" in m and "unknown" in m for m in messages), messages
        assert not any("browse.edit" in m for m in messages)
        assert app._keymap.get("browse.edit") == "E"


def test_an_invalid_keymap_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "keymap.toml"
    bad.write_text("[keymap\n")
    assert "not valid TOML" in load_keymap(bad).problems[0]
    bad.write_text('[keymap]\n"browse.edit" = 3\n')
    km = load_keymap(bad)
    assert km.keys == {} and "browse.edit" in km.problems[0]
    assert load_keymap(tmp_path / "absent.toml").problems  # named explicitly: reported


async def test_help_example_names_a_real_binding(root: Path) -> None:
    app = WorkbenchApp(root, watch=False, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert EXAMPLE[0] in binding_ids(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


def test_a_renamed_binding_id_still_applies_and_says_its_new_name(tmp_path: Path) -> None:
    file = tmp_path / "keymap.toml"
    file.write_text('[keymap]\n"findings.goto" = "g"\n')
    km = load_keymap(file)
    assert km.keys == {"findings.details": "g"}
    assert "findings.goto is now called findings.details" in km.problems[0]
    assert km.unknown(["findings.details"]) == []
    file.write_text('[keymap]\n"findings.details" = "d"\n')
    assert load_keymap(file).problems == ()


async def test_an_edited_schema_shows_its_own_findings_before_the_whole_check(root: Path, monkeypatch) -> None:
    """After an edit the per-file rules' findings are shown first (marked partial, still busy), the cross-schema
    findings of the last check kept meanwhile; the whole check then replaces them. The whole check is held
    until the test has seen the partial snapshot: nothing here depends on timing."""
    import threading

    from workbench import pipeline

    app = WorkbenchApp(root, watch=False, keymap={})
    whole = pipeline.check
    release = threading.Event()

    def held(ws, select=(), *args, **kwargs):
        if not select:  # the whole check waits; check_first's selected rules do not
            assert release.wait(30)
        return whole(ws, select, *args, **kwargs)

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.snapshot.result.findings
        cross = [f for f in before if f.rule in ("O001", "D001", "R001", "E001", "G001")]
        assert cross, "the fixture has cross-schema findings to keep"
        assert not any(f.rule == "V001" for f in before)
        edited = next(s for s in app.snapshot.ws.contract_schemas if not s.shared)
        body = json.loads((root / edited.path).read_text())
        (root / edited.path).write_text(json.dumps({**body, "type": "strnig"}, indent=2))
        monkeypatch.setattr(pipeline, "check", held)
        app.reload("edited")
        assert await until(pilot, lambda: app.snapshot.partial)
        snap = app.snapshot
        assert app.busy and not app.checked  # what tests and the status bar wait for is the whole check
        assert [f.path for f in snap.result.findings if f.rule == "V001"] == [edited.path]
        assert set(cross) <= set(snap.result.findings)  # the last check's cross-schema findings, meanwhile
        status = app.screen.query_one("#status-summary").render()
        assert "cross-schema findings re-checking" in str(status)
        release.set()
        await settle(pilot)
        assert not app.snapshot.partial
        assert [f.path for f in app.snapshot.result.findings if f.rule == "V001"] == [edited.path]


async def test_the_whole_check_waits_for_the_edit_to_be_painted_and_a_newer_save_skips_it(
        root: Path, monkeypatch) -> None:
    """The whole check starts only once the screen has painted the edited files' own findings (they no longer
    share the interpreter); a save meanwhile cancels it: only the newer reload runs a whole check."""
    import threading

    from workbench import pipeline

    app = WorkbenchApp(root, watch=False, keymap={})
    whole = pipeline.check
    checked: list[bool] = []  # one entry per whole check: was the partial snapshot painted by then?

    def counted(ws, select=(), *args, **kwargs):
        if not select:
            checked.append(app._painted.is_set())
        return whole(ws, select, *args, **kwargs)

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        edited = next(s for s in app.snapshot.ws.contract_schemas if not s.shared)
        body = json.loads((root / edited.path).read_text())
        monkeypatch.setattr(pipeline, "check", counted)
        (root / edited.path).write_text(json.dumps({**body, "type": "strnig"}, indent=2))
        app.reload("edited")
        await settle(pilot)
        assert checked == [True]

        never = threading.Event()  # the next partial snapshot is never painted: its check waits in vain
        monkeypatch.setattr(app, "_painted", never)
        monkeypatch.setattr(never, "set", lambda: None)
        (root / edited.path).write_text(json.dumps({**body, "type": "strnig2"}, indent=2))
        app.reload("edited")
        assert await until(pilot, lambda: app.snapshot.partial)
        monkeypatch.setattr(app, "_painted", threading.Event())  # the newer reload paints as usual
        (root / edited.path).write_text(json.dumps({**body, "type": "strnig3"}, indent=2))
        app.reload("saved again")
        await settle(pilot)
        assert checked == [True, True]  # the first reload's whole check was skipped
        assert [f.message.split(":")[1].strip() for f in app.snapshot.result.findings if f.rule == "V001"] == [
            "'strnig3' is not one of ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']"]
