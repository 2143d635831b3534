"""Field flattening with `$ref` resolution: what overlap, duplication and drift compare.

Per schema file, one extraction (`facts_of`) yields
- `leaves`: every property the file itself writes, reachable from its root, as an
  instance path (`/items/[]/task_id`, `*` for map values) with a type signature
  computed after resolving `$ref`s (overlap);
- `fields`: every `properties/NAME` entry written in the file, with its
  signature (drift);
- `blocks`: canonical digests of written-out object sub-schemas (duplication).

Extractions are cached in a module-level dict keyed by (path, content hash) and
remember the hashes of the other files they read through `$ref`, so a re-check
after a one-file edit recomputes only that file (and the files that refer to it).
"""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from ..model import SchemaDoc, Workspace
from . import walk
from .resolve import Resolver
from .walk import ANNOTATIONS, required_names, schema_list, schema_map, structural_digests

GENERIC_NAMES = frozenset({
    "id", "uuid", "name", "title", "description", "summary", "status", "state", "version", "schema_version",
    "type", "kind", "created_at", "updated_at", "deleted_at", "timestamp", "time", "date", "labels", "tags",
    "metadata", "notes", "comment", "enabled",
})
TIMESTAMP_FORMATS = ('format="date-time"', 'format="date"', 'format="time"')
BOUNDS = (
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
    "minItems", "maxItems", "minProperties", "maxProperties", "multipleOf", "uniqueItems",
)
MAX_DEPTH = 24
_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
               (type(None), "null"), (list, "array"), (dict, "object"))


class Leaf(NamedTuple):
    """One property of a schema's instance structure (overlap)."""

    path: tuple[str, ...]  # instance path: property names, "[]" for array items, "*" for map values
    sig: str  # type signature including bounds
    core: str  # type/format/pattern/enum/const only
    required: bool
    shared_ref: bool  # its definition comes from a shared `$defs` library
    parent: tuple[str, ...]
    generic: bool  # a field unrelated contracts share (id, name, status, timestamps, ...)
    distinctive: bool  # a signature specific enough to recognise the field under another name

    @property
    def name(self) -> str:
        return self.path[-1]


class FieldDef(NamedTuple):
    """One `properties/NAME` entry written in a file (drift)."""

    name: str
    pointer: tuple
    core: str  # type/format/pattern/enum/const
    enum: frozenset[str] | None = None  # JSON of each enum value, when the field is an enum

    @property
    def vocabulary_free(self) -> str:
        """The signature without its enum: two enums of one type differ only in vocabulary."""
        return self.core.replace(f" enum=[{','.join(sorted(self.enum))}]", "") if self.enum is not None else self.core


@dataclass(frozen=True)
class Facts:
    leaves: tuple[Leaf, ...]
    fields: tuple[FieldDef, ...]
    blocks: tuple[tuple[int, tuple, int], ...]  # (interned digest, pointer, property count)
    features: frozenset[tuple] = frozenset()  # overlap candidate features of the leaves


def is_generic(name: str, core: str) -> bool:
    """Fields unrelated contracts share without being the same concept: ids, names,
    status, versions, timestamps (by name or by a date/time format)."""
    return (name in GENERIC_NAMES or name.endswith("_at") or name in ("[]", "*")
            or core.startswith("string format=") and core.endswith(TIMESTAMP_FORMATS))


def is_distinctive(name: str, core: str) -> bool:
    """A signature specific enough to recognise a renamed field by: a pattern, enum,
    const or a format other than a timestamp."""
    if is_generic(name, core):
        return False
    return "pattern=" in core or "enum=" in core or "const=" in core or (
        "format=" in core and not core.endswith(TIMESTAMP_FORMATS))


def leaf_features(leaves: tuple[Leaf, ...]) -> frozenset[tuple]:
    """Inverted-index features: exact non-generic fields, distinctive signatures, and the
    shape (multiset of child signatures) of objects with three or more fields."""
    out: set[tuple] = set()
    children: dict[tuple, list[str]] = {}
    for leaf in leaves:
        children.setdefault(leaf.parent, []).append(leaf.sig)
        if not leaf.generic:
            out.add(("f", leaf.name, leaf.sig))
        if leaf.distinctive:
            out.add(("s", leaf.core))
    out.update(("o", "\x00".join(sorted(sigs))) for sigs in children.values() if len(sigs) >= 3)
    return frozenset(out)


def json_type(value: Any) -> str:
    return next(name for cls, name in _JSON_TYPES if isinstance(value, cls))


