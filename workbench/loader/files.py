"""The containment policy: every read (and every write target) stays inside the root.

Repository content is untrusted (`--check` runs on pull requests), so a path is
resolved to its real location and refused when that lies outside the root; only
regular files are opened (a FIFO or device is never opened for reading, so it
cannot hang the check), and a file larger than the configured cap
(`limits.max_file_bytes`, default 20 MB) is refused before it is read. Symbolic
links inside the root are followed; a link out of it is refused by naming the
link, never by showing what it points at.

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
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..model import Problem, Workspace

# what `_entries` matches names with: one exact name, a predicate (a compiled glob's `match`), or None for all
NameMatch = str | Callable[[str], object] | None

DEFAULT_MAX_FILE_BYTES = 20_000_000
_MAGIC = re.compile(r"[*?\[]")
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class Refused(OSError):
    """A path the containment policy will not read or write; `strerror` says why."""

    def __init__(self, why: str):
        super().__init__(errno.EPERM, why)


def escapes(rel: str) -> bool:
    """True when a relative path or pattern leaves the root by its spelling (absolute, `..`)."""
    posix = rel.replace("\\", "/")
    return posix.startswith("/") or bool(re.match(r"^[A-Za-z]:", posix)) or ".." in PurePosixPath(posix).parts


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


@dataclass(frozen=True)
class Files:
    """Contained access to one root. `root` is resolved on construction."""

    root: Path
    max_bytes: int = DEFAULT_MAX_FILE_BYTES

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(os.path.realpath(self.root)))

    @classmethod
    def of(cls, ws: Workspace) -> Files:
        """The contained reader of a loaded `Workspace` (its root and size cap)."""
        return cls(ws.root, ws.config.max_file_bytes)

    # ------------------------------------------------------------ single paths

    def real(self, rel: str | Path) -> Path:
        """The real path of `rel` (relative to the root, or absolute inside it); `Refused` outside."""
        rel = str(rel)
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
        real = Path(os.path.realpath(self.root / rel))
        if real != self.root and not real.is_relative_to(self.root):
            raise Refused("a symbolic link to outside the workspace root")
        return real

    def stat(self, rel: str | Path) -> os.stat_result:
        """stat of a contained regular file within the size cap; `Refused`/`OSError` otherwise."""
        st = os.stat(self.real(rel))
        self._check(st)
        return st

    def _check(self, st: os.stat_result) -> None:
        if not stat.S_ISREG(st.st_mode):
            raise Refused(f"{kind_of(st.st_mode)}, not a regular file")
        if st.st_size > self.max_bytes:
            raise Refused(f"{st.st_size} bytes, over the {self.max_bytes}-byte limit (limits.max_file_bytes)")

    def read(self, rel: str | Path) -> bytes:
        """The bytes of a contained regular file within the size cap; `Refused`/`OSError` otherwise."""
        real = self.real(rel)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(real, flags)  # non-blocking: opening a FIFO returns at once (and is then refused)
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
            return self.real(rel).exists()
        except OSError:
            return False

    def is_file(self, rel: str | Path) -> bool:
        try:
            self.stat(rel)
            return True
        except OSError:
            return False

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
        self._walk("", self.root, parts, found, problems, set())
        return sorted(found), [problems[k] for k in sorted(problems)]

    def glob_all(self, patterns: tuple[str, ...] | list[str], source: str = ".") -> tuple[list[str], list[Problem]]:
        found: set[str] = set()
        problems: dict[tuple[str, str], Problem] = {}
        for pattern in patterns:
            got, probs = self.glob(pattern, source)
            found.update(got)
            problems.update(((p.path, p.message), p) for p in probs)
        return sorted(found), [problems[k] for k in sorted(problems)]

    def _walk(self, rel: str, real: Path, parts: list[str], found: set[str], problems: dict[str, Problem],
              seen: set[tuple[str, int]]) -> None:
        if not parts:
            return
        head, rest = parts[0], parts[1:]
        if head == "**":
            key = (str(real), len(rest))
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

    def _entries(self, rel: str, real: Path, match: NameMatch, problems: dict[str, Problem], report: bool,
                 last: bool = False) -> Iterator[tuple[str, str, Path, int]]:
        """(name, rel, real, mode) of the entries of a folder matching `match` (a name, a regex
        match function, or None for all), links resolved and contained."""
        if isinstance(match, str):
            names = [match]
        else:
            try:
                with os.scandir(real) as it:
                    names = sorted(e.name for e in it)
            except OSError:
                return
            if match is not None:
                names = [n for n in names if match(n)]
        for name in names:
            sub_rel = f"{rel}/{name}" if rel else name
            path = real / name
            try:
                lst = os.lstat(path)
            except OSError:
                continue
            sub_real, mode = path, lst.st_mode
            if stat.S_ISLNK(lst.st_mode):
                sub_real = Path(os.path.realpath(path))
                if not sub_real.is_relative_to(self.root):
                    if report:
                        problems[sub_rel] = Problem(sub_rel,
                                                    "a symbolic link to outside the workspace root: not followed")
                    continue
                try:
                    mode = os.stat(sub_real).st_mode
                except OSError:
                    continue  # a dangling link
            if last and report and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
                problems[sub_rel] = Problem(sub_rel, f"{kind_of(mode)}, not a regular file: not read")
                continue
            yield name, sub_rel, sub_real, mode
