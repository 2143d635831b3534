"""Passes 2 and 3 of the wire plan: names and numbers, through the field-number lock.

A type is nested in the message of its nearest enclosing object that is a message,
else it is a top-level type of its schema's file; names the lock holds for a
location are kept, top-level names are unique in the package (hand-written ones
included: only the schema a hand-written message maps may take its name). A field
keeps its number while its name exists; a new one gets the next number never used
in its type; a gone one is retired (reserved) and never reused.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...model import LockedType, WireLock, Workspace
from ...schema.uri import pointer_str
from .model import (
    DEFAULT_OMITTED,
    ENUM_NAME,
    FIRST_RESERVED,
    INT64,
    INT64_STRING,
    LAST_RESERVED,
    LOCK_PATH,
    MAX_NUMBER,
    ONEOF_SHAPE,
    SCALARS,
    VALUE,
    WKT_FILES,
    Enum,
    EnumValue,
    Field,
    Message,
    ProtoFile,
    WirePlan,
    pascal,
    snake,
    unique_name,
    upper_snake,
)
from .shapes import Shape, TypeSpec, Variant, Walk, location


class Plan:
    def __init__(self, ws: Workspace, walk: Walk, package: str, lock: WireLock | None, hand: dict[str, str]):
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
            name = unique_name(name, {n.removesuffix(".proto") for n in taken})
            taken.add(name + ".proto")
            self.files[doc] = f"{folder}/{name}.proto" if folder else f"{name}.proto"

    def assign_names(self) -> None:
        types = self.walk.types
        containers = {loc for loc, t in types.items() if t.kind == "message" or t.boxed}
        for loc, t in types.items():
            parent = None
            for n in range(len(t.pointer) - 1, -1, -1):
                up = location(loc.partition("#")[0], t.pointer[:n])
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
                wanted = unique_name(wanted, used)
            used.add(wanted)
            self.names[loc] = outer + wanted

    def held(self, t: TypeSpec) -> LockedType | None:
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

    def fields(self, name: str, t: TypeSpec) -> tuple[tuple[Field, ...], tuple[str, ...], tuple[tuple[str, int], ...]]:
        held = self.locked.get(name)
        retired_names = {n for n, _ in held.retired} if held else set()
        taken: set[str] = set(retired_names)
        wanted: list[Field] = []
        oneofs: list[str] = []
        if t.kind == "union":  # a boxed union: one oneof, `value`
            oneofs.append(unique_name("value", taken))
            for v in t.variants:
                wanted.append(self.member(v, oneofs[-1], taken, t.hint, "", ""))
        for p in t.props:
            shape = p.shape
            if shape.kind == "union":
                union = self.walk.types[shape.loc]
                group = unique_name(snake(p.key), taken)
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
            wanted.append(Field(unique_name(snake(p.key), taken), p.key, 0, ftype, label, None, p.key, p.key,
                                shape.json_type, p.required, p.defined_by, p.description, "", tuple(deltas)))
        numbers = _numbers(held, [f.name for f in wanted])
        fields = tuple(sorted((replace(f, number=numbers[f.name]) for f in wanted), key=lambda f: f.number))
        return fields, tuple(oneofs), _retired(held, numbers)

    def member(self, v: Variant, group: str, taken: set[str], key: str, path: str, defined_by: str,
               required: bool = False) -> Field:
        ftype = self.type_name(v.shape)
        deltas = [ONEOF_SHAPE] + ([INT64_STRING] if ftype == INT64 else []) + (
            [ENUM_NAME] if v.shape.kind == "enum" else [])
        name = unique_name(v.name, taken)
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
                named.append((unique_name(f"{prefix}_{upper_snake(value) or 'VALUE'}", taken), value))
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
