"""Watch the paths the check reads; every batch of changes asks for one reload.

The paths come from `workbench.loader.watched_paths` (the same config the loader
reads: schema/example globs, `decisions/`, the client-scan globs, the export
folder, evidence paths). Existing folders are watched recursively; the root
itself non-recursively, so a watched folder or file that appears or vanishes
at the top is noticed without putting inotify on `.venv/` or `.git/`. A path
that does not exist yet is watched through its nearest existing folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..store import TEMP_PREFIX

CATCH_UP_S = 0.3  # after the watchers start: one reload for what changed while they were starting


class WatchFailed(Exception):
    """The native watcher stopped (a folder vanished, no more inotify watches, ...)."""


@dataclass(frozen=True)
class WatchPlan:
    root: Path
    trees: tuple[Path, ...]  # existing folders, watched recursively
    names: frozenset[str]  # top-level names (files or folders) that matter

    @classmethod
    def of(cls, root: Path, rel_paths: Iterable[str]) -> WatchPlan:
        root = Path(root)
        trees: set[Path] = set()
        names: set[str] = set()
        for rel in rel_paths:
            if rel == ".":
                trees.add(root)
                continue
            names.add(rel.split("/")[0])
            path = root / rel
            while path != root and not path.is_dir():  # a file, or a folder that is not there yet
                path = path.parent
            if path != root:
                trees.add(path)
        if root in trees:
            return cls(root, (root,), frozenset())
        kept = sorted(t for t in trees if not any(o != t and t.is_relative_to(o) for o in trees))
        return cls(root, tuple(kept), frozenset(names))

    def covers(self, path: str) -> bool:
        p = Path(path)
        if p.name.startswith(TEMP_PREFIX):
            return False
        if p.parent == self.root and p.name in self.names:
            return True
        return any(p.is_relative_to(t) for t in self.trees)


async def watch(plan: WatchPlan, on_change: Callable[[], object], *, polling: bool = False) -> None:
    """Call `on_change()` after every batch of relevant changes, until cancelled; once more
    `CATCH_UP_S` after starting, for a change made between the load that gave `plan` and
    the native watchers being up (a folder created by that change is watched only now).

    Raises `WatchFailed` when a watcher stops; returns when the root is gone.
    """
    from watchfiles import DefaultFilter, awatch

    default = DefaultFilter()

    def relevant(change, path: str) -> bool:
        return default(change, path) and plan.covers(path)

    stop = asyncio.Event()
    queue: asyncio.Queue[str] = asyncio.Queue()

    async def pump(*paths: Path, recursive: bool) -> None:
        try:
            async for _changes in awatch(*paths, watch_filter=relevant, recursive=recursive, stop_event=stop,
                                         rust_timeout=1000, force_polling=polling):
                queue.put_nowait("")
        except Exception as exc:
            queue.put_nowait(f"{type(exc).__name__}: {exc}")

    tasks = [asyncio.create_task(pump(plan.root, recursive=plan.trees == (plan.root,)))]
    trees = [t for t in plan.trees if t != plan.root]
    if trees:
        tasks.append(asyncio.create_task(pump(*trees, recursive=True)))
    catch_up = asyncio.get_running_loop().call_later(CATCH_UP_S, queue.put_nowait, "")
    try:
        while True:
            error = await queue.get()
            on_change()
            if error:
                if not plan.root.is_dir():
                    return
                raise WatchFailed(error)
    finally:
        catch_up.cancel()
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
