"""Derived mappings no one writes by hand: identifier uses and JSON Schema -> proto3 fields.

Both walk the workspace schemas and resolve `$ref`s through `RefIndex`, so they
always describe the schemas as they are, never as someone remembered them; the
proto3 fields are the wire plan's (`analysis.wire`), the ones `workbench export`
generates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..analysis.refs import RefIndex
from ..analysis.refs import absolute as refs_absolute
from ..analysis.wire import DEFAULT_OMITTED, Field, WirePlan, location_fields, plan_of, types_of
from ..jsontext import Tokens
from ..model import Provenance, SchemaDoc, Workspace
from ..schema.dialect import reading_of
from ..schema.nodes import walk
from ..schema.uri import pointer_str


@dataclass(frozen=True)
class IdentifierUse:
    """One place a schema carries an identifier, and how it defines it there."""

    identifier: str
    schema: str
    pointer: str  # JSON pointer of the subschema inside the schema file
    defined_by: str  # "$ref <root-relative target>", or "inline: <type, pattern, ...>"
    canonical: bool  # resolves to the definition in identifiers.yaml


@dataclass(frozen=True)
class FieldMapping:
    """One field of a schema with its JSON Schema type and the proto3 field it maps to (`analysis.wire`)."""

    schema: str
    field: str  # instance path: `a.b`, `items[].c`, `map{}.d`, `payload(log_line).e`
    json_type: str
    proto: str  # the declaration without its number: `optional int64 sequence`, `oneof payload: LogLine log_line`
    number: int
    required: bool
    defined_by: str  # root-relative `$ref` target (of the field, its items or its values), or "inline"
    deltas: tuple[str, ...] = ()  # how its ProtoJSON can differ from the schema (int64_string, enum_name, ...)


# ---------------------------------------------------------------- helpers

def absolute(base: str, ref: str) -> str:
    """`ref` made absolute against `base` (left as written when it is malformed: V003 reports it)."""
    try:
        return refs_absolute(base, ref)
    except ValueError:
        return ref


def ref_target(base: str, ref: str) -> str:
    """A `$ref` as a root-relative target (`ssot/schemas/common/ids.schema.json#/$defs/run_id`)."""
    return absolute(base, ref).removeprefix("file:///")


def describe_inline(node: Any) -> str:
    """`string, pattern ^x$` -- how an inline subschema defines a value."""
    if not isinstance(node, dict):
        return "inline: (not a schema object)"
    parts = ["|".join(types_of(node)) or "any type"]
    for key in ("format", "pattern", "const"):
        if key in node:
            parts.append(f"{key} {node[key]}")
    if "enum" in node:
        parts.append("enum " + ", ".join(map(str, node["enum"])))
    return "inline: " + ", ".join(parts)


# ---------------------------------------------------------------- identifier mapping

def references_to(ws: Workspace, refs: RefIndex, target: str) -> list[tuple[SchemaDoc, Tokens, str]]:
    """Every `$ref` (schema, pointer, ref) whose chain reaches the absolute URI `target`."""
    return [(schema, r.ptr, r.ref) for schema in ws.schemas for r in refs.refs_of(schema)
            if r.ref == r.node.get("$ref") and target in _ref_chain(refs, r.base, r.ref)]


def identifier_uses(ws: Workspace, refs: RefIndex) -> list[IdentifierUse]:
    """Every place any schema carries an identifier of identifiers.yaml.

    A use is a `$ref` whose chain reaches the identifier's definition, or a
    property named like the identifier that does not (an inline or foreign
    definition: the drift the identifier conventions forbid).
    """
    out: list[IdentifierUse] = []
    reading = reading_of(ws.config)
    for ident in ws.decisions.identifiers:
        target = absolute("file:///", ident.definition)
        uses = {(s.path, ptr): IdentifierUse(ident.name, s.path, pointer_str(ptr), "$ref " + ref_target(s.uri, ref),
                                             True)
                for s, ptr, ref in references_to(ws, refs, target)}
        for schema in ws.schemas:
            for ptr, node, _ in walk(schema.body, reading):
                if ((schema.path, ptr) not in uses and _names(ptr, ident.name)
                        and schema.uri + "#" + pointer_str(ptr) != target):
                    ref = node.get("$ref")
                    how = "$ref " + ref_target(schema.uri, ref) if isinstance(ref, str) else describe_inline(node)
                    uses[(schema.path, ptr)] = IdentifierUse(ident.name, schema.path, pointer_str(ptr), how, False)
        out.extend(sorted(uses.values(), key=lambda u: (u.schema, u.pointer)))
    return out


def _names(ptr: Tokens, name: str) -> bool:
    """The subschema at `ptr` is a property called `name`."""
    return len(ptr) >= 2 and ptr[-2] == "properties" and ptr[-1] == name


def _ref_chain(refs: RefIndex, base: str, ref: str | None, limit: int = 16) -> list[str]:
    """The absolute URIs a `$ref` passes through until it reaches a non-`$ref` schema."""
    chain: list[str] = []
    while isinstance(ref, str) and len(chain) < limit:
        resolved = refs.resolve(base, ref)
        if resolved.status != "ok":
            break
        chain.append(resolved.uri)
        base = resolved.base
        contents = resolved.contents
        ref = contents.get("$ref") if isinstance(contents, dict) else None
    return chain


# ---------------------------------------------------------------- representation mapping

def _row(plan: WirePlan, schema: str, path: str, f: Field) -> FieldMapping:
    ftype = plan.short(f.type)
    if f.oneof is not None:
        proto = f"oneof {f.oneof}: {ftype} {f.name}"
    elif f.label == "map":
        proto = f"map<string, {ftype}> {f.name}"
    else:
        proto = f"{f.label + ' ' if f.label else ''}{ftype} {f.name}"
    deltas = tuple(d for d in f.deltas if d != DEFAULT_OMITTED or f.required)  # a left-out optional value is fine
    return FieldMapping(schema, path, f.json_type, proto, f.number, f.required, f.defined_by, deltas)


def representation(plan: WirePlan, schemas: list[SchemaDoc]) -> list[FieldMapping]:
    """Every field of `schemas` (nested messages included) as the wire plan maps it."""
    return [_row(plan, s.path, path, f) for s in schemas for path, _, f in plan.rows(s.path)]


def provenance_fields(ws: Workspace, provenance: Provenance) -> list[FieldMapping]:
    """Each frozen provenance field as the canonical record defines it ("not defined" when absent)."""
    plan = plan_of(ws)
    fields = {f.key: f for f in location_fields(ws, provenance.canonical_record, provenance.pointer) or ()}
    return [_row(plan, provenance.canonical_record, name, fields[name]) if name in fields else
            FieldMapping(provenance.canonical_record, name, "not defined", "", 0, False, "")
            for name in provenance.fields]
