"""Read TOML documents (examples) with `tomllib`, never raising; lines found by a small scan.

`tomllib` keeps no positions, so the line of a value comes from a scan of the
text for table headers (`[a.b]`, `[[a.b]]`, array-of-tables entries counted) and
`key =` lines (dotted and quoted keys included), skipping multi-line strings and
the inside of multi-line arrays and inline tables. A pointer into an array or an
inline table gets the line of the key holding it (its nearest scanned ancestor);
the finding's message carries the full pointer.

TOML dates and times become the strings JSON would carry (`isoformat()`:
`1979-05-27`, `07:32:00`, `1979-05-27T07:32:00+00:00`), so `format: date`
judges them as it judges a JSON string.

Before parsing, `[`/`{` nesting deeper than MAX_BRACKET_DEPTH (tomllib recurses)
and dotted keys of more parts than that (tomllib is quadratic in them) are
refused as problems; the nesting limit of the workspace is judged afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from typing import Any

from ..jsontext import MAX_BRACKET_DEPTH, too_deep
from ..model import Problem

_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\\n]|\\.)*"'
_LITERAL = r"'[^'\n]*'"
_PART = re.compile(f"{_BARE}|{_BASIC}|{_LITERAL}")
_DOTTED = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})(?:[ \t]*\.[ \t]*(?:{_BARE}|{_BASIC}|{_LITERAL}))*"
_ARRAY_TABLE = re.compile(rf"[ \t]*\[\[[ \t]*({_DOTTED})[ \t]*\]\]")
_TABLE = re.compile(rf"[ \t]*\[[ \t]*({_DOTTED})[ \t]*\]")
_KEYVAL = re.compile(rf"[ \t]*({_DOTTED})[ \t]*=")
# tomllib takes quadratic time in the parts of a dotted key: a longer chain is refused before parsing
_ONE_PART = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_CHAIN = re.compile(rf"{_ONE_PART}(?:[ \t]*\.[ \t]*{_ONE_PART}){{{MAX_BRACKET_DEPTH},}}")
_AT = re.compile(r"\s*\(at line (\d+), column \d+\)|\s*\(at end of document\)")


def parse_toml(path: str, text: str) -> tuple[Any, dict[tuple[str, ...], int], tuple[Problem, ...]]:
    """(value, lines, problems) of TOML text; a malformed document is one problem with its line."""
    deep = too_deep(text)
    if deep:
        return None, {}, (Problem(path, f"nesting deeper than {MAX_BRACKET_DEPTH} levels", deep, kind="fatal"),)
    chain = _CHAIN.search(text)
    if chain:
        return None, {}, (Problem(path, f"a dotted key of more than {MAX_BRACKET_DEPTH} parts (nesting too deep)",
                                  text.count("\n", 0, chain.start()) + 1, kind="fatal"),)
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        at = _AT.search(msg)
        line = int(at.group(1)) if at and at.group(1) else (len(text.splitlines()) or 1) if at else None
        msg = _AT.sub("", msg)
        return None, {}, (Problem(path, f"malformed TOML: {msg}", line, kind="fatal"),)
    except RecursionError:
        return None, {}, (Problem(path, "nesting too deep", 1, kind="fatal"),)
    return _plain(value), toml_lines(text), ()


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    """TOML values as JSON data, in place: dates and times as their ISO 8601 strings. Iterative:
    dotted keys nest tables without brackets, so depth is only judged afterwards."""
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        for k, v in list(node.items() if isinstance(node, dict) else enumerate(node)):
            if isinstance(v, (dict, list)):
                stack.append(v)
            elif isinstance(v, (dt.date, dt.time)):  # datetime is a date
                node[k] = v.isoformat()
    return value


def _key(dotted: str) -> tuple[str, ...]:
    out = []
    for match in _PART.finditer(dotted):
        part = match.group()
        if part.startswith('"'):
            try:
                part = json.loads(part)
            except ValueError:  # a TOML-only escape (\e, \x..): the raw text is close enough for a line
                part = part[1:-1]
        elif part.startswith("'"):
            part = part[1:-1]
        out.append(part)
    return tuple(out)


def toml_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line of each table and key (pointer tokens as strings, array-of-tables entries by index)."""
    lines: dict[tuple[str, ...], int] = {(): 1}
    arrays: dict[tuple[str, ...], int] = {}  # array-of-tables path -> index of its last entry
    table: tuple[str, ...] = ()
    depth, open_string = 0, ""

    def note(path: tuple[str, ...], line: int) -> None:
        path = path[:MAX_BRACKET_DEPTH]  # deeper is refused as nesting anyway: keep the scan linear
        for i in range(1, len(path)):
            lines.setdefault(path[:i], line)
        lines[path] = line

    def resolve(parts: tuple[str, ...]) -> tuple[str, ...]:
        out: tuple[str, ...] = ()
        for part in parts:
            out += (part,)
            if out in arrays:
                out += (str(arrays[out]),)
        return out

    for number, line in enumerate(text.splitlines(), 1):
        pos = 0
        if open_string:  # inside a multi-line string: find its end
            end = line.find(open_string)
            if end < 0:
                continue
            pos, open_string = end + 3, ""
        elif depth == 0:
            if match := _ARRAY_TABLE.match(line):
                parts = _key(match.group(1))
                base = resolve(parts[:-1]) + parts[-1:]
                arrays[base] = arrays.get(base, -1) + 1
                table = base + (str(arrays[base]),)
                lines.setdefault(base, number)
                note(table, number)
                continue
            if match := _TABLE.match(line):
                table = resolve(_key(match.group(1)))
                note(table, number)
                continue
            if match := _KEYVAL.match(line):
                note(table + _key(match.group(1)), number)
                pos = match.end()
        depth, open_string = _scan_value(line, pos, depth)
    return lines


def _scan_value(line: str, pos: int, depth: int) -> tuple[int, str]:
    """(bracket depth, open multi-line string delimiter) after the value text of `line` from `pos`."""
    n = len(line)
    while pos < n:
        c = line[pos]
        if c == "#":
            break
        if line.startswith('"""', pos) or line.startswith("'''", pos):
            delim = line[pos:pos + 3]
            end = line.find(delim, pos + 3)
            if end < 0:
                return depth, delim
            pos = end + 3
            while pos < n and line[pos] == delim[0]:  # up to two quotes may close the string's content
                pos += 1
            continue
        if c == '"':
            pos += 1
            while pos < n and line[pos] != '"':
                pos += 2 if line[pos] == "\\" else 1
            pos += 1
            continue
        if c == "'":
            end = line.find("'", pos + 1)
            pos = n if end < 0 else end + 1
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth = max(depth - 1, 0)
        pos += 1
    return depth, ""
