"""The change classifier against schema-evolution cases with known verdicts, in both directions, and a
property-based cross-check: documents drawn (hypothesis-jsonschema) from one version and validated against the
other must agree with the verdict (a document the new version rejects under a "no narrowing" verdict fails)."""

from __future__ import annotations

import json
import os

import pytest
from compat_cases import CASES, B, E, N
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException
from hypothesis_jsonschema import from_schema

from workbench.analysis.compat import KINDS, combine, compare_schemas, flip
from workbench.schema import dialect_of

IDS = [c[0] for c in CASES]
# bounded for CI (deterministic: derandomize); raise COMPAT_EXAMPLES locally for a deeper search
SCALE = int(os.environ.get("COMPAT_EXAMPLES", "1"))
PROPERTY_SETTINGS = settings(max_examples=4 * SCALE, deadline=None, derandomize=True, database=None,
                             suppress_health_check=list(HealthCheck))


def verdict(old, new) -> tuple[set[str], str]:
    changes = compare_schemas(old, new)
    return {c.kind for c in changes}, combine(c.effect for c in changes)


def test_the_table_is_large_and_covers_every_keyword():
    assert len(CASES) >= 150 and len(set(IDS)) == len(IDS)
    text = repr([(c[1], c[2]) for c in CASES])
    keywords_2020 = """$ref $defs $dynamicRef $anchor $id $comment $dynamicAnchor allOf anyOf oneOf not if then
        else dependentSchemas prefixItems items contains properties patternProperties additionalProperties
        propertyNames unevaluatedItems unevaluatedProperties type enum const multipleOf maximum exclusiveMaximum
        minimum exclusiveMinimum maxLength minLength pattern maxItems minItems uniqueItems maxContains minContains
        maxProperties minProperties required dependentRequired format contentEncoding contentMediaType
        contentSchema title description default deprecated readOnly writeOnly examples""".split()
    keywords_07 = ["definitions", "dependencies", "additionalItems"]
    assert [k for k in keywords_2020 + keywords_07 if f"'{k}'" not in text] == []
    whole_files = {"schema deleted", "schema added", "schema replaced", "schema does not load"}
    unreadable = {"reference unresolved"}  # undecided: no documents to compare (tests/test_spec_history.py)
    assert {k for c in CASES for k in c[3]} | whole_files | unreadable == set(KINDS)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_old_to_new(case):
    _, old, new, kinds, effect = case
    assert verdict(old, new) == (kinds, effect)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_new_to_old(case):
    _, old, new, kinds, effect = case
    found, back = verdict(new, old)
    assert back == flip(effect) and bool(found) == (effect != E)


def _valid(schema):
    """`is_valid` that answers None where the validator cannot judge (e.g. an unresolvable reference)."""
    check = dialect_of(schema).validator(schema).is_valid

    def valid(doc):
        try:
            return check(doc)
        except Exception:
            return None
    return valid


_STRATEGIES: dict[str, object] = {}


def _strategy(schema):
    """hypothesis-jsonschema's strategy for `schema` (memoised: building one canonicalises the schema), or None."""
    key = json.dumps(schema, sort_keys=True)
    if key not in _STRATEGIES:
        try:
            strategy = from_schema(schema)
            _STRATEGIES[key] = None if strategy.is_empty else strategy
        except Exception:  # a keyword hypothesis-jsonschema cannot generate for
            _STRATEGIES[key] = None
    return _STRATEGIES[key]


def _agrees(old, new, effect: str, data) -> None:
    """Draw documents valid under `old`; one `new` rejects is a narrowing the verdict must admit."""
    strategy = _strategy(old)
    if strategy is None:
        return
    is_old, is_new = _valid(old), _valid(new)
    for _ in range(3):
        try:
            doc = data.draw(strategy)
        except (HypothesisException, AttributeError, RecursionError):
            return
        if is_old(doc) and is_new(doc) is False:  # hypothesis-jsonschema reads some 2020-12 keywords as draft-07
            assert effect in (N, B), f"{doc!r} is valid before and rejected after, yet the verdict is {effect}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_documents_agree_with_the_verdict(case, data):
    _, old, new, _, effect = case
    _agrees(old, new, effect, data)  # narrowing: old documents the new version rejects
    _agrees(new, old, flip(effect), data)  # widening: new documents the old version rejects


# --- generated pairs: a small schema language, so that independent draws often relate ----------------------
LEAVES = st.sampled_from([
    {}, {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": ["string", "null"]},
    {"type": "string", "maxLength": 3}, {"type": "string", "minLength": 1}, {"type": "string", "pattern": "^a"},
    {"type": "integer", "minimum": 0}, {"type": "integer", "maximum": 5}, {"enum": ["a", "b"]}, {"enum": ["a"]},
    {"const": 1}, {"type": "boolean"}, {"not": {"type": "null"}}, {"type": "array", "items": {"type": "integer"}},
    {"type": "array", "maxItems": 2}, False,
])


@st.composite
def schemas(draw, depth: int = 2):
    if depth == 0 or draw(st.booleans()):
        return draw(LEAVES)
    shape = draw(st.sampled_from(["object", "anyOf", "oneOf", "allOf"]))
    if shape != "object":
        return {shape: draw(st.lists(schemas(depth - 1), min_size=1, max_size=3))}
    props = draw(st.dictionaries(st.sampled_from("abc"), schemas(depth - 1), max_size=3))
    out = {"type": "object", "properties": props}
    required = draw(st.lists(st.sampled_from(sorted(props) or ["a"]), unique=True, max_size=2))
    if required:
        out["required"] = required
    extra = draw(st.sampled_from([None, False, {"type": "string"}]))
    if extra is not None:
        out["additionalProperties"] = extra
    return out


@st.composite
def evolutions(draw):
    """An old schema and a new one that is usually a small edit of it."""
    old = draw(schemas())
    if draw(st.booleans()):
        return old, draw(schemas())
    new = draw(schemas(1)) if not isinstance(old, dict) or "properties" not in old else dict(
        old, properties={**old["properties"], draw(st.sampled_from("abcd")): draw(schemas(1))})
    if isinstance(new, dict) and draw(st.booleans()):
        new = dict(new, required=sorted(set(new.get("required", [])) | {"a"}))
    return old, new


@settings(max_examples=40 * SCALE, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(pair=evolutions(), data=st.data())
def test_generated_evolutions_agree_with_the_verdict(pair, data):
    old, new = pair
    _, effect = verdict(old, new)
    assert verdict(new, old)[1] == flip(effect)
    _agrees(old, new, effect, data)
    _agrees(new, old, flip(effect), data)
