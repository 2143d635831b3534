"""Derived mappings no one writes by hand: identifier uses and JSON Schema -> proto3 types.

Both walk the workspace schemas and resolve `$ref`s through `RefIndex`, so they
always describe the schemas as they are, never as someone remembered them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag

from ..analysis.refs import RefIndex
from ..analysis.refs import absolute as refs_absolute
from ..jsontext import Tokens
from ..model import Provenance, SchemaDoc, Workspace
from ..schema.dialect import reading_of
from ..schema.nodes import json_type, walk
from ..schema.uri import pointer_str

MAX_DEPTH = 8  # nested messages followed below one field
PROTO_SCALARS = {"integer": "int64", "number": "double", "boolean": "bool", "null": "google.protobuf.NullValue"}
PROTO_FORMATS = {"date-time": "google.protobuf.Timestamp", "duration": "google.protobuf.Duration", "byte": "bytes"}


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
    """One field of a schema with its JSON Schema type and the proto3 type it maps to."""

    schema: str
    field: str  # instance path: `a.b`, `items[].c`, `map{}.d`, `payload(log_line).e`
    json_type: str
    proto: str
    required: bool
    defined_by: str  # root-relative `$ref` target (of the field, its items or its values), or "inline"


Child = tuple[str, str, dict[str, Any]]  # a nested object of a field: (path suffix, base uri, object schema)


@dataclass(frozen=True)
class _Shape:
    json_type: str
    proto: str
    children: tuple[Child, ...] = ()


# ---------------------------------------------------------------- helpers

def pascal(name: str) -> str:
    """`component_ref` / `event.envelope` -> `ComponentRef` / `EventEnvelope`."""
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^0-9A-Za-z]+", name) if p) or "Value"


def singular(name: str) -> str:
    """`skills` -> `skill`, `capabilities` -> `capability` (names array item messages)."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def _ref_name(ref: str) -> str:
    """The name a `$ref` target goes by: its last pointer segment or its file's schema name."""
    doc, frag = urldefrag(ref)
    if frag.strip("/"):
        return frag.rstrip("/").rsplit("/", 1)[-1]
    return doc.rsplit("/", 1)[-1].removesuffix(".json").removesuffix(".schema")


def _types(node: dict[str, Any]) -> list[str]:
    """The JSON types a subschema admits (from `type`, else from `enum`/`const` values)."""
    t = node.get("type")
    types = [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)] if isinstance(t, list) else []
    if not types and isinstance(node.get("enum"), list):
        types = sorted({json_type(v) for v in node["enum"]})
    if not types and "const" in node:
        types = [json_type(node["const"])]
    return types


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
    parts = ["|".join(_types(node)) or "any type"]
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

def representation(refs: RefIndex, schemas: list[SchemaDoc]) -> list[FieldMapping]:
    """Every field of `schemas` (nested messages included) with its proto3 type."""
    roots = {id(s.body) for s in refs.ws.contract_schemas}
    rows: list[FieldMapping] = []
    for schema in schemas:
        base, root = refs.deref(refs.base_of(schema), schema.body)
        if isinstance(root, dict):
            _fields(refs, roots, schema.path, base, root, "", (id(root),), rows)
    return rows


def _fields(refs: RefIndex, roots: set[int], schema: str, base: str, node: dict[str, Any], prefix: str,
            stack: tuple[int, ...], rows: list[FieldMapping]) -> None:
    """Append a row per property of the object `node`, then recurse into nested objects."""
    required = set(r for r in node.get("required") or [] if isinstance(r, str))
    props = node.get("properties")
    for name, prop in (props.items() if isinstance(props, dict) else ()):
        if not isinstance(prop, dict):
            continue
        pbase, target = refs.deref(base, prop)
        shape = _shape(refs, pbase, target if isinstance(target, dict) else {}, _name(prop, name))
        rows.append(FieldMapping(schema, prefix + name, shape.json_type, shape.proto, name in required,
                                 _defined_by(base, prop)))
        for suffix, cbase, child in shape.children:
            if id(child) in roots or id(child) in stack or len(stack) > MAX_DEPTH:
                continue  # another contract's root is mapped on its own; cycles stop
            _fields(refs, roots, schema, cbase, child, prefix + name + suffix + ".", stack + (id(child),), rows)


def _name(node: dict[str, Any], field: str) -> str:
    """Message/enum name of a field: its `$ref` target's name, else the field name."""
    ref = node.get("$ref")
    return pascal(_ref_name(ref) or field) if isinstance(ref, str) else pascal(field)


def _defined_by(base: str, node: dict[str, Any]) -> str:
    """The `$ref` target a field is defined by (directly, or for its items or map values), else "inline"."""
    if isinstance(node.get("$ref"), str):
        return ref_target(base, node["$ref"])
    for key, label in (("items", "items"), ("additionalProperties", "values")):
        sub = node.get(key)
        if isinstance(sub, dict) and isinstance(sub.get("$ref"), str):
            return f"{label}: {ref_target(base, sub['$ref'])}"
    return "inline"


