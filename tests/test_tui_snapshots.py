"""SVG snapshots of the main screens on the fixture workspace (pytest-textual-snapshot).

Update after an intended change with `pytest tests/test_tui_snapshots.py --snapshot-update`
and review tests/__snapshots__/ (or snapshot_report.html on a failure).
"""

from __future__ import annotations

from helpers_tui import FIXTURE, SIZE, select, settle

from workbench.tui.app import WorkbenchApp
from workbench.tui.view import FAMILY, SCHEMA, NodeRef


def make_app() -> WorkbenchApp:
    # the fixture is only read here; no file watcher, so the screen is deterministic
    return WorkbenchApp(FIXTURE, watch=False, keymap={})


def test_main_screen(snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.select_ref(NodeRef(SCHEMA, "ssot/schemas/odd.title.schema.json"))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_edit_form(snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await select(pilot, NodeRef(FAMILY, "gate"))
        await pilot.press("e")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_checklist(snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_findings_panel_filtered(snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"gate")
        await settle(pilot)
        await pilot.press("enter")  # to the table: the cursor shows
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_main_screen_80x24(snap_compare) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.select_ref(NodeRef(FAMILY, "skill_execute"))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)
