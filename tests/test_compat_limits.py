"""The compatibility classifier on hostile schemas (issue 25): a repository's pattern never runs on a backtracking
engine, a cut-off (depth, size, work) ends as "comparison undecided", never as "no change", and canonical forms
are digests of their children's digests, so a `$defs` DAG costs its size, not its number of paths."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest
from compat_cases import INT, NUM, S, obj, ref_chain
from helpers_structural import make_ws
from helpers_ws import family, hits, run, schema

from workbench.analysis import compat
from workbench.analysis.compat import combine, compare_schemas
from workbench.analysis.patterns import pattern_relation

HANG = "(.*)" * 12 + "Q"  # catastrophic on a backtracking engine against a long name without a Q


@pytest.fixture
def no_backtracking(monkeypatch):
    """Python's `re` records the patterns it is asked to match instead of running them (parsing a pattern,
    `re._parser`, is not matching); the test checks that none of the repository's patterns is among them."""
    seen: list[object] = []

    def record(pattern, *args, **kwargs):
        seen.append(getattr(pattern, "pattern", pattern))
        return None
    for name in ("compile", "search", "match", "fullmatch", "findall", "finditer", "sub", "split"):
        monkeypatch.setattr(re, name, record)
    yield seen
    monkeypatch.undo()


def test_a_repository_pattern_never_runs_on_python_re(no_backtracking):
    long_name = "a" * 40
    old = obj({long_name: S, "b": S}, closed=True)
    new = obj({"b": S}, closed=True, patternProperties={HANG: S})
    removed, added = compare_schemas(old, new)
    assert (removed.kind, removed.pointer, removed.effect) == ("property removed", f"/properties/{long_name}",
                                                               "narrowed")
    assert (added.kind, added.effect) == ("patternProperties entry added", "widened")
    added = compare_schemas(obj(closed=True, patternProperties={HANG: S}),
                            obj({long_name: INT}, closed=True, patternProperties={HANG: S}))
    assert [(c.kind, c.effect) for c in added] == [("optional property added", "widened")]
    assert HANG not in no_backtracking


@pytest.mark.parametrize("pattern", ["(?=a)a", "(a)\\1", "a\\Z"])
def test_a_pattern_re2_refuses_is_undetermined(no_backtracking, pattern):
    old = obj({"ab": S}, closed=True, patternProperties={pattern: NUM})
    new = obj(closed=True, patternProperties={pattern: NUM})
    (c,) = compare_schemas(old, new)
    assert (c.kind, c.effect) == ("property removed", "both")
    assert "undetermined" in c.why and pattern in c.why
    assert pattern_relation(pattern, pattern + "b") is None  # a pattern change with it: undetermined too
    assert pattern not in no_backtracking


def test_a_pattern_re2_accepts_still_decides(no_backtracking):
    old = obj({"x_a": S}, closed=True, patternProperties={"^x_": S})
    assert compare_schemas(old, obj(closed=True, patternProperties={"^x_": S})) == []
    assert "^x_" not in no_backtracking


def nested(levels: int, leaf: dict) -> dict:
    node = leaf
    for _ in range(levels):
        node = {"type": "object", "properties": {"p": node}}
    return node


def test_a_type_change_13_levels_deep_is_reported():
    (c,) = compare_schemas(nested(13, S), nested(13, INT))
    assert (c.kind, c.pointer, c.effect) == ("type changed", "/properties/p" * 13 + "/type", "both")


def test_a_type_change_13_levels_deep_fails_the_check(tmp_path):
    fam = family("res", ["res"], decision="extend")
    make_ws(tmp_path / "old", {"res": schema({"top": nested(13, S)})}, [fam])
    make_ws(tmp_path / "new", {"res": schema({"top": nested(13, INT)})}, [fam])
    (f,) = hits(run(tmp_path / "new", "compatibility", against=tmp_path / "old"))
    assert (f.data["change"], f.severity) == ("type changed", "error")


