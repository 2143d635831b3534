"""duplication: the same object sub-schema written out in several files."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ..allocation import paused_gc
from ..analysis.fields import structure
from ..analysis.walk import block_digest
from ..findings import Location
from ..jsontext import Tokens
from ..model import Workspace
from ..schema.uri import pointer_str
from .registry import Hit, RuleContext, rule

MAX_NAMES = 8


# where a sub-schema is written: (file, pointer)
Place = tuple[str, Tokens]


def _groups(ctx: RuleContext) -> list[list[Place]]:
    """Places (file, pointer) of each sub-schema written out in two or more files, outermost only."""
    st, ws = structure(ctx), ctx.ws
    least = ws.config.thresholds.duplication_min_properties
    by_key: dict[int, list[Place]] = defaultdict(list)
    for s in ws.schemas:
        for key, ptr, count in st.facts(s).blocks:
            if ptr and count >= least:  # a whole schema equal to another is overlap's business
                by_key[key].append((s.path, ptr))
    by_digest: dict[int, list[Place]] = defaultdict(list)
    for places in by_key.values():  # only places that share property names can be equal: digest those
        if len({p for p, _ in places}) > 1:
            for place in places:
                by_digest[_digest(ctx, place)].append(place)
    groups = [sorted(places) for places in by_digest.values() if len({p for p, _ in places}) > 1]
    placed = {place for g in groups for place in g}

    def nested(place: Place) -> bool:
        path, ptr = place
        return any((path, ptr[:k]) in placed for k in range(1, len(ptr)))

    return sorted((g for g in groups if not all(nested(p) for p in g)), key=lambda g: g[0])


@rule("D001", "duplicated-subschema", "duplication", "warning")
def duplicated_subschema(ctx: RuleContext) -> Iterator[Hit]:
    """The same object sub-schema (at least `thresholds.duplication_min_properties`
    properties) is written out in several files. Compared canonically: descriptions,
    titles, examples and key order do not matter, and `$ref`s are compared by target.
    Copies drift apart silently; define it once (a shared `$defs` entry) and `$ref` it
    from every place. Only the outermost duplicated object is reported."""
    ws = ctx.ws
    with paused_gc():
        groups = _groups(ctx)
    for places in groups:
        first_path, first_ptr = places[0]
        first = ws.schema(first_path)
        assert first is not None  # every place is in a schema of `ws` (`_groups` read them from ws.schemas)
        node = _node(first.body, first_ptr)
        props = sorted(node.get("properties") or {})
        shown = ", ".join(props[:MAX_NAMES]) + (", ..." if len(props) > MAX_NAMES else "")
        # point at a local contract copy rather than at a shared library or pinned upstream definition
        path, ptr = next(((p, q) for p, q in places if not _shared(ws, p)), places[0])
        subjects = tuple(f"{p}#{pointer_str(q)}" for p, q in places)
        upstream = next((s for (p, _), s in zip(places, subjects, strict=True) if ws.pin(p)), None)
        fix = (f"$ref the pinned upstream definition {upstream}" if upstream
               else "define it once in a shared $defs and $ref it")
        yield Hit(f"the same sub-schema ({len(props)} properties: {shown}) is written out in {len(places)} places: "
                  f"{', '.join(subjects)}; {fix}",
                  path, None, subjects, pointer=pointer_str(ptr),
                  related=tuple(Location(p, pointer=pointer_str(q)) for p, q in places if (p, q) != (path, ptr)))


def _digest(ctx: RuleContext, place: Place) -> int:
    """The canonical digest of the sub-schema at `place` (its `$ref`s made absolute from its file's base)."""
    path, ptr = place
    schema = ctx.ws.schema(path)
    assert schema is not None  # places come from ws.schemas
    return block_digest(_node(schema.body, ptr), structure(ctx).resolver.index.base_of(schema))


def _node(body: Any, ptr: Tokens) -> Any:
    for step in ptr:  # the pointer came from walking this very body
        body = body[step]
    return body


def _shared(ws: Workspace, path: str) -> bool:
    """Is the schema at `path` a shared library (not a contract) or pinned from upstream (not ours to change)?"""
    schema = ws.schema(path)
    return schema is not None and (schema.shared or schema.pin is not None)
