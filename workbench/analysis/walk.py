"""Structure-aware walks over JSON Schema bodies and canonical digests of sub-schemas.

Keys of `properties` (and the other name maps) are names, not keywords: a
property called `description` is never mistaken for an annotation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from typing import Any

from .. import cache
from ..jsontext import Tokens
from ..schema.dialect import ALL_LISTS, ALL_MAPS, ALL_ONE, ANNOTATIONS, SET_KEYWORDS
from .refs import absolute

# every keyword holding subschemas in some dialect (the toolkit's `Dialect` has each dialect's own)
SCHEMA_MAPS = tuple(sorted(ALL_MAPS))
SCHEMA_ONE = tuple(sorted(ALL_ONE))
SCHEMA_LISTS = tuple(sorted(ALL_LISTS))

# a written-out object subschema: (digest, pointer, property count)
Block = tuple[int, Tokens, int]
# a duplication candidate: (candidate key, pointer, property count); equal sub-schemas have equal keys (the
# key is the property names), so only places sharing a key need `block_digest`
Candidate = tuple[str, Tokens, int]
# called with (pointer, properties) of every object subschema a digest pass meets
OnProperties = Callable[[Tokens, dict[str, Any]], None]


def required_names(node: dict[str, Any]) -> set[str]:
    """`required` as a set, tolerating a malformed value (validity reports it)."""
    value = node.get("required")
    return {x for x in value if isinstance(x, str)} if isinstance(value, list) else set()


def schema_map(node: dict[str, Any], key: str) -> dict[str, Any]:
    """A name -> subschema keyword (`properties`, ...) or {} when absent or malformed."""
    value = node.get(key)
    return value if isinstance(value, dict) else {}


def schema_list(node: dict[str, Any], key: str) -> list[Any]:
    """A list-of-subschemas keyword (`allOf`, ...) or [] when absent or malformed."""
    value = node.get(key)
    return value if isinstance(value, list) else []


_INTERN: dict[tuple[Any, ...], int] = cache.memo("walk.intern", 10_000_000)  # fields.py clears it, with the facts


def intern(key: tuple[Any, ...]) -> int:
    """Hash-consing: equal canonical forms get the same small integer (exact, no collisions)."""
    found = _INTERN.get(key)
    if found is None:
        found = _INTERN[key] = len(_INTERN)
    return found


def _data(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    return value if isinstance(value, (str, int, float)) else json.dumps(value, sort_keys=True)


def _json(value: Any) -> str:
    """`json.dumps(value, sort_keys=True)`, with fast paths for scalars."""
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is int:
        return int.__repr__(value)
    if value is None or kind is bool:
        return "null" if value is None else "true" if value else "false"
    return json.dumps(value, sort_keys=True)


# how `_digest` reads the value of each keyword (any other keyword's value is data)
_SKIP, _DEFS, _MAP, _ONE, _LIST, _ONE_OR_LIST, _SET, _REF = range(8)
_KIND = {key: _MAP for key in SCHEMA_MAPS}
_KIND.update({key: _ONE for key in SCHEMA_ONE})
_KIND.update({key: _LIST for key in SCHEMA_LISTS})
_KIND.update({key: _SET for key in SET_KEYWORDS})
_KIND.update({"items": _ONE_OR_LIST, "$defs": _DEFS, "definitions": _DEFS, "$ref": _REF})
_KIND.update({key: _SKIP for key in ANNOTATIONS})


def structural_digests(body: Any, base_uri: str, min_properties: int,
                       on_properties: OnProperties | None = None) -> list[Block]:
    """(digest, pointer, property count) of every object subschema with at least
    `min_properties` properties, written out in this body (refs are not followed).

    The digest ignores annotations (description, title, examples, ...), the order
    of keys and of `required`/`enum`/`type`, and how a `$ref` is spelled (it is made
    absolute). One bottom-up pass; equal canonical forms share one interned id, so
    comparing two sub-schemas of any size is comparing two integers. `on_properties`
    is called with (pointer, properties) of every object subschema on the way.
    """
    found: list[Block] = []
    _digest(body, (), base_uri, min_properties, on_properties, found)
    return found


def _digest(node: Any, ptr: Tokens, base_uri: str, least: int, on_properties: OnProperties | None,
            found: list[Block]) -> int:
    """Interned canonical form of `node` (at `ptr`); see `structural_digests`."""
    if not isinstance(node, dict):
        return intern(("value", _data(node)))
    parts: list[tuple[str, Any]] = []
    kinds = _KIND
    for key in sorted(node):
        kind = kinds.get(key)
        value = node[key]
        if kind is None:
            pass
        elif kind == _SKIP:
            continue
        elif kind == _DEFS:
            if isinstance(value, dict):
                for name, sub in value.items():  # written out here, but not part of this node's meaning
                    _digest(sub, ptr + (key, name), base_uri, least, on_properties, found)
                continue
        elif kind == _REF:
            if isinstance(value, str):
                try:
                    parts.append((key, absolute(base_uri, value)))
                except ValueError:  # malformed: compared as written (V003 reports it)
                    parts.append((key, value))
                continue
        elif kind == _MAP:
            if isinstance(value, dict):
                parts.append((key, tuple([(n, _digest(v, ptr + (key, n), base_uri, least, on_properties, found)
                                           if isinstance(v, dict) else intern(("value", _data(v))))
                                          for n, v in sorted(value.items())])))
                continue
        elif kind == _SET:
            if isinstance(value, list):
                parts.append((key, tuple(sorted([_json(v) for v in value]))))
                continue
        else:  # a subschema, a list of them, or (`items`) either
            if kind != _LIST and isinstance(value, (dict, bool)):
                parts.append((key, _digest(value, ptr + (key,), base_uri, least, on_properties, found)
                              if isinstance(value, dict) else intern(("value", _data(value)))))
                continue
            if kind != _ONE and isinstance(value, list):
                parts.append((key, tuple([_digest(v, ptr + (key, i), base_uri, least, on_properties, found)
                                          if isinstance(v, dict) else intern(("value", _data(v)))
                                          for i, v in enumerate(value)])))
                continue
        parts.append((key, value if type(value) is str else _data(value)))
    out = intern(tuple(parts))
    props = node.get("properties")
    if isinstance(props, dict):
        if len(props) >= least:
            found.append((out, ptr, len(props)))
        if on_properties is not None:
            on_properties(ptr, props)
    return out




def object_schemas(body: Any) -> list[tuple[Tokens, dict[str, Any]]]:
    """(pointer, properties) of every object subschema written out in `body` (refs not followed), met in
    the order `structural_digests` meets them (children first); a cheap walk, no digests."""
    found: list[tuple[Tokens, dict[str, Any]]] = []
    _objects(body, (), found)
    return found


def _objects(node: dict[str, Any], ptr: Tokens, found: list[tuple[Tokens, dict[str, Any]]]) -> None:
    kinds = _KIND
    for key in sorted(node):
        kind = kinds.get(key)
        if kind is None or kind == _SKIP or kind == _SET or kind == _REF:
            continue
        value = node[key]
        if kind == _DEFS or kind == _MAP:
            if isinstance(value, dict):
                items = value.items() if kind == _DEFS else sorted(value.items())
                for name, sub in items:
                    if isinstance(sub, dict):
                        _objects(sub, ptr + (key, name), found)
        elif isinstance(value, dict):
            if kind != _LIST:
                _objects(value, ptr + (key,), found)
        elif isinstance(value, list) and kind != _ONE:
            for i, sub in enumerate(value):
                if isinstance(sub, dict):
                    _objects(sub, ptr + (key, i), found)
    props = node.get("properties")
    if isinstance(props, dict):
        found.append((ptr, props))


def block_key(props: dict[str, Any]) -> str:
    """The candidate key of an object subschema: equal canonical forms have equal property names (the
    same text in every process: facts are kept in the disk cache)."""
    return "\x00".join(sorted(props))


def block_digest(node: dict[str, Any], base_uri: str) -> int:
    """The interned canonical digest of one object subschema (see `structural_digests`)."""
    return _digest(node, (), base_uri, 1 << 62, None, [])
