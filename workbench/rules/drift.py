"""drift: the same field defined in conflicting ways across schemas (R001), and one named object
closed in one place and open in another (R002)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from itertools import combinations
from typing import Any, NamedTuple

from .. import cache
from ..allocation import paused_gc
from ..analysis.fields import Facts, FieldDef, describe, structure
from ..analysis.groups import Groups
from ..analysis.postings import kept
from ..findings import Location
from ..model import Identifier, SchemaDoc
from ..schema.uri import pointer_str
from .duplication import copies
from .registry import Hit, RuleContext, rule

MAX_PLACES = 25
# an identifier by its name: `run_id`, `run-id`, `runId`, `RUN_ID` (not `id` alone, not `valid`)
ID_NAME = re.compile(r"(?:[_-][iI][dD]|[a-z0-9]I[dD])$")
# a name is generic when this many groups of unrelated schemas use it in this many shapes (or kinds of value)
GENERIC_USERS = 3
GENERIC_SHAPES = 3
_RELATIONS: dict[Any, tuple[Hashable, Relations]] = cache.memo("drift.relations", 8)  # root -> (inputs, groups)
_ENUM = re.compile(r' enum=\[(?:"(?:[^"\\]|\\.)*"|[^\]"])*\]')  # an enum in a signature: its JSON values


class Definition(NamedTuple):
    schema: SchemaDoc
    field: FieldDef

    @property
    def place(self) -> str:
        return f"{self.schema.path}#{pointer_str(self.field.pointer)}"


def _definitions(ctx: RuleContext, keep: Iterable[str]) -> dict[str, list[Definition]]:
    """Field definitions by name, keeping only names defined in more than one way (and those in `keep`)."""
    st, ws = structure(ctx), ctx.ws
    found = kept(("drift.names", ws.root), _named, _two_ways).current(st.every(), keep)
    return {name: [Definition(s, fd) for path, fd in posted if (s := ws.schema(path)) is not None]  # (all are)
            for name, posted in found.items()}


def _named(facts: Facts) -> Iterator[tuple[str, FieldDef]]:
    return ((fd.name, fd) for fd in facts.fields)


def _two_ways(name: str, posted: list[tuple[str, FieldDef]]) -> bool:
    first = posted[0][1].domain
    return any(fd.domain != first for _, fd in posted)


def _canonical(ctx: RuleContext, definition: str) -> str | None:
    """Domain of an identifiers.yaml definition (`path#/pointer`), None if it does not resolve."""
    res = structure(ctx).resolver
    hit = res.resolve("file:///", definition) if definition else None
    return describe(res, hit[0], hit[2]).domain if hit else None


def identifier_names(ctx: RuleContext, declared: Iterable[Identifier]) -> frozenset[str]:
    """Names the workspace treats as identifiers: those of decisions/identifiers.yaml, every definition
    of the library they are defined in (the shared id library), and names shaped like one (`ID_NAME`)."""
    names: set[str] = set()
    for ident in declared:
        names.add(ident.name)
        target = ctx.refs.resolve("file:///", ident.definition) if ident.definition else None
        library = ctx.refs.by_uri.get(target.doc) if target and target.status == "ok" else None
        if library is not None:
            names.update(n for key in ("$defs", "definitions") if isinstance(library.body.get(key), dict)
                         for n in library.body[key])
    return frozenset(names)


def _listing(groups: dict[str, list[Definition]]) -> str:
    parts = []
    for domain, defs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        shown = ", ".join(d.place for d in defs[:MAX_PLACES])
        more = f" and {len(defs) - MAX_PLACES} more" if len(defs) > MAX_PLACES else ""
        parts.append(f"`{domain}` in {shown}{more}")
    return "; ".join(parts)


def _group(defs: list[Definition]) -> dict[str, list[Definition]]:
    groups: dict[str, list[Definition]] = defaultdict(list)
    for d in sorted(defs, key=lambda d: d.place):
        groups[d.field.domain].append(d)
    return groups


def _vocabularies(defs: list[Definition]) -> bool:
    """The definitions differ only in vocabulary: in their enums, at any depth, or in having one (a task's
    `status` and a job's, `flags` of two kinds): a schema's own unless decided to belong with the other."""
    return len({_ENUM.sub("", d.field.domain) for d in defs}) == 1


def _vocabularies_only(groups: dict[str, list[Definition]]) -> bool:
    """Every pair of definitions differs only by disjoint enums: different concepts sharing a name."""
    reps = [defs[0].field for defs in groups.values()]
    return all(a.enum is not None and b.enum is not None and a.vocabulary_free == b.vocabulary_free
               and not (a.enum & b.enum) for a, b in combinations(reps, 2))


class Relations(NamedTuple):
    """Schema path -> a representative of its group, for two readings of "related"."""

    wide: dict[str, str]  # linked by any `$ref` (two contracts using one library are related), one family (an
    # `init` draft too), families of one confirmed intent class
    close: dict[str, str]  # one family, families of one confirmed intent class: decided to belong together


def relations(ctx: RuleContext) -> Relations:
    """The groups of related schemas (`Relations`), computed once per check, and kept while the workspace's
    schemas, their links and the families are unchanged."""
    found: Relations | None = ctx.__dict__.get("_relations")
    if found is not None:
        return found
    ws = ctx.ws
    key = (tuple((s.path, s.uri, ctx.refs.linked(s)) for s in ws.schemas),
           tuple((fam.schemas, fam.intent_class, fam.guess) for fam in ws.families))
    last = _RELATIONS.get(ws.root)
    if last is not None and last[0] == key:
        found = last[1]
    else:
        found = _relations(ctx)
        _RELATIONS[ws.root] = (key, found)
    ctx.__dict__["_relations"] = found
    return found


def _relations(ctx: RuleContext) -> Relations:
    ws = ctx.ws
    paths = {s.path for s in ws.schemas}
    wide, close = Groups(paths), Groups(paths)
    for s in ws.schemas:
        for doc in ctx.refs.linked(s):
            wide.union(s.path, ctx.refs.by_uri[doc].path)
    first_of_intent: dict[str, str] = {}
    for fam in ws.families:
        members = [p for p in fam.schemas if p in paths]
        if members and fam.intent_class and not fam.guess:
            members.append(first_of_intent.setdefault(fam.intent_class, members[0]))
        for path in members[1:]:
            wide.union(members[0], path)
            close.union(members[0], path)
    return Relations(wide.roots(), close.roots())


def _kind(core: str) -> str:
    """The kind of value a shape holds: its JSON type (and its items' type): `array items=(string)`."""
    head, _, rest = core.partition(" ")
    return f"{head} {rest.partition('items=(')[2].partition(' ')[0].rstrip(')')}" if head == "array" else head


def generic(close: dict[str, str], defs: list[Definition]) -> bool:
    """A name unrelated schemas use for different things (`type`, `args`, `flags` across a catalog): at
    least `GENERIC_USERS` groups of schemas not decided to belong together (`Relations.close`)
    define it, in `GENERIC_SHAPES` shapes or more, or as values of different kinds (an array of strings here,
    of objects there). Judged from the workspace, never from a list of names; numeric ranges are not shapes
    (an int64 `size` and a non-negative one are one field drifting)."""
    if len({close.get(d.schema.path) for d in defs}) < GENERIC_USERS:
        return False
    shapes = {d.field.core for d in defs}
    return len(shapes) >= GENERIC_SHAPES or len({_kind(c) for c in shapes}) > 1


def _partitions(groups: dict[str, str] | None, defs: list[Definition]) -> list[list[Definition]]:
    """`defs` by group of related schemas (all together when `groups` is None)."""
    if groups is None:
        return [defs]
    by_group: dict[str, list[Definition]] = defaultdict(list)
    for d in defs:
        by_group[groups.get(d.schema.path, d.schema.path)].append(d)
    return [by_group[k] for k in sorted(by_group)]


def _related(defs: list[Definition], but: Definition) -> tuple[Location, ...]:
    """The other definitions of the field, as locations (at most MAX_PLACES)."""
    others = (Location(d.schema.path, pointer=pointer_str(d.field.pointer)) for d in defs if d is not but)
    return tuple(others)[:MAX_PLACES]


@rule("R001", "field-drift", "drift", "warning")
def field_drift(ctx: RuleContext) -> list[Hit]:
    """The same field name is defined in conflicting ways across schemas: different
    types, patterns, formats, enums or numeric ranges (an int64 `size` here, a
    non-negative one there), compared after resolving `$ref` (two refs to one
    definition, or an inline copy identical to it, never conflict). A definitions
    library's own definitions count (`defs.json#/definitions/size` defines `size`).

    Identifiers: the names of decisions/identifiers.yaml and every definition of
    the library they live in are compared in full across the whole workspace;
    those listed in identifiers.yaml are errors, each definition that deviates
    from the canonical one reported where it is written. Names shaped like an
    identifier (`run_id`, `runId`) are compared across the whole workspace for the
    kind of value (a string in one schema, an integer in another can never be
    joined), and in full between related schemas (independent services may each
    format an id their own way).

    Other fields are warnings, one per name and group of related schemas, naming
    every definition. Related: linked by `$ref` (directly or through a shared
    library), in one family (an `init` draft too), or in families of one confirmed
    intent class. A generic name, one that three or more groups of schemas not
    decided to belong together use in three shapes or more, or for different kinds
    of value (`type`, `args`, `flags` across a specification's files), is compared
    only between schemas decided to belong together (one family, one confirmed
    intent class); so are definitions that differ only in their enums (a task's
    `status` and a job's are two vocabularies). Even there, definitions that differ
    only by disjoint enums are different concepts that happen to share a name
    (`code` of an RPC error vs `code` of a reason catalog entry).

    Why it matters: one name with several meanings makes documents from different schemas disagree exactly where
    they are joined or copied; for identifiers, a join that can never match.

    How to fix: define the field once (a shared `$defs` entry) and `$ref` it, or align the definitions; different
    concepts under one name are a waiver with the reason, or a rename.
    """
    with paused_gc():
        return list(_drift(ctx))


def _drift(ctx: RuleContext) -> Iterator[Hit]:
    ws = ctx.ws
    declared = {i.name: i for i in ws.decisions.identifiers}
    definitions = _definitions(ctx, declared)
    identifiers = identifier_names(ctx, declared.values())
    rel = relations(ctx)
    for name, defs in sorted(definitions.items()):
        ident = declared.get(name)
        canonical = _canonical(ctx, ident.definition) if ident else None
        if len({d.field.domain for d in defs} | ({canonical} if canonical else set())) < 2:
            continue  # every definition agrees (with the canonical one)
        if ident is not None and canonical is not None:  # (a canonical signature comes from an identifier)
            groups = _group(defs)
            for d in (d for d in defs if d.field.domain != canonical):
                yield Hit(f"identifier {name} at {pointer_str(d.field.pointer)} is `{d.field.domain}`, but "
                          f"decisions/identifiers.yaml defines it as `{canonical}` ({ident.definition}); "
                          f"definitions: {_listing(groups)}", d.schema.path, None, (name, d.schema.name), "error",
                          pointer=pointer_str(d.field.pointer), related=_related(defs, d))
            continue
        if name in identifiers:
            scope = None  # the whole workspace
        elif ID_NAME.search(name):  # the kind of value across the whole workspace, the rest between related schemas
            scope = None if len({_kind(d.field.core) for d in defs}) > 1 else rel.wide
        else:
            scope = rel.close if _vocabularies(defs) or generic(rel.close, defs) else rel.wide
        for part in _partitions(scope, defs):
            if len({d.field.domain for d in part}) < 2 or len({d.schema.path for d in part}) < 2:
                continue  # one way, or one schema (before grouping: most parts are)
            groups = _group(part)
            if not ident and _vocabularies_only(groups):
                continue
            odd = min(groups.values(), key=lambda g: (len(g), g[0].place))[0]
            yield Hit(f"field {name} is defined {len(groups)} ways: {_listing(groups)}", odd.schema.path, None,
                      (name,), "error" if ident else None, pointer=pointer_str(odd.field.pointer),
                      related=_related(part, odd))


@rule("R002", "object-openness-drift", "drift", "warning")
def openness_drift(ctx: RuleContext) -> Iterator[Hit]:
    """One object, written out under the same property name with the same properties
    in several schemas (a D001 copy), is closed in some places (`additionalProperties:
    false` or `unevaluatedProperties: false`) and open in others: a document one copy
    accepts (an extra key) the other rejects. Reported at each open copy, naming the
    closed ones.

    Why it matters: a document one copy accepts (an extra key) the other rejects, so the same object is valid in one
    contract and invalid in the next.

    How to fix: close the open copies too, or better define the object once and `$ref` it.
    """
    for copy in copies(ctx):
        closed = [p for p in copy.places if p in copy.closed]
        if not closed or len(closed) == len(copy.places):
            continue
        shown = ", ".join(f"{path}#{pointer_str(ptr)}" for path, ptr in closed[:MAX_PLACES])
        for path, ptr in (p for p in copy.places if p not in copy.closed):
            yield Hit(f"{copy.label} is open here but closed in {shown}: a document with another key passes here "
                      f"and fails there", path, None, (copy.name or copy.label, path),
                      pointer=pointer_str(ptr),
                      related=tuple(Location(p, pointer=pointer_str(q)) for p, q in closed[:MAX_PLACES]))
