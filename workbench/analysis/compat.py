"""Classify the changes between two versions of a workspace's schemas.

Every change is judged by what it does to the set of documents the schema
accepts: `narrowed` (documents valid before may be rejected: breaks producers,
backward-incompatible), `widened` (documents rejected before are accepted:
breaks strict consumers, forward-incompatible), `both`, or `none`. Which of
those a workspace tolerates is the compatibility mode (rules/compatibility.py).

Both versions are compared after resolving `$ref`s (moving a sub-schema behind a
`$ref` that accepts the same documents is no change) and after spelling older
drafts' keywords as 2020-12's (`as_2020`, the one place that knows drafts). `allOf`/`anyOf`/`oneOf` branches
are paired by content, never by position; a property is compared with what the
other version applies to its name (`patternProperties`, `additionalProperties`,
`unevaluatedProperties`), so removing a property from a closed object narrows
and removing one declared `false` changes nothing; a name that meets the same
`patternProperties` in both versions keeps meeting them (its own schema is a
conjunct). Positions past `prefixItems` fall under `items`, else under
`unevaluatedItems`. A dependent schema is judged on the objects it applies to,
and a version that accepts nothing (a contradictory `allOf`) is one change, not
its keywords' differences. `tests/test_compat_witness.py` checks every verdict
against documents that prove a narrowing or a widening.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urljoin

from ..allocation import paused_gc
from ..config import WorkspaceConfig
from ..jsontext import Tokens
from ..model import Decisions, SchemaDoc, Source, Workspace
from ..schema.dialect import ANNOTATIONS, SET_KEYWORDS, SPEC_FORMATS, Dialect
from ..schema.uri import pointer_str
from .patterns import pattern_relation, search
from .resolve import Resolver
from .walk import SCHEMA_LISTS, SCHEMA_MAPS, SCHEMA_ONE, required_names, schema_list, schema_map

NARROWED, WIDENED, BOTH, NONE = "narrowed", "widened", "both", "none"
UNDECIDED = "undecided"  # one side cannot be read (a reference that does not resolve, a file that does not load)
EFFECTS = (NARROWED, WIDENED, BOTH, NONE, UNDECIDED)
BREAKS = {NARROWED: "producers", WIDENED: "consumers", BOTH: "both", NONE: "none", UNDECIDED: "undecided"}
EFFECT_TEXT = {
    NARROWED: "narrowed: documents valid before may now be rejected",
    WIDENED: "widened: documents rejected before are now accepted",
    BOTH: "narrowed and widened: each version accepts documents the other rejects",
    NONE: "accepts the same documents",
    UNDECIDED: "undecided: one version cannot be read, so nothing below it is compared",
}

# every change kind -> a one-line example (old -> new); `workbench explain C001` lists them
KINDS: dict[str, str] = {
    "schema deleted": "a contract schema file is removed",
    "schema added": "a new contract schema file",
    "schema tightened": 'true -> {"type": "string"}',
    "schema relaxed": '{"type": "string"} -> true',
    "schema replaced": '{"type": "string"} -> 5 (not a schema)',
    "$ref retargeted": '{"$ref": "#/$defs/a"} -> {"$ref": "#/$defs/b"} (a and b differ)',
    "type narrowed": '{"type": ["string", "null"]} -> {"type": "string"}',
    "type widened": '{"type": "string"} -> {"type": ["string", "null"]}',
    "type changed": '{"type": "string"} -> {"type": "integer"}',
    "enum added": '{"type": "string"} -> {"enum": ["a", "b"]}',
    "enum removed": '{"enum": ["a", "b"]} -> {}',
    "enum value removed": '{"enum": ["a", "b"]} -> {"enum": ["a"]}',
    "enum widened": '{"enum": ["a"]} -> {"enum": ["a", "b"]}',
    "enum changed": '{"enum": ["a", "b"]} -> {"enum": ["b", "c"]} (a value removed and another added)',
    "const added": '{"type": "string"} -> {"const": "a"}',
    "const removed": '{"const": "a"} -> {"type": "string"}',
    "const changed": '{"const": "a"} -> {"const": "b"}',
    "pattern tightened": '{} -> {"pattern": "^[a-z]+$"}, or "^[a-z]*$" -> "^[a-z]+$"',
    "pattern relaxed": '"^[a-z]+$" -> "^[a-zA-Z]+$", or the pattern removed',
    "pattern changed": '"^[a-z]+$" -> "^(foo|bar)$" (neither provably contains the other)',
    "format tightened": '{"type": "string"} -> {"type": "string", "format": "email"}',
    "format relaxed": '{"format": "email"} -> {}',
    "format changed": '{"format": "email"} -> {"format": "uri"}',
    "range tightened": '{"minimum": 0} -> {"exclusiveMinimum": 0}',
    "range relaxed": '{"maximum": 10} -> {"maximum": 20}',
    "length tightened": '{"maxLength": 10} -> {"maxLength": 5}',
    "length relaxed": '{"minLength": 3} -> {"minLength": 1}',
    "count tightened": '{"maxItems": 10} -> {"maxItems": 5} (items, properties, contains)',
    "count relaxed": '{"minProperties": 2} -> {}',
    "multipleOf tightened": '{"multipleOf": 2} -> {"multipleOf": 4}',
    "multipleOf relaxed": '{"multipleOf": 4} -> {"multipleOf": 2}',
    "multipleOf changed": '{"multipleOf": 2} -> {"multipleOf": 3}',
    "uniqueItems tightened": '{} -> {"uniqueItems": true}',
    "uniqueItems relaxed": '{"uniqueItems": true} -> {}',
    "property removed": 'closed {"properties": {"a": {}}} -> closed {} (narrows; widens when the object is open)',
    "optional property added": 'closed {} -> closed {"properties": {"a": {}}}',
    "required property added": 'closed {} -> closed {"properties": {"a": {}}, "required": ["a"]} (one change: '
                                'narrowed, and widened when the object was closed)',
    "property added to open object": '{} -> {"properties": {"a": {"type": "string"}}} (none under `additive`)',
    "property renamed": '{"properties": {"a": S}} -> {"properties": {"b": S}} (a property removed and one of the '
                        'same shape added: probably a rename)',
    "property newly required": '{"required": []} -> {"required": ["a"]}',
    "property no longer required": '{"required": ["a"]} -> {"required": []}',
    "patternProperties entry added": '{} -> {"patternProperties": {"^x-": {"type": "string"}}}',
    "patternProperties entry removed": '{"patternProperties": {"^x-": {"type": "string"}}} -> {}',
    "additionalProperties closed": '{} -> {"additionalProperties": false}',
    "additionalProperties constrained": '{} -> {"additionalProperties": {"type": "string"}}',
    "additionalProperties opened": '{"additionalProperties": false} -> {}',
    "unevaluatedProperties closed": '{} -> {"unevaluatedProperties": false}',
    "unevaluatedProperties constrained": '{} -> {"unevaluatedProperties": {"type": "string"}}',
    "unevaluatedProperties opened": '{"unevaluatedProperties": false} -> {}',
    "prefixItems entry added": '{"items": false} -> {"prefixItems": [{}], "items": false} (draft-07: items [...])',
    "prefixItems entry removed": '{"prefixItems": [{}], "items": false} -> {"items": false}',
    "items tightened": '{} -> {"items": {"type": "string"}} (draft-07: additionalItems)',
    "items relaxed": '{"items": {"type": "string"}} -> {}',
    "unevaluatedItems tightened": '{} -> {"unevaluatedItems": false}',
    "unevaluatedItems relaxed": '{"unevaluatedItems": false} -> {}',
    "contains added": '{} -> {"contains": {"const": 1}}',
    "contains removed": '{"contains": {"const": 1}} -> {}',
    "propertyNames tightened": '{} -> {"propertyNames": {"maxLength": 8}}',
    "propertyNames relaxed": '{"propertyNames": {"maxLength": 8}} -> {}',
    "not added": '{} -> {"not": {"type": "null"}}',
    "not removed": '{"not": {"type": "null"}} -> {}',
    "not tightened": '{"not": {"type": "integer"}} -> {"not": {"type": "number"}}',
    "not relaxed": '{"not": {"type": "number"}} -> {"not": {"type": "integer"}}',
    "not changed": '{"not": {"type": "string"}} -> {"not": {"type": "number"}}',
    "conditional added": '{} -> {"if": {...}, "then": {...}}',
    "conditional removed": '{"if": {...}, "then": {...}} -> {}',
    "conditional changed": '{"if": {"required": ["a"]}, ...} -> {"if": {"required": ["b"]}, ...}',
    "then tightened": 'same `if`, {"then": {}} -> {"then": {"required": ["b"]}}',
    "then relaxed": 'same `if`, {"then": {"required": ["b"]}} -> {"then": {}}',
    "else tightened": 'same `if`, {} -> {"else": {"required": ["b"]}}',
    "else relaxed": 'same `if`, {"else": {"required": ["b"]}} -> {}',
    "dependentRequired added": '{} -> {"dependentRequired": {"a": ["b"]}} (draft-07: dependencies)',
    "dependentRequired removed": '{"dependentRequired": {"a": ["b"]}} -> {}',
    "dependentRequired tightened": '{"dependentRequired": {"a": ["b"]}} -> {"dependentRequired": {"a": ["b", "c"]}}',
    "dependentRequired relaxed": '{"dependentRequired": {"a": ["b", "c"]}} -> {"dependentRequired": {"a": ["b"]}}',
    "dependentRequired changed": '{"dependentRequired": {"a": ["b"]}} -> {"dependentRequired": {"a": ["c"]}}',
    "dependentSchemas tightened": '{} -> {"dependentSchemas": {"a": {"required": ["b"]}}} (draft-07: dependencies)',
    "dependentSchemas relaxed": '{"dependentSchemas": {"a": {"required": ["b"]}}} -> {}',
    "branch added": '{"anyOf": [A, B]} -> {"anyOf": [A, B, C]}; {"type": "string"} -> {"oneOf": [{"type": '
                    '"string"}, {"type": "number"}]}',
    "branch removed": '{"anyOf": [A, B, C]} -> {"anyOf": [A, B]}',
    "allOf branch added": '{"allOf": [A]} -> {"allOf": [A, B]}',
    "allOf branch removed": '{"allOf": [A, B]} -> {"allOf": [A]} (a duplicated branch is no change)',
    "allOf added": '{} -> {"allOf": [A, B]}',
    "allOf removed": '{"allOf": [A, B]} -> {}',
    "anyOf added": '{} -> {"anyOf": [A, B]} (a plain schema that becomes one branch is "branch added")',
    "anyOf removed": '{"anyOf": [A, B]} -> {}',
    "oneOf added": '{} -> {"oneOf": [A, B]}',
    "oneOf removed": '{"oneOf": [A, B]} -> {}',
    "union keyword changed": '{"allOf": [A, B]} -> {"anyOf": [A, B]} (oneOf [A] -> anyOf [A] is no change)',
    "keyword changed": '{"$dynamicRef": "#a"} -> {"$dynamicRef": "#b"} (not compared further)',
    "comparison undecided": "schemas nested deeper than compared, a $ref chain longer than followed, a comparison "
                            "over its work budget: treated as both, never as no change",
    "reference unresolved": '{"$ref": "defs.json#/a"} -> {"$ref": "defs.json#/b"}, one of which does not resolve '
                            '(undecided, never compared with "anything")',
    "schema does not load": "a contract schema file that is not valid JSON on one side (undecided, never added "
                            "or deleted)",
}

# the reason shown for a kind whose effect needs more than the generic sentence
WHY = {
    "pattern changed": "undetermined: workbench cannot prove whether either pattern admits every string of the "
                       "other, so the change is treated as both a narrowing and a widening (the witnesses show "
                       "which is proven)",
    "property added to open object": "the object was open, so documents may already use the name with another "
                                     "shape",
    "keyword changed": "workbench does not compare this keyword, so the change is treated as both",
}

LOWER = {"minLength": "length", "minItems": "count", "minProperties": "count", "minContains": "count"}
UPPER = {"maxLength": "length", "maxItems": "count", "maxProperties": "count", "maxContains": "count"}
UNIONS = ("allOf", "anyOf", "oneOf")
# keywords whose absence means `true` (an always-valid subschema)
ABSENT_TRUE = ("additionalProperties", "unevaluatedProperties", "unevaluatedItems", "propertyNames")
# keywords without an assertion in 2020-12 (content* are annotations unless a vocabulary says otherwise)
IGNORED = ANNOTATIONS | {"$defs", "definitions", "contentSchema"}
OPAQUE = ("$dynamicRef", "$recursiveRef")
TRIVIAL = ("true", "{}")
MAX_DEPTH = 96  # pointer tokens compared (48 levels of `properties`); deeper is "comparison undecided"
MAX_REFS = 32  # `$ref`s followed in a chain; a longer one is "comparison undecided"
MAX_STEPS = 200_000  # canonical forms and node pairs computed for one schema; over it, "comparison undecided"
MAX_NESTING = 150  # subschemas nested inside each other (through `$ref`s too) in a canonical form
DIGEST_AT = 64  # canonical texts longer than this are kept as their digest
_ABSENT = object()


class Undecided(Exception):
    """A comparison cut off by a limit: reported as "comparison undecided" (both), never as no change."""

Schema = dict[str, Any]  # a schema object (boolean schemas and non-schemas are `Any`)
Active = set[tuple[int, int]]  # (id(old node), id(new node)) pairs being compared: a `$ref` cycle stops there
Branches = list[tuple[int, Any]]  # (index as written, branch) of a union keyword's branches


class Side(NamedTuple):
    """One version in a comparison: a subschema (or a union's branches) and the base URI its `$ref`s resolve against."""

    base: str
    node: Any

    def sub(self, node: Any) -> Side:
        """Another node of the same version, read against the same base."""
        return Side(self.base, node)


class At(NamedTuple):
    """Where a comparison is: the schema file changes are reported in, the pointer there, the pairs being compared."""

    path: str
    ptr: Tokens
    active: Active

    def below(self, *tokens: str | int) -> At:
        """The place `tokens` further down, in the same comparison."""
        return At(self.path, self.ptr + tokens, self.active)


# --- dialects: older drafts' keywords spelled as 2020-12's (vocabulary from workbench.schema) ---------------
SPELLED = "\x00spelled"  # the keyword a normalised key was written as (for pointers into the file)


def as_2020(node: Schema, vocab: Dialect) -> Schema:
    """`node` (a schema object read in dialect `vocab`) with older drafts' keywords spelled as 2020-12's:
    tuple `items: [...]` + `additionalItems` -> `prefixItems` + `items`; `dependencies` ->
    `dependentRequired` / `dependentSchemas`."""
    items, deps = node.get("items"), node.get("dependencies")
    tuple_items = isinstance(items, list) and "items" in vocab.one_or_list
    legacy_deps = deps if isinstance(deps, dict) and "dependencies" in vocab.maps else None
    if not (tuple_items or legacy_deps is not None or "additionalItems" in node):
        return node
    out: Schema = dict(node)
    spelled: dict[str, str] = {}
    out.pop("additionalItems", None)  # meaningful only beside a tuple `items`
    if tuple_items:
        out["prefixItems"], spelled["prefixItems"] = items, "items"
        out.pop("items")
        if "additionalItems" in node and "additionalItems" in vocab.one:
            out["items"], spelled["items"] = node["additionalItems"], "additionalItems"
    if legacy_deps is not None:
        out.pop("dependencies")
        req = {k: v for k, v in legacy_deps.items() if isinstance(v, list)}
        sch = {k: v for k, v in legacy_deps.items() if not isinstance(v, list)}
        for key, part in (("dependentRequired", req), ("dependentSchemas", sch)):
            if part:
                written = out.get(key)
                out[key], spelled[key] = part | (written if isinstance(written, dict) else {}), "dependencies"
    out[SPELLED] = spelled
    return out


def original_key(node: Schema, key: str) -> str:
    """How `node`'s file spells the (2020-12) keyword `key`."""
    spelled: dict[str, str] = node.get(SPELLED, {})
    return spelled.get(key, key)


def combine(effects: Iterable[str]) -> str:
    """One effect for several changes (undecided when one of them is)."""
    found = set(effects) - {NONE}
    return UNDECIDED if UNDECIDED in found else found.pop() if len(found) == 1 else BOTH if found else NONE


def flip(effect: str) -> str:
    """The effect of the same change read in the other direction (new -> old)."""
    return {NARROWED: WIDENED, WIDENED: NARROWED}.get(effect, effect)


@dataclass(frozen=True)
class Change:
    schema: str
    pointer: str
    kind: str
    old: str
    new: str
    effect: str  # narrowed | widened | both | none (under the strict reading)
    why: str = ""
    lenient: str | None = None  # the effect under the `additive` reading, when it differs
    # the old and new values as written (keyword values or subschemas): what a witness search tries there
    raw: tuple[Any, Any] = field(default=(None, None), compare=False, repr=False)
    # the other places (file, pointer) whose `$ref` reaches the definition this change is in
    uses: tuple[tuple[str, str], ...] = ()
    # (contract schema, pointer) where the comparison first met it, when it is reported at a definition
    reached: tuple[str, str] | None = field(default=None, compare=False)

    @property
    def breaks(self) -> str:
        """Who this change can break under the strict reading: producers | consumers | both | none."""
        return BREAKS[self.effect]

    def effect_under(self, additive: bool) -> str:
        return self.lenient if additive and self.lenient is not None else self.effect

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in ("raw", "reached")} | {"breaks": self.breaks}

    @property
    def reason(self) -> str:
        return self.why or EFFECT_TEXT[self.effect]


