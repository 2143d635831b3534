"""The change classifier against schema-evolution cases with known verdicts, in both directions, and generated
pairs cross-checked by the witness search (tests/witness.py; the table's own cases: test_compat_witness.py)."""

from __future__ import annotations

import os

import pytest
from compat_cases import CASES, E, S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException
from witness import disagreement, search, strategy

from workbench.analysis.compat import KINDS, combine, compare_schemas, flip

IDS = [c[0] for c in CASES]
# bounded for CI (deterministic: derandomize); raise COMPAT_EXAMPLES locally for a deeper search
SCALE = int(os.environ.get("COMPAT_EXAMPLES", "1"))


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


def _drawn(schema, data) -> list:
    built = strategy(schema)
    if built is None:
        return []
    try:
        return [data.draw(built) for _ in range(2)]
    except (HypothesisException, AttributeError, RecursionError):  # a strategy failing while drawing
        return []


GENERATED_FLOOR = 30  # of the 40 generated pairs: those where the witness search explored a document either accepts


def test_generated_evolutions_agree_with_the_verdict():
    """Witnesses (tests/witness.py) for generated pairs, seeded with documents drawn from both versions;
    counts the pairs it really checked, so a search that explores nothing cannot pass."""
    checked: list[bool] = []

    @settings(max_examples=40 * SCALE, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(pair=evolutions(), data=st.data())
    def agree(pair, data):
        old, new = pair
        _, effect = verdict(old, new)
        assert verdict(new, old)[1] == flip(effect)
        found = search(old, new, seeds=_drawn(old, data) + _drawn(new, data), max_candidates=300)
        assert disagreement(effect, found) is None
        checked.append(found.checked)

    agree()
    assert sum(checked) >= GENERATED_FLOOR * SCALE, f"only {sum(checked)} of {len(checked)} generated pairs checked"


@pytest.mark.parametrize(("old", "new", "additive"), [
    ({"properties": {"a": S}}, {"type": "object", "properties": {"a": S}}, "none"),
    ({"maxLength": 3}, {"type": ["string", "object"], "maxLength": 3}, "none"),
    ({"maxLength": 3, "properties": {"a": S}}, {"type": "string", "maxLength": 3, "properties": {"a": S}}, "narrowed"),
    ({"description": "no keyword says a type"}, {"type": "object"}, "narrowed"),
])
def test_a_type_made_explicit_is_no_change_under_the_additive_reading_only(old, new, additive):
    [change] = compare_schemas(old, new)
    assert (change.kind, change.effect, change.effect_under(True)) == ("type narrowed", "narrowed", additive)
