"""The workbench TUI: browse, check and edit a workspace's contract decisions.

The app holds one immutable `Snapshot` (workspace + findings + view index) and
replaces it whole after every reload. Reloads run in a thread worker (never on
the UI thread) and report back with a `WorkspaceChecked` message; a file
watcher (`watch.py`) on every path the check reads triggers them. Screens watch
`app.snapshot` and redraw, keeping their selection. The pages are declared in
`screens/__init__.py`, the keymap is read by `keymap.py`.

With a baseline (`workbench --against REF`, or chosen on the compatibility page)
every reload runs C001 against it too; the baseline workspace is read once per
ref (read from git's object database, in the worker) and kept until `r` or another ref.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.drivers._writer_thread import WriterThread
from textual.message import Message
from textual.reactive import var
from textual.screen import ModalScreen, Screen
from textual.worker import get_current_worker

from ..loader import LoadCache, load_workspace, watched_paths
from .commands import WorkbenchCommands
from .keymap import load_keymap
from .screens import binding_ids, modes, page_bindings
from .view import Snapshot, make_snapshot, partial_snapshot, preview_snapshot
from .watch import WatchFailed, WatchPlan, watch

HERE = Path(__file__).parent
TERMINAL_CHECK_S = 1.0  # how often the app looks whether its terminal is still there
PAINT_WAIT_S = 1.0  # the longest the whole check waits for the screen to show an edit's own findings


def _terminal(stream) -> bool:
    """Whether `stream` is a terminal that has not hung up."""
    try:
        return stream is not None and os.isatty(stream.fileno())
    except (OSError, ValueError):
        return False


class _Output(WriterThread):
    """Textual's output thread, which keeps taking writes after the terminal hung up. Textual's ends on the
    first failed write, and every later write then waits forever for room in its queue of 30: the app froze
    before `_exit_without_terminal` could see the hangup (or in its own shutdown, which writes too)."""

    def run(self) -> None:
        try:
            super().run()
        except (OSError, ValueError):  # EIO from a hung-up terminal, or its stream closed: drop what comes
            while self._queue.get() is not None:
                pass


if sys.platform != "win32":  # the one place Textual's terminal driver makes its output thread
    from textual.drivers import linux_driver

    linux_driver.WriterThread = _Output  # type: ignore[attr-defined]


class WorkspaceChecked(Message):
    """A reload finished: the new Workspace and CheckResult, in a ready-to-show snapshot."""

    def __init__(self, snapshot: Snapshot, reason: str, plan: WatchPlan | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.reason = reason
        self.plan = plan  # what to watch, from the paths this load read

    @property
    def workspace(self):
        return self.snapshot.ws

    @property
    def result(self):
        return self.snapshot.result


class WorkspaceLoaded(Message):
    """The first load finished and its check is running: a preview for the browse tree."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class CheckFailed(Message):
    """A reload raised (a bug, not a workspace problem): keep showing the last snapshot."""

    def __init__(self, error: str, generation: int) -> None:
        super().__init__()
        self.error = error
        self.generation = generation


