"""Fast `$ref` resolution for the structural rules (overlap, duplication, drift, compatibility).

The common case (a workspace file plus an optional JSON-pointer fragment) is a
dictionary lookup and a pointer walk, memoised per (base, ref); anything else
(anchors, embedded `$id`s) falls back to the `referencing`-based `RefIndex`.
Every resolution records the document it touched, so callers can cache results
per file and know which other files they depend on.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from ..model import SchemaDoc, Workspace

_MISSING = object()


@lru_cache(maxsize=65536)
def _join(folder: str, ref: str) -> str:
    return urljoin(folder + "/", ref)


def absolute(base: str, ref: str) -> str:
    """urljoin(base, ref), memoised per (folder of base, ref): schemas of one folder share the work."""
    if ref.startswith("#"):
        return urldefrag(base)[0] + ref
    if "://" in ref or ref.startswith("urn:"):
        return urljoin(base, ref)
    return _join(base.rpartition("/")[0], ref)


def walk_pointer(node: Any, fragment: str) -> Any:
    """The value at a JSON-pointer fragment ('' is the whole document), or `_MISSING`."""
    if not fragment:
        return node
    for part in unquote(fragment).lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


class Resolver:
    """Resolve `$ref`s between the schemas of one workspace; never touches the network."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.docs: dict[str, SchemaDoc] = {s.uri: s for s in ws.schemas}
        self._memo: dict[tuple[str, str], tuple[str, str, Any]] = {}
        self._refs = None
        self.touched: set[str] | None = None  # document URIs used while recording
        self.memo: dict = {}  # per-recording memo for callers (cleared by `record`)

    def resolve(self, base: str, ref: str) -> tuple[str, str, Any] | None:
        """(document URI, absolute URI, target node) of `ref` seen from `base`, or None."""
        key = (base, ref)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._lookup(base, ref)
        if self.touched is not None:
            self.touched.add(hit[0])
        return hit if hit[2] is not _MISSING else None

    def _lookup(self, base: str, ref: str) -> tuple[str, str, Any]:
        uri = absolute(base, ref)
        doc, fragment = urldefrag(uri)
        schema = self.docs.get(doc)
        if schema is None:
            return doc, uri, _MISSING
        if not fragment or fragment.startswith("/"):
            return doc, uri, walk_pointer(schema.body, fragment)
        target = self._index().resolve(base, ref)  # anchors: let `referencing` find them
        return doc, uri, target.contents if target.status == "ok" else _MISSING

    def _index(self):
        if self._refs is None:
            from .refs import RefIndex

            self._refs = RefIndex(self.ws)
        return self._refs

    def deref(self, base: str, node: Any, limit: int = 32) -> tuple[str, Any]:
        """Follow a chain of `$ref`s from `node`; returns (base URI of the result, result)."""
        for _ in range(limit):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                break
            hit = self.resolve(base, node["$ref"])
            if hit is None:
                break
            base, node = hit[0], hit[2]
        return base, node

    def target_uri(self, base: str, node: Any) -> str | None:
        """Absolute URI a `$ref` node points at (None when `node` is not a resolvable ref)."""
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            hit = self.resolve(base, node["$ref"])
            return hit[1] if hit else None
        return None

    def record(self) -> set[str]:
        """Start recording touched documents; returns the live set."""
        self.touched = set()
        self.memo = {}
        return self.touched

    def stop(self) -> None:
        self.touched = None
