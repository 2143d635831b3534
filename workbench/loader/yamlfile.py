"""Read YAML safely: plain data plus a line for every field, never an exception.

Reading uses PyYAML's C (libyaml) composer, ~20x faster than a pure-Python
parser, and builds plain data from the node graph ourselves: only standard
tags are accepted (nothing constructs Python objects), duplicate keys are
problems, and alias expansion is bounded (a "billion laughs" document is a
problem, not a hang). A scalar YAML would resolve to a date or time
(`2024-01-01`, `2024-01-01 10:00:00`) stays the string it is written as, the way
a JSON document carries it. Round-trip writes use ruamel.yaml in `workbench.store`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .. import cache
from ..jsontext import MAX_BRACKET_DEPTH, Tokens, too_deep
from ..model import Problem, Source
from .jsonfile import decode, make_source

MAX_NODES = 100_000
_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STD}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_scalars = yaml.SafeLoader("")  # its constructor turns resolved scalar nodes into values


@dataclass(frozen=True)
class ParsedYaml:
    source: Source | None
    value: Any
    lines: dict[Tokens, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def line(self, path: Tokens = ()) -> int | None:
        """Line of the nearest existing field on `path` (1-based)."""
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)


class _Reject(Exception):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def _plain(node: Any, path: Tokens, lines: dict[Tokens, int], budget: list[int]) -> Any:
    """Convert a composed node to JSON-like data, recording the line of each field."""
    line = node.start_mark.line + 1
    lines[path] = line
    budget[0] -= 1
    if budget[0] < 0:
        raise _Reject(f"document expands to more than {MAX_NODES} nodes (alias bomb?)", line)
    if isinstance(node, MappingNode):
        if node.tag != f"{_STD}map":
            raise _Reject(f"unsupported YAML tag {node.tag!r}", line)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != f"{_STD}str":
                raise _Reject(f"mapping key {key_node.value!r} is not a string", key_node.start_mark.line + 1)
            key = key_node.value
            if key in out:
                raise _Reject(f"duplicate key {key!r}", key_node.start_mark.line + 1)
            out[key] = _plain(value_node, path + (key,), lines, budget)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, SequenceNode):
        if node.tag != f"{_STD}seq":
            raise _Reject(f"unsupported YAML tag {node.tag!r}", line)
        return [_plain(item, path + (i,), lines, budget) for i, item in enumerate(node.value)]
    if node.tag not in _SCALAR_TAGS:
        raise _Reject(f"unsupported YAML tag {node.tag!r}", line)
    if node.tag == f"{_STD}timestamp":  # as written: JSON has no dates, and `format: date` judges the text
        return node.value
    return _scalars.construct_object(node)


def parse_yaml(path: str, data: bytes) -> ParsedYaml:
    """Parse bytes as YAML into plain data with field lines; problems as data. Kept in the disk cache
    (`workbench.cache`) by path and content: a run reads a file it has parsed before without parsing it."""
    text = decode(path, data)
    if isinstance(text, Problem):
        return ParsedYaml(None, None, problems=(text,))
    source = make_source(path, text)
    store = cache.active()
    stored = store.get("yaml", (path, source.sha)) if store is not None else None
    try:
        value, lines, problems = stored  # type: ignore[misc]
        return ParsedYaml(source, value, dict(lines), tuple(Problem(path, m, line) for m, line in problems))
    except (TypeError, ValueError):  # a miss, or an entry of another shape
        pass
    parsed = _parse(path, text, source)
    if store is not None:
        store.put("yaml", (path, source.sha), (parsed.value, tuple(parsed.lines.items()),
                                               tuple((p.message, p.line) for p in parsed.problems)))
    return parsed


def _parse(path: str, text: str, source: Source) -> ParsedYaml:
    deep = too_deep(text)
    if deep:
        too = Problem(path, f"nesting deeper than {MAX_BRACKET_DEPTH} levels", deep)
        return ParsedYaml(source, None, problems=(too,))
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        return ParsedYaml(source, None, problems=(Problem(path, f"malformed YAML: {msg}", line),))
    except RecursionError:
        return ParsedYaml(source, None, problems=(Problem(path, "nesting too deep", None),))
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return ParsedYaml(source, None, problems=(Problem(path, f"malformed YAML: {exc.__class__.__name__}", None),))
    if root is None:
        return ParsedYaml(source, None, {(): 1})
    lines: dict[Tokens, int] = {}
    try:
        value = _plain(root, (), lines, [MAX_NODES])
    except _Reject as exc:
        return ParsedYaml(source, None, problems=(Problem(path, str(exc), exc.line),))
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # a scalar its tag cannot construct
        return ParsedYaml(source, None, problems=(Problem(path, f"malformed YAML: {exc}", None),))
    except RecursionError:
        return ParsedYaml(source, None, problems=(Problem(path, "nesting too deep", None),))
    lines[()] = 1
    return ParsedYaml(source, value, lines)
