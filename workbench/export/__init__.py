"""`workbench export`: the M1 Markdown documents, rendered from one workspace snapshot.

`render_docs` is pure (the same snapshot gives the same bytes on any machine);
`export_docs` writes what changed through the store's atomic writer. Rule E001 compares the committed
documents with `render_docs`, so export and check can never disagree.
"""

from __future__ import annotations

from pathlib import Path

from ..engine import CheckResult
from ..model import Workspace
from ..loader.files import Files
from ..store.writer import atomic_write, contained
from .docs import DOCS, HEADER, Inputs

__all__ = ["DOCS", "HEADER", "export_docs", "out_dir", "render_docs"]

MAX_PASSES = 3  # the documents are evidence for the checklist: re-render until they stop changing


def out_dir(ws: Workspace) -> Path:
    """The configured export folder (`export.out` in decisions/workspace.yaml), inside the root."""
    return ws.root / ws.config.export_out


def render_docs(ws: Workspace, prior: CheckResult | None = None) -> dict[str, str]:
    """Document file name -> Markdown text, in `DOCS` order; nothing is written.

    `prior`: the findings of every non-export rule, when the caller has them already.
    """
    inputs = Inputs(ws, prior)
    return {name: render(inputs) for name, render in DOCS.items()}


def export_docs(ws: Workspace, out: Path | None = None) -> list[tuple[str, str]]:
    """Write the documents to `out` (default: `out_dir(ws)`); return [(path, "written"|"unchanged")].

    Paths are relative to the root when `out` is inside it. Written documents
    can change the workspace's own evidence (a checklist item may cite one), so
    when a pass writes into the root the workspace is reloaded and rendered
    again, until a pass writes nothing.
    """
    from ..loader import load_workspace

    # the configured folder comes from the repository: it must stay inside the root (links
    # included); an explicit `out` is the caller's choice, and the documents stay inside it
    target = Path(out) if out is not None else contained(ws.root, ws.config.export_out)
    files = Files(target if out is not None else ws.root, ws.config.max_file_bytes)
    states: dict[str, str] = {}
    for _ in range(MAX_PASSES):
        written = [name for name, text in render_docs(ws).items() if _write_if_changed(files, target / name, text)]
        for name in DOCS:
            states.setdefault(name, "unchanged")
        for name in written:
            states[name] = "written"
        if not written or not _inside(target, ws.root):
            break
        ws = load_workspace(ws.root)
    return [(_display(target / name, ws.root), states[name]) for name in DOCS]


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
