"""`$ref` resolution inside the workspace (referencing), never over the network."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Iterator
from urllib.parse import unquote, urldefrag, urljoin

from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

from ..model import SchemaDoc, Workspace

# keywords whose values are data, not subschemas
DATA_KEYWORDS = frozenset({"enum", "const", "examples", "default", "description", "title", "$comment"})
# keywords applied to the same instance: a cycle through only these never terminates
IN_PLACE = ("allOf", "anyOf", "oneOf")


def iter_refs(body: Any) -> Iterator[tuple[tuple, str]]:
    """Every `$ref` string in a schema with the pointer of the object holding it."""
    stack: list[tuple[tuple, Any]] = [((), body)]
    while stack:
        ptr, node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                yield ptr, ref
            for key, value in node.items():
                if key not in DATA_KEYWORDS and isinstance(value, (dict, list)):
                    stack.append((ptr + (key,), value))
        elif isinstance(node, list):
            stack.extend((ptr + (i,), v) for i, v in enumerate(node) if isinstance(v, (dict, list)))


def pointer_str(ptr: tuple) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in ptr) if ptr else ""


def _no_network(uri: str) -> Resource:
    raise NoSuchResource(ref=uri)


MISSING = object()


@lru_cache(maxsize=65536)
def _join(folder: str, ref: str) -> str:
    return urljoin(folder + "/", ref)


def absolute(base: str, ref: str) -> str:
    """urljoin(base, ref), memoised per (folder of base, ref): schemas of one folder share the work."""
    if ref.startswith("#"):
        return base.partition("#")[0] + ref
    if "://" in ref or ref.startswith("urn:"):
        return urljoin(base, ref)
    return _join(base.rpartition("/")[0], ref)


def walk_pointer(node: Any, fragment: str) -> Any:
    """The value at a JSON-pointer fragment ('' is the whole document), or `MISSING`."""
    if not fragment:
        return node
    for part in unquote(fragment).lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node


@dataclass(frozen=True)
class Target:
    status: str  # "ok" | "unresolved" | "remote"
    uri: str  # absolute, with fragment
    contents: Any = None
    doc: str = ""  # the document part of `uri`


class RefIndex:
    """Resolves refs between workspace schemas; each schema's base is `file:///<path>`.

    File + JSON-pointer refs (the common case) are a dict lookup and a pointer
    walk, memoised per (base, ref); anchors and embedded `$id`s go through a
    `referencing` Registry built on first need. Nothing is ever fetched.
    Use `RefIndex.of(ws)`: one index per snapshot, shared by every rule.
    """

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.by_uri: dict[str, SchemaDoc] = {s.uri: s for s in ws.schemas}
        self._memo: dict[tuple[str, str], Target] = {}

    @classmethod
    def of(cls, ws: Workspace) -> "RefIndex":
        index = ws.__dict__.get("_ref_index")
        if index is None:
            index = cls(ws)
            object.__setattr__(ws, "_ref_index", index)
        return index

    @cached_property
    def registry(self) -> Registry:
        resources = []
        for s in self.ws.schemas:
            try:
                resources.append((s.uri, Resource.from_contents(s.body, default_specification=DRAFT202012)))
            except Exception:  # unknown dialect: validity reports it
                resources.append((s.uri, DRAFT202012.create_resource(s.body)))
        return Registry(retrieve=_no_network).with_resources(resources).crawl()

    def refs_of(self, schema: SchemaDoc) -> list[tuple[tuple, str]]:
        """`iter_refs(schema.body)`, computed once per schema."""
        memo = self.__dict__.setdefault("_refs_of", {})
        if schema.uri not in memo:
            memo[schema.uri] = list(iter_refs(schema.body))
        return memo[schema.uri]

    def closure(self, schema: SchemaDoc) -> list[SchemaDoc]:
        """The schema and every workspace schema its `$ref`s reach, transitively (schema first)."""
        seen, todo = {schema.uri: schema}, [schema]
        while todo:
            doc = todo.pop()
            for _, ref in self.refs_of(doc):
                target = self.resolve(doc.uri, ref)
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
        try:
            uri = absolute(base_uri, ref)
            doc_uri, _, fragment = uri.partition("#")
        except ValueError:  # malformed URI
            return Target("unresolved", ref)
        schema = self.by_uri.get(doc_uri)
        if schema is None:
            return Target("unresolved" if doc_uri.startswith("file:///") else "remote", uri, None, doc_uri)
        if not fragment or fragment.startswith("/"):
            node = walk_pointer(schema.body, fragment)
            return Target("unresolved", uri, None, doc_uri) if node is MISSING else Target("ok", uri, node, doc_uri)
        try:  # an anchor: let `referencing` find it
            resolved = self.registry.resolver(base_uri=base_uri).lookup(ref)
        except (Unresolvable, NoSuchResource, ValueError, TypeError, KeyError, IndexError, AttributeError):
            return Target("unresolved", uri, None, doc_uri)
        return Target("ok", uri, resolved.contents, doc_uri)

    def deref(self, base_uri: str, node: Any, limit: int = 32) -> tuple[str, Any]:
        """Follow a chain of `$ref`s from `node` to the schema it stands for."""
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < limit:
            target = self.resolve(base_uri, node["$ref"])
            if target.status != "ok":
                break
            base_uri, node = urldefrag(target.uri)[0], target.contents
            seen += 1
        return base_uri, node

    def cycles(self) -> list[tuple[SchemaDoc, tuple, list[str]]]:
        """`$ref` cycles that never consume instance structure (each reported once)."""
        out, reported = [], set()
        for schema in self.ws.schemas:
            for ptr, ref in self.refs_of(schema):
                start = schema.uri + "#" + pointer_str(ptr)
                chain = self._loop_from(schema.uri, ref, start)
                if chain and frozenset(chain) not in reported:
                    reported.add(frozenset(chain))
                    out.append((schema, ptr, chain))
        return out

    def _loop_from(self, base: str, ref: str, start: str) -> list[str] | None:
        chain = [start]
        todo = [(base, ref)]
        for _ in range(64):
            if not todo:
                return None
            base, ref = todo.pop()
            target = self.resolve(base, ref)
            if target.status != "ok":
                return None
            doc, frag = urldefrag(target.uri)
            here = doc + "#" + (frag or "")
            if here in chain:
                return chain if here == start else None
            chain.append(here)
            node = target.contents
            if isinstance(node, dict):
                if isinstance(node.get("$ref"), str):
                    todo.append((doc, node["$ref"]))
                for key in IN_PLACE:
                    for sub in node.get(key) or []:
                        if isinstance(sub, dict) and isinstance(sub.get("$ref"), str):
                            todo.append((doc, sub["$ref"]))
        return None
