"""What a built buf image declares, and how a hand-written message compares with the mapping.

The image (`buf build -o`) is read as a `FileDescriptorSet` with `protobuf`'s own
descriptor classes (no protoc plugin); every message and enum is indexed by full
name with its file and the line of each field (the image keeps source info).
`compare` checks a hand-written message that maps a schema against the message
the wire plan derives for that schema, field by field: missing and extra fields,
type, cardinality, presence (required vs optional), JSON name, and the number the
lock holds; message-typed fields are compared in turn (each pair once).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import cache
from .wire import EMPTY, LIST, STRUCT, TIMESTAMP, VALUE, Field, Message, WirePlan, upper_snake

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import FieldDescriptorProto

# FieldDescriptorProto.Type -> proto3 scalar name
SCALAR_TYPES = {1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32",
                8: "bool", 9: "string", 12: "bytes", 13: "uint32", 15: "sfixed32", 16: "sfixed64", 17: "sint32",
                18: "sint64"}
TYPE_MESSAGE, TYPE_ENUM, LABEL_REPEATED = 11, 14, 3


@dataclass
class Declared:
    """A message or enum of the image."""

    name: str
    file: str  # relative to the proto folder
    line: int | None
    proto: Any  # DescriptorProto | EnumDescriptorProto
    field_lines: dict[int, int] = field(default_factory=dict)  # field index -> line
    by_json: dict[str, Any] = field(default_factory=dict)  # a message's fields by JSON name
    by_name: dict[str, Any] = field(default_factory=dict)  # and by name


@dataclass
class Image:
    messages: dict[str, Declared]
    enums: dict[str, Declared]

    def is_map(self, f: FieldDescriptorProto) -> bool:
        entry = self.messages.get(f.type_name.lstrip("."))
        return f.label == LABEL_REPEATED and entry is not None and entry.proto.options.map_entry


_IMAGES: dict[str, Image] = cache.memo("protoimage.images", 9)


def read_image(data: bytes) -> Image:
    """Index a built image (memoised by content)."""
    key = hashlib.sha256(data).hexdigest()
    hit = _IMAGES.get(key)
    if hit is None:
        hit = _IMAGES[key] = _index(data)
    return hit


def _index(data: bytes) -> Image:
    from google.protobuf import descriptor_pb2

    fds = descriptor_pb2.FileDescriptorSet.FromString(data)
    image = Image({}, {})
    for f in fds.file:
        lines = {tuple(loc.path): loc.span[0] + 1 for loc in f.source_code_info.location if loc.span}
        prefix = f.package + "." if f.package else ""

        def walk(msgs: Any, enums: Any, scope: str, path: tuple[int, ...], file: Any = f,
                 lines: dict[tuple[int, ...], int] = lines) -> None:
            for i, e in enumerate(enums):
                epath = path + ((5,) if not path else (4,)) + (i,)
                image.enums[scope + e.name] = Declared(scope + e.name, file.name, lines.get(epath), e)
            for i, m in enumerate(msgs):
                mpath = path + ((4,) if not path else (3,)) + (i,)
                d = Declared(scope + m.name, file.name, lines.get(mpath), m,
                             {j: lines[mpath + (2, j)] for j in range(len(m.field)) if mpath + (2, j) in lines},
                             {x.json_name: x for x in reversed(m.field)}, {x.name: x for x in m.field})
                image.messages[d.name] = d
                walk(m.nested_type, m.enum_type, d.name + ".", mpath)

        walk(f.message_type, f.enum_type, prefix, ())
    return image


# ---------------------------------------------------------------- hand-written vs the mapping

@dataclass(frozen=True)
class Mismatch:
    message: str  # full name of the hand-written message
    file: str  # relative to the proto folder
    line: int | None
    field: str  # the mapping's field path
    text: str


def enum_constant(names: list[str], value: Any) -> str | None:
    """The constant of a hand-written enum that stands for a JSON value: `VALUE` or `ANY_PREFIX_VALUE`."""
    wanted = upper_snake(str(value))
    return next((n for n in names if n == wanted or n.endswith("_" + wanted)), None)


def _type_of(image: Image, f: FieldDescriptorProto) -> str:
    if f.type in SCALAR_TYPES:
        return SCALAR_TYPES[f.type]
    return str(f.type_name).lstrip(".")


def _presence(f: FieldDescriptorProto) -> bool:
    return bool(f.proto3_optional)


def compare(plan: WirePlan, image: Image, expected: Message, name: str) -> Iterator[Mismatch]:
    """Every way the hand-written message `name` of the image differs from the mapping's `expected`."""
    seen: set[tuple[str, str]] = set()
    todo = [(expected, name, "")]
    while todo:
        exp, actual, prefix = todo.pop(0)
        if (exp.name, actual) in seen:
            continue
        seen.add((exp.name, actual))
        decl = image.messages.get(actual)
        if decl is None:
            continue
        yield from _compare_one(plan, image, exp, decl, prefix, todo)