class Plain(str):
    """A word shown as is (not as a JSON value) in old -> new."""


def short(value: Any, limit: int = 100) -> str:
    if value is _ABSENT:
        return "(absent)"
    if isinstance(value, Plain):
        return str(value)
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- value-level helpers ------------------------------------------------------------------------
def _types(node: Schema) -> set[str] | None:
    t = node.get("type")
    if t is None:
        return None
    return {str(x) for x in t} if isinstance(t, list) else {str(t)}


def _accepts(types: set[str] | None, t: str) -> bool:
    return types is None or t in types or (t == "integer" and "number" in types)


def _intersect(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """The types both sets admit (None: any type)."""
    if a is None or b is None:
        return b if a is None else a
    return {t for t in a if _accepts(b, t)} | {t for t in b if _accepts(a, t)}


def _conj(schemas: list[Any]) -> Any:
    return schemas[0] if len(schemas) == 1 else {"allOf": schemas}


def _overlap(a: set[str] | None, b: set[str] | None) -> bool:
    return a is None or b is None or any(_accepts(b, t) or (t == "number" and "integer" in b) for t in a)


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "unknown")


def _key(value: Any) -> str:
    """JSON identity of a value (1 and 1.0 are the same number)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


COVER_PAIRS = 64  # branch pairs `covered` compares in full (each a whole sub-diff) before it gives up


_TYPE_KEYWORDS = {
    "object": ("properties", "required", "additionalProperties", "patternProperties", "minProperties",
               "maxProperties", "propertyNames", "dependentRequired", "dependentSchemas", "dependencies",
               "unevaluatedProperties"),
    "array": ("items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains",
              "unevaluatedItems", "minContains", "maxContains"),
    "string": ("pattern", "minLength", "maxLength"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
}


def _implied_types(node: Schema) -> set[str] | None:
    """The types an untyped schema's own keywords describe (`properties`: objects), or None when it has none."""
    found = {t for t, keys in _TYPE_KEYWORDS.items() if any(k in node for k in keys)}
    return (found | {"integer"} if "number" in found else found) or None


