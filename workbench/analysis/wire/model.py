"""The wire plan's records and names: what the proto of the mapped schemas holds (`wire.plan_of` builds it).

Names follow buf's STANDARD lint: files and fields lower_snake_case, messages and
enums PascalCase, enum values UPPER_SNAKE_CASE with their enum's prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...model import WireLock

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


def unique_name(wanted: str, taken: set[str]) -> str:
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
