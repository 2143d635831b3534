"""Tiny workspaces for the governance, checklist, provenance and invocation rule tests.

Decisions files are written one key per line (values in JSON flow style, which is
valid YAML), so a key's line is its position in the dict plus one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers_ws import DIALECT, family, run, schema

QUEUE = "ssot/schemas/work.queue.schema.json"
REQUEST = "ssot/schemas/skill.request.schema.json"
OBJ = {"$schema": DIALECT, "type": "object"}
# what a governed family record says besides the builder's defaults (every governance rule quiet on it)
GOVERNED = {"owner": "team-a", "rationale": "reused as is", "wire_mapping": "proto: x.v1.X",
            "downstream_consumers": None}


def yaml_doc(data: dict) -> str:
    """One `key: value` line per key, values in JSON flow style."""
    return "".join(f"{k}: {json.dumps(v)}\n" for k, v in data.items())


def yaml_list(key: str, items: list[dict]) -> str:
    """`key:` then one flow mapping per line: item i is on line i + 2."""
    return f"{key}:\n" + "".join(f"  - {json.dumps(i)}\n" for i in items)


def family_yaml(fid: str, schemas: list[str], **fields: Any) -> str:
    """A complete `reuse` family record (`helpers_ws.family` with GOVERNED), one key per line;
    `fields` override or (with None) remove keys."""
    return yaml_doc(family(fid, schemas, **GOVERNED | fields))


def findings_of(root: Path, rule_id: str) -> list:
    """Findings of one rule on the workspace at `root`."""
    return list(run(root, rule_id).findings)


def base_files() -> dict[str, Any]:
    """A small fully governed workspace on which every governance rule is quiet."""
    return {
        "decisions/workspace.yaml": "version: 1\n",
        "ssot/schemas/work.queue.schema.json": schema({"x": "string"}, closed=False),
        "ssot/schemas/skill.request.schema.json": schema({"y": "integer"}, closed=False),
        "ssot/schemas/common/ids.schema.json": OBJ | {"$defs": {"id": {"type": "string"}}},
        "decisions/families/alpha.yaml": family_yaml("alpha", [QUEUE]),
        "decisions/families/beta.yaml": family_yaml(
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
