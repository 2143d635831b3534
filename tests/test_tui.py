"""The Textual app driven with Pilot on a copy of the small fixture workspace."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers_tui import FIXTURE, GATE, SIZE, open_editor, opened, plain, select, settle, tree_labels, until
from textual.widgets import Input, Select, TextArea

from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.checklist import ChecklistScreen
from workbench.tui.screens.confirm import ConfirmScreen
from workbench.tui.screens.conflict import ConflictScreen
from workbench.tui.screens.edit_family import EditFamilyScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.main import MainScreen
from workbench.tui.view import FAMILY, SCHEMA, NodeRef
from workbench.tui.widgets.browse import BrowseTree
from workbench.tui.widgets.findings import FindingsPanel, FindingsTable

pytestmark = pytest.mark.anyio  # anyio's pytest plugin runs the async tests (no pytest-asyncio needed)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # Textual runs on asyncio


def rules(app: WorkbenchApp) -> list[tuple[str, str]]:
    return [(f.rule, f.path) for f in app.snapshot.result.findings]


# ---------------------------------------------------------------------- browse


async def test_first_screen_then_tree_with_counts_and_literal_titles(root: Path) -> None:
    app = WorkbenchApp(root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, MainScreen)  # shown before the first check finished
        await settle(pilot)
        assert app.snapshot is not None and not app.busy
        labels = tree_labels(app)
        for intent in app.snapshot.ws.config.intent_classes:
            assert ("intent", intent) in labels
        assert ("group", "undecided") in labels and ("group", "shared") in labels
        assert labels[("family", "gate")].startswith("gate  ●1")  # V002 on its example
        assert labels[("schema", "ssot/schemas/odd.title.schema.json")] == "odd.title  ●1"
        # the schema's markup-looking title is shown literally in the detail pane
        await select(pilot, NodeRef(SCHEMA, "ssot/schemas/odd.title.schema.json"))
        text = _plain(app.screen.query_one("#detail-body"))
        assert "[bold]x[/] [TODO] | pipe" in text
        assert "[red]must show literally[/red]" in text


def _plain(static) -> str:
    return plain(static.content)


def test_group_details_list_a_bounded_number_of_rows(root: Path, monkeypatch) -> None:
    """An intent class of thousands of families (a vendor catalog) lists the first `MAX_ROWS` and says
    how many more: rendering every row on each refresh held the UI thread for seconds."""
    from workbench.loader import load_workspace
    from workbench.pipeline import check
    from workbench.tui.view import GROUP, INTENT, UNDECIDED, make_snapshot
    from workbench.tui.widgets import detail

    (root / "ssot/schemas/extra.schema.json").write_text('{"type": "object"}')  # a second undecided schema
    ws = load_workspace(root)
    snap = make_snapshot(ws, check(ws))
    intent = max(ws.config.intent_classes, key=lambda c: sum(f.intent_class == c for f in ws.families))
    fams = [f for f in ws.families if f.intent_class == intent]
    undecided = [s for s in ws.contract_schemas if ws.family_of(s.path) is None]
    assert len(fams) >= 2 and len(undecided) >= 2
    monkeypatch.setattr(detail, "MAX_ROWS", 1)
    for width in (100, 60):  # the table, and one line per family when narrow
        text = plain(detail.render_detail(snap, NodeRef(INTENT, intent)), width)
        assert f"... {len(fams) - 1} more: filter the tree with /" in text
        assert fams[0].id in text and fams[-1].id not in text
    text = plain(detail.render_detail(snap, NodeRef(GROUP, UNDECIDED)), 100)
    assert f"... {len(undecided) - 1} more" in text
    monkeypatch.setattr(detail, "MAX_ROWS", 1000)
    assert "more: filter" not in plain(detail.render_detail(snap, NodeRef(INTENT, intent)), 100)


async def test_tree_is_browsable_while_the_first_check_runs(root: Path, monkeypatch) -> None:
    """A large workspace loads in a second and checks for longer: the tree and details show the
    loaded workspace meanwhile, saying that findings are pending (not that there are none)."""
    import threading

    from workbench import pipeline

    release = threading.Event()
    real_check = pipeline.check

    def slow_check(*args, **kwargs):
        assert release.wait(10), "the test never released the check"
        return real_check(*args, **kwargs)

    monkeypatch.setattr(pipeline, "check", slow_check)
    app = WorkbenchApp(root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        try:
            assert await until(pilot, lambda: app.preview is not None)
            assert app.snapshot is None and app.busy
            labels = tree_labels(app)
            assert labels[("family", "gate")] == "gate"  # no counts yet
            await select(pilot, NodeRef(FAMILY, "gate"))
            assert "checking… findings and their counts appear" in _plain(app.screen.query_one("#detail-body"))
            assert "gate" in _plain(app.screen.query_one("#detail-body"))
            panel = app.screen.query_one(FindingsPanel)
            assert plain(panel.query_one("#filter-count").content).strip() == "checking…"
            status = plain(app.screen.query_one("#status-summary").content)
            assert "findings pending" in status and "●" not in status
            assert not app.screen.check_action("edit", ())  # acting waits for the checked snapshot
        finally:
            release.set()
        await settle(pilot)
        assert app.preview is None and app.snapshot is not None
        assert tree_labels(app)[("family", "gate")].startswith("gate  ●1")
        assert app.screen.current == NodeRef(FAMILY, "gate")  # the place the user browsed to is kept
        assert "checking…" not in _plain(app.screen.query_one("#detail-body"))


async def test_schema_detail_shows_record_fields_examples_findings(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        await select(pilot, NodeRef(SCHEMA, "ssot/schemas/gate.decision.schema.json"))
        text = _plain(app.screen.query_one("#detail-body"))
        for expected in ("Decision record", "contracts-core", "Fields (", "checks[].check_id",
                         "Examples (2)", "✓ ssot/examples/gate.decision.json",
                         "✗ ssot/examples/gate.decision/bad_verdict.json",
                         "V002", "Overlaps (0)"):
            assert expected in text, expected


async def test_finding_choice_moves_the_tree_and_filter_narrows(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        await pilot.press("a")  # every finding, not only the first node's
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"V002")
        await pilot.pause()
        panel = app.screen.query_one(FindingsPanel)
        assert [f.rule for f in panel.shown] == ["V002"]
        await pilot.press("enter")  # to the table
        assert isinstance(app.focused, FindingsTable)
        await pilot.press("enter")  # the finding's detail view
        await pilot.pause()
        assert type(app.screen).__name__ == "FindingScreen"
        await pilot.press("enter")  # go to its location: the tree moves to the example's schema
        await pilot.pause()
        tree = app.screen.query_one(BrowseTree)
        assert tree.cursor_node.data.ident == ("schema", "ssot/schemas/gate.decision.schema.json")
        app.screen.query_one("#filter-severity", Select).value = "warning"
        await pilot.pause()
        assert panel.shown == []


# ---------------------------------------------------------------------- edit


async def test_edit_and_save_round_trip_updates_tree_and_findings(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        assert not [r for r in rules(app) if r == ("G004", GATE)]
        form = await open_editor(pilot)
        form.query_one("#field-owner", Input).value = "gateway-api"
        form.query_one("#field-version_policy", TextArea).text = ""  # G004 warning after saving
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        text = (root / GATE).read_text()
        assert "# Contract family gate (fixture): comments and unknown keys must survive an edit." in text
        assert "x_review_note: keep me   # unknown key: the workbench must not drop it" in text
        assert "owner: gateway-api" in text and "# who approves changes" in text
        assert "version_policy" not in text
        assert ("G004", GATE) in rules(app)
        assert app.snapshot.ws.family("gate").owner == "gateway-api"
        assert "▲1" in tree_labels(app)[("family", "gate")]
        assert app.screen.query_one(BrowseTree).cursor_node.data.ident == ("family", "gate")  # selection kept
        assert any(f.rule == "G004" for f in app.screen.query_one(FindingsPanel).shown)


async def test_cancel_writes_nothing(root: Path) -> None:
    before = (root / GATE).read_bytes()
    mtime = (root / GATE).stat().st_mtime_ns
    async with opened(root) as pilot:
        app = pilot.app
        form = await open_editor(pilot)
        form.query_one("#field-owner", Input).value = "someone-else"
        await pilot.press("escape")  # a changed form asks first (tests/test_tui_edit_safety.py)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("right", "enter")  # "Discard"
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    assert (root / GATE).read_bytes() == before
    assert (root / GATE).stat().st_mtime_ns == mtime
    assert not [p for p in (root / GATE).parent.iterdir() if p.name.startswith(".wb-")]


async def test_new_without_a_named_alternative_shows_an_inline_error(root: Path) -> None:
    before = (root / GATE).read_bytes()
    async with opened(root) as pilot:
        app = pilot.app
        form = await open_editor(pilot)
        form.query_one("#field-decision", Select).value = "new"
        form.query_one("#field-alternatives_considered", Input).value = "task_output"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # not closed
        error = _plain(form.query_one("#error-rationale"))
        assert "task_output" in error
        assert form.query_one("#error-rationale").has_class("-shown")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("right", "enter")  # discard
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    assert (root / GATE).read_bytes() == before


async def save_over_their_change(pilot, path: Path, old: str, new: str) -> str:
    """Edit the owner to "mine", let someone else change the file on disk, press save; returns their text."""
    await settle(pilot)
    form = await open_editor(pilot)
    form.query_one("#field-owner", Input).value = "mine"
    theirs = path.read_text().replace(old, new)
    path.write_text(theirs)
    await pilot.press("ctrl+s")
    await pilot.pause()
    return theirs


async def test_saving_over_a_file_changed_on_disk_asks_first(root: Path) -> None:
    path = root / GATE
    app = WorkbenchApp(root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        theirs = await save_over_their_change(
            pilot, path, "stability_tier: stable/v1", "stability_tier: internal  # theirs")
        assert isinstance(app.screen, ConflictScreen)
        diff = _plain(app.screen.query_one("#conflict-diff Static"))
        assert "+stability_tier: internal  # theirs" in diff
        assert path.read_text() == theirs  # asked, nothing written
        await pilot.press("escape")  # cancel: back to my edit, still unsaved
        await pilot.pause()
        assert isinstance(app.screen, EditFamilyScreen)
        assert app.screen.query_one("#field-owner", Input).value == "mine"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConflictScreen)
        await pilot.press("o")  # overwrite with mine, on top of theirs
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    text = path.read_text()
    assert "owner: mine" in text and "stability_tier: internal  # theirs" in text


async def test_conflict_reload_theirs_discards_mine(root: Path) -> None:
    path = root / GATE
    app = WorkbenchApp(root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        theirs = await save_over_their_change(pilot, path, "owner: contracts-core", "owner: theirs")
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.snapshot.ws.family("gate").owner == "theirs"
    assert path.read_text() == theirs


# ---------------------------------------------------------------------- live


@pytest.mark.timing
async def test_schema_written_while_running_shows_its_overlap_warning(root: Path) -> None:
    app = WorkbenchApp(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        assert await until(pilot, lambda: app.snapshot is not None and not app.busy)
        await pilot.pause(0.3)  # the watcher is up
        body = json.loads((root / "ssot/schemas/gate.decision.schema.json").read_text())
        body["title"] = "Gate verdict v2"
        (root / "ssot/schemas/gate.verdict.schema.json").write_text(json.dumps(body, indent=2))

        def warned() -> bool:
            snap = app.snapshot
            return snap is not None and any(
                f.rule == "O001" and "gate.verdict" in f.subjects for f in snap.result.findings)

        assert await until(pilot, warned, timeout=10)
        await pilot.pause()
        labels = tree_labels(app)
        assert "▲" in labels[("schema", "ssot/schemas/gate.verdict.schema.json")]
        assert "▲2" in labels[("family", "gate")]  # the overlap and the copied `checks` item count on both sides


async def test_broken_file_shows_a_finding_and_the_app_keeps_running(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        await select(pilot, NodeRef(SCHEMA, "ssot/schemas/task.result.schema.json"))
        (root / "ssot/schemas/task.result.schema.json").write_text('{"title": "broken", ')
        (root / GATE).write_text("family: [gate\n")
        await pilot.press("r")
        await settle(pilot)
        found = rules(app)
        assert ("L001", "ssot/schemas/task.result.schema.json") in found
        assert ("L001", GATE) in found
        assert app.is_running and isinstance(app.screen, MainScreen)
        assert tree_labels(app)  # the screen is not blank
        await pilot.press("down", "up", "slash", *"L001", "escape")
        await pilot.pause()
        assert all(f.rule == "L001" for f in app.screen.query_one(FindingsPanel).shown)
        await pilot.press("e")  # the gate family no longer loads: edit is unavailable, no crash
        await pilot.pause()
        assert app.is_running


async def test_selection_and_scroll_survive_a_reload(root: Path) -> None:
    app = WorkbenchApp(root, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ref = NodeRef(SCHEMA, "ssot/schemas/skill.execute.schema.json")
        await select(pilot, ref)
        (root / "ssot/schemas/new.thing.schema.json").write_text('{"type": "object"}')  # adds a tree node
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.query_one(BrowseTree).cursor_node.data.ident == ref.ident
        assert app.screen.current.ident == ref.ident


# ---------------------------------------------------------------------- other screens


async def test_checklist_manual_tick_is_saved(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        statuses = [(r.item.id, r.status) for r in app.screen.rows]
        assert statuses == [("skill_execute_resolved", "done"), ("idempotency_reviewed", "open")]
        await pilot.press("t")  # derived item: not tickable
        await pilot.pause()
        assert isinstance(app.screen, ChecklistScreen)
        await pilot.press("down", "t")
        await pilot.pause()
        evidence = app.screen.query_one("#tick-evidence", Input)
        evidence.value = "decisions/nope.md"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "nope.md" in _plain(app.screen.query_one("#tick-error"))  # inline, not closed
        evidence.value = "decisions/gates.yaml"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        assert [(r.item.id, r.status) for r in app.screen.rows][1] == ("idempotency_reviewed", "done")
        text = (root / "decisions/checklist.yaml").read_text()
        assert text.startswith("# Fixture checklist")
        assert "done: true" in text and "- decisions/gates.yaml" in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_a_tick_that_cannot_be_saved_keeps_the_dialog_and_its_values(root: Path) -> None:
    """The tick dialog writes before it closes: a conflict cancelled, or a failed write, leaves
    it open with what was typed."""
    async with opened(root) as pilot:
        app = pilot.app
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("down", "t")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#tick-evidence", Input).value = "decisions/gates.yaml"
        checklist = root / "decisions/checklist.yaml"
        checklist.write_text(checklist.read_text() + "# edited elsewhere\n")
        await pilot.press("ctrl+s")
        assert await until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        await pilot.press("escape")  # cancel: back to the dialog
        assert await until(pilot, lambda: app.screen is dialog)
        assert dialog.query_one("#tick-evidence", Input).value == "decisions/gates.yaml"
        checklist.unlink()
        checklist.mkdir()  # a folder where the file was: the write fails
        await pilot.press("ctrl+s")
        assert await until(pilot, lambda: "Not saved" in plain(dialog.query_one("#form-failure").render()))
        assert app.screen is dialog
        assert dialog.query_one("#tick-evidence", Input).value == "decisions/gates.yaml"


async def test_record_pages_help_and_palette(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        for key, table_id, rows in (("d", "#deltas-table", 1), ("m", "#packages-table", 2), ("g", "#gates-table", 1)):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen.query_one(table_id).row_count == rows, key
        await pilot.press("m")
        await settle(pilot)
        assert app.screen.query_one("#handoff-table").row_count == 1
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {row[3].plain for row in app.screen.query_one("#help-table")._fit_rows}
        assert {"workbench.checklist", "browse.edit", "edit.save", "conflict.overwrite", "checklist.tick"} <= ids
        await pilot.press("escape")
        await pilot.press("escape")  # back to browse
        assert isinstance(app.screen, MainScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Checklist")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)


async def test_export_writes_the_docs(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        assert any(r == "E001" for r, _ in rules(app))
        await pilot.press("x")
        await settle(pilot)
        assert sorted(p.name for p in (root / "doc/m1").iterdir())
        assert not any(r == "E001" for r, _ in rules(app))  # re-checked after writing


async def test_workspace_without_decisions(tmp_path: Path) -> None:
    root = tmp_path / "bare"
    shutil.copytree(FIXTURE / "ssot", root / "ssot")
    app = WorkbenchApp(root, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        labels = tree_labels(app)
        assert ("schema", "ssot/schemas/gate.decision.schema.json") in labels
        assert app.snapshot.ws.families == ()
        await pilot.press("e", "c", "t", "escape", "d", "m", "g", "escape")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, MainScreen)


async def test_keymap_rebinds_by_binding_id(root: Path) -> None:
    app = WorkbenchApp(root, watch=False, keymap={"browse.edit": "E", "workbench.checklist": "C"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, NodeRef(FAMILY, "gate"))
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(app.screen, EditFamilyScreen)
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        keys = {row[3].plain: row[1].plain for row in app.screen.query_one("#help-table")._fit_rows}
        assert keys["browse.edit"] == "E"


async def test_a_large_table_filters_once_typing_pauses(root: Path, monkeypatch) -> None:
    """At catalog scale (more than `QUICK_ROWS` findings) each filter re-renders thousands of rows: typing a
    word filters the findings and the tree once, after the keys stop, and Enter applies it at once. A small
    table filters at every key (the other tests type into it that way)."""
    from workbench.tui.widgets import findings as findings_module

    async with opened(root) as pilot:
        app = pilot.app
        await settle(pilot)
        panel = app.screen.query_one(FindingsPanel)
        field = app.screen.query_one("#filter-text", findings_module.FilterInput)
        assert field.typing_pause == 0  # the fixture's few findings
        monkeypatch.setattr(findings_module, "QUICK_ROWS", 0)
        panel.set_findings(app.snapshot.result.findings)  # as a new snapshot does: now a large table
        assert field.typing_pause == findings_module.TYPING_PAUSE_S
        await pilot.press("a", "slash")  # every finding; into the filter
        applied: list[str] = []
        monkeypatch.setattr(panel, "refilter", lambda keep=True: applied.append(field.value))
        await pilot.press(*"V002")
        await pilot.pause()
        assert applied == []  # typing: nothing filtered yet
        assert await until(pilot, lambda: applied == ["V002"], timeout=5)
        await pilot.pause(3 * findings_module.TYPING_PAUSE_S)
        assert applied == ["V002"]
        await pilot.press("backspace", "enter")  # Enter before the pause: applied now, once
        assert applied == ["V002", "V00"]
        await pilot.pause(3 * findings_module.TYPING_PAUSE_S)
        assert applied == ["V002", "V00"] and app.screen.query_one(BrowseTree).words == ["v00"]


async def test_the_tree_rebuilds_its_lines_only_when_its_width_changes(root: Path, monkeypatch) -> None:
    """The findings panel changes height with the selected node, which resizes the tree at every cursor move:
    a new height keeps the tree's lines (Textual rebuilt them all, measuring every label: 0.18 s a move on a
    catalog); a new width rebuilds them (long names are cut to the width)."""
    async with opened(root) as pilot:
        app = pilot.app
        tree = app.screen.query_one(BrowseTree)
        builds: list[int] = []
        real = tree._build
        monkeypatch.setattr(tree, "_build", lambda: builds.append(tree.size.width) or real())
        height = tree.size.height
        await pilot.resize_terminal(SIZE[0], SIZE[1] + 6)
        await pilot.pause()
        assert tree.size.height > height and builds == []
        assert tree.cursor_node is not None and tree.cursor_node.line == tree.cursor_line  # lines still valid
        await pilot.resize_terminal(SIZE[0] + 20, SIZE[1] + 6)
        await pilot.pause()
        assert builds == [tree.size.width]  # built once, for the new width
