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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..jsontext import Tokens
from ..model import Family, LockedType, SchemaDoc, WireLock, Workspace
from ..policy import GENERATED_MARKER
from ..schema.nodes import json_type
from ..schema.uri import pointer_str
from .refs import RefIndex, absolute

WKT_FILES = {
    "google.protobuf.Timestamp": "google/protobuf/timestamp.proto",
    "google.protobuf.Struct": "google/protobuf/struct.proto",
    "google.protobuf.Value": "google/protobuf/struct.proto",
    "google.protobuf.ListValue": "google/protobuf/struct.proto",
    "google.protobuf.Empty": "google/protobuf/empty.proto",
}
STRUCT, VALUE, LIST, EMPTY, TIMESTAMP = ("google.protobuf.Struct", "google.protobuf.Value",
                                         "google.protobuf.ListValue", "google.protobuf.Empty",
                                         "google.protobuf.Timestamp")
SCALARS = ("string", "bytes", "bool", "double", "int32", "uint32", "int64")
INT64 = "int64"
MAX_NUMBER = 536_870_911
FIRST_RESERVED, LAST_RESERVED = 19_000, 19_999  # protobuf's own implementation range
MAX_NESTING = 8  # arrays of arrays (of ...) followed below one field
MAX_TYPES = 5_000  # messages, enums and unions one plan may hold; past it the rest is google.protobuf.Value
LOCK_PATH = "decisions/wire_lock.yaml"
# static representation deltas a field's mapping implies (checked against examples by W005)
INT64_STRING, ENUM_NAME, ONEOF_SHAPE, DEFAULT_OMITTED = "int64_string", "enum_name", "oneof_shape", "default_omitted"


# ---------------------------------------------------------------- names

def pascal(name: str) -> str:
    """`component_ref` / `event.envelope` -> `ComponentRef` / `EventEnvelope` (never empty, never a digit first)."""
    out = "".join(p[:1].upper() + p[1:] for p in re.split(r"[^0-9A-Za-z]+", name) if p) or "Value"
    return out if not out[0].isdigit() else "T" + out


def singular(name: str) -> str:
    """`skills` -> `skill`, `capabilities` -> `capability` (names array items)."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def words(name: str) -> list[str]:
    """The words of a name in any case: `maxTokens`, `max-tokens`, `HTTPServer2` -> max, tokens / http, server2."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [w.lower() for w in re.split(r"[^0-9A-Za-z]+", spaced) if w]


def snake(name: str) -> str:
    """A lower_snake_case proto name (`maxTokens` -> `max_tokens`; never empty, never a digit first)."""
    out = "_".join(words(name)) or "field"
    return out if not out[0].isdigit() else "f_" + out


def upper_snake(name: str) -> str:
    return snake(name).upper()


