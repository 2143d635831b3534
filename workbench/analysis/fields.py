"""Field flattening with `$ref` resolution: what overlap, duplication and drift compare.

Per schema file, one extraction (`facts_of`) yields
- `leaves`: every property the file itself writes, reachable from its root, as an
  instance path (`/items/[]/task_id`, `*` for map values) with a type signature
  computed after resolving `$ref`s (overlap);
- `fields`: every `properties/NAME` entry written in the file, with its
  signature (drift), and in a definitions library every top-level definition
  (`defs.json#/definitions/size` defines `size` as much as a property does);
- `blocks`: canonical digests of written-out object sub-schemas (duplication).

Leaves are computed once per (document, subschema) node of the reference graph
and composed by prefixing: a definition referred to from many places is expanded
once, so the work grows with the size of the text, not with the number of paths
through a DAG of definitions. Per-schema budgets (`decisions/workspace.yaml`
`budgets`: leaves, depth, steps, seconds) bound what one schema may cost; what exceeds
one is recorded in `Facts.exceeded` (rule L002) and the extraction stops there.

Extractions are cached in a module-level dict keyed by (path, content hash) and
remember the hashes of the other files they read through `$ref`, so a re-check
after a one-file edit recomputes only that file (and the files that refer to it).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Hashable
from dataclasses import astuple, dataclass
from json.encoder import encode_basestring
from typing import Any, NamedTuple, Protocol

from .. import cache
from ..allocation import paused_gc
from ..config import Budgets
from ..jsontext import Tokens
from ..model import SchemaDoc, Workspace
from ..schema.dialect import ANNOTATIONS, defines_only
from ..schema.nodes import json_type
from . import walk
from .resolve import Resolver
from .walk import Candidate, block_key, object_schemas, required_names

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
RANGE = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")  # what makes a number's domain


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
    """One `properties/NAME` entry written in a file, or a library's definition NAME (drift)."""

    name: str
    pointer: Tokens
    core: str  # type/format/pattern/enum/const: the field's shape
    enum: frozenset[str] | None = None  # JSON of each enum value, when the field is an enum
    domain: str = ""  # the shape and its numeric range (`integer minimum=0`): what drift compares

    @property
    def vocabulary_free(self) -> str:
        """The domain without its enum: two enums of one type differ only in vocabulary."""
        if self.enum is None:
            return self.domain
        return self.domain.replace(f" enum=[{','.join(sorted(self.enum))}]", "")


# an overlap candidate feature: ("f", name, signature), ("s", distinctive core) or ("o", object shape)
Feature = tuple[str, ...]
# the budgets an extraction exceeded: ((budget, instance path where), ...)
Exceeded = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Facts:
    leaves: tuple[Leaf, ...]
    fields: tuple[FieldDef, ...]
    blocks: tuple[Candidate, ...]  # (candidate key, pointer, property count): duplication's candidates
    features: frozenset[Feature] = frozenset()  # overlap candidate features of the leaves
    exceeded: Exceeded = ()  # (budget, where) of each budget the extraction ran into


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


def leaf_features(leaves: tuple[Leaf, ...]) -> frozenset[Feature]:
    """Inverted-index features: exact non-generic fields, distinctive signatures, and the
    shape (multiset of child signatures) of objects with three or more fields."""
    out: set[Feature] = set()
    children: dict[tuple[str, ...], list[str]] = {}
    for path, sig, core, _, _, parent, generic, distinctive in leaves:
        sigs = children.get(parent)
        if sigs is None:
            children[parent] = [sig]
        else:
            sigs.append(sig)
        if not generic:
            out.add(("f", path[-1], sig))
        if distinctive:
            out.add(("s", core))
    out.update(("o", "\x00".join(sorted(sigs))) for sigs in children.values() if len(sigs) >= 3)
    return frozenset(out)


# keys `keywords` never takes over from a node (annotations, and the keywords it follows itself)
_MERGE_SKIP = ANNOTATIONS | {"$ref", "allOf", "$defs", "definitions"}


def _merge(res: Resolver, values: dict[str, Any], bases: dict[str, str], base: str, node: Any, depth: int) -> None:
    """Effective keywords of `node` into `values` (and the base URI of each into `bases`); the first wins."""
    if not isinstance(node, dict) or depth > 8:
        return
    for key, value in node.items():
        if key not in values and key not in _MERGE_SKIP:
            values[key] = value
            bases[key] = base
    ref = node.get("$ref")
    if isinstance(ref, str):
        hit = res.resolve(base, ref)
        if hit:
            _merge(res, values, bases, hit[0], hit[2], depth + 1)
    subs = node.get("allOf")
    if isinstance(subs, list):
        for sub in subs:
            _merge(res, values, bases, base, sub, depth + 1)