class WorkbenchApp(App[None]):
    """`workbench [--root DIR]`: the interactive workbench."""

    TITLE = "workbench"
    CSS_PATH: ClassVar = [HERE / "app.tcss", HERE / "forms.tcss"]  # absolute: subclasses elsewhere work
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    MODES: ClassVar = modes()  # each page keeps its own screen stack (and its cursor)
    # The first page is switched to from on_mount, as Textual's docs do, not named as DEFAULT_MODE: with
    # the eager task factory Textual uses on Python >= 3.12, a DEFAULT_MODE page mounts its widgets before
    # its screen is on the stack, and an Input's mount then asks for `app.screen` (ScreenStackError).
    FIRST_PAGE = "browse"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="workbench.quit", priority=True,
                tooltip="Quit the workbench"),
        Binding("question_mark", "help", "Help", id="workbench.help", key_display="?",
                tooltip="Every key binding"),
        *page_bindings(),
        Binding("r", "reload", "Reload", id="workbench.reload", show=False,
                tooltip="Reload and re-check the workspace (the file watcher does this on save)"),
        Binding("x", "export", "Export", id="workbench.export", tooltip="Write the M1 docs (export)"),
        Binding("i", "info", "Workspace info", id="workbench.info", show=False,
                tooltip="Root path, counts and check timings"),
    ]
    # actions that open another view: not while a dialog is open
    NAVIGATION = frozenset({"mode", "reload", "export"})

    snapshot: var[Snapshot | None] = var(None, init=False)
    # the first load before its check finishes (`Snapshot.pending`); None once a check is shown
    preview: var[Snapshot | None] = var(None, init=False)
    busy: var[bool] = var(False, init=False)
    last_error: var[str] = var("", init=False)

    def __init__(self, root: str | os.PathLike = ".", *, watch: bool = True, keymap: dict[str, str] | None = None,
                 against: str | None = None, against_dir: str | None = None):
        """`keymap`: binding id -> keys (tests); None reads the user's keymap file.
        `against` / `against_dir`: the baseline of C001 and the compatibility page, as
        `--against REF` / `--against-dir DIR` read it."""
        super().__init__()
        self.root = Path(root).expanduser().resolve()
        self.against: str = against_dir if against_dir is not None else (against or "")
        self._against_is_dir = against_dir is not None
        self._baselines: dict[tuple[str, bool], object] = {}  # (against, is dir) -> Workspace or the error
        self._baseline_lock = threading.Lock()
        self._against_reported = ""
        self.watch_files = watch
        self._keymap_override = keymap
        self._cache = LoadCache()
        self._lock = threading.Lock()
        self._painted = threading.Event()  # the partial snapshot of an edit is on the screen
        self._generation = 0
        self._applied = 0
        self._watch_plan: WatchPlan | None = None
        self.started = time.perf_counter()
        self.first_snapshot_at: float | None = None
        self.fatal: BaseException | None = None  # what ended the app, for the CLI to report (one line, exit 2)
        self.sub_title = self.root.name or str(self.root)  # the full path: `i` (workspace info)

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        self.switch_mode(self.FIRST_PAGE)  # Textual's blank default screen is on the stack by now
        if self._keymap_override is not None:
            keys, problems = self._keymap_override, []
        else:
            keymap = load_keymap()
            keys, problems = keymap.keys, keymap.report(binding_ids(self))
        if keys:
            self.set_keymap(keys)
        for problem in problems:
            self.notify(problem, title="Keymap", severity="warning", markup=False, timeout=12)
        self.reload("initial load")  # in a thread: the first screen shows "checking…" meanwhile
        if not self.is_headless and _terminal(sys.__stdin__):
            self.set_interval(TERMINAL_CHECK_S, self._exit_without_terminal)

    def _exit_without_terminal(self) -> None:
        """The terminal went away (its window closed, `make run`'s tmux killed): Textual's input thread would
        spin on the hung-up terminal, so the app ends instead. Nothing is lost that a save had not written."""
        if not _terminal(sys.__stdin__):
            self.exit(return_code=1)

    @property
    def checked(self) -> bool:
        """The newest reload has finished (checked, or failed and reported): what tests wait for."""
        return not self.busy and (self.snapshot is not None or bool(self.last_error))

    def _handle_exception(self, error: Exception) -> None:
        # Textual's hook for an unhandled error: keep it for the CLI, which reports it like any
        # other unexpected error (one line, exit 2; --debug prints the traceback)
        self.fatal = self.fatal or error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        # Textual would print a traceback with locals on exit; the CLI reports `fatal` instead
        self.bell()
        self._close_messages_no_wait()

    async def action_quit(self) -> None:
        """Quit at once, unless an open form holds unsaved changes: then ask (a second
        ctrl+q while asking quits)."""
        from .screens.confirm import ConfirmScreen

        form = self.unsaved_form()
        asking = isinstance(self.screen, ConfirmScreen) and self.screen.purpose == "quit"
        if form is not None and not asking:
            what = getattr(form, "family_id", "") or "the open form"

            def answered(quit_: bool | None) -> None:
                if quit_:
                    self.stop_watching()
                    self.exit()

            self.push_screen(ConfirmScreen(f"Quit and discard your changes to {what}?", yes="Quit",
                                           no="Keep editing", purpose="quit"), answered)
            return
        self.stop_watching()
        await super().action_quit()

    def unsaved_form(self) -> Screen | None:
        """The open screen (a form) whose changes quitting would lose, if any."""
        for screen in reversed(self.screen_stack):
            unsaved = getattr(screen, "unsaved", None)
            if callable(unsaved) and unsaved():
                return screen
        return None

    def stop_watching(self) -> None:
        self.workers.cancel_group(self, "watch")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.NAVIGATION and isinstance(self.screen, ModalScreen):
            return False
        if action == "mode" and parameters and parameters[0] == self.current_mode:
            return False  # the page's own key does nothing there: not in the footer
        return True

    # ------------------------------------------------------------------ reload

    def reload(self, reason: str = "reload") -> None:
        """Reload + re-check in the background; the newest request wins."""
        self._generation += 1
        self.busy = True
        self._check(self._generation, reason)

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def _check(self, generation: int, reason: str) -> None:
        worker = get_current_worker()
        with self._lock:  # one load at a time: the LoadCache is not shared between threads
            if worker.is_cancelled:
                return
            try:
                from ..pipeline import check, check_first, edited_files

                t0 = time.perf_counter()
                ws = load_workspace(self.root, self._cache)
                last = self.snapshot
                if last is None:  # nothing shown yet: the tree need not wait for the check
                    self.post_message(WorkspaceLoaded(preview_snapshot(ws, generation)))
                elif not worker.is_cancelled and (edited := edited_files(last.ws, ws)):
                    # an edit: the edited files' own findings first, the cross-schema ones when ready
                    first = check_first(ws, edited)
                    snap = partial_snapshot(ws, first, edited, last, time.perf_counter() - t0, generation)
                    self._painted.clear()
                    self.post_message(WorkspaceChecked(snap, reason))
                    # the screen paints it before the whole check takes the interpreter: sharing it, both
                    # were late (a catalog's thousands of findings took 1.9 s to appear, 1.1 s waiting)
                    self._painted.wait(PAINT_WAIT_S)
                    if worker.is_cancelled:  # saved again meanwhile: the newer reload checks the newer files
                        return
                against, baseline, against_error = self.against, None, ""
                if against:
                    try:
                        baseline = self.baseline_workspace(against)
                    except Exception as exc:  # an unknown ref: check without it, say why
                        against_error = str(exc) or type(exc).__name__
                result = check(ws, baseline=baseline, baseline_label=against if baseline is not None else "")
                snapshot = make_snapshot(ws, result, time.perf_counter() - t0, generation, against, against_error)
                plan = WatchPlan.of(self.root, watched_paths(ws)) if self.watch_files else None
            except Exception:  # a bug in a rule or the loader must not take the app down
                self.post_message(CheckFailed(traceback.format_exc(limit=6), generation))
                return
        if not worker.is_cancelled:
            self.post_message(WorkspaceChecked(snapshot, reason, plan))

    def on_workspace_loaded(self, message: WorkspaceLoaded) -> None:
        if self.snapshot is None and message.snapshot.generation >= self._applied:
            self.preview = message.snapshot

    def on_workspace_checked(self, message: WorkspaceChecked) -> None:
        snap = message.snapshot
        if snap.generation < self._applied:
            return
        self._applied = snap.generation
        if self.first_snapshot_at is None:
            self.first_snapshot_at = time.perf_counter()
        self.last_error = ""
        self.snapshot = snap
        self.preview = None
        if snap.partial:
            self.call_after_refresh(self._painted.set)
        if snap.against_error and snap.against_error != self._against_reported:
            self.notify(f"Cannot compare with {snap.against}: {snap.against_error}", title="Compatibility",
                        severity="warning", markup=False, timeout=10)
        self._against_reported = snap.against_error
        if snap.generation >= self._generation and not snap.partial:
            self.busy = False
        if message.plan is not None and message.plan != self._watch_plan:
            self._watch_plan = message.plan
            self.watch_workspace(message.plan)  # exclusive: replaces the watcher of the old plan

    def on_check_failed(self, message: CheckFailed) -> None:
        if message.generation >= self._generation:
            self.busy = False
        self.last_error = message.error.strip().splitlines()[-1] if message.error.strip() else "reload failed"
        self.notify(f"Reload failed: {self.last_error}", title="workbench", severity="error", markup=False)
        self.log.error(message.error)

    # ------------------------------------------------------------------ file watching

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def watch_workspace(self, plan: WatchPlan) -> None:
        """Reload on every batch of changes under `plan`. If native watching fails (e.g. the
        inotify limit), fall back to polling; give up after repeated failures (`r` still reloads)."""
        failures = 0
        while True:
            try:
                await watch(plan, lambda: self.reload("files changed"), polling=failures > 0)
                return  # the root is gone
            except WatchFailed as exc:
                failures += 1
                self.log.warning(f"file watcher: {exc}")
            if failures >= 3:
                self.notify("Stopped watching files (the watcher keeps failing); press r to reload.",
                            severity="warning", markup=False, timeout=10)
                return
            await asyncio.sleep(0.2 * (1 + failures))  # the reload meanwhile may bring a new plan

    # ------------------------------------------------------------------ actions

    async def action_mode(self, mode: str) -> None:
        if self.current_mode != mode:
            await self.switch_mode(mode)

    def baseline_workspace(self, against: str):
        """The workspace `against` names (a git ref, or a folder written as a path; the
        `--against-dir` folder), read once and kept; raises what reading it raised (again).
        Called from worker threads."""
        from ..baseline import load_baseline

        key = (against, self._against_is_dir and against == self.against)
        with self._baseline_lock:
            if key not in self._baselines:
                warnings: list[str] = []
                try:
                    if key[1]:
                        value: object = load_baseline(self.root, None, folder=against, warn=warnings.append)
                    else:
                        value = load_baseline(self.root, against, warn=warnings.append)
                except Exception as exc:
                    value = exc
                self._baselines = {key: value}  # one ref at a time
                for line in warnings:
                    self._notify_from_any_thread(line, title="Compatibility", severity="warning", timeout=10)
            value = self._baselines[key]
        if isinstance(value, Exception):
            raise value
        return value

    def _notify_from_any_thread(self, message: str, **kwargs) -> None:
        if threading.get_ident() == getattr(self, "_thread_id", None):
            self.notify(message, markup=False, **kwargs)
        else:
            self.call_from_thread(self.notify, message, markup=False, **kwargs)

    def set_against(self, against: str) -> None:
        """Compare with another ref (empty: with none) from now on: C001 and the compatibility page."""
        against = against.strip()
        if against == self.against and not self._against_is_dir:
            return
        self.against, self._against_is_dir = against, False
        with self._baseline_lock:
            self._baselines = {}
        self.reload(f"comparing with {against}" if against else "no baseline")

    def action_reload(self) -> None:
        with self._baseline_lock:
            self._baselines = {}  # the ref may point elsewhere now (a fetch)
        self.reload("reload")
        self.notify("Reloading…", timeout=1.5, markup=False)

    def action_info(self) -> None:
        snap = self.snapshot
        lines = [f"root: {self.root}", f"watching files: {'yes' if self.watch_files else 'no'}"]
        if snap is None:
            lines.append("still loading…")
        else:
            ws = snap.ws
            shared = len(ws.schemas) - len(ws.contract_schemas)
            lines.append(f"{len(ws.contract_schemas)} contract schemas, {shared} shared, "
                         f"{len(ws.examples)} examples, {len(ws.families)} families")
            lines.append(f"last load + check: {snap.elapsed * 1000:.0f} ms ({len(snap.result.rules)} rules)")
        if self.first_snapshot_at is not None:
            lines.append(f"first check shown {1000 * (self.first_snapshot_at - self.started):.0f} ms after start")
        self.notify("\n".join(lines), title="Workspace", markup=False, timeout=10)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_export(self) -> None:
        if self.snapshot is None:
            self.notify("Still loading; export when the check finished.", severity="warning", markup=False)
            return
        self.notify("Exporting the M1 docs…", timeout=2, markup=False)
        self._export(self.snapshot)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, snap: Snapshot) -> None:
        try:
            from ..pipeline import export

            written = export(snap.ws)
        except Exception as exc:
            self.call_from_thread(self.notify, f"Export failed: {type(exc).__name__}: {exc}",
                                  severity="error", markup=False, timeout=10)
            return
        changed = [str(path) for path, state in written if state != "unchanged"]
        if changed:
            text = "Wrote " + ", ".join(changed)
        else:
            text = f"Docs up to date ({len(written)} file(s) unchanged)"
        self.call_from_thread(self.notify, text, title="Export", markup=False, timeout=8)
        if changed:
            self.call_from_thread(self.reload, "exported")  # E001 compares the docs: re-check

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # the workbench provider lists every binding; keep Textual's theme/keys/screenshot
        for cmd in super().get_system_commands(screen):
            if cmd.title != "Quit":
                yield cmd

    # ------------------------------------------------------------------ helpers for screens

    def all_binding_sources(self) -> list[tuple[str, list[Binding]]]:
        """(scope, bindings) for the help screen and the command palette, from BINDINGS."""
        from .screens import binding_scopes

        return binding_scopes(self)

    def effective_key(self, binding: Binding) -> str:
        """The key a binding answers to now (after the keymap), for display."""
        keys = self._keymap.get(binding.id, binding.key) if binding.id else binding.key
        first = keys.split(",")[0].strip()
        if binding.key_display and keys == binding.key:
            return binding.key_display
        return self.get_key_display(Binding(first, binding.action))
