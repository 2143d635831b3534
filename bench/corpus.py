"""Real and adversarial schema workspaces (for `make bench` and tests/test_corpus.py).

- `real_corpus(root)`: the catalog schemas `check-jsonschema` vendors, the
  meta-schemas `jsonschema-specifications` ships and, when present, the SARIF
  2.1.0 schema from ../shared/schemas/, copied under `root/schemas/` (read from
  the installed packages; nothing is vendored here or fetched).
- `adversarial(root)`: generated schemas that once defeated the workbench: a DAG
  of 40 definitions each referring to 3 others (3^20 instance paths), a recursive
  tree, draft-04 `id` cross references, `$id`-addressed cross-schema refs, a
  draft-07 tuple schema; each with a valid example.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

SARIF = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
WORKSPACE_YAML = (
    "version: 1\n"
    "schemas:\n  globs: [\"schemas/**/*.json\"]\n  shared_globs: []\n"
    "examples:\n  patterns: [\"examples/{name}.json\"]\n"
)


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")


def real_sources() -> dict[str, Path]:
    """Workspace-relative path -> installed file, for every real schema available."""
    out: dict[str, Path] = {}
    try:
        import check_jsonschema

        vendor = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor"
        out.update({f"schemas/catalog/{p.name}": p for p in sorted(vendor.glob("*.json"))})
    except ImportError:
        pass
    try:
        import jsonschema_specifications

        metas = Path(jsonschema_specifications.__file__).parent / "schemas"
        for p in sorted(metas.rglob("*")):
            if p.is_file() and "draft3" not in p.parts:  # draft 3 is not a dialect the workbench reads
                rel = p.relative_to(metas).as_posix()
                out[f"schemas/meta/{rel if rel.endswith('.json') else rel + '.json'}"] = p
    except ImportError:
        pass
    if SARIF.is_file():
        out["schemas/sarif/sarif-schema-2.1.0.json"] = SARIF
    return out


def real_corpus(root: Path) -> int:
    """Copy the real schemas under `root`; returns how many."""
    sources = real_sources()
    for rel, src in sources.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, root / rel)
    _write(root / "decisions/workspace.yaml", WORKSPACE_YAML)
    return len(sources)


D04 = "http://json-schema.org/draft-04/schema#"
D07 = "http://json-schema.org/draft-07/schema#"
D2020 = "https://json-schema.org/draft/2020-12/schema"


def dag_schema(n: int = 40, fan: int = 3) -> tuple[dict, dict]:
    """n definitions, each an object whose `fan` properties refer to the next ones: fan^(n/fan) paths."""
    defs = {}
    for i in range(n):
        props = {"label": {"type": "string", "pattern": f"^d{i}-"}}
        for k in range(1, fan + 1):
            if i + k < n:
                props[f"via{k}"] = {"$ref": f"#/$defs/d{i + k}"}
        defs[f"d{i}"] = {"type": "object", "properties": props}
    return {"$schema": D2020, "title": "dag", "$ref": "#/$defs/d0", "$defs": defs}, {"label": "d0-x"}


def adversarial(root: Path) -> None:
    """Write the adversarial workspace under `root`."""
    s, e = root / "schemas", root / "examples"
    dag, dag_ex = dag_schema()
    _write(s / "dag.json", dag)
    _write(e / "dag.json", {"label": "d0-x", "via1": {"label": "d1-y", "via2": {"label": "d3-z"}}})
    _write(s / "tree.json", {
        "$schema": D2020, "title": "tree", "$ref": "#/$defs/node",
        "$defs": {"node": {"type": "object", "required": ["value"], "properties": {
            "value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}})
    _write(e / "tree.json", {"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]})
    # draft-04: `id` inside definitions, referred to by that id; a cross-file ref by absolute `id`
    _write(s / "d4-order.json", {
        "$schema": D04, "id": "http://example.com/d4/order.json", "type": "object",
        "properties": {"address": {"$ref": "address.json"}, "customer": {"$ref": "customer.json#/definitions/name"},
                       "note": {"$ref": "#note"}},
        "definitions": {"address": {"id": "address.json", "type": "object", "required": ["city"],
                                    "properties": {"city": {"type": "string"}}},
                        "note": {"id": "#note", "type": "string", "maxLength": 40}}})
    _write(s / "d4-customer.json", {
        "$schema": D04, "id": "http://example.com/d4/customer.json", "type": "object",
        "properties": {"name": {"$ref": "#/definitions/name"}},
        "definitions": {"name": {"type": "string", "minLength": 1}}})
    _write(e / "d4-order.json", {"address": {"city": "Oslo"}, "customer": "Ada", "note": "fragile"})
    _write(e / "d4-customer.json", {"name": "Ada"})
    # 2020-12: schemas that refer to each other by `$id` URL (absolute and relative), anchors, nested $id
    _write(s / "ids/shipment.json", {
        "$schema": D2020, "$id": "https://example.com/schemas/shipment", "type": "object",
        "required": ["parcel", "sender"],
        "properties": {"parcel": {"$ref": "parcel#/$defs/parcel"},
                       "sender": {"$ref": "https://example.com/schemas/party"},
                       "mode": {"$ref": "#mode"}, "stamp": {"$ref": "stamp"},
                       "meta": {"$ref": "http://json-schema.org/draft-07/schema#"}},
        "$defs": {"mode": {"$anchor": "mode", "enum": ["air", "sea"]},
                  "stamp": {"$id": "stamp", "type": "string", "contentMediaType": "application/json",
                            "contentEncoding": "base64"}}})
    _write(s / "ids/parcel.json", {
        "$schema": D2020, "$id": "https://example.com/schemas/parcel",
        "$defs": {"parcel": {"type": "object", "properties": {"weight": {"type": "number", "minimum": 0}}}}})
    _write(s / "ids/party.json", {
        "$schema": D2020, "$id": "https://example.com/schemas/party", "type": "object",
        "properties": {"name": {"type": "string"}}, "required": ["name"]})
    _write(e / "shipment.json", {"parcel": {"weight": 2.5}, "sender": {"name": "Ada"}, "mode": "air",
                                 "stamp": "not base64 and not json: an annotation only", "meta": {}})
    _write(e / "party.json", {"name": "Bob"})
    # draft-07: tuple `items`, `additionalItems`, `dependencies`
    _write(s / "d7-tuple.json", {
        "$schema": D07, "type": "object",
        "properties": {"point": {"type": "array", "items": [{"type": "number"}, {"type": "number"}],
                                 "additionalItems": False},
                       "card": {"type": "string"}, "billing": {"type": "string"}},
        "dependencies": {"card": ["billing"], "billing": {"properties": {"card": {"minLength": 4}}}}})
    _write(e / "d7-tuple.json", {"point": [1, 2], "card": "4242", "billing": "x"})
    _write(root / "decisions/workspace.yaml", WORKSPACE_YAML)
