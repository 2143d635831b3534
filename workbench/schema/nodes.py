"""Subschema iteration and JSON node types.

Only keywords that hold subschemas in the node's dialect are followed, so a
property called `$ref` or `description`, or an `enum` value that looks like a
schema, is never mistaken for one. A nested `$schema` switches the dialect.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..jsontext import Tokens
from .dialect import REF_KEYWORDS, STANDARD, Dialect, Reading

JSON_TYPES: dict[type, str] = {bool: "boolean", int: "integer", float: "number", str: "string",
                               type(None): "null", list: "array", dict: "object"}


def json_type(value: Any) -> str:
    """The JSON type name of a decoded value (`True` -> "boolean", `1` -> "integer")."""
    name = JSON_TYPES.get(type(value))
    if name is None:
        name = next((n for cls, n in JSON_TYPES.items() if isinstance(value, cls)), "string")
    return name


def subschemas(node: Any, dialect: Dialect) -> Iterator[tuple[Tokens, Any]]:
    """(relative pointer, subschema) of every direct subschema of `node` (objects and booleans)."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in dialect.one:
            if isinstance(value, (dict, bool)):
                yield (key,), value
        elif key in dialect.maps:
            if isinstance(value, dict):
                for name, sub in value.items():
                    if isinstance(sub, (dict, bool)):
                        yield (key, name), sub
        elif key in dialect.lists or key in dialect.one_or_list:
            if isinstance(value, list):
                for i, sub in enumerate(value):
                    if isinstance(sub, (dict, bool)):
                        yield (key, i), sub
            elif key in dialect.one_or_list and isinstance(value, (dict, bool)):
                yield (key,), value


def walk(body: Any, reading: Reading = STANDARD) -> Iterator[tuple[Tokens, dict[str, Any], Dialect]]:
    """(pointer, subschema object, its dialect) of every subschema object in a document, depth first, root
    first; dialects as `reading` (the workspace's, `reading_of(config)`) reads them."""
    stack: list[tuple[Tokens, Any, Dialect]] = [((), body, reading.of(body))]
    while stack:
        ptr, node, d = stack.pop()
        if not isinstance(node, dict):
            continue
        if ptr and "$schema" in node:
            d = reading.of(node, d)
        yield ptr, node, d
        children = [(ptr + rel, sub, d) for rel, sub in subschemas(node, d)]
        stack.extend(reversed(children))


def iter_refs(body: Any, reading: Reading = STANDARD) -> Iterator[tuple[Tokens, str]]:
    """Every reference (`$ref`, `$dynamicRef`, `$recursiveRef`) string with the pointer of the object holding it."""
    for ptr, node, _ in walk(body, reading):
        for key in REF_KEYWORDS:
            ref = node.get(key)
            if isinstance(ref, str):
                yield ptr, ref
