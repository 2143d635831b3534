"""Atomic writes: the one function that replaces a file in the workspace.

A temp file in the same folder (`.wb-<name>.<random>.tmp`, which watchers
ignore), fsync, `os.replace`, fsync of the folder: a reader never sees half a
file and a crash leaves the old file or the new one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_PREFIX = ".wb-"  # temp files: ".wb-<name>.<random>.tmp" (the TUI watcher ignores them)
TEMP_SUFFIX = ".tmp"
NEW_FILE_MODE = 0o644


class StoreError(Exception):
    """The file cannot be changed safely (unreadable, not a YAML mapping, bad path)."""


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Replace `path` with `data` (text is written as UTF-8, newlines untouched), keeping its mode."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; not every platform can open a directory."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
