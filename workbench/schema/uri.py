"""JSON pointers and workspace file path <-> URI (`ssot/a.json` <-> `file:///ssot/a.json`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from ..jsontext import Tokens

FILE = "file:///"
MISSING = object()


def file_uri(path: str) -> str:
    """The base URI of a workspace file (its path relative to the root)."""
    return FILE + path


def path_of(uri: str) -> str | None:
    """The workspace path a `file:///` URI names (fragment dropped), None for any other URI."""
    doc = uri.partition("#")[0]
    return doc[len(FILE):] if doc.startswith(FILE) else None


def pointer_str(ptr: Tokens) -> str:
    """A JSON pointer from its tokens (`("a", 0)` -> `/a/0`)."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in ptr) if ptr else ""


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
