"""drift: the same field name defined in conflicting ways across schemas."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations
from typing import NamedTuple

from ..allocation import paused_gc
from ..analysis.fields import FieldDef, signature, structure
from ..findings import Location
from ..model import SchemaDoc
from ..schema.uri import path_of, pointer_str
from .registry import Hit, RuleContext, rule

# fields whose enum is a family-local vocabulary: compared only within one intent class
LOCAL_VOCABULARY = frozenset({"status", "state"})
MAX_PLACES = 25


class Definition(NamedTuple):
    schema: SchemaDoc
    field: FieldDef

    @property
    def place(self) -> str:
        return f"{self.schema.path}#{pointer_str(self.field.pointer)}"


def _definitions(ctx: RuleContext) -> dict[str, list[Definition]]:
    """Field definitions by name, keeping only names defined in more than one way."""
    st = structure(ctx)
    by_name: dict[str, list[tuple[SchemaDoc, FieldDef]]] = defaultdict(list)
    for s in ctx.ws.schemas:
        for fd in st.facts(s).fields:
            by_name[fd.name].append((s, fd))
    names = {i.name for i in ctx.ws.decisions.identifiers}
    return {name: [Definition(*d) for d in defs] for name, defs in by_name.items()
            if name in names or len({fd.core for _, fd in defs}) > 1}


def _canonical(ctx: RuleContext, definition: str) -> str | None:
    """Signature of an identifiers.yaml definition (`path#/pointer`), None if it does not resolve."""
    res = structure(ctx).resolver
    hit = res.resolve("file:///", definition) if definition else None
    return signature(res, hit[0], hit[2], False) if hit else None


def _listing(groups: dict[str, list[Definition]]) -> str:
    parts = []
    for core, defs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        shown = ", ".join(d.place for d in defs[:MAX_PLACES])
        more = f" and {len(defs) - MAX_PLACES} more" if len(defs) > MAX_PLACES else ""
        parts.append(f"`{core}` in {shown}{more}")
    return "; ".join(parts)


def _group(defs: list[Definition]) -> dict[str, list[Definition]]:
    groups: dict[str, list[Definition]] = defaultdict(list)
    for d in sorted(defs, key=lambda d: d.place):
        groups[d.field.core].append(d)
    return groups


def _vocabularies_only(groups: dict[str, list[Definition]]) -> bool:
    """Every pair of definitions differs only by disjoint enums: different concepts sharing a name."""
    reps = [defs[0].field for defs in groups.values()]
    return all(a.enum is not None and b.enum is not None and a.vocabulary_free == b.vocabulary_free
               and not (a.enum & b.enum) for a, b in combinations(reps, 2))


def related_groups(ctx: RuleContext) -> dict[str, str]:
    """Schema path -> a representative of its group of related schemas: those linked by a `$ref` (either
    way, transitively: two contracts that use one shared library are related), and those of families of
    one intent class (a confirmed decision, not an `init` guess). Unrelated schemas (a catalog of
    independent tool configurations) are different vocabularies."""
    found: dict[str, str] | None = ctx.__dict__.get("_related_groups")
    if found is not None:
        return found
    ws = ctx.ws
    parent = {s.path: s.path for s in ws.schemas}

    def root(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    def union(a: str, b: str) -> None:
        if a in parent and b in parent:
            parent[root(a)] = root(b)

    for s in ws.schemas:
        for _, ref, base, _ in ctx.refs.refs_of(s):
            target = ctx.refs.resolve(base, ref)
            if target.status == "ok" and target.doc:
                union(s.path, path_of(target.doc) or "")
    first_of_intent: dict[str, str] = {}
    for fam in ws.families:
        for path in fam.schemas[1:]:
            union(fam.schemas[0], path)
        if fam.schemas and fam.intent_class and not fam.guess:
            union(fam.schemas[0], first_of_intent.setdefault(fam.intent_class, fam.schemas[0]))
    found = {p: root(p) for p in parent}
    ctx.__dict__["_related_groups"] = found
    return found


def _partitions(ctx: RuleContext, name: str, defs: list[Definition]) -> list[list[Definition]]:
    """Definitions that can drift apart: within one group of related schemas (`related_groups`); local
    vocabularies (`status`) only between families of one intent class within it."""
    groups = related_groups(ctx)
    by_key: dict[tuple[str, str], list[Definition]] = defaultdict(list)
    for d in defs:
        key = groups.get(d.schema.path, d.schema.path)
        if name in LOCAL_VOCABULARY:
            fam = ctx.ws.family_of(d.schema.path)
            if not (fam and fam.intent_class):
                continue
            by_key[key, fam.intent_class].append(d)
        else:
            by_key[key, ""].append(d)
    return [by_key[k] for k in sorted(by_key)]


def _related(defs: list[Definition], but: Definition) -> tuple[Location, ...]:
    """The other definitions of the field, as locations (at most MAX_PLACES)."""
    others = (Location(d.schema.path, pointer=pointer_str(d.field.pointer)) for d in defs if d is not but)
    return tuple(others)[:MAX_PLACES]


@rule("R001", "field-drift", "drift", "warning")
def field_drift(ctx: RuleContext) -> list[Hit]:
    """The same field name is defined in conflicting ways across schemas: different
    types, patterns, formats or enums, compared after resolving `$ref` (two refs to
    one definition, or an inline copy identical to it, never conflict).

    Identifiers and correlation ids listed in `decisions/identifiers.yaml` are
    errors: every definition must match the canonical one named there, and each
    deviating definition is reported where it is written. Other fields are
    warnings, one per field name, naming every definition. Two deliberate
    exceptions keep this precise: definitions that differ only by disjoint enums
    are different vocabularies that happen to share a name (`code` of an RPC error
    vs `code` of a reason catalog entry), and a `status`/`state` enum is a
    family-local vocabulary (a task's status and a request's status are different
    state machines), so those are compared only between families of the same
    intent class, where one state machine drifting apart is likely. And fields are
    compared only between related schemas: linked by `$ref` (directly or through
    a shared `$defs` library), or in families of one intent class; independent
    schemas (a catalog of unrelated tool configurations) each have their own
    vocabulary."""
    with paused_gc():
        return list(_drift(ctx))


def _drift(ctx: RuleContext) -> Iterator[Hit]:
    ws = ctx.ws
    identifiers = {i.name: i for i in ws.decisions.identifiers}
    for name, defs in sorted(_definitions(ctx).items()):
        ident = identifiers.get(name)
        canonical = _canonical(ctx, ident.definition) if ident else None
        if len({d.field.core for d in defs} | ({canonical} if canonical else set())) < 2:
            continue  # every definition agrees (with the canonical one)
        if ident is not None and canonical is not None:  # (a canonical signature comes from an identifier)
            groups = _group(defs)
            for d in (d for d in defs if d.field.core != canonical):
                yield Hit(f"identifier {name} at {pointer_str(d.field.pointer)} is `{d.field.core}`, but "
                          f"decisions/identifiers.yaml defines it as `{canonical}` ({ident.definition}); "
                          f"definitions: {_listing(groups)}", d.schema.path, None, (name, d.schema.name), "error",
                          pointer=pointer_str(d.field.pointer), related=_related(defs, d))
            continue
        for part in _partitions(ctx, name, defs):
            groups = _group(part)
            if len(groups) < 2 or len({d.schema.path for d in part}) < 2:
                continue
            if not ident and _vocabularies_only(groups):
                continue
            odd = min(groups.values(), key=lambda g: (len(g), g[0].place))[0]
            yield Hit(f"field {name} is defined {len(groups)} ways: {_listing(groups)}", odd.schema.path, None,
                      (name,), "error" if ident else None, pointer=pointer_str(odd.field.pointer),
                      related=_related(part, odd))