def _asserted_format(node: Schema) -> Any:
    """`format` where a validator could assert it (a format the drafts define), else absent: `format:
    template` is an annotation everywhere, so adding it narrows nothing."""
    value = node.get("format", _ABSENT)
    return value if isinstance(value, str) and value in SPEC_FORMATS else _ABSENT


def _tagged_apart(a: Any, b: Any) -> bool:
    """True when two union branches carry different tags: a property both require, whose `const`/`enum`
    values do not meet (Azure Pipelines' task branches, `{task: {enum: ["X@4"]}}`). Such branches are
    different alternatives, never one branch edited: pairing them reports a removed task as renamed fields."""
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    pa, pb = schema_map(a, "properties"), schema_map(b, "properties")
    for name in sorted(required_names(a) & required_names(b) & set(pa) & set(pb)):
        va, vb = _tag(pa[name]), _tag(pb[name])
        if va is not None and vb is not None and not va & vb:
            return True
    return False


def _tag(node: Any) -> set[str] | None:
    """The values a tag property admits: its `const`/`enum`, or the one string a `^literal$` pattern matches."""
    if not isinstance(node, dict):
        return None
    values = _values(node)
    if values is not None:
        return set(values)
    pattern = node.get("pattern")
    if isinstance(pattern, str) and re.fullmatch(r"\^[^\\.^$*+?{}\[\]|()]*\$", pattern):
        return {_key(pattern[1:-1])}
    return None


def _values(node: Schema) -> dict[str, Any] | None:
    """The finite set of values a schema admits through `enum`/`const` (filtered by `type`), or None."""
    types = _types(node)
    if "const" in node:
        vals = [node["const"]]
        if isinstance(node.get("enum"), list) and _key(node["const"]) not in {_key(v) for v in node["enum"]}:
            vals = []
    elif isinstance(node.get("enum"), list):
        vals = node["enum"]
    elif types and types <= {"null", "boolean"}:  # types with finitely many values
        vals = [None, True, False]
    else:
        return None
    return {_key(v): v for v in vals if _accepts(types, _type_of(v))}


def _bool_effect(oc: str, nc: str) -> str:
    """Effect between two canonical forms when one is a boolean schema (or `{}`)."""
    if oc in TRIVIAL or nc == "false":
        return NARROWED
    if nc in TRIVIAL or oc == "false":
        return WIDENED
    return BOTH


