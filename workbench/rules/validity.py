"""validity: schemas against their meta-schema, examples against schemas, `$ref`s.

Each schema is read in its own dialect (`$schema`; when absent, `schemas.dialect`,
default 2020-12; a custom meta-schema URI as the dialect `schemas.dialects` maps it to).
Meta-schema and example validation run in jsonschema-rs (fast, every dialect
from draft-04 on); python jsonschema (with the workspace `referencing` registry)
explains a schema known to be invalid and validates what jsonschema-rs refuses
to build. `contentMediaType`/`contentEncoding` are annotations (never asserted).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import jsonschema_rs
from jsonschema_specifications import REGISTRY

from ..allocation import paused_gc
from ..analysis.refs import Duplicate, RefIndex, bundled
from ..findings import Location
from ..jsontext import Tokens
from ..model import Example, SchemaDoc
from ..schema.dialect import DEFAULT, Reading, by_uri, reading_of
from ..schema.uri import pointer_str
from .registry import Hit, RuleContext, rule

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator as PyValidator
    from referencing import Registry

SPECIFICATIONS: Registry[Any] = REGISTRY  # jsonschema_specifications ships no type information
# (message, pointer) of each meta-schema error of a schema
MetaErrors = tuple[tuple[str, Tokens], ...]
# a validator from either library (they share `iter_errors`; their errors spell the instance path differently)
AnyValidator: TypeAlias = "jsonschema_rs.Validator | PyValidator"
# jsonschema-rs registries by the (files, meta-schemas) they hold; None when one failed to build
Registries = dict[tuple[tuple[str, ...], tuple[str, ...]], jsonschema_rs.Registry | None]

_META: dict[tuple[str, Reading], MetaErrors] = {}
# jsonschema-rs validator classes by dialect name: a schema is read in the dialect its workspace reads
# it in (`validator_for` would read one without `$schema`, or with a custom one, as 2020-12)
_RS = {"draft-04": jsonschema_rs.Draft4Validator, "draft-06": jsonschema_rs.Draft6Validator,
       "draft-07": jsonschema_rs.Draft7Validator, "2019-09": jsonschema_rs.Draft201909Validator,
       "2020-12": jsonschema_rs.Draft202012Validator}


def as_read(reading: Reading, body: Any) -> Any:
    """`body` with a `$schema` naming the dialect `reading` reads it in, when its own does not (absent,
    or a custom URI): what a library that picks the dialect by `$schema` alone must be given (a
    shallow copy; jsonschema-rs reads a document without `$schema` as 2020-12)."""
    if not isinstance(body, dict):
        return body
    dialect = reading.of(body)
    declared = body.get("$schema")
    if by_uri(declared) is dialect or (declared is None and dialect is DEFAULT):
        return body
    return {**body, "$schema": dialect.uri}


def _rs_registry(refs: RefIndex, pairs: list[tuple[str, Any]]) -> jsonschema_rs.Registry:
    """A jsonschema-rs registry of (URI, contents), each document read in the dialect the workspace reads it in."""
    return jsonschema_rs.Registry([(uri, as_read(refs.reading, body)) for uri, body in pairs])


def _documents(refs: RefIndex, docs: Sequence[SchemaDoc]) -> list[tuple[str, Any]]:
    """(URI, contents) of workspace schemas for a registry: under the file URI and every URI `schemas.aliases`
    gives it (a validator resolving a reference under the alias prefix looks it up there). A file declaring
    a root id of its own keeps it as the base of its references: under an alias it is a `$ref` to that id
    (registered twice, jsonschema-rs would pick either URI as its base)."""
    out: list[tuple[str, Any]] = []
    for d in docs:
        own = refs.base_of(d)
        out.append((d.uri, d.body))
        alias = d.body if own == d.uri else {"$schema": refs.reading.of(d.body).uri, "$ref": own}
        out += [(uri, alias) for uri in refs.alias_uris(d)]
    return out


def _rs_validator(refs: RefIndex, s: SchemaDoc, registry: jsonschema_rs.Registry | None) -> jsonschema_rs.Validator:
    """A jsonschema-rs validator for `s`, in the dialect it is read in, never fetching anything."""
    return _RS[refs.reading.of(s.body).name](s.body, registry=registry, base_uri=s.uri, offline=True)


def meta_errors(schema: SchemaDoc, reading: Reading) -> MetaErrors:
    """(message, pointer) for each meta-schema error, the schema read as `reading` says; cached by content hash."""
    key = (schema.source.sha, reading)
    if key not in _META:
        if len(_META) > 50_000:
            _META.clear()
        _META[key] = _meta_errors(schema.body, reading)
    return _META[key]


def _meta_errors(body: dict[str, Any], reading: Reading) -> MetaErrors:
    unknown = reading.unknown(body)
    if unknown is not None:
        return ((f"unknown dialect $schema {unknown!r} (read as {reading.default.name}): name the dialect it "
                 "builds on under schemas.dialects in decisions/workspace.yaml", ("$schema",)),)
    subject = as_read(reading, body)  # jsonschema-rs picks the meta-schema by `$schema`
    try:
        if jsonschema_rs.meta.is_valid(subject):
            return ()
    except Exception:  # jsonschema-rs refuses something python jsonschema may explain
        pass
    cls = reading.of(body).validator
    errors = sorted(cls(cls.META_SCHEMA).iter_errors(subject), key=lambda e: list(map(str, e.absolute_path)))
    return tuple((_explain(e), tuple(e.absolute_path)) for e in errors)


def _explain(err: ValidationError) -> str:
    where = pointer_str(tuple(err.absolute_path)) or "/"
    leaf = min(err.context, key=lambda e: -len(e.absolute_path), default=None) if err.context else None
    msg = (leaf or err).message
    if len(msg) > 200:
        msg = msg[:197] + "..."
    return f"{where}: {msg}"


@rule("V001", "schema-meta-invalid", "validity", "error")
def schema_meta_invalid(ctx: RuleContext) -> Iterator[Hit]:
    """The schema does not conform to the meta-schema of the dialect it declares
    (`schemas.dialect`, default 2020-12, when it declares none): an unknown `type`
    name, a keyword with the wrong shape (`required` not an array of strings,
    `properties` not an object) or a `$schema` naming no known dialect (a vendor
    meta-schema: map it under `schemas.dialects` to the draft it builds on).
    Validators disagree on invalid schemas, so nothing downstream can trust it."""
    reading = reading_of(ctx.ws.config)
    for s in ctx.ws.schemas:
        for message, ptr in meta_errors(s, reading):
            yield Hit(message, s.path, None, (s.name,), pointer=pointer_str(ptr))


@rule("V002", "example-invalid", "validity", "error")
def example_invalid(ctx: RuleContext) -> list[Hit]:
    """An example (`examples.patterns` by schema name, or `examples.map` in
    decisions/workspace.yaml) does not validate against its schema (with every
    workspace `$ref` resolved). JSON, YAML and TOML examples are judged alike, at
    the line of the offending value. Examples are the executable documentation
    of a contract: an invalid one means the doc or the contract is wrong."""
    with paused_gc():
        return list(_example_invalid(ctx))


def _example_invalid(ctx: RuleContext) -> Iterator[Hit]:
    registries: Registries = {}  # jsonschema-rs registries shared by schemas that reach the same files
    for s in ctx.ws.contract_schemas:
        examples = ctx.ws.examples_of(s.path)
        if not examples:
            continue
        docs = ctx.refs.closure(s)
        key = (tuple(d.source.sha for d in docs), tuple((e.path, e.source.sha if e.source else "") for e in examples),
               ctx.refs.setting)
        if key not in _EXAMPLES:
            if len(_EXAMPLES) > 50_000:
                _EXAMPLES.clear()
            _EXAMPLES[key] = tuple(_example_hits(ctx.refs, s, docs, examples, registries))
        yield from _EXAMPLES[key]


# by the shas of the schema, what it refers to and its examples, and how the workspace resolves references
_EXAMPLES: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...], Hashable], tuple[Hit, ...]] = {}


def _meta_resources(refs: RefIndex, docs: Sequence[SchemaDoc]) -> list[tuple[str, Any]]:
    """(URI, contents) of the standard meta-schemas the schemas `docs` refer to (shipped offline)."""
    return _reach(refs, docs)[0]


def _meta_contents(refs: RefIndex, uri: str) -> Any:
    """A standard meta-schema by URI: from jsonschema-specifications, else the workspace registry."""
    try:
        return SPECIFICATIONS.contents(uri)
    except Exception:
        return refs.registry.resolver().lookup(uri).contents


def _reach(refs: RefIndex, docs: Sequence[SchemaDoc]) -> tuple[list[tuple[str, Any]], bool, bool]:
    """One pass over the references of `docs` (the closure of `docs[0]`): the meta-schemas they
    refer to, whether every reference resolves, and whether one names `docs[0]` by its URI."""
    out: dict[str, Any] = {}
    ok, back = True, False
    root = docs[0].uri
    for d in docs:
        for r in refs.refs_of(d):
            t = refs.resolve(r.base, r.ref)
            if t.status != "ok":
                ok = False
                continue
            if t.doc == root and (d is not docs[0] or not r.ref.startswith("#")):
                back = True
            written = t.uri.partition("#")[0]  # the validator looks it up as written (`https`, say)
            if not t.doc and written not in out:
                out.update(bundled(written))  # a meta-schema and its vocabularies, under the scheme written
                if written not in out:
                    try:
                        out[written] = _meta_contents(refs, t.base)
                    except Exception:  # not a whole resource: the validator reports what it misses
                        continue
    return sorted(out.items()), ok, back


_REGISTRIES_KEPT = 32  # each holds its files' documents in Rust memory: keep only the recent ones


def _shared_validator(refs: RefIndex, s: SchemaDoc, docs: Sequence[SchemaDoc],
                      registries: Registries) -> jsonschema_rs.Validator | None:
    """jsonschema-rs validator for `s` on a registry of only the *other* files it reaches,
    shared with every schema reaching the same files (variants of one concept all reach the
    same libraries): building a registry per schema was a third of example validation.
    None when anything is unusual (a reference that does not resolve, a registry or validator
    that fails to build): the caller then takes the per-schema path, which reports it."""
    metas, ok, back = _reach(refs, docs)
    if not ok:
        return None
    members = docs if back else docs[1:]  # `s` itself is the validator's root resource
    registry: jsonschema_rs.Registry | None = None
    if members or metas:
        key = (tuple(d.uri for d in members), tuple(uri for uri, _ in metas))
        if key in registries:
            registry = registries[key]
        else:
            try:
                registry = _rs_registry(refs, _documents(refs, members) + metas)
            except Exception:
                registry = None
            if len(registries) >= _REGISTRIES_KEPT:  # schemas come by path: variants of a concept are neighbours
                del registries[next(iter(registries))]
            registries[key] = registry
        if registry is None:  # it failed to build
            return None
    try:
        return _rs_validator(refs, s, registry)
    except Exception:
        return None


def _validator(refs: RefIndex, s: SchemaDoc, docs: Sequence[SchemaDoc],
               registries: Registries | None = None) -> tuple[AnyValidator | None, Exception | None]:
    """A validator for `s` in its own dialect: jsonschema-rs, else python-jsonschema on the workspace registry."""
    if registries is not None:
        shared = _shared_validator(refs, s, docs, registries)
        if shared is not None:
            return shared, None
    try:
        pairs = _documents(refs, docs) + _meta_resources(refs, docs)
        return _rs_validator(refs, s, _rs_registry(refs, pairs) if len(pairs) > 1 else None), None
    except Exception as exc:
        first = exc
    try:
        dialect = refs.reading.of(s.body)
        registry = refs.registry_for(s.uri)  # a `$id` the schema shares with another document names itself
        resolver = registry.resolver(base_uri=s.uri).in_subresource(dialect.specification.create_resource(s.body))
        # `_resolver` (the validator's resolver, here inside the schema's own resource) is a private keyword
        validator = dialect.validator(s.body, registry=registry, _resolver=resolver)  # type: ignore[call-arg]
        validator.is_valid(None)  # resolves the root's references now, not while reading examples
        return validator, None
    except Exception:
        return None, first


def _first_line(exc: Exception | None) -> str:
    """An exception's message for a finding: its first line (at most 200 characters), or its repr
    when it has no message (`ValueError()`)."""
    lines = str(exc).splitlines()
    return lines[0][:200] if lines and lines[0] else repr(exc)


def _errors(validator: AnyValidator, body: Any) -> Iterator[tuple[Tokens, str]]:
    """(instance pointer, message) of each error, from either library."""
    for err in validator.iter_errors(body):
        path = err.instance_path if hasattr(err, "instance_path") else err.absolute_path
        yield tuple(path), err.message


def _example_hits(refs: RefIndex, s: SchemaDoc, docs: Sequence[SchemaDoc], examples: Sequence[Example],
                  registries: Registries | None = None) -> Iterator[Hit]:
    """Validate examples with a validator whose registry holds only what the schema reaches."""
    if any(meta_errors(d, refs.reading) for d in docs):
        return  # V001 reports the cause; a validator built from an invalid schema proves nothing
    if refs.duplicates and any(refs.resolve(r.base, r.ref).status == "ambiguous" for d in docs
                               for r in refs.refs_of(d)):
        return  # V007 reports the duplicate `$id` and that these examples are not validated
    validator, failure = _validator(refs, s, docs, registries)
    if validator is None:
        yield Hit(f"cannot build a validator: {_first_line(failure)}", s.path, 1, (s.name,), "warning")
        return
    for ex in examples:
        try:
            errors = sorted(_errors(validator, ex.body), key=lambda e: list(map(str, e[0])))[:20]
        except Exception as exc:  # a reference only evaluation reaches
            yield Hit(f"cannot validate: {_first_line(exc)}", ex.path, 1, (s.name, ex.path), "warning")
            continue
        for ptr, message in errors:
            yield Hit(f"{pointer_str(ptr) or '/'}: {message[:200]} (schema {s.path})", ex.path,
                      None, (s.name, ex.path), pointer=pointer_str(ptr))


@rule("V003", "ref-unresolved", "validity", "error")
def ref_unresolved(ctx: RuleContext) -> list[Hit]:
    """A `$ref` points at a file, `$id`, anchor or pointer that does not exist in the
    workspace, or is not a valid URI reference. Relative refs resolve against the
    schema's base URI (its `$id`, else its own path), so a renamed file or a
    removed `$defs` entry shows here."""
    with paused_gc():
        return list(_ref_hits(ctx, "unresolved", "does not resolve in the workspace"))


@rule("V004", "ref-remote", "validity", "warning")
def ref_remote(ctx: RuleContext) -> list[Hit]:
    """A `$ref` points outside the workspace (an http(s) URI that is neither a
    workspace schema's `$id` nor a standard meta-schema). Workbench never opens a
    network connection, so the target is not fetched or checked; vendor the
    schema into the workspace to have it checked. Reported once per target."""
    with paused_gc():
        return list(_ref_hits(ctx, "remote", "is remote: not fetched (workbench never uses the network)"))


def _ref_hits(ctx: RuleContext, status: str, what: str) -> Iterator[Hit]:
    """Unresolved refs: one finding each. Remote refs: one finding per target document, at its first use."""
    seen: dict[str, list[tuple[SchemaDoc, Tokens, str]]] = {}  # remote target -> its uses
    for s in ctx.ws.schemas:
        for ptr, ref, base, _ in ctx.refs.refs_of(s):
            target = ctx.refs.resolve(base, ref)
            if target.status != status:
                continue
            if status != "remote":
                yield Hit(f"$ref {ref!r} at {pointer_str(ptr) or '/'} {what}{_hint(ref)}", s.path, None,
                          (s.name, ref), pointer=pointer_str(ptr))
                continue
            seen.setdefault(target.base, []).append((s, ptr, ref))
    for doc, uses in seen.items():
        s, ptr, ref = uses[0]
        more = f" (and {len(uses) - 1} more references to {doc})" if len(uses) > 1 else ""
        yield Hit(f"$ref {ref!r} at {pointer_str(ptr) or '/'} {what}{more}", s.path, None,
                  (s.name, ref), pointer=pointer_str(ptr))


def _hint(ref: str) -> str:
    """What a spec-following validator reads in two common misspellings of a fragment."""
    fragment = ref.partition("#")[2]
    if fragment == "/":
        return " (`#/` names the root's member \"\"; the whole document is `#`)"
    if "/" in fragment and not fragment.startswith("/"):
        fixed = ref.partition("#")[0] + "#/" + fragment
        return f" (a fragment is a JSON pointer starting with `/` or an anchor without one: {fixed!r}?)"
    return ""


@rule("V007", "duplicate-id", "validity", "error")
def duplicate_id(ctx: RuleContext) -> Iterator[Hit]:
    """Two documents declare the same `$id` (`id` in draft-04), usually a copy whose
    `$id` was never updated. Reported once, at each declaration. Inside each of
    them the URI names that document itself, as a validator given that document
    would read it, so nothing else is reported because of the clash; a reference
    to it from another document cannot tell which one it means (unless the copies
    are identical), so it resolves to neither and the examples of schemas reaching
    it are not validated until one `$id` changes. Which file wins never depends on
    file names or their order."""
    refs = ctx.refs
    if not refs.duplicates:
        return
    users: dict[str, list[tuple[SchemaDoc, Tokens]]] = {}  # duplicated URI -> references that cannot choose
    for s in ctx.ws.schemas:
        for r in refs.refs_of(s):
            if refs.resolve(r.base, r.ref).status == "ambiguous":
                users.setdefault(refs.resolve(r.base, r.ref).base, []).append((s, r.ptr))
    for uri, dup in sorted(refs.duplicates.items()):
        yield _duplicate_hit(refs, dup, users.get(uri, []))


def _duplicate_hit(refs: RefIndex, dup: Duplicate, users: list[tuple[SchemaDoc, Tokens]]) -> Hit:
    places = []
    for c in dup.claims:
        doc = refs.by_uri[c.doc]
        keyword = "$id" if isinstance(c.node, dict) and "$id" in c.node else "id"
        pointer = None if c.doc == dup.uri else pointer_str(c.ptr + (keyword,))  # a file claimed by its path
        places.append(Location(doc.path, doc.source.line_of(pointer) if pointer is not None else None, pointer))
    where = " and ".join(p.text() for p in places) if len(places) == 2 else ", ".join(p.text() for p in places)
    message = (f"$id {dup.uri!r} is declared by {len(places)} documents: {where}; each resolves its own references "
               "inside itself")
    if dup.same:
        message += "; the copies are identical, so references from elsewhere resolve alike"
    elif users:
        files = sorted({s.path for s, _ in users})
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        message += (f"; {len(users)} reference(s) in {shown} cannot tell which one they mean: they resolve to "
                    "neither, and examples of the schemas reaching them are not validated")
    message += ": give each document its own $id"
    first = places[0]
    return Hit(message, first.file, first.line, (refs.by_uri[dup.claims[0].doc].name, dup.uri),
               pointer=first.pointer, related=tuple(places[1:]) + tuple(
                   Location(s.path, None, pointer_str(ptr)) for s, ptr in users[:20]))


@rule("V005", "ref-cycle", "validity", "error")
def ref_cycle(ctx: RuleContext) -> Iterator[Hit]:
    """A chain of `$ref`s (possibly through allOf/anyOf/oneOf) comes back to where it
    started without descending into the instance: evaluating it can never terminate.
    Recursive structures that go through `properties` or `items` are fine."""
    with paused_gc():
        cycles = ctx.refs.cycles()
    for s, ptr, chain in cycles:
        hops = " -> ".join(c.removeprefix("file:///") for c in chain)
        yield Hit(f"$ref cycle never terminates: {hops}", s.path, None, (s.name,), pointer=pointer_str(ptr))


@rule("V006", "schema-without-example", "validity", "warning")
def schema_without_example(ctx: RuleContext) -> Iterator[Hit]:
    """A contract schema has no example that loads: none under the examples
    convention (by default `ssot/examples/NAME.json` or `ssot/examples/NAME/*.json`)
    and none mapped to it by `examples.map` in decisions/workspace.yaml (an example
    that does not parse is an L001 instead). Without one, nothing shows the
    contract can be satisfied at all. A pinned upstream schema no family reuses is
    exempt (its examples are upstream's)."""
    for s in ctx.ws.contract_schemas:
        if s.pin is not None and ctx.ws.family_of(s.path) is None:
            continue
        if not ctx.ws.examples_of(s.path):
            yield Hit(f"no example for {s.path}", s.path, 1, (s.name,))
