"""The baseline of `--against REF` / `--against-dir DIR`: the workspace at a git ref, or another folder.

Which one is decided by how the value is written, never by what happens to
exist on disk (the work tree is the pull request's: a PR that adds a folder
`origin/main/` must not become the baseline of `--against origin/main`):

* `--against-dir DIR`, or `--against` with a value written as a path (`./dir`,
  `../dir`, `dir/`, `~/dir`, an absolute path, `.`), is a folder;
* any other `--against` value is a git ref. When a folder of that name exists
  too, the ref still wins and the ambiguity is reported through `warn`.

A git ref is read from the object database (never touching the work tree or the
index): `git ls-tree` lists the tracked `decisions/` and schema/example folders of
the root at that ref and `git cat-file --batch` gives their blobs, which are
written into a temporary folder, loaded, and the folder is removed (a
`Workspace` keeps everything it needs in memory). Not `git archive`: it applies
the commit's own `.gitattributes` (`export-ignore` would silently drop the
schemas from the baseline, `export-subst` rewrite them). Every git invocation puts
`--end-of-options` before the ref (every argument after it is a ref or a path,
never an option, so no `--` follows it), a ref starting with `-` is refused, and
the listed names are literal pathspecs. An entry that is not a plain file or a
link inside the root (a link pointing outside it, a submodule, a name with `..`,
a blob over `limits.max_file_bytes`) is skipped and reported through `warn` by
name, never by what it points at.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from .errors import UsageError
from .loader import load_workspace
from .loader.files import DEFAULT_MAX_FILE_BYTES
from .model import Workspace

MAX_REF_CHARS = 1024  # longer is no ref git would accept (and would not fit one argument)
Warn = Callable[[str], None]


class BaselineWarning(UserWarning):
    """An ambiguity or a skipped file while reading the baseline (when no `warn` callback is given)."""


def _default_warn(message: str) -> None:
    warnings.warn(message, BaselineWarning, stacklevel=3)


def shown(value: str, limit: int = 80) -> str:
    """A user-supplied value for a message: quoted, clipped when long."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value)} characters)"


def written_as_path(value: str) -> bool:
    """True when `--against VALUE` names a folder by its spelling: `./x`, `../x`, `x/`, `~/x`, `/x`, `.`, `..`."""
    seps = ("/", os.sep) if os.sep != "/" else ("/",)
    return (
        value in (".", "..", "~")
        or value.startswith(tuple(p + s for p in (".", "..", "~") for s in seps))
        or value.endswith(seps)
        or os.path.isabs(value)
    )


def _is_dir(path: Path) -> bool:
    """`Path.is_dir` that answers False for names the OS refuses (too long, NUL) instead of raising."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _git(root: Path, *args: str, literal: bool = False, stdin: bytes | None = None) -> bytes:
    """Run git in `root`; `literal`: pathspecs are names (no globbing, no `:(magic)`)."""
    opts = ["--literal-pathspecs"] if literal else []
    try:
        done = subprocess.run(["git", *opts, "-C", str(root), *args], input=stdin, capture_output=True, check=False,
                              timeout=120)
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run git: {exc}") from exc
    if done.returncode != 0:
        raise UsageError(f"git {args[0]} failed: {done.stderr.decode(errors='replace').strip() or done.returncode}")
    return done.stdout


def tracked_dirs(root: Path) -> list[str]:
    """decisions/ plus the top folder of every schema/example pattern and content folder of the root's
    configuration."""
    from .loader.decisions import FileReader, read_config

    config = read_config(FileReader(root))
    patterns = config.schema_globs + config.shared_globs + config.example_patterns
    tops = {p.split("/", 1)[0] for p in patterns if p and not p.startswith(("*", "{"))}
    folders = {f.split("/", 1)[0] for f in config.content_folders if f != "."}  # where examples.map reaches
    return sorted(tops | folders | {"decisions"})


def check_ref(ref: str) -> None:
    """Refuse what cannot be a git ref before git sees it (an option, an empty or oversized value)."""
    if not ref:
        raise UsageError("--against needs a git ref (or --against-dir DIR for a folder)")
    if ref.startswith("-"):
        raise UsageError(f"{shown(ref)} is not a git ref: refs cannot start with '-'")
    if len(ref) > MAX_REF_CHARS or "\0" in ref:
        raise UsageError(f"{shown(ref)} is not a git ref (write ./DIR or use --against-dir DIR for a folder)")


class Entry(NamedTuple):
    """One `git ls-tree -r -l` entry."""

    mode: str  # 100644/100755 a file, 120000 a link, 160000 a submodule
    oid: str
    size: int  # -1 when git gives none (a submodule)
    path: str


def _entries(listed: bytes) -> list[Entry]:
    out = []
    for raw in listed.split(b"\0"):
        meta, tab, path = raw.partition(b"\t")
        fields = meta.split()
        if tab and len(fields) == 4:
            out.append(Entry(fields[0].decode(), fields[2].decode(),
                             int(fields[3]) if fields[3].isdigit() else -1, path.decode(errors="surrogateescape")))
    return out


def _blobs(top: Path, oids: list[str]) -> dict[str, bytes]:
    """The contents of `oids`, all in one `git cat-file --batch`."""
    if not oids:
        return {}
    data = _git(top, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid in oids).encode())
    out: dict[str, bytes] = {}
    at = 0
    while at < len(data):
        end = data.index(b"\n", at)
        header = data[at:end].split()
        if len(header) != 3:  # "<oid> missing"
            at = end + 1
            continue
        size = int(header[2])
        out[header[0].decode()] = data[end + 1:end + 1 + size]
        at = end + 1 + size + 1
    return out


def _inside(dest: Path, name: str) -> Path | None:
    """`dest/name` when `name` is a plain relative path (no empty, `.` or `..` part), else None."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return None
    return dest.joinpath(*parts)


