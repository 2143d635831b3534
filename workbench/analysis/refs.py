"""`$ref` resolution inside the workspace, never over the network.

Every workspace schema is known under its file URI (`file:///<path>`) and under
each base URI it declares (`$id`, draft-04 `id`, nested ones included); the
standard meta-schemas come from `jsonschema-specifications` (offline; `http` or
`https`, with or without the empty fragment). A plain JSON-pointer ref into a
known resource is a dict lookup and a pointer walk; anchors (`$anchor`,
`$dynamicAnchor`, draft-07 `$id: "#name"`) and everything else go through a
`referencing` Registry built on first need. Results are memoised per (base, ref).
Use `RefIndex.of(ws)`: one index per snapshot.

`schemas.aliases` maps a URI prefix to a folder of the workspace (schemas
published under a URL and stored in a folder): a URI under the prefix that no
document declares names the file at the same place under the folder.

A URI that two documents declare (a copied `$id`) is a `Duplicate`, never won by
path order: inside each claimant it names that document itself, as a validator
given that document would read it (the claimant's base URI carries a
`;workbench-copy=N` qualifier that relative references drop and `plain` removes);
from anywhere else it resolves only when every claimant has the same contents,
and is "ambiguous" otherwise. V007 reports each duplicate once.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property, lru_cache
from typing import Any, NamedTuple
from urllib.parse import unquote, urljoin

from jsonschema_specifications import REGISTRY
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable

from .. import cache
from ..jsontext import Tokens
from ..model import SchemaDoc, Workspace
from ..schema.dialect import (
    IN_PLACE,
    REF_KEYWORDS,
    Dialect,
    Reading,
    reading_of,
)
from ..schema.uri import FILE, MISSING, pointer_str, walk_pointer

SPECIFICATIONS: Registry[Any] = REGISTRY  # jsonschema_specifications ships no type information
_STANDARD = {uri.partition("://")[2]: uri for uri in SPECIFICATIONS}
COPY = ";workbench-copy="  # qualifies the base URI of each document claiming a duplicated URI


def standard(doc_uri: str) -> str | None:
    """The URI a bundled meta-schema is registered under, when `doc_uri` (a URI without its
    fragment) names one with either scheme (`https://json-schema.org/draft-07/schema`); else None."""
    if not doc_uri.startswith(("http://json-schema.org/", "https://json-schema.org/")):
        return None
    return _STANDARD.get(doc_uri.partition("://")[2])


def bundled(doc_uri: str) -> list[tuple[str, Any]]:
    """(URI, contents) of the bundled meta-schema `doc_uri` names and of the vocabularies beside it,
    under the scheme `doc_uri` spells (what a validator given that URI looks up); [] for another URI."""
    meta = standard(doc_uri)
    if meta is None:
        return []
    scheme, folder = doc_uri.partition("://")[0], meta.partition("://")[2].rpartition("/")[0] + "/"
    out = []
    for uri in SPECIFICATIONS:
        if (rest := uri.partition("://")[2]).startswith(folder):
            contents = SPECIFICATIONS.contents(uri)
            if not uri.startswith(scheme + "://"):  # its own `$id` would send the validator to the other scheme
                contents = {k: v for k, v in contents.items() if k != "$id"}
            out.append((f"{scheme}://{rest}", contents))
    return out


def plain(uri: str) -> str:
    """`uri` without the qualifier of a duplicated URI: the URI as the files spell it."""
    if COPY not in uri:
        return uri
    doc, hash_, fragment = uri.partition("#")
    return doc.partition(COPY)[0] + hash_ + fragment


@lru_cache(maxsize=65536)
def _join(folder: str, ref: str) -> str:
    return urljoin(folder + "/", ref)


def absolute(base: str, ref: str) -> str:
    """urljoin(base, ref), memoised per (folder of base, ref); raises ValueError on a malformed URI."""
    if ref.startswith("#"):
        return base.partition("#")[0] + ref
    if "://" in ref or ref.startswith("urn:") or not base.startswith("file:///"):
        return urljoin(base, ref)
    return _join(base.rpartition("/")[0], ref)


def rebase(base: str, node: Any, id_keyword: str) -> str:
    """The base URI inside `node`: `base`, or joined with the `$id`/`id` it declares (not a bare anchor)."""
    value = node.get(id_keyword) if isinstance(node, dict) else None
    if isinstance(value, str) and value and not value.startswith("#"):
        try:
            return urljoin(base, value).partition("#")[0]
        except ValueError:  # a malformed id: V001 has no say, the refs under it stay relative to `base`
            return base
    return base


_IN_PLACE_SET = frozenset(IN_PLACE)
_IN_PLACE_OR_REF = _IN_PLACE_SET | {"$ref"}
_ONE, _MAP, _LIST, _ONE_OR_LIST = "one", "map", "list", "one_or_list"
_KINDS: dict[str, dict[str, str]] = {}


def _kinds(dialect: Dialect) -> dict[str, str]:
    """keyword -> how it holds subschemas in `dialect` (the precedence of `schema.nodes.subschemas`)."""
    found = _KINDS.get(dialect.name)
    if found is None:
        found = {key: _ONE_OR_LIST for key in dialect.one_or_list}
        found.update({key: _LIST for key in dialect.lists})
        found.update({key: _MAP for key in dialect.maps})
        found.update({key: _ONE for key in dialect.one})
        found = _KINDS[dialect.name] = found
    return found


class Ref(NamedTuple):
    ptr: Tokens  # pointer of the object holding the reference
    ref: str
    base: str  # the base URI it resolves against
    node: dict[str, Any]  # the object holding it


class Target(NamedTuple):
    status: str  # "ok" | "unresolved" | "remote" | "ambiguous" (a duplicated URI from outside its claimants)
    uri: str  # absolute, with fragment, as the files spell it (the reference as written when it is malformed)
    contents: Any = None
    doc: str = ""  # file URI of the workspace schema holding the target ("" outside the workspace)
    base: str = ""  # base URI for references inside the target


class Claim(NamedTuple):
    """A document declaring a resource URI."""

    doc: str  # its file URI
    ptr: Tokens  # the object declaring it (`()`: the root; the root's file URI is claimed there too)
    node: Any


class Duplicate(NamedTuple):
    """A URI claimed by more than one document."""

    uri: str
    claims: tuple[Claim, ...]  # one per document, by path
    same: bool  # every claim has the same contents: resolving into any of them gives one result


# a reference cycle: (schema where it is written, pointer of the ref there, the URIs around the cycle)
Cycle = tuple[SchemaDoc, Tokens, list[str]]
Step = tuple[int, Any, str, str]  # an in-place step of `cycles`: (id of the target node, it, its base, its URI)


class _Walk(NamedTuple):
    """What one document declares: its references, the resources it claims, the bases inside it."""

    refs: list[Ref]
    claims: list[tuple[str, Tokens, Any]]  # (resource URI, pointer, node): the file URI, its `$id`s
    nested: dict[int, str]  # id(subschema) -> base URI, inside nested resources only
    root: str  # the base URI of its root
    nested_at: list[tuple[Tokens, str]]  # `nested` by pointer (what the disk cache keeps)


# a document's walk by (file URI, id(body)), kept with the body it walked (so the id stays its) and the
# reading it was walked in (`reading_of` gives one object per setting)
_WALKS: dict[tuple[str, int], tuple[Any, Reading, _Walk]] = cache.memo("refs.walks", 200_000)
_LATEST: dict[Any, RefIndex] = cache.memo("refs.latest", 8)  # workspace root -> its newest snapshot's index


def _walk(uri: str, body: dict[str, Any], reading: Reading, copies: Mapping[str, str]) -> _Walk:
    """One pass over a document. The same traversal as `schema.nodes.walk` (children in `subschemas`
    order, depth first), with the dialect's keyword kinds inlined: it visits every subschema of every
    workspace file, so its per-node cost is most of the index's. `copies`: the qualified base of each
    duplicated URI this document claims."""
    refs: list[Ref] = []
    claims: list[tuple[str, Tokens, Any]] = [(uri, (), body)]
    nested: dict[int, str] = {}
    nested_at: list[tuple[Tokens, str]] = []
    top = reading.of(body)
    root = rebase(uri, body, top.id_keyword)
    if root != uri:
        claims.append((root, (), body))
    root = copies.get(root, root)
    stack: list[tuple[Tokens, dict[str, Any], Dialect, str]] = [((), body, top, root)]
    pop, push = stack.pop, stack.append
    while stack:
        ptr, node, dialect, base = pop()
        if ptr:
            if "$schema" in node:
                dialect = reading.of(node, dialect)
            if dialect.id_keyword in node:
                inner = rebase(base, node, dialect.id_keyword)
                if inner != base:
                    claims.append((inner, ptr, node))
                    base = copies.get(inner, inner)
            if base != root:
                nested[id(node)] = base
                nested_at.append((ptr, base))
        if "$ref" in node or "$dynamicRef" in node or "$recursiveRef" in node:
            for key in REF_KEYWORDS:
                ref = node.get(key)
                if isinstance(ref, str):
                    refs.append(Ref(ptr, ref, base, node))
        kinds = _kinds(dialect)
        for key, value in node.items():
            kind = kinds.get(key)
            if kind is None:
                continue
            if kind is _ONE:
                if isinstance(value, dict):
                    push((ptr + (key,), value, dialect, base))
            elif kind is _MAP:
                if isinstance(value, dict):
                    for name, sub in value.items():
                        if isinstance(sub, dict):
                            push((ptr + (key, name), sub, dialect, base))
            elif isinstance(value, list):
                for i, sub in enumerate(value):
                    if isinstance(sub, dict):
                        push((ptr + (key, i), sub, dialect, base))
            elif kind is _ONE_OR_LIST and isinstance(value, dict):
                push((ptr + (key,), value, dialect, base))
    refs.reverse()
    return _Walk(refs, claims, nested, root, nested_at)


def _node(body: Any, ptr: Tokens) -> Any:
    for token in ptr:
        body = body[token]
    return body


def _stored_walk(uri: str, schema: SchemaDoc, reading: Reading) -> _Walk:
    """`_walk`, kept in the disk cache by file URI, content and reading: as pointers, the nodes found again
    in this body (a run that walked the file before does not walk it)."""
    store = cache.active()
    key = (uri, schema.source.sha, reading.key)
    stored = store.get("walks", key) if store is not None else None
    body = schema.body
    try:
        refs, claims, nested, root = stored  # type: ignore[misc]
        return _Walk([Ref(ptr, ref, base, _node(body, ptr)) for ptr, ref, base in refs],
                     [(resource, ptr, _node(body, ptr)) for resource, ptr in claims],
                     {id(_node(body, ptr)): base for ptr, base in nested}, root, list(nested))
    except (TypeError, ValueError, KeyError, IndexError):  # a miss, or an entry that does not fit this body
        pass
    found = _walk(uri, body, reading, {})
    if store is not None:
        store.put("walks", key, (tuple((r.ptr, r.ref, r.base) for r in found.refs),
                                 tuple((resource, ptr) for resource, ptr, _ in found.claims),
                                 tuple(found.nested_at), found.root))
    return found


class RefIndex:
    """Resolves references between workspace schemas (and to the standard meta-schemas)."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.reading = reading_of(ws.config)  # the dialect each document is read in
        self.aliases = ws.config.aliases  # (URI prefix, folder), longest prefix first
        self.by_uri: dict[str, SchemaDoc] = {s.uri: s for s in ws.schemas}
        self.roots: dict[str, tuple[str, Any]] = {}  # resource URI -> (file URI, resource node)
        self.node_base: dict[int, str] = {}  # id(subschema) -> base URI, inside nested resources only
        self.root_base: dict[str, str] = {}  # file URI -> base URI of the document root
        self._refs: dict[str, list[Ref]] = {}
        self._memo: dict[tuple[str, str], Target] = {}
        self._closures: dict[str, tuple[SchemaDoc, ...]] = {}
        self._by_uri: dict[str, Target] = {}  # JSON-pointer targets in workspace resources, by absolute URI
        self._alone_memo: dict[str, Registry[Any]] = {}  # a registry per resource an anchor was looked up in
        self._claimed: dict[str, tuple[tuple[str, Tokens], ...]] = {}  # file URI -> (resource, pointer) it declares
        self._nested: dict[str, tuple[int, ...]] = {}  # file URI -> ids of its nodes in `node_base`
        self._linked: dict[str, tuple[frozenset[str], frozenset[str]]] = {}  # file URI -> (`linked`, files read)
        # id(node) -> (the in-place steps `cycles` takes from it, the files they read)
        self._succ: dict[int, tuple[list[Step], frozenset[str]]] = {}
        self._cycles: list[Cycle] | None = None  # `cycles()`, once computed (or carried over a reload)
        self.duplicates: dict[str, Duplicate] = {}  # a URI more than one document declares -> its claims
        self._copies: dict[tuple[str, str], str] = {}  # (duplicated URI, file URI of a claimant) -> its base
        self._claims: dict[str, dict[str, Claim]] | None = {}  # resource URI -> file URI -> claim (while indexing)
        for s in ws.schemas:
            self._index(s)
        claims, self._claims = self._claims, None
        for uri, by_doc in claims.items():
            if len(by_doc) > 1:
                found = tuple(sorted(by_doc.values(), key=lambda c: self.by_uri[c.doc].path))
                same = len({json.dumps(c.node, sort_keys=True) for c in found}) == 1  # as JSON: `1` is not `true`
                self.duplicates[uri] = Duplicate(uri, found, same)
                for i, c in enumerate(found, 1):
                    self._copies[(uri, c.doc)] = f"{uri}{COPY}{i}"
        if self.duplicates:  # each claimant read again, its duplicated URIs qualified as its own
            for uri in self.duplicates:
                self.roots.pop(uri, None)
            for doc in sorted({c.doc for d in self.duplicates.values() for c in d.claims}):
                self._index(self.by_uri[doc])
        # what resolution depends on besides the files a result reads (a cache key for results per file)
        self.setting = (self.reading, self.aliases, tuple((u, tuple(c.doc for c in d.claims)) for u, d in
                                                          sorted(self.duplicates.items())))
        # the same as plain text (the disk cache's keys: `Reading` holds dialect objects)
        self.setting_key = repr((self.reading.key, self.setting[1], self.setting[2]))

    @classmethod
    def of(cls, ws: Workspace) -> RefIndex:
        """The snapshot's index: the last index of the same root carried over (`following`) when it can be."""
        index: RefIndex | None = ws.__dict__.get("_ref_index")
        if index is None:
            last: RefIndex | None = _LATEST.get(ws.root)
            index = (last.following(ws) if last is not None else None) or cls(ws)
            _LATEST[ws.root] = index
            object.__setattr__(ws, "_ref_index", index)
        return index

    def following(self, ws: Workspace) -> RefIndex | None:
        """This index carried over to `ws`, a later snapshot of the same workspace: the changed documents (a
        parsed body is kept while its file is unchanged) are walked again, and every resolution, closure and
        anchor registry that reads one of them is dropped; the rest is kept. None (build a new index) when a
        file was added or removed, the dialects or aliases differ, a changed document declares other
        resources, or a URI is declared twice: what resolves where may then change anywhere."""
        if (self.duplicates or reading_of(ws.config) is not self.reading or ws.config.aliases != self.aliases
                or len(ws.schemas) != len(self.by_uri)):
            return None
        walks: dict[str, _Walk] = {}
        for s in ws.schemas:
            old = self.by_uri.get(s.uri)
            if old is None:
                return None
            if old.body is not s.body:
                found = walks[s.uri] = self._walked(s)
                if tuple((r, p) for r, p, _ in found.claims) != self._claimed[s.uri]:
                    return None
        new = copy.copy(self)
        new.ws, new.by_uri = ws, {s.uri: s for s in ws.schemas}
        for lazy in ("registry", "_registries"):  # every document's resource: built again on first need
            new.__dict__.pop(lazy, None)
        new.roots, new.root_base, new.node_base = self.roots.copy(), self.root_base.copy(), self.node_base.copy()
        new._refs, new._claimed, new._nested = self._refs.copy(), self._claimed.copy(), self._nested.copy()
        for uri, found in walks.items():
            for gone in self._nested[uri]:  # ids of the old body's nodes: never looked up again
                new.node_base.pop(gone, None)
            for resource, _ptr, node in reversed(found.claims):  # the first claim of a resource wins
                new.roots[resource] = (uri, node)
            new._record(uri, found)
        changed = walks.keys()
        new._memo = {k: t for k, t in self._memo.copy().items() if t.doc not in changed}
        new._by_uri = {k: t for k, t in self._by_uri.copy().items() if t.doc not in changed}
        new._closures = {uri: tuple(new.by_uri[d.uri] for d in docs) for uri, docs in self._closures.copy().items()
                         if changed.isdisjoint(d.uri for d in docs)}
        new._alone_memo = {r: found for r, found in self._alone_memo.copy().items()
                           if new.roots.get(r, ("",))[0] not in changed}
        new._succ = {node: hit for node, hit in self._succ.copy().items() if changed.isdisjoint(hit[1])}
        new._linked = {uri: hit for uri, hit in self._linked.copy().items() if changed.isdisjoint(hit[1])}
        cycles = self._cycles
        if cycles is not None and all(self._same_edges(self.by_uri[uri], new.by_uri[uri], found)
                                      for uri, found in walks.items()):
            new._cycles = [(new.by_uri[s.uri], ptr, chain) for s, ptr, chain in cycles]
        else:
            new._cycles = None
        return new

    def _same_edges(self, old: SchemaDoc, new: SchemaDoc, walked: _Walk) -> bool:
        """Whether a changed document adds, removes or moves no edge of the reference graph: the same
        references at the same places with the same bases, the same dialect and the same anchors (a
        reference elsewhere may name one). Its other changes (types, descriptions, fields) leave the
        reference cycles as they were. (Its `$id`s are the same: `following` checked them.)"""
        return ([(r.ptr, r.ref, r.base) for r in self._refs[old.uri]] == [(r.ptr, r.ref, r.base) for r in walked.refs]
                and self.reading.of(old.body) is self.reading.of(new.body) and _anchors(old.body) == _anchors(new.body))

    def _walked(self, schema: SchemaDoc) -> _Walk:
        """A schema's walk (`_walk`), kept while its parsed body is: a reload re-walks only changed files."""
        uri = schema.uri
        copies = {r: q for (r, d), q in self._copies.items() if d == uri} if self._copies else {}
        if copies:  # a claimant of a duplicated URI: walked with its own qualified bases
            return _walk(uri, schema.body, self.reading, copies)
        key = (uri, id(schema.body))
        hit = _WALKS.get(key)
        if hit is None or hit[0] is not schema.body or hit[1] is not self.reading:
            hit = _WALKS[key] = (schema.body, self.reading, _stored_walk(uri, schema, self.reading))
        return hit[2]

    def _index(self, schema: SchemaDoc) -> None:
        """Record a schema's references, with their bases, and the resources it declares."""
        found = self._walked(schema)
        for resource, ptr, node in found.claims:
            self._claim(resource, schema.uri, ptr, node)
        self._record(schema.uri, found)

    def _record(self, uri: str, found: _Walk) -> None:
        self.root_base[uri] = found.root
        self.node_base.update(found.nested)
        self._refs[uri] = found.refs
        self._claimed[uri] = tuple((r, p) for r, p, _ in found.claims)
        self._nested[uri] = tuple(found.nested)

    def _claim(self, resource: str, doc: str, ptr: Tokens, node: Any) -> None:
        """Record that document `doc` declares `resource` at `ptr`."""
        if self._claims is not None:  # the first pass
            self._claims.setdefault(resource, {}).setdefault(doc, Claim(doc, ptr, node))
        base = self._copies.get((resource, doc), resource) if self._copies else resource
        if base is resource:
            self.roots.setdefault(resource, (doc, node))
        else:
            self.roots[base] = (doc, node)

    def base_of(self, schema: SchemaDoc) -> str:
        """The base URI of a schema's root (its `$id`, else its file URI)."""
        return self.root_base.get(schema.uri, schema.uri)

    def enter(self, base: str, node: Any) -> str:
        """The base URI in force inside `node` reached from `base` (changes only at a nested `$id`)."""
        return self.node_base.get(id(node), base) if isinstance(node, dict) else base

    def aliased(self, doc_uri: str) -> str | None:
        """The file URI a URI (no fragment) names through `schemas.aliases`, None when no prefix matches."""
        for prefix, folder in self.aliases:
            if doc_uri.startswith(prefix):
                rest = unquote(doc_uri[len(prefix):]).lstrip("/")
                return FILE + (f"{folder}/{rest}" if folder else rest)
        return None

    def alias_uris(self, schema: SchemaDoc) -> list[str]:
        """The URIs `schemas.aliases` gives a schema file (besides its file URI and the ids it declares)."""
        out = []
        for prefix, folder in self.aliases:
            inside = schema.path[len(folder) + 1:] if folder and schema.path.startswith(folder + "/") else (
                schema.path if not folder else None)
            if inside is not None and (uri := prefix + inside) not in self.roots:
                out.append(uri)
        return out

    def doc_of(self, base: str) -> str:
        """File URI of the workspace schema a base URI belongs to ("" when none)."""
        hit = self.roots.get(base.partition("#")[0])
        return hit[0] if hit else ""

    @cached_property
    def registry(self) -> Registry[Any]:
        """Every workspace resource under its file URI (and, crawled, its ids and anchors) + the meta-schemas."""
        resources: list[tuple[str, Resource[Any]]] = []
        for s in self.ws.schemas:
            resource = self.reading.of(s.body).specification.create_resource(s.body)
            resources.extend((uri, resource) for uri in [s.uri, *self.alias_uris(s)])
        for uri in SPECIFICATIONS:  # the meta-schemas under the other scheme too (`https://json-schema.org/draft-07/`)
            scheme, _, rest = uri.partition("://")
            resources.append((f"{'https' if scheme == 'http' else 'http'}://{rest}", SPECIFICATIONS[uri]))
        return SPECIFICATIONS.with_resources(resources).crawl()

    def _alone(self, resource: str, known: tuple[str, Any]) -> Registry[Any]:
        """A registry of one workspace resource (its anchors and embedded resources), built once."""
        found: Registry[Any] | None = self._alone_memo.get(resource)
        if found is None:
            doc, node = known
            dialect = self.reading.of(node, self.reading.of(self.by_uri[doc].body))
            found = SPECIFICATIONS.with_resource(plain(resource), dialect.specification.create_resource(node))
            self._alone_memo[resource] = found
        return found

    def registry_for(self, doc: str) -> Registry[Any]:
        """`registry` as seen from inside the document `doc` (a file URI): every URI it shares with
        another document names its own resource there."""
        mine = [(d.uri, c.node) for d in self.duplicates.values() for c in d.claims if c.doc == doc]
        if not mine:
            return self.registry
        found: Registry[Any] | None = self.__dict__.setdefault("_registries", {}).get(doc)
        if found is None:
            top = self.reading.of(self.by_uri[doc].body)
            found = self.registry.with_resources(
                (uri, self.reading.of(node, top).specification.create_resource(node)) for uri, node in mine)
            self.__dict__["_registries"][doc] = found
        return found

    def refs_of(self, schema: SchemaDoc) -> list[Ref]:
        """Every reference in a schema (`$ref`, `$dynamicRef`, `$recursiveRef`), subschemas only."""
        found = self._refs.get(schema.uri)
        if found is None:
            self._index(schema)
            found = self._refs[schema.uri]
        return found

    def closure(self, schema: SchemaDoc) -> tuple[SchemaDoc, ...]:
        """The schema and every workspace schema its references reach, transitively (schema first);
        memoised per snapshot."""
        found = self._closures.get(schema.uri)
        if found is None or found[0] is not schema:
            found = self._closures[schema.uri] = self._closure(schema)
        return found

    def _closure(self, schema: SchemaDoc) -> tuple[SchemaDoc, ...]:
        seen, todo = {schema.uri: schema}, [schema]
        while todo:
            doc = todo.pop()
            for ref in self.refs_of(doc):
                target = self.resolve(ref.base, ref.ref)
                if target.doc not in seen and target.doc in self.by_uri:
                    seen[target.doc] = self.by_uri[target.doc]
                    todo.append(seen[target.doc])
        return (schema, *sorted((d for d in seen.values() if d is not schema), key=lambda d: d.path))

    def linked(self, schema: SchemaDoc) -> frozenset[str]:
        """File URIs of the other workspace schemas a schema's references resolve into (one step)."""
        hit = self._linked.get(schema.uri)
        if hit is None:
            targets = [self.resolve(r.base, r.ref) for r in self.refs_of(schema) if r.ref[:1] != "#"]
            found = {t.doc for t in targets if t.status == "ok" and t.doc in self.by_uri}  # (`#...` stays in its file)
            found.discard(schema.uri)
            hit = self._linked[schema.uri] = (frozenset(found), frozenset({schema.uri, *(t.doc for t in targets)}))
        return hit[0]

    def resolve(self, base_uri: str, ref: str) -> Target:
        key = (base_uri, ref)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._resolve(base_uri, ref)
        return hit

    def _resolve(self, base_uri: str, ref: str) -> Target:
        here = self.doc_of(base_uri)
        try:
            uri = absolute(base_uri, ref)
        except ValueError:  # malformed URI: reported on the schema holding it
            return Target("unresolved", ref, None, here, base_uri)
        doc_uri, hash_, fragment = uri.partition("#")
        owner = here
        dup = self.duplicates.get(doc_uri)
        if dup is not None:  # a copied `$id`: the claimant itself from inside it, elsewhere only when copies agree
            claim = next((c for c in dup.claims if c.doc == here), dup.claims[0] if dup.same else None)
            if claim is None:
                return Target("ambiguous", uri, None, "", doc_uri)
            owner, doc_uri = claim.doc, self._copies[(dup.uri, claim.doc)]
            uri = doc_uri + hash_ + fragment
        known = self.roots.get(doc_uri)
        if known is None and self.aliases and (mapped := self.aliased(doc_uri)) is not None:
            doc_uri = mapped  # a folder published under a URL: the file there, or nothing (never remote)
            known = self.roots.get(doc_uri)
        key = doc_uri + hash_ + fragment
        hit = self._by_uri.get(key)  # the same target from another base (every file refers to `common/...`)
        if hit is not None:
            return hit
        if known is not None and (not fragment or fragment.startswith("/")):
            node = walk_pointer(known[1], fragment)
            if node is MISSING:
                hit = Target("unresolved", plain(uri), None, known[0], doc_uri)
            else:
                base = self.root_base.get(known[0], doc_uri) if known[1] is self.by_uri[known[0]].body else doc_uri
                hit = Target("ok", plain(uri), node, known[0],
                             self.node_base.get(id(node), base) if isinstance(node, dict) else base)
            self._by_uri[key] = hit
            return hit
        meta = standard(doc_uri) if known is None else None
        resolved = None  # every resource the workspace declares is in `roots`: nothing else could hold it
        try:  # an anchor in a known resource, a meta-schema: `referencing` finds them (never fetching)
            if meta is not None:  # the bundled copy, whichever scheme the reference spells
                resolved = SPECIFICATIONS.resolver().lookup(meta + hash_ + fragment)
            elif known is not None:  # crawled alone: never the whole workspace for one anchor
                resolved = self._alone(doc_uri, known).resolver(base_uri=plain(doc_uri)).lookup(hash_ + fragment)
        except (Unresolvable, NoSuchResource, ValueError, TypeError, KeyError, IndexError, AttributeError):
            pass
        if resolved is None:
            outside = known is None and not doc_uri.startswith("file:///")
            return Target("remote" if outside else "unresolved", plain(uri), None, known[0] if known else "", doc_uri)
        target_base = resolved.resolver._base_uri or doc_uri
        if target_base in self.duplicates:
            target_base = self._copies.get((target_base, owner), target_base)
        return Target("ok", plain(uri), resolved.contents, self.doc_of(target_base), target_base)

    def deref(self, base_uri: str, node: Any, limit: int = 32) -> tuple[str, Any]:
        """Follow a chain of `$ref`s from `node` to the schema it stands for: (its base URI, it)."""
        for _ in range(limit):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                break
            target = self.resolve(base_uri, node["$ref"])
            if target.status != "ok":
                break
            base_uri, node = target.base, target.contents
        return base_uri, node

    def cycles(self) -> list[Cycle]:
        """Reference cycles that never consume instance structure: every hop goes through `$ref`
        and in-place keywords (allOf/anyOf/oneOf/not/if/then/else) only. Each cycle once. Computed once
        per index, and carried over a reload whose changed documents keep their edges (`_same_edges`)."""
        if self._cycles is None:
            self._cycles = self._find_cycles()
        return self._cycles

    def _find_cycles(self) -> list[Cycle]:
        locate: dict[int, tuple[SchemaDoc, Tokens]] = {}  # id(ref-holding node) -> where it is written
        for s in self.ws.schemas:
            for r in self.refs_of(s):
                locate.setdefault(id(r.node), (s, r.ptr))
        succ_memo = self._succ

        def successors(base: str, node: dict[str, Any]) -> list[Step]:
            """(id, target node, its base, its URI) of every ref target evaluated in place at `node`."""
            hit = succ_memo.get(id(node))
            if hit is not None:
                return hit[0]
            found: list[Step] = []
            docs = {self.doc_of(base)}
            stack: list[tuple[str, dict[str, Any]]] = [(base, node)]
            while stack:
                b, n = stack.pop()
                if _IN_PLACE_OR_REF.isdisjoint(n):
                    continue
                ref = n.get("$ref")
                if isinstance(ref, str):
                    t = self.resolve(b, ref)
                    docs.add(t.doc)
                    if t.status == "ok" and isinstance(t.contents, dict):
                        found.append((id(t.contents), t.contents, t.base, t.uri))
                for key in (IN_PLACE if not _IN_PLACE_SET.isdisjoint(n) else ()):
                    value = n.get(key)
                    if isinstance(value, dict):
                        stack.append((self.enter(b, value), value))
                    elif isinstance(value, list):
                        for sub in value:
                            if isinstance(sub, dict):
                                stack.append((self.enter(b, sub), sub))
            succ_memo[id(node)] = (found, frozenset(docs))
            return found

        out: list[Cycle] = []
        reported: set[frozenset[int]] = set()
        done: set[int] = set()
        for s in self.ws.schemas:
            for r in self.refs_of(s):
                start = r.node
                if id(start) in done:
                    continue
                first = successors(r.base, start)
                if all(_IN_PLACE_OR_REF.isdisjoint(step[1]) for step in first):  # only leaves: the common case
                    done.add(id(start))
                    continue
                # iterative DFS; `path` holds the current chain of (id, uri): the start's URI is
                # (file URI, pointer), made text only when a cycle is reported
                path: list[tuple[int, str | tuple[str, Tokens]]] = [(id(start), (s.uri, r.ptr))]
                on_path = {id(start): 0}
                iters = [iter(first)]
                while iters:
                    step = next(iters[-1], None)
                    if step is None:
                        iters.pop()
                        nid = path.pop()[0]
                        on_path.pop(nid, None)
                        done.add(nid)
                        continue
                    tid, tnode, tbase, turi = step
                    if tid in on_path:
                        chain = [u if isinstance(u, str) else u[0] + "#" + pointer_str(u[1])
                                 for _, u in path[on_path[tid]:]] + [turi]
                        cycle = frozenset(i for i, _ in path[on_path[tid]:])
                        if cycle not in reported:
                            reported.add(cycle)
                            where = min((locate[i] for i in cycle if i in locate), key=lambda x: (x[0].path, x[1]),
                                        default=(s, r.ptr))
                            out.append((where[0], where[1], chain))
                        continue
                    if tid in done:
                        continue
                    if _IN_PLACE_OR_REF.isdisjoint(tnode):  # a leaf of the in-place graph: no cycle through it
                        done.add(tid)
                        continue
                    on_path[tid] = len(path)
                    path.append((tid, turi))
                    iters.append(iter(successors(tbase, tnode)))
        return out


