"""A witness search for the change classifier: documents one version of a schema accepts and the other rejects.

A narrowing witness (valid before, rejected after) proves that a change narrows; a widening witness proves that
it widens. Candidates come from hypothesis-jsonschema's strategies for either version (where it can build one),
fixed probes, values both schemas name, and mutations of every candidate (a key dropped, a value of another
type, a key either schema names added, an array item dropped or added). Every candidate is judged by the
reference validator (python `jsonschema`) in each schema's own draft.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from workbench.analysis.walk import SCHEMA_LISTS, SCHEMA_MAPS, SCHEMA_ONE
from workbench.schema import dialect_of

PROBES: list[Any] = [None, True, False, 0, 1, -1, 2, 3, 0.5, -2.5, 10**20, "", "a", "b", "ab", "abcd", "A1",
                     "x-a", "I_1", "2024-01-01", "a@b.co", "http://x", "abcdefghijklmnop", [], [None], [1], ["a"],
                     [1, "a"], ["a", "a"], [1, 2, 3, 4], {}, {"a": 1}, {"a": "a"}, {"a": None, "b": 1}]
# one value per JSON type: what a value is replaced by when its type is changed
BY_TYPE: list[Any] = [None, True, 0, 1.5, "s", [], {}]
DRAWS = 2  # documents drawn per strategy
MAX_CANDIDATES = 800
MUTATED_SIZE = 300  # characters of JSON: larger documents are tried as drawn, not mutated
SETTINGS = settings(max_examples=DRAWS, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), phases=[Phase.generate])

_STRATEGIES: dict[str, Any] = {}


def as_draft7(node: Any) -> Any:
    """A 2019-09/2020-12 schema spelled as draft-07 for generating candidates (hypothesis-jsonschema reads
    draft-07): `prefixItems` + `items` -> `items: [...]` + `additionalItems`, `unevaluated*` where nothing else
    applies -> `additional*`, `dependentRequired`/`dependentSchemas` -> `dependencies`. Validation still reads
    every schema in its own draft: a candidate drawn from a loose translation is only a candidate."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: as_draft7(v) for k, v in value.items()}
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [as_draft7(v) for v in value]
        elif key in SCHEMA_ONE:
            out[key] = as_draft7(value)
        else:
            out[key] = value
    prefix = out.pop("prefixItems", None)
    rest = out.pop("items", out.get("unevaluatedItems", True))
    if isinstance(prefix, list):
        out["items"], out["additionalItems"] = prefix, rest
    elif "items" in node or "unevaluatedItems" in node:
        out["items"] = rest
    out.pop("unevaluatedItems", None)
    if "unevaluatedProperties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = out["unevaluatedProperties"]
    out.pop("unevaluatedProperties", None)
    deps = {**out.pop("dependentRequired", {}), **out.pop("dependentSchemas", {})}
    if deps:
        out["dependencies"] = deps
    if "$defs" in out:
        out.setdefault("definitions", {}).update(out["$defs"])
    return out


def for_generation(schema: Any) -> Any:
    """What hypothesis-jsonschema is given for `schema`: modern drafts spelled as draft-07."""
    if dialect_of(schema).name in ("2019-09", "2020-12") and isinstance(schema, dict):
        return {**as_draft7(schema), "$schema": "http://json-schema.org/draft-07/schema#"}
    return schema


def strategy(schema: Any) -> Any:
    """hypothesis-jsonschema's strategy for `schema` (memoised), or None where it cannot build one."""
    key = json.dumps(schema, sort_keys=True)
    if key not in _STRATEGIES:
        try:
            built = from_schema(for_generation(schema))
            _STRATEGIES[key] = None if built.is_empty else built
        except Exception:  # a keyword or a reference hypothesis-jsonschema cannot generate for
            _STRATEGIES[key] = None
    return _STRATEGIES[key]


def draws(schema: Any) -> list[Any] | None:
    """Up to DRAWS documents drawn (deterministically) from `schema`'s strategy; None without a strategy."""
    built = strategy(schema)
    return None if built is None else draws_of(built, DRAWS)


def draws_of(built: Any, count: int) -> list[Any]:
    out: list[Any] = []

    @settings(SETTINGS, max_examples=count)
    @given(built)
    def collect(doc: Any) -> None:
        out.append(doc)

    try:
        collect()
    except Exception:  # a strategy that fails while drawing (unsatisfiable filters, recursion)
        pass
    return out


def validator(schema: Any) -> Any:
    """`is_valid` in the schema's own draft; None where the validator cannot judge."""
    check = dialect_of(schema).validator(schema).is_valid

    def valid(doc: Any) -> bool | None:
        try:
            return bool(check(doc))
        except Exception:
            return None
    return valid


def _matching(patterns: Any) -> list[str]:
    """A few strings matching each regular expression (hypothesis's `from_regex`), none for one it cannot parse."""
    out: list[str] = []
    for pattern in sorted(patterns):
        try:
            drawn = draws_of(st.from_regex(pattern), 4)
        except Exception:
            continue
        out.extend(x for x in drawn if isinstance(x, str))
    return out