def write_tree(top: Path, entries: list[Entry], dest: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES
               ) -> list[tuple[str, str]]:
    """Write the files and contained links of `entries` under `dest`; (name, reason) of each one skipped."""
    skipped: list[tuple[str, str]] = []
    keep: list[tuple[Entry, Path]] = []
    for e in entries:
        target = _inside(dest, e.path)
        if target is None:
            skipped.append((e.path, "a path outside the root"))
        elif e.mode not in ("100644", "100755", "120000"):
            skipped.append((e.path, "not a regular file, folder or link"))
        elif e.size > max_bytes:
            skipped.append((e.path, f"{e.size} bytes, over the {max_bytes}-byte limit (limits.max_file_bytes)"))
        else:
            keep.append((e, target))
    blobs = _blobs(top, sorted({e.oid for e, _ in keep}))
    for e, target in sorted(keep, key=lambda k: k[0].mode == "120000"):  # files first: no link to write through
        data = blobs.get(e.oid)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if data is None:
                skipped.append((e.path, "missing from the repository"))
            elif e.mode != "120000":
                with open(target, "xb") as fh:
                    fh.write(data)
            else:
                link = os.fsdecode(data)
                resolved = os.path.normpath(os.path.join(os.path.dirname(e.path), link))
                if os.path.isabs(link) or _inside(dest, resolved.replace(os.sep, "/")) is None:
                    skipped.append((e.path, "a link pointing outside the root"))
                else:
                    os.symlink(link, target)
        except OSError as exc:
            skipped.append((e.path, f"cannot be written here ({exc.strerror or exc})"))
    return skipped


def materialise(root: Path, ref: str, dest: Path, warn: Warn | None = None,
                max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Path:
    """Extract the workspace folders of `root` at git `ref` into `dest`; returns the root inside it."""
    warn = warn or _default_warn
    check_ref(ref)
    try:
        top = Path(_git(root, "rev-parse", "--show-toplevel").decode(errors="surrogateescape").strip())
    except UsageError as exc:
        raise UsageError(f"{shown(ref)} is read as a git ref, and {root} is not inside a git repository "
                         "(write ./DIR or use --against-dir DIR for a folder)") from exc
    try:
        commit = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").decode().strip()
    except UsageError as exc:
        raise UsageError(f"{shown(ref)} is not a git ref known in {top} "
                         "(write ./DIR or use --against-dir DIR for a folder)") from exc
    prefix = root.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    wanted = [prefix + d for d in tracked_dirs(root)]
    listed = _git(top, "ls-tree", "-r", "-l", "-z", "--end-of-options", commit, *wanted, literal=True)
    for name, why in write_tree(top, _entries(listed), dest, max_bytes):
        warn(f"baseline {shown(ref)}: skipped {name}: {why}")
    return dest / prefix


def load_dir(value: str | Path) -> Workspace:
    """A baseline folder, loaded as it is."""
    if not str(value):
        raise UsageError("--against-dir needs a folder")
    folder = Path(value).expanduser()
    try:
        is_dir = folder.is_dir()
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"baseline folder {shown(str(value))} cannot be used: {why}") from exc
    if not is_dir:
        raise UsageError(f"baseline folder {shown(str(value))} is not a directory")
    return load_workspace(folder)


def load_baseline(root: str | Path, against: str | None = None, *, folder: str | Path | None = None,
                  warn: Warn | None = None) -> Workspace:
    """The baseline named by `--against AGAINST` (a git ref unless written as a path) or `--against-dir FOLDER`.

    `warn` receives one line per ambiguity or skipped file (default: a `BaselineWarning`)."""
    warn = warn or _default_warn
    if folder is not None:
        return load_dir(folder)
    if against is None:
        raise UsageError("no baseline given (--against REF or --against-dir DIR)")
    if written_as_path(against):
        return load_dir(against)
    root = Path(root).resolve()
    check_ref(against)
    same_name = next((p for p in (Path(against), root / against) if _is_dir(p)), None)
    with tempfile.TemporaryDirectory(prefix="workbench-baseline-") as tmp:
        try:
            top = materialise(root, against, Path(tmp), warn)
        except UsageError as exc:
            if same_name is not None:
                raise UsageError(f"{exc}; a folder {shown(against)} exists, but a baseline folder must be "
                                 f"written as a path: --against ./{against} or --against-dir {against}") from exc
            raise
        if same_name is not None:
            warn(f"--against {shown(against)} is read as a git ref; the folder {same_name} of the same name is "
                 f"ignored (write --against ./{against} or --against-dir {against} to compare with a folder)")
        return load_workspace(top)
