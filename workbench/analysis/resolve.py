"""`$ref` resolution for the structural rules, recording which documents a result used.

Resolution itself is `RefIndex`'s (memoised, never over the network); this
wrapper records every document a resolution touched, so callers can cache
results per file and know which other files they depend on.
"""

from __future__ import annotations

from typing import Any

from ..model import Workspace
from ..schema.uri import path_of
from .refs import RefIndex


class Resolver:
    """Resolve `$ref`s between the schemas of one workspace; never touches the network."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.index = RefIndex.of(ws)
        self.docs = self.index.by_uri
        self.touched: set[str] | None = None  # document URIs used while recording
        # per-recording memo for callers (cleared by `record`): fields keeps (base, id(node)) -> Sig
        self.memo: dict[tuple[str, int], Any] = {}
        self._shared: dict[str, bool] = {}

    def resolve(self, base: str, ref: str) -> tuple[str, str, Any] | None:
        """(base URI of the target, absolute URI, target node) of `ref` seen from `base`, or None."""
        target = self.index.resolve(base, ref)
        if self.touched is not None and target.doc:
            self.touched.add(target.doc)
        return (target.base, target.uri, target.contents) if target.status == "ok" else None

    def is_shared(self, base: str) -> bool:
        """Does a base URI belong to a shared library (`schemas.shared_globs`)? Memoised per base."""
        found = self._shared.get(base)
        if found is None:
            doc = self.docs.get(self.index.doc_of(base))
            found = self._shared[base] = doc is not None and doc.shared
        return found

    def load_problem(self, path: str) -> str:
        """What the loader said about a file that did not load (its first problem, with the line)."""
        found = next((p for p in self.ws.problems if p.path == path and p.kind == "fatal"), None)
        if found is None:
            found = next((p for p in self.ws.problems if p.path == path), None)
        if found is None:
            return "no such file"
        return f"{found.message}" + (f" (line {found.line})" if found.line else "")

    def why_unresolved(self, base: str, ref: str) -> str:
        """Why a reference does not resolve, for a message: "is remote (not fetched)", "does not resolve:
        schema/defs.json does not load: malformed JSON ... (line 3)", ..."""
        target = self.index.resolve(base, ref)
        if target.status == "remote":
            return "is remote (never fetched)"
        if target.status == "ambiguous":
            return "names a $id that more than one document declares (V007)"
        if target.status == "ok":
            return "is a chain of references that never ends"
        path = path_of(target.base)
        if path is not None and self.ws.schema(path) is None and any(p.path == path for p in self.ws.problems):
            return f"does not resolve: {path} does not load: {self.load_problem(path)}"
        return "does not resolve"

    def doc_of(self, base: str) -> str:
        """File URI of the workspace schema a base URI belongs to ("" outside the workspace)."""
        return self.index.doc_of(base)

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

    def record(self) -> set[str]:
        """Start recording touched documents; returns the live set."""
        self.touched = set()
        self.memo = {}
        return self.touched

    def stop(self) -> None:
        self.touched = None
