"""Pass 1 of the wire plan: what the schemas say, each subschema once by its location.

From each root object, every object with properties becomes a message, every
string enum an enum, every union (`oneOf`/`anyOf`) a oneof (a message of its own
inside an array or a map), each keyed by its location (file URI + JSON pointer,
after following `$ref`s), so a `$ref` graph is walked once per node and a cycle is
a recursive message. Names are only wished for here (`TypeSpec.hint`); numbering
and naming are pass 2 (`numbering`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...jsontext import Tokens
from ...model import Workspace
from ...schema.nodes import json_type
from ...schema.uri import pointer_str
from ..refs import RefIndex, absolute
from .model import EMPTY, INT64, LIST, MAX_NESTING, MAX_TYPES, STRUCT, TIMESTAMP, VALUE, pascal, singular, snake


@dataclass(frozen=True)
class Shape:
    """How one subschema maps: a scalar/WKT (`base`), or a named type at a location (`kind`, `loc`)."""

    base: str = ""
    kind: str = ""  # message | enum | union
    loc: str = ""
    repeated: bool = False
    map: bool = False
    json_type: str = ""
    nullable: bool = False


@dataclass
class Prop:
    key: str
    shape: Shape
    required: bool
    defined_by: str
    description: str


@dataclass
class Variant:
    name: str  # member name wanted (snake)
    shape: Shape
    loc: str


@dataclass
class TypeSpec:
    kind: str  # message | enum | union
    loc: str
    doc: str  # root-relative schema path
    pointer: Tokens
    hint: str  # PascalCase name wanted
    description: str = ""
    props: list[Prop] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)  # enum
    variants: list[Variant] = field(default_factory=list)  # union
    boxed: bool = False  # a union that is a message of its own (in an array or a map)


def types_of(node: dict[str, Any]) -> list[str]:
    """The JSON types a subschema admits (from `type`, else from `enum`/`const` values, else `object` when it
    has properties)."""
    t = node.get("type")
    types = [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)] if isinstance(t, list) else []
    if not types and isinstance(node.get("enum"), list) and node["enum"]:
        types = sorted({json_type(v) for v in node["enum"]})
    if not types and "const" in node:
        types = [json_type(node["const"])]
    if not types and isinstance(node.get("properties"), dict):
        types = ["object"]
    return types


def _text(node: dict[str, Any], key: str) -> str:
    value = node.get(key)
    return value if isinstance(value, str) else ""


def _bound(node: dict[str, Any], low: bool) -> float | None:
    """The inclusive lower (upper) bound of an integer subschema, in every draft's spelling."""
    plain, excl = ("minimum", "exclusiveMinimum") if low else ("maximum", "exclusiveMaximum")
    found: list[float] = []
    if isinstance(node.get(plain), (int, float)) and not isinstance(node.get(plain), bool):
        value = float(node[plain])
        found.append(value + (1 if low else -1) if node.get(excl) is True else value)  # draft-04
    if isinstance(node.get(excl), (int, float)) and not isinstance(node.get(excl), bool):
        found.append(float(node[excl]) + (1 if low else -1))
    values = [v for v in (node.get("enum") or ([node["const"]] if "const" in node else []))
              if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if values:
        found.append(min(values) if low else max(values))
    if not found:
        return None
    return max(found) if low else min(found)


def integer_type(node: dict[str, Any]) -> str:
    """uint32 / int32 when the schema's bounds fit, else int64 (written as a JSON string by ProtoJSON)."""
    lo, hi = _bound(node, True), _bound(node, False)
    if lo is not None and hi is not None:
        if lo >= 0 and hi <= 2**32 - 1:
            return "uint32"
        if lo >= -(2**31) and hi <= 2**31 - 1:
            return "int32"
    return INT64


def location(doc_uri: str, ptr: Tokens) -> str:
    return f"{doc_uri}#{pointer_str(ptr)}"


def split_location(loc: str) -> tuple[str, Tokens]:
    doc, _, frag = loc.partition("#")
    if not frag.startswith("/"):
        return doc, ((frag,) if frag else ())
    return doc, tuple(t.replace("~1", "/").replace("~0", "~") for t in frag[1:].split("/"))


def _hint(ptr: Tokens, schema_name: str) -> str:
    """The name a location goes by: its `$defs` key or property name (array items singular), else its schema's."""
    for i in range(len(ptr) - 1, -1, -1):
        tok = str(ptr[i])
        prev = str(ptr[i - 1]) if i else ""
        if prev in ("$defs", "definitions", "properties") and i:
            return pascal(tok)
        if tok == "items" and i >= 2 and ptr[i - 2] == "properties":
            return pascal(singular(str(ptr[i - 1])))
        if tok in ("additionalProperties",) and i >= 2 and ptr[i - 2] == "properties":
            return pascal(str(ptr[i - 1])) + "Value"
    return pascal(schema_name)


class Walk:
    """Pass 1: every type the mapped schemas reach, by location, with its properties' shapes."""

    def __init__(self, ws: Workspace, refs: RefIndex, string_enums: Iterable[str]):
        self.ws, self.refs = ws, refs
        self.string_enums = {absolute("file:///", s) for s in string_enums}
        self.types: dict[str, TypeSpec] = {}
        self.todo: list[tuple[TypeSpec, str, dict[str, Any]]] = []  # messages whose properties are still to map
        self.roots: list[str] = []  # the locations mapped as messages of their own (a schema root or a pointer)

    def follow(self, base: str, node: Any, loc: str) -> tuple[str, Any, str, list[str]]:
        """Follow a `$ref` chain: (base, node, location, every location passed)."""
        chain = [loc]
        for _ in range(32):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                break
            target = self.refs.resolve(base, node["$ref"])
            if target.status != "ok":
                break
            base, node = target.base, target.contents
            doc, _, frag = target.uri.partition("#")
            loc = f"{target.doc or doc}#{frag}"
            chain.append(loc)
        return base, node, loc, chain

    def register(self, kind: str, loc: str, base: str, node: dict[str, Any], hint: str) -> TypeSpec:
        """The type at `loc` (created on first reach): named after its location (`$defs` key, property,
        schema), an inline union variant after the variant (`hint`)."""
        found = self.types.get(loc)
        if found is not None:
            return found
        doc, ptr = split_location(loc)
        path = doc.removeprefix("file:///")
        schema = self.ws.schema(path)
        inline_variant = len(ptr) >= 2 and ptr[-2] in ("anyOf", "oneOf")
        name = hint if inline_variant else _hint(ptr, schema.name if schema else path.rsplit("/", 1)[-1].split(".")[0])
        t = TypeSpec(kind, loc, path, ptr, name, _text(node, "description"))
        self.types[loc] = t
        if kind == "message":
            self.todo.append((t, base, node))
        elif kind == "enum":
            t.values = list(node.get("enum") or [])
        return t

    def run(self, roots: list[tuple[str, dict[str, Any], str]]) -> None:
        """Map every root object (base, node, location) and everything it reaches."""
        self.roots = [loc for _, _, loc in roots]
        for base, node, loc in roots:
            self.register("message", loc, base, node, "")
        while self.todo:
            t, base, node = self.todo.pop(0)
            t.props = self.props(base, node, t.loc)

    def props(self, base: str, node: dict[str, Any], loc: str) -> list[Prop]:
        """The properties of an object (those of its `allOf` branches merged, first definition wins)."""
        out: dict[str, Prop] = {}
        required: set[str] = set()
        stack = [(base, node, loc)]
        seen: set[str] = set()
        while stack:
            b, n, at = stack.pop(0)
            b, n, at, _ = self.follow(b, n, at)
            if not isinstance(n, dict) or at in seen:
                continue
            seen.add(at)
            required |= {r for r in n.get("required") or () if isinstance(r, str)}
            doc, ptr = split_location(at)
            props = n.get("properties")
            for key, sub in (props.items() if isinstance(props, dict) else ()):
                if key not in out and isinstance(sub, (dict, bool)):
                    sub_loc = location(doc, ptr + ("properties", key))
                    out[key] = Prop(key, self.shape(self.refs.enter(b, sub), sub, sub_loc, pascal(key)), False,
                                     self.defined_by(b, sub), _text(sub, "description") if isinstance(sub, dict)
                                     else "")
            branches = n.get("allOf")
            for i, sub in enumerate(branches if isinstance(branches, list) else ()):
                if isinstance(sub, dict):
                    stack.append((self.refs.enter(b, sub), sub, location(doc, ptr + ("allOf", i))))
        for key, p in out.items():
            p.required = key in required
        return list(out.values())

    def defined_by(self, base: str, node: Any) -> str:
        """The `$ref` target a field is defined by (directly, or for its items or map values), else "inline"."""
        if not isinstance(node, dict):
            return "inline"
        if isinstance(node.get("$ref"), str):
            return _target(base, node["$ref"])
        for key, label in (("items", "items"), ("additionalProperties", "values")):
            sub = node.get(key)
            if isinstance(sub, dict) and isinstance(sub.get("$ref"), str):
                return f"{label}: {_target(base, sub['$ref'])}"
        return "inline"

    def shape(self, base: str, node: Any, loc: str, hint: str, depth: int = 0) -> Shape:
        """How the subschema `node` (at `loc`) maps."""
        base, node, loc, chain = self.follow(base, node, loc)
        if not isinstance(node, dict) or depth > MAX_NESTING or len(self.types) >= MAX_TYPES:
            return Shape(VALUE, json_type="any")
        keyword = "oneOf" if isinstance(node.get("oneOf"), list) else "anyOf"
        variants = node.get(keyword)
        all_types = types_of(node)
        types = [t for t in all_types if t != "null"]
        nullable = "null" in all_types
        suffix = " (nullable)" if nullable else ""
        has_props = bool(self.props_of(node))
        if isinstance(variants, list) and variants and not has_props and set(types) <= {"object"}:
            return self.union(base, node, loc, keyword, variants, hint, depth)
        if len(types) != 1:
            return Shape(VALUE, json_type=("|".join(types) or "any") + suffix, nullable=nullable)
        kind = types[0]
        if kind == "string" and isinstance(node.get("enum"), list):
            values = ", ".join(str(v) for v in node["enum"])
            if any(c in self.string_enums for c in chain):
                return Shape("string", json_type=f"string enum: {values}{suffix}", nullable=nullable)
            self.register("enum", loc, base, node, hint)
            return Shape(kind="enum", loc=loc, json_type=f"string enum: {values}{suffix}", nullable=nullable)
        if kind == "string":
            fmt = node.get("format") if isinstance(node.get("format"), str) else None
            proto = TIMESTAMP if fmt == "date-time" else "bytes" if node.get("contentEncoding") == "base64" \
                else "string"
            return Shape(proto, json_type="string" + (f" ({fmt})" if fmt else "") + suffix, nullable=nullable)
        if kind == "integer":
            return Shape(integer_type(node), json_type="integer" + suffix, nullable=nullable)
        if kind in ("number", "boolean"):
            return Shape("double" if kind == "number" else "bool", json_type=kind + suffix, nullable=nullable)
        if kind == "array":
            return self.array(base, node, loc, hint, suffix, nullable, depth)
        if kind == "object":
            return self.object(base, node, loc, hint, suffix, nullable, depth, has_props)
        return Shape(VALUE, json_type=kind + suffix, nullable=nullable)

    def props_of(self, node: dict[str, Any]) -> bool:
        props = node.get("properties")
        if isinstance(props, dict) and props:
            return True
        return any(isinstance(b, dict) and (isinstance(b.get("properties"), dict) or "$ref" in b)
                   for b in node.get("allOf") or () if isinstance(node.get("allOf"), list)) and \
            "object" in types_of(node)

    def array(self, base: str, node: dict[str, Any], loc: str, hint: str, suffix: str, nullable: bool,
              depth: int) -> Shape:
        items = node.get("items")
        if not isinstance(items, dict):
            return Shape(VALUE, repeated=True, json_type="array" + suffix, nullable=nullable)
        doc, ptr = split_location(loc)
        inner = self.shape(self.refs.enter(base, items), items, location(doc, ptr + ("items",)), pascal(singular(hint)),
                           depth + 1)
        if inner.repeated or inner.map:
            inner = Shape(LIST, json_type=inner.json_type)
        inner = self.boxed(inner)
        return Shape(inner.base, inner.kind, inner.loc, True, False, f"array of {inner.json_type}{suffix}", nullable)

    def object(self, base: str, node: dict[str, Any], loc: str, hint: str, suffix: str, nullable: bool,
               depth: int, has_props: bool) -> Shape:
        if has_props:
            self.register("message", loc, base, node, hint)
            return Shape(kind="message", loc=loc, json_type="object" + suffix, nullable=nullable)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            doc, ptr = split_location(loc)
            inner = self.shape(self.refs.enter(base, extra), extra, location(doc, ptr + ("additionalProperties",)),
                               hint + "Value", depth + 1)
            if inner.repeated or inner.map:
                inner = Shape(VALUE, json_type=inner.json_type)
            inner = self.boxed(inner)
            return Shape(inner.base, inner.kind, inner.loc, False, True, f"object of {inner.json_type}{suffix}",
                         nullable)
        if extra is False or node.get("maxProperties") == 0:
            return Shape(EMPTY, json_type="object (empty)" + suffix, nullable=nullable)
        return Shape(STRUCT, json_type="object (free-form)" + suffix, nullable=nullable)

    def boxed(self, inner: Shape) -> Shape:
        """A union in an array or a map becomes a message of its own holding the oneof."""
        if inner.kind == "union":
            self.types[inner.loc].boxed = True
            return Shape(kind="message", loc=inner.loc, json_type=inner.json_type)
        return inner

    def union(self, base: str, node: dict[str, Any], loc: str, keyword: str, variants: list[Any], hint: str,
              depth: int) -> Shape:
        known = self.types.get(loc)
        if known is not None:
            return Shape(kind="union", loc=loc, json_type=known.description)
        doc, ptr = split_location(loc)
        members: list[Variant] = []
        labels: list[str] = []
        for i, variant in enumerate(variants):
            if not isinstance(variant, dict):
                continue
            vloc = location(doc, ptr + (keyword, i))
            vbase, target, tloc, _ = self.follow(self.refs.enter(base, variant), variant, vloc)
            if isinstance(target, dict) and types_of(target) == ["null"]:
                continue  # null: the member is absent
            name = _variant_name(variant, target, tloc)
            shape = self.shape(self.refs.enter(base, variant), variant, vloc, pascal(name or hint), depth + 1)
            if shape.repeated:
                shape = Shape(LIST, json_type=shape.json_type)
            elif shape.map:
                shape = Shape(STRUCT, json_type=shape.json_type)
            members.append(Variant(snake(name or _type_word(shape)), shape, tloc))
            labels.append(name or _type_word(shape))
        if len(members) == 1:
            return members[0].shape
        t = self.register("union", loc, base, node, hint)
        t.variants = members
        t.description = f"{keyword}: {', '.join(labels)}"  # a union's json_type (it has no field description)
        return Shape(kind="union", loc=loc, json_type=t.description)


def _variant_name(variant: dict[str, Any], target: Any, tloc: str) -> str:
    """A union member's name: the variant's title, its target's, its `$defs` key, a `const` it carries, else ""
    (never a file name)."""
    for node in (variant, target):
        if isinstance(node, dict) and _text(node, "title"):
            return _text(node, "title")
    _, ptr = split_location(tloc)
    if len(ptr) >= 2 and ptr[-2] in ("$defs", "definitions"):
        return str(ptr[-1])
    if isinstance(target, dict):
        for sub in (target.get("properties") or {}).values():
            if isinstance(sub, dict) and isinstance(sub.get("const"), str) and sub["const"]:
                return str(sub["const"])
    return ""


def _type_word(shape: Shape) -> str:
    """A member name from its type: `empty`, `struct`, `string`, `message`."""
    return (shape.base.rsplit(".", 1)[-1] or shape.kind or "value").lower()


def _target(base: str, ref: str) -> str:
    try:
        return absolute(base, ref).removeprefix("file:///")
    except ValueError:
        return ref
