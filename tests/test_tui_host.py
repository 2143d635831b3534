"""The TUI's host protocol: screens and commands reach the app only through `tui.host.Host`, which
`WorkbenchApp` implements, and nothing in the TUI imports `app.py` (TYPE_CHECKING imports included)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from workbench.tui import host
from workbench.tui.app import WorkbenchApp

TUI = Path(host.__file__).parent


def test_the_app_implements_every_member_of_the_host_protocol():
    members = [name for name in host.Host.__annotations__] + [
        name for name, value in vars(host.Host).items() if inspect.isfunction(value)]
    assert {"snapshot", "reload", "against", "effective_key"} <= set(members)
    app = WorkbenchApp(root=Path("."))
    missing = [name for name in members if not hasattr(app, name)]
    assert missing == []
    for name, value in vars(host.Host).items():
        if inspect.isfunction(value):
            assert inspect.iscoroutinefunction(getattr(WorkbenchApp, name)) == inspect.iscoroutinefunction(value), name


def test_nothing_in_the_tui_imports_the_app_or_reaches_it_by_getattr():
    offenders = []
    for path in sorted(TUI.rglob("*.py")):
        if path.name in ("app.py", "__main__.py"):
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "app" and node.level:
                offenders.append(f"{path.name}:{node.lineno} imports app")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                    and node.args and ast.unparse(node.args[0]).endswith(".app"):
                offenders.append(f"{path.name}:{node.lineno} getattr on the app")
    assert offenders == []
