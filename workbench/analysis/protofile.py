"""`.proto` text: the files `workbench export` generates from the wire plan, and what a hand-written one declares.

`render(plan, file)` is pure (the same plan gives the same bytes): a "generated,
do not edit" first line, the package, the imports, then each top-level enum and
message with its nested types, reserved (retired) numbers and names, and its
fields in number order, each with its JSON name. Schema text (descriptions, enum
values, JSON keys) reaches the file only inside comments (one per line, control
characters dropped) and escaped string literals.
"""

from __future__ import annotations

import json
import re

from ..model import GENERATED_MARKER
from .wire import Enum, Field, Message, ProtoFile, WirePlan

INDENT = "  "
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")


def header(schema: str) -> str:
    return f"// {GENERATED_MARKER} from {_plain(schema)} and decisions/wire_lock.yaml: do not edit by hand"


def _plain(text: str) -> str:
    """One line of repository text for a comment: no line breaks, no control characters."""
    return _CONTROL.sub(" ", text.replace("\r", " ").replace("\n", " "))


def _comment(text: str, indent: str) -> list[str]:
    lines = [_CONTROL.sub(" ", line).rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return [f"{indent}//{' ' + line if line else ''}" for line in lines]


def literal(text: str) -> str:
    """A proto string literal: quotes, backslashes, control and non-ASCII bytes escaped (octal)."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in "\"\\":
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _ref(plan: WirePlan, name: str, scope: str) -> str:
    """How a type is written in the message `scope`: package-relative, unless protobuf's scope lookup would find
    another type by its first name from there (then fully qualified)."""
    prefix = plan.package + "." if plan.package else ""
    rel = name.removeprefix(prefix)
    first = rel.split(".", 1)[0]
    at = scope
    while at and at != plan.package:
        candidate = f"{at}.{first}"
        if candidate in plan.messages or candidate in plan.enums:
            return rel if candidate == prefix + first else "." + name
        at = at.rsplit(".", 1)[0] if "." in at else ""
    return rel


def _field(plan: WirePlan, f: Field, scope: str, indent: str) -> list[str]:
    lines = _comment(f.description, indent) if f.description else []
    ftype = _ref(plan, f.type, scope) if f.type in plan.messages or f.type in plan.enums else f.type
    decl = f"map<string, {ftype}> {f.name}" if f.label == "map" else \
        f"{f.label + ' ' if f.label in ('optional', 'repeated') else ''}{ftype} {f.name}"
    lines.append(f"{indent}{decl} = {f.number} [json_name = {literal(f.json_name)}];")
    return lines


def _reserved(retired: tuple[tuple[str, int], ...], indent: str) -> list[str]:
    if not retired:
        return []
    numbers = ", ".join(str(n) for _, n in sorted(retired, key=lambda kv: kv[1]))
    names = ", ".join(literal(n) for n, _ in sorted(retired))
    return [f"{indent}reserved {numbers};", f"{indent}reserved {names};"]


def _enum(e: Enum, indent: str) -> list[str]:
    lines = _comment(e.description, indent) if e.description else []
    lines.append(f"{indent}enum {e.local} {{")
    inner = indent + INDENT
    lines += _reserved(e.retired, inner)
    for v in e.values:
        shown = f" // {_plain(json.dumps(v.value, ensure_ascii=True))}" if v.number else ""
        lines.append(f"{inner}{v.name} = {v.number};{shown}")
    lines.append(f"{indent}}}")
    return lines


def _message(plan: WirePlan, m: Message, indent: str) -> list[str]:
    lines = _comment(m.description, indent) if m.description else []
    source = f"{m.schema}#{m.pointer}" if m.pointer else m.schema
    lines.append(f"{indent}// source: {_plain(source)}" + (f" (family {_plain(m.family)})" if m.family else ""))
    lines.append(f"{indent}message {m.local} {{")
    inner = indent + INDENT
    body: list[list[str]] = []
    messages, enums = plan.children(m.name)
    body += [_enum(e, inner) for e in enums]
    body += [_message(plan, c, inner) for c in messages]
    if m.retired:
        body.append(_reserved(m.retired, inner))
    done: set[str] = set()
    for f in m.fields:
        if f.oneof is None:
            body.append(_field(plan, f, m.name, inner))
        elif f.oneof not in done:
            done.add(f.oneof)
            block = [f"{inner}oneof {f.oneof} {{"]
            for member in (x for x in m.fields if x.oneof == f.oneof):
                block += _field(plan, member, m.name, inner + INDENT)
            body.append(block + [f"{inner}}}"])
    for i, part in enumerate(body):
        if i and (len(part) > 1 or len(body[i - 1]) > 1):
            lines.append("")
        lines += part
    lines.append(f"{indent}}}")
    return lines


def render(plan: WirePlan, file: ProtoFile) -> str:
    """The text of one generated `.proto` file."""
    lines = [header(file.schema), 'syntax = "proto3";', ""]
    if file.package:
        lines += [f"package {file.package};", ""]
    if file.imports:
        lines += [f"import {literal(i)};" for i in file.imports] + [""]
    parts = [_enum(plan.enums[n], "") for n in file.enums] + [_message(plan, plan.messages[n], "")
                                                             for n in file.messages]
    for i, part in enumerate(parts):
        if i:
            lines.append("")
        lines += part
    return "\n".join(lines) + "\n"


def rendered(plan: WirePlan) -> dict[str, str]:
    """Root-relative path -> text of every file the plan generates."""
    return {plan.path(f.path): render(plan, f) for f in plan.files}
