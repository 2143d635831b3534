"""Shared setup for the Pilot tests of the TUI."""

from __future__ import annotations

import asyncio
import io
from contextlib import asynccontextmanager
from pathlib import Path

from workbench.tui.screens.finding import FindingScreen
from workbench.tui.widgets.browse import BrowseTree
from workbench.tui.widgets.findings import FindingsPanel, FindingsTable

FIXTURE = Path(__file__).parent / "fixtures" / "tui_ws"
SIZE = (100, 32)
GATE = "decisions/families/gate.yaml"


async def settle(pilot, timeout: float = 60.0) -> None:
    """Wait until the newest reload has been checked and shown (`app.checked`), after the
    other workers (export, compatibility) that may start one. A check worker that a newer
    reload cancelled is the normal case, never waited for (watcher disabled). Text fields
    on the screen stop blinking: what is shown no longer depends on the time."""
    app = pilot.app
    for _ in range(3):
        others = [w for w in app.workers if w.group not in ("check", "watch")]
        if others:  # (an empty list would wait for every worker, the cancelled checks too)
            await app.workers.wait_for_complete(others)
        await pilot.pause()
        assert await until(pilot, lambda: app.checked, timeout), "the check did not finish"
        await pilot.pause()
    for field in app.screen.query("Input, TextArea"):  # a snapshot never depends on the cursor's blink phase
        field.cursor_blink = False
    await pilot.pause()


async def select(pilot, ref) -> None:
    """Put the tree cursor on `ref` (a `NodeRef`, which must exist) and let the screen follow."""
    assert pilot.app.screen.select_ref(ref), ref
    await pilot.pause()


async def until(pilot, predicate, timeout: float = 10.0) -> bool:
    """Poll (with pilot.pause) until `predicate()` holds; bounded."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if predicate():
            return True
        await pilot.pause(0.1)
    return predicate()


def plain(renderable, width: int = 200) -> str:
    """Plain text of a renderable (e.g. a Static's content), rendered through a Rich console."""
    from rich.console import Console

    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


async def open_editor(pilot, family: str = "gate"):
    """Select `family` in the tree and open its edit form (returns the form screen)."""
    from workbench.tui.screens.edit_family import EditFamilyScreen
    from workbench.tui.view import FAMILY, NodeRef

    app = pilot.app
    await select(pilot, NodeRef(FAMILY, family))
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, EditFamilyScreen)
    return app.screen


@asynccontextmanager
async def opened(root: Path, size: tuple[int, int] = SIZE):
    """The workbench on `root` (watcher off), run headless and settled: yields the Pilot (`pilot.app`)."""
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(root, watch=False)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot


def assert_whole(path: Path, before: str, new_owner: str) -> None:
    """`path` holds every key and comment of `before`, with only the owner changed."""
    from ruamel.yaml import YAML

    from workbench import store

    text = path.read_text()
    for line in before.splitlines():
        if line.startswith("owner:"):
            assert text.count(f"owner: {new_owner}") == 1 and "# who approves changes" in text
        else:
            assert line in text.splitlines(), line
    assert store.read_record(path).plain() == {**store.to_plain(YAML(typ="safe").load(before)), "owner": new_owner}


def tree_labels(app) -> dict[tuple[str, str], str]:
    """Every tree node's label (badges included) by its (kind, ident)."""
    tree = app.screen.query_one(BrowseTree)
    out = {}
    stack = list(tree.root.children)
    while stack:
        node = stack.pop()
        out[node.data.ident] = node.label.plain
        stack.extend(node.children)
    return out


async def open_finding(pilot, pick) -> FindingScreen:
    """Show every finding, put the cursor on the first one `pick(finding)` accepts and press enter."""
    app = pilot.app
    panel = app.screen.query_one(FindingsPanel)
    if panel.scoped:
        await pilot.press("a")
    await pilot.press("f")
    row = next(i for i, f in enumerate(panel.shown) if pick(f))
    app.screen.query_one(FindingsTable).move_cursor(row=row)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, FindingScreen)
    return app.screen
