"""The baseline of `--against REF` / `--against-dir DIR`: the workspace at a git ref, or another folder.

Which one is decided by how the value is written, never by what happens to
exist on disk (the work tree is the pull request's: a PR that adds a folder
`origin/main/` must not become the baseline of `--against origin/main`):

* `--against-dir DIR`, or `--against` with a value written as a path (`./dir`,
  `../dir`, `dir/`, `~/dir`, an absolute path, `.`), is a folder;
* any other `--against` value is a git ref. When a folder of that name exists
  too, the ref still wins and the ambiguity is reported through `warn`.
  `REF...` (three dots, as in `git diff REF...`) is the merge base of REF and
  HEAD: where the branch started, so what REF gained since (a schema added on
  main after the branch point) is never read as deleted by the branch.

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

from .config import DEFAULT_MAX_FILE_BYTES, WorkspaceConfig
from .errors import UsageError
from .loader import CONFIG, load_workspace
from .loader.decisions import FileReader, read_config
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


def config_of(root: Path) -> WorkspaceConfig:
    """The configuration `root`'s decisions/workspace.yaml gives (the defaults without one)."""
    return read_config(FileReader(root))


def tracked_dirs(root: Path) -> list[str]:
    """decisions/ plus the top folder of every schema/example/pin-manifest pattern, of the proto folder and of
    every content folder of the root's configuration."""
    config = config_of(root)
    patterns = (config.schema_globs + config.shared_globs + config.example_patterns + config.pin_manifests
                + (config.wire.out,))
    tops = {p.split("/", 1)[0] for p in patterns if p and not p.startswith(("*", "{"))}
    folders = {f.split("/", 1)[0] for f in config.content_folders if f != "."}  # where examples.map reaches
    return sorted({t for t in tops | folders if t not in (".", "..")} | {"decisions"})


def check_ref(ref: str) -> None:
    """Refuse what cannot be a git ref before git sees it (an option, an empty or oversized value)."""
    if not ref or ref == "...":
        raise UsageError("--against needs a git ref (or --against-dir DIR for a folder)")
    if ref.startswith("-"):
        raise UsageError(f"{shown(ref)} is not a git ref: refs cannot start with '-'")
    if len(ref) > MAX_REF_CHARS or "\0" in ref:
        raise UsageError(f"{shown(ref)} is not a git ref (write ./DIR or use --against-dir DIR for a folder)")
    if "..." in ref.removesuffix("..."):
        raise UsageError(f"{shown(ref)}: only REF... (the merge base of REF and HEAD) is read, not A...B: "
                         "the other side is always the work tree")


def merge_base(ref: str) -> str | None:
    """The ref of `REF...` (three dots: compare with the merge base of REF and HEAD), None for a plain ref."""
    return ref[:-3] if ref.endswith("...") and len(ref) > 3 else None


