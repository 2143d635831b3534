"""Start-up on the Python running the suite: the real `workbench` command in a pseudo-terminal.

Pilot's `run_test` does not go through `App.run`, which on Python >= 3.12 installs asyncio's
eager task factory; only a real start shows what a user sees (`.ci/run` runs this under every
supported Python). An unexpected error while the app runs is one line and exit 2, like the CLI.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from workbench.cli import main as cli_main
from workbench.loader import load_workspace

ANSI = re.compile(r"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])")


def _read_until(fd: int, wanted, timeout: float) -> str:
    """Everything the terminal showed until `wanted(text)` holds or the time is up (escapes removed)."""
    raw, end = b"", time.monotonic() + timeout
    while time.monotonic() < end and not wanted(ANSI.sub("", raw.decode("utf-8", "replace"))):
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            raw += chunk
    return ANSI.sub("", raw.decode("utf-8", "replace"))


def _run_in_pty(args: list[str], cwd: Path, wanted, timeout: float = 60.0) -> tuple[str, int]:
    """Start `python -m workbench ARGS` in a 120x36 pseudo-terminal, wait for `wanted` on screen,
    press q, and return (what was shown, exit code)."""
    leader, follower = pty.openpty()
    os.set_blocking(leader, True)
    import fcntl
    import struct
    import termios

    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36",
           "WORKBENCH_KEYMAP": str(cwd / "no-keymap.toml")}
    proc = subprocess.Popen([sys.executable, "-m", "workbench", *args], cwd=cwd, stdin=follower,
                            stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    try:
        shown = _read_until(leader, wanted, timeout)
        if proc.poll() is None:
            os.write(leader, b"q")
        shown += _read_until(leader, lambda _text: proc.poll() is not None, 20.0)
        return shown, proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)


@pytest.mark.timing
def test_the_workbench_opens_on_the_shipped_workspace_shows_tree_and_counts_and_quits(repo_root: Path) -> None:
    ws = load_workspace(repo_root)
    counts = f"{len(ws.contract_schemas)} schemas · {len(ws.families)} families"
    shown, code = _run_in_pty(["--root", str(repo_root)], repo_root, lambda text: counts in text and "●" in text)
    assert "Traceback" not in shown and "Error" not in shown, shown[-2000:]
    assert counts in shown, shown[-2000:]
    for intent in ws.config.intent_classes:
        assert intent in shown
    assert code == 0


def test_an_unexpected_error_in_the_app_is_one_line_and_exit_2(monkeypatch, tmp_path: Path, capsys) -> None:
    from textual.app import App

    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.main import MainScreen

    def broken_compose(self):
        raise RuntimeError("boom while composing")

    monkeypatch.setattr(MainScreen, "compose", broken_compose)
    monkeypatch.setattr(WorkbenchApp, "run", lambda self: App.run(self, headless=True, size=(80, 24)))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert cli_main(["--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "workbench: internal error: RuntimeError: boom while composing (rerun with --debug for the traceback)"]


@pytest.mark.timing
def test_the_app_ends_when_its_terminal_hangs_up(repo_root: Path) -> None:
    """A closed terminal window (or a killed tmux under `make run`, where the app never gets SIGHUP) hangs up
    the terminal: the app ends instead of spinning on it (Textual's input thread reads EOF in a loop)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "WORKBENCH_KEYMAP": str(repo_root / "no-keymap.toml")}
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "--root", str(repo_root)], cwd=repo_root,
                            stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    try:
        _read_until(leader, lambda text: "families" in text, 60.0)
        assert proc.poll() is None
        os.close(leader)  # the terminal hangs up
        leader = -1
        proc.wait(timeout=20)  # spun forever before
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if leader >= 0:
            os.close(leader)


def test_the_output_thread_drops_writes_after_the_terminal_fails() -> None:
    """Textual's output thread ends on the first failed write, and the 31st write after it waits forever:
    the app froze on a hung-up terminal before it could see the hangup. The app's keeps taking writes."""
    from workbench.tui.app import _Output

    class HungUp:
        def write(self, text: str) -> int:
            raise OSError(5, "Input/output error")

        def flush(self) -> None:
            raise OSError(5, "Input/output error")

    out = _Output(HungUp())  # type: ignore[arg-type]
    out.start()
    done = threading.Event()

    def write_many() -> None:
        for _ in range(200):
            out.write("x" * 100)
        out.stop()
        done.set()

    threading.Thread(target=write_many, daemon=True).start()
    assert done.wait(10), "writes after the failure blocked"
    assert not out.is_alive()
