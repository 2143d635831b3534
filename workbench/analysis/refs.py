"""`$ref` resolution inside the workspace (referencing), never over the network."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator
from urllib.parse import urldefrag, urljoin

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


@dataclass(frozen=True)
class Target:
    status: str  # "ok" | "unresolved" | "remote"
    uri: str  # absolute, with fragment
    contents: Any = None


class RefIndex:
    """Resolves refs between workspace schemas; each schema's base is `file:///<path>`."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.by_uri: dict[str, SchemaDoc] = {s.uri: s for s in ws.schemas}

    @cached_property
    def registry(self) -> Registry:
        resources = []
        for s in self.ws.schemas:
            try:
                resources.append((s.uri, Resource.from_contents(s.body, default_specification=DRAFT202012)))
            except Exception:  # unknown dialect: validity reports it
                resources.append((s.uri, DRAFT202012.create_resource(s.body)))
        return Registry(retrieve=_no_network).with_resources(resources).crawl()

    def resolve(self, base_uri: str, ref: str) -> Target:
        try:
            uri = urljoin(base_uri, ref)
            doc_uri, _ = urldefrag(uri)
        except ValueError:  # malformed URI
            return Target("unresolved", ref)
        if doc_uri not in self.by_uri and not doc_uri.startswith("file:///"):
            return Target("remote", uri)
        try:
            resolved = self.registry.resolver(base_uri=base_uri).lookup(ref)
        except (Unresolvable, NoSuchResource, ValueError, TypeError, KeyError, IndexError, AttributeError):
            return Target("unresolved", uri)
        return Target("ok", uri, resolved.contents)

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
            for ptr, ref in iter_refs(schema.body):
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