def keywords(res: Resolver, base: str, node: Any) -> dict[str, tuple[str, Any]]:
    """Effective keywords of `node`: its own, then its `$ref` chain's and `allOf`
    branches' (the outer definition wins); each value comes with its base URI."""
    values: dict[str, Any] = {}
    bases: dict[str, str] = {}
    _merge(res, values, bases, base, node, 0)
    return {key: (bases[key], value) for key, value in values.items()}


def types_of(kw: dict[str, tuple[str, Any]]) -> tuple[str, ...]:
    """Declared JSON types, or the ones implied by enum/const/properties/items."""
    return _types({key: value for key, (_, value) in kw.items()})


_OBJECT_KEYS = frozenset({"properties", "additionalProperties", "patternProperties", "required"})
_ARRAY_KEYS = frozenset({"items", "prefixItems"})
_BOUNDS_SET = frozenset(BOUNDS)


def _types(kw: dict[str, Any]) -> tuple[str, ...]:
    """`types_of` over plain keyword values."""
    if "type" in kw:
        value = kw["type"]
        return tuple(sorted(str(t) for t in value)) if isinstance(value, list) else (str(value),)
    if "enum" in kw and isinstance(kw["enum"], list):
        return tuple(sorted({json_type(v) for v in kw["enum"]}))
    if "const" in kw:
        return (json_type(kw["const"]),)
    if not _OBJECT_KEYS.isdisjoint(kw):
        return ("object",)
    if not _ARRAY_KEYS.isdisjoint(kw):
        return ("array",)
    return ()


class Sig(NamedTuple):
    full: str  # type/format/pattern/enum/const/items plus bounds (overlap)
    core: str  # without bounds
    enum: frozenset[str] | None  # JSON of each enum value
    domain: str  # `core` and the numeric range (drift): an int64 and a non-negative integer differ


_new_leaf = tuple.__new__  # a NamedTuple without the keyword-argument handling of its __new__
_ANY = Sig("any", "any", None, "any")
_NOTHING = Sig("nothing", "nothing", None, "nothing")


def _bound(value: Any) -> str:
    """A numeric bound as a JSON document's number meets it (a double): 9223372036854775807 and its
    float rendering 9223372036854776000 are one bound, and 1.0 is 1."""
    if type(value) in (int, float):
        try:
            number = float(value)
        except OverflowError:
            return repr(value)
        return str(int(number)) if number.is_integer() and abs(number) <= 2 ** 53 else repr(number)
    return _jv(value)


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
    memo: dict[tuple[str, int], Sig] = res.memo
    found = memo.get(key)
    if found is None:
        found = memo[key] = _describe(res, base, node, depth)
    return found


def _describe(res: Resolver, base: str, node: Any, depth: int) -> Sig:
    if node is True:
        return _ANY
    if node is False:
        return _NOTHING
    if isinstance(node, dict):
        if not node:
            return _ANY
        ref = node.get("$ref")
        if isinstance(ref, str):
            if "allOf" not in node and _MERGE_SKIP.issuperset(node):
                return _via_ref(res, base, ref, depth)
        elif not isinstance(node.get("allOf"), list):  # nothing to follow: its own keywords are the effective ones
            return _signature(res, base, node, None, depth)[0]
        kw: dict[str, Any] = {}
        bases: dict[str, str] = {}
        _merge(res, kw, bases, base, node, 0)
        return _signature(res, base, kw, bases, depth)[0]
    return _signature(res, base, {}, None, depth)[0]


def _via_ref(res: Resolver, base: str, ref: str, depth: int) -> Sig:
    """`_describe` of a node that is only a `$ref`: the signature of its target, shared by
    every node referring to that target while this resolver lives (the documents the
    target's own resolution read are recorded for each of them)."""
    hit = res.resolve(base, ref)
    if hit is None:
        return _signature(res, base, {}, {}, depth)[0]
    key = (hit[0], id(hit[2]), depth)
    # (target base, id(target), depth) -> (signature, documents its resolution read)
    cache: dict[tuple[str, int, int], tuple[Sig, frozenset[str]]] | None = res.__dict__.get("_by_target")
    if cache is None:
        cache = res.__dict__["_by_target"] = {}
    found = cache.get(key)
    if found is not None:
        if res.touched is not None:
            res.touched.update(found[1])
        return found[0]
    outer = res.touched
    inner: set[str] = set()
    res.touched = inner
    try:
        kw: dict[str, Any] = {}
        bases: dict[str, str] = {}
        _merge(res, kw, bases, hit[0], hit[2], 1)
        sig, nested = _signature(res, base, kw, bases, depth)
    finally:
        res.touched = outer
    if outer is not None:
        outer.update(inner)
    if not nested:  # a nested description may have come from the per-schema memo, unrecorded: not shareable
        cache[key] = (sig, frozenset(inner))
    return sig


