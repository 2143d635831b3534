"""`$ref` resolution inside the workspace, never over the network.

Every workspace schema is known under its file URI (`file:///<path>`) and under
each base URI it declares (`$id`, draft-04 `id`, nested ones included); the
standard meta-schemas come from `jsonschema-specifications` (offline). A plain
JSON-pointer ref into a known resource is a dict lookup and a pointer walk;
anchors (`$anchor`, `$dynamicAnchor`, draft-07 `$id: "#name"`) and everything
else go through a `referencing` Registry built on first need. Results are
memoised per (base, ref). Use `RefIndex.of(ws)`: one index per snapshot.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Any, NamedTuple
from urllib.parse import urljoin

from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

from ..jsontext import Tokens
from ..model import SchemaDoc, Workspace
from ..schema.dialect import DATA_KEYWORDS, IN_PLACE, REF_KEYWORDS, Dialect, reading_of  # noqa: F401  (re-exported)
from ..schema.uri import MISSING, pointer_str, walk_pointer  # noqa: F401  (re-exported)


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
    status: str  # "ok" | "unresolved" | "remote"
    uri: str  # absolute, with fragment (the reference as written when it is malformed)
    contents: Any = None
    doc: str = ""  # file URI of the workspace schema holding the target ("" outside the workspace)
    base: str = ""  # base URI for references inside the target


# a reference cycle: (schema where it is written, pointer of the ref there, the URIs around the cycle)
Cycle = tuple[SchemaDoc, Tokens, list[str]]


class RefIndex:
    """Resolves references between workspace schemas (and to the standard meta-schemas)."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.reading = reading_of(ws.config)  # the dialect each document is read in
        self.by_uri: dict[str, SchemaDoc] = {s.uri: s for s in ws.schemas}
        self.roots: dict[str, tuple[str, Any]] = {}  # resource URI -> (file URI, resource node)
        self.node_base: dict[int, str] = {}  # id(subschema) -> base URI, inside nested resources only
        self.root_base: dict[str, str] = {}  # file URI -> base URI of the document root
        self._refs: dict[str, list[Ref]] = {}
        self._memo: dict[tuple[str, str], Target] = {}
        self._by_uri: dict[str, Target] = {}  # JSON-pointer targets in workspace resources, by absolute URI
        for s in ws.schemas:
            self._index(s)

    @classmethod
    def of(cls, ws: Workspace) -> RefIndex:
        index: RefIndex | None = ws.__dict__.get("_ref_index")
        if index is None:
            index = cls(ws)
            object.__setattr__(ws, "_ref_index", index)
        return index

    def _index(self, schema: SchemaDoc) -> None:
        """One pass over a schema: its references, with their bases, and the resources it declares.

        The same traversal as `schema.nodes.walk` (children in `subschemas` order, depth
        first), with the dialect's keyword kinds inlined: it visits every subschema of
        every workspace file once per check, so its per-node cost is most of the index's."""
        uri = schema.uri
        self.roots.setdefault(uri, (uri, schema.body))
        refs: list[Ref] = []
        top = self.reading.of(schema.body)
        root = rebase(uri, schema.body, top.id_keyword)
        self.root_base[uri] = root
        if root != uri:
            self.roots.setdefault(root, (uri, schema.body))
        roots, node_base = self.roots, self.node_base
        stack: list[tuple[Tokens, dict[str, Any], Dialect, str]] = [((), schema.body, top, root)]
        pop, push = stack.pop, stack.append
        while stack:
            ptr, node, dialect, base = pop()
            if ptr:
                if "$schema" in node:
                    dialect = self.reading.of(node, dialect)
                if dialect.id_keyword in node:
                    inner = rebase(base, node, dialect.id_keyword)
                    if inner != base:
                        roots.setdefault(inner, (uri, node))
                        base = inner
                if base != root:
                    node_base[id(node)] = base
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
        self._refs[uri] = refs

    def base_of(self, schema: SchemaDoc) -> str:
        """The base URI of a schema's root (its `$id`, else its file URI)."""
        return self.root_base.get(schema.uri, schema.uri)

    def enter(self, base: str, node: Any) -> str:
        """The base URI in force inside `node` reached from `base` (changes only at a nested `$id`)."""
        return self.node_base.get(id(node), base) if isinstance(node, dict) else base

    def doc_of(self, base: str) -> str:
        """File URI of the workspace schema a base URI belongs to ("" when none)."""
        hit = self.roots.get(base.partition("#")[0])
        return hit[0] if hit else ""

    @cached_property
    def registry(self) -> Registry[Any]:
        """Every workspace resource under its file URI (and, crawled, its ids and anchors) + the meta-schemas."""
        from jsonschema_specifications import REGISTRY

        specifications: Registry[Any] = REGISTRY  # jsonschema_specifications ships no type information
        resources = []
        for s in self.ws.schemas:
            spec = self.reading.of(s.body).specification
            resources.append((s.uri, spec.create_resource(s.body)))
        return specifications.with_resources(resources).crawl() if resources else specifications

    def refs_of(self, schema: SchemaDoc) -> list[Ref]:
        """Every reference in a schema (`$ref`, `$dynamicRef`, `$recursiveRef`), subschemas only."""
        found = self._refs.get(schema.uri)
        if found is None:
            self._index(schema)
            found = self._refs[schema.uri]
        return found

    def closure(self, schema: SchemaDoc) -> list[SchemaDoc]:
        """The schema and every workspace schema its references reach, transitively (schema first)."""
        seen, todo = {schema.uri: schema}, [schema]
        while todo:
            doc = todo.pop()
            for ref in self.refs_of(doc):
                target = self.resolve(ref.base, ref.ref)
                if target.doc not in seen and target.doc in self.by_uri:
                    seen[target.doc] = self.by_uri[target.doc]
                    todo.append(seen[target.doc])
        return [schema] + sorted((d for d in seen.values() if d is not schema), key=lambda d: d.path)

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
        hit = self._by_uri.get(uri)  # the same target from another base (every file refers to `common/...`)
        if hit is not None:
            return hit
        doc_uri, _, fragment = uri.partition("#")
        known = self.roots.get(doc_uri)
        if known is not None and (not fragment or fragment.startswith("/")):
            node = walk_pointer(known[1], fragment)
            if node is MISSING:
                hit = Target("unresolved", uri, None, known[0], doc_uri)
            else:
                hit = Target("ok", uri, node, known[0], self.node_base.get(id(node), doc_uri) if isinstance(node, dict)
                             else doc_uri)
            self._by_uri[uri] = hit
            return hit
        try:  # anchors, embedded resources, meta-schemas: `referencing` finds them (never fetching)
            resolved = self.registry.resolver(base_uri=base_uri).lookup(ref)
        except (Unresolvable, NoSuchResource, ValueError, TypeError, KeyError, IndexError, AttributeError):
            outside = known is None and not doc_uri.startswith("file:///")
            return Target("remote" if outside else "unresolved", uri, None, known[0] if known else "", doc_uri)
        target_base = resolved.resolver._base_uri or doc_uri
        return Target("ok", uri, resolved.contents, self.doc_of(target_base), target_base)

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
        and in-place keywords (allOf/anyOf/oneOf/not/if/then/else) only. Each cycle once."""
        locate: dict[int, tuple[SchemaDoc, Tokens]] = {}  # id(ref-holding node) -> where it is written
        for s in self.ws.schemas:
            for r in self.refs_of(s):
                locate.setdefault(id(r.node), (s, r.ptr))
        succ_memo: dict[int, list[tuple[int, Any, str, str]]] = {}

        def successors(base: str, node: dict[str, Any]) -> list[tuple[int, Any, str, str]]:
            """(id, target node, its base, its URI) of every ref target evaluated in place at `node`."""
            found = succ_memo.get(id(node))
            if found is None:
                found = succ_memo[id(node)] = []
                stack: list[tuple[str, dict[str, Any]]] = [(base, node)]
                while stack:
                    b, n = stack.pop()
                    if _IN_PLACE_OR_REF.isdisjoint(n):
                        continue
                    ref = n.get("$ref")
                    if isinstance(ref, str):
                        t = self.resolve(b, ref)
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
