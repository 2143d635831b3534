"""Witnesses for compatibility verdicts: documents one version of a schema accepts and the other rejects.

A narrowing is proven by a document valid before and rejected after, a widening by one rejected before and
valid after. The workspace's own examples come first (an example of the old version that the new one
rejects is the evidence a reviewer acts on); otherwise candidates are built where a change is: at the
instance path its schema pointer leads to, with the values the change names (enum/const values, bounds,
property names), one value of each JSON type, or nothing at all (the value removed), set into each example
(or into an empty document). This module builds candidates in bounded numbers; the caller validates them
in each version's own dialect (`rules/compatibility.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .walk import required_names, schema_list, schema_map

NARROWING, WIDENING = "narrowed", "widened"  # the effect a witness proves


class Slot(str):
    """A place in an instance that a schema pointer cannot name exactly: the next array item, a new
    property name, or a name a pattern admits."""


NEXT, NEW_NAME = Slot("-"), Slot("witness")
ABSENT = object()  # a candidate value meaning: remove what is there
# one value of each JSON type, and a few common ones
PROBES: tuple[Any, ...] = (None, True, False, 0, 1, -1, 1.5, "", "a", "witness", [], {}, [None], {"a": None})
MAX_VALUES = 48  # candidate values per change
MAX_TEXT = 300  # characters of a witness document kept in a finding


@dataclass(frozen=True)
class Witness:
    """A document that proves a change's effect: `direction` narrowed (valid before, rejected after) or
    widened (rejected before, valid after), with the rejecting version's first message."""

    direction: str
    document: str  # the document as JSON, shortened
    message: str  # the rejecting version's validator message ("/a: 5 is not of type 'string'")
    example: str | None = None  # the example file it is (or is built from, with `edit`)
    pointer: str | None = None  # where the rejecting version objects
    edit: str | None = None  # how it was built from the example ("/a = null", "/a removed")

    def text(self) -> str:
        rejected = "the new version rejects" if self.direction == NARROWING else "the old version rejected"
        doc = f"example {self.example}" if self.example else self.document
        return f"{doc}{f' with {self.edit}' if self.edit else ''} ({rejected} it: {self.message})"

    def as_dict(self) -> dict[str, Any]:
        out = {"effect": self.direction, "document": self.document, "message": self.message, "text": self.text()}
        return out | {k: v for k, v in (("example", self.example), ("pointer", self.pointer), ("edit", self.edit))
                      if v is not None}


def dumps(doc: Any) -> str:
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def instance_path(pointer: str) -> tuple[str | int, ...] | None:
    """Where in an instance the schema at `pointer` applies (a change's pointer, written in the new
    version's terms): `properties/a` is `a`, `prefixItems/1` is item 1, `items` the next item; applicators
    (`allOf/0`, `then`, `dependentSchemas/a`) apply in place. None where no single place exists
    (`propertyNames`, `not`)."""
    tokens = [_unescape(t) for t in pointer.split("/")[1:]] if pointer else []
    out: list[str | int] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if t == "properties" and nxt is not None:
            out.append(nxt)
            i += 2
        elif t in ("prefixItems", "items") and nxt is not None and nxt.isdigit():
            out.append(int(nxt))
            i += 2
        elif t in ("items", "additionalItems", "unevaluatedItems", "contains"):
            out.append(NEXT)
            i += 1
        elif t in ("additionalProperties", "unevaluatedProperties"):
            out.append(NEW_NAME)
            i += 1
        elif t == "patternProperties" and nxt is not None:
            out.append(Slot(_literal_prefix(nxt) + "x"))
            i += 2
        elif t in ("allOf", "anyOf", "oneOf") and nxt is not None and nxt.isdigit():
            i += 2
        elif t in ("dependentSchemas", "dependentRequired", "dependencies") and nxt is not None:
            i += 2
        elif t in ("if", "then", "else"):
            i += 1
        elif t in ("not", "propertyNames"):
            return None
        else:  # the changed keyword itself (type, enum, pattern, ...)
            break
    return tuple(out)


