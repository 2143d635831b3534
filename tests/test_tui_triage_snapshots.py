"""SVG snapshots of the finding detail view and the compatibility page, at 80x24 and 120x36.

Update after an intended change with `pytest tests/test_tui_triage_snapshots.py --snapshot-update`
and review tests/__snapshots__/ (or snapshot_report.html on a failure).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_tui import settle, until
from test_tui_triage import REVIEW, breaking_repo, make_root

from workbench.tui.app import WorkbenchApp
from workbench.tui.widgets.findings import FindingsPanel, FindingsTable

SIZES = [(80, 24), (120, 36)]


async def open_overlap(pilot) -> None:
    await settle(pilot)
    await pilot.press("a", "f")
    panel = pilot.app.screen.query_one(FindingsPanel)
    row = next(i for i, f in enumerate(panel.shown) if f.rule == "O001" and f.path == REVIEW)
    pilot.app.screen.query_one(FindingsTable).move_cursor(row=row)
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_finding_detail(snap_compare, tmp_path: Path, size) -> None:
    app = WorkbenchApp(make_root(tmp_path / "ws"), watch=False, keymap={})
    assert snap_compare(app, terminal_size=size, run_before=open_overlap)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_compatibility_page(snap_compare, tmp_path: Path, size) -> None:
    app = WorkbenchApp(breaking_repo(make_root(tmp_path / "ws")), watch=False, keymap={}, against="HEAD")

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert await until(pilot, lambda: getattr(pilot.app.screen, "state", "") == "done")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