def _signature(res: Resolver, base: str, kw: dict[str, Any], bases: dict[str, str] | None,
               depth: int) -> tuple[Sig, bool]:
    """(signature, whether sub-schemas were described) from effective keyword values `kw`
    (`bases`: the base URI of each, None when they are all `base`)."""
    declared = kw.get("type") if "type" in kw else None
    if type(declared) is str:  # the common case of `_types`
        types: tuple[str, ...] | bool = True
        parts = [declared or "any"]
    else:
        types = _types(kw)
        parts = ["|".join(types) or "any"]
    if "format" in kw:
        parts.append(f"format={_jv(kw['format'])}")
    if "pattern" in kw:
        parts.append(f"pattern={_jv(kw['pattern'])}")
    enum = kw.get("enum") if "enum" in kw else None
    values = frozenset([_jv(v) for v in enum]) if isinstance(enum, list) else None
    if values is not None:
        parts.append("enum=[" + ",".join(sorted(values)) + "]")
    if "const" in kw:
        parts.append(f"const={_jv(kw['const'])}")
    core: list[str] | None = None  # set together with `full` when sub-schemas add to the signature
    full = parts
    nested = False
    if depth < 3:
        items = kw.get("items")
        if isinstance(items, dict):
            nested = True
            sub = describe(res, bases["items"] if bases else base, items, depth + 1)
            core, full = parts + [f"items=({sub.core})"], parts + [f"items=({sub.full})"]
        if not types:
            for key in ("anyOf", "oneOf"):
                branches = kw.get(key)
                if isinstance(branches, list):
                    nested = True
                    bbase = bases[key] if bases else base
                    subs = [describe(res, bbase, b, depth + 1) for b in branches]
                    if core is None:
                        core, full = list(parts), list(parts)
                    core.append(f"{key}=({' | '.join(sorted({x.core for x in subs}))})")
                    full.append(f"{key}=({' | '.join(sorted({x.full for x in subs}))})")
    if core is None:
        core = full = parts
    core_text = " ".join(core)
    if _BOUNDS_SET.isdisjoint(kw):
        return _new_leaf(Sig, (core_text if full is core else " ".join(full), core_text, values, core_text)), nested
    full = full + [f"{k}={_jv(kw[k])}" for k in BOUNDS if k in kw and not isinstance(kw[k], dict)]
    domain = " ".join([core_text] + [f"{k}={_bound(kw[k])}" for k in RANGE if k in kw and not isinstance(kw[k], dict)])
    return _new_leaf(Sig, (" ".join(full), core_text, values, domain)), nested


def signature(res: Resolver, base: str, node: Any, bounds: bool = True) -> str:
    """`describe(...).full` (or `.core` without bounds)."""
    sig = describe(res, base, node)
    return sig.full if bounds else sig.core