class Differ:
    """Compare one baseline workspace with the current one."""

    def __init__(self, old: Workspace, new: Workspace):
        self.old, self.new = Resolver(old), Resolver(new)
        # (id(resolver), base, id(node)) -> (node, canonical form); (id(resolver), id(node)) -> (node, 2020 form)
        self._canon: dict[tuple[int, str, int], tuple[Any, str]] = {}
        self._norm: dict[tuple[int, int], tuple[Any, Schema]] = {}
        self._busy: set[tuple[int, str, int]] = set()  # canonical forms being computed (a `$ref` cycle)
        # (id(old node), id(new node)) reached through a `$ref` -> (nodes, changes found, pointers of its uses)
        self._pairs: dict[tuple[int, int], tuple[Any, Any, list[Change], list[tuple[str, str]]]] = {}
        self.steps = 0  # work done for the current schema (MAX_STEPS)
        # definitions being compared where they are: (their file, pointer, the referring file, pointer)
        self._via: list[tuple[str, Tokens, str, Tokens]] = []

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Undecided(f"the comparison is over its budget of {MAX_STEPS} steps")

    # --- resolution -------------------------------------------------------------------------
    def effective(self, res: Resolver, base: str, node: Any) -> tuple[str, Any, str | None]:
        """Follow `$ref`s (keywords written beside a `$ref` are kept), spell the result as 2020-12.
        Returns (base, node, ref target)."""
        base = res.index.enter(base, node)  # a nested `$id` (`id` in draft-04) changes the base, as in `--check`
        target = None
        extra: Schema = {}
        for _ in range(MAX_REFS):  # a longer chain stays a `$ref` here (`canon` follows it, `compare` stops)
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                break
            hit = res.resolve(base, node["$ref"])
            if hit is None:
                break
            extra = {k: v for k, v in node.items() if k != "$ref" and k not in IGNORED} | extra
            target = target or hit[1]
            base, node = hit[0], hit[2]
        if isinstance(node, dict):
            node = self.norm(res, base, node)
            if extra:
                node = {"allOf": [node, self.norm(res, base, extra)]} if set(extra) & set(node) else {**node, **extra}
        return base, node, target

    def norm(self, res: Resolver, base: str, node: Schema) -> Schema:
        key = (id(res), id(node))
        hit = self._norm.get(key)
        if hit is None or hit[0] is not node:
            doc = res.docs.get(base.partition("#")[0])
            hit = self._norm[key] = (node, as_2020(node, res.index.reading.of(doc.body if doc else None)))
        return hit[1]

    def canon(self, res: Resolver, base: str, node: Any) -> str:
        """Canonical form of what a (sub)schema accepts, after `$ref` resolution: `true`, `false`, a
        short canonical text, or the digest of one whose subschemas are their own canonical forms (so a
        DAG of definitions costs its size, never its number of paths). Memoised (the memo keeps `node`
        alive, so its id cannot be reused by another object); a `$ref` back into a form being computed
        is the reference itself."""
        key = (id(res), base, id(node))
        hit = self._canon.get(key)
        if hit is not None and hit[0] is node:
            return hit[1]
        if key in self._busy:  # a cycle: the reference stands for its target
            _, _, target = self.effective(res, base, node)
            return json.dumps({"$cycle": _rel(target or base)})
        if len(self._busy) > MAX_NESTING:
            raise Undecided(f"the schemas nest more than {MAX_NESTING} levels deep")
        self.step()
        self._busy.add(key)
        try:
            text = json.dumps(self._canon_value(res, base, node), sort_keys=True)
        finally:
            self._busy.discard(key)
        if text == "{}":
            text = "true"
        elif len(text) > DIGEST_AT:
            text = "#" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        self._canon[key] = (node, text)
        return text

    def _canon_value(self, res: Resolver, base: str, node: Any) -> Any:
        base, node, _ = self.effective(res, base, node)
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in IGNORED or key.startswith("\x00"):
                continue
            if key == "$ref" and isinstance(value, str):  # still a ref: it did not resolve, or the chain goes on
                out[key] = self.canon(res, base, node) if res.resolve(base, value) else _rel(urljoin(base, value))
            elif key in SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {n: self.canon(res, base, v) for n, v in value.items()}
            elif key in SCHEMA_ONE:
                out[key] = self.canon(res, base, value)
            elif key in SCHEMA_LISTS and isinstance(value, list):
                subs = [self.canon(res, base, v) for v in value]
                out[key] = subs if key == "prefixItems" else sorted(subs if key == "oneOf" else set(subs))
            elif key in SET_KEYWORDS and isinstance(value, list):
                out[key] = sorted({_key(v) for v in value})
            else:
                out[key] = value
        for key in UNIONS:  # a one-branch union is the branch itself, whichever keyword holds it
            if key != "allOf" and isinstance(out.get(key), list) and len(out[key]) == 1:
                out["allOf"] = sorted(set(out.get("allOf", [])) | set(out.pop(key)))
        if "const" in out and "enum" not in out:
            out["enum"] = [_key(out.pop("const"))]
        for key in ABSENT_TRUE + ("items",):  # defaults spelled out are no change
            if out.get(key) in TRIVIAL:
                del out[key]
        for key, default in (("minLength", 0), ("minItems", 0), ("minProperties", 0), ("uniqueItems", False),
                             ("required", []), ("properties", {}), ("patternProperties", {})):
            if key in out and out[key] == default:
                del out[key]
        return out

    def relation(self, at: At, old: Side, new: Side) -> tuple[str, str]:
        """(strict, additive) effect of replacing `old` by `new`."""
        inner: list[Change] = []
        self.node(inner, at, old, new)
        return combine(c.effect for c in inner), combine(c.effect_under(True) for c in inner)

    def disjoint(self, one: Side, other: Side, res: Resolver | None = None, depth: int = 0) -> bool:
        """True when no document can match both schemas (types, values or a shared required discriminator)."""
        res = res or self.new
        _, a, _ = self.effective(res, *one)
        _, b, _ = self.effective(res, *other)
        if a is False or b is False:
            return True
        if not (isinstance(a, dict) and isinstance(b, dict)) or depth > 3:
            return False
        ta, tb, va, vb = _types(a), _types(b), _values(a), _values(b)
        if not _overlap(ta, tb):
            return True
        if va is not None and vb is not None and not (va.keys() & vb.keys()):
            return True
        if va is not None and not any(_accepts(tb, _type_of(v)) for v in va.values()):
            return True
        if vb is not None and not any(_accepts(ta, _type_of(v)) for v in vb.values()):
            return True
        pa, pb = schema_map(a, "properties"), schema_map(b, "properties")
        both = required_names(a) & required_names(b) & set(pa) & set(pb)
        return any(self.disjoint(one.sub(pa[p]), other.sub(pb[p]), res, depth + 1) for p in sorted(both))

    def conj_types(self, res: Resolver, base: str, node: Any, depth: int = 0) -> set[str] | None:
        """The types a schema admits with its `allOf` branches (None: any); empty when they contradict."""
        if not isinstance(node, dict) or depth > 8:
            return None
        out = _types(node)
        for branch in schema_list(node, "allOf"):
            b_base, b, _ = self.effective(res, base, branch)
            out = _intersect(out, {"object"} if b is False else self.conj_types(res, b_base, b, depth + 1))
            if b is False:
                return set()
        return out

    def empty(self, res: Resolver, base: str, node: Any, within: set[str] | None = None, depth: int = 0) -> bool:
        """True when the schema provably accepts no document (of the types `within`): `false`, types that
        exclude each other across `allOf`, no `enum`/`const` value of an admitted type, an empty branch."""
        if node is False:
            return True
        if not isinstance(node, dict) or depth > 8:
            return False
        types = _intersect(self.conj_types(res, base, node), within)
        if types is not None and not types:
            return True
        values = _values(node)
        if values is not None and not any(_accepts(types, _type_of(v)) for v in values.values()):
            return True
        return any(self.empty(res, *self.effective(res, base, b)[:2], within, depth + 1)
                   for b in schema_list(node, "allOf"))

    def within_objects(self, res: Resolver, base: str, node: Any) -> Any:
        """A schema applied only to objects (a dependent schema): `false` when it rejects every object,
        without a `type` that admits objects anyway."""
        if self.empty(res, base, node, {"object"}):
            return False
        if isinstance(node, dict) and _accepts(_types(node), "object") and "type" in node:
            return {k: v for k, v in node.items() if k != "type"}
        return node

    def evaluates(self, res: Resolver, base: str, node: Schema, keys: tuple[str, ...], depth: int = 0) -> bool:
        """True when an in-place applicator of `node` (allOf, anyOf, oneOf, if/then/else, dependentSchemas)
        holds one of `keys`: then `unevaluated*` depends on what those branches evaluate."""
        if depth > 8:
            return True
        subs = [b for k in UNIONS for b in schema_list(node, k)]
        subs += [node[k] for k in ("if", "then", "else") if k in node]
        subs += list(schema_map(node, "dependentSchemas").values())
        for sub in subs:
            b_base, b, _ = self.effective(res, base, sub)
            if isinstance(b, dict) and (any(k in b for k in keys) or self.evaluates(res, b_base, b, keys, depth + 1)):
                return True
        return False

    def rest(self, res: Resolver, base: str, node: Schema, key: str) -> Any:
        """What `node` applies where its `items` (positions past `prefixItems`) or `additionalProperties`
        (names no `properties`/`patternProperties` entry holds) is absent: `unevaluatedItems` /
        `unevaluatedProperties` when nothing else evaluates them, else `true`."""
        if key in node:
            return node[key]
        fallback, evaluating = (("unevaluatedItems", ("prefixItems", "items", "contains", "unevaluatedItems"))
                                if key == "items" else
                                ("unevaluatedProperties", ("properties", "patternProperties", "additionalProperties",
                                                           "unevaluatedProperties")))
        if fallback in node and not (key == "items" and "contains" in node) and not self.evaluates(
                res, base, node, evaluating):
            return node[fallback]
        return True

    def location(self, res: Resolver, base: str, node: Any) -> tuple[str, Tokens] | None:
        """(file, pointer) of the definition a plain `$ref` leads to in one hop (none beside it, the target not
        a `$ref` itself, addressed by a pointer from its file's root), or None."""
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)) or any(
                k != "$ref" and k not in IGNORED for k in node):
            return None
        hit = res.resolve(base, node["$ref"])
        if hit is None or (isinstance(hit[2], dict) and "$ref" in hit[2]):
            return None
        uri, _, fragment = hit[1].partition("#")
        doc = res.doc_of(hit[0])
        if not doc or doc != uri or (fragment and not fragment.startswith("/")):
            return None
        tokens = tuple(unquote(t).replace("~1", "/").replace("~0", "~") for t in fragment.split("/")[1:])
        return _rel(doc), tokens

    def reached(self, path: str, ptr: Tokens) -> tuple[str, str] | None:
        """Where the comparison met (path, ptr) in the schema it started from, when that is a definition."""
        if not self._via:
            return None
        for def_path, def_ptr, use_path, use_ptr in reversed(self._via):
            if path == def_path and ptr[:len(def_ptr)] == def_ptr:
                path, ptr = use_path, use_ptr + ptr[len(def_ptr):]
        return path, pointer_str(ptr)

    def finish(self, changes: list[Change]) -> list[Change]:
        """Each change once, with the other places whose `$ref` reaches the definition it is in."""
        uses: dict[int, list[tuple[str, str]]] = {}
        pairs = list(self._pairs.values())
        for i in sorted(range(len(pairs)), key=lambda i: (len(pairs[i][2]), -i)):
            _, _, found, where = pairs[i]
            for c in found:  # the innermost definition holding it: the fewest changes, then the last one met
                uses.setdefault(id(c), where)
        # one change per place: a definition that is also a contract schema of its own (a reused pin, a
        # shared file listed in a family) is met as a root and through `$ref`s; the `$ref`s become its uses
        merged: dict[tuple[str, str, str, str, str], tuple[Change, set[tuple[str, str]]]] = {}
        for c in changes:
            key = (c.schema, c.pointer, c.kind, c.old, c.new)
            first, places = merged.setdefault(key, (c, set()))
            places.update(uses.get(id(c), ()))
            if c is not first:
                if first.reached is not None and c.reached is None:  # the schema's own comparison speaks for it
                    first, c = c, first
                    merged[key] = (first, places)
                if c.reached is not None:
                    places.add(c.reached)
        return [replace(c, uses=more) if (more := tuple(sorted(places - {(c.schema, c.pointer)}))) else c
                for c, places in merged.values()]

    # --- entry points -----------------------------------------------------------------------
    def schema(self, old: SchemaDoc, new: SchemaDoc) -> list[Change]:
        # from each root's base URI: its `$id` (draft-04 `id`), else its file URI
        return self.root(new.path, Side(self.old.index.base_of(old), old.body),
                         Side(self.new.index.base_of(new), new.body))

    def root(self, path: str, old: Side, new: Side) -> list[Change]:
        """The changes of one schema (a definition reached from several places is compared once, and `finish`
        lists each change once); a limit reached ends as "comparison undecided"."""
        out: list[Change] = []
        self.steps, self._via = 0, []
        try:
            self.node(out, At(path, (), set()), old, new)
        except (Undecided, RecursionError) as exc:
            why = str(exc) if isinstance(exc, Undecided) else "the schemas nest deeper than Python can follow"
            out.append(Change(path, "", "comparison undecided", "(schema)", "(schema)", BOTH, f"undecided: {why}"))
        return out

    def follow(self, res: Resolver, side: Side) -> tuple[Side, str | None]:
        """`effective` for one side of a comparison: (the side its `$ref`s lead to, the first target)."""
        base, node, target = self.effective(res, *side)
        return Side(base, node), target

    def node(self, out: list[Change], at: At, old: Side, new: Side) -> None:
        """Compare two subschemas: their `$ref`s followed, a definition pair once, a `$ref` cycle stopped."""
        where = self.location(self.old, *old)
        defined = where if where is not None and where == self.location(self.new, *new) else None
        old, o_ref = self.follow(self.old, old)
        new, n_ref = self.follow(self.new, new)
        if self.unresolved(out, at, old, new):
            return
        key = (id(old.node), id(new.node))
        if key in at.active:  # a `$ref` cycle: this pair is being compared further up
            return
        if len(at.ptr) > MAX_DEPTH:
            if self.canon(self.old, *old) != self.canon(self.new, *new):
                self.emit(out, at, "comparison undecided", old.node, new.node, BOTH,
                          why=f"undecided: the schemas differ deeper than {MAX_DEPTH // 2} levels, where they are "
                              "not compared")
            return
        if o_ref or n_ref:  # a definition: compared once, wherever else it is used
            pair = self._pairs.get(key)
            if pair is not None and pair[0] is old.node and pair[1] is new.node:
                pair[3].append((at.path, pointer_str(at.ptr)))
                out.extend(pair[2])
                return
            inner: list[Change] = []
            self._pairs[key] = (old.node, new.node, inner, [(at.path, pointer_str(at.ptr))])
            if defined is not None:  # the same definition in both versions: its changes are reported there
                self._via.append((*defined, at.path, at.ptr))
                try:
                    self.referenced(inner, At(*defined, at.active), old, o_ref, new, n_ref)
                finally:
                    self._via.pop()
            else:
                self.referenced(inner, at, old, o_ref, new, n_ref)
            inner[:] = {id(c): c for c in inner}.values()  # a definition reached twice inside: its changes once
            out.extend(inner)
            return
        at.active.add(key)
        self.compare(out, at, old, new)
        at.active.discard(key)

    def referenced(self, out: list[Change], at: At, old: Side, o_ref: str | None, new: Side,
                   n_ref: str | None) -> None:
        """Compare a pair reached through a `$ref` (on either side)."""
        key = (id(old.node), id(new.node))
        self.step()
        if o_ref and n_ref and _rel(o_ref) != _rel(n_ref):
            inner: list[Change] = []
            at.active.add(key)
            self.compare(inner, at, old, new)
            at.active.discard(key)
            if inner:
                first = inner[0]
                why = (f"the new target differs ({len(inner)} change(s), first: {first.kind} at "
                       f"{first.pointer or '/'})")
                strict, lenient = combine(c.effect for c in inner), combine(c.effect_under(True) for c in inner)
                out.append(Change(at.path, pointer_str(at.ptr), "$ref retargeted", _rel(o_ref), _rel(n_ref), strict,
                                  f"{EFFECT_TEXT[strict]}; {why}", lenient if lenient != strict else None,
                                  (old.node, new.node), reached=self.reached(at.path, at.ptr)))
            return
        at.active.add(key)
        self.compare(out, at, old, new)
        at.active.discard(key)

    def unresolved(self, out: list[Change], at: At, old: Side, new: Side) -> bool:
        """A reference that does not resolve on either side (`$ref` left after `effective`): the change
        there is undecided, with the reason, never a comparison with "anything". True when one was found."""
        lost = [(version, res, base, node["$ref"]) for version, res, (base, node) in
                (("baseline", self.old, old), ("working tree", self.new, new))
                if isinstance(node, dict) and isinstance(node.get("$ref"), str)
                and res.resolve(base, node["$ref"]) is None]  # a chain longer than followed resolves: `compare` says so
        if not lost:
            return False
        if self.canon(self.old, *old) != self.canon(self.new, *new):  # the same unresolved reference: no change
            version, res, base, ref = lost[0]
            why = f"reference {ref!r} {res.why_unresolved(base, ref)} in the {version}: nothing below it is compared"
            out.append(Change(at.path, pointer_str(at.ptr), "reference unresolved", short(old.node), short(new.node),
                              UNDECIDED, why))
        return True

    def emit(self, out: list[Change], at: At, kind: str, old: Any, new: Any, effect: str, *,
             lenient: str | None = None, why: str = "") -> None:
        """Record a change of `kind` at `at` (old -> new values as written), unless it has no effect."""
        assert kind in KINDS, kind
        if effect != NONE or (lenient not in (None, NONE)):
            out.append(Change(at.path, pointer_str(at.ptr), kind, short(old), short(new), effect,
                              why or WHY.get(kind, ""), lenient, (old, new), reached=self.reached(at.path, at.ptr)))

    # --- comparison -------------------------------------------------------------------------
    def compare(self, out: list[Change], at: At, old: Side, new: Side) -> None:
        """Two subschemas, their `$ref`s followed: keyword by keyword, unless they accept the same documents."""
        oc, nc = self.canon(self.old, *old), self.canon(self.new, *new)
        if oc == nc:
            return
        o, n = old.node, new.node
        for res, (base, node) in ((self.old, old), (self.new, new)):
            if isinstance(node, dict) and isinstance(node.get("$ref"), str) and res.resolve(base, node["$ref"]):
                self.emit(out, at, "comparison undecided", o, n, BOTH,
                          why=f"undecided: a chain of more than {MAX_REFS} $refs leads to what differs")
                return
        if not (isinstance(o, dict) and isinstance(n, dict)):
            effect = _bool_effect(oc, nc)
            kind = {NARROWED: "schema tightened", WIDENED: "schema relaxed"}.get(effect, "schema replaced")
            self.emit(out, at, kind, o, n, effect)
            return
        oe, ne = self.empty(self.old, *old), self.empty(self.new, *new)
        if oe or ne:  # a version that accepts nothing: the effect is the conjunction's, not its keywords'
            if not (oe and ne):
                self.emit(out, at, "schema tightened" if ne else "schema relaxed", o, n,
                          NARROWED if ne else WIDENED, why=f"the {'new' if ne else 'old'} version accepts no "
                          "document (its keywords or allOf branches contradict each other)")
            return
        o, n = _lift(o, n)
        old, new = old.sub(o), new.sub(n)
        if not self.values(out, at, old, new):
            self.types(out, at, old, new)
        self.bounds(out, at, old, new)
        self.objects(out, at, old, new)
        self.arrays(out, at, old, new)
        self.unions(out, at, old, new)
        self.applicators(out, at, old, new)

    def types(self, out: list[Change], at: At, old: Side, new: Side) -> None:
        o, n = old.node, new.node
        ot, nt = _types(o), _types(n)
        if ot == nt:
            return
        lost = ot is None or any(not _accepts(nt, t) for t in ot)
        gained = nt is None or any(not _accepts(ot, t) for t in nt)
        kind = "type changed" if lost and gained else "type narrowed" if lost else "type widened" if gained else None
        if kind:
            effect = BOTH if lost and gained else NARROWED if lost else WIDENED
            implied = _implied_types(o) if ot is None else None
            if kind == "type narrowed" and implied and nt is not None and implied <= nt:
                self.emit(out, at.below("type"), kind, _ABSENT, n["type"], effect, lenient=NONE,
                          why=f"{EFFECT_TEXT[effect]}; the type made explicit: the keywords already there apply to "
                          f"{', '.join(sorted(implied))} only, so only documents of another type, which the schema "
                          "described nothing of, are rejected now (the additive reading: no change)")
                return
            self.emit(out, at.below("type"), kind, o.get("type", _ABSENT), n.get("type", _ABSENT), effect)

    def values(self, out: list[Change], at: At, old: Side, new: Side) -> bool:
        """enum and const as one finite value set; True when either side has one (then `type` is moot)."""
        o, n = old.node, new.node
        if not any(k in x for x in (o, n) for k in ("enum", "const")):
            return False
        ov, nv = _values(o), _values(n)
        if ov is None and nv is None:
            return False
        word = "const" if "const" in n or (nv is None and "const" in o) else "enum"
        here = at.below(word)
        if ov is not None and nv is not None:
            lost, gained = ov.keys() - nv.keys(), nv.keys() - ov.keys()
            if "const" in o and "const" in n and (lost or gained):
                self.emit(out, here, "const changed", o["const"], n["const"], combine(
                    [NARROWED if lost else NONE, WIDENED if gained else NONE]))
                return True
            old_list, new_list = list(ov.values()), list(nv.values())
            if lost or gained:
                kind = "enum changed" if lost and gained else "enum value removed" if lost else "enum widened"
                self.emit(out, here, kind, *_enum_delta(old_list, new_list),
                          BOTH if lost and gained else NARROWED if lost else WIDENED)
        elif nv is not None:  # only the new version has a finite set; values the old type rejected widen
            extra = any(not _accepts(_types(o), _type_of(v)) for v in nv.values())
            self.emit(out, here, f"{word} added", _ABSENT, n.get(word), BOTH if extra else NARROWED)
        elif ov is not None:  # only the old version had one
            lost_type = any(not _accepts(_types(n), _type_of(v)) for v in ov.values())
            word = "const" if "const" in o else "enum"
            self.emit(out, at.below(word), f"{word} removed", o.get(word), _ABSENT, BOTH if lost_type else WIDENED)
        return True

    def bounds(self, out: list[Change], at: At, old: Side, new: Side) -> None:
        """pattern, format, numeric ranges, lengths, counts, multipleOf, uniqueItems."""
        o, n = old.node, new.node
        op, np_ = o.get("pattern", _ABSENT), n.get("pattern", _ABSENT)
        if op != np_:
            effect = (NARROWED if op is _ABSENT else WIDENED if np_ is _ABSENT
                      else pattern_relation(str(op), str(np_)) or BOTH)
            kind = {NARROWED: "pattern tightened", WIDENED: "pattern relaxed"}.get(effect, "pattern changed")
            self.emit(out, at.below("pattern"), kind, op, np_, effect)
        of, nf = _asserted_format(o), _asserted_format(n)
        if of != nf:
            effect = NARROWED if of is _ABSENT else WIDENED if nf is _ABSENT else BOTH
            kind = {NARROWED: "format tightened", WIDENED: "format relaxed"}.get(effect, "format changed")
            self.emit(out, at.below("format"), kind, of, nf, effect)
        for lower in (True, False):
            ol, nl = _bound(o, lower), _bound(n, lower)
            if ol[:2] != nl[:2]:
                tighter = nl[:2] > ol[:2] if lower else nl[:2] < ol[:2]
                key = nl[2] or ol[2]
                assert key is not None  # the ends differ: at least one of them is a written bound
                self.emit(out, at.below(key), f"range {'tightened' if tighter else 'relaxed'}",
                          o.get(key, _ABSENT), n.get(key, _ABSENT), NARROWED if tighter else WIDENED)
        contains = "contains" in o or "contains" in n
        for table, default, is_tighter in ((LOWER, 0, _grows), (UPPER, float("inf"), _shrinks)):
            for key, family in table.items():
                if key.endswith("Contains") and not contains:
                    continue
                dflt = 1 if key == "minContains" else default
                ov, nv = _num(o.get(key), dflt), _num(n.get(key), dflt)
                if ov != nv:
                    effect = NARROWED if is_tighter(ov, nv) else WIDENED
                    self.emit(out, at.below(key), f"{family} {'tightened' if effect == NARROWED else 'relaxed'}",
                              o.get(key, _ABSENT), n.get(key, _ABSENT), effect)
        om, nm = _positive(o.get("multipleOf")), _positive(n.get("multipleOf"))
        if om != nm:
            effect = (NARROWED if om is None else WIDENED if nm is None
                      else WIDENED if (om / nm).denominator == 1 else NARROWED if (nm / om).denominator == 1 else BOTH)
            kind = {NARROWED: "multipleOf tightened", WIDENED: "multipleOf relaxed"}.get(effect, "multipleOf changed")
            self.emit(out, at.below("multipleOf"), kind, o.get("multipleOf", _ABSENT),
                      n.get("multipleOf", _ABSENT), effect)
        if bool(o.get("uniqueItems") is True) != bool(n.get("uniqueItems") is True):
            tight = n.get("uniqueItems") is True
            self.emit(out, at.below("uniqueItems"), f"uniqueItems {'tightened' if tight else 'relaxed'}",
                      o.get("uniqueItems", _ABSENT), n.get("uniqueItems", _ABSENT), NARROWED if tight else WIDENED)

    # --- objects ----------------------------------------------------------------------------
    def masked(self, at: At, old: Side, new: Side, name: str, old_prop: Any, new_prop: Any) -> str | None:
        """Effect of a property added or removed (its schema `old_prop` or `new_prop` absent) where the same
        `patternProperties` apply to its name in both versions (None otherwise): the property's schema is a
        conjunct of theirs, so adding it can only narrow, removing it only widen."""
        om, nm = self.matching(old.node, name), self.matching(new.node, name)
        if not om or sorted(self.canon(self.old, old.base, p) for p in om) != sorted(
                self.canon(self.new, new.base, p) for p in nm):
            return None
        if old_prop is _ABSENT:  # P -> new_prop AND P
            strict, _ = self.relation(at, old.sub(_conj(om)), new.sub(new_prop))
            return NARROWED if strict in (NARROWED, BOTH) else NONE
        strict, _ = self.relation(at, old.sub(old_prop), new.sub(_conj(nm)))  # old_prop AND P -> P
        return WIDENED if strict in (WIDENED, BOTH) else NONE

    def renames(self, edits: list[Change], at: At, old: Side, new: Side) -> list[Change]:
        """A property removed and one of the same shape added in the same change: one "property renamed"
        (probably), with the effects of both halves."""
        op, np_ = schema_map(old.node, "properties"), schema_map(new.node, "properties")
        by_pointer = {c.pointer: c for c in edits}
        added = {b: self.canon(self.new, new.base, np_[b]) for b in sorted(set(np_) - set(op))}
        out = {id(c): c for c in edits}
        for a in sorted(set(op) - set(np_)):
            shape = self.canon(self.old, old.base, op[a])
            b = next((b for b, form in added.items() if form == shape), None)
            gone = by_pointer.get(pointer_str(at.ptr + ("properties", a)))
            came = by_pointer.get(pointer_str(at.ptr + ("properties", b or "")))
            if b is None or gone is None:
                continue
            del added[b]
            parts = [gone] + ([came] if came else [])
            strict, lenient = combine(c.effect for c in parts), combine(c.effect_under(True) for c in parts)
            why = "; ".join(f"{c.kind}: {c.reason}" for c in parts)
            out.pop(id(gone))
            if came:
                out.pop(id(came))
            out[id(gone)] = Change(gone.schema, pointer_str(at.ptr + ("properties", b)), "property renamed", a, b,
                                   strict, f"probably a rename (the same shape): {why}",
                                   lenient if lenient != strict else None, (op[a], np_[b]),
                                   reached=self.reached(gone.schema, at.ptr + ("properties", b)))
        return list(out.values())

    def matching(self, node: Schema, name: str) -> list[Any]:
        """The `patternProperties` schemas that apply to the property name `name` (matched by RE2)."""
        return [s for p, s in schema_map(node, "patternProperties").items() if search(p, name)]

    def undetermined(self, name: str, *nodes: Schema) -> str | None:
        """A `patternProperties` key of one of `nodes` that RE2 refuses (whether it applies to `name`
        cannot be told), or None."""
        return next((p for node in nodes for p in schema_map(node, "patternProperties") if search(p, name) is None),
                    None)

    def fallback(self, node: Schema, name: str) -> Any:
        """The schema a version applies to a property name it does not declare."""
        matching = self.matching(node, name)
        if matching:
            return _conj(matching)
        if "additionalProperties" in node:
            return node["additionalProperties"]
        if "unevaluatedProperties" in node and not any(
                isinstance(b, dict) and name in schema_map(b, "properties")
                for key in UNIONS for b in schema_list(node, key)):
            return node["unevaluatedProperties"]
        return True

    def objects(self, out: list[Change], at: At, old: Side, new: Side) -> None:
        """properties, required, patternProperties and the content model."""
        o, n = old.node, new.node
        op, np_ = schema_map(o, "properties"), schema_map(n, "properties")
        oreq, nreq = required_names(o), required_names(n)
        edits: list[Change] = []  # what adding or removing a property, or (un)requiring it, does: one line each
        for name in sorted(set(op) | set(np_)):
            here = at.below("properties", name)
            if name in op and name in np_:
                self.node(out, here, old.sub(op[name]), new.sub(np_[name]))
            elif (refused := self.undetermined(name, o, n)) is not None:
                kind = ("property removed" if name in op else
                        "required property added" if name in nreq else "optional property added")
                self.emit(edits, here, kind, op.get(name, _ABSENT), np_.get(name, _ABSENT), BOTH,
                          why=f"undetermined: whether the patternProperties key {refused[:100]} applies to the name "
                              "cannot be evaluated in linear time (RE2 refuses the pattern), so the change is treated "
                              "as both")
            elif (masked := self.masked(here, old, new, name, op.get(name, _ABSENT),
                                        np_.get(name, _ABSENT))) is not None:
                kind = ("property removed" if name in op else
                        "required property added" if name in nreq else "optional property added")
                self.emit(edits, here, kind, op.get(name, _ABSENT), np_.get(name, _ABSENT), masked,
                          why=f"{EFFECT_TEXT[masked]}; the name meets the same patternProperties in both versions")
            elif name in op:  # judged against what the new version applies to the name
                strict, lenient = self.relation(here, old.sub(op[name]), new.sub(self.fallback(n, name)))
                self.emit(edits, here, "property removed", op[name], _ABSENT, strict,
                          lenient=lenient if lenient != strict else None, why=REMOVED.get(strict, ""))
            else:
                fb = self.fallback(o, name)
                fc = self.canon(self.old, old.base, fb)
                if fc in TRIVIAL and name not in nreq:
                    effect = NARROWED if self.canon(self.new, new.base, np_[name]) not in TRIVIAL else NONE
                    self.emit(edits, here, "property added to open object", _ABSENT, np_[name], effect, lenient=NONE)
                elif fc in TRIVIAL or fc == "false":
                    strict, _ = self.relation(here, old.sub(fb), new.sub(np_[name]))
                    kind = "required property added" if name in nreq else "optional property added"
                    if fc == "false":
                        self.emit(edits, here, kind, _ABSENT, np_[name], strict)
                    else:
                        self.emit(edits, here, "property added to open object", _ABSENT, np_[name], strict)
                else:  # old documents met the map-value schema under this name: one line, its effects summed up
                    inner: list[Change] = []
                    self.node(inner, here, old.sub(fb), new.sub(np_[name]))
                    if inner:
                        strict, lenient = combine(c.effect for c in inner), combine(c.effect_under(True) for c in inner)
                        kind = "required property added" if name in nreq else "optional property added"
                        self.emit(edits, here, kind, _ABSENT, np_[name], strict,
                                  lenient=lenient if lenient != strict else None,
                                  why=f"{EFFECT_TEXT[strict]}; the name met the additionalProperties schema before, "
                                      f"and the property's schema differs from it ({len(inner)} change(s), first: "
                                      f"{inner[0].kind} at {inner[0].pointer or '/'})")
        for name in sorted(nreq - oreq):
            self.emit(edits, at.below("properties", name), "property newly required", Plain("optional"),
                      Plain("required"), NARROWED)
        for name in sorted(oreq - nreq):
            self.emit(edits, at.below("properties", name), "property no longer required", Plain("required"),
                      Plain("optional"), WIDENED)
        out.extend(self.renames(_merged(edits), at, old, new))

        opp, npp = schema_map(o, "patternProperties"), schema_map(n, "patternProperties")
        for pat in sorted(set(opp) | set(npp)):
            here = at.below("patternProperties", pat)
            if pat in opp and pat in npp:
                self.node(out, here, old.sub(opp[pat]), new.sub(npp[pat]))
            elif pat in npp:
                strict, _ = self.relation(here, old.sub(self.rest(self.old, *old, "additionalProperties")),
                                          new.sub(npp[pat]))
                self.emit(out, here, "patternProperties entry added", _ABSENT, npp[pat], strict)
            else:
                strict, _ = self.relation(here, old.sub(opp[pat]),
                                          new.sub(self.rest(self.new, *new, "additionalProperties")))
                self.emit(out, here, "patternProperties entry removed", opp[pat], _ABSENT, strict)
        for key in ("additionalProperties", "unevaluatedProperties", "propertyNames"):
            self.subschema(out, at, key, old, new)
        odr, ndr = _dep_required(o), _dep_required(n)
        for name in sorted(set(odr) | set(ndr)):
            here = at.below(original_key(n if name in ndr else o, "dependentRequired"), name)
            was, now = odr.get(name, set()), ndr.get(name, set())
            if was != now:
                effect = NARROWED if was < now else WIDENED if now < was else BOTH
                kind = ("dependentRequired added" if not was else "dependentRequired removed" if not now else
                        {NARROWED: "dependentRequired tightened", WIDENED: "dependentRequired relaxed"}.get(
                            effect, "dependentRequired changed"))
                self.emit(out, here, kind, sorted(was) if was else _ABSENT, sorted(now) if now else _ABSENT, effect)
        # a dependent schema applies to the whole object: one rejecting every object is `false`
        ods = {k: self.within_objects(self.old, old.base, v) for k, v in schema_map(o, "dependentSchemas").items()}
        nds = {k: self.within_objects(self.new, new.base, v) for k, v in schema_map(n, "dependentSchemas").items()}
        for name in sorted(set(ods) | set(nds)):
            spelled = original_key(n if name in nds else o, "dependentSchemas")
            self.subschema(out, at.below(spelled), "dependentSchemas", old.sub(ods), new.sub(nds), name)

    def subschema(self, out: list[Change], at: At, key: str, old: Side, new: Side, name: str | None = None) -> None:
        """A keyword whose absence means `true`: compared as schemas, or named by how it opened/closed. With
        `name`, the entry `name` of the map keyword `key` at `at` (`old` and `new` hold the two maps)."""
        o, n = old.node, new.node
        k = name if name is not None else key
        ov, nv = o.get(k, True), n.get(k, True)
        oc, nc = self.canon(self.old, old.base, ov), self.canon(self.new, new.base, nv)
        if oc == nc:
            return
        here = at.below(original_key(n if k in n else o, key) if name is None else name)
        if oc not in TRIVIAL + ("false",) and nc not in TRIVIAL + ("false",):
            self.node(out, here, old.sub(ov), new.sub(nv))
            return
        effect = _bool_effect(oc, nc)
        if key.endswith("Properties") and key != "patternProperties":
            kind = "closed" if nc == "false" else "constrained" if effect == NARROWED else "opened"
        else:
            kind = "tightened" if effect == NARROWED else "relaxed"
        self.emit(out, here, f"{key} {kind}", o.get(k, _ABSENT), n.get(k, _ABSENT), effect)

    # --- arrays -----------------------------------------------------------------------------
    def arrays(self, out: list[Change], at: At, old: Side, new: Side) -> None:
        """prefixItems (draft-07: items [...]) position by position, then items (draft-07: additionalItems)."""
        o, n = old.node, new.node
        opi, npi = schema_list(o, "prefixItems"), schema_list(n, "prefixItems")
        orest, nrest = self.rest(self.old, *old, "items"), self.rest(self.new, *new, "items")
        for i in range(max(len(opi), len(npi))):
            here = at.below(original_key(n if i < len(npi) else o, "prefixItems"), i)
            if i < len(opi) and i < len(npi):
                self.node(out, here, old.sub(opi[i]), new.sub(npi[i]))
            elif i < len(npi):  # old documents met `items` at this position
                strict, _ = self.relation(here, old.sub(orest), new.sub(npi[i]))
                self.emit(out, here, "prefixItems entry added", _ABSENT, npi[i], strict)
            else:
                strict, _ = self.relation(here, old.sub(opi[i]), new.sub(nrest))
                self.emit(out, here, "prefixItems entry removed", opi[i], _ABSENT, strict)
        for key in ("items", "unevaluatedItems"):
            self.subschema(out, at, key, old, new)
        oc, nc = o.get("contains", _ABSENT), n.get("contains", _ABSENT)
        if oc is not _ABSENT and nc is not _ABSENT:
            self.node(out, at.below("contains"), old.sub(oc), new.sub(nc))
        elif oc is not nc:
            added = oc is _ABSENT
            self.emit(out, at.below("contains"), f"contains {'added' if added else 'removed'}", oc, nc,
                      NARROWED if added else WIDENED)

    # --- unions and other applicators ---------------------------------------------------------
    def unions(self, out: list[Change], at: At, old: Side, new: Side) -> None:
        o, n = old.node, new.node
        ou = {k: self.distinct(self.old, old.base, k, o[k]) for k in UNIONS if isinstance(o.get(k), list)}
        nu = {k: self.distinct(self.new, new.base, k, n[k]) for k in UNIONS if isinstance(n.get(k), list)}
        if len(ou) == 1 and len(nu) == 1 and ou.keys() != nu.keys():
            (ko, ol), (kn, nl) = next(iter(ou.items())), next(iter(nu.items()))
            effect = self.union_relation(ko, kn, new.sub(nl)) if min(len(ol), len(nl)) > 1 else NONE
            self.emit(out, at.below(kn), "union keyword changed", Plain(ko), Plain(kn), effect)
            inner: list[Change] = []
            self.branches(inner, at.below(kn), kn, old.sub(ol), new.sub(nl), ko)
            # with no branch in common, what was added or removed under another keyword is not judged by parts
            _, lone_o, lone_n = self.pair(old.sub(ol), new.sub(nl))
            unpaired = len(lone_o) == len(ol) and len(lone_n) == len(nl)
            out.extend(replace(c, effect=BOTH)
                       if unpaired and c.kind.endswith(("branch added", "branch removed")) else c for c in inner)
            return
        for key in UNIONS:
            if key in ou and key in nu:
                self.branches(out, at.below(key), key, old.sub(ou[key]), new.sub(nu[key]))
            elif key in ou or key in nu:
                added = key in nu
                self.emit(out, at.below(key), f"{key} {'added' if added else 'removed'}",
                          o.get(key, _ABSENT), n.get(key, _ABSENT), NARROWED if added else WIDENED)

    def distinct(self, res: Resolver, base: str, key: str, branches: list[Any]) -> Branches:
        """(index, branch) pairs; duplicates dropped where they change nothing (allOf, anyOf)."""
        if key == "oneOf":
            return list(enumerate(branches))
        seen: dict[str, tuple[int, Any]] = {}
        for i, b in enumerate(branches):
            seen.setdefault(self.canon(res, base, b), (i, b))
        return sorted(seen.values(), key=lambda p: p[0])

    def union_relation(self, ko: str, kn: str, new: Side) -> str:
        """Effect of switching a union keyword over the same branches (`new`: the branches under `kn`)."""
        branches = [new.sub(b) for _, b in new.node]
        disjoint = all(self.disjoint(a, b) for i, a in enumerate(branches) for b in branches[i + 1:])
        table = {("allOf", "anyOf"): WIDENED, ("anyOf", "allOf"): NARROWED,
                 ("oneOf", "anyOf"): NONE if disjoint else WIDENED, ("anyOf", "oneOf"): NONE if disjoint else NARROWED,
                 ("allOf", "oneOf"): WIDENED if disjoint else BOTH, ("oneOf", "allOf"): NARROWED if disjoint else BOTH}
        return table[(ko, kn)]

    def branches(self, out: list[Change], at: At, key: str, old: Side, new: Side, old_key: str | None = None) -> None:
        """Pair the branches of the union `key` at `at` by content (exact first, then most similar), never by
        position; `old_key` is the union keyword the old branches were under (when it changed)."""
        old_key = old_key or key
        ol, nl = old.node, new.node
        pairs, lone_old, lone_new = self.pair(old, new)
        for i, j in pairs:
            self.node(out, at.below(nl[j][0]), old.sub(ol[i][1]), new.sub(nl[j][1]))
        for i in lone_old:
            kind, effect = ("allOf branch removed", WIDENED) if old_key == "allOf" else ("branch removed", NARROWED)
            if old_key == "oneOf" and self._duplicate(self.old, *old, i):  # documents matched it twice: rejected
                effect = WIDENED
            elif old_key == "oneOf" and not all(self.disjoint(old.sub(ol[i][1]), old.sub(b), self.old)
                                            for k, (_, b) in enumerate(ol) if k != i):
                effect = BOTH  # documents that matched it and another branch were rejected, and now are not
            if effect == NARROWED and (key == "anyOf" or len(nl) == 1) and self.covered(
                    at, old.sub([ol[i]]), new, (NONE, WIDENED)):
                effect = NONE  # folded into a branch that accepts all it did: {anyOf: [null, A]} -> {type: [.., null]}
            self.emit(out, at.below(ol[i][0]), kind, ol[i][1], _ABSENT, effect)
        for j in lone_new:
            if key == "allOf":
                kind, effect = "allOf branch added", NARROWED
            else:  # a oneOf alternative that overlaps another also rejects documents matching both
                others = [b for k, (_, b) in enumerate(nl) if k != j]
                overlap = key == "oneOf" and not all(self.disjoint(new.sub(nl[j][1]), new.sub(b)) for b in others)
                kind, effect = "branch added", BOTH if overlap else WIDENED
                if key == "oneOf" and self._duplicate(self.new, *new, j):
                    effect = NARROWED
                elif effect == WIDENED and (old_key == "anyOf" or len(ol) == 1) and self.covered(
                        at, old, new.sub([nl[j]]), (NONE, NARROWED)):
                    effect = NONE  # split out of a branch that accepted all it does
            self.emit(out, at.below(nl[j][0]), kind, _ABSENT, nl[j][1], effect)

    def covered(self, at: At, olds: Side, news: Side, effects: tuple[str, ...]) -> bool:
        """True when replacing one of the branches `olds` by one of `news` (`Branches`) has one of `effects`:
        (NONE, WIDENED) says the new branch accepts all the old one did, (NONE, NARROWED) the reverse."""
        every = [(olds.sub(o), news.sub(n)) for _, o in olds.node for _, n in news.node]
        candidates = [(o, n) for o, n in every if not _tagged_apart(o.node, n.node) and not self.disjoint(o, n)]
        if len(candidates) > COVER_PAIRS:  # beyond the budget: keep the verdict as it stands (never "no change")
            return False
        return any(self.relation(at, o, n)[0] in effects for o, n in candidates)

    def _duplicate(self, res: Resolver, base: str, branches: Branches, i: int) -> bool:
        mine = self.canon(res, base, branches[i][1])
        return any(self.canon(res, base, b) == mine for k, (_, b) in enumerate(branches) if k != i)

    def pair(self, old: Side, new: Side) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        """(paired indexes, unpaired old, unpaired new) of two unions' branches (`Branches`): identical content
        first, then the most alike."""
        ol, nl = [b for _, b in old.node], [b for _, b in new.node]
        oc = [self.canon(self.old, old.base, b) for b in ol]
        nc = [self.canon(self.new, new.base, b) for b in nl]
        pairs: list[tuple[int, int]] = []
        free_o, free_n = list(range(len(ol))), list(range(len(nl)))
        for i in list(free_o):
            j = next((j for j in free_n if nc[j] == oc[i]), None)
            if j is not None:
                free_o.remove(i)
                free_n.remove(j)
        olds = [self.effective(self.old, old.base, b)[1] for b in ol]
        news = [self.effective(self.new, new.base, b)[1] for b in nl]
        scored = sorted((-_likeness(olds[i], news[j]), i, j) for i in free_o for j in free_n
                        if not _tagged_apart(olds[i], news[j]))
        for score, i, j in scored:  # a last old and a last new branch are paired however unlike (one replaced)
            if (score < 0 or len(free_o) == len(free_n) == 1) and i in free_o and j in free_n:
                pairs.append((i, j))
                free_o.remove(i)
                free_n.remove(j)
        return sorted(pairs), free_o, free_n

    def applicators(self, out: list[Change], at: At, old: Side, new: Side) -> None:
        """not (direction inverted), if/then/else, and keywords compared only for equality."""
        o, n = old.node, new.node
        on, nn = o.get("not", _ABSENT), n.get("not", _ABSENT)
        if on is not _ABSENT and nn is not _ABSENT:
            strict, _ = self.relation(at.below("not"), old.sub(on), new.sub(nn))
            effect = flip(strict)
            kind = {NARROWED: "not tightened", WIDENED: "not relaxed"}.get(effect, "not changed")
            self.emit(out, at.below("not"), kind, on, nn, effect)
        elif on is not nn:
            added = on is _ABSENT
            value = self.canon(self.new, new.base, nn) if added else self.canon(self.old, old.base, on)
            effect = NONE if value == "false" else NARROWED if added else WIDENED
            self.emit(out, at.below("not"), f"not {'added' if added else 'removed'}", on, nn, effect)
        oi, ni = o.get("if", _ABSENT), n.get("if", _ABSENT)
        oif = None if oi is _ABSENT else self.canon(self.old, old.base, oi)
        nif = None if ni is _ABSENT else self.canon(self.new, new.base, ni)
        if oif == nif and oif is not None:
            for key in ("then", "else"):
                self.subschema(out, at, key, old, new)
        elif oif != nif:
            live_o = oif is not None and any(k in o for k in ("then", "else"))
            live_n = nif is not None and any(k in n for k in ("then", "else"))
            if live_o or live_n:
                effect = BOTH if live_o and live_n else NARROWED if live_n else WIDENED
                kind = {NARROWED: "conditional added", WIDENED: "conditional removed"}.get(effect,
                                                                                          "conditional changed")
                self.emit(out, at.below("if"), kind, oi, ni, effect)
        for key in OPAQUE:
            if o.get(key, _ABSENT) != n.get(key, _ABSENT):
                self.emit(out, at.below(key), "keyword changed", o.get(key, _ABSENT), n.get(key, _ABSENT), BOTH)