def keywords(res: Resolver, base: str, node: Any) -> dict[str, tuple[str, Any]]:
    """Effective keywords of `node`: its own, then its `$ref` chain's and `allOf`
    branches' (the outer definition wins); each value comes with its base URI."""
    out: dict[str, tuple[str, Any]] = {}

    def merge(base: str, node: Any, depth: int) -> None:
        if not isinstance(node, dict) or depth > 8:
            return
        for key, value in node.items():
            if key not in ANNOTATIONS and key not in ("$ref", "allOf", "$defs", "definitions"):
                out.setdefault(key, (base, value))
        if isinstance(node.get("$ref"), str):
            hit = res.resolve(base, node["$ref"])
            if hit:
                merge(hit[0], hit[2], depth + 1)
        for sub in schema_list(node, "allOf"):
            merge(base, sub, depth + 1)

    merge(base, node, 0)
    return out


def types_of(kw: dict[str, tuple[str, Any]]) -> tuple[str, ...]:
    """Declared JSON types, or the ones implied by enum/const/properties/items."""
    if "type" in kw:
        value = kw["type"][1]
        return tuple(sorted(str(t) for t in value)) if isinstance(value, list) else (str(value),)
    if "enum" in kw and isinstance(kw["enum"][1], list):
        return tuple(sorted({json_type(v) for v in kw["enum"][1]}))
    if "const" in kw:
        return (json_type(kw["const"][1]),)
    if kw.keys() & {"properties", "additionalProperties", "patternProperties", "required"}:
        return ("object",)
    if kw.keys() & {"items", "prefixItems"}:
        return ("array",)
    return ()


class Sig(NamedTuple):
    full: str  # type/format/pattern/enum/const/items plus bounds (overlap)
    core: str  # without bounds (drift)
    enum: frozenset[str] | None  # JSON of each enum value


