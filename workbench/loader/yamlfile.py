"""Read YAML safely: plain data plus a line for every field, never an exception.

ruamel's round-trip parser gives line numbers and never constructs Python
objects; on top of it we reject non-standard tags and bound alias expansion
(a "billion laughs" document is a problem, not a hang).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..model import Problem, Source
from .jsonfile import decode, make_source

MAX_NODES = 100_000
MAX_FLOW_DEPTH = 200  # ruamel's scanner is quadratic in flow ([{) depth: refuse before parsing
_FLOW = re.compile(r"[\[\]{}]")
_STD_TAG = "tag:yaml.org,2002:"
_SAFE_TAGS = {f"{_STD_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}


@dataclass(frozen=True)
class ParsedYaml:
    source: Source | None
    value: Any
    lines: dict[tuple, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def line(self, path: tuple = ()) -> int | None:
        """Line of the nearest existing field on `path` (1-based)."""
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)


class _Reject(Exception):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def _tag(node: Any) -> str | None:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag)
    return value if isinstance(value, str) and value else None


def _plain(node: Any, path: tuple, lines: dict, budget: list[int], line: int | None) -> Any:
    """Convert ruamel nodes to JSON-like data, recording the line of each field."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _Reject(f"document expands to more than {MAX_NODES} nodes (alias bomb?)", line)
    tag = _tag(node)
    if isinstance(node, TaggedScalar) or (tag and tag not in _SAFE_TAGS):
        raise _Reject(f"unsupported YAML tag {tag!r}", line)
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            try:
                kline = node.lc.key(key)[0] + 1
            except (KeyError, TypeError, AttributeError):
                kline = line
            if not isinstance(key, str):
                raise _Reject(f"mapping key {key!r} is not a string", kline)
            lines[path + (key,)] = kline
            out[key] = _plain(value, path + (key,), lines, budget, kline)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for i, value in enumerate(node):
            try:
                iline = node.lc.item(i)[0] + 1
            except (KeyError, TypeError, AttributeError, IndexError):
                iline = line
            lines[path + (i,)] = iline
            out_list.append(_plain(value, path + (i,), lines, budget, iline))
        return out_list
    if isinstance(node, (dt.date, dt.datetime)):
        return node.isoformat()
    if node is None or isinstance(node, (bool, int, float, str)):
        return str(node) if isinstance(node, str) else node
    raise _Reject(f"unsupported YAML value of type {type(node).__name__}", line)


def parse_yaml(path: str, data: bytes) -> ParsedYaml:
    """Parse bytes as YAML into plain data with field lines; problems as data."""
    text, problem = decode(path, data)
    if problem:
        return ParsedYaml(None, None, problems=(problem,))
    source = make_source(path, text)
    deep = _flow_too_deep(text)
    if deep:
        return ParsedYaml(source, None, problems=(Problem(path, f"nesting deeper than {MAX_FLOW_DEPTH} levels", deep),))
    try:
        raw = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        return ParsedYaml(source, None, problems=(Problem(path, f"malformed YAML: {msg}", line),))
    except RecursionError:
        return ParsedYaml(source, None, problems=(Problem(path, "nesting too deep", None),))
    except (YAMLError, ValueError, TypeError) as exc:
        return ParsedYaml(source, None, problems=(Problem(path, f"malformed YAML: {exc.__class__.__name__}", None),))
    lines: dict[tuple, int] = {(): 1}
    try:
        value = _plain(raw, (), lines, [MAX_NODES], 1)
    except _Reject as exc:
        return ParsedYaml(source, None, problems=(Problem(path, str(exc), exc.line),))
    except RecursionError:
        return ParsedYaml(source, None, problems=(Problem(path, "nesting too deep", None),))
    return ParsedYaml(source, value, lines)


def _flow_too_deep(text: str) -> int | None:
    """Line where `[`/`{` nesting first exceeds MAX_FLOW_DEPTH (brackets in strings count too: harmless at 200)."""
    depth = 0
    for match in _FLOW.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_FLOW_DEPTH:
            return text.count("\n", 0, match.start()) + 1
    return None
