"""invocation: the thin-client-only policy (`decisions/invocation.yaml`), checked with `ast`.

The loader reads the scanned files into the snapshot (`Workspace.clients`); they
are only parsed here, never imported or executed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..model import InvocationPolicy, TextFile, Workspace
from .registry import Hit, RuleContext, rule

DYNAMIC_IMPORTS = ("__import__", "importlib.import_module")


def _forbidden(name: str, entries: tuple[str, ...]) -> str | None:
    """The entry matching a dotted module name or one of its parents."""
    parts = name.split(".")
    lineage = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return next((e for e in entries if e in lineage), None)


def _bindings(tree: ast.AST) -> dict[str, str]:
    """Local name -> the dotted name it stands for, from every import in the file."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                names[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):  # relative: ".pkg.name", never a forbidden dotted name
            prefix = "." * node.level + (f"{node.module}." if node.module else "")
            for a in node.names:
                names[a.asname or a.name] = prefix + a.name
    return names


def _dotted(expr: ast.AST, names: dict[str, str]) -> str | None:
    """`sp.run` -> "subprocess.run" when `sp` is bound to subprocess; None for non-names."""
    attrs = []
    while isinstance(expr, ast.Attribute):
        attrs.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    return ".".join([names.get(expr.id, expr.id)] + attrs[::-1])


def _imported_modules(node: ast.AST, names: dict[str, str]) -> list[str]:
    """Modules an import statement (or `__import__("x")` / `importlib.import_module("x")`) loads."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    if (isinstance(node, ast.Call) and _dotted(node.func, names) in DYNAMIC_IMPORTS and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return [node.args[0].value]
    return []


def violations_in(tree: ast.AST, policy: InvocationPolicy) -> Iterator[tuple[int, str, str]]:
    """(line, message, forbidden entry) for each forbidden import or call in a parsed file."""
    names = _bindings(tree)
    for node in ast.walk(tree):
        if not isinstance(node, (ast.stmt, ast.expr)):  # imports and calls are statements and expressions
            continue
        matched: dict[str, str] = {}  # forbidden entry -> first module of the statement matching it
        for module in _imported_modules(node, names):
            entry = _forbidden(module, policy.forbidden_imports)
            if entry:
                matched.setdefault(entry, module)
        for entry, module in matched.items():
            yield node.lineno, f"forbidden import {module} (policy forbids {entry})", entry
        if isinstance(node, ast.Call) and (name := _dotted(node.func, names)) in policy.forbidden_calls:
            spelled = ast.unparse(node.func)
            alias = f" (as {spelled})" if spelled != name else ""
            yield node.lineno, f"forbidden call {name}{alias}", name


def _parse(client: TextFile) -> tuple[ast.AST | None, int | None, str]:
    """The file's syntax tree, or (None, line, why) when it cannot be scanned."""
    if client.text is None:
        return None, client.line, client.error
    try:
        return ast.parse(client.text, filename=client.path), None, ""
    except SyntaxError as exc:
        return None, exc.lineno, f"does not parse (SyntaxError line {exc.lineno}: {exc.msg}): not checked"
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, None, f"does not parse ({type(exc).__name__}): not checked"


def scan(ws: Workspace) -> Iterator[Hit]:
    """Every thin-client policy violation (and unscannable file) in the scanned files."""
    policy = ws.decisions.invocation
    if policy is None:
        return
    for client in ws.clients:  # a link out of the root, a FIFO: named, never read
        tree, line, why = _parse(client)
        if tree is None:
            yield Hit(f"{client.path} {why}", client.path, line, (client.path,))
            continue
        for line, message, entry in violations_in(tree, policy):
            yield Hit(f"{message}: only {', '.join(policy.approved) or 'approved transports'} may "
                      f"reach the runtime directly ({policy.path})", client.path, line, (client.path, entry))


@rule("I001", "thin-client-violation", "invocation", "error")
def thin_client_violation(ctx: RuleContext) -> Iterator[Hit]:
    """Client code matched by `scan` in `decisions/invocation.yaml` imports a forbidden
    module (or a submodule of it, e.g. `tools.orchestrator.x`) or calls a forbidden
    function (`subprocess.run`, also through `import subprocess as sp` or
    `from subprocess import run`), outside the `approved` transport files. Files are parsed with `ast`, never
    executed; a file that does not parse or is not UTF-8 is reported too, since it
    cannot be checked.

    Why it matters: clients must reach the runtime through the gateway only; a direct import or process call
    bypasses its contract, authorization and audit.

    How to fix: call the gateway through an approved transport file, or list a file that legitimately does it under
    `approved`.
    """
    yield from scan(ctx.ws)
