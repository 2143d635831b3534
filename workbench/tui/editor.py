"""`o`: open a workspace file at a line in the user's editor, then reload.

The app is suspended (`App.suspend()`: the terminal is the editor's until it exits),
`$VISUAL`, else `$EDITOR`, else `vi` runs as `EDITOR +LINE FILE` (the variable is
split like a shell word list, e.g. `code -w`, but no shell runs), and the app
reloads when it comes back. The file is passed as an absolute path inside the root.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_EDITOR = "vi"


def editor_argv(path: Path, line: int | None = None, env: Mapping[str, str] | None = None) -> list[str]:
    """The command that opens `path` at `line`: [$VISUAL or $EDITOR or vi, (+LINE), path]."""
    environ: Mapping[str, str] = os.environ if env is None else env
    raw = environ.get("VISUAL") or environ.get("EDITOR") or DEFAULT_EDITOR
    try:
        argv = shlex.split(raw)
    except ValueError:  # an unbalanced quote: take it as one program name
        argv = [raw]
    argv = argv or [DEFAULT_EDITOR]
    return [*argv, *([f"+{line}"] if line and line > 0 else []), str(path)]


def resolve(root: Path, rel: str) -> Path | None:
    """The file `rel` names inside `root` (links followed, never out of the root); None otherwise."""
    try:
        real = (root / rel).resolve()
        real.relative_to(root.resolve())
    except (OSError, ValueError):
        return None
    return real if real.is_file() else None


def open_in_editor(app: Any, rel: str, line: int | None = None) -> bool:
    """Suspend `app`, edit `rel` (root-relative) at `line`, resume and reload. False (and a
    notification saying why) when nothing was opened."""
    from textual.app import SuspendNotSupported

    root = Path(app.root)
    path = resolve(root, rel)
    where = f"{rel}:{line}" if line else rel
    if path is None:
        app.notify(f"Cannot open {where}: not a file inside the workspace (deleted?)", severity="warning",
                   markup=False, timeout=5)
        return False
    argv = editor_argv(path, line)
    try:
        with app.suspend():
            done = subprocess.run(argv, check=False)
    except SuspendNotSupported:
        app.notify(f"This terminal cannot be handed to an editor; open {where} yourself.", severity="warning",
                   markup=False, timeout=8)
        return False
    except FileNotFoundError:
        app.notify(f"Editor {argv[0]!r} not found: set $VISUAL or $EDITOR.", title="Open in editor",
                   severity="error", markup=False, timeout=8)
        return False
    except OSError as exc:
        app.notify(f"Cannot run {argv[0]!r}: {exc.strerror or exc}", title="Open in editor", severity="error",
                   markup=False, timeout=8)
        return False
    if done.returncode != 0:
        app.notify(f"{argv[0]} exited with status {done.returncode}", severity="warning", markup=False, timeout=5)
    reload = getattr(app, "reload", None)
    if reload is not None:
        reload(f"edited {rel}")
    return True