def _compare_one(plan: WirePlan, image: Image, exp: Message, decl: Declared, prefix: str,
                 todo: list[tuple[Message, str, str]]) -> Iterator[Mismatch]:
    proto = decl.proto
    by_json = {f.json_name: (i, f) for i, f in enumerate(proto.field)}
    by_name = {f.name: (i, f) for i, f in enumerate(proto.field)}
    oneofs = [o.name for o in proto.oneof_decl]
    locked = plan.lock.of(exp.name) if exp.hand_written else None
    numbers = dict(locked.numbers) if locked else {}
    matched: set[int] = set()

    def at(i: int | None) -> int | None:
        return decl.field_lines.get(i, decl.line) if i is not None else decl.line

    def miss(text: str, path: str, i: int | None = None) -> Mismatch:
        return Mismatch(decl.name, decl.file, at(i), path, text)

    for ef in exp.fields:
        path = prefix + (ef.path.rsplit(".", 1)[-1] if "." in ef.path else ef.path)
        hit = by_json.get(ef.json_name) or by_name.get(ef.name)
        if hit is None:
            yield miss(f"missing field `{path}`: the mapping has `{ef.declaration} = {ef.number}` "
                       f"[json_name = \"{ef.json_name}\"]", path)
            continue
        i, af = hit
        matched.add(i)
        if af.json_name != ef.json_name:
            yield miss(f"`{af.name}` is written as `{af.json_name}` in ProtoJSON, the schema's key is "
                       f"`{ef.json_name}`: add [json_name = \"{ef.json_name}\"]", path, i)
        if ef.oneof is not None:
            group = oneofs[af.oneof_index] if af.HasField("oneof_index") and not af.proto3_optional else None
            if group is None:
                yield miss(f"`{af.name}` is not in a oneof: the mapping has it in `oneof {ef.oneof}`", path, i)
        wanted_map, is_map = ef.label == "map", image.is_map(af)
        repeated = af.label == LABEL_REPEATED and not is_map
        if wanted_map != is_map or (ef.label == "repeated") != repeated:
            shape = "a map" if is_map else "repeated" if repeated else "singular"
            yield miss(f"`{af.name}` is {shape}: the mapping has `{ef.declaration}`", path, i)
            continue
        actual_type = _type_of(image, af)
        if is_map:
            entry = image.messages[af.type_name.lstrip(".")].proto
            value = next((x for x in entry.field if x.name == "value"), None)
            actual_type = _type_of(image, value) if value is not None else actual_type
        yield from _types(plan, image, ef, af, actual_type, path, i, miss, todo)
        if ef.label == "optional" and not _presence(af) and af.type != TYPE_MESSAGE:
            yield miss(f"`{af.name}` has no presence: the property is optional in the schema "
                       f"(declare it `optional`)", path, i)
        elif ef.label == "" and ef.oneof is None and _presence(af):
            yield miss(f"`{af.name}` is `optional`: the property is required in the schema", path, i)
        if ef.name in numbers and numbers[ef.name] != af.number:
            yield miss(f"`{af.name}` is number {af.number}: decisions/wire_lock.yaml holds {numbers[ef.name]} "
                       "for it (a number never changes)", path, i)
    for i, af in enumerate(proto.field):
        if i not in matched:
            yield miss(f"extra field `{af.name}` ({af.number}): the schema has no property `{af.json_name}` "
                       f"at {exp.schema}#{exp.pointer}", prefix + af.name, i)


def _types(plan: WirePlan, image: Image, ef: Field, af: FieldDescriptorProto, actual: str, path: str, i: int,
           miss: Any, todo: list[tuple[Message, str, str]]) -> Iterator[Mismatch]:
    expected = ef.type
    if expected in plan.messages and actual in image.messages:
        todo.append((plan.messages[expected], actual, path + "."))
        return
    if expected in plan.enums and actual in image.enums:
        names = [v.name for v in image.enums[actual].proto.value]
        absent = [str(v.value) for v in plan.enums[expected].values
                  if v.number and enum_constant(names, v.value) is None]
        if absent:
            yield miss(f"enum {actual} has no constant for {', '.join(absent)} (the schema's values)", path, i)
        return
    if expected in (TIMESTAMP, STRUCT, VALUE, LIST, EMPTY) or expected not in plan.messages:
        if actual != expected:
            yield miss(f"`{af.name}` is {actual}: the mapping has {expected}", path, i)
        return
    yield miss(f"`{af.name}` is {actual}: the mapping has {expected}", path, i)
