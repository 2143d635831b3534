"""A schema's fields as rows (path, type, required, constraints, description) for presenters.

Flattens `properties` (with `allOf` parts, array items and `oneOf`/`anyOf`
variants) after resolving each `$ref` with `RefIndex.deref`, never over the
network. `workbench.analysis.fields` extracts what overlap/drift compare (a
file's own leaves, signatures without descriptions); the detail view wants every
field a document carries, including those reached through `$ref` into shared
libraries, with its description and constraints, so it walks the schema here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..model import SchemaDoc, Workspace

CONSTRAINT_KEYS = (
    "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties",
    "maxProperties", "const", "enum", "default",
)
MAX_ROWS = 400
MAX_DEPTH = 10


@dataclass(frozen=True)
class FieldRow:
    path: str
    type: str
    required: bool
    constraints: str
    description: str


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _constraints(node: dict[str, Any]) -> str:
    parts = []
    for key in CONSTRAINT_KEYS:
        if key not in node:
            continue
        value = node[key]
        if key == "enum" and isinstance(value, list):
            parts.append("enum: " + _short(" | ".join(_short(v, 30) for v in value)))
        else:
            parts.append(f"{key}={_short(value)}")
    if node.get("additionalProperties") is False:
        parts.append("closed")
    return ", ".join(parts)


def _type(node: Any, ref: str | None, items: Any = None) -> str:
    if not isinstance(node, dict):
        return "any" if node is True else "never" if node is False else "?"
    t = node.get("type")
    if isinstance(t, list):
        text = "|".join(map(str, t))
    elif isinstance(t, str):
        text = t
    elif "const" in node:
        text = "const"
    elif "enum" in node:
        text = "enum"
    elif "properties" in node:
        text = "object"
    elif "items" in node:
        text = "array"
    else:
        for key in ("oneOf", "anyOf", "allOf"):
            if isinstance(node.get(key), list):
                text = key
                break
        else:
            text = "$ref?" if "$ref" in node else "any"
    if text == "array" and isinstance(node.get("items"), dict):
        inner = items if isinstance(items, dict) else node["items"]
        it = inner.get("type") if isinstance(inner.get("type"), str) else ("object" if "properties" in inner else None)
        if it:
            text = f"array<{it}>"
    if ref:
        text += f" ({ref.rsplit('/', 1)[-1]})"
    return text


def _flatten(ws: Workspace, schema: SchemaDoc) -> list[FieldRow]:
    from .refs import RefIndex

    refs = RefIndex.of(ws)
    rows: list[FieldRow] = []

    def merged(base: str, node: Any, depth: int) -> tuple[str, Any, dict[str, tuple[str, Any]], set[str]]:
        """The node after $ref, with properties/required gathered from allOf parts."""
        base, node = refs.deref(base, node)
        props: dict[str, tuple[str, Any]] = {}
        required: set[str] = set()
        if not isinstance(node, dict):
            return base, node, props, required
        for name, sub in (node.get("properties") or {}).items() if isinstance(node.get("properties"), dict) else ():
            props.setdefault(name, (base, sub))
        if isinstance(node.get("required"), list):
            required |= {r for r in node["required"] if isinstance(r, str)}
        if depth < MAX_DEPTH:
            for part in node.get("allOf") or () if isinstance(node.get("allOf"), list) else ():
                _, _, p2, r2 = merged(base, part, depth + 1)
                for name, value in p2.items():
                    props.setdefault(name, value)
                required |= r2
        return base, node, props, required

    def walk(base: str, node: Any, prefix: str, depth: int, trail: frozenset[tuple[str, int]]) -> None:
        if depth > MAX_DEPTH or len(rows) >= MAX_ROWS:
            return
        base, node, props, required = merged(base, node, depth)
        key = (base, id(node))
        if key in trail:
            return
        trail = trail | {key}
        if isinstance(node, dict) and isinstance(node.get("items"), (dict, bool)) and not props:
            walk(base, node["items"], f"{prefix}[]", depth + 1, trail)
            return
        for name, (pbase, sub) in props.items():
            if len(rows) >= MAX_ROWS:
                return
            ref = sub.get("$ref") if isinstance(sub, dict) and isinstance(sub.get("$ref"), str) else None
            sbase, target = refs.deref(pbase, sub)
            shown = target if isinstance(target, dict) else sub
            desc = ""
            for candidate in (sub, target):
                if isinstance(candidate, dict) and isinstance(candidate.get("description"), str):
                    desc = candidate["description"]
                    break
            path = f"{prefix}.{name}" if prefix else name
            has_items = isinstance(shown, dict) and isinstance(shown.get("items"), dict)
            items = refs.deref(sbase, shown["items"])[1] if has_items else None
            rows.append(FieldRow(path, _type(shown, ref, items), name in required,
                                 _constraints(shown) if isinstance(shown, dict) else "", " ".join(desc.split())))
            if isinstance(target, dict):
                walk(sbase, target, path, depth + 1, trail)
        for key_word in ("oneOf", "anyOf"):
            parts = node.get(key_word) if isinstance(node, dict) else None
            if isinstance(parts, list):
                for part in parts:
                    walk(base, part, prefix, depth + 1, trail)

    walk(refs.base_of(schema), schema.body, "", 0, frozenset())
    seen: set[str] = set()
    out = []
    for row in rows:  # oneOf variants can repeat a path: keep the first
        if row.path not in seen:
            seen.add(row.path)
            out.append(row)
    return out


def schema_fields(ws: Workspace, schema: SchemaDoc) -> list[FieldRow]:
    """Rows for `schema`; never raises (an odd schema shows fewer rows)."""
    try:
        return _flatten(ws, schema)
    except RecursionError:
        return []
    except Exception:  # a malformed schema is reported by the rules, not here
        return []