REMOVED = {WIDENED: "widened: documents may now omit it or carry any value under its name, so readers that "
                    "required it or relied on its shape break (strict consumers)",
           NARROWED: "narrowed: documents that carry it are now rejected, so producers that send it break",
           BOTH: "narrowed and widened: documents that carry it are rejected, and readers that required it break"}
PART = {"property newly required": "newly required", "property no longer required": "no longer required"}


def _merged(changes: list[Change]) -> list[Change]:
    """One change per pointer: a property added and newly required (or removed and no longer required) is one
    edit, reported once with every effect it has."""
    by_pointer: dict[str, list[Change]] = {}
    for c in changes:
        by_pointer.setdefault(c.pointer, []).append(c)
    out: list[Change] = []
    for group in by_pointer.values():
        if len(group) == 1:
            out.extend(group)
            continue
        main = next((c for c in group if c.kind not in PART), group[0])
        kind = "required property added" if main.kind == "property added to open object" else main.kind
        strict, lenient = combine(c.effect for c in group), combine(c.effect_under(True) for c in group)
        parts = ", ".join(f"{PART.get(c.kind, c.kind)} ({c.effect_under(False)})" for c in group)
        out.append(Change(main.schema, main.pointer, kind, main.old, main.new, strict,
                          f"{EFFECT_TEXT[strict]}; one edit: {parts}", lenient if lenient != strict else None,
                          main.raw, reached=main.reached))
    return out


