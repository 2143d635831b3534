"""Tiny workspaces for the governance, checklist, provenance and invocation rule tests.

Decisions files are written one key per line (values in JSON flow style, which is
valid YAML), so a key's line is its position in the dict plus one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workbench.loader import load_workspace
from workbench.pipeline import check

QUEUE = "ssot/schemas/work.queue.schema.json"
REQUEST = "ssot/schemas/skill.request.schema.json"
OBJ = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}


def schema(**props: Any) -> dict:
    """An object schema with the given properties (`x="string"` -> {"type": "string"})."""
    return OBJ | {"properties": {k: ({"type": v} if isinstance(v, str) else v) for k, v in props.items()}}


def yaml_doc(data: dict) -> str:
    """One `key: value` line per key, values in JSON flow style."""
    return "".join(f"{k}: {json.dumps(v)}\n" for k, v in data.items())


def yaml_list(key: str, items: list[dict]) -> str:
    """`key:` then one flow mapping per line: item i is on line i + 2."""
    return f"{key}:\n" + "".join(f"  - {json.dumps(i)}\n" for i in items)


def family(fid: str, schemas: list[str], **fields: Any) -> str:
    """A complete `reuse` family record; `fields` override or (with None) remove keys."""
    data = {
        "family": fid, "title": fid.title(), "intent_class": "status", "schemas": schemas,
        "owner": "team-a", "stability_tier": "stable/v1", "decision": "reuse",
        "rationale": "reused as is", "wire_mapping": "proto: x.v1.X", "version_policy": "additive only",
    } | fields
    return yaml_doc({k: v for k, v in data.items() if v is not None})


def write(root: Path, files: dict[str, Any]) -> Path:
    """Write `files` (str as text, bytes as bytes, anything else as JSON) under `root`."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2), "utf-8")
    return root


def line_of(root: Path, rel: str, key: str) -> int:
    """The line where top-level `key:` is written in a decisions file (1-based)."""
    lines = (root / rel).read_text("utf-8").splitlines()
    return next(i for i, text in enumerate(lines, 1) if text.startswith(f"{key}:"))


def run(root: Path, rule_id: str) -> list:
    """Findings of one rule on the workspace at `root`."""
    return list(check(load_workspace(root), select=[rule_id]).findings)


def base_files() -> dict[str, Any]:
    """A small fully governed workspace on which every governance rule is quiet."""
    return {
        "decisions/workspace.yaml": "version: 1\n",
        "ssot/schemas/work.queue.schema.json": schema(x="string"),
        "ssot/schemas/skill.request.schema.json": schema(y="integer"),
        "ssot/schemas/common/ids.schema.json": OBJ | {"$defs": {"id": {"type": "string"}}},
        "decisions/families/alpha.yaml": family("alpha", [QUEUE]),
        "decisions/families/beta.yaml": family(
            "beta", [REQUEST], decision="new", stability_tier="experimental",
            rationale="work.queue carries scheduling state, so it cannot be reused for requests",
            alternatives_considered=["alpha"], downstream_consumers=["#58"]),
        "decisions/deltas/beta_envelope.yaml": yaml_doc({
            "delta": "beta_envelope", "family": "beta", "kind": "new", "authority_owner": "team-a",
            "compatibility_rule": "additive only", "upstream_candidates": ["alpha"],
            "downstream_consumers": ["#58"], "status": "frozen"}),
        "decisions/work_packages.yaml": yaml_list("packages", [
            {"id": "D1", "title": "one", "depends_on": [], "enables": ["D2"]},
            {"id": "D2", "title": "two", "depends_on": ["D1"], "enables": ["#58"]},
        ]) + yaml_list("handoff", [{"issue": "#58", "consumes": ["D2"]}]),
        "decisions/gates.yaml": yaml_list("gates", [{"id": "governance", "enforced_by": ["G001", "G002"]}]),
    }