def _unique(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted_2`, `wanted_3`, ... (PascalCase names: `Wanted2`) when taken; recorded as taken."""
    name, n = wanted, 1
    while name in taken:
        n += 1
        name = f"{wanted}_{n}" if wanted[:1].islower() or wanted.isupper() else f"{wanted}{n}"
    taken.add(name)
    return name


# ---------------------------------------------------------------- the plan

@dataclass(frozen=True)
class Field:
    """One field of a message (a oneof member included)."""

    name: str  # proto name (lower_snake)
    json_name: str  # the JSON key (a oneof member: its own name)
    number: int
    type: str  # scalar, WKT or full message/enum name
    label: str = ""  # "" | optional | repeated | map (map<string, type>)
    oneof: str | None = None  # the oneof it belongs to
    path: str = ""  # instance path (`a.b`, `a[].b`, `a{}.b`, `a(x).b`) from the schema root message
    key: str = ""  # the JSON key it maps (a oneof member: the union's key)
    json_type: str = ""  # what the schema says ("string (date-time)", "array of object")
    required: bool = False
    defined_by: str = "inline"  # root-relative `$ref` target, or "inline"
    description: str = ""
    variant: str = ""  # a oneof member: the location of the variant it holds
    deltas: tuple[str, ...] = ()  # representation deltas its mapping implies

    @property
    def declaration(self) -> str:
        """`optional int64 sequence`, `repeated string tags`, `map<string, string> labels` (no number)."""
        if self.label == "map":
            return f"map<string, {self.type}> {self.name}"
        return f"{self.label + ' ' if self.label else ''}{self.type} {self.name}"


@dataclass(frozen=True)
class EnumValue:
    name: str  # FRAME_TYPE_EVENT
    number: int
    value: Any  # the JSON value it stands for (None for the zero value)


@dataclass(frozen=True)
class Message:
    name: str  # full name
    local: str
    parent: str | None  # full name of the enclosing message
    file: str  # relative to the proto folder
    schema: str
    pointer: str
    family: str | None
    fields: tuple[Field, ...]
    oneofs: tuple[str, ...] = ()
    retired: tuple[tuple[str, int], ...] = ()
    description: str = ""
    hand_written: bool = False  # declared in a hand-written file: compared, never generated


@dataclass(frozen=True)
class Enum:
    name: str
    local: str
    parent: str | None
    file: str
    schema: str
    pointer: str
    family: str | None
    values: tuple[EnumValue, ...]
    retired: tuple[tuple[str, int], ...] = ()
    description: str = ""
    hand_written: bool = False

    def constant(self, value: Any) -> str | None:
        """The enum constant a JSON value is written as."""
        return next((v.name for v in self.values if v.number and v.value == value and type(v.value) is type(value)),
                    None)


@dataclass(frozen=True)
class ProtoFile:
    path: str  # relative to the proto folder: dome/gateway/v1/stream_cursor.proto
    schema: str  # the schema file its types come from
    package: str
    imports: tuple[str, ...]
    messages: tuple[str, ...]  # full names of its top-level messages
    enums: tuple[str, ...]


@dataclass(frozen=True)
class Skipped:
    schema: str
    reason: str


@dataclass
class WirePlan:
    """Everything export writes for the wire contract, and what the gate compares."""

    package: str
    out: str  # the proto folder
    roots: dict[str, str]  # mapped schema path -> its message's full name
    messages: dict[str, Message]
    enums: dict[str, Enum]
    files: list[ProtoFile]
    lock: WireLock
    skipped: list[Skipped]
    hand: dict[str, str]  # full name -> the hand-written file (root-relative) declaring it

    @property
    def generated(self) -> list[ProtoFile]:
        return self.files

    def path(self, file: str) -> str:
        """Root-relative path of a file of the proto folder."""
        return f"{self.out.rstrip('/')}/{file}"

    def children(self, parent: str | None, file: str | None = None) -> tuple[list[Message], list[Enum]]:
        """The messages and enums directly inside `parent` (None: the top level of `file`), in name order."""
        ms = [m for m in self.messages.values() if m.parent == parent and (parent or m.file == file)]
        es = [e for e in self.enums.values() if e.parent == parent and (parent or e.file == file)]
        return sorted(ms, key=lambda m: m.name), sorted(es, key=lambda e: e.name)

    def rows(self, schema: str) -> Iterator[tuple[str, Message, Field]]:
        """(field path, message, field) of a mapped schema's message and of the messages under its fields, depth
        first (`a.b`, `a[].b`, `a{}.b`, `a(member).b`); other mapped schemas' messages are their own, a
        recursive message stops where it repeats."""
        root = self.roots.get(schema)
        if root is None:
            return
        others = set(self.roots.values()) - {root}
        stack: list[tuple[str, str, tuple[str, ...]]] = [(root, "", ())]
        while stack:
            name, prefix, above = stack.pop()
            msg = self.messages.get(name)
            if msg is None or name in above or len(above) > MAX_NESTING:
                continue
            inner: list[tuple[str, str, tuple[str, ...]]] = []
            for f in msg.fields:
                path = prefix + f.path
                yield path, msg, f
                if f.type in self.messages and f.type not in others:
                    mark = "[]" if f.label == "repeated" else "{}" if f.label == "map" else ""
                    inner.append((f.type, path + mark + ".", above + (name,)))
            stack.extend(reversed(inner))

    def short(self, name: str) -> str:
        """A type name without the package (`StreamCursor.LogLine`)."""
        prefix = self.package + "." if self.package else ""
        return name.removeprefix(prefix) if name in self.messages or name in self.enums else name


# ---------------------------------------------------------------- what the schemas say (pass 1)

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
class _Prop:
    key: str
    shape: Shape
    required: bool
    defined_by: str
    description: str


@dataclass
class _Variant:
    name: str  # member name wanted (snake)
    shape: Shape
    loc: str


@dataclass
class _Type:
    kind: str  # message | enum | union
    loc: str
    doc: str  # root-relative schema path
    pointer: Tokens
    hint: str  # PascalCase name wanted
    description: str = ""
    props: list[_Prop] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)  # enum
    variants: list[_Variant] = field(default_factory=list)  # union
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


def _loc(doc_uri: str, ptr: Tokens) -> str:
    return f"{doc_uri}#{pointer_str(ptr)}"


def _split(loc: str) -> tuple[str, Tokens]:
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


class _Walk:
    """Pass 1: every type the mapped schemas reach, by location, with its properties' shapes."""

    def __init__(self, ws: Workspace, refs: RefIndex, string_enums: Iterable[str]):
        self.ws, self.refs = ws, refs
        self.string_enums = {absolute("file:///", s) for s in string_enums}
        self.types: dict[str, _Type] = {}
        self.todo: list[tuple[_Type, str, dict[str, Any]]] = []  # messages whose properties are still to map
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

    def register(self, kind: str, loc: str, base: str, node: dict[str, Any], hint: str) -> _Type:
        """The type at `loc` (created on first reach): named after its location (`$defs` key, property,
        schema), an inline union variant after the variant (`hint`)."""
        found = self.types.get(loc)
        if found is not None:
            return found
        doc, ptr = _split(loc)
        path = doc.removeprefix("file:///")
        schema = self.ws.schema(path)
        inline_variant = len(ptr) >= 2 and ptr[-2] in ("anyOf", "oneOf")
        name = hint if inline_variant else _hint(ptr, schema.name if schema else path.rsplit("/", 1)[-1].split(".")[0])
        t = _Type(kind, loc, path, ptr, name, _text(node, "description"))
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

    def props(self, base: str, node: dict[str, Any], loc: str) -> list[_Prop]:
        """The properties of an object (those of its `allOf` branches merged, first definition wins)."""
        out: dict[str, _Prop] = {}
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
            doc, ptr = _split(at)
            props = n.get("properties")
            for key, sub in (props.items() if isinstance(props, dict) else ()):
                if key not in out and isinstance(sub, (dict, bool)):
                    sub_loc = _loc(doc, ptr + ("properties", key))
                    out[key] = _Prop(key, self.shape(self.refs.enter(b, sub), sub, sub_loc, pascal(key)), False,
                                     self.defined_by(b, sub), _text(sub, "description") if isinstance(sub, dict)
                                     else "")
            branches = n.get("allOf")
            for i, sub in enumerate(branches if isinstance(branches, list) else ()):
                if isinstance(sub, dict):
                    stack.append((self.refs.enter(b, sub), sub, _loc(doc, ptr + ("allOf", i))))
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
        doc, ptr = _split(loc)
        inner = self.shape(self.refs.enter(base, items), items, _loc(doc, ptr + ("items",)), pascal(singular(hint)),
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
            doc, ptr = _split(loc)
            inner = self.shape(self.refs.enter(base, extra), extra, _loc(doc, ptr + ("additionalProperties",)),
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
        doc, ptr = _split(loc)
        members: list[_Variant] = []
        labels: list[str] = []
        for i, variant in enumerate(variants):
            if not isinstance(variant, dict):
                continue
            vloc = _loc(doc, ptr + (keyword, i))
            vbase, target, tloc, _ = self.follow(self.refs.enter(base, variant), variant, vloc)
            if isinstance(target, dict) and types_of(target) == ["null"]:
                continue  # null: the member is absent
            name = _variant_name(variant, target, tloc)
            shape = self.shape(self.refs.enter(base, variant), variant, vloc, pascal(name or hint), depth + 1)
            if shape.repeated:
                shape = Shape(LIST, json_type=shape.json_type)
            elif shape.map:
                shape = Shape(STRUCT, json_type=shape.json_type)
            members.append(_Variant(snake(name or _type_word(shape)), shape, tloc))
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
    _, ptr = _split(tloc)
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


# ---------------------------------------------------------------- naming and numbering (passes 2, 3)

class _Plan:
    def __init__(self, ws: Workspace, walk: _Walk, package: str, lock: WireLock | None, hand: dict[str, str]):
        self.ws, self.walk, self.package = ws, walk, package
        self.lock = lock if lock is not None and lock.package == package else None
        self.locked = {t.name: t for t in self.lock.types} if self.lock else {}
        self.by_loc = {(t.schema, t.pointer): t for t in self.locked.values() if not t.removed}
        self.hand = hand
        self.names: dict[str, str] = {}  # loc -> full name
        self.parent: dict[str, str | None] = {}  # loc -> parent loc
        self.files: dict[str, str] = {}  # schema path -> proto file

    def prefix(self) -> str:
        return self.package + "." if self.package else ""

    def file_of(self, doc: str) -> str:
        return self.files[doc]

    def assign_files(self) -> None:
        folder = self.package.replace(".", "/")
        taken: set[str] = set()
        for doc in sorted({t.doc for t in self.walk.types.values()}):
            schema = self.ws.schema(doc)
            stem = snake(schema.name if schema else doc.rsplit("/", 1)[-1].split(".")[0])
            parts = doc.rsplit("/", 1)[0].split("/") if "/" in doc else []
            name = stem
            while name + ".proto" in taken and parts:
                name = snake(parts.pop()) + "_" + name
            name = _unique(name, {n.removesuffix(".proto") for n in taken})
            taken.add(name + ".proto")
            self.files[doc] = f"{folder}/{name}.proto" if folder else f"{name}.proto"

    def assign_names(self) -> None:
        types = self.walk.types
        containers = {loc for loc, t in types.items() if t.kind == "message" or t.boxed}
        for loc, t in types.items():
            parent = None
            for n in range(len(t.pointer) - 1, -1, -1):
                up = _loc(loc.partition("#")[0], t.pointer[:n])
                if up in containers and up != loc:
                    parent = up
                    break
            self.parent[loc] = parent
        def depth(loc: str) -> int:
            n, p = 0, self.parent[loc]
            while p is not None:
                n, p = n + 1, self.parent[p]
            return n

        roots = set(self.walk.roots)
        hand_top = set(self.hand_names())
        claimed: set[str] = set()
        taken: dict[str | None, set[str]] = {None: set(hand_top)}
        named = [loc for loc, t in types.items() if t.kind != "union" or t.boxed]
        # scope by scope (outer first); in a scope, the names the lock holds for a location first
        for loc in sorted(named, key=lambda x: (depth(x), self.held(types[x]) is None, x)):
            t = types[loc]
            parent = self.parent[loc]
            scope = self.names[parent] if parent is not None else None
            outer = (scope + ".") if scope else self.prefix()
            used = taken.setdefault(scope, {scope.rsplit(".", 1)[-1]} if scope else set())
            held = self.held(t)
            wanted = held.name.removeprefix(outer) if held and held.name.startswith(outer) else ""
            if "." in wanted or not wanted:
                wanted = t.hint
            if scope is None and loc in roots and wanted in hand_top and wanted not in claimed:
                claimed.add(wanted)  # a hand-written message maps this schema
            else:
                stem = pascal(t.doc.rsplit("/", 1)[-1].split(".")[0])
                if wanted in used and scope is None and not wanted.startswith(stem):
                    wanted = stem + wanted
                wanted = _unique(wanted, used)
            used.add(wanted)
            self.names[loc] = outer + wanted

    def held(self, t: _Type) -> LockedType | None:
        """The lock's entry for the type at this location."""
        return self.by_loc.get((t.doc, pointer_str(t.pointer)))

    def hand_names(self) -> list[str]:
        """Top-level names hand-written files declare in the package: only the schema they map may take one."""
        prefix = self.prefix()
        return [n.removeprefix(prefix) for n in self.hand if n.startswith(prefix) and "." not in n.removeprefix(prefix)]

    def type_name(self, shape: Shape) -> str:
        if shape.kind:
            return self.names.get(shape.loc, VALUE)
        return shape.base

    def build(self) -> WirePlan:
        self.assign_files()
        self.assign_names()
        types = self.walk.types
        messages: dict[str, Message] = {}
        enums: dict[str, Enum] = {}
        fam = {p: f.id for f in self.ws.families for p in f.schemas}
        hand_locs = self.hand_written()
        for loc, name in self.names.items():
            t = types[loc]
            common = dict(name=name, local=name.rsplit(".", 1)[-1],
                          parent=self.names[p] if (p := self.parent[loc]) is not None else None,
                          file=self.file_of(t.doc), schema=t.doc, pointer=pointer_str(t.pointer),
                          family=fam.get(t.doc), description=t.description, hand_written=loc in hand_locs)
            if t.kind == "enum":
                values, retired = self.enum_values(name, t.values)
                enums[name] = Enum(values=values, retired=retired, **common)  # type: ignore[arg-type]
            else:
                fields, oneofs, retired = self.fields(name, t)
                messages[name] = Message(fields=fields, oneofs=oneofs, retired=retired, **common)  # type: ignore[arg-type]
        roots = {t.doc: self.names[loc] for loc, t in types.items() if not t.pointer and t.kind == "message"
                 and self.ws.schema(t.doc) is not None and loc in self.names}
        files = self.proto_files(messages, enums)
        return WirePlan(self.package, self.ws.config.wire.out, roots, messages, enums, files,
                        self.new_lock(messages, enums), [], self.hand)

    def hand_written(self) -> set[str]:
        """Locations whose type (or an enclosing one) a hand-written file declares."""
        out: set[str] = set()
        for loc in self.names:
            at: str | None = loc
            while at is not None:
                if self.names[at] in self.hand:
                    out.add(loc)
                    break
                at = self.parent[at]
        return out

    def fields(self, name: str, t: _Type) -> tuple[tuple[Field, ...], tuple[str, ...], tuple[tuple[str, int], ...]]:
        held = self.locked.get(name)
        retired_names = {n for n, _ in held.retired} if held else set()
        taken: set[str] = set(retired_names)
        wanted: list[Field] = []
        oneofs: list[str] = []
        if t.kind == "union":  # a boxed union: one oneof, `value`
            oneofs.append(_unique("value", taken))
            for v in t.variants:
                wanted.append(self.member(v, oneofs[-1], taken, t.hint, "", ""))
        for p in t.props:
            shape = p.shape
            if shape.kind == "union":
                union = self.walk.types[shape.loc]
                group = _unique(snake(p.key), taken)
                oneofs.append(group)
                for v in union.variants:
                    wanted.append(self.member(v, group, taken, p.key, p.key, p.defined_by, p.required))
                continue
            label = "repeated" if shape.repeated else "map" if shape.map else \
                "optional" if (not p.required or shape.nullable) and self.scalar(shape) else ""
            ftype = self.type_name(shape)
            deltas = []
            if ftype == INT64:
                deltas.append(INT64_STRING)
            if shape.kind == "enum":
                deltas.append(ENUM_NAME)
            if label in ("", "repeated", "map") and (self.scalar(shape) or shape.repeated or shape.map):
                deltas.append(DEFAULT_OMITTED)
            wanted.append(Field(_unique(snake(p.key), taken), p.key, 0, ftype, label, None, p.key, p.key,
                                shape.json_type, p.required, p.defined_by, p.description, "", tuple(deltas)))
        numbers = _numbers(held, [f.name for f in wanted])
        fields = tuple(sorted((replace(f, number=numbers[f.name]) for f in wanted), key=lambda f: f.number))
        return fields, tuple(oneofs), _retired(held, numbers)

    def member(self, v: _Variant, group: str, taken: set[str], key: str, path: str, defined_by: str,
               required: bool = False) -> Field:
        ftype = self.type_name(v.shape)
        deltas = [ONEOF_SHAPE] + ([INT64_STRING] if ftype == INT64 else []) + (
            [ENUM_NAME] if v.shape.kind == "enum" else [])
        name = _unique(v.name, taken)
        return Field(name, name, 0, ftype, "", group, f"{path}({name})" if path else f"({name})", key,
                     v.shape.json_type, required, defined_by, "", v.loc, tuple(deltas))

    def scalar(self, shape: Shape) -> bool:
        return not shape.repeated and not shape.map and (shape.kind == "enum" or shape.base in SCALARS)

    def enum_values(self, name: str, values: list[Any]) -> tuple[tuple[EnumValue, ...], tuple[tuple[str, int], ...]]:
        held = self.locked.get(name)
        prefix = upper_snake(name.rsplit(".", 1)[-1])
        taken = {prefix + "_UNSPECIFIED"} | ({n for n, _ in held.retired} if held else set())
        named: list[tuple[str, Any]] = []
        for value in values:
            if isinstance(value, str) and all(v != value for _, v in named):
                named.append((_unique(f"{prefix}_{upper_snake(value) or 'VALUE'}", taken), value))
        numbers = _numbers(held, [n for n, _ in named])
        out = [EnumValue(prefix + "_UNSPECIFIED", 0, None)] + sorted(
            (EnumValue(n, numbers[n], v) for n, v in named), key=lambda v: v.number)
        return tuple(out), _retired(held, numbers)

    def proto_files(self, messages: dict[str, Message], enums: dict[str, Enum]) -> list[ProtoFile]:
        out: list[ProtoFile] = []
        by_file: dict[str, list[str]] = {}
        types: dict[str, Message | Enum] = {**messages, **enums}
        for n, t in types.items():
            if not t.hand_written:
                by_file.setdefault(t.file, []).append(n)
        out_dir = self.ws.config.wire.out.rstrip("/") + "/"
        where = {n: (t.file if not t.hand_written else self.hand.get(self.top(n), "").removeprefix(out_dir))
                 for n, t in types.items()}
        for file, names in sorted(by_file.items()):
            imports: set[str] = set()
            for n in names:
                for f in (messages[n].fields if n in messages else ()):
                    if f.type in WKT_FILES:
                        imports.add(WKT_FILES[f.type])
                    elif f.type in where and where[f.type] and where[f.type] != file:
                        imports.add(where[f.type])
            schema = next(t.doc for t in self.walk.types.values() if self.file_of(t.doc) == file)
            top = [n for n in names if types[n].parent is None]
            out.append(ProtoFile(file, schema, self.package, tuple(sorted(imports)),
                                 tuple(sorted(n for n in top if n in messages)),
                                 tuple(sorted(n for n in top if n in enums))))
        return out

    def top(self, name: str) -> str:
        """The top-level type enclosing `name`."""
        rest = name.removeprefix(self.prefix())
        return self.prefix() + rest.split(".", 1)[0]

    def new_lock(self, messages: dict[str, Message], enums: dict[str, Enum]) -> WireLock:
        out: dict[str, LockedType] = {}
        for kind, group in (("message", messages), ("enum", enums)):
            for n, m in group.items():
                held = self.locked.get(n)
                if m.hand_written:
                    if held is not None:
                        out[n] = held
                    continue
                nums = tuple((f.name, f.number) for f in m.fields) if isinstance(m, Message) else \
                    tuple((v.name, v.number) for v in m.values if v.number)
                out[n] = LockedType(n, kind, m.schema, m.pointer, m.family, m.file, nums, m.retired)
        for n, held in self.locked.items():  # gone: kept, every number retired
            if n not in out:
                retired = tuple(sorted({*held.retired, *held.numbers}, key=lambda kv: kv[1]))
                out[n] = LockedType(n, held.kind, held.schema, held.pointer, held.family, held.file, (), retired, True)
        return WireLock(self.package, tuple(sorted(out.values(), key=lambda t: (t.kind != "message", t.name))),
                        LOCK_PATH)


def _numbers(held: LockedType | None, names: list[str]) -> dict[str, int]:
    """Each name's number: the lock's while it holds the name, else the next never used (skipping 19000-19999)."""
    locked = dict(held.numbers) if held else {}
    used = set(locked.values()) | ({n for _, n in held.retired} if held else set())
    out = {n: locked[n] for n in names if n in locked}
    nxt = max(used | {0}) + 1
    for n in names:
        if n in out:
            continue
        if FIRST_RESERVED <= nxt <= LAST_RESERVED:
            nxt = LAST_RESERVED + 1
        out[n] = min(nxt, MAX_NUMBER)
        nxt += 1
    return out


def _retired(held: LockedType | None, numbers: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """The lock's retired names and numbers, plus those it held that are gone now."""
    if held is None:
        return ()
    gone = {(n, num) for n, num in held.numbers if n not in numbers}
    return tuple(sorted(set(held.retired) | gone, key=lambda kv: kv[1]))


# ---------------------------------------------------------------- entry point

# comments, string literals, braces and the declarations that name a type or the package
_TOKENS = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|[{}]"
                     r"|\b(message|enum|service|package)\s+([A-Za-z_][\w.]*)", re.S)


def is_generated_proto(text: str) -> bool:
    """Whether a `.proto` file was written by `workbench export` (its first line carries the marker)."""
    return GENERATED_MARKER in text.split("\n", 1)[0]


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
        if f.text is None or is_generated_proto(f.text):
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
    walk = _Walk(ws, refs, ws.config.wire.string_enums)
    found: list[tuple[str, dict[str, Any], str]] = []
    skipped: list[Skipped] = []
    for schema in schemas:
        base, node, loc, _ = walk.follow(refs.base_of(schema), schema.body, schema.uri + "#")
        if not isinstance(node, dict) or "object" not in types_of(node) or not walk.props_of(node):
            skipped.append(Skipped(schema.path, "its root is not an object with properties: no message"))
        elif loc != schema.uri + "#":
            where = _split(loc)
            skipped.append(Skipped(schema.path, f"its root is a `$ref` to {where[0].removeprefix('file:///')}#"
                                   f"{pointer_str(where[1])}: mapped there"))
        else:
            found.append((base, node, loc))
    for path, pointer in roots:
        doc = f"file:///{path}"
        target = refs.resolve(doc, "#" + pointer)
        if target.status == "ok" and isinstance(target.contents, dict) and walk.props_of(target.contents):
            found.append((target.base, target.contents, _loc(doc, _split("#" + pointer)[1])))
    walk.run(found)
    plan = _Plan(ws, walk, package, ws.decisions.wire_lock, hand_declared(ws, package)).build()
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