def _lift(o: Schema, n: Schema) -> tuple[Schema, Schema]:
    """A plain schema against an `anyOf`/`oneOf`: the plain one becomes a one-branch union of itself (the
    keywords both share stay outside), so `{type: string}` -> `oneOf: [{type: string}, ...]` is a branch added."""
    def unions(node: Schema) -> list[str]:
        found = [k for k in UNIONS if isinstance(node.get(k), list)]
        return [] if found == ["allOf"] and len(node["allOf"]) > 1 else found

    for plain, union, swap in ((o, n, False), (n, o, True)):
        if any(k in plain for k in UNIONS) or len(unions(union)) != 1 or not union[unions(union)[0]]:
            continue
        keep = {k: v for k, v in plain.items()
                if k in IGNORED or k.startswith("\x00") or (k in union and union[k] == v)}
        rest = {k: v for k, v in plain.items() if k not in keep}
        if rest:
            lifted = keep | {unions(union)[0]: [rest]}
            return (union, lifted) if swap else (lifted, union)
    return o, n


def _bound(node: Schema, lower: bool) -> tuple[float, int, str | None]:
    """(value, strictness, keyword) of the numeric range's lower or upper end; strictness grows tighter."""
    keys = (("minimum", 0), ("exclusiveMinimum", 1)) if lower else (("maximum", 0), ("exclusiveMaximum", 1))
    sign = 1 if lower else -1
    best: tuple[float, int, str | None] = (-float("inf"), 0, None)
    for key, strict in keys:
        v = node.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            cand = (sign * _double(v), strict, key)
            best = max(best, cand, key=lambda b: b[:2])
    return (sign * best[0], best[1], best[2]) if lower else (sign * best[0], -best[1], best[2])


