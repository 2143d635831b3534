"""The baseline of `--against REF|DIR`: another folder, or the workspace at a git ref.

A git ref is read with `git archive` (never touching the work tree or the index):
the tracked `decisions/` and schema/example folders of the root at that ref are
extracted into a temporary folder, loaded, and the folder is removed (a
`Workspace` keeps everything it needs in memory).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

from .errors import UsageError
from .loader import load_workspace
from .model import Workspace


def _git(root: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
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


def materialise(root: Path, ref: str, dest: Path) -> Path:
    """Extract the workspace folders of `root` at git `ref` into `dest`; returns the root inside it."""
    try:
        top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    except Exception as exc:
        raise UsageError(f"{ref!r} is not a directory and {root} is not inside a git repository") from exc
    try:
        commit = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except Exception as exc:
        raise UsageError(f"{ref!r} is neither a directory nor a git ref known in {top}") from exc
    prefix = root.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    wanted = [prefix + d for d in tracked_dirs(root)]
    paths = [p for p in _git(top, "ls-tree", "--name-only", commit, "--", *wanted).decode().splitlines() if p]
    if paths:
        data = _git(top, "archive", "--format=tar", commit, "--", *paths)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python >= 3.11.4
            tar.extractall(dest, **safe)
    return dest / prefix


def load_baseline(root: str | Path, ref: str) -> Workspace:
    """A folder loads as it is; anything else is a git ref of the repository holding `root`."""
    folder = Path(ref).expanduser()
    if folder.is_dir():
        return load_workspace(folder)
    root = Path(root).resolve()
    with tempfile.TemporaryDirectory(prefix="workbench-baseline-") as tmp:
        return load_workspace(materialise(root, ref, Path(tmp)))
