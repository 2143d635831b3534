"""Workspaces for the structural rule tests (overlap, duplication, drift, compatibility): a shared
identifier library and a workspace of schemas and families (the building blocks: helpers_ws)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from helpers_ws import DIALECT, write

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


def make_ws(root: Path, schemas: dict[str, dict], families: Iterable[dict] = (), shared: dict[str, dict] | None = None,
            identifiers: list[dict] | None = None) -> Path:
    """A workspace under `root`: ssot/schemas/NAME.schema.json, common/ libraries, decisions/."""
    files = {f"ssot/schemas/common/{name}.schema.json": body
             for name, body in (shared if shared is not None else {"ids": IDS}).items()}
    files |= {f"ssot/schemas/{name}.schema.json": body for name, body in schemas.items()}
    files |= {f"decisions/families/{fam['family']}.yaml": fam for fam in families}
    if identifiers is not None:
        files["decisions/identifiers.yaml"] = {"identifiers": identifiers}
    (root / "decisions" / "families").mkdir(parents=True, exist_ok=True)
    return write(root, files)