def _double(value: int | float) -> float:
    """A bound as the number a JSON document can carry to its readers: an IEEE double (so 2^63 - 1 and
    9223372036854776000, two renderings of the double 2^63, are the same bound)."""
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else -float("inf")


def _grows(old: float, new: float) -> bool:
    return new > old


def _shrinks(old: float, new: float) -> bool:
    return new < old


def _num(value: Any, default: float) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _positive(value: Any) -> Fraction | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return Fraction(str(value))
    return None


def _dep_required(node: Schema) -> dict[str, set[str]]:
    deps = node.get("dependentRequired")
    if not isinstance(deps, dict):
        return {}
    return {k: {x for x in v if isinstance(x, str)} for k, v in deps.items() if isinstance(v, list)}


def _likeness(a: Any, b: Any) -> float:
    """How alike two branches look: shared property names, values (enum/const, also of properties), types."""
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return 0.0
    pa, pb = schema_map(a, "properties"), schema_map(b, "properties")
    score = len(pa.keys() & pb.keys()) / len(pa.keys() | pb.keys()) if pa or pb else 0.0
    if a.get("type") is not None and a.get("type") == b.get("type"):
        score += 0.5
    va, vb = _values(a), _values(b)
    if va is not None and vb is not None and va.keys() | vb.keys():
        score += 2 * len(va.keys() & vb.keys()) / len(va.keys() | vb.keys())
    for name in pa.keys() & pb.keys():  # a shared discriminator with the same values
        if isinstance(pa[name], dict) and isinstance(pb[name], dict):
            xa, xb = _values(pa[name]), _values(pb[name])
            if xa and xb and xa.keys() & xb.keys():
                score += 1
    return score


