"""`workbench export`: the M1 Markdown documents, rendered from one snapshot and its check result.

`render_docs` is pure (the same snapshot and findings give the same bytes on any
machine) and never runs the check: the pipeline (`workbench.pipeline`) hands it
the result. `write_docs` writes what changed through the store's atomic writer.
Rule E001 compares the committed documents with `render_docs`, so export and
check can never disagree.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..engine import CheckResult
from ..errors import UsageError
from ..loader.files import Files
from ..model import Workspace
from ..policy import is_generated
from ..store.writer import atomic_write, clean_stale_temps, contained
from .docs import DOCS, HEADER, Inputs

__all__ = ["DOCS", "HEADER", "doc_paths", "out_dir", "render_docs", "write_docs"]


def out_dir(ws: Workspace) -> Path:
    """The configured export folder (`export.out` in decisions/workspace.yaml), inside the root."""
    return ws.root / ws.config.export_out


def doc_paths(ws: Workspace) -> dict[str, str]:
    """Document file name -> its root-relative path in the configured export folder."""
    folder = ws.config.export_out.rstrip("/")
    return {name: f"{folder}/{name}" for name in DOCS}


def render_docs(ws: Workspace, result: CheckResult) -> dict[str, str]:
    """Document file name -> Markdown text, in `DOCS` order; nothing is written."""
    inputs = Inputs(ws, result)
    return {name: render(inputs) for name, render in DOCS.items()}


def write_docs(ws: Workspace, docs: dict[str, str], out: Path | None = None,
               force: bool = False) -> tuple[list[tuple[str, str]], bool]:
    """Write `docs` to `out` (default: the configured folder, which must stay inside the root, links
    included; an explicit `out` is the caller's choice, relative to the current directory). Returns
    [(path, "written"|"unchanged")], paths root-relative when inside the root (else absolute), and whether
    anything written lies inside the root.

    A file at a target that `workbench export` did not write (no generated marker in its first
    line) is never replaced unless `force`: `UsageError`, and nothing is written."""
    # an explicit `out` is read against the current directory once (the CLI resolves `--out` so), never
    # against the folder it names: `Files(target)` takes relative paths as under its own root
    target = Path(os.path.abspath(out)) if out is not None else contained(ws.root, ws.config.export_out)
    files = Files(target if out is not None else ws.root, ws.config.max_file_bytes)
    if not force:
        foreign = [name for name in docs if _hand_written(files, target / name)]
        if foreign:
            raise UsageError(
                f"not replacing {_display(target / foreign[0], ws.root)}"
                + (f" and {len(foreign) - 1} more" if len(foreign) > 1 else "")
                + ": not written by `workbench export` (no generated marker); export elsewhere with "
                  "--out DIR (or `export.out` in decisions/workspace.yaml), or replace with --force")
    clean_stale_temps(target)  # what a killed export left, even when nothing is written now
    states = [(name, "written" if _write_if_changed(files, target / name, text) else "unchanged")
              for name, text in docs.items()]
    inside = _inside(target, ws.root)
    return [(_display(target / name, ws.root), state) for name, state in states], inside and any(
        state == "written" for _, state in states)


def _hand_written(files: Files, path: Path) -> bool:
    """A file is at `path` and its first line does not carry the generated marker."""
    try:
        head = files.read(contained(files.root, path))[:4096].decode("utf-8", errors="replace")
    except FileNotFoundError:
        return False
    except OSError:
        return False  # a FIFO or other special file is replaced without reading it
    return not is_generated(head)


def _write_if_changed(files: Files, path: Path, text: str) -> bool:
    """Atomically replace `path` with `text` (UTF-8, `\\n` endings) unless it already holds exactly that;
    a link is written through to its target inside `files.root`, never out of it."""
    data = text.encode("utf-8")
    real = contained(files.root, path)
    try:
        if files.read(real) == data:
            return False
    except OSError:
        pass
    atomic_write(real, data)
    return True


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _display(path: Path, root: Path) -> str:
    """Root-relative POSIX path when inside the root, else the path as given."""
    return path.resolve().relative_to(root.resolve()).as_posix() if _inside(path, root) else path.as_posix()
