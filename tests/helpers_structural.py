"""Fixture helpers for the structural rule tests (overlap, duplication, drift, compatibility)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench.engine import CheckResult
from workbench.loader import load_workspace
from workbench.pipeline import check

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ULID = "[0-9a-hjkmnp-tv-z]{26}"


def ident(prefix: str) -> dict:
    return {"type": "string", "description": f"{prefix} identifier.", "pattern": f"^{prefix}_{ULID}$"}


IDS = {
    "$schema": DIALECT,
    "title": "shared identifiers",
    "$defs": {name: ident(prefix) for name, prefix in (
        ("run_id", "run"), ("task_id", "task"), ("event_id", "evt"), ("correlation_id", "corr"),
        ("tenant_id", "ten"), ("user_id", "usr"),
    )} | {"timestamp": {"type": "string", "format": "date-time"}},
}


def ref(name: str) -> dict:
    """A `$ref` into the shared identifier library (from a schema in ssot/schemas/)."""
    return {"$ref": f"common/ids.schema.json#/$defs/{name}"}


def obj(props: dict[str, Any], required: Iterable[str] = (), closed: bool = True, **extra) -> dict:
    out: dict[str, Any] = {"type": "object", "properties": props, "required": list(required)}
    if closed:
        out["additionalProperties"] = False
    return out | extra


def schema(props: dict[str, Any], required: Iterable[str] = (), closed: bool = True, **extra) -> dict:
    return {"$schema": DIALECT} | obj(props, required, closed, **extra)


def family(fid: str, schemas: Iterable[str], decision: str = "reuse", tier: str = "stable/v1",
           intent: str = "status", rationale: str = "Existing contract.", **extra) -> dict:
    out = {
        "family": fid, "title": fid.replace("_", " ").title(), "intent_class": intent,
        "schemas": [f"ssot/schemas/{s}.schema.json" for s in schemas], "owner": "team",
        "stability_tier": tier, "decision": decision, "rationale": rationale,
        "wire_mapping": "none", "version_policy": "additive only", "downstream_consumers": ["#58"],
    }
    return out | extra


def write(root: Path, rel: str, data: Any) -> Path:
    """Write JSON (YAML files are written as JSON, which YAML 1.2 reads)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def make_ws(root: Path, schemas: dict[str, dict], families: Iterable[dict] = (), shared: dict[str, dict] | None = None,
            identifiers: list[dict] | None = None) -> Path:
    """A workspace under `root`: ssot/schemas/NAME.schema.json, common/ libraries, decisions/."""
    for name, body in (shared if shared is not None else {"ids": IDS}).items():
        write(root, f"ssot/schemas/common/{name}.schema.json", body)
    for name, body in schemas.items():
        write(root, f"ssot/schemas/{name}.schema.json", body)
    (root / "decisions" / "families").mkdir(parents=True, exist_ok=True)
    for fam in families:
        write(root, f"decisions/families/{fam['family']}.yaml", fam)
    if identifiers is not None:
        write(root, "decisions/identifiers.yaml", {"identifiers": identifiers})
    return root


def run(root: Path, *select: str, against: Path | None = None) -> CheckResult:
    """Load `root` and check it with the selected rules (against a baseline folder when given)."""
    ws = load_workspace(root)
    baseline = load_workspace(against) if against is not None else None
    return check(ws, select, (), baseline, str(against or ""))


def hits(result: CheckResult, rule: str | None = None, severity: str | None = None) -> list:
    return [f for f in result.findings
            if (rule is None or f.rule == rule) and (severity is None or f.severity == severity)]


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first occurrence of `needle` in a file."""
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if needle in text)