def _deref(res: Resolver, base: str, node: Any) -> tuple[str, Any]:
    """`res.deref`, with a fast path for a node that is not a `$ref`."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return res.deref(base, node)
    return base, node


def _object_parts(res: Resolver, base: str, node: dict[str, Any], out: list[tuple[str, Any, bool]],
                  depth: int = 0) -> list[tuple[str, Any, bool]]:
    """(name, subschema, required) of `node`'s properties, with those of its
    allOf/anyOf/oneOf branches (in the same document, so with the same base)."""
    props = node.get("properties")
    if isinstance(props, dict) and props:
        required = required_names(node)
        for name, sub in props.items():
            out.append((name, sub, name in required))
    for key in ("allOf", "anyOf", "oneOf"):
        branches = node.get(key)
        if isinstance(branches, list):
            for branch in branches:
                bbase, bnode = _deref(res, base, branch)
                if bbase == base and isinstance(bnode, dict) and depth < 4:
                    _object_parts(res, bbase, bnode, out, depth + 1)
    return out


def _is_shared(res: Resolver, base: str) -> bool:
    return res.is_shared(base)


def _from_shared(res: Resolver, base: str, node: Any, resolved: tuple[str, Any] | None = None) -> bool:
    """True when the definition (or an array's item definition) lives in a shared library;
    `resolved` is `res.deref(base, node)` when the caller has it already."""
    doc, target = resolved if resolved is not None else _deref(res, base, node)
    if doc != base and _is_shared(res, doc):
        return True
    if isinstance(target, dict):
        items = target.get("items")
        if isinstance(items, dict):
            idoc = _deref(res, doc, items)[0]
            return idoc != doc and _is_shared(res, idoc)
    return False


# keywords through which `_visit` finds leaves: a node with none of them has none
_NESTING = frozenset({"properties", "allOf", "anyOf", "oneOf", "items", "additionalProperties", "prefixItems",
                      "patternProperties"})


def _distinctive_core(core: str) -> bool:
    """`is_distinctive` for a field already known not to be generic."""
    return "pattern=" in core or "enum=" in core or "const=" in core or (
        "format=" in core and not core.endswith(TIMESTAMP_FORMATS))


class _Walk:
    """One schema's leaf extraction: relative leaves memoised per (base, node), within budgets."""

    def __init__(self, res: Resolver, schema: SchemaDoc, budgets: Budgets):
        self.res, self.uri, self.budgets = res, schema.uri, budgets
        self.memo: dict[tuple[str, int], list[Leaf]] = {}
        self.active: set[int] = set()
        self.exceeded: dict[str, str] = {}
        self.deadline = time.perf_counter() + budgets.seconds
        self.nodes = 0  # nodes filled (the clock is read every 64)
        self.steps = 0  # leaves composed so far, against `budgets.steps`

    def over(self, budget: str, where: tuple[str, ...]) -> None:
        if budget not in self.exceeded:
            shown = where if len(where) <= 8 else where[:4] + ("...",) + where[-3:]
            self.exceeded[budget] = "/" + "/".join(shown) + (f" ({len(where)} levels)" if len(where) > 8 else "")

    def expand(self, base: str, node: Any, where: tuple[str, ...]) -> list[Leaf]:
        """Leaves under `node` (already dereferenced) relative to it; `where` is the first path it was met at."""
        if not isinstance(node, dict) or _NESTING.isdisjoint(node) or id(node) in self.active:
            return []
        key = (base, id(node))
        found = self.memo.get(key)
        if found is not None:
            return found
        if self.res.doc_of(base) != self.uri:  # refs into other files are reuse, not copied structure
            return []
        self.nodes += 1
        if self.nodes % 64 == 0 and time.perf_counter() > self.deadline:
            self.over("seconds", where)
        if "steps" in self.exceeded or "seconds" in self.exceeded:
            return []
        self.active.add(id(node))
        out: list[Leaf] = []
        try:
            self._fill(base, node, where, out)
        finally:
            self.active.discard(id(node))
        self.memo[key] = out
        return out

    def _add(self, out: list[Leaf], prefix: tuple[str, ...], children: list[Leaf], where: tuple[str, ...]) -> None:
        """Append `children` (relative leaves) under `prefix`, within the leaf, depth and steps budgets."""
        if not children or "steps" in self.exceeded:
            return
        room = self.budgets.leaves - len(out)
        work = self.budgets.steps - self.steps
        if work < min(room, len(children)):
            self.over("steps", where)
            children = children[:max(work, 0)]
        self.steps += min(room, len(children))
        depth = self.budgets.depth
        new = _new_leaf
        for leaf in children:
            if room <= 0:
                self.over("leaves", where)
                return
            path = prefix + leaf[0]
            if len(path) > depth:
                self.over("depth", where + leaf[0])
                continue
            out.append(new(Leaf, (path, leaf[1], leaf[2], leaf[3], leaf[4], prefix + leaf[5], leaf[6], leaf[7])))
            room -= 1

    def _fill(self, base: str, node: dict[str, Any], where: tuple[str, ...], out: list[Leaf]) -> None:
        res = self.res
        memo: dict[tuple[str, int], Sig] = res.memo
        is_shared = res.is_shared
        for name, sub, required in _object_parts(res, base, node, []):
            if len(out) >= self.budgets.leaves:
                self.over("leaves", where)
                return
            key = (base, id(sub))
            sig = memo.get(key)
            if sig is None:
                sig = memo[key] = _describe(res, base, sub, 0)
            full, core = sig[0], sig[1]
            generic = (name in GENERIC_NAMES or name.endswith("_at") or name == "[]" or name == "*"
                       or core.startswith("string format=") and core.endswith(TIMESTAMP_FORMATS))
            here = (name,)
            if isinstance(sub, dict):  # `_from_shared`, inlined: this runs once per property of every schema
                if isinstance(sub.get("$ref"), str):
                    rbase, rnode = res.deref(base, sub)
                    shared = rbase != base and is_shared(rbase)
                else:  # written here: shared only through its items
                    rbase, rnode, shared = base, sub, False
                if not shared and isinstance(rnode, dict):
                    items = rnode.get("items")
                    if isinstance(items, dict):
                        idoc = _deref(res, rbase, items)[0]
                        shared = idoc != rbase and is_shared(idoc)
            else:
                rbase, rnode, shared = base, sub, False
            out.append(_new_leaf(Leaf, (here, full, core, required, shared, (),
                                        generic, not generic and _distinctive_core(core))))
            if isinstance(rnode, dict) and not _NESTING.isdisjoint(rnode):  # else `expand` finds nothing
                children = self.expand(res.index.enter(rbase, rnode), rnode, where + here)
                if children:
                    self._add(out, here, children, where)
        for keyword, step in (("items", "[]"), ("additionalProperties", "*"), ("additionalItems", "[]")):
            sub = node.get(keyword)
            if isinstance(sub, dict):
                rbase, rnode = _deref(res, base, sub)
                self._add(out, (step,), self.expand(res.index.enter(rbase, rnode), rnode, where + (step,)), where)
        for keyword, step in (("prefixItems", "[]"), ("items", "[]"), ("patternProperties", "*")):
            subs = node.get(keyword)
            for sub in (subs.values() if isinstance(subs, dict) else subs if isinstance(subs, list) else ()):
                rbase, rnode = _deref(res, base, sub)
                self._add(out, (step,), self.expand(res.index.enter(rbase, rnode), rnode, where + (step,)), where)


def own_leaves(res: Resolver, schema: SchemaDoc, budgets: Budgets | None = None) -> tuple[tuple[Leaf, ...], Exceeded]:
    """The instance structure a schema writes itself (refs into other files are reuse, not copied
    structure), and the budgets it exceeded: ((budget, instance path where), ...)."""
    w = _Walk(res, schema, budgets or Budgets())
    base, node = _deref(res, res.index.base_of(schema), schema.body)
    out: list[Leaf] = []
    w._add(out, (), w.expand(res.index.enter(base, node), node, ()), ())
    return tuple(out), tuple(sorted(w.exceeded.items()))


def written(res: Resolver, schema: SchemaDoc) -> tuple[tuple[FieldDef, ...], tuple[Candidate, ...]]:
    """Field definitions (every `properties/NAME` written in the file, and every top-level
    definition of a library, with its resolved signature) and the duplication candidates
    (`walk.Candidate`), in one pass over the file."""
    uri = res.index.base_of(schema)
    memo: dict[tuple[str, int], Sig] = res.memo
    body = schema.body
    entries = object_schemas(body) if isinstance(body, dict) else []
    blocks = [(block_key(props), ptr, len(props)) for ptr, props in entries if props]
    named = [(ptr + ("properties", name), name, sub) for ptr, props in entries for name, sub in props.items()]
    if schema.shared or defines_only(body):
        named += [((key, name), name, sub) for key in ("$defs", "definitions")
                  if isinstance(body.get(key), dict) for name, sub in body[key].items()]
    fields: list[FieldDef] = []
    for ptr, name, sub in named:
        key = (uri, id(sub))
        sig = memo.get(key)
        if sig is None:
            sig = memo[key] = _describe(res, uri, sub, 0)
        fields.append(_new_leaf(FieldDef, (name, ptr, sig[1], sig[2], sig[3])))
    return tuple(fields), tuple(blocks)


# what a cached extraction depends on in another file: (content hash, shared), None when it is gone
Stamp = tuple[str, bool] | None
# (path, content hash, shared, budgets, how references resolve) -> (stamps of the files it read, facts)
_CACHE: dict[tuple[str, str, bool, Budgets, Hashable], tuple[dict[str, Stamp], Facts]] = cache.memo("fields.facts")
STATS = {"hits": 0, "misses": 0, "stored": 0}


def _stamp(res: Resolver, uri: str) -> Stamp:
    doc = res.docs.get(uri)
    return (doc.source.sha, doc.shared) if doc else None


def _current(res: Resolver, deps: dict[str, Stamp]) -> bool:
    return all(_stamp(res, uri) == stamp for uri, stamp in deps.items())


def _plain(deps: dict[str, Stamp], facts: Facts) -> tuple[Any, ...]:
    """Facts as plain data for the disk cache (tuples, not named tuples)."""
    return (deps, tuple(map(tuple, facts.leaves)), tuple(map(tuple, facts.fields)), facts.blocks, facts.features,
            facts.exceeded)


def _unplain(value: Any) -> tuple[dict[str, Stamp], Facts] | None:
    """`_plain`'s inverse; None for anything else (a miss)."""
    try:
        deps, leaves, defs, blocks, features, exceeded = value
        return deps, Facts(tuple(_new_leaf(Leaf, leaf) for leaf in leaves),
                           tuple(_new_leaf(FieldDef, d) for d in defs), blocks, features, exceeded)
    except (TypeError, ValueError):
        return None


@functools.lru_cache(maxsize=64)
def _plain_budgets(budgets: Budgets) -> tuple[Any, ...]:
    """`astuple(budgets)` (a disk cache key), once per setting: `astuple` copies deeply."""
    return astuple(budgets)


def facts_of(res: Resolver, schema: SchemaDoc, budgets: Budgets | None = None) -> Facts:
    """Extraction for one schema, reused while it and every file it reads are unchanged (in this
    process, and through the disk cache between runs)."""
    budgets = budgets or Budgets()
    key = (schema.path, schema.source.sha, schema.shared, budgets, res.index.setting)
    hit = _CACHE.get(key)
    if hit and _current(res, hit[0]):
        STATS["hits"] += 1
        return hit[1]
    store = cache.active()
    disk = (schema.path, schema.source.sha, schema.shared, _plain_budgets(budgets), res.index.setting_key)
    if store is not None and (stored := _unplain(store.get("facts", disk))) is not None and _current(res, stored[0]):
        STATS["stored"] += 1
        _CACHE[key] = stored
        return stored[1]
    STATS["misses"] += 1
    if len(_CACHE) > 100_000 or len(walk._INTERN) > 5_000_000:
        _CACHE.clear()  # digests are interned ids: forget both together, before computing new ones
        walk._INTERN.clear()
    touched = res.record()
    try:
        leaves, exceeded = ((), ()) if schema.shared else own_leaves(res, schema, budgets)
        facts = Facts(leaves, *written(res, schema), leaf_features(leaves), exceeded)
    finally:
        res.stop()
    touched.discard(schema.uri)
    deps = {uri: _stamp(res, uri) for uri in touched}
    _CACHE[key] = (deps, facts)
    if store is not None and not any(budget == "seconds" for budget, _ in exceeded):  # the clock is the machine's
        store.put("facts", disk, _plain(deps, facts))
    return facts


class Structure:
    """Per-check view: a resolver and the (cached) facts of every schema."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.resolver = Resolver(ws)
        self._facts: dict[str, Facts] = {}
        self._every: dict[str, Facts] | None = None

    def every(self) -> dict[str, Facts]:
        """Every schema's facts by path, in the workspace's order (what the cross-schema indexes read)."""
        if self._every is None:
            self._every = {s.path: self.facts(s) for s in self.ws.schemas}
        return self._every

    def facts(self, schema: SchemaDoc) -> Facts:
        if schema.path not in self._facts:
            if not self._facts:  # first use: extract every schema in one pass
                with paused_gc():
                    for s in self.ws.schemas:
                        self._facts[s.path] = facts_of(self.resolver, s, self.ws.config.budgets)
            if schema.path not in self._facts:
                self._facts[schema.path] = facts_of(self.resolver, schema, self.ws.config.budgets)
        return self._facts[schema.path]


class StructureContext(Protocol):
    """What `structure` reads of a check context: its snapshot, and its `__dict__` for the
    per-check cache (`rules.registry.RuleContext` satisfies it; analysis sits below the rules)."""

    __dict__: dict[str, Any]

    @property
    def ws(self) -> Workspace: ...


def structure(ctx: StructureContext) -> Structure:
    """The `Structure` of a check context, built once and shared by the structural rules."""
    found: Structure | None = ctx.__dict__.get("_structure")
    if found is None or found.ws is not ctx.ws:
        found = ctx.__dict__["_structure"] = Structure(ctx.ws)
    return found