_ANCHORING = frozenset(("$anchor", "$dynamicAnchor", "$recursiveAnchor", "$id", "id"))


def _anchors(body: Any) -> list[tuple[Tokens, str, Any]]:
    """Every scalar under a key that may name an anchor or a base, anywhere in `body` (data too: a superset of
    what any dialect reads as one), with its place: (pointer, key, value), in an order fixed by the body."""
    found: list[tuple[Tokens, str, Any]] = []
    stack: list[tuple[Tokens, Any]] = [((), body)]
    while stack:
        ptr, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, dict | list):
                    stack.append(((*ptr, key), value))
                elif key in _ANCHORING:
                    found.append((ptr, key, value))
        elif isinstance(node, list):
            stack.extend(((*ptr, i), value) for i, value in enumerate(node) if isinstance(value, dict | list))
    return found


def proposed_aliases(ws: Workspace) -> list[tuple[str, str]]:
    """`schemas.aliases` entries a workspace needs: for each schema whose root `$id` (draft-04 `id`) names
    it under a URL ending with its own file name, (the URL's folder, the file's folder), kept when a
    reference that does not resolve today would resolve to a workspace schema through it. Sorted."""
    index = RefIndex.of(ws)
    candidates: set[tuple[str, str]] = set()
    for s in ws.schemas:
        declared = index.base_of(s)
        if "://" not in declared or declared.startswith(FILE):
            continue
        url_folder, _, url_name = plain(declared).rpartition("/")
        folder, _, name = s.path.rpartition("/")
        if url_name == name and url_folder.count("/") > 2:  # below the host: "https://host/x/"
            candidates.add((url_folder + "/", folder))
    if not candidates:
        return []
    trial = RefIndex(replace(ws, config=replace(ws.config, aliases=tuple(sorted(
        candidates, key=lambda a: (-len(a[0]), a[0]))))))
    needed: set[tuple[str, str]] = set()
    for s in ws.schemas:
        for r in index.refs_of(s):
            target = index.resolve(r.base, r.ref)
            if target.status in ("remote", "unresolved") and trial.resolve(r.base, r.ref).status == "ok":
                needed.add(next((p, f) for p, f in trial.aliases if target.uri.startswith(p)))
    return sorted(needed)