def sample(node: Any, resolve: Callable[[str, Any], tuple[str, Any]], base: str = "", depth: int = 0) -> Any:
    """A plain document of the shape `node` asks for (its `const`/first `enum` value, its required
    properties, its minimum counts and lengths): a start for a witness when there is no example. Not
    guaranteed valid (`pattern`, `format`): the caller validates; `resolve(base, node)` follows a `$ref`."""
    base, node = resolve(base, node)
    if not isinstance(node, dict) or depth > 12:
        return None
    if "const" in node:
        return node["const"]
    if isinstance(node.get("enum"), list) and node["enum"]:
        return node["enum"][0]
    for key in ("allOf", "anyOf", "oneOf"):
        branches = node.get(key)
        if isinstance(branches, list) and branches and "type" not in node and "properties" not in node:
            return sample(branches[0], resolve, base, depth + 1)
    types = node.get("type")
    kind = types[0] if isinstance(types, list) and types else types
    if kind is None:
        kind = "object" if "properties" in node or "required" in node else "array" if "items" in node else None
    if kind == "object":
        props = schema_map(node, "properties")
        return {name: sample(props.get(name, True), resolve, base, depth + 1) for name in sorted(required_names(node))}
    if kind == "array":
        out = [sample(x, resolve, base, depth + 1) for x in schema_list(node, "prefixItems")]
        low = node.get("minItems")
        if isinstance(low, int) and not isinstance(low, bool) and len(out) < low <= 16:
            out += [sample(node.get("items", True), resolve, base, depth + 1)] * (low - len(out))
        return out
    if kind == "string":
        low = node.get("minLength")
        return "a" * low if isinstance(low, int) and not isinstance(low, bool) and 0 < low <= 64 else ""
    if kind in ("integer", "number"):
        for key, step in (("minimum", 0), ("exclusiveMinimum", 1), ("maximum", 0), ("exclusiveMaximum", -1)):
            bound = node.get(key)
            if isinstance(bound, (int, float)) and not isinstance(bound, bool):
                return int(bound) + step if kind == "integer" else bound + step
        return 0
    return {"boolean": False, "null": None}.get(kind) if isinstance(kind, str) else None


def _literal_prefix(pattern: str) -> str:
    """The plain characters a pattern starts with (`^x-` -> `x-`): a name likely to match it."""
    out = []
    for ch in pattern.removeprefix("^"):
        if ch in "\\[](){}.*+?|$^":
            break
        out.append(ch)
    return "".join(out)


def _harvest(node: Any, values: list[Any], names: set[str], depth: int = 0) -> None:
    """Values and property names a schema (or a keyword's value) mentions."""
    if depth > 12 or len(values) > 4 * MAX_VALUES:
        return
    if isinstance(node, list):
        for x in node[:64]:
            if isinstance(x, (dict, list)):
                _harvest(x, values, names, depth + 1)
            elif isinstance(x, str):
                names.add(x)
                values.append(x)
            else:
                values.append(x)
        return
    if isinstance(node, bool) or node is None:
        return
    if isinstance(node, (int, float)):
        values.extend(_around(node))
        return
    if isinstance(node, str):
        values.append(node)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("enum", "examples") and isinstance(value, list):
            values.extend(value[:32])
        elif key in ("const", "default"):
            values.append(value)
        elif key in ("properties", "dependentRequired", "dependentSchemas", "dependencies") and isinstance(
                value, dict):
            names.update(k for k in value if isinstance(k, str))
            if key in ("dependentRequired", "dependencies"):
                names.update(x for v in value.values() if isinstance(v, list) for x in v if isinstance(x, str))
        elif key == "required" and isinstance(value, list):
            names.update(x for x in value if isinstance(x, str))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            values.extend(_around(value))
        if isinstance(value, (dict, list)) and key not in ("enum", "examples", "const", "default"):
            _harvest(value, values, names, depth + 1)


