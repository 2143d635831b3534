"""Read JSON files without ever raising: problems come back as data.

Parsing uses the C `json` module (fast); line numbers for a JSON pointer are
found on demand by `workbench.jsontext` (a small token scanner), so the common path
pays nothing for them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..jsontext import TOKEN, duplicate_keys, pointer_line, split_pointer
from ..model import Problem, Source

__all__ = ["Parsed", "decode", "make_source", "parse_json", "pointer_line", "split_pointer"]



@dataclass(frozen=True)
class Parsed:
    source: Source | None
    value: Any
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.source is not None and not any(p.kind == "fatal" for p in self.problems)


def decode(path: str, data: bytes) -> str | Problem:
    """UTF-8 text, or a problem naming the line of the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Problem(path, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", line)
    return text.removeprefix("\ufeff")


def make_source(path: str, text: str) -> Source:
    return Source(path, text, hashlib.sha256(text.encode()).hexdigest())


def depth_exceeds(value: Any, limit: int) -> bool:
    """True when containers nest deeper than `limit` (iterative: safe on any input)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return False


class _DuplicateKeys(Exception):
    pass


def _pairs_no_dupes(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKeys
    return out


def _same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values (`1`, `1.0` and `true` are three different values here)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _pairs_agreeing(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Like `_pairs_no_dupes`, but a key repeated with the same value is kept (the caller warns about it)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out and not _same_json(out[key], value):
            raise _DuplicateKeys
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _literal_line(text: str) -> int | None:
    """Line of the first NaN/Infinity or over-long number literal."""
    for match in TOKEN.finditer(text):
        tok = match.group()
        if tok in ("NaN", "Infinity", "-Infinity") or (len(tok) > 4000 and not tok.startswith('"')):
            return text.count("\n", 0, match.start()) + 1
    return None


def parse_json(path: str, data: bytes, max_nesting: int = 64) -> Parsed:
    """Parse bytes as JSON; every failure is a `Problem` with path and line."""
    text = decode(path, data)
    if isinstance(text, Problem):
        return Parsed(None, None, (text,))
    source = make_source(path, text)
    try:
        value = json.loads(text, object_pairs_hook=_pairs_no_dupes, parse_constant=_no_constant)
    except _DuplicateKeys:
        return _with_duplicates(path, text, source, max_nesting)
    except json.JSONDecodeError as exc:
        return Parsed(source, None, (Problem(path, f"malformed JSON: {exc.msg}", exc.lineno, kind="fatal"),))
    except RecursionError:
        return Parsed(source, None, (Problem(path, f"nesting deeper than {max_nesting} levels", 1, kind="fatal"),))
    except ValueError as exc:  # NaN/Infinity, or an integer longer than Python converts
        msg = str(exc).split(":")[0][:120]
        return Parsed(source, None, (Problem(path, f"malformed JSON: {msg}", _literal_line(text), kind="fatal"),))
    # cheap bound first: nesting can only exceed the limit if there are more brackets than that
    if text.count("{") + text.count("[") > max_nesting and depth_exceeds(value, max_nesting):
        return Parsed(source, None, (Problem(path, f"nesting deeper than {max_nesting} levels", 1, kind="fatal"),))
    return Parsed(source, value, ())


def _with_duplicates(path: str, text: str, source: Source, max_nesting: int) -> Parsed:
    """A document with a repeated key: when every repetition has the same value, it loads (a warning, not a
    lost file: both readings of it are one document); otherwise each repetition is a fatal problem."""
    where = [(ptr, line) for ptr, line in duplicate_keys(text)]
    try:
        value = json.loads(text, object_pairs_hook=_pairs_agreeing, parse_constant=_no_constant)
    except (_DuplicateKeys, ValueError, RecursionError):
        dupes = [Problem(path, f"duplicate key {'/'.join(map(str, ptr[:-1])) or '(root)'}: {ptr[-1]!r}", line,
                         kind="fatal") for ptr, line in where]
        return Parsed(source, None, tuple(dupes) or (Problem(path, "duplicate key", None, kind="fatal"),))
    if text.count("{") + text.count("[") > max_nesting and depth_exceeds(value, max_nesting):
        return Parsed(source, None, (Problem(path, f"nesting deeper than {max_nesting} levels", 1, kind="fatal"),))
    return Parsed(source, value, tuple(
        Problem(path, f"duplicate key {'/'.join(map(str, ptr[:-1])) or '(root)'}: {ptr[-1]!r} repeated with the same "
                "value (read once; remove the repetition)", line, kind="warning") for ptr, line in where))
