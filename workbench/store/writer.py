"""Atomic writes: the one function that replaces a file in the workspace.

A temp file in the same folder (`.wb-<name>.<random>.tmp`, which watchers
ignore), fsync, `os.replace`, fsync of the folder: a reader never sees half a
file and a crash leaves the old file or the new one. Temp files a killed writer
left behind are removed once they are a minute old: by the next read of a record,
and by every write into their folder (`workbench export` cleans its folder even
when nothing changed).

Nothing is written that the loader would not read back: the bytes are checked by
the loader's own reader for the file's kind (`readback`: YAML, JSON, else UTF-8
text) before the temp file is made; a refusal is a `StoreError`, nothing written.

Writers of the same file serialise on an exclusive `fcntl` lock of a sidecar
file (`.wb-<name>.lock`, kept: removing it would race), and `atomic_write` runs
the caller's last check immediately before the rename, so an editor's save that
lands in between is detected, not overwritten. Every OS error is a `StoreError`
naming the path.

The replaced file keeps its permission bits (the temp file `mkstemp` creates is
0600; it is given the original's mode before the rename). A new file gets what
an editor would create: 0666 minus the process umask.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import StoreError
from ..loader.files import Files
from ..loader.jsonfile import decode, parse_json
from ..loader.yamlfile import parse_yaml
from ..model import Problem

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: writes are still atomic, just not serialised
    fcntl = None  # type: ignore[assignment]

TEMP_PREFIX = ".wb-"  # temp and lock files: ".wb-<name>.<random>.tmp", ".wb-<name>.lock" (the TUI watcher ignores them)
TEMP_SUFFIX = ".tmp"
LOCK_SUFFIX = ".lock"
STALE_SECONDS = 60  # a temp file this old belongs to a writer that died
NEW_FILE_MODE = 0o644  # the sidecar lock files (the umask applies)


def _failed(what: str, path: Path, exc: OSError) -> StoreError:
    return StoreError(f"cannot {what} {path}: {exc.strerror or exc}")


def contained(root: str | Path, path: str | Path) -> Path:
    """Where a write to `path` lands: its real path (a link inside `root` is written through
    to its target); `StoreError` naming `path` when that is outside `root`."""
    try:
        return Files(Path(root)).real(path)
    except OSError as exc:
        raise StoreError(f"{path}: {exc.strerror or exc}: nothing written") from exc


@contextmanager
def locked(path: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on `path`'s sidecar lock file (blocks until free)."""
    path = Path(path)
    lock = path.parent / f"{TEMP_PREFIX}{path.name}{LOCK_SUFFIX}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), NEW_FILE_MODE)
    except OSError as exc:
        raise _failed("lock", path, exc) from exc
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def clean_stale_temps(folder: str | Path, older_than: float = STALE_SECONDS) -> list[str]:
    """Remove this writer's temp files in `folder` older than `older_than` seconds; their names."""
    removed: list[str] = []
    now = time.time()
    try:
        with os.scandir(folder) as it:
            entries = [e for e in it if e.name.startswith(TEMP_PREFIX) and e.name.endswith(TEMP_SUFFIX)]
    except OSError:
        return removed
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False) and now - entry.stat(follow_symlinks=False).st_mtime > older_than:
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue  # gone already, or not ours to remove
    return sorted(removed)


def readback(path: str | Path, raw: bytes) -> str | None:
    """Why the loader's own reader for the kind of `path` (YAML, JSON, else UTF-8 text) refuses `raw`, or None."""
    name = Path(path).name
    problems: tuple[Problem, ...]
    if name.lower().endswith((".yaml", ".yml")):
        problems = parse_yaml(name, raw).problems
    elif name.lower().endswith(".json"):
        problems = parse_json(name, raw).problems
    else:
        text = decode(name, raw)
        problems = (text,) if isinstance(text, Problem) else ()
    if not problems:
        return None
    first = problems[0]
    return first.message + (f" (line {first.line})" if first.line else "")


def utf8(path: str | Path, text: str) -> bytes:
    """`text` as UTF-8; `StoreError` naming `path` for text that is not valid Unicode (a lone surrogate)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StoreError(f"not writing {path}: not valid Unicode text (character {exc.start}: "
                         f"{exc.reason}); nothing written") from exc


def atomic_write(path: str | Path, data: str | bytes, before_replace: Callable[[], None] | None = None) -> None:
    """Replace `path` with `data` (text is written as UTF-8, newlines untouched), keeping its mode;
    `StoreError` (nothing written) when the loader would not read it back.

    `before_replace` runs after the temp file is durable and immediately before the
    rename; whatever it raises aborts the write (the temp file is removed)."""
    path = Path(path)
    raw = utf8(path, data) if isinstance(data, str) else data
    refused = readback(path, raw)
    if refused is not None:
        raise StoreError(f"not writing {path}: the workbench would not read it back ({refused}); nothing written")
    clean_stale_temps(path.parent)  # what a killed writer left in this folder
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = new_file_mode()
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise _failed("write", path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # mkstemp creates 0600
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _failed("write", path, exc) from exc
        raise
    _fsync_dir(path.parent)


def remove(path: str | Path) -> None:
    """Delete a file the workbench wrote and no longer writes (a stale generated `.proto`)."""
    path = Path(path)
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _failed("remove", path, exc) from exc
    _fsync_dir(path.parent)


def _umask() -> int:
    """The process umask, read without changing it where the platform allows (other
    threads may be creating files); else set-and-restore."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def new_file_mode() -> int:
    """The mode a new file gets from an editor: 0666 minus the umask."""
    return 0o666 & ~_umask()


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