def _around(number: int | float) -> list[Any]:
    """Numbers next to a bound, and strings/arrays of a length near it (when small)."""
    out: list[Any] = [number, number - 1, number + 1, number / 2, number * 2]
    if isinstance(number, int) and 0 <= number <= 64:
        out.extend(["a" * n for n in (number, number + 1, max(number - 1, 0))])
        out.extend([[0] * n for n in (number, number + 1)])
        out.append({f"k{i}": 0 for i in range(number + 1)})
    return out


def candidate_values(old: Any, new: Any) -> tuple[list[Any], list[str]]:
    """(values, property names) to try at a change's place: what its old and new values name, then probes."""
    values: list[Any] = []
    names: set[str] = set()
    for side in (old, new):
        _harvest(side, values, names)
    seen: set[str] = set()
    out: list[Any] = []
    for v in [*values, *PROBES]:
        key = json.dumps(v, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out[:MAX_VALUES], sorted(names)[:16]


def set_at(doc: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A copy of `doc` with `value` at `path` (containers created or replaced on the way; ABSENT removes)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int) or head == NEXT:
        items = list(doc) if isinstance(doc, list) else []
        index = head if isinstance(head, int) else len(items)
        if value is ABSENT and not rest:
            return items[:index] + items[index + 1:] if index < len(items) else items
        while len(items) <= index:
            items.append(None)
        items[index] = set_at(items[index], rest, value)
        return items
    obj = dict(doc) if isinstance(doc, dict) else {}
    name = str.__str__(head)  # a plain string: a `Slot` key is not a JSON string to every validator
    if value is ABSENT and not rest:
        obj.pop(name, None)
        return obj
    obj[name] = set_at(obj.get(name), rest, value)
    return obj


def at(doc: Any, path: tuple[str | int, ...]) -> Any:
    """The value at `path` (None when absent)."""
    for token in path:
        if isinstance(doc, dict) and isinstance(token, str) and not isinstance(token, Slot):
            doc = doc.get(token)
        elif isinstance(doc, list) and isinstance(token, int) and token < len(doc):
            doc = doc[token]
        else:
            return None
    return doc


def candidates(bases: list[Any], path: tuple[str | int, ...], values: list[Any], names: list[str],
               limit: int) -> Iterator[tuple[int, Any, str]]:
    """(index of the base, document, the edit in words) to try: each base with each value at `path` (or
    without it), and the object there with a named property added or removed."""
    count = 0
    where = "/".join(str(t) for t in ("", *path)) or "/"
    for i, base in enumerate(bases):
        here = at(base, path)
        edits: list[tuple[Any, str]] = [(ABSENT, f"{where} removed")]
        edits += [(v, f"{where} = {short(v)}") for v in [*_like(here, values), *values]]
        if isinstance(here, dict):
            edits += [({k: v for k, v in here.items() if k != name}, f"{where}/{name} removed")
                      for name in names if name in here]
            edits += [({**here, name: v}, f"{where}/{name} = {short(v)}")
                      for name in names if name not in here for v in values[:6]]
        elif here is None and names:
            whole = {name: values[0] if values else None for name in names}
            edits.append((whole, f"{where} = {short(whole)}"))
        for value, text in edits:
            yield i, set_at(base, path, value), text
            count += 1
            if count >= limit:
                return


def _like(here: Any, values: list[Any]) -> list[Any]:
    """Values shaped like the one in place, at the lengths and near the numbers the change names: the
    example's own string repeated or cut to a bound, its own number moved by one."""
    sizes = [v for v in values if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 64]
    if isinstance(here, str) and here:
        return [(here * (n // len(here) + 1))[:n] for n in sizes]
    if isinstance(here, list) and here:
        return [(here * (n // len(here) + 1))[:n] for n in sizes]
    if isinstance(here, (int, float)) and not isinstance(here, bool):
        return [here + 1, here - 1, -here, here + 0.5]
    return []


def short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."
