"""The invariants of DESIGN.md, checked on the source with `ast`.

1. Only `workbench/tui/` imports Textual.
2. Only `workbench/store/` writes files (and the modules in WRITERS, each with its reason);
   `workbench export` writes through the store's writer.
3. The import graph, lazy (function-level) imports included, has no cycle, and every import goes
   down import-linter's layer contract (pyproject.toml), which names every package, as DESIGN.md's
   layer block does. (`make lint` runs import-linter on the same contract.)
"""

from __future__ import annotations

import ast
import tomllib
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"
TUI = "workbench/tui/"
# modules allowed to write files, and why
WRITERS = {
    "workbench/store/": "the one safe writer (atomic, round-trip, conflict check); export writes through it",
    "workbench/init.py": "creates new decisions files only (exclusive create)",
    "workbench/baseline.py": "writes a baseline commit's files into its own temporary folder, never the workspace",
    "workbench/reference.py": "writes rule examples into its own temporary folder (docs go through the store)",
    "workbench/analysis/buf.py": "writes a snapshot's .proto files into buf's own temporary folder, not the workspace",
    "workbench/cache.py": "writes derived results into the user's cache directory; a folder inside the root is refused",
}
WRITE_ATTRS = {"write_text", "write_bytes"}
WRITE_FUNCS = {
    ("os", "replace"), ("os", "rename"), ("os", "renames"), ("os", "open"), ("os", "write"),
    ("shutil", "move"), ("shutil", "copy"), ("shutil", "copy2"), ("shutil", "copyfile"), ("shutil", "copytree"),
    ("tempfile", "mkstemp"), ("tempfile", "NamedTemporaryFile"),
}


@cache  # parsed once per test process: every test here reads the same trees
def modules() -> tuple[tuple[str, ast.Module], ...]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
    assert len(out) > 10, "package not found"
    return tuple(out)


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
    offenders = [f"{rel}:{line}" for rel, tree in modules() if not rel.startswith(TUI)
                 for line in textual_imports(tree)]
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


# ---------------------------------------------------------------- the import graph

def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes inside `if TYPE_CHECKING:` blocks (never executed)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def _module_name(rel: str) -> str:
    parts = rel.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """workbench module -> the workbench modules it imports when it runs (top-level and lazy imports)."""
    trees = {_module_name(rel): (rel, tree) for rel, tree in modules()}
    graph: dict[str, set[str]] = {}

    def known(name: str) -> str | None:
        while name and name not in trees:
            name = name.rpartition(".")[0]
        return name or None

    for mod, (rel, tree) in trees.items():
        skip = _type_checking_only(tree)
        package = mod if rel.endswith("__init__.py") else mod.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                source = ".".join(base + ([node.module] if node.module else []))
                subs = [f"{source}.{a.name}" for a in node.names if f"{source}.{a.name}" in trees]
                targets = subs if len(subs) == len(node.names) else [source, *subs]
            else:
                continue
            deps |= {t for name in targets if (t := known(name)) and t != mod and t.startswith("workbench")}
        graph[mod] = frozenset(deps)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.append(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_the_import_graph_has_no_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_lazy_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def contract_layers() -> list[list[str]]:
    """import-linter's layers (pyproject.toml), top first: each a list of independent sibling packages."""
    data = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text("utf-8"))
    contract = next(c for c in data["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]


def _top(mod: str) -> str:
    return ".".join(mod.split(".")[:2])


def test_the_layer_contract_names_every_package():
    packages = {_top(_module_name(rel)) for rel, _ in modules()} - {"workbench", "workbench.__main__"}
    assert sorted(packages) == sorted(p for layer in contract_layers() for p in layer)


def test_every_import_goes_down_the_layers():
    rank = {p: i for i, layer in enumerate(contract_layers()) for p in layer}
    offenders = sorted(f"{m} -> {d}" for m, deps in import_graph().items() for d in deps
                       if _top(m) in rank and _top(d) in rank and _top(m) != _top(d)
                       and rank[_top(d)] <= rank[_top(m)])
    assert offenders == []


def test_design_md_shows_the_layer_contract():
    text = (PACKAGE.parent / "DESIGN.md").read_text("utf-8")
    block = text.split("```layers\n", 1)[1].split("```", 1)[0]
    shown = [[f"workbench.{name.strip()}" for name in line.split("|")] for line in block.splitlines()]
    assert shown == contract_layers()


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    assert "workbench.tui.app" in graph["workbench.cli"]  # `cmd_tui` imports the app inside the function
    assert "workbench.tui.app" not in graph["workbench.tui.commands"]  # only under TYPE_CHECKING


def test_report_formats_are_discovered():
    from workbench.report import reporters

    found = reporters()
    modules = {p.stem for p in (PACKAGE / "report").glob("*.py")} - {"__init__", "sanitize", "diff"}
    assert list(found)[0] == "text" and set(found) == {"text", "json", "github", "sarif"}
    assert {r.render.__module__.rsplit(".", 1)[-1] for r in found.values()} == modules  # one module per format
