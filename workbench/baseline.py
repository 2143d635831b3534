"""The baseline of `--against REF` / `--against-dir DIR`: the workspace at a git ref, or another folder.

Which one is decided by how the value is written, never by what happens to
exist on disk (the work tree is the pull request's: a PR that adds a folder
`origin/main/` must not become the baseline of `--against origin/main`):

* `--against-dir DIR`, or `--against` with a value written as a path (`./dir`,
  `../dir`, `dir/`, `~/dir`, an absolute path, `.`), is a folder;
* any other `--against` value is a git ref. When a folder of that name exists
  too, the ref still wins and the ambiguity is reported through `warn`.

A git ref is read with `git archive` (never touching the work tree or the index):
the tracked `decisions/` and schema/example folders of the root at that ref are
extracted into a temporary folder, loaded, and the folder is removed (a
`Workspace` keeps everything it needs in memory). Every git invocation puts
`--end-of-options` before the ref (every argument after it is a ref or a path,
never an option, so no `--` follows it), a ref starting with `-` is refused, and
the archived names are literal pathspecs. A member the tar data filter refuses
(a link pointing outside the root, an absolute path, a device) or the file
system cannot hold is skipped and reported through `warn` by name, never by
what it points at.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

from .errors import UsageError
from .loader import load_workspace
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


def _git(root: Path, *args: str, literal: bool = False) -> bytes:
    """Run git in `root`; `literal`: pathspecs are names (no globbing, no `:(magic)`)."""
    opts = ["--literal-pathspecs"] if literal else []
    try:
        done = subprocess.run(["git", *opts, "-C", str(root), *args], capture_output=True, check=False, timeout=120)
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run git: {exc}") from exc
    if done.returncode != 0:
        raise UsageError(f"git {args[0]} failed: {done.stderr.decode(errors='replace').strip() or done.returncode}")
    return done.stdout


def tracked_dirs(root: Path) -> list[str]:
    """decisions/ plus the top folder of every schema/example pattern of the root's configuration."""
    from .loader.decisions import FileReader, read_config

    config = read_config(FileReader(root))
    patterns = config.schema_globs + config.shared_globs + config.example_patterns
    tops = {p.split("/", 1)[0] for p in patterns if p and not p.startswith(("*", "{"))}
    return sorted(tops | {"decisions"})


def check_ref(ref: str) -> None:
    """Refuse what cannot be a git ref before git sees it (an option, an empty or oversized value)."""
    if not ref:
        raise UsageError("--against needs a git ref (or --against-dir DIR for a folder)")
    if ref.startswith("-"):
        raise UsageError(f"{shown(ref)} is not a git ref: refs cannot start with '-'")
    if len(ref) > MAX_REF_CHARS or "\0" in ref:
        raise UsageError(f"{shown(ref)} is not a git ref (write ./DIR or use --against-dir DIR for a folder)")


def _errors(*names: str) -> tuple[type[Exception], ...]:
    """tarfile's filter errors by name (absent before Python 3.11.4)."""
    return tuple(getattr(tarfile, n) for n in names if hasattr(tarfile, n))


def _skip_reason(exc: Exception) -> str:
    """Why a member was skipped, naming no link target."""
    if isinstance(exc, _errors("LinkOutsideDestinationError", "AbsoluteLinkError")):
        return "a link pointing outside the root"
    if isinstance(exc, _errors("OutsideDestinationError", "AbsolutePathError")):
        return "a path outside the root"
    if isinstance(exc, _errors("SpecialFileError")):
        return "not a regular file, folder or link"
    if isinstance(exc, OSError):
        return f"cannot be written here ({exc.strerror or exc})"
    return type(exc).__name__


class _Skip(Exception):
    pass


def _fallback_filter(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo:
    """Python < 3.11.4 has no data filter: keep plain files and folders with a relative, contained name."""
    name = member.name
    if not (member.isfile() or member.isdir()) or name.startswith("/") or ".." in name.split("/"):
        raise _Skip("links are not extracted by this Python" if member.issym() or member.islnk()
                    else "not a plain file or folder, or a name outside the root")
    return member


def extract(data: bytes, dest: Path) -> list[tuple[str, str]]:
    """Extract a tar into `dest` under the data filter; refused or unwritable members are skipped.

    Returns (member name, reason) for every skipped member."""
    skipped: list[tuple[str, str]] = []
    data_filter = getattr(tarfile, "data_filter", None)

    def keep(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        try:
            return data_filter(member, path) if data_filter else _fallback_filter(member, path)
        except _Skip as exc:
            skipped.append((member.name, str(exc)))
        except Exception as exc:  # tarfile.FilterError and anything the filter may raise
            skipped.append((member.name, _skip_reason(exc)))
        return None

    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar:
            kept = keep(member, str(dest))
            if kept is None:
                continue
            try:
                if data_filter:  # members are filtered above, by `keep`
                    tar.extract(kept, dest, filter="fully_trusted")
                else:
                    tar.extract(kept, dest)
            except (OSError, tarfile.TarError) as exc:
                skipped.append((member.name, _skip_reason(exc)))
    return skipped


def materialise(root: Path, ref: str, dest: Path, warn: Warn | None = None) -> Path:
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
    listed = _git(top, "ls-tree", "--name-only", "-z", "--end-of-options", commit, *wanted)
    paths = [p for p in listed.decode(errors="surrogateescape").split("\0") if p]
    if paths:
        data = _git(top, "archive", "--format=tar", "--end-of-options", commit, *paths, literal=True)
        for name, why in extract(data, dest):
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
