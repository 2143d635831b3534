"""Structure-aware walks over JSON Schema bodies and canonical digests of sub-schemas.

Keys of `properties` (and the other name maps) are names, not keywords: a
property called `description` is never mistaken for an annotation.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from .refs import absolute

# keywords whose value is a map of name -> subschema
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# keywords whose value is one subschema
SCHEMA_ONE = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema",
)
# keywords whose value is a list of subschemas
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
# annotations: never change which documents a schema accepts
ANNOTATIONS = frozenset({
    "description", "title", "examples", "$comment", "default", "deprecated", "readOnly", "writeOnly",
    "$schema", "$id", "$anchor", "$dynamicAnchor", "$vocabulary",
})
# keywords whose value is a set (order carries no meaning)
SET_KEYWORDS = frozenset({"required", "enum", "type"})


def required_names(node: dict) -> set[str]:
    """`required` as a set, tolerating a malformed value (validity reports it)."""
    value = node.get("required")
    return {x for x in value if isinstance(x, str)} if isinstance(value, list) else set()


def schema_map(node: dict, key: str) -> dict:
    """A name -> subschema keyword (`properties`, ...) or {} when absent or malformed."""
    value = node.get(key)
    return value if isinstance(value, dict) else {}


def schema_list(node: dict, key: str) -> list:
    """A list-of-subschemas keyword (`allOf`, ...) or [] when absent or malformed."""
    value = node.get(key)
    return value if isinstance(value, list) else []


_INTERN: dict[tuple, int] = {}


def intern(key: tuple) -> int:
    """Hash-consing: equal canonical forms get the same small integer (exact, no collisions)."""
    found = _INTERN.get(key)
    if found is None:
        found = _INTERN[key] = len(_INTERN)
    return found


def _data(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    return value if isinstance(value, (str, int, float)) else json.dumps(value, sort_keys=True)


def structural_digests(body: Any, base_uri: str, min_properties: int,
                       on_properties: Callable[[tuple, dict], None] | None = None) -> list[tuple[int, tuple, int]]:
    """(digest, pointer, property count) of every object subschema with at least
    `min_properties` properties, written out in this body (refs are not followed).

    The digest ignores annotations (description, title, examples, ...), the order
    of keys and of `required`/`enum`/`type`, and how a `$ref` is spelled (it is made
    absolute). One bottom-up pass; equal canonical forms share one interned id, so
    comparing two sub-schemas of any size is comparing two integers. `on_properties`
    is called with (pointer, properties) of every object subschema on the way.
    """
    found: list[tuple[int, tuple, int]] = []

    def digest(node: Any, ptr: tuple) -> int:
        if not isinstance(node, dict):
            return intern(("value", _data(node)))
        parts = []
        for key in sorted(node):
            value = node[key]
            if key in ANNOTATIONS:
                continue
            if key in ("$defs", "definitions") and isinstance(value, dict):
                for name, sub in value.items():  # written out here, but not part of this node's meaning
                    digest(sub, ptr + (key, name))
            elif key == "$ref" and isinstance(value, str):
                parts.append((key, absolute(base_uri, value)))
            elif key in SCHEMA_MAPS and isinstance(value, dict):
                parts.append((key, tuple((n, digest(v, ptr + (key, n))) for n, v in sorted(value.items()))))
            elif key in SCHEMA_ONE and isinstance(value, (dict, bool)):
                parts.append((key, digest(value, ptr + (key,))))
            elif key in SCHEMA_LISTS + ("items",) and isinstance(value, list):
                parts.append((key, tuple(digest(v, ptr + (key, i)) for i, v in enumerate(value))))
            elif key in SET_KEYWORDS and isinstance(value, list):
                parts.append((key, tuple(sorted(json.dumps(v, sort_keys=True) for v in value))))
            else:
                parts.append((key, _data(value)))
        out = intern(tuple(parts))
        props = node.get("properties")
        if isinstance(props, dict):
            if len(props) >= min_properties:
                found.append((out, ptr, len(props)))
            if on_properties is not None:
                on_properties(ptr, props)
        return out

    digest(body, ())
    return found