def chain(levels: int, leaf: dict) -> dict:
    """`levels` definitions, each an object whose property refers to the next: deep without deep JSON."""
    defs = {f"d{i}": {"type": "object", "properties": {"p": {"$ref": f"#/$defs/d{i + 1}"}}} for i in range(levels)}
    return {"$ref": "#/$defs/d0", "$defs": defs | {f"d{levels}": leaf}}


def test_beyond_the_depth_limit_a_change_is_undecided_never_equal():
    (c,) = compare_schemas(nested(60, S), nested(60, INT))
    assert (c.kind, c.effect) == ("comparison undecided", "both")
    assert "levels" in c.why
    assert compare_schemas(nested(60, S), nested(60, S)) == []  # the same schema on both sides is still no change


def test_a_change_at_the_end_of_a_long_definition_chain_is_reported_at_its_definition():
    (c,) = compare_schemas(chain(80, S), chain(80, INT))
    assert (c.kind, c.pointer) == ("type changed", "/$defs/d80/type")
    assert c.uses == (("schema.json", "/$defs/d79/properties/p"),)


def test_a_ref_chain_longer_than_followed_is_undecided():
    (c,) = compare_schemas(ref_chain(40, S), ref_chain(40, INT))
    assert (c.kind, c.effect) == ("comparison undecided", "both") and "$ref" in c.why


DAG = textwrap.dedent("""
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB: the nested-text forms needed 2.5 GB+
    from workbench.analysis.compat import compare_schemas

    def dag(leaf):
        defs = {f"d{i}": {"type": "object", "properties": {k: {"$ref": f"#/$defs/d{i + 1}"} for k in "abc"}}
                for i in range(14)}
        return {"$ref": "#/$defs/d0", "$defs": defs | {"d14": leaf}}

    changes = compare_schemas(dag({"type": "string"}), dag({"type": "integer"}))
    print(json.dumps([(c.kind, c.pointer, sorted(p for _, p in c.uses)) for c in changes]))
""")


def test_a_defs_dag_is_compared_in_bounded_memory():
    """14 levels of definitions, each referring 3 times to the next (3^14 paths, 1.9 kB of JSON)."""
    done = subprocess.run([sys.executable, "-c", DAG], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    ((kind, pointer, uses),) = json.loads(done.stdout)
    assert (kind, pointer) == ("type changed", "/$defs/d14/type")  # once, at the definition
    assert uses == [f"/$defs/d13/properties/{k}" for k in "abc"]  # where it is used


def test_the_witness_search_never_runs_python_re(tmp_path, request):
    """A pattern jsonschema-rs refuses would send validation to python jsonschema, which runs `re`: no witness
    search on such a schema (the verdict says none was found)."""
    from workbench.loader import load_workspace
    from workbench.rules.compatibility import judge

    fam = family("res", ["res"], decision="extend")
    code = {"type": "string", "pattern": "^(a+)+\\Z"}
    make_ws(tmp_path / "old", {"res": schema({"code": code})}, [fam])
    make_ws(tmp_path / "new", {"res": schema({"code": code | {"maxLength": 3}})}, [fam])
    for side in ("old", "new"):
        (tmp_path / side / "ssot/examples").mkdir()
        (tmp_path / side / "ssot/examples/res.json").write_text(json.dumps({"code": "a" * 40 + "!"}))
    old, new = load_workspace(tmp_path / "old"), load_workspace(tmp_path / "new")
    seen = request.getfixturevalue("no_backtracking")
    (v,) = judge(new, old)
    assert code["pattern"] not in seen
    assert (v.change.kind, v.witnesses) == ("length tightened", ())
    assert v.describe().endswith("no narrowing witness found")


def test_a_fold_beyond_the_cover_budget_keeps_its_verdict_never_no_change(monkeypatch):
    """`covered` compares at most COVER_PAIRS branch pairs in full; past that a removed branch stays a narrowing."""
    old, new = {"anyOf": [{"type": "null"}, {"type": "string", "enum": [""]}]}, {"type": ["string", "null"]}
    assert combine(c.effect for c in compare_schemas(old, new)) == "widened"
    monkeypatch.setattr(compat, "COVER_PAIRS", 0)
    assert combine(c.effect for c in compare_schemas(old, new)) == "both"
