"""What a user feels in the TUI: seconds from saving a schema to seeing its new error, and to the whole check.

    .venv/bin/python bench/bench_tui.py [--size 5000 | --root DIR] [--repeat 3]

Runs the app headless (`run_test`) on a workspace (`bench_check.generate`, or a folder with its decisions),
with the file watcher on, as a user runs it. After the first check it saves one schema with an invalid
`type` (as an editor does: a new file renamed over the old one) and times the app's snapshots:
`first`, the per-file rules' findings shown with the edited schema's V001 (the cross-schema findings of
the last check kept, marked as re-checking); `whole`, the whole check shown; then it restores the file
and waits for the V001 to go. Times include the watcher's debounce. Best of `--repeat` edits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import bench_check  # the script's folder is first on the path

from workbench.tui.app import WorkbenchApp


async def until(pilot, condition, timeout: float = 120.0) -> float:
    """The time the screen has painted what makes `condition()` hold. Polled every 5 ms with a plain sleep:
    `pilot.pause` would make every widget process its queue and repaint the screen at each poll, as a user's
    terminal never does, and the app's check thread would share the interpreter with that."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the TUI did not show the change")
        await asyncio.sleep(0.005)
    await pilot._wait_for_screen()  # the messages it was sent processed (not the check thread's idle)
    pilot.app.screen._on_timer_update()  # and painted (the app paints on its own frame timer)
    return time.perf_counter()


def v001(app, path: str) -> bool:
    snap = app.snapshot
    return snap is not None and any(f.rule == "V001" and f.path == path for f in snap.result.findings)


async def measure(root: Path, repeat: int) -> dict[str, float]:
    app = WorkbenchApp(root, watch=True, keymap={})
    best = {"first": float("inf"), "whole": float("inf"), "start": 0.0}
    async with app.run_test(size=(120, 36)) as pilot:
        t0 = time.perf_counter()
        await until(pilot, lambda: app.checked and app._watch_plan is not None)
        best["start"] = time.perf_counter() - t0
        await pilot.pause(0.5)  # the watcher is up, and its catch-up reload started
        await until(pilot, lambda: app.checked)
        edited = next(s for s in app.snapshot.ws.contract_schemas if not s.shared and not s.pin)
        path = root / edited.path
        original = path.read_bytes()
        for i in range(repeat):
            body = json.loads(original)
            body["type"] = f"strnig{i}"
            temp = path.with_name(f".{path.name}.save")
            temp.write_text(json.dumps(body, indent=2))
            saved = time.perf_counter()
            temp.replace(path)
            first = await until(pilot, lambda: v001(app, edited.path))
            whole = await until(pilot, lambda: app.checked and not app.snapshot.partial and v001(app, edited.path))
            best["first"] = min(best["first"], first - saved)
            best["whole"] = min(best["whole"], whole - saved)
            path.write_bytes(original)
            await until(pilot, lambda: app.checked and not v001(app, edited.path))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=5000, help="generated schemas (default 5000)")
    parser.add_argument("--root", help="a workspace folder instead (copied first: the bench edits a schema)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="workbench-bench-tui-") as tmp:
        root = Path(tmp)
        bench_check.make(args.root or args.size, root)
        parse = bench_check.timed(lambda: bench_check.parse_all(root))[0]
        found = asyncio.run(measure(root, args.repeat))
    label = args.root or f"{args.size} generated"
    print(f"{label}: parse {parse:.2f} s; first check shown {found['start']:.2f} s after start; after a save: "
          f"the schema's own error {found['first']:.2f} s, the whole check {found['whole']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
