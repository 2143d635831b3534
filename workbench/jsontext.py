"""Positions in JSON text: the line where the value at a JSON pointer starts, duplicate keys, and
(for every bracketed text format) the line where `[`/`{` nesting first runs too deep.

A small token scanner over the text (the C `json` module keeps no positions), run
only when a finding or a problem needs a line. No dependencies: every layer may use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

# a parsed JSON pointer: object keys and array indexes
Tokens = tuple[str | int, ...]

MAX_BRACKET_DEPTH = 200  # deeper `[`/`{` nesting is refused before parsing (parsers recurse)
_BRACKET = re.compile(r"[\[\]{}]")
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')


def scan(text: str) -> Iterator[tuple[str, Tokens, int]]:
    """Yield ("value", pointer, line) for each value and ("dup", pointer, line) for repeated keys."""
    stack: list[list[Any]] = []  # ["obj", key, keys, expecting_key] | ["arr", index]
    line, last = 1, 0
    for match in TOKEN.finditer(text):
        start = match.start()
        line += text.count("\n", last, start)
        last = start
        tok = match.group()
        top = stack[-1] if stack else None
        if top and top[0] == "obj" and top[3]:
            if tok.startswith('"'):
                try:
                    key = json.loads(tok)
                except ValueError:  # a bad string after the first problem: keep scanning
                    key = tok[1:-1]
                path = tuple(f[1] for f in stack[:-1]) + (key,)
                if key in top[2]:
                    yield "dup", path, line
                top[2].add(key)
                top[1] = key
                top[3] = False
            elif tok == "}":  # an empty object closes while a key is expected
                stack.pop()
            continue
        if tok in ":":
            continue
        if tok == ",":
            if top and top[0] == "arr":
                top[1] += 1
            elif top:
                top[3] = True
            continue
        if tok in "]}":
            if stack:
                stack.pop()
            continue
        yield "value", tuple(f[1] for f in stack), line
        if tok == "{":
            stack.append(["obj", None, set(), True])
        elif tok == "[":
            stack.append(["arr", 0])


def duplicate_keys(text: str) -> list[tuple[Tokens, int]]:
    return [(ptr, line) for kind, ptr, line in scan(text) if kind == "dup"]


def split_pointer(pointer: str) -> tuple[str, ...]:
    """'/a/b~1c' -> ('a', 'b/c')."""
    pointer = pointer.lstrip("#")
    if not pointer or pointer == "/":
        return ()
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/"))


def tokens(pointer: str | Tokens) -> tuple[str, ...]:
    """A JSON pointer (`/a/0`) or its tokens (`("a", 0)`) as string tokens."""
    return split_pointer(pointer) if isinstance(pointer, str) else tuple(str(p) for p in pointer)


def pointer_lines(text: str, pointers: Iterable[str | Tokens]) -> dict[str | Tokens, int | None]:
    """`pointer_line(text, p)` for every pointer `p`, from one pass over the text: a check reporting many
    places in one large file reads it once, descending only into the values on the way to those places
    (the C decoder steps over the rest), and keeps only the lines of those places and their ancestors."""
    wanted = {ptr: tokens(ptr) for ptr in pointers}
    prefixes = {key[:k] for key in wanted.values() for k in range(len(key) + 1)}
    found: dict[tuple[str, ...], int] = {}
    if wanted:
        try:
            _descend(text, prefixes, found)
        except (ValueError, IndexError):  # not strict JSON after all: the token scanner copes
            found.clear()
            for kind, ptr, line in scan(text):
                if kind == "value":
                    key = tuple([str(p) for p in ptr])
                    if key in prefixes and key not in found:
                        found[key] = line
    return {ptr: nearest_line(found, key) for ptr, key in wanted.items()}


_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _entry(text: str, pos: int, parent: tuple[str, ...], kind: str, index: int) -> tuple[tuple[str, ...], int]:
    """(path, start of its value) of the member (`kind` "{": its key is at `pos`) or the item `index` of
    the container at `parent`."""
    if kind == "[":
        return parent + (str(index),), pos
    key = _STRING.match(text, pos)
    if key is None:
        raise ValueError("expected a key")
    colon = _after_ws(text, key.end())
    if text[colon] != ":":
        raise ValueError("expected :")
    return parent + (json.loads(key.group()),), _after_ws(text, colon + 1)


def _after_ws(text: str, pos: int) -> int:
    """The first position from `pos` on that is not JSON whitespace."""
    found = _WS.match(text, pos)
    return found.end() if found else pos


def _descend(text: str, prefixes: set[tuple[str, ...]], found: dict[tuple[str, ...], int]) -> None:
    """Record in `found` the first line of each value whose pointer is in `prefixes`, in text order (a
    repeated key: its first occurrence, as `scan` does). Raises ValueError on text that is not JSON."""
    skip, ws = _DECODER.raw_decode, _after_ws
    line, last = 1, 0
    # (path, kind, next index) of the open containers on the way: kind "{" or "["
    stack: list[tuple[tuple[str, ...], str, int]] = []
    path: tuple[str, ...] = ()
    pos = ws(text, 0)
    while True:
        # a value starts at `pos`, at `path`
        if path in prefixes:
            if path not in found:
                line += text.count("\n", last, pos)
                last = pos
                found[path] = line
                if len(found) == len(prefixes):  # the rest of the text cannot change a first line
                    return
            opener = text[pos]
        else:
            opener = ""
        if opener == "{" or opener == "[":
            pos = ws(text, pos + 1)
            close = "}" if opener == "{" else "]"
            if text[pos] != close:
                stack.append((path, opener, 0))
                path, pos = _entry(text, pos, path, opener, 0)
                continue
            pos += 1
        else:
            pos = skip(text, pos)[1]
        # after a value: the next member or item of the open containers, else close them
        while True:
            if not stack:
                return
            pos = ws(text, pos)
            parent, kind, index = stack[-1]
            if text[pos] == ",":
                pos = ws(text, pos + 1)
                stack[-1] = (parent, kind, index + 1)
                path, pos = _entry(text, pos, parent, kind, index + 1)
                break
            if text[pos] != ("}" if kind == "{" else "]"):
                raise ValueError("expected , or a closing bracket")
            stack.pop()
            pos += 1


def nearest_line(lines: dict[tuple[str, ...], int], pointer: str | Tokens) -> int | None:
    """The line of the value at `pointer`, else of its nearest ancestor that exists."""
    want = tokens(pointer)
    while want and want not in lines:
        want = want[:-1]
    return lines.get(want)


def pointer_line(text: str, pointer: str | Tokens) -> int | None:
    """Line where the value at a JSON pointer starts (nearest existing ancestor)."""
    want = tokens(pointer)
    best = None
    for kind, found, line in scan(text):
        if kind != "value":
            continue
        ptr = tuple(str(p) for p in found)
        if ptr == want:
            return line
        if want[: len(ptr)] == ptr:
            best = line
    return best


def too_deep(text: str, limit: int = MAX_BRACKET_DEPTH) -> int | None:
    """Line where `[`/`{` nesting first exceeds `limit` (brackets in strings count too: harmless at 200)."""
    depth = 0
    for match in _BRACKET.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > limit:
            return text.count("\n", 0, match.start()) + 1
    return None
