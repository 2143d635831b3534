"""duplication: the same object sub-schema written out in several files."""

from __future__ import annotations

from collections import defaultdict

from ..analysis.fields import paused_gc, structure
from ..analysis.refs import pointer_str
from ..loader.jsonfile import pointer_line
from .registry import Hit, rule

MAX_NAMES = 8


def _groups(ctx) -> list[list[tuple[str, tuple]]]:
    """Places (file, pointer) of each sub-schema written out in two or more files, outermost only."""
    st, ws = structure(ctx), ctx.ws
    least = ws.config.thresholds.duplication_min_properties
    by_digest: dict[str, list[tuple[str, tuple]]] = defaultdict(list)
    for s in ws.schemas:
        for digest, ptr, count in st.facts(s).blocks:
            if ptr and count >= least:  # a whole schema equal to another is overlap's business
                by_digest[digest].append((s.path, ptr))
    groups = [sorted(places) for places in by_digest.values() if len({p for p, _ in places}) > 1]
    placed = {place for g in groups for place in g}

    def nested(place: tuple[str, tuple]) -> bool:
        path, ptr = place
        return any((path, ptr[:k]) in placed for k in range(1, len(ptr)))

    return sorted((g for g in groups if not all(nested(p) for p in g)), key=lambda g: g[0])


@rule("D001", "duplicated-subschema", "duplication", "warning")
def duplicated_subschema(ctx):
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
        node = ws.schema(first_path).body
        for step in first_ptr:  # the pointer came from walking this very body
            node = node[step]
        props = sorted(node.get("properties") or {})
        shown = ", ".join(props[:MAX_NAMES]) + (", ..." if len(props) > MAX_NAMES else "")
        # point at a contract copy rather than at a shared library definition
        path, ptr = next(((p, q) for p, q in places if not ws.schema(p).shared), places[0])
        subjects = tuple(f"{p}#{pointer_str(q)}" for p, q in places)
        yield Hit(f"the same sub-schema ({len(props)} properties: {shown}) is written out in {len(places)} places: "
                  f"{', '.join(subjects)}; define it once in a shared $defs and $ref it",
                  path, pointer_line(ws.schema(path).source.text, ptr), subjects)
