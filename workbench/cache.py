"""Results kept between runs: a content-addressed cache outside the repository, and the in-process memos.

Two layers, both keyed by content (never by path or time alone):

- `memo(name)`: a process-wide dict a module keeps derived facts in (a schema's structural facts, its
  meta-schema errors, its examples' findings...), keyed by content hashes and every setting that
  changes the value. A reload after one edit finds every other entry still current. `forget()`
  empties them all (a cold check: the benchmark and the equivalence tests).
- `Store`: the same values on disk, under the user's cache directory (`default_dir()`:
  `$WORKBENCH_CACHE_DIR`, else `$XDG_CACHE_HOME/workbench`, else `~/.cache/workbench`), shared
  by every run (`--check`, export, the TUI, pre-commit) of this tool version. `configure` is the
  one switch (`--cache-dir`, `--no-cache`); a directory inside the workspace root is never used,
  so a pull request cannot plant results.

On disk: one SQLite database (`cache-F.sqlite3`, write-ahead log), a table of {(scope, key digest):
(stamp, checksummed `marshal` payload)}, the scope naming the workspace (its real path) and the tool
version, hashed. A run reads its own scope's entries in one query on first use, never another's (nor
those an older version left, which age out): a cache that other (larger) workspaces filled costs a small
one nothing. Values are plain data only (tuples, lists, dicts, sets, str, int, float, bool, None),
written by this module into the user's own directory. Writes are one transaction per `flush`: a reader
sees all of a run's entries or none, a killed run leaves the database as it was, concurrent runs wait
for each other's writes (a few seconds at most, else they drop their own new entries: a later miss). An
entry whose checksum fails, and a database that cannot be read, are misses, never errors (an unreadable
database is replaced by the next write). The total is bounded (`max_bytes`): beyond it the entries used
longest ago go first.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import sqlite3
import sys
import threading
import time
import zlib
from collections.abc import Hashable
from pathlib import Path
from typing import Any

FORMAT = 3
DATABASE = f"cache-{FORMAT}.sqlite3"
DEFAULT_MAX_BYTES = 512 << 20
RESTAMP_SECONDS = 86_400.0  # an entry used again is re-stamped at most once a day
WAIT_SECONDS = 5.0  # how long a write waits for another run's
CHECK = 4  # bytes of CRC-32 before each payload (the user's own directory: corruption, not an adversary)

_MEMOS: dict[str, Memo] = {}
_TOOL: str | None = None


class Memo(dict):  # type: ignore[type-arg]
    """A process-wide memo that drops its oldest entry rather than grow past `limit` entries: a long TUI
    session that keeps editing never holds more than `limit` results (content keys of old versions included)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: Any, value: Any) -> None:
        if len(self) >= self.limit and key not in self:
            del self[next(iter(self))]
        super().__setitem__(key, value)


def memo(name: str, limit: int = 100_000) -> Any:
    """The process-wide memo `name` (one per name, shared by every snapshot of this process), at most
    `limit` entries (filled only by item assignment)."""
    return _MEMOS.setdefault(name, Memo(limit))


def forget() -> None:
    """Empty every in-process memo (the next check is cold in this process; the disk cache is untouched)."""
    for found in _MEMOS.values():
        found.clear()


def tool_version() -> str:
    """What the results depend on besides their inputs: this package's version and source (every
    module and bundled schema: an edited checkout never reads results of another one), the Python
    version, and the libraries that judge schemas."""
    global _TOOL
    if _TOOL is None:
        from importlib import metadata

        from . import __version__

        digest = hashlib.sha256()
        package = Path(__file__).resolve().parent
        for path in sorted(package.rglob("*")):
            if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
        libraries = []
        for name in ("jsonschema-rs", "jsonschema", "referencing", "jsonschema-specifications"):
            try:
                libraries.append(f"{name}={metadata.version(name)}")
            except metadata.PackageNotFoundError:
                libraries.append(f"{name}=?")
        _TOOL = (f"{__version__}+{digest.hexdigest()[:16]} py{sys.version_info[0]}.{sys.version_info[1]} "
                 + " ".join(libraries))
    return _TOOL


def default_dir() -> Path:
    """`$WORKBENCH_CACHE_DIR`, else `$XDG_CACHE_HOME/workbench`, else `~/.cache/workbench`."""
    given = os.environ.get("WORKBENCH_CACHE_DIR")
    if given:
        return Path(given).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).expanduser().is_absolute() else Path.home() / ".cache"
    return base / "workbench"


