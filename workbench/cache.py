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

On disk: 256 pack files (`packs-F/XX.pack`, by the first byte of each entry's key digest), each a
magic line, the SHA-256 of its payload and a `marshal` payload of {key digest: (stamp, value)}.
Values are plain data only (tuples, lists, dicts, sets, str, int, float, bool, None), written by
this module into the user's own directory. A pack is read whole on its first use and rewritten by
`flush` (temp file + `os.replace`: a reader sees the old pack or the new one, never half of one)
merged with what is on disk at that moment, so concurrent runs only ever lose each other's new
entries (a later miss). A pack that is unreadable, truncated or fails its checksum is empty (every
entry a miss), never an error; a temp file a killed run left is never read, and removed once old.
Each pack is bounded (`max_bytes` / 256): beyond it the entries used longest ago go first.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import threading
import time
from collections.abc import Hashable
from pathlib import Path
from typing import Any

FORMAT = 1
MAGIC = b"workbench-cache-%d\n" % FORMAT
SHARDS = 256
DEFAULT_MAX_BYTES = 512 << 20
RESTAMP_SECONDS = 86_400.0  # an entry used again is re-stamped (its pack rewritten) at most once a day
STALE_TEMP_SECONDS = 3_600.0  # a temp file older than this was left by a killed run

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

    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.folder = Path(folder)
        self.packs = self.folder / f"packs-{FORMAT}"
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._loaded: dict[int, dict[str, tuple[float, Any]]] = {}
        self._dirty: dict[int, dict[str, tuple[float, Any]]] = {}
        self.stats = {"hits": 0, "misses": 0, "writes": 0}

    @staticmethod
    def digest(namespace: str, key: Hashable) -> str:
        """The entry's name: SHA-256 of the tool version, the namespace and `repr(key)` (keys are tuples of
        str, int, float, bool and None, whose repr is the same in every process)."""
        text = f"{tool_version()}\0{namespace}\0{key!r}"
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def _path(self, shard: int) -> Path:
        return self.packs / f"{shard:02x}.pack"

    def _read(self, shard: int) -> dict[str, tuple[float, Any]]:
        """A pack's entries; {} when it is missing, unreadable, truncated or corrupt."""
        try:
            data = self._path(shard).read_bytes()
        except OSError:
            return {}
        head = len(MAGIC)
        if data[:head] != MAGIC or hashlib.sha256(data[head + 32:]).digest() != data[head:head + 32]:
            return {}
        try:
            found = marshal.loads(data[head + 32:])
        except (EOFError, ValueError, TypeError):
            return {}
        return found if isinstance(found, dict) else {}

    def _pack(self, shard: int) -> dict[str, tuple[float, Any]]:
        found = self._loaded.get(shard)
        if found is None:
            found = self._loaded[shard] = self._read(shard)
        return found

    def get(self, namespace: str, key: Hashable) -> Any | None:
        """The value stored under (`namespace`, `key`), or None (a miss, whatever went wrong)."""
        name = self.digest(namespace, key)
        shard = int(name[:2], 16)
        with self._lock:
            entry = self._pack(shard).get(name)
            if not (isinstance(entry, tuple) and len(entry) == 2):
                self.stats["misses"] += 1
                return None
            self.stats["hits"] += 1
            stamp, value = entry
            now = time.time()
            if isinstance(stamp, float) and now - stamp > RESTAMP_SECONDS:  # used again: kept longer
                self._dirty.setdefault(shard, {})[name] = (now, value)
            return value

    def put(self, namespace: str, key: Hashable, value: Any) -> None:
        """Keep `value` (plain data) under (`namespace`, `key`); written by `flush`."""
        name = self.digest(namespace, key)
        shard = int(name[:2], 16)
        entry = (time.time(), value)
        with self._lock:
            self._pack(shard)[name] = entry
            self._dirty.setdefault(shard, {})[name] = entry

    def flush(self) -> None:
        """Write every pack with new entries: merged with the pack as it is on disk now, bounded, atomically."""
        with self._lock:
            dirty, self._dirty = self._dirty, {}
            if not dirty:
                return
            try:
                self.packs.mkdir(parents=True, exist_ok=True)
            except OSError:
                return
            self._clean_temps()
            for shard, entries in dirty.items():
                merged = self._read(shard)
                merged.update(entries)
                try:
                    payload = self._bounded(merged)
                except ValueError:  # a value that is not plain data: nothing of this pack is written
                    continue
                self._loaded[shard] = merged
                self._write(shard, payload)

    def _bounded(self, entries: dict[str, tuple[float, Any]]) -> bytes:
        """The pack's payload, its oldest entries dropped until it fits its share of `max_bytes`."""
        payload = marshal.dumps(entries)
        limit = max(self.max_bytes // SHARDS, 1)
        while len(payload) > limit and entries:
            oldest = sorted(entries, key=lambda k: entries[k][0])
            for name in oldest[:max(1, len(oldest) // 4)]:
                del entries[name]
            payload = marshal.dumps(entries)
        return payload

    def _write(self, shard: int, payload: bytes) -> None:
        target = self._path(shard)
        temp = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(temp, "wb") as out:
                out.write(MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(temp, target)
            self.stats["writes"] += 1
        except OSError:
            try:
                temp.unlink()
            except OSError:
                pass

    def _clean_temps(self) -> None:
        """Remove the temp files killed runs left (never read; old enough that no live run writes them)."""
        now = time.time()
        try:
            temps = [p for p in self.packs.iterdir() if p.name.endswith(".tmp")]
        except OSError:
            return
        for path in temps:
            try:
                if now - path.stat().st_mtime > STALE_TEMP_SECONDS:
                    path.unlink()
            except OSError:
                pass


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
    _ACTIVE = Store(where, limit if limit > 0 else DEFAULT_MAX_BYTES)
    return _ACTIVE, ""


def flush() -> None:
    """Write what the active store gained (after a check; never raises)."""
    if _ACTIVE is not None:
        _ACTIVE.flush()
