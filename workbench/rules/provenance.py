"""provenance: one canonical provenance record (D6, `decisions/provenance.yaml`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag

from ..jsontext import Tokens, split_pointer
from ..model import Provenance, SchemaDoc
from ..schema.dialect import Reading, reading_of
from ..schema.nodes import walk
from ..schema.uri import pointer_str
from .registry import Hit, RuleContext, rule


def _at_pointer(ctx: RuleContext, schema: SchemaDoc, tokens: tuple[str, ...]) -> Any:
    """The subschema at `tokens` inside `schema`, following `$ref`s on the way (None if absent)."""
    uri = ctx.refs.base_of(schema)
    node: Any = schema.body
    for token in tokens:
        uri, node = ctx.refs.deref(uri, node)
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return ctx.refs.deref(uri, node)[1]


def canonical_record_hits(ctx: RuleContext) -> Iterator[Hit]:
    """P001's findings; the checklist's provenance_frozen is done when there are none."""
    policy: Provenance | None = ctx.ws.decisions.provenance
    if policy is None:
        return
    schema = ctx.ws.schema(policy.canonical_record)
    if schema is None:
        yield Hit(f"canonical record {policy.canonical_record or '(none)'} is not a schema in the workspace",
                  policy.path, policy.lines.get("canonical_record") or 1, (policy.canonical_record,))
        return
    tokens = split_pointer(policy.pointer)
    record = _at_pointer(ctx, schema, tokens)
    if not isinstance(record, dict):
        yield Hit(f"pointer {policy.pointer or '(empty)'} does not lead to an object schema in {schema.path}",
                  policy.path, policy.lines.get("pointer") or 1, (schema.name, policy.pointer))
        return
    props: dict[str, Any] = p if isinstance(p := record.get("properties"), dict) else {}
    required: list[Any] = r if isinstance(r := record.get("required"), list) else []
    for name in policy.fields:
        if name not in props:
            what, where = "is not defined", tokens + ("properties",)
        elif name not in required:
            what, where = "is defined but not listed in `required`", tokens + ("required",)
        else:
            continue
        yield Hit(f"canonical provenance field {name!r} {what} at {schema.path}#{policy.pointer}",
                  schema.path, None, (schema.name, name), pointer=pointer_str(where))


def iter_properties(body: Any, reading: Reading) -> Iterator[tuple[Tokens, str, Any]]:
    """(pointer of the `properties` object, property name, its subschema) anywhere in a schema."""
    for ptr, node, _ in walk(body, reading):
        props = node.get("properties")
        if isinstance(props, dict):
            yield from ((ptr + ("properties",), name, sub) for name, sub in props.items())


def _refers_to_record(ctx: RuleContext, schema: SchemaDoc, sub: Any, record_uri: str, pointer: str) -> bool:
    """Whether `sub` is a `$ref` into the canonical record (which is reuse, not a redefinition)."""
    ref = sub.get("$ref") if isinstance(sub, dict) else None
    if not isinstance(ref, str):
        return False
    target = ctx.refs.resolve(ctx.refs.base_of(schema), ref)
    frag = urldefrag(target.uri)[1]
    return target.status == "ok" and target.doc == record_uri and (frag == pointer or frag.startswith(pointer + "/"))


@rule("P001", "provenance-field-missing", "provenance", "error")
def provenance_field_missing(ctx: RuleContext) -> Iterator[Hit]:
    """A field frozen in `decisions/provenance.yaml` is not defined under the canonical
    record's `pointer` (e.g. `run.manifest` `/properties/provenance`), or is defined
    but not listed in that object's `required`, so a run record may omit it. A
    canonical record file or pointer that does not exist is reported here too.

    Why it matters: every run record must carry the frozen provenance fields; one that may omit them cannot be
    traced.

    How to fix: define the field under the canonical record's pointer and list it in that object's `required`, or
    correct decisions/provenance.yaml.
    """
    yield from canonical_record_hits(ctx)


@rule("P002", "provenance-field-redefined", "provenance", "error")
def provenance_field_redefined(ctx: RuleContext) -> Iterator[Hit]:
    """A schema defines a frozen provenance field (`commit_sha`, `input_hash`, ...) as a
    property of its own, outside the canonical record: a second, drifting definition
    of provenance (an overlap risk).

    Why it matters: a second definition of a provenance field drifts from the canonical one (an overlap risk).

    How to fix: refer to the canonical record instead (a `$ref` to
    `run.manifest.schema.json#/properties/provenance`, or to one of its fields).
    """
    policy = ctx.ws.decisions.provenance
    if policy is None or not policy.fields:
        return
    fields = set(policy.fields)
    record_uri = "file:///" + policy.canonical_record
    inside = split_pointer(policy.pointer)
    reading = reading_of(ctx.ws.config)
    for s in ctx.ws.schemas:
        for ptr, name, sub in iter_properties(s.body, reading):
            if name not in fields or (s.uri == record_uri and ptr[: len(inside)] == inside):
                continue
            if _refers_to_record(ctx, s, sub, record_uri, policy.pointer):
                continue
            where = pointer_str(ptr + (name,))
            yield Hit(f"provenance field {name!r} defined at {where}, outside the canonical record "
                      f"{policy.canonical_record}#{policy.pointer}: refer to it instead",
                      s.path, None, (s.name, name), pointer=pointer_str(ptr + (name,)))
