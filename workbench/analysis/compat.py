"""Classify the changes between two versions of a workspace's schemas.

Both versions are compared after resolving `$ref`s, so moving an inline
sub-schema behind a `$ref` (or into `$defs`) that accepts the same documents is
no change. `allOf`/`anyOf`/`oneOf` branches are paired by content, not by
position. Every change is classified by what it does to the set of documents the
schema accepts: narrowing it breaks producers (documents they already emit may be
rejected); removing what consumers read breaks consumers; widening is safe
(tolerant readers accept new values).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urljoin

from ..model import SchemaDoc, Workspace
from .fields import paused_gc
from .refs import pointer_str
from .resolve import Resolver
from .walk import (ANNOTATIONS, SCHEMA_LISTS, SCHEMA_MAPS, SCHEMA_ONE, SET_KEYWORDS, required_names, schema_list,
                   schema_map)

# kind -> (breaking, who breaks, why) ; who: producers | consumers | both | nobody
KINDS: dict[str, tuple[bool, str, str]] = {
    "schema deleted": (True, "both",
        "producers can no longer validate what they emit and consumers lose the contract"),
    "schema added": (False, "nobody", "no document or reader depended on it before"),
    "property removed": (True, "both",
        "documents that still carry it are rejected by the closed object, and consumers that read it lose it"),
    "property removed from open object": (True, "consumers",
        "the field is no longer described, so consumers can no longer rely on its presence or type"),
    "property newly required": (True, "producers", "documents produced without it are now rejected"),
    "property no longer required": (True, "consumers",
        "consumers that read it unconditionally may now receive documents without it"),
    "optional property added": (False, "nobody",
        "the object was closed, so no valid document used the name before, and readers ignore what they do "
        "not know"),
    "property added to open object": (True, "producers",
        "the object was open, so documents may already use the name with another shape and are now rejected"),
    "additionalProperties closed": (True, "producers", "documents with undeclared properties are now rejected"),
    "additionalProperties opened": (False, "nobody", "every document valid before stays valid"),
    "type narrowed": (True, "producers", "documents with the removed type are now rejected"),
    "type widened": (False, "nobody",
        "every document valid before stays valid; consumers should accept the new type"),
    "type changed": (True, "both",
        "documents of the old type are rejected and consumers receive a type they never saw"),
    "enum value removed": (True, "producers", "documents with the removed value are now rejected"),
    "enum widened": (False, "nobody", "every value valid before stays valid; consumers must tolerate the new value"),
    "const changed": (True, "both",
        "documents with the old value are rejected and consumers receive a different value"),
    "branch removed": (True, "producers", "documents matching only the removed alternative are now rejected"),
    "branch added": (False, "nobody",
        "every document valid before stays valid; consumers must handle the new alternative"),
    "constraint changed": (True, "both",
        "the accepted documents changed in a way that is neither a narrowing nor a widening"),
}
TIGHTENED = (True, "producers", "documents valid before may now be rejected")
RELAXED = (False, "nobody", "every document valid before stays valid")
CHANGED = (True, "both", "neither version accepts all documents of the other")

LOWER = {"minimum": "range", "exclusiveMinimum": "range", "minLength": "length", "minItems": "count",
         "minProperties": "count", "minContains": "count"}
UPPER = {"maximum": "range", "exclusiveMaximum": "range", "maxLength": "length", "maxItems": "count",
         "maxProperties": "count", "maxContains": "count"}
OPAQUE = ("not", "if", "then", "else", "dependentSchemas", "dependentRequired", "unevaluatedItems",
          "unevaluatedProperties", "propertyNames", "contains", "contentSchema", "patternProperties")
MERGEABLE = frozenset({"type", "enum", "const", "format", "pattern", "required", "uniqueItems", "multipleOf"}
                      | set(LOWER) | set(UPPER))
MAX_DEPTH = 48
_ABSENT = object()


@dataclass(frozen=True)
class Change:
    schema: str
    pointer: str
    kind: str
    old: str
    new: str
    breaking: bool
    breaks: str
    why: str

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def impact(self) -> str:
        """`breaks producers: ...`, `breaks producers and consumers: ...` or `safe: ...`."""
        who = {"both": "producers and consumers", "nobody": ""}.get(self.breaks, self.breaks)
        return f"breaks {who}: {self.why}" if self.breaking else f"safe: {self.why}"


class Plain(str):
    """A word shown as is (not as a JSON value) in old -> new."""


def short(value: Any, limit: int = 100) -> str:
    if value is _ABSENT:
        return "(absent)"
    if isinstance(value, Plain):
        return str(value)
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _types(node: dict) -> set[str] | None:
    t = node.get("type")
    if t is None:
        return None
    return {str(x) for x in t} if isinstance(t, list) else {str(t)}


def _accepts(types: set[str] | None, t: str) -> bool:
    return types is None or t in types or (t == "integer" and "number" in types)


def _closed(node: dict) -> bool:
    return node.get("additionalProperties") is False or node.get("unevaluatedProperties") is False


def _openness(ap: Any) -> int:
    """additionalProperties: 2 any extra property, 1 extras matching a schema, 0 none."""
    return 2 if ap is _ABSENT or ap is True or ap == {} else 0 if ap is False else 1


class Differ:
    """Compare one baseline workspace with the current one."""

    def __init__(self, old: Workspace, new: Workspace):
        self.old, self.new = Resolver(old), Resolver(new)
        self._canon: dict[tuple, tuple[Any, str]] = {}

    # --- resolution -------------------------------------------------------------------------
    def effective(self, res: Resolver, base: str, node: Any) -> tuple[str, Any, str | None]:
        """Follow `$ref`s; data keywords written beside a `$ref` are kept. Returns (base, node, ref target)."""
        target = None
        extra: dict = {}
        for _ in range(32):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                break
            hit = res.resolve(base, node["$ref"])
            if hit is None:
                break
            extra = {k: v for k, v in node.items() if k in MERGEABLE} | extra
            target = target or hit[1]
            base, node = hit[0], hit[2]
        if extra and isinstance(node, dict):
            node = {**node, **extra}
        return base, node, target

    def canon(self, res: Resolver, base: str, node: Any, depth: int = 0) -> str:
        """Canonical text of what a (sub)schema accepts, after `$ref` resolution (memoised;
        the memo keeps `node` alive, so its id cannot be reused by another object)."""
        key = (id(res), base, id(node), depth > 12)
        hit = self._canon.get(key)
        if hit is None or hit[0] is not node:
            hit = self._canon[key] = (node, json.dumps(self._canon_value(res, base, node, depth), sort_keys=True))
        return hit[1]

    def _canon_value(self, res: Resolver, base: str, node: Any, depth: int) -> Any:
        base, node, _ = self.effective(res, base, node)
        if not isinstance(node, dict):
            return node
        if depth > 12:
            return "..."
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ANNOTATIONS or key in ("$defs", "definitions"):
                continue
            if key == "$ref" and isinstance(value, str):  # still a ref: it did not resolve
                out[key] = _rel(urljoin(base, value))
                continue
            if key in SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {n: self.canon(res, base, v, depth + 1) for n, v in value.items()}
            elif key in SCHEMA_ONE:
                out[key] = self.canon(res, base, value, depth + 1)
            elif key in SCHEMA_LISTS and isinstance(value, list):
                subs = [self.canon(res, base, v, depth + 1) for v in value]
                out[key] = subs if key == "prefixItems" else sorted(subs)
            elif key in SET_KEYWORDS and isinstance(value, list):
                out[key] = sorted(json.dumps(v, sort_keys=True) for v in value)
            else:
                out[key] = value
        return out

    # --- entry points -----------------------------------------------------------------------
    def schema(self, old: SchemaDoc, new: SchemaDoc) -> list[Change]:
        out: list[Change] = []
        self.node(out, new.path, old.uri, old.body, new.uri, new.body, (), set())
        return out

    def node(self, out: list, path: str, ob: str, o: Any, nb: str, n: Any, ptr: tuple, active: set) -> None:
        ob, o, o_ref = self.effective(self.old, ob, o)
        nb, n, n_ref = self.effective(self.new, nb, n)
        key = (id(o), id(n))
        if key in active or len(ptr) > MAX_DEPTH:
            return
        if o_ref and n_ref and _rel(o_ref) != _rel(n_ref):
            inner: list[Change] = []
            active.add(key)
            self.compare(inner, path, ob, o, nb, n, ptr, active)
            active.discard(key)
            if inner:
                breaking = any(c.breaking for c in inner)
                who = {c.breaks for c in inner if c.breaking} or {"nobody"}
                first = inner[0]
                why = (f"the new target differs ({len(inner)} change(s), first: {first.kind} at "
                       f"{first.pointer or '/'})")
                out.append(Change(path, pointer_str(ptr), "$ref retargeted", _rel(o_ref), _rel(n_ref), breaking,
                                  "both" if len(who) > 1 else who.pop(), why))
            return
        active.add(key)
        self.compare(out, path, ob, o, nb, n, ptr, active)
        active.discard(key)

    def emit(self, out: list, path: str, ptr: tuple, kind: str, old: Any, new: Any, spec: tuple | None = None) -> None:
        breaking, who, why = spec or KINDS[kind]
        out.append(Change(path, pointer_str(ptr), kind, short(old), short(new), breaking, who, why))

    # --- comparison -------------------------------------------------------------------------
    def compare(self, out: list, path: str, ob: str, o: Any, nb: str, n: Any, ptr: tuple, active: set) -> None:
        if not (isinstance(o, dict) and isinstance(n, dict)):
            if self.canon(self.old, ob, o) != self.canon(self.new, nb, n):
                spec = RELAXED if n is True or n == {} else TIGHTENED if o is True or o == {} else CHANGED
                kind = {RELAXED: "schema relaxed", TIGHTENED: "schema tightened"}.get(spec, "constraint changed")
                self.emit(out, path, ptr, kind, o, n, spec)
            return
        if self.canon(self.old, ob, o) == self.canon(self.new, nb, n):
            return
        self.types(out, path, o, n, ptr)
        self.values(out, path, o, n, ptr)
        self.bounds(out, path, o, n, ptr)
        self.objects(out, path, ob, o, nb, n, ptr, active)
        self.arrays(out, path, ob, o, nb, n, ptr, active)
        for key in ("allOf", "anyOf", "oneOf"):
            self.branches(out, path, key, ob, o.get(key), nb, n.get(key), ptr + (key,), active)
        for key in OPAQUE:
            ov, nv = o.get(key, _ABSENT), n.get(key, _ABSENT)
            if ov is _ABSENT and nv is _ABSENT:
                continue
            oc = self.canon(self.old, ob, ov) if ov is not _ABSENT else None
            nc = self.canon(self.new, nb, nv) if nv is not _ABSENT else None
            if oc != nc:
                spec = TIGHTENED if ov is _ABSENT else RELAXED if nv is _ABSENT else KINDS["constraint changed"]
                kind = {TIGHTENED: f"{key} added", RELAXED: f"{key} removed"}.get(spec, "constraint changed")
                self.emit(out, path, ptr + (key,), kind, ov, nv, spec)

    def types(self, out: list, path: str, o: dict, n: dict, ptr: tuple) -> None:
        ot, nt = _types(o), _types(n)
        if ot == nt:
            return
        lost = ot is None or any(not _accepts(nt, t) for t in ot)
        gained = nt is None or any(not _accepts(ot, t) for t in nt)
        kind = "type changed" if lost and gained else "type narrowed" if lost else "type widened" if gained else None
        if kind:
            self.emit(out, path, ptr + ("type",), kind, o.get("type", _ABSENT), n.get("type", _ABSENT))

    def values(self, out: list, path: str, o: dict, n: dict, ptr: tuple) -> None:
        """enum and const."""
        oe, ne = o.get("enum"), n.get("enum")
        if isinstance(oe, list) or isinstance(ne, list):
            os_ = {json.dumps(v, sort_keys=True) for v in oe} if isinstance(oe, list) else None
            ns_ = {json.dumps(v, sort_keys=True) for v in ne} if isinstance(ne, list) else None
            if os_ is None:
                self.emit(out, path, ptr + ("enum",), "enum added", _ABSENT, ne, TIGHTENED)
            elif ns_ is None:
                self.emit(out, path, ptr + ("enum",), "enum removed", oe, _ABSENT, RELAXED)
            else:
                if os_ - ns_:
                    self.emit(out, path, ptr + ("enum",), "enum value removed", *_enum_delta(oe, ne))
                if ns_ - os_:
                    self.emit(out, path, ptr + ("enum",), "enum widened", *_enum_delta(oe, ne))
        oc, nc = o.get("const", _ABSENT), n.get("const", _ABSENT)
        if oc is not nc and (oc is _ABSENT or nc is _ABSENT or short(oc, 10**6) != short(nc, 10**6)):
            spec = TIGHTENED if oc is _ABSENT else RELAXED if nc is _ABSENT else None
            kind = {TIGHTENED: "const added", RELAXED: "const removed"}.get(spec, "const changed")
            self.emit(out, path, ptr + ("const",), kind, oc, nc, spec)

    def bounds(self, out: list, path: str, o: dict, n: dict, ptr: tuple) -> None:
        """pattern, format, lengths, ranges, counts, multipleOf, uniqueItems."""
        for key in ("pattern", "format"):
            ov, nv = o.get(key, _ABSENT), n.get(key, _ABSENT)
            if ov != nv:
                spec = TIGHTENED if ov is _ABSENT else RELAXED if nv is _ABSENT else CHANGED
                self.emit(out, path, ptr + (key,), f"{key} {_verb(spec)}", ov, nv, spec)
        for table, tighter in ((LOWER, lambda a, b: b > a), (UPPER, lambda a, b: b < a)):
            for key, family in table.items():
                ov, nv = o.get(key, _ABSENT), n.get(key, _ABSENT)
                if ov == nv or not all(isinstance(v, (int, float)) or v is _ABSENT for v in (ov, nv)):
                    continue
                spec = TIGHTENED if ov is _ABSENT or (nv is not _ABSENT and tighter(ov, nv)) else RELAXED
                self.emit(out, path, ptr + (key,), f"{family} {_verb(spec)}", ov, nv, spec)
        ov, nv = o.get("multipleOf", _ABSENT), n.get("multipleOf", _ABSENT)
        if ov != nv and all(v is _ABSENT or isinstance(v, (int, float)) and v > 0 for v in (ov, nv)):
            spec = (TIGHTENED if ov is _ABSENT else RELAXED if nv is _ABSENT
                    else RELAXED if ov % nv == 0 else TIGHTENED if nv % ov == 0 else CHANGED)
            self.emit(out, path, ptr + ("multipleOf",), f"multipleOf {_verb(spec)}", ov, nv, spec)
        if bool(o.get("uniqueItems")) != bool(n.get("uniqueItems")):
            spec = TIGHTENED if n.get("uniqueItems") else RELAXED
            self.emit(out, path, ptr + ("uniqueItems",), f"uniqueItems {_verb(spec)}", o.get("uniqueItems", _ABSENT),
                      n.get("uniqueItems", _ABSENT), spec)

    def objects(self, out: list, path: str, ob: str, o: dict, nb: str, n: dict, ptr: tuple, active: set) -> None:
        """properties, required and the content model (additionalProperties)."""
        op, np_ = schema_map(o, "properties"), schema_map(n, "properties")
        oreq, nreq = required_names(o), required_names(n)
        for name in sorted(set(op) | set(np_)):
            here = ptr + ("properties", name)
            if name in op and name in np_:
                self.node(out, path, ob, op[name], nb, np_[name], here, active)
            elif name in op:
                self.emit(out, path, here, "property removed" if _closed(o) else "property removed from open object",
                          op[name], _ABSENT)
            elif _closed(o):
                if name not in nreq:
                    self.emit(out, path, here, "optional property added", _ABSENT, np_[name])
            elif isinstance(o.get("additionalProperties"), dict):  # old documents met the map-value schema
                self.node(out, path, ob, o["additionalProperties"], nb, np_[name], here, active)
            elif self.canon(self.new, nb, np_[name]) not in ("{}", "true") and name not in nreq:
                self.emit(out, path, here, "property added to open object", _ABSENT, np_[name])
        for name in sorted(nreq - oreq):
            self.emit(out, path, ptr + ("properties", name), "property newly required", Plain("optional"),
                      Plain("required"))
        for name in sorted(oreq - nreq):
            if name in np_ or name not in op:
                self.emit(out, path, ptr + ("properties", name), "property no longer required", Plain("required"),
                          Plain("optional"))
        oap, nap = o.get("additionalProperties", _ABSENT), n.get("additionalProperties", _ABSENT)
        here = ptr + ("additionalProperties",)
        if isinstance(oap, dict) and isinstance(nap, dict) and {} not in (oap, nap):
            self.node(out, path, ob, oap, nb, nap, here, active)
        elif _openness(oap) > _openness(nap):
            kind = "additionalProperties closed" if nap is False else "additionalProperties constrained"
            self.emit(out, path, here, kind, oap, nap, None if nap is False else TIGHTENED)
        elif _openness(oap) < _openness(nap):
            self.emit(out, path, here, "additionalProperties opened", oap, nap)

    def arrays(self, out: list, path: str, ob: str, o: dict, nb: str, n: dict, ptr: tuple, active: set) -> None:
        oi, ni = o.get("items", _ABSENT), n.get("items", _ABSENT)
        if isinstance(oi, (dict, bool)) and isinstance(ni, (dict, bool)):
            self.node(out, path, ob, oi, nb, ni, ptr + ("items",), active)
        elif oi is not ni and (oi is _ABSENT or ni is _ABSENT):
            spec = TIGHTENED if oi is _ABSENT else RELAXED
            self.emit(out, path, ptr + ("items",), f"items {_verb(spec)}", oi, ni, spec)
        opi, npi = schema_list(o, "prefixItems"), schema_list(n, "prefixItems")
        for i in range(max(len(opi), len(npi))):  # positional by definition
            if i < len(opi) and i < len(npi):
                self.node(out, path, ob, opi[i], nb, npi[i], ptr + ("prefixItems", i), active)
            else:
                spec = RELAXED if i >= len(npi) else TIGHTENED
                self.emit(out, path, ptr + ("prefixItems", i), f"prefixItems {_verb(spec)}",
                          opi[i] if i < len(opi) else _ABSENT, npi[i] if i < len(npi) else _ABSENT, spec)

    def branches(self, out: list, path: str, key: str, ob: str, ol: Any, nb: str, nl: Any, ptr: tuple,
                 active: set) -> None:
        """Pair branches by content (exact first, then most similar), never by position."""
        ol, nl = (ol if isinstance(ol, list) else None), (nl if isinstance(nl, list) else None)
        if ol is None and nl is None:
            return
        if ol is None or nl is None:
            spec = TIGHTENED if ol is None else RELAXED
            kind = f"{key} {'added' if ol is None else 'removed'}"
            self.emit(out, path, ptr, kind, ol or _ABSENT, nl or _ABSENT, spec)
            return
        pairs, lone_old, lone_new = self.pair(ob, ol, nb, nl)
        for i, j in pairs:
            self.node(out, path, ob, ol[i], nb, nl[j], ptr + (j,), active)
        narrowing = key == "allOf"  # a conjunct added narrows; an alternative added widens
        for i in lone_old:
            kind, spec = (f"{key} branch removed", RELAXED) if narrowing else ("branch removed", None)
            self.emit(out, path, ptr + (i,), kind, ol[i], _ABSENT, spec)
        for j in lone_new:
            kind, spec = (f"{key} branch added", TIGHTENED) if narrowing else ("branch added", None)
            self.emit(out, path, ptr + (j,), kind, _ABSENT, nl[j], spec)

    def pair(self, ob: str, ol: list, nb: str, nl: list) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        """(paired indexes, unpaired old, unpaired new): identical content first, then the most alike."""
        oc = [self.canon(self.old, ob, b) for b in ol]
        nc = [self.canon(self.new, nb, b) for b in nl]
        pairs, free_o, free_n = [], list(range(len(ol))), list(range(len(nl)))
        for i in list(free_o):
            j = next((j for j in free_n if nc[j] == oc[i]), None)
            if j is not None:
                free_o.remove(i)
                free_n.remove(j)
        olds = [self.effective(self.old, ob, b)[1] for b in ol]
        news = [self.effective(self.new, nb, b)[1] for b in nl]
        scored = sorted((-_likeness(olds[i], news[j]), i, j) for i in free_o for j in free_n)
        for score, i, j in scored:
            if score < 0 and i in free_o and j in free_n:
                pairs.append((i, j))
                free_o.remove(i)
                free_n.remove(j)
        return sorted(pairs), free_o, free_n


def _likeness(a: Any, b: Any) -> float:
    """How alike two branches look: shared property names, consts/enums and types."""
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return 0.0
    pa, pb = set(schema_map(a, "properties")), set(schema_map(b, "properties"))
    score = len(pa & pb) / len(pa | pb) if pa | pb else 0.0
    if a.get("type") is not None and a.get("type") == b.get("type"):
        score += 0.5
    if "const" in a and a.get("const") == b.get("const"):
        score += 1
    return score


def _verb(spec: tuple) -> str:
    return {TIGHTENED: "tightened", RELAXED: "relaxed"}.get(spec, "changed")


def _enum_delta(old: list, new: list) -> tuple[Any, Any]:
    """Full lists when short; otherwise only what differs."""
    if len(short(old, 1000)) + len(short(new, 1000)) <= 160:
        return old, new
    keep = [v for v in old if v in new]
    return ([f"... {len(keep)} unchanged"] + [v for v in old if v not in new],
            [f"... {len(keep)} unchanged"] + [v for v in new if v not in old])


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
    for path in sorted(olds.keys() | news.keys()):
        if path not in news:
            out.append(Change(path, "", "schema deleted", "(schema)", "(absent)", *KINDS["schema deleted"]))
        elif path not in olds:
            out.append(Change(path, "", "schema added", "(absent)", "(schema)", *KINDS["schema added"]))
        else:
            out.extend(differ.schema(olds[path], news[path]))
    return out