def _shape(refs: RefIndex, base: str, node: dict[str, Any], name: str, depth: int = 0) -> _Shape:
    """JSON type, proto3 type and nested objects of one resolved subschema."""
    if depth > MAX_DEPTH:  # arrays of arrays of ... (or a self-referencing array)
        return _Shape("nested too deep", "google.protobuf.Value")
    keyword = "oneOf" if "oneOf" in node else "anyOf"
    variants = node.get(keyword)
    types = [t for t in _types(node) if t != "null"]
    nullable = " (nullable)" if "null" in _types(node) else ""
    if isinstance(variants, list) and set(types) <= {"object"} and not node.get("properties"):
        return _union(refs, base, keyword, variants, name, depth)
    if len(types) != 1:
        return _Shape(("|".join(types) or "any") + nullable, "google.protobuf.Value")
    kind = types[0]
    if "enum" in node and kind == "string":
        values = ", ".join(str(v) for v in node["enum"])
        return _Shape(f"string enum: {values}{nullable}", f"enum {name}")
    if kind == "string":
        fmt = node.get("format") or ("byte" if node.get("contentEncoding") == "base64" else None)
        proto = PROTO_FORMATS.get(fmt, "string") if isinstance(fmt, str) else "string"  # an invalid format: V001
        return _Shape("string" + (f" ({fmt})" if fmt else "") + nullable, proto)
    if kind == "array":
        return _array(refs, base, node, name, nullable, depth)
    if kind == "object":
        return _object(refs, base, node, name, nullable, depth)
    return _Shape(kind + nullable, PROTO_SCALARS.get(kind, "google.protobuf.Value"))


def _array(refs: RefIndex, base: str, node: dict[str, Any], name: str, nullable: str, depth: int) -> _Shape:
    items = node.get("items")
    if not isinstance(items, dict):
        return _Shape("array" + nullable, "repeated google.protobuf.Value")
    ibase, item = refs.deref(base, items)
    item_name = _name(items, singular(name)) if "$ref" in items else singular(name)
    inner = _shape(refs, ibase, item if isinstance(item, dict) else {}, item_name, depth + 1)
    proto = inner.proto if not inner.proto.startswith(("repeated ", "map<")) else "google.protobuf.ListValue"
    children = tuple(("[]" + s, b, c) for s, b, c in inner.children)
    return _Shape(f"array of {inner.json_type}{nullable}", "repeated " + proto, children)


def _object(refs: RefIndex, base: str, node: dict[str, Any], name: str, nullable: str, depth: int) -> _Shape:
    extra = node.get("additionalProperties")
    if isinstance(node.get("properties"), dict) and node["properties"]:
        return _Shape("object" + nullable, f"message {name}", (("", base, node),))
    if isinstance(extra, dict):
        vbase, value = refs.deref(base, extra)
        inner = _shape(refs, vbase, value if isinstance(value, dict) else {}, _name(extra, name + "Value"), depth + 1)
        proto = inner.proto.removeprefix("message ").removeprefix("enum ")
        if proto.startswith(("repeated ", "map<")):
            proto = "google.protobuf.Value"
        children = tuple(("{}" + s, b, c) for s, b, c in inner.children)
        return _Shape(f"object of {inner.json_type}{nullable}", f"map<string, {proto}>", children)
    if extra is False or node.get("maxProperties") == 0:
        return _Shape("object (empty)" + nullable, "google.protobuf.Empty")
    return _Shape("object (free-form)" + nullable, "google.protobuf.Struct")


def _union(refs: RefIndex, base: str, keyword: str, variants: list[Any], name: str, depth: int) -> _Shape:
    labels: list[str] = []
    names: list[str] = []
    children: list[Child] = []
    for i, variant in enumerate(v for v in variants if isinstance(v, dict)):
        vbase, target = refs.deref(base, variant)
        label = _ref_name(variant["$ref"]) if isinstance(variant.get("$ref"), str) else f"variant{i + 1}"
        shape = _shape(refs, vbase, target if isinstance(target, dict) else {}, pascal(label), depth + 1)
        labels.append(label)
        names.append(shape.proto.removeprefix("message "))
        children.extend((f"({label})" + s, b, c) for s, b, c in shape.children)
    return _Shape(f"{keyword}: {', '.join(labels)}", f"oneof {name} {{{', '.join(names)}}}", tuple(children))


def provenance_fields(refs: RefIndex, provenance: Provenance) -> list[FieldMapping]:
    """Each frozen provenance field as the canonical record defines it ("not defined" when absent)."""
    base = absolute("file:///", provenance.canonical_record)
    record = refs.resolve(base, "#" + provenance.pointer)
    rbase, node = refs.deref(record.base, record.contents) if record.status == "ok" else (base, None)
    found = node.get("properties") if isinstance(node, dict) else None
    props: dict[str, Any] = found if isinstance(found, dict) else {}
    required = set(node.get("required") or []) if isinstance(node, dict) else set()
    out: list[FieldMapping] = []
    for name in provenance.fields:
        prop = props.get(name)
        if not isinstance(prop, dict):
            out.append(FieldMapping(provenance.canonical_record, name, "not defined", "", False, ""))
            continue
        pbase, target = refs.deref(rbase, prop)
        shape = _shape(refs, pbase, target if isinstance(target, dict) else {}, _name(prop, name))
        out.append(FieldMapping(provenance.canonical_record, name, shape.json_type, shape.proto,
                                name in required, _defined_by(rbase, prop)))
    return out