def _jv(value: Any) -> str:
    """JSON text of a value (fast paths for scalars)."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is bool or value is None:
        return "true" if value is True else "false" if value is False else "null"
    return repr(value) if kind in (int, float) else json.dumps(value, sort_keys=True)


def describe(res: Resolver, base: str, node: Any, depth: int = 0) -> Sig:
    """The signature of a (sub)schema after `$ref` resolution, e.g. `string pattern="^run_"`,
    `array items=(integer)`; memoised per node while one schema is extracted."""
    key = (base, id(node))
    found = res.memo.get(key)
    if found is None:
        found = res.memo[key] = _describe(res, base, node, depth)
    return found


def _describe(res: Resolver, base: str, node: Any, depth: int) -> Sig:
    if node is True or node == {}:
        return Sig("any", "any", None)
    if node is False:
        return Sig("nothing", "nothing", None)
    kw = keywords(res, base, node)
    types = types_of(kw)
    parts = ["|".join(types) or "any"]
    for key in ("format", "pattern"):
        if key in kw:
            parts.append(f"{key}={_jv(kw[key][1])}")
    enum = kw["enum"][1] if "enum" in kw and isinstance(kw["enum"][1], list) else None
    values = frozenset(_jv(v) for v in enum) if enum is not None else None
    if values is not None:
        parts.append("enum=[" + ",".join(sorted(values)) + "]")
    if "const" in kw:
        parts.append(f"const={_jv(kw['const'][1])}")
    core, full = list(parts), parts
    if "items" in kw and isinstance(kw["items"][1], dict) and depth < 3:
        sub = describe(res, kw["items"][0], kw["items"][1], depth + 1)
        core.append(f"items=({sub.core})")
        full.append(f"items=({sub.full})")
    if not types and depth < 3:
        for key in ("anyOf", "oneOf"):
            if key in kw and isinstance(kw[key][1], list):
                subs = [describe(res, kw[key][0], b, depth + 1) for b in kw[key][1]]
                core.append(f"{key}=({' | '.join(sorted({x.core for x in subs}))})")
                full.append(f"{key}=({' | '.join(sorted({x.full for x in subs}))})")
    full = full + [f"{k}={_jv(kw[k][1])}" for k in BOUNDS if k in kw and not isinstance(kw[k][1], dict)]
    return Sig(" ".join(full), " ".join(core), values)


def signature(res: Resolver, base: str, node: Any, bounds: bool = True) -> str:
    """`describe(...).full` (or `.core` without bounds)."""
    sig = describe(res, base, node)
    return sig.full if bounds else sig.core


def _object_parts(res: Resolver, base: str, node: dict, depth: int = 0):
    """(base, name, subschema, required) of `node`'s properties, with those of its
    allOf/anyOf/oneOf branches (in the same document)."""
    required = required_names(node)
    for name, sub in schema_map(node, "properties").items():
        yield base, name, sub, name in required
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema_list(node, key):
            bbase, bnode = res.deref(base, branch)
            if bbase == base and isinstance(bnode, dict) and depth < 4:
                yield from _object_parts(res, bbase, bnode, depth + 1)


def _from_shared(res: Resolver, base: str, node: Any) -> bool:
    """True when the definition (or an array's item definition) lives in a shared library."""
    doc, target = res.deref(base, node)
    if doc != base and doc in res.docs and res.docs[doc].shared:
        return True
    if isinstance(target, dict) and isinstance(target.get("items"), dict):
        idoc, _ = res.deref(doc, target["items"])
        return idoc != doc and idoc in res.docs and res.docs[idoc].shared
    return False


def own_leaves(res: Resolver, schema: SchemaDoc) -> tuple[Leaf, ...]:
    """The instance structure a schema writes itself (refs into other files are reuse, not copied structure)."""
    leaves: list[Leaf] = []
    active: set[int] = set()

    def visit(base: str, node: Any, path: tuple) -> None:
        base, node = res.deref(base, node)
        if base != schema.uri or not isinstance(node, dict) or id(node) in active or len(path) > MAX_DEPTH:
            return
        active.add(id(node))
        for pbase, name, sub, required in _object_parts(res, base, node):
            sig = describe(res, pbase, sub)
            leaves.append(Leaf(path + (name,), sig.full, sig.core, required, _from_shared(res, pbase, sub), path,
                               is_generic(name, sig.core), is_distinctive(name, sig.core)))
            visit(pbase, sub, path + (name,))
        for key, step in (("items", "[]"), ("additionalProperties", "*")):
            if isinstance(node.get(key), dict):
                visit(base, node[key], path + (step,))
        for sub in schema_list(node, "prefixItems"):
            visit(base, sub, path + ("[]",))
        for sub in schema_map(node, "patternProperties").values():
            visit(base, sub, path + ("*",))
        active.discard(id(node))

    visit(schema.uri, schema.body, ())
    return tuple(leaves)


def written(res: Resolver, schema: SchemaDoc) -> tuple[tuple[FieldDef, ...], tuple]:
    """Field definitions (every `properties/NAME` written in the file, with its resolved
    signature) and structural digests, in one pass over the file."""
    entries: list[tuple[tuple, dict]] = []
    blocks = structural_digests(schema.body, schema.uri, 1, lambda ptr, props: entries.append((ptr, props)))
    fields = []
    for ptr, props in entries:
        for name, sub in props.items():
            sig = describe(res, schema.uri, sub)
            fields.append(FieldDef(name, ptr + ("properties", name), sig.core, sig.enum))
    return tuple(fields), tuple(blocks)


_CACHE: dict[tuple, tuple[dict[str, tuple | None], Facts]] = {}
STATS = {"hits": 0, "misses": 0}


def _stamp(res: Resolver, uri: str) -> tuple | None:
    doc = res.docs.get(uri)
    return (doc.source.sha, doc.shared) if doc else None


def _current(res: Resolver, deps: dict[str, tuple | None]) -> bool:
    return all(_stamp(res, uri) == stamp for uri, stamp in deps.items())


def facts_of(res: Resolver, schema: SchemaDoc) -> Facts:
    """Extraction for one schema, reused while it and every file it reads are unchanged."""
    key = (schema.path, schema.source.sha, schema.shared)
    hit = _CACHE.get(key)
    if hit and _current(res, hit[0]):
        STATS["hits"] += 1
        return hit[1]
    STATS["misses"] += 1
    if len(_CACHE) > 100_000 or len(walk._INTERN) > 5_000_000:
        _CACHE.clear()  # digests are interned ids: forget both together, before computing new ones
        walk._INTERN.clear()
    touched = res.record()
    try:
        leaves = () if schema.shared else own_leaves(res, schema)
        facts = Facts(leaves, *written(res, schema), leaf_features(leaves))
    finally:
        res.stop()
    touched.discard(schema.uri)
    deps = {uri: _stamp(res, uri) for uri in touched}
    _CACHE[key] = (deps, facts)
    return facts


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector around an allocation-heavy pass: it would
    otherwise rescan the whole (large, acyclic) workspace many times over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Structure:
    """Per-check view: a resolver and the (cached) facts of every schema."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.resolver = Resolver(ws)
        self._facts: dict[str, Facts] = {}

    def facts(self, schema: SchemaDoc) -> Facts:
        if schema.path not in self._facts:
            if not self._facts:  # first use: extract every schema in one pass
                with paused_gc():
                    for s in self.ws.schemas:
                        self._facts[s.path] = facts_of(self.resolver, s)
            if schema.path not in self._facts:
                self._facts[schema.path] = facts_of(self.resolver, schema)
        return self._facts[schema.path]


def structure(ctx) -> Structure:
    """The `Structure` of a check context, built once and shared by the structural rules."""
    found = ctx.__dict__.get("_structure")
    if found is None or found.ws is not ctx.ws:
        found = ctx.__dict__["_structure"] = Structure(ctx.ws)
    return found
