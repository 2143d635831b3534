"""ProtoJSON: what protobuf's own `json_format` writes for an example, and every way it differs from it.

An example of a mapped schema is read into its message (built from the buf image
with `google.protobuf`'s descriptor pool and message factory, no protoc plugin)
the way the mapping says: each key to the field with that JSON name, a string to
its enum constant, a union's value to the oneof member whose variant it validates
against; a null is an absent field. `json_format.MessageToDict` then writes the
message, and `differences` walks the example and that output side by side, each
difference a kind of `DELTA_KINDS` at a field path of the mapping (`a.b`,
`a[].b`, `a{}.b`, `a(member).b`) with the example as it would read with only that
difference applied (which the caller validates against the schema).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import cache
from ..model import Workspace
from ..schema.uri import pointer_str
from .protoimage import Image, enum_constant
from .refs import RefIndex
from .wire import EMPTY, INT64, Field, Message, WirePlan

DELTA_KINDS = {
    "int64_string": "64-bit integers are written as JSON strings",
    "enum_name": "enum values are written as their constant names",
    "oneof_shape": "a union is written under its member's name, not under its own key",
    "key_case": "a key is written in another spelling (the field's json_name is not the schema's key)",
    "default_omitted": "a zero, empty or null value of a field without presence is left out",
    "other": "the value is written differently (or cannot be read into the message)",
}
Doc = Any


@dataclass(frozen=True)
class Difference:
    """One way the ProtoJSON of an example differs from it."""

    field: str  # the mapping's field path
    pointer: str  # where, in the example
    kind: str  # a key of DELTA_KINDS
    old: Any
    new: Any
    applied: Doc  # the example with only this difference applied


@dataclass(frozen=True)
class RoundTrip:
    output: Doc | None  # what json_format writes (None: the example could not be read into the message)
    error: str = ""
    differences: tuple[Difference, ...] = ()


_MISSING = object()
_POOLS: dict[str, Any] = cache.memo("protojson.pools", 9)


def pool_of(image: bytes) -> Any:
    """A descriptor pool holding every file of the image (memoised by content)."""
    from google.protobuf import descriptor_pb2, descriptor_pool

    key = hashlib.sha256(image).hexdigest()
    hit = _POOLS.get(key)
    if hit is None:
        hit = descriptor_pool.DescriptorPool()
        for f in descriptor_pb2.FileDescriptorSet.FromString(image).file:
            hit.Add(f)
        _POOLS[key] = hit
    return hit


class Reader:
    """Reads an example into the ProtoJSON input of the message it maps (keys by the image's field names); one
    per check (it keeps a validator per union variant)."""

    def __init__(self, ws: Workspace, plan: WirePlan, image: Image):
        self.ws, self.plan, self.image = ws, plan, image
        self.refs = RefIndex.of(ws)
        self._validators: dict[str, Any] = {}

    def actual(self, exp: Message, name: str, f: Field) -> Any:
        """The image's field for the mapping's field `f` (by JSON name, then name), or None."""
        decl = self.image.messages.get(name)
        if decl is None:
            return None
        return decl.by_json.get(f.json_name) or decl.by_name.get(f.name)

    def member(self, fields: list[Field], value: Any) -> Field | None:
        """The oneof member whose variant `value` validates against (the first, as `anyOf` reads)."""
        for f in fields:
            if self.valid(f.variant, value):
                return f
        return None

    def valid(self, loc: str, value: Any) -> bool:
        validator = self._validators.get(loc)
        if validator is None:
            try:
                resolved = self.refs.registry.resolver(base_uri=loc.partition("#")[0]).lookup(loc)
                doc = self.ws.schema(loc.partition("#")[0].removeprefix("file:///"))
                dialect = self.refs.reading.of(doc.body if doc else {})
                validator = dialect.validator(resolved.contents, registry=self.refs.registry,  # type: ignore[call-arg]
                                              _resolver=resolved.resolver)
            except Exception:
                return False
            self._validators[loc] = validator
        try:
            return bool(validator.is_valid(value))
        except Exception:
            return False

    def read(self, exp: Message, name: str, value: Any) -> Doc:
        """The ProtoJSON input for the object `value` of the mapping's message `exp` (the image's `name`)."""
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, v in value.items():
            fields = [f for f in exp.fields if f.key == key]
            if not fields or v is None:
                continue
            f = fields[0] if fields[0].oneof is None else self.member(fields, v)
            actual = self.actual(exp, name, f) if f is not None else None
            if f is None or actual is None:
                continue
            out[actual.name] = self.value(f, actual, v)
        return out

    def value(self, f: Field, actual: Any, v: Any) -> Any:
        if f.label == "repeated" and isinstance(v, list):
            return [self.one(f, actual, x) for x in v if x is not None]
        if f.label == "map" and isinstance(v, dict):
            return {k: self.one(f, actual, x) for k, x in v.items() if x is not None}
        return self.one(f, actual, v)

    def one(self, f: Field, actual: Any, v: Any) -> Any:
        target = self.target(actual)
        if f.type in self.plan.enums and target in self.image.enums:
            names = [x.name for x in self.image.enums[target].proto.value]
            const = self.plan.enums[f.type].constant(v)
            return const if const in names else enum_constant(names, v) or v
        if f.type in self.plan.messages and target in self.image.messages:
            return self.read(self.plan.messages[f.type], target, v)
        return v

    def target(self, actual: Any) -> str:
        """The message or enum a field holds (a map field: its value's)."""
        name = str(actual.type_name).lstrip(".")
        entry = self.image.messages.get(name)
        if entry is not None and entry.proto.options.map_entry:
            value = next((x for x in entry.proto.field if x.name == "value"), None)
            return str(value.type_name).lstrip(".") if value is not None else name
        return name


def round_trip(reader: Reader, pool: Any, exp: Message, name: str, example: Doc) -> RoundTrip:
    """The example read into the image's message `name` (which maps `exp`) and written back by json_format."""
    from google.protobuf import json_format, message_factory

    try:
        cls = message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
        message = json_format.ParseDict(reader.read(exp, name, example), cls())
        output = json_format.MessageToDict(message)
    except Exception as exc:  # json_format.ParseError, an unknown type, a value protobuf refuses
        return RoundTrip(None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}")
    return RoundTrip(output, "", tuple(_Diff(reader, example).walk(exp, name, example, output, (), "")))


class _Diff:
    def __init__(self, reader: Reader, example: Doc):
        self.reader, self.example = reader, example

    def apply(self, ptr: tuple[Any, ...], change: Callable[[Any, Any], None]) -> Doc:
        """The example with `change(parent, key)` applied at `ptr`."""
        doc = copy.deepcopy(self.example)
        parent = doc
        for tok in ptr[:-1]:
            parent = parent[tok]
        change(parent, ptr[-1])
        return doc

    def diff(self, field: str, ptr: tuple[Any, ...], kind: str, old: Any, new: Any,
             change: Callable[[Any, Any], None]) -> Difference:
        return Difference(field, pointer_str(ptr), kind, old, new, self.apply(ptr, change))

    def walk(self, exp: Message, name: str, value: Any, out: Any, ptr: tuple[Any, ...], prefix: str
             ) -> Iterator[Difference]:
        if not isinstance(value, dict) or not isinstance(out, dict):
            return
        for key, v in value.items():
            fields = [f for f in exp.fields if f.key == key]
            if not fields:
                continue
            here = ptr + (key,)
            f = fields[0] if fields[0].oneof is None else self.reader.member(fields, v) if v is not None else None
            actual = self.reader.actual(exp, name, f) if f is not None else None
            if f is None or actual is None:  # a null, or a value no field (no oneof member) holds: not written
                yield self.diff(prefix + key, here, "default_omitted" if v is None else "other", v, None, _delete)
                continue
            written = actual.json_name
            if f.oneof is not None:
                path = f"{prefix}{key}({f.name})"
                yield self.diff(path, here, "oneof_shape", key, written, _move(written))
            else:
                path = prefix + key
                if written != key:
                    yield self.diff(path, here, "key_case", key, written, _move(written))
            got = out.get(written, _MISSING)
            if got is _MISSING:
                yield self.diff(path, here, "default_omitted", v, None, _delete)
                continue
            yield from self.values(f, actual, v, got, here, path)

    def values(self, f: Field, actual: Any, v: Any, got: Any, ptr: tuple[Any, ...], path: str
               ) -> Iterator[Difference]:
        if f.label == "repeated" and isinstance(v, list) and isinstance(got, list) and len(v) == len(got):
            for i, (a, b) in enumerate(zip(v, got, strict=True)):
                yield from self.value(f, actual, a, b, ptr + (i,), path + "[]")
        elif f.label == "map" and isinstance(v, dict) and isinstance(got, dict):
            for k, a in v.items():
                if k in got:
                    yield from self.value(f, actual, a, got[k], ptr + (k,), path + "{}")
        else:
            yield from self.value(f, actual, v, got, ptr, path)

    def value(self, f: Field, actual: Any, v: Any, got: Any, ptr: tuple[Any, ...], path: str
              ) -> Iterator[Difference]:
        target = self.reader.target(actual)
        if f.type in self.reader.plan.messages and target in self.reader.image.messages:
            yield from self.walk(self.reader.plan.messages[f.type], target, v, got, ptr, path + ".")
            return
        if _same(v, got) or f.type == EMPTY:
            return
        kind = "int64_string" if isinstance(got, str) and isinstance(v, int) and f.type in (INT64, "uint64") else \
            "enum_name" if f.type in self.reader.plan.enums else "other"
        yield self.diff(path, ptr, kind, v, got, _set(got))


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values (1 == 1.0; a bool is never a number)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b) and (isinstance(a, (int, float)) == isinstance(b, (int, float)))


def _delete(parent: Any, key: Any) -> None:
    del parent[key]


def _move(new_key: str) -> Callable[[Any, Any], None]:
    def change(parent: Any, key: Any) -> None:
        parent[new_key] = parent.pop(key)
    return change


def _set(value: Any) -> Callable[[Any, Any], None]:
    def change(parent: Any, key: Any) -> None:
        parent[key] = value
    return change
