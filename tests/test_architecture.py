"""Layering rules from DESIGN.md, checked on the source with `ast`.

1. Only `workbench/tui/` imports Textual.
2. Only `workbench/store/` writes files (plus `workbench/init.py`, which only
   creates new decisions files); `workbench export` writes through the store's writer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"
TUI = "workbench/tui/"
# modules allowed to write files, and why
WRITERS = {
    "workbench/store/": "the one safe writer (atomic, round-trip, conflict check); export writes through it",
    "workbench/init.py": "creates new decisions files only (exclusive create)",
}
WRITE_ATTRS = {"write_text", "write_bytes"}
WRITE_FUNCS = {
    ("os", "replace"), ("os", "rename"), ("os", "renames"), ("os", "open"), ("os", "write"),
    ("shutil", "move"), ("shutil", "copy"), ("shutil", "copy2"), ("shutil", "copyfile"), ("shutil", "copytree"),
    ("tempfile", "mkstemp"), ("tempfile", "NamedTemporaryFile"),
}


def modules() -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
    assert len(out) > 10, "package not found"
    return out


def textual_imports(tree: ast.Module) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        if any(n == "textual" or n.startswith("textual.") for n in names):
            lines.append(node.lineno)
    return lines


def _mode(call: ast.Call, position: int) -> str | None:
    node = call.args[position] if len(call.args) > position else None
    for kw in call.keywords:
        if kw.arg == "mode":
            node = kw.value
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def write_calls(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, what) for each call that writes a file."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            mode = _mode(node, 1)
            if mode and set(mode) & set("wax+"):
                out.append((node.lineno, f"open(..., {mode!r})"))
        elif isinstance(func, ast.Attribute):
            if func.attr in WRITE_ATTRS:
                out.append((node.lineno, f".{func.attr}()"))
            elif func.attr == "open":  # Path.open(mode)
                mode = _mode(node, 0)
                if mode and set(mode) & set("wax+"):
                    out.append((node.lineno, f".open({mode!r})"))
            elif isinstance(func.value, ast.Name) and (func.value.id, func.attr) in WRITE_FUNCS:
                out.append((node.lineno, f"{func.value.id}.{func.attr}()"))
    return out


def test_only_the_tui_imports_textual():
    offenders = [f"{rel}:{line}" for rel, tree in modules() if not rel.startswith(TUI) for line in textual_imports(tree)]
    assert offenders == [], "domain code must not import textual: " + ", ".join(offenders)


def test_only_allowed_modules_write_files():
    offenders = [
        f"{rel}:{line} {what}"
        for rel, tree in modules()
        if not any(rel == w or (w.endswith("/") and rel.startswith(w)) for w in WRITERS)
        for line, what in write_calls(tree)
    ]
    assert offenders == [], "writes to decisions/ go through workbench/store/: " + ", ".join(offenders)


@pytest.mark.parametrize("source, expected", [
    ("import textual", True),
    ("from textual.app import App", True),
    ("import textual.widgets as w", True),
    ("from . import textual_helpers", False),
    ("import textwrap", False),
])
def test_textual_detector(source, expected):
    assert bool(textual_imports(ast.parse(source))) is expected


@pytest.mark.parametrize("source, expected", [
    ("open(p, 'w')", True),
    ("open(p, mode='a')", True),
    ("open(p)", False),
    ("open(p, 'rb')", False),
    ("path.write_text('x')", True),
    ("path.open('x', encoding='utf-8')", True),
    ("path.open()", False),
    ("os.replace(a, b)", True),
    ("shutil.move(a, b)", True),
    ("'a-b'.replace('-', '_')", False),
])
def test_write_detector(source, expected):
    assert bool(write_calls(ast.parse(source))) is expected