def _scan(node: Any, names: set[str], values: list[Any], patterns: set[str], depth: int = 0) -> None:
    """Property names and values a schema mentions (properties, required, enum, const, bounds...)."""
    if depth > 30:
        return
    if isinstance(node, list):
        for x in node:
            _scan(x, names, values, patterns, depth + 1)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("properties", "dependentRequired", "dependentSchemas", "dependencies") and isinstance(value, dict):
            names.update(value)
            names.update(x for v in value.values() if isinstance(v, list) for x in v if isinstance(x, str))
        if key == "required" and isinstance(value, list):
            names.update(x for x in value if isinstance(x, str))
        if key in ("const", "default"):
            values.append(value)
        if key in ("enum", "examples") and isinstance(value, list):
            values.extend(value)
        if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf") and isinstance(
                value, (int, float)) and not isinstance(value, bool):
            values.extend([value, value - 1, value + 1, value / 2, value * 2])
        if key in ("minLength", "maxLength") and isinstance(value, int) and value < 64:
            values.extend(["a" * value, "a" * (value + 1), "a" * max(value - 1, 0)])
        if key in ("minItems", "maxItems", "minContains", "maxContains") and isinstance(value, int) and value < 16:
            values.extend([[1] * n for n in (value, value + 1)] + [["a"] * n for n in (value, value + 1)])
        if key == "pattern" and isinstance(value, str):
            patterns.add(value)
        if key == "patternProperties" and isinstance(value, dict):
            patterns.update(value)
            names.update(_matching(value))
        if isinstance(value, (dict, list)):
            _scan(value, names, values, patterns, depth + 1)


def _mutations(doc: Any, names: list[str], values: list[Any], depth: int = 0) -> Iterator[Any]:
    """`doc` with one edit somewhere: a key dropped or added, a value replaced, an item dropped or added."""
    if depth > 6:
        return
    if isinstance(doc, dict):
        for key in doc:
            yield {k: v for k, v in doc.items() if k != key}
        for name in names:
            if name not in doc:
                for value in BY_TYPE + values[:6]:
                    yield {**doc, name: value}
        for key, value in doc.items():
            for other in BY_TYPE + values[:12]:
                if other != value or type(other) is not type(value):
                    yield {**doc, key: other}
            for inner in _mutations(value, names, values, depth + 1):
                yield {**doc, key: inner}
    elif isinstance(doc, list):
        if doc:
            yield doc[:-1]
            yield doc + doc[-1:]
        for value in BY_TYPE + values[:12]:
            yield doc + [value]
        for i, value in enumerate(doc):
            for other in BY_TYPE + values[:12]:
                yield doc[:i] + [other] + doc[i + 1:]
            for inner in _mutations(value, names, values, depth + 1):
                yield doc[:i] + [inner] + doc[i + 1:]


def _key(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, default=str)


@dataclass
class Search:
    """What the search found for one pair of schemas."""

    narrowing: Any = None  # a document valid under the old schema, rejected by the new one
    widening: Any = None  # a document valid under the new schema, rejected by the old one
    found_n: bool = False
    found_w: bool = False
    strategies: int = 0  # how many of the two versions hypothesis-jsonschema built a strategy for
    accepted: int = 0  # candidates at least one version accepts (what the search really explored)
    tried: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        return self.accepted > 0


def search(old: Any, new: Any, seeds: list[Any] | None = None, max_candidates: int = MAX_CANDIDATES) -> Search:
    """Look for a narrowing and a widening witness between `old` and `new`; `seeds`: documents drawn by the
    caller (inside a hypothesis test) instead of from each version's strategy."""
    out = Search()
    is_old, is_new = validator(old), validator(new)
    names_set: set[str] = set()
    values: list[Any] = []
    patterns: set[str] = set()
    _scan(old, names_set, values, patterns)
    _scan(new, names_set, values, patterns)
    values.extend(_matching(patterns))
    names = sorted(names_set)[:24]
    # every name at once, and (through the mutations) every name but one
    values.append({name: value for name, value in zip(names, values + BY_TYPE * len(names), strict=False)})
    if seeds is None:
        seeds = []
        for schema in (old, new):
            drawn = draws(schema)
            if drawn is not None:
                out.strategies += 1
                seeds.extend(drawn)
    seen: set[str] = set()
    queue: list[Any] = seeds + values + PROBES

    def judge(doc: Any) -> None:
        key = _key(doc)
        if key in seen:
            return
        seen.add(key)
        out.tried += 1
        a, b = is_old(doc), is_new(doc)
        if a is None or b is None:
            return
        if a or b:
            out.accepted += 1
        if a and not b and not out.found_n:
            out.found_n, out.narrowing = True, doc
        if b and not a and not out.found_w:
            out.found_w, out.widening = True, doc

    for doc in queue:
        judge(doc)
    # mutations of what either version accepts (and of every seed), breadth first
    for doc in sorted(queue, key=lambda d: len(_key(d))):
        if len(_key(doc)) > MUTATED_SIZE:
            break
        if out.tried >= max_candidates or (out.found_n and out.found_w):
            break
        for mutated in _mutations(doc, names, values):
            judge(mutated)
            if out.tried >= max_candidates or (out.found_n and out.found_w):
                break
    return out


def disagreement(effect: str, found: Search) -> str | None:
    """Why the witnesses contradict the verdict `effect`, or None."""
    if found.found_n and effect not in ("narrowed", "both"):
        return f"verdict {effect}, yet {json.dumps(found.narrowing)} is valid before and rejected after"
    if found.found_w and effect not in ("widened", "both"):
        return f"verdict {effect}, yet {json.dumps(found.widening)} is rejected before and valid after"
    return None
