"""validity: schemas against their meta-schema, examples against schemas, `$ref`s.

Each schema is read in its own dialect (`$schema`; when absent, `schemas.dialect`,
default 2020-12; a custom meta-schema URI as the dialect `schemas.dialects` maps it to).
Meta-schema and example validation run in jsonschema-rs (fast, every dialect
from draft-04 on); python jsonschema (with the workspace `referencing` registry)
explains a schema known to be invalid and validates what jsonschema-rs refuses
to build. `contentMediaType`/`contentEncoding` are annotations (never asserted).

A repository's patterns never run unbounded (`schema/regex.py`): a pattern
jsonschema-rs refuses is a V001 naming the construct (no switch of engine);
python-jsonschema matches with re2; the examples of a schema whose patterns
backtrack (lookaround, backreferences) share the check's `BACKTRACK_SECONDS`,
each admitted only when its strings times `BACKTRACK_LIMIT` fits
`EXAMPLE_BACKTRACKS`. A `$ref` chain longer than `MAX_REF_CHAIN` (a recursive
one counted once per level of instance nesting it may follow) is a V005 and its
examples are not handed to the native validator, whose stack it would overflow.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeAlias

import jsonschema_rs
from jsonschema_specifications import REGISTRY

from .. import cache
from ..allocation import paused_gc
from ..analysis.refs import Duplicate, RefIndex, bundled
from ..findings import Location
from ..jsontext import Tokens
from ..model import Example, SchemaDoc
from ..schema import regex
from ..schema.dialect import DEFAULT, IN_PLACE, REF_KEYWORDS, Dialect, Reading, by_uri, defines_only, reading_of
from ..schema.nodes import subschemas
from ..schema.uri import pointer_str
from .registry import Hit, RuleContext, judged, rule

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator as PyValidator
    from referencing import Registry

regex.linear_python_jsonschema()  # `regex.linear_patterns()` blocks: python-jsonschema matches with re2

SPECIFICATIONS: Registry[Any] = REGISTRY  # jsonschema_specifications ships no type information
MAX_REF_CHAIN = 1_000  # `$ref`s evaluated in a row; jsonschema-rs overflowed its stack past ~15,000
ENDLESS = 1 << 62  # the length `ref_chain` gives a chain reaching a cycle that never ends (V005 reports the cycle)
EXAMPLE_BACKTRACKS = 50_000_000  # strings x regex.BACKTRACK_LIMIT one example under backtracking patterns may cost
BACKTRACK_SECONDS = 10.0  # the check's wall clock for all such examples (a last resort: machine-dependent)
# a larger example reports its first error only: jsonschema-rs makes every error (45 us and ~1 kB each) before
# handing over one, so a 20 MB example of 3.3 million wrong items took 24 s and 5.5 GB to list 20 of them
LISTED_BYTES = 100_000
LISTED_ERRORS = 1_000  # errors python-jsonschema is asked for (lazily), of which the first 20 by pointer are shown
# (message, pointer) of each meta-schema error of a schema
MetaErrors = tuple[tuple[str, Tokens], ...]
# a validator from either library (they share `iter_errors`; their errors spell the instance path differently)
AnyValidator: TypeAlias = "jsonschema_rs.Validator | PyValidator"
# jsonschema-rs registries by the (files, meta-schemas) they hold; None when one failed to build
Registries = dict[tuple[tuple[str, ...], tuple[str, ...]], jsonschema_rs.Registry | None]

_META: dict[tuple[str, Reading], MetaErrors] = cache.memo("validity.meta", 50_000)
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
    """A jsonschema-rs validator for `s`, in the dialect it is read in, never fetching anything, its
    patterns bounded: where one it reaches needs backtracking (lookaround, backreferences), by
    `regex.PATTERN_OPTIONS`; else jsonschema-rs's own options suffice (every match runs in linear time,
    each compiled pattern size-capped) and build a validator in two thirds of the time."""
    backtracks = any(_pattern_facts(d, refs.reading)[1] for d in refs.closure(s))
    return _RS[refs.reading.of(s.body).name](s.body, registry=registry, base_uri=s.uri, offline=True,
                                             pattern_options=regex.PATTERN_OPTIONS if backtracks else None)


def meta_errors(schema: SchemaDoc, reading: Reading) -> MetaErrors:
    """(message, pointer) for each meta-schema error and each pattern jsonschema-rs refuses, the schema
    read as `reading` says; cached by content hash."""
    key = (schema.source.sha, reading)
    found = _META.get(key)
    if found is None:
        store = cache.active()
        disk = (schema.source.sha, reading.key)
        stored = store.get("meta", disk) if store is not None else None
        if isinstance(stored, tuple):
            found = stored
        else:
            found = _meta_errors(schema.body, reading) + _pattern_facts(schema, reading)[0]
            if store is not None:
                store.put("meta", disk, found)
        _META[key] = found
    return found


# by content hash and reading: (the patterns jsonschema-rs refuses, whether one needs backtracking)
_PATTERNS: dict[tuple[str, Reading], tuple[MetaErrors, bool]] = cache.memo("validity.patterns", 50_000)


def _pattern_facts(schema: SchemaDoc, reading: Reading) -> tuple[MetaErrors, bool]:
    key = (schema.source.sha, reading)
    found = _PATTERNS.get(key)
    if found is None:
        errors: list[tuple[str, Tokens]] = []
        backtracks = False
        for ptr, pattern in regex.patterns(schema.body, reading):
            why = regex.refused(pattern)
            if why is not None:
                shown = pattern if len(pattern) <= 80 else pattern[:77] + "..."
                errors.append((f"{pointer_str(ptr)}: {shown!r} is not a regular expression jsonschema-rs runs "
                               f"({why}); its examples are not validated", ptr))
            elif regex.needs_backtracking(pattern):
                backtracks = True
        found = _PATTERNS[key] = (tuple(errors), backtracks)
    return found


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


@rule("V001", "schema-meta-invalid", "validity", "error", per_schema=True)
def schema_meta_invalid(ctx: RuleContext) -> Iterator[Hit]:
    """The schema does not conform to the meta-schema of the dialect it declares
    (`schemas.dialect`, default 2020-12, when it declares none): an unknown `type`
    name, a keyword with the wrong shape (`required` not an array of strings,
    `properties` not an object) or a `$schema` naming no known dialect (a vendor
    meta-schema: map it under `schemas.dialects` to the draft it builds on).

    Why it matters: validators disagree on invalid schemas, so nothing downstream (examples, compatibility, code
    generation) can trust it.

    How to fix: correct the keyword named at the line given; for a vendor meta-schema, map it under
    `schemas.dialects` to the draft it builds on.
    """
    reading = reading_of(ctx.ws.config)
    for s in judged(ctx, ctx.ws.schemas):
        for message, ptr in meta_errors(s, reading):
            yield Hit(message, s.path, None, (s.name,), pointer=pointer_str(ptr))


@rule("V002", "example-invalid", "validity", "error", per_schema=True)
def example_invalid(ctx: RuleContext) -> list[Hit]:
    """An example (`examples.patterns` by schema name, or `examples.map` in
    decisions/workspace.yaml) does not validate against its schema (with every
    workspace `$ref` resolved). JSON, YAML and TOML examples are judged alike, at
    the line of the offending value.

    Why it matters: examples are the executable documentation of a contract: an invalid one means the documentation
    or the contract is wrong.

    How to fix: correct the example at the line given, or the schema if the example shows what is really sent.
    """
    with paused_gc():
        return list(_example_invalid(ctx))


def _example_invalid(ctx: RuleContext) -> Iterator[Hit]:
    registries: Registries = {}  # jsonschema-rs registries shared by schemas that reach the same files
    budget = Backtracking()
    store = cache.active()
    for s in judged(ctx, ctx.ws.contract_schemas):
        examples = ctx.ws.examples_of(s.path)
        if not examples:
            continue
        docs = ctx.refs.closure(s)
        # by schema (byte-identical schemas' findings are their own), the shas of what it refers to and its
        # examples, and how the workspace resolves references
        shas = tuple(d.source.sha for d in docs)
        given = tuple((e.path, e.source.sha if e.source else "") for e in examples)
        nesting = ctx.ws.config.thresholds.max_nesting  # how far `ref_chain` follows a recursive cycle
        key = (s.path, shas, given, ctx.refs.setting, nesting)
        if key not in _EXAMPLES and store is not None:
            stored = _hits(store.get("examples", (s.path, shas, given, ctx.refs.setting_key, nesting)))
            if stored is not None:
                _EXAMPLES[key] = stored
        if key not in _EXAMPLES:
            backtracks = any(_pattern_facts(d, ctx.refs.reading)[1] for d in docs)
            refused = budget.refused
            hits = tuple(_example_hits(ctx.refs, s, docs, examples, registries, budget if backtracks else None))
            if budget.refused > refused:  # what this check's budget left out is judged again next time
                yield from hits
                continue
            _EXAMPLES[key] = hits
            if store is not None and all(h.data is None and not h.related for h in hits):
                store.put("examples", (s.path, shas, given, ctx.refs.setting_key, nesting),
                          tuple((h.message, h.path, h.line, h.subjects, h.severity, h.pointer) for h in hits))
        yield from _EXAMPLES[key]


# by schema path, the shas of the schema, what it refers to and its examples, how the workspace resolves
# references and `max_nesting` (the hits of schemas whose patterns backtrack are kept only when the check's budget
# admitted every example)
_EXAMPLES: dict[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...], Hashable, int], tuple[Hit, ...]] = (
    cache.memo("validity.examples", 50_000))


def _hits(value: Any) -> tuple[Hit, ...] | None:
    """Example hits as the disk cache keeps them (message, path, line, subjects, severity, pointer); None
    for anything else (a miss)."""
    if not isinstance(value, tuple):
        return None
    try:
        return tuple(Hit(message, path, line, subjects, severity, pointer=pointer)
                     for message, path, line, subjects, severity, pointer in value)
    except (TypeError, ValueError):
        return None


@dataclass
class Backtracking:
    """What one check allows the examples of schemas whose patterns backtrack (lookaround, backreferences):
    each one at most `EXAMPLE_BACKTRACKS` steps in the worst case (its strings and keys, each match up to
    `regex.BACKTRACK_LIMIT`), all of them `BACKTRACK_SECONDS`. An example refused is a finding."""

    seconds: float = BACKTRACK_SECONDS
    refused: int = 0  # examples left out

    def refuses(self, body: Any) -> str | None:
        """Why an example with this body is not validated, or None (the caller then takes its time off `seconds`)."""
        strings = _strings(body)
        why = None
        if strings * regex.BACKTRACK_LIMIT > EXAMPLE_BACKTRACKS:
            why = (f"{strings} strings and keys, each matched by backtracking patterns (lookaround or "
                   f"backreferences) for up to {regex.BACKTRACK_LIMIT} steps: over the "
                   f"{EXAMPLE_BACKTRACKS}-step limit of one example")
        elif self.seconds <= 0:
            why = f"this check's {BACKTRACK_SECONDS:g} s for examples under backtracking patterns are spent"
        self.refused += why is not None
        return why


def _strings(body: Any) -> int:
    """How many strings and object keys a JSON document holds (what patterns are matched against)."""
    count, stack = 0, [body]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            count += 1
        elif isinstance(node, dict):
            count += len(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count


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
        with regex.linear_patterns():
            validator.is_valid(None)  # resolves the root's references now, not while reading examples
        return validator, None
    except Exception:
        return None, first


def _first_line(exc: Exception | None) -> str:
    """An exception's message for a finding: its first line (at most 200 characters), or its repr
    when it has no message (`ValueError()`)."""
    lines = str(exc).splitlines()
    return lines[0][:200] if lines and lines[0] else repr(exc)


def _errors(validator: AnyValidator, body: Any, every: bool = True) -> Iterator[tuple[Tokens, str]]:
    """(instance pointer, message) of each error, from either library (python-jsonschema's patterns in re2);
    without `every`, the first one only (jsonschema-rs makes every error before it hands over one)."""
    with regex.linear_patterns():
        if validator.is_valid(body):
            return
        found: Iterable[Any] = ()
        if every:
            errors = validator.iter_errors(body)
            found = errors if isinstance(validator, jsonschema_rs.Validator) else islice(errors, LISTED_ERRORS)
        else:
            try:
                validator.validate(body)
            except Exception as exc:  # either library's ValidationError
                found = (exc,)
        for err in found:
            path = err.instance_path if hasattr(err, "instance_path") else err.absolute_path
            yield tuple(path), err.message


def _example_hits(refs: RefIndex, s: SchemaDoc, docs: Sequence[SchemaDoc], examples: Sequence[Example],
                  registries: Registries | None = None, budget: Backtracking | None = None) -> Iterator[Hit]:
    """Validate examples with a validator whose registry holds only what the schema reaches; with a
    `budget`, each example only when the budget admits it (its patterns backtrack)."""
    if any(meta_errors(d, refs.reading) for d in docs) or ref_chain(refs, s) is not None:
        return  # V001/V005 report the cause; a validator built from an invalid schema proves nothing
    if refs.duplicates and any(refs.resolve(r.base, r.ref).status == "ambiguous" for d in docs
                               for r in refs.refs_of(d)):
        return  # V007 reports the duplicate `$id` and that these examples are not validated
    validator, failure = _validator(refs, s, docs, registries)
    if validator is None:
        yield Hit(f"cannot build a validator: {_first_line(failure)}", s.path, 1, (s.name,), "warning")
        return
    for ex in examples:
        why = budget.refuses(ex.body) if budget is not None else None
        if why is not None:
            yield Hit(f"not validated: {why} (schema {s.path})", ex.path, 1, (s.name, ex.path), "warning")
            continue
        started = time.monotonic()
        every = len(ex.source.text) <= LISTED_BYTES
        try:
            errors = sorted(_errors(validator, ex.body, every), key=lambda e: list(map(str, e[0])))[:20]
        except Exception as exc:  # a reference only evaluation reaches, a pattern re2 cannot run
            yield Hit(f"cannot validate: {_first_line(exc)}", ex.path, 1, (s.name, ex.path), "warning")
            continue
        finally:
            if budget is not None:
                budget.seconds -= time.monotonic() - started
        first = "" if every else f"; the first error only: the example is over {LISTED_BYTES} bytes"
        for ptr, message in errors:
            yield Hit(f"{pointer_str(ptr) or '/'}: {message[:200]} (schema {s.path}{first})", ex.path,
                      None, (s.name, ex.path), pointer=pointer_str(ptr))


class _Chains:
    """How many `$ref`s evaluating a schema may follow in a row (the native validator's stack depth),
    per node memoised for one snapshot. A recursive cycle is followed once per level of instance nesting
    it consumes (`rounds`, the deepest example); a cycle that consumes none never ends (V005)."""

    def __init__(self, refs: RefIndex):
        self.refs = refs
        self.rounds = refs.ws.config.thresholds.max_nesting
        self.depth: dict[int, int] = {}
        self.steps: dict[int, list[tuple[int, Any, str, Dialect, bool, str]]] = {}
        self.found: dict[str, tuple[int, str] | None] = {}

    def _steps(self, node: Any, base: str, dialect: Dialect) -> list[tuple[int, Any, str, Dialect, bool, str]]:
        """(id, target, its base, its dialect, whether the way there consumes instance nesting, the `$ref`)
        of every reference evaluated at `node`: in it and its subschemas, not under `$defs`/`definitions`."""
        found = self.steps.get(id(node))
        if found is not None:
            return found
        found = self.steps[id(node)] = []
        stack: list[tuple[Any, str, Dialect, bool]] = [(node, base, dialect, False)]
        while stack:
            n, b, d, consumes = stack.pop()
            if not isinstance(n, dict):
                continue
            for key in REF_KEYWORDS:
                ref = n.get(key)
                if isinstance(ref, str) and (t := self.refs.resolve(b, ref)).status == "ok":
                    doc = self.refs.by_uri.get(t.doc)
                    outer = self.refs.reading.of(doc.body) if doc is not None else d
                    found.append((id(t.contents), t.contents, t.base, self.refs.reading.of(t.contents, outer),
                                  consumes, ref))
            for rel, sub in subschemas(n, d):
                if rel[0] not in ("$defs", "definitions"):
                    stack.append((sub, self.refs.enter(b, sub), self.refs.reading.of(sub, d),
                                  consumes or rel[0] not in IN_PLACE))
        return found

    def of(self, s: SchemaDoc) -> tuple[int, str] | None:
        """(chain length, the first `$ref`) when evaluating `s` may follow more than `MAX_REF_CHAIN`
        `$ref`s in a row, else None."""
        if s.uri not in self.found:
            steps = self._steps(s.body, self.refs.base_of(s), self.refs.reading.of(s.body))
            longest = max(((1 + self._depth(step), step[5]) for step in steps), default=(0, ""))
            self.found[s.uri] = longest if longest[0] > MAX_REF_CHAIN else None
        return self.found[s.uri]

    def _depth(self, start: tuple[int, Any, str, Dialect, bool, str]) -> int:
        """The longest chain of `$ref`s from the target of `start` (iterative: the chain may be long)."""
        if start[0] in self.depth:
            return self.depth[start[0]]
        best = {start[0]: 0}
        on_path = {start[0]: 0}
        path = [(start, iter(self._steps(*start[1:4])))]
        while path:
            (nid, *_), steps = path[-1]
            step = next(steps, None)
            if step is None:
                path.pop()
                on_path.pop(nid)
                self.depth[nid] = best.pop(nid)
                if path:
                    up = path[-1][0][0]
                    best[up] = max(best[up], 1 + self.depth[nid])
                continue
            sid = step[0]
            if sid in on_path:  # around a recursive cycle: once per level of nesting it consumes
                cycle = [entry for entry, _ in path[on_path[sid] + 1:]] + [step]
                consumed = sum(1 for entry in cycle if entry[4])
                # a cycle consuming none never ends: reported as a cycle by V005, its examples never validated
                best[nid] = max(best[nid], len(cycle) * -(-self.rounds // consumed) if consumed else ENDLESS)
            elif sid in self.depth:
                best[nid] = max(best[nid], 1 + self.depth[sid])
            else:
                on_path[sid] = len(path)
                best[sid] = 0
                path.append((step, iter(self._steps(*step[1:4]))))
        return self.depth[start[0]]


_CHAINS: weakref.WeakKeyDictionary[RefIndex, _Chains] = weakref.WeakKeyDictionary()


# by schema path, the shas of every file its references reach, how references resolve and `max_nesting`:
# (the chain, or None,)
_CHAIN_OF: dict[tuple[str, tuple[str, ...], Hashable, int], tuple[tuple[int, str] | None]] = cache.memo(
    "validity.chains")


def ref_chain(refs: RefIndex, s: SchemaDoc) -> tuple[int, str] | None:
    """(length, first `$ref`) of a `$ref` chain of `s` longer than `MAX_REF_CHAIN` (`ENDLESS` or more when it
    reaches a cycle that consumes no instance nesting), else None; kept while `s`
    and every file it reaches are unchanged (in this process and on disk)."""
    shas = tuple(d.source.sha for d in refs.closure(s))
    nesting = refs.ws.config.thresholds.max_nesting
    key = (s.path, shas, refs.setting, nesting)
    found = _CHAIN_OF.get(key)
    if found is not None:
        return found[0]
    store = cache.active()
    disk = (s.path, shas, refs.setting_key, nesting)
    stored = store.get("chains", disk) if store is not None else None
    if isinstance(stored, tuple) and len(stored) == 1:
        _CHAIN_OF[key] = stored
        return stored[0]  # type: ignore[no-any-return]
    chains = _CHAINS.get(refs)
    if chains is None:
        chains = _CHAINS[refs] = _Chains(refs)
    found = (chains.of(s),)
    _CHAIN_OF[key] = found
    if store is not None:
        store.put("chains", disk, found)
    return found[0]


@rule("V003", "ref-unresolved", "validity", "error", per_schema=True)
def ref_unresolved(ctx: RuleContext) -> list[Hit]:
    """A `$ref` points at a file, `$id`, anchor or pointer that does not exist in the
    workspace, or is not a valid URI reference. Relative refs resolve against the
    schema's base URI (its `$id`, else its own path), so a renamed file or a
    removed `$defs` entry shows here.

    Why it matters: an unresolved reference leaves part of the contract undefined: validators reject it or accept
    anything there.

    How to fix: point the `$ref` at an existing file, `$id`, anchor or `$defs` entry (a renamed file or removed
    definition is the usual cause).
    """
    with paused_gc():
        return list(_ref_hits(ctx, "unresolved", "does not resolve in the workspace"))


@rule("V004", "ref-remote", "validity", "warning")
def ref_remote(ctx: RuleContext) -> list[Hit]:
    """A `$ref` points outside the workspace (an http(s) URI that is neither a
    workspace schema's `$id` nor a standard meta-schema). Workbench never opens a
    network connection, so the target is not fetched or checked. Reported once per target.

    Why it matters: a remote target is not fetched, so what it requires is never checked and may change under the
    contract.

    How to fix: vendor the schema into the workspace (as a pin) or map its URL prefix to a
    folder with `schemas.aliases`.
    """
    with paused_gc():
        return list(_ref_hits(ctx, "remote", "is remote: not fetched (workbench never uses the network)"))


def _ref_hits(ctx: RuleContext, status: str, what: str) -> Iterator[Hit]:
    """Unresolved refs: one finding each. Remote refs: one finding per target document, at its first use."""
    seen: dict[str, list[tuple[SchemaDoc, Tokens, str]]] = {}  # remote target -> its uses
    for s in judged(ctx, ctx.ws.schemas) if status != "remote" else ctx.ws.schemas:
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
    file names or their order.

    Why it matters: a reference to a duplicated `$id` cannot tell which document it means, so it resolves to neither
    and the examples of schemas reaching it are not validated.

    How to fix: give each document its own `$id` (usually the copy's was never updated), or delete the copy.
    """
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
    Recursive structures that go through `properties` or `items` are fine. Also a
    chain of more than 1,000 `$ref`s evaluated in a row (a recursive one counted once
    per level of instance nesting it may follow): a validator's stack would overflow
    on it, so its examples are not validated.

    Why it matters: evaluating such a chain never terminates, or overflows a validator's stack; its examples cannot
    be validated.

    How to fix: make the recursion go through `properties` or `items`, or shorten the chain.
    """
    with paused_gc():
        cycles = ctx.refs.cycles()
        chains = [(s, found) for s in ctx.ws.schemas if (found := ref_chain(ctx.refs, s)) is not None]
    for s, ptr, chain in cycles:
        hops = " -> ".join(c.removeprefix("file:///") for c in chain)
        yield Hit(f"$ref cycle never terminates: {hops}", s.path, None, (s.name,), pointer=pointer_str(ptr))
    for s, (length, first) in chains:
        if length >= ENDLESS:  # it reaches one of the cycles above
            continue
        yield Hit(f"evaluating it may follow {length} $refs in a row (from {first!r}), more than the "
                  f"{MAX_REF_CHAIN} a validator's stack is trusted with: its examples are not validated",
                  s.path, 1, (s.name, "chain"))


@rule("V006", "schema-without-example", "validity", "warning", per_schema=True)
def schema_without_example(ctx: RuleContext) -> Iterator[Hit]:
    """A contract schema has no example that loads: none under the examples
    convention (by default `ssot/examples/NAME.json` or `ssot/examples/NAME/*.json`)
    and none mapped to it by `examples.map` in decisions/workspace.yaml (an example
    that does not parse is an L001 instead). Not asked of a definitions library (a root of
    definitions only, shared or not), of a schema other schemas `$ref` (the examples of
    the schemas using it are its examples), nor of a pinned upstream schema no family
    reuses (its examples are upstream's).

    Why it matters: without an example, nothing shows the contract can be satisfied at all.

    How to fix: add an example under the naming convention (`ssot/examples/NAME.json`), or map one with
    `examples.map`.
    """
    undone = [s for s in judged(ctx, ctx.ws.contract_schemas)
              if not ctx.ws.examples_of(s.path) and not defines_only(s.body)
              and not (s.pin is not None and ctx.ws.family_of(s.path) is None)]
    used = set().union(*(ctx.refs.linked(s) for s in ctx.ws.schemas)) if undone else set()
    for s in undone:
        if s.uri not in used:
            yield Hit(f"no example for {s.path}", s.path, 1, (s.name,))
