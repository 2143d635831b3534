"""The containment policy: every read (and every write target) stays inside the root.

Repository content is untrusted (`--check` runs on pull requests), so a path is
resolved to its real location and refused when that lies outside the root; only
regular files are read (a FIFO or device is opened non-blocking and refused
before any read, so it cannot hang the check), and a file larger than the configured cap
(`limits.max_file_bytes`, default 20 MB) is refused before it is read. Symbolic
links inside the root are followed; a link out of it is refused by naming the
link, never by showing what it points at.

A `Files` lives for one load or one save. It remembers the real path of each
folder it has resolved (or walked), so a file costs one `lstat` or one
`O_NOFOLLOW` open under its folder's real path; only a file that is itself a
link is resolved in full. A folder that becomes a link while a `Files` is in use
is not noticed by it. The loader's `Files` also keeps each folder's listing
(`listings`): its globs see one listing of each folder.

Globs are matched by walking from the pattern's literal folder, never above the
root: a pattern with `..` or an absolute path is refused, not resolved.

    files = Files(root, max_bytes)
    data = files.read("ssot/schemas/a.schema.json")      # raises Refused / OSError
    found, problems = files.glob("ssot/**/*.json", source="decisions/workspace.yaml")
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..config import DEFAULT_MAX_FILE_BYTES
from ..model import Problem, Workspace

# what `_entries` matches names with: one exact name, a predicate (a compiled glob's `match`), or None for all
NameMatch = str | Callable[[str], object] | None

_MAGIC = re.compile(r"[*?\[]")
_DRIVE = re.compile(r"[A-Za-z]:")
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# non-blocking: opening a FIFO returns at once (and is then refused); no-follow: opening a link fails
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_LINK_OUT = "a symbolic link to outside the workspace root"


class Refused(OSError):
    """A path the containment policy will not read or write; `strerror` says why."""

    def __init__(self, why: str):
        super().__init__(errno.EPERM, why)


def escapes(rel: str) -> bool:
    """True when a relative path or pattern leaves the root by its spelling (absolute, `..`)."""
    posix = rel.replace("\\", "/")
    return posix.startswith("/") or bool(_DRIVE.match(posix)) or ".." in posix.split("/")


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _mode(entry: os.DirEntry[str]) -> int | None:
    """The file type bits of a folder entry, from the folder listing where it can tell (None: gone)."""
    try:
        if entry.is_symlink():
            return stat.S_IFLNK
        if entry.is_dir(follow_symlinks=False):
            return stat.S_IFDIR
        if entry.is_file(follow_symlinks=False):
            return stat.S_IFREG
        return entry.stat(follow_symlinks=False).st_mode  # a special file: which kind
    except OSError:
        return None


def _joined(folder: str, name: str) -> str:
    """`os.path.join` of a real folder and one entry name (no separator in it): the loader joins one per file."""
    return f"{folder}{name}" if folder.endswith(os.sep) else f"{folder}{os.sep}{name}"


@dataclass(frozen=True)
class Files:
    """Contained access to one root. `root` is resolved on construction."""

    root: Path
    max_bytes: int = DEFAULT_MAX_FILE_BYTES
    _real: str = field(init=False, repr=False, compare=False)  # `root` as a string
    _prefix: str = field(init=False, repr=False, compare=False)  # what a path inside the root starts with
    # folder real path -> its entries (name, type), sorted: given (`{}`), a folder is listed once however many
    # globs walk it (one load's nine globs), and every glob sees the same listing; None lists it each time
    listings: dict[str, list[tuple[str, int | None]]] | None = field(default=None, repr=False, compare=False)
    # root-relative folder ("" for the root) -> its real path, contained and known to be a folder
    _dirs: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        real = os.path.realpath(self.root)
        object.__setattr__(self, "root", Path(real))
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_prefix", os.path.join(real, ""))
        self._dirs[""] = real

    @classmethod
    def of(cls, ws: Workspace) -> Files:
        """The contained reader of a loaded `Workspace` (its root and size cap)."""
        return cls(ws.root, ws.config.max_file_bytes)

    # ------------------------------------------------------------ single paths

    def real(self, rel: str | Path) -> Path:
        """The real path of `rel` (relative to the root, or absolute inside it); `Refused` outside."""
        path = self._under_real_folder(rel)
        try:
            if stat.S_ISLNK(os.lstat(path).st_mode):
                return Path(self._follow(path))
        except OSError:
            pass  # nothing there: its real path is where it would be
        return Path(path)

    def stat(self, rel: str | Path) -> os.stat_result:
        """stat of a contained regular file within the size cap; `Refused`/`OSError` otherwise."""
        path = self._under_real_folder(rel)
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            st = os.stat(self._follow(path))
        self._check(st)
        return st

    def _check(self, st: os.stat_result) -> None:
        if not stat.S_ISREG(st.st_mode):
            raise Refused(f"{kind_of(st.st_mode)}, not a regular file")
        if st.st_size > self.max_bytes:
            raise Refused(f"{st.st_size} bytes, over the {self.max_bytes}-byte limit (limits.max_file_bytes)")

    def read(self, rel: str | Path) -> bytes:
        """The bytes of a contained regular file within the size cap; `Refused`/`OSError` otherwise."""
        fd = self._open(rel)
        try:
            self._check(os.fstat(fd))
            chunks, size = [], 0
            while chunk := os.read(fd, 1 << 20):
                size += len(chunk)
                if size > self.max_bytes:  # grew while being read
                    raise Refused(f"over the {self.max_bytes}-byte limit (limits.max_file_bytes)")
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def read_text(self, rel: str | Path) -> str:
        """`read` decoded as UTF-8 (`UnicodeDecodeError` on bad bytes)."""
        return self.read(rel).decode("utf-8")

    def exists(self, rel: str | Path) -> bool:
        """Whether `rel` names an existing file or folder inside the root."""
        try:
            return os.path.exists(self.real(rel))
        except OSError:
            return False

    def is_file(self, rel: str | Path) -> bool:
        try:
            self.stat(rel)
            return True
        except OSError:
            return False

    def _open(self, rel: str | Path) -> int:
        """A read-only descriptor of `rel`, opened without blocking and never through a link out of the root."""
        path = self._under_real_folder(rel)
        if _NOFOLLOW or not os.path.islink(path):
            try:
                return os.open(path, _OPEN_FLAGS)
            except OSError:
                if not os.path.islink(path):  # O_NOFOLLOW refused a link (ELOOP, or EMLINK on BSD)
                    raise
        return os.open(self._follow(path), _OPEN_FLAGS)

    def _under_real_folder(self, rel: str | Path) -> str:
        """`rel` under the real path of its folder: its real path, unless `rel` itself is a link.
        `Refused` when it leaves the root by its spelling or through a linked folder."""
        rel = os.fspath(rel)
        if os.path.isabs(rel):
            try:
                rel = Path(rel).relative_to(self.root).as_posix()
            except ValueError:
                try:
                    rel = Path(os.path.abspath(rel)).relative_to(self.root).as_posix()
                except ValueError:
                    raise Refused("outside the workspace root") from None
        if escapes(rel):
            raise Refused("outside the workspace root")
        rel = os.path.normpath(rel)
        if rel == ".":
            return self._real
        folder, _, name = rel.rpartition(os.sep)
        real = self._dirs.get(folder)
        if real is None:
            real = self._follow(os.path.join(self._real, folder))
            if os.path.isdir(real):  # a folder not there yet is resolved again next time
                self._dirs[folder] = real
        return _joined(real, name)

    def _follow(self, path: str) -> str:
        """The real path of `path`, links resolved; `Refused` (naming no target) outside the root."""
        real = os.path.realpath(path)
        if not self._inside(real):
            raise Refused(_LINK_OUT)
        return real

    def _inside(self, real: str) -> bool:
        return real.startswith(self._prefix) or real == self._real

    # ------------------------------------------------------------ globs

    def glob(self, pattern: str, source: str = ".") -> tuple[list[str], list[Problem]]:
        """Root-relative POSIX paths of the regular files matching `pattern` (sorted), and problems:
        a pattern leaving the root (reported on `source`), a matching link to outside the root or
        a matching special file (reported on the match)."""
        if not pattern or escapes(pattern):
            return [], [Problem(source, f"pattern {pattern!r} leaves the workspace root: ignored", kind="load")]
        parts = [p for p in pattern.replace("\\", "/").split("/") if p not in ("", ".")]
        found: set[str] = set()
        problems: dict[str, Problem] = {}
        self._walk("", self._real, parts, found, problems, set())
        return sorted(found), [problems[k] for k in sorted(problems)]

    def glob_all(self, patterns: tuple[str, ...] | list[str], source: str = ".") -> tuple[list[str], list[Problem]]:
        found: set[str] = set()
        problems: dict[tuple[str, str], Problem] = {}
        for pattern in patterns:
            got, probs = self.glob(pattern, source)
            found.update(got)
            problems.update(((p.path, p.message), p) for p in probs)
        return sorted(found), [problems[k] for k in sorted(problems)]

    def _walk(self, rel: str, real: str, parts: list[str], found: set[str], problems: dict[str, Problem],
              seen: set[tuple[str, int]]) -> None:
        self._dirs[rel] = real  # a contained folder (the root, or one `_entries` listed): remembered
        if not parts:
            return
        head, rest = parts[0], parts[1:]
        if head == "**":
            key = (real, len(rest))
            if key in seen:  # a link cycle inside the root
                return
            seen.add(key)
            self._walk(rel, real, rest, found, problems, seen)  # zero folders
            for _name, sub_rel, sub_real, mode in self._entries(rel, real, None, problems, report=False):
                if stat.S_ISDIR(mode):
                    self._walk(sub_rel, sub_real, parts, found, problems, seen)
            return
        matcher = None if not _MAGIC.search(head) else re.compile(fnmatch.translate(head)).match
        for _name, sub_rel, sub_real, mode in self._entries(rel, real, head if matcher is None else matcher,
                                                            problems, report=True, last=not rest):
            if rest:
                if stat.S_ISDIR(mode):
                    self._walk(sub_rel, sub_real, rest, found, problems, seen)
            elif stat.S_ISREG(mode):
                found.add(sub_rel)

    def _entries(self, rel: str, real: str, match: NameMatch, problems: dict[str, Problem], report: bool,
                 last: bool = False) -> Iterator[tuple[str, str, str, int]]:
        """(name, rel, real, mode) of the entries of a folder matching `match` (a name, a regex
        match function, or None for all), sorted by name, links resolved and contained. The type
        comes from the listing; only a link or a special file is stat'ed."""
        entries: list[tuple[str, int | None]]
        if isinstance(match, str):
            try:
                entries = [(match, os.lstat(os.path.join(real, match)).st_mode)]
            except OSError:
                return
        else:
            listed = self.listings.get(real) if self.listings is not None else None
            if listed is None:
                try:
                    with os.scandir(real) as it:
                        listed = sorted(((e.name, _mode(e)) for e in it), key=lambda entry: entry[0])
                except OSError:
                    return
                if self.listings is not None:
                    self.listings[real] = listed
            entries = listed if match is None else [entry for entry in listed if match(entry[0])]
        for name, mode in entries:
            if mode is None:
                continue
            sub_rel = f"{rel}/{name}" if rel else name
            sub_real = _joined(real, name)
            if stat.S_ISLNK(mode):
                sub_real = os.path.realpath(sub_real)
                if not self._inside(sub_real):
                    if report:
                        problems[sub_rel] = Problem(sub_rel, f"{_LINK_OUT}: not followed")
                    continue
                try:
                    mode = os.stat(sub_real).st_mode
                except OSError:
                    continue  # a dangling link
            if last and report and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
                problems[sub_rel] = Problem(sub_rel, f"{kind_of(mode)}, not a regular file: not read")
                continue
            yield name, sub_rel, sub_real, mode


def fixed_prefix(pattern: str) -> str | None:
    """The part of a glob before its first wildcard ("." when it starts with one); None when it leaves the root."""
    parts: list[str] = []
    for part in pattern.replace("\\", "/").split("/"):
        if any(c in part for c in "*?[{"):
            break
        if part in ("", "."):
            continue
        parts.append(part)
    if pattern.startswith("/") or ".." in parts:
        return None
    return "/".join(parts) or "."


def within(pattern: str, folders: tuple[str, ...]) -> bool:
    """Whether every file `pattern` can match lies in one of `folders` ("." is the whole root)."""
    prefix = fixed_prefix(pattern)
    return prefix is not None and any(f == "." or prefix == f or prefix.startswith(f + "/") for f in folders)
