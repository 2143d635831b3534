"""The wire contract: the proto3 messages of the mapped schemas, numbered through the field-number lock.

`plan_of(ws)` (one per snapshot) maps every schema of the mapped families
(`wire.families`, default: the `new` and `extend` ones whose wire mapping is not
"none") to a message, and every object, string enum and union those schemas reach
to a message, an enum or a oneof. A subschema is one type wherever it is
referenced (keyed by its location, so a `$ref` graph is walked once per node and a
cycle is a recursive message); a type is nested in the message of the nearest
enclosing object that is itself a message, else it is a top-level type of the
file of its schema (one `.proto` per schema file, in the package's folder).

Numbers come from the lock (`decisions/wire_lock.yaml`): a field keeps its number
while its name exists, a new one gets the next number never used in its message,
a removed one is retired (reserved, number and name never reused). Enum values
likewise (0 is always `<ENUM>_UNSPECIFIED`). Nothing here writes: `workbench
export` writes what `analysis.protofile` renders from the plan and the plan's
lock (`store.wire_lock`); the check compares them with what is committed.

`model` holds the plan's records and names, `shapes` pass 1 (what the schemas
say, by location), `numbering` passes 2 and 3 (names and numbers through the lock).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ...model import Family, SchemaDoc, Workspace, is_generated
from ...schema.uri import pointer_str
from ..refs import RefIndex
from .model import (
    DEFAULT_OMITTED,
    EMPTY,
    ENUM_NAME,
    INT64,
    INT64_STRING,
    LIST,
    LOCK_PATH,
    ONEOF_SHAPE,
    STRUCT,
    TIMESTAMP,
    VALUE,
    Enum,
    EnumValue,
    Field,
    Message,
    ProtoFile,
    Skipped,
    WirePlan,
    pascal,
    singular,
    snake,
    upper_snake,
)
from .numbering import Plan
from .shapes import Walk, integer_type, location, split_location, types_of

__all__ = [
    "DEFAULT_OMITTED", "EMPTY", "ENUM_NAME", "INT64", "INT64_STRING", "LIST", "LOCK_PATH", "ONEOF_SHAPE", "STRUCT",
    "TIMESTAMP", "VALUE", "Enum", "EnumValue", "Field", "Message", "ProtoFile", "Skipped", "WirePlan", "build",
    "declared", "hand_declared", "integer_type", "location_fields", "mapped_families",
    "mapped_schemas", "pascal", "plan_of", "singular", "snake", "types_of", "upper_snake",
]


# ---------------------------------------------------------------- mapped schemas

def mapped_families(ws: Workspace) -> list[Family]:
    """`wire.families`, else every `new`/`extend` family whose wire mapping is not "none: ..."."""
    chosen = ws.config.wire.families
    if chosen is not None:
        return [f for f in (ws.family(i) for i in chosen) if f is not None]
    return [f for f in ws.families if f.decision in ("new", "extend")
            and not (f.wire_mapping or "").strip().lower().startswith("none")]


def mapped_schemas(ws: Workspace) -> list[SchemaDoc]:
    return [s for f in mapped_families(ws) for p in f.schemas if (s := ws.schema(p)) is not None]


# comments, string literals, braces and the declarations that name a type or the package
_TOKENS = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|[{}]"
                     r"|\b(message|enum|service|package)\s+([A-Za-z_][\w.]*)", re.S)


def declared(text: str) -> tuple[str, list[str]]:
    """(package, top-level message/enum/service names) a `.proto` text declares (comments and strings skipped)."""
    package, names, depth = "", [], 0
    for m in _TOKENS.finditer(text):
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif m.group(1) == "package" and depth == 0:
            package = m.group(2)
        elif m.group(1) and depth == 0:
            names.append(m.group(2))
    return package, names


def hand_declared(ws: Workspace, package: str) -> dict[str, str]:
    """Full name -> hand-written file (root-relative) of every top-level type a hand-written `.proto` of the
    proto folder declares."""
    out: dict[str, str] = {}
    for f in ws.protos:
        if f.text is None or is_generated(f.text):
            continue
        pkg, names = declared(f.text)
        for n in names:
            out.setdefault(f"{pkg}.{n}" if pkg else n, f.path)
    return out


def plan_of(ws: Workspace) -> WirePlan:
    """The wire plan of a snapshot's mapped schemas (memoised on it); `package` "" when `wire.package` is not set
    (the handoff still shows the mapping, nothing is generated)."""
    found: WirePlan | None = ws.__dict__.get("_wire_plan")
    if found is None:
        found = build(ws, mapped_schemas(ws))
        object.__setattr__(ws, "_wire_plan", found)
    return found


def build(ws: Workspace, schemas: Iterable[SchemaDoc], roots: Iterable[tuple[str, str]] = ()) -> WirePlan:
    """The wire plan of `schemas` (each mapped to a message) and of the objects at `roots` (schema, pointer)."""
    refs = RefIndex.of(ws)
    package = ws.config.wire.package or ""
    walk = Walk(ws, refs, ws.config.wire.string_enums)
    found: list[tuple[str, dict[str, Any], str]] = []
    skipped: list[Skipped] = []
    for schema in schemas:
        base, node, loc, _ = walk.follow(refs.base_of(schema), schema.body, schema.uri + "#")
        if not isinstance(node, dict) or "object" not in types_of(node) or not walk.props_of(node):
            skipped.append(Skipped(schema.path, "its root is not an object with properties: no message"))
        elif loc != schema.uri + "#":
            where = split_location(loc)
            skipped.append(Skipped(schema.path, f"its root is a `$ref` to {where[0].removeprefix('file:///')}#"
                                   f"{pointer_str(where[1])}: mapped there"))
        else:
            found.append((base, node, loc))
    for path, pointer in roots:
        doc = f"file:///{path}"
        target = refs.resolve(doc, "#" + pointer)
        if target.status == "ok" and isinstance(target.contents, dict) and walk.props_of(target.contents):
            found.append((target.base, target.contents, location(doc, split_location("#" + pointer)[1])))
    walk.run(found)
    plan = Plan(ws, walk, package, ws.decisions.wire_lock, hand_declared(ws, package)).build()
    plan.skipped = skipped
    return plan


def location_fields(ws: Workspace, schema: str, pointer: str) -> list[Field] | None:
    """The fields of the object at `schema#pointer` as the wire plan maps them (None: not an object with
    properties)."""
    for plan in (plan_of(ws), None):
        if plan is None:
            plan = build(ws, (), [(schema, pointer)])
        found = next((m for m in plan.messages.values() if m.schema == schema and m.pointer == pointer), None)
        if found is not None:
            return list(found.fields)
    return None