def _enum_delta(old: list[Any], new: list[Any]) -> tuple[Any, Any]:
    """Full lists when short; otherwise only what differs."""
    if len(short(old, 1000)) + len(short(new, 1000)) <= 160:
        return old, new
    ok, nk = {_key(v) for v in old}, {_key(v) for v in new}
    keep = [v for v in old if _key(v) in nk]
    return ([f"... {len(keep)} unchanged"] + [v for v in old if _key(v) not in nk],
            [f"... {len(keep)} unchanged"] + [v for v in new if _key(v) not in ok])


def _rel(uri: str) -> str:
    return uri.removeprefix("file:///")


def classify(old: Workspace, new: Workspace) -> list[Change]:
    """Every change between `old` and `new` contract schemas, in a deterministic order."""
    with paused_gc():
        return _classify(old, new)


def _classify(old: Workspace, new: Workspace) -> list[Change]:
    differ = Differ(old, new)
    olds = {s.path: s for s in old.contract_schemas}
    news = {s.path: s for s in new.contract_schemas}
    out: list[Change] = []
    for path in sorted(olds.keys() | news.keys() | old.unloaded | new.unloaded):
        if path in old.unloaded or path in new.unloaded:
            sides = [(side, ws) for side, ws in (("baseline", old), ("working tree", new)) if path in ws.unloaded]
            was, now = old.sources.get(path), new.sources.get(path)
            if len(sides) == 2 and was is not None and now is not None and was.sha == now.sha:
                continue  # the same broken file on both sides: nothing changed
            why = "; ".join(f"it does not load in the {side}: {Resolver(ws).load_problem(path)}" for side, ws in sides)
            out.append(Change(path, "", "schema does not load", "(does not load)" if path in old.unloaded else
                              "(schema)" if path in olds else "(absent)", "(does not load)" if path in new.unloaded
                              else "(schema)" if path in news else "(absent)", UNDECIDED,
                              f"{why}; its changes are withheld until it does (L001 has the details)"))
        elif path not in news:
            out.append(Change(path, "", "schema deleted", "(schema)", "(absent)", BOTH,
                              "producers can no longer validate what they emit and consumers lose the contract"))
        elif path not in olds:
            out.append(Change(path, "", "schema added", "(absent)", "(schema)", NONE,
                              "no document or reader depended on it before"))
        else:
            out.extend(differ.schema(olds[path], news[path]))
    return differ.finish(out)


def _snapshot(body: Any, path: str) -> Workspace:
    body = body if isinstance(body, dict) else {}  # a boolean schema has nothing to resolve
    doc = SchemaDoc(path, Path(path).name.removesuffix(".schema.json"), body, Source(path, "", ""))
    return Workspace(Path("."), WorkspaceConfig(), (doc,), (), Decisions(), ())


def compare_schemas(old: Any, new: Any, path: str = "schema.json") -> list[Change]:
    """The changes between two standalone schema bodies (local `$ref`s only)."""
    differ = Differ(_snapshot(old, path), _snapshot(new, path))
    uri = "file:///" + path
    with paused_gc():
        return differ.finish(differ.root(path, Side(uri, old), Side(uri, new)))