def commit_of(top: Path, ref: str) -> tuple[str, str]:
    """(commit, how it was found) of `ref`; for `REF...`, of the merge base of REF and HEAD."""
    base = merge_base(ref)
    name = base if base is not None else ref
    try:
        commit = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options",
                      f"{name}^{{commit}}").decode().strip()
    except UsageError as exc:
        raise UsageError(f"{shown(name)} is not a git ref known in {top} "
                         "(write ./DIR or use --against-dir DIR for a folder)") from exc
    if base is None:
        return commit, ""
    try:
        head = _git(top, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").decode().strip()
        start = _git(top, "merge-base", "--end-of-options", commit, head).decode().strip()
    except UsageError as exc:
        raise UsageError(f"{shown(ref)}: {shown(name)} and HEAD have no merge base ({exc})") from exc
    return start, f"merge base {start[:12]} of {name} and HEAD"


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
                max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> tuple[Path, str]:
    """Extract the workspace folders of `root` at git `ref` into `dest`; returns the root inside it
    and, for `REF...`, which commit that is ("" for a plain ref)."""
    warn = warn or _default_warn
    check_ref(ref)
    try:
        top = Path(_git(root, "rev-parse", "--show-toplevel").decode(errors="surrogateescape").strip())
    except UsageError as exc:
        raise UsageError(f"{shown(ref)} is read as a git ref, and {root} is not inside a git repository "
                         "(write ./DIR or use --against-dir DIR for a folder)") from exc
    commit, found = commit_of(top, ref)
    prefix = root.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    ours = tracked_dirs(root)
    for folders in (ours, None):  # the folders the working tree's configuration reads, then those of the ref's own
        if folders is None:
            folders = [d for d in tracked_dirs(dest / prefix) if d not in ours]
            if not folders:
                break
        listed = _git(top, "ls-tree", "-r", "-l", "-z", "--end-of-options", commit, *(prefix + d for d in folders),
                      literal=True)
        for name, why in write_tree(top, _entries(listed), dest, max_bytes):
            warn(f"baseline {shown(ref)}: skipped {name}: {why}")
    return dest / prefix, found


def folder_of(value: str | Path) -> Path:
    """A baseline folder given on the command line, checked."""
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
    return folder


class Baseline(NamedTuple):
    """A baseline workspace and what it is, for the reports."""

    workspace: Workspace
    label: str  # as given, and which commit `REF...` named: "origin/main... (merge base 0123456789ab ...)"
    configuration: str  # which configuration read it: "the working tree's decisions/workspace.yaml"
    differs: bool  # its own configuration is not the one that read it (worth saying even when all is well)


def load_baseline(root: str | Path, against: str | None = None, *, folder: str | Path | None = None,
                  warn: Warn | None = None, own_config: bool = False) -> Workspace:
    """The baseline workspace of `read_baseline`."""
    return read_baseline(root, against, folder=folder, warn=warn, own_config=own_config).workspace


def read_baseline(root: str | Path, against: str | None = None, *, folder: str | Path | None = None,
                  warn: Warn | None = None, own_config: bool = False) -> Baseline:
    """The baseline named by `--against AGAINST` (a git ref unless written as a path) or `--against-dir FOLDER`,
    read with the working tree's configuration (`own_config`: with its own decisions/workspace.yaml).

    `warn` receives one line per ambiguity or skipped file (default: a `BaselineWarning`)."""
    warn = warn or _default_warn
    root = Path(root).resolve()
    if folder is not None or (against is not None and written_as_path(against)):
        given = str(folder if folder is not None else against)
        return _read(root, folder_of(given), given, own_config)
    if against is None:
        raise UsageError("no baseline given (--against REF or --against-dir DIR)")
    check_ref(against)
    same_name = next((p for p in (Path(against), root / against) if _is_dir(p)), None)
    with tempfile.TemporaryDirectory(prefix="workbench-baseline-") as tmp:
        try:
            top, found = materialise(root, against, Path(tmp), warn)
        except UsageError as exc:
            if same_name is not None:
                raise UsageError(f"{exc}; a folder {shown(against)} exists, but a baseline folder must be "
                                 f"written as a path: --against ./{against} or --against-dir {against}") from exc
            raise
        if same_name is not None:
            warn(f"--against {shown(against)} is read as a git ref; the folder {same_name} of the same name is "
                 f"ignored (write --against ./{against} or --against-dir {against} to compare with a folder)")
        return _read(root, top, f"{against} ({found})" if found else against, own_config)


def _read(root: Path, top: Path, label: str, own_config: bool) -> Baseline:
    """Load the baseline at `top` with the working tree's configuration (or its own). One that loads no
    schema while the other configuration would load some is an error: the two sides would not be
    read alike, and every schema would pass as added."""
    ours, theirs = config_of(root), config_of(top)
    has = {"work": (root / CONFIG).is_file(), "own": (top / CONFIG).is_file()}
    said = {"work": "the working tree's " + CONFIG if has["work"] else
                    f"the default configuration (the working tree has no {CONFIG})",
            "own": f"its own {CONFIG}" if has["own"] else f"the default configuration (it has no {CONFIG})"}
    used, other = ("own", "work") if own_config else ("work", "own")
    config = {"work": ours, "own": theirs}
    ws = load_workspace(top, config=config[used])
    if not ws.schemas:
        found = load_workspace(top, config=config[other]).schemas
        if found:
            flag = "--baseline-config worktree" if own_config else "--baseline-config own"
            raise UsageError(f"baseline {shown(label)} loads no schema with {said[used]} (schemas.globs "
                             f"{', '.join(config[used].schema_globs)}), but {len(found)} with {said[other]}: the "
                             f"two sides would not be read alike ({flag} reads it with that one)")
    return Baseline(ws, label, said[used], ours != theirs)
