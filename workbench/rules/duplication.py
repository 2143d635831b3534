"""duplication: the same object sub-schema written out in several files (D001); `copies` is what R002 reads too."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, NamedTuple

from ..allocation import paused_gc
from ..analysis.fields import Facts, structure
from ..analysis.groups import Groups
from ..analysis.postings import kept
from ..analysis.walk import block_digest
from ..findings import Location
from ..jsontext import Tokens
from ..model import Workspace
from ..schema.uri import pointer_str
from .registry import Hit, RuleContext, rule

MAX_NAMES = 8


# where a sub-schema is written: (file, pointer)
Place = tuple[str, Tokens]


class Copies(NamedTuple):
    """One object sub-schema written out in several files."""

    places: tuple[Place, ...]  # sorted
    name: str | None  # the property name every copy is written under (`telemetry_ref`), when they share one
    props: tuple[str, ...]  # its property names, sorted
    equal: bool  # every copy has one canonical form (else they share a name and property names only)
    closed: frozenset[Place]  # the copies with `additionalProperties: false` (or `unevaluatedProperties`)
    nested: bool  # every copy lies inside another group's copy (only the outermost is reported)

    @property
    def label(self) -> str:
        shown = ", ".join(self.props[:MAX_NAMES]) + (", ..." if len(self.props) > MAX_NAMES else "")
        what = f"object {self.name}" if self.name and not self.equal else "sub-schema"
        return f"the same {what} ({len(self.props)} propert{'y' if len(self.props) == 1 else 'ies'}: {shown})"


def copies(ctx: RuleContext) -> list[Copies]:
    """Object sub-schemas written out in two or more files, computed once per check: equal ones (at least
    `thresholds.duplication_min_properties` properties, compared canonically), and, whatever their size,
    objects under one property name with the same property names."""
    found: list[Copies] | None = ctx.__dict__.get("_copies")
    if found is None:
        with paused_gc():
            found = ctx.__dict__["_copies"] = _copies(ctx)
    return found


def _property_name(ptr: Tokens) -> str | None:
    """The property an object sub-schema is the value (or the array items) of: `.../properties/NAME[/items]`."""
    if len(ptr) >= 2 and ptr[-2] == "properties":
        return str(ptr[-1])
    if len(ptr) >= 3 and ptr[-1] == "items" and ptr[-3] == "properties":
        return str(ptr[-2])
    return None


def _in_files(places: list[Place]) -> bool:
    return len({p for p, _ in places}) > 1


def _sized(least: int) -> Callable[[Facts], Iterator[tuple[str, Tokens]]]:
    """The object sub-schemas of at least `least` properties, by key (a whole schema equal to another is
    overlap's business)."""
    return lambda facts: ((key, ptr) for key, ptr, count in facts.blocks if ptr and count >= least)


def _named(facts: Facts) -> Iterator[tuple[tuple[str, str], Tokens]]:
    """The object sub-schemas written as a property's value, by (property name, key)."""
    for key, ptr, _ in facts.blocks:
        if ptr and (name := _property_name(ptr)) is not None:
            yield (name, key), ptr


def _in_two(key: Hashable, posted: list[Place]) -> bool:
    return _in_files(posted)


def _copies(ctx: RuleContext) -> list[Copies]:
    st, ws = structure(ctx), ctx.ws
    least = ws.config.thresholds.duplication_min_properties
    facts = st.every()
    # only places sharing property names can be equal; only keys written in two files are looked at
    by_key = kept(("duplication.keys", ws.root, least), _sized(least), _in_two).current(facts)
    by_name = kept(("duplication.names", ws.root), _named, _in_two).current(facts)
    digests: dict[Place, int] = {}
    linked: Groups[Place] = Groups()

    def link(places: list[Place]) -> None:
        for place in places[1:]:
            linked.union(place, places[0])

    for places in by_key.values():  # (each in two files or more: `_in_two` selected them)
        by_digest: dict[int, list[Place]] = defaultdict(list)
        for place in places:
            digests[place] = _digest(ctx, place)
            by_digest[digests[place]].append(place)
        for same in by_digest.values():
            if _in_files(same):
                link(same)
    for places in by_name.values():
        by_props: dict[tuple[str, ...], list[Place]] = defaultdict(list)
        for place in places:
            by_props[_props(ctx, place)].append(place)
        for same in by_props.values():
            if _in_files(same):
                link(same)
    groups = sorted(sorted(g) for g in linked.groups() if _in_files(g))
    placed = {place for g in groups for place in g}

    def nested(place: Place) -> bool:
        path, ptr = place
        return any((path, ptr[:k]) in placed for k in range(1, len(ptr)))

    out = []
    for g in groups:
        names = {_property_name(ptr) for _, ptr in g}
        equal = len({digests[p] if p in digests else _digest(ctx, p) for p in g}) == 1
        out.append(Copies(tuple(g), names.pop() if len(names) == 1 else None, _props(ctx, g[0]), equal,
                          frozenset(p for p in g if _closed(_node(ctx, p))), all(nested(p) for p in g)))
    return out


@rule("D001", "duplicated-subschema", "duplication", "warning")
def duplicated_subschema(ctx: RuleContext) -> Iterator[Hit]:
    """The same object sub-schema is written out in several files: equal ones of at
    least `thresholds.duplication_min_properties` properties, compared canonically
    (descriptions, titles, examples and key order do not matter, and `$ref`s are
    compared by target), and, whatever their size, objects under the same property
    name with the same property names (`telemetry_ref: {trace_id_hex, span_id_hex}`
    in two schemas), even when the copies already differ (R002 reports a difference
    in openness). Only the outermost duplicated object is reported.

    Why it matters: copies drift apart silently: one is fixed or extended, the others are not, and two contracts
    that meant the same object stop agreeing.

    How to fix: define the object once (a shared `$defs` entry) and `$ref` it from every place.
    """
    ws = ctx.ws
    for copy in copies(ctx):
        if copy.nested:
            continue
        # point at a local contract copy rather than at a shared library or pinned upstream definition
        path, ptr = next(((p, q) for p, q in copy.places if not _shared(ws, p)), copy.places[0])
        subjects = tuple(f"{p}#{pointer_str(q)}" for p, q in copy.places)
        differ = "" if copy.equal else " (the copies already differ)"
        upstream = next((s for (p, _), s in zip(copy.places, subjects, strict=True) if ws.pin(p)), None)
        fix = (f"$ref the pinned upstream definition {upstream}" if upstream
               else "define it once in a shared $defs and $ref it")
        yield Hit(f"{copy.label} is written out in {len(copy.places)} places: {', '.join(subjects)}{differ}; {fix}",
                  path, None, subjects, pointer=pointer_str(ptr),
                  related=tuple(Location(p, pointer=pointer_str(q)) for p, q in copy.places if (p, q) != (path, ptr)))


def _props(ctx: RuleContext, place: Place) -> tuple[str, ...]:
    props = _node(ctx, place).get("properties")
    return tuple(sorted(props)) if isinstance(props, dict) else ()


def _closed(node: dict[str, Any]) -> bool:
    return node.get("additionalProperties") is False or node.get("unevaluatedProperties") is False


def _digest(ctx: RuleContext, place: Place) -> int:
    """The canonical digest of the sub-schema at `place` (its `$ref`s made absolute from its file's base)."""
    schema = ctx.ws.schema(place[0])
    assert schema is not None  # places come from ws.schemas
    return block_digest(_node(ctx, place), structure(ctx).resolver.index.base_of(schema))


def _node(ctx: RuleContext, place: Place) -> Any:
    """The object sub-schema at `place`."""
    schema = ctx.ws.schema(place[0])
    assert schema is not None  # places come from ws.schemas
    body: Any = schema.body
    for step in place[1]:  # the pointer came from walking this very body
        body = body[step]
    return body


def _shared(ws: Workspace, path: str) -> bool:
    """Is the schema at `path` a shared library (not a contract) or pinned from upstream (not ours to change)?"""
    schema = ws.schema(path)
    return schema is not None and (schema.shared or schema.pin is not None)