def inside(folder: Path, root: Path) -> bool:
    """Whether `folder` is `root` or under it (both resolved: a link into the root counts)."""
    try:
        folder.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


class Store:
    """The disk cache at `folder` (see the module docstring). Thread-safe; `flush` writes what was added."""

    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES, scope: str = ""):
        self.folder = Path(folder)
        self.path = self.folder / DATABASE
        self.max_bytes = max_bytes
        self.scope = scope  # the workspace whose entries this run reads and writes
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._tried = False  # opening for reads is tried once per run
        self._replaced = False  # an unreadable database is replaced once per run
        self._rows: dict[str, tuple[float, bytes]] | None = None  # this scope's entries, read on first use
        self._dirty: dict[str, bytes] = {}
        self._old: set[str] = set()  # entries read whose stamp is old: `flush` stamps them again
        self.stats = {"hits": 0, "misses": 0, "writes": 0}

    @staticmethod
    def digest(namespace: str, key: Hashable) -> str:
        """The entry's name: SHA-256 of the tool version, the namespace and `repr(key)` (keys are tuples of
        str, int, float, bool and None, whose repr is the same in every process)."""
        text = f"{tool_version()}\0{namespace}\0{key!r}"
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def _open(self, create: bool) -> sqlite3.Connection | None:
        """The database (created with `create`), or None when there is none or it cannot be read."""
        if self._db is not None or (self._tried and not create):
            return self._db
        self._tried = True
        if not create and not self.path.is_file():
            return None
        try:
            if create:
                self.folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=WAIT_SECONDS, isolation_level=None, check_same_thread=False)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                if create:
                    db.execute("CREATE TABLE IF NOT EXISTS entries (scope TEXT NOT NULL, key TEXT NOT NULL,"
                               " stamp REAL NOT NULL, value BLOB NOT NULL, PRIMARY KEY (scope, key)) WITHOUT ROWID")
                    # the payload bytes the entries hold, kept by every write (never a scan of the whole cache)
                    db.execute("CREATE TABLE IF NOT EXISTS total (bytes INTEGER NOT NULL)")
                db.execute("SELECT 1 FROM entries LIMIT 1")
            except sqlite3.Error:
                db.close()
                raise
        except sqlite3.DatabaseError:  # not a database (a crash of the disk, another program): start again
            if create and self._replace():
                return self._open(create)
            return None
        except (sqlite3.Error, OSError):
            return None
        self._db = db
        if create:  # what earlier formats kept: never read again
            shutil.rmtree(self.folder / "packs-1", ignore_errors=True)
            for old in self.folder.glob("cache-[0-9]*.sqlite3*"):
                if not old.name.startswith(DATABASE):
                    old.unlink(missing_ok=True)
        return db

    def _replace(self) -> bool:
        """Remove an unreadable database (once per run), so the next open creates a new one."""
        if self._replaced:
            return False
        self._replaced = True
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass
            except OSError:
                return False
        self._tried = False
        return True

    def get(self, namespace: str, key: Hashable) -> Any | None:
        """The value stored under (`namespace`, `key`), or None (a miss, whatever went wrong)."""
        name = self.digest(namespace, key)
        with self._lock:
            row = self._scope_rows().get(name)
            value = _unpacked(row[1]) if row is not None else _MISS
            if row is None or value is _MISS:
                self.stats["misses"] += 1
                return None
            self.stats["hits"] += 1
            if time.time() - row[0] > RESTAMP_SECONDS:  # used again: kept longer
                self._old.add(name)
            return value

    def _scope_rows(self) -> dict[str, tuple[float, bytes]]:
        """This scope's entries by key digest, read in one query on first use ({} without a database)."""
        if self._rows is None:
            self._rows = {}
            db = self._open(create=False)
            if db is not None:
                try:
                    found = db.execute("SELECT key, stamp, value FROM entries WHERE scope = ?", (self.scope,))
                    self._rows = {key: (stamp, value) for key, stamp, value in found}
                except sqlite3.Error:
                    pass
        return self._rows

    def put(self, namespace: str, key: Hashable, value: Any) -> None:
        """Keep `value` (plain data) under (`namespace`, `key`); written by `flush`. Not plain data: not kept."""
        try:
            payload = marshal.dumps(value)
        except ValueError:
            return
        with self._lock:
            self._dirty[self.digest(namespace, key)] = zlib.crc32(payload).to_bytes(CHECK, "big") + payload

    def flush(self) -> None:
        """Write the new entries and stamps in one transaction, then drop the oldest entries past `max_bytes`."""
        with self._lock:
            dirty, self._dirty = self._dirty, {}
            old, self._old = self._old, set()
            if not dirty and not old:
                return
            db = self._open(create=True)
            if db is None:
                return
            now = time.time()
            try:
                db.execute("BEGIN IMMEDIATE")
                replaced = sum(db.execute("SELECT coalesce(sum(length(value)), 0) FROM entries WHERE scope = ? AND"
                                          f" key IN ({','.join('?' * len(part))})", (self.scope, *part)).fetchone()[0]
                               for part in _parts(list(dirty)))
                db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                               [(self.scope, name, now, value) for name, value in dirty.items()])
                self._add(db, sum(map(len, dirty.values())) - replaced)
                db.executemany("UPDATE entries SET stamp = ? WHERE scope = ? AND key = ?",
                               [(now, self.scope, name) for name in old])
                self._bound(db)
                db.execute("COMMIT")
                self.stats["writes"] += 1
                if self._rows is not None:  # what this run reads from now on
                    self._rows.update((name, (now, value)) for name, value in dirty.items())
            except sqlite3.Error:  # another run held the database too long, a full disk: dropped (a later miss)
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass

    @staticmethod
    def _add(db: sqlite3.Connection, change: int) -> int:
        """Add `change` to the kept total (counted once, by a scan, when there is none yet); the new total."""
        row = db.execute("SELECT bytes FROM total").fetchone()
        if row is None:
            [counted] = db.execute("SELECT coalesce(sum(length(value)), 0) FROM entries").fetchone()
            db.execute("INSERT INTO total VALUES (?)", (counted,))
            return int(counted)
        db.execute("UPDATE total SET bytes = ?", (row[0] + change,))
        return int(row[0] + change)

    def _bound(self, db: sqlite3.Connection) -> None:
        """Past `max_bytes`, drop the entries used longest ago (a quarter at a time) until under it."""
        while self._add(db, 0) > self.max_bytes:
            [(count,)] = db.execute("SELECT count(*) FROM entries").fetchall()
            if not count:
                return
            oldest = db.execute("SELECT scope, key, length(value) FROM entries ORDER BY stamp LIMIT ?",
                                (max(1, count // 4),)).fetchall()
            db.executemany("DELETE FROM entries WHERE scope = ? AND key = ?", [(s, k) for s, k, _ in oldest])
            self._add(db, -sum(n for _, _, n in oldest))


_MISS = object()


def _parts(names: list[str], size: int = 500) -> list[list[str]]:
    """`names` in lists small enough for one SQL statement's parameters."""
    return [names[i:i + size] for i in range(0, len(names), size)]


def _unpacked(blob: Any) -> Any:
    """A stored value, or `_MISS` when its checksum fails or it does not decode."""
    if not isinstance(blob, bytes) or zlib.crc32(blob[CHECK:]).to_bytes(CHECK, "big") != blob[:CHECK]:
        return _MISS
    try:
        return marshal.loads(blob[CHECK:])
    except (EOFError, ValueError, TypeError):
        return _MISS


_ACTIVE: Store | None = None


def active() -> Store | None:
    """The disk cache this process uses (None: memos only; the default until `configure`)."""
    return _ACTIVE


def configure(root: Path | None, folder: Path | None = None, enabled: bool = True) -> tuple[Store | None, str]:
    """Use the disk cache at `folder` (default `default_dir()`) for the workspace at `root`; `enabled`
    False (`--no-cache`) uses none. Returns (the store or None, a note for the user: why none is used,
    "" otherwise). A folder inside `root` is refused: results are never read from or written into
    the repository."""
    global _ACTIVE
    _ACTIVE = None
    if not enabled:
        return None, ""
    where = Path(folder).expanduser() if folder is not None else default_dir()
    if root is not None and inside(where, root):
        return None, f"cache directory {where} is inside the workspace root: not used (results are never kept there)"
    try:
        limit = int(os.environ.get("WORKBENCH_CACHE_MAX_MB", "")) << 20
    except ValueError:
        limit = DEFAULT_MAX_BYTES
    # a run reads its workspace's entries of this tool version only: those of other versions just age out
    scope = hashlib.sha256(os.fsencode(Path(root).resolve()) + b"\0" + tool_version().encode()).hexdigest()[:16] \
        if root is not None else ""
    _ACTIVE = Store(where, limit if limit > 0 else DEFAULT_MAX_BYTES, scope)
    return _ACTIVE, ""


def flush() -> None:
    """Write what the active store gained (after a check; never raises)."""
    if _ACTIVE is not None:
        _ACTIVE.flush()
