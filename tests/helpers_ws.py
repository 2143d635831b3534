"""Tiny workspaces for tests: one helper per concept (a schema, a family record, writing files,
running the check, the line of a text), shared by every test module that builds one."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench.engine import CheckResult
from workbench.loader import load_workspace
from workbench.pipeline import check

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def obj(props: dict[str, Any], required: Iterable[str] = (), closed: bool = True, **extra) -> dict:
    """An object subschema; a property given as a string is that type (`{"x": "string"}`)."""
    out: dict[str, Any] = {"type": "object",
                           "properties": {k: {"type": v} if isinstance(v, str) else v for k, v in props.items()},
                           "required": list(required)}
    if closed:
        out["additionalProperties"] = False
    return out | extra


def schema(props: dict[str, Any], required: Iterable[str] = (), closed: bool = True, **extra) -> dict:
    """A draft 2020-12 object schema (see `obj`)."""
    return {"$schema": DIALECT} | obj(props, required, closed, **extra)


def family(fid: str, schemas: Iterable[str], decision: str = "reuse", tier: str = "stable/v1",
           intent: str = "status", rationale: str = "Existing contract.", **fields: Any) -> dict:
    """A complete family record; a schema without a folder is `ssot/schemas/NAME.schema.json`;
    `fields` override record keys (None removes one)."""
    out = {
        "family": fid, "title": fid.replace("_", " ").title(), "intent_class": intent,
        "schemas": [s if "/" in s else f"ssot/schemas/{s}.schema.json" for s in schemas], "owner": "team",
        "stability_tier": tier, "decision": decision, "rationale": rationale,
        "wire_mapping": "none", "version_policy": "additive only", "downstream_consumers": ["#58"],
    } | fields
    return {k: v for k, v in out.items() if v is not None}


def write(root: Path, files: dict[str, Any]) -> Path:
    """Write `files` under `root` (bytes as is, str as UTF-8 text, anything else as indented JSON,
    which YAML 1.2 reads, one key per line) and return `root`."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    return root


def run(root: Path, *select: str, against: Path | None = None) -> CheckResult:
    """Load `root` and check it with the selected rules (against a baseline folder when given)."""
    baseline = load_workspace(against) if against is not None else None
    return check(load_workspace(root), select, (), baseline, str(against or ""))


def hits(result: CheckResult, rule: str | None = None, severity: str | None = None) -> list:
    """The findings of a result, of one rule and/or severity."""
    return [f for f in result.findings
            if (rule is None or f.rule == rule) and (severity is None or f.severity == severity)]


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first occurrence of `needle` in a file."""
    return next(i for i, text in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in text)
