"""The loader never raises on workspace content: every bad input is a Problem with path and line."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import workbench.loader
import workbench.loader.decisions
from workbench.cli import status_data
from workbench.loader import LoadCache, load_workspace
from workbench.loader.jsonfile import pointer_line
from workbench.loader.yamlfile import MAX_NODES

GOOD = "ssot/schemas/good.schema.json"
GOOD_SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}}


def load_with(make_ws, files: dict) -> workbench.model.Workspace:
    """Load a workspace holding one good schema next to `files`; the good one must always survive."""
    ws = load_workspace(make_ws({GOOD: GOOD_SCHEMA, **files}))
    assert ws.schema(GOOD) is not None, ws.problems
    assert ws.schema(GOOD).body == GOOD_SCHEMA
    return ws


def problems_at(ws, path: str) -> list:
    found = [p for p in ws.problems if p.path == path]
    assert found, f"no problem recorded for {path}: {ws.problems}"
    return found


def nested_object(depth: int) -> dict:
    """A JSON object whose containers nest exactly `depth` levels (the root counts as 1)."""
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


# --- the shipped workspace ------------------------------------------------------------------


def test_shipped_workspace_loads_without_problems(repo_root):
    ws = load_workspace(repo_root)
    assert ws.problems == (), "\n".join(f"{p.path}:{p.line} {p.message}" for p in ws.problems)
    assert ws.contract_schemas and ws.examples and ws.families
    assert ws.decisions.present


# --- JSON -----------------------------------------------------------------------------------


def test_malformed_json_has_message_and_line(make_ws):
    rel = "ssot/schemas/bad.schema.json"
    ws = load_with(make_ws, {rel: '{\n  "type": "object"\n  "title": "x"\n}\n'})
    [p] = problems_at(ws, rel)
    assert p.message.startswith("malformed JSON") and "delimiter" in p.message
    assert p.line == 3
    assert ws.schema(rel) is None


def test_not_utf8_reports_line_of_bad_byte(make_ws):
    rel = "ssot/schemas/latin1.schema.json"
    ws = load_with(make_ws, {rel: b'{\n  "type": "object",\n  "title": "caf\xe9"\n}\n'})
    [p] = problems_at(ws, rel)
    assert "not UTF-8" in p.message and "0xe9" in p.message
    assert p.line == 3


def test_schema_must_be_an_object(make_ws):
    rel = "ssot/schemas/list.schema.json"
    ws = load_with(make_ws, {rel: "[1, 2]\n"})
    [p] = problems_at(ws, rel)
    assert "must be a JSON object" in p.message and "list" in p.message


def test_recursion_breaking_nesting_is_a_problem(make_ws):
    rel = "ssot/schemas/deep.schema.json"
    deep = "[" * 100_000 + "]" * 100_000
    ws = load_with(make_ws, {rel: deep, "ssot/schemas/deep_obj.schema.json": '{"a": ' + deep + "}"})
    for path in (rel, "ssot/schemas/deep_obj.schema.json"):
        [p] = problems_at(ws, path)
        assert "nesting deeper than 64" in p.message


def test_nesting_limit_is_exact(make_ws):
    ws = load_with(make_ws, {
        "ssot/schemas/at_limit.schema.json": nested_object(64),
        "ssot/schemas/over_limit.schema.json": nested_object(65),
    })
    assert ws.schema("ssot/schemas/at_limit.schema.json") is not None
    assert not [p for p in ws.problems if p.path == "ssot/schemas/at_limit.schema.json"]
    [p] = problems_at(ws, "ssot/schemas/over_limit.schema.json")
    assert "nesting deeper than 64" in p.message


def test_nesting_limit_comes_from_workspace_yaml(make_ws):
    ws = load_with(make_ws, {
        "decisions/workspace.yaml": "version: 1\nthresholds:\n  max_nesting: 3\n",
        "ssot/schemas/three.schema.json": nested_object(3),
        "ssot/schemas/four.schema.json": nested_object(4),
    })
    assert ws.config.thresholds.max_nesting == 3
    assert ws.schema("ssot/schemas/three.schema.json") is not None
    [p] = problems_at(ws, "ssot/schemas/four.schema.json")
    assert "nesting deeper than 3" in p.message


@pytest.mark.parametrize("literal, message", [
    ("NaN", "NaN is not JSON"),
    ("-Infinity", "-Infinity is not JSON"),
    ("1" * 5000, "Exceeds the limit"),  # Python refuses to convert it: must not raise
])
def test_non_standard_json_literals(make_ws, literal, message):
    rel = "ssot/schemas/odd.schema.json"
    ws = load_with(make_ws, {rel: '{\n  "title": "NaN",\n  "default": ' + literal + "\n}\n"})
    [p] = problems_at(ws, rel)
    assert p.message.startswith("malformed JSON") and message in p.message
    assert p.line == 3


def test_globs_outside_the_root_are_reported_not_followed(make_ws):
    ws = load_with(make_ws, {"decisions/workspace.yaml": (
        'schemas:\n  globs: ["/etc/*.json", "../*.schema.json", "ssot/schemas/*.schema.json"]\n'
        'examples:\n  patterns: ["/tmp/{name}.json", "ssot/examples/{name}.json"]\n'
    )})
    assert [s.path for s in ws.schemas] == [GOOD]
    assert sorted(p.message for p in ws.problems) == [
        f"pattern {p!r} leaves the workspace root: ignored" for p in ("../*.schema.json", "/etc/*.json", "/tmp/*.json")
    ]
    assert {p.path for p in ws.problems} == {"decisions/workspace.yaml"}


def test_duplicate_json_keys_report_line_of_duplicate(make_ws):
    rel = "ssot/schemas/dup.schema.json"
    text = ('{\n  "type": "object",\n  "properties": {\n    "a": {},\n    "b": {},\n'
            '    "a": {"type": "string"}\n  }\n}\n')
    dup_root = '{\n  "type": "object",\n  "type": "string"\n}\n'
    ws = load_with(make_ws, {rel: text, "ssot/schemas/dup_root.schema.json": dup_root})
    [p] = problems_at(ws, rel)
    assert "duplicate key" in p.message and "properties" in p.message and "'a'" in p.message
    assert p.line == 6
    [q] = problems_at(ws, "ssot/schemas/dup_root.schema.json")
    assert "(root)" in q.message and q.line == 3
    assert ws.schema(rel) is None


def test_duplicate_key_before_a_bad_string_is_still_a_problem(make_ws):
    rel = "ssot/schemas/dup.schema.json"
    ws = load_with(make_ws, {rel: b'{\n  "a": {"k": 1, "k": 2},\n  "b\x01": 1\n}\n'})
    [p] = problems_at(ws, rel)
    assert "duplicate key a: 'k'" in p.message and p.line == 2


def test_bad_example_is_a_problem_and_the_schema_still_loads(make_ws):
    ws = load_with(make_ws, {"ssot/examples/good.json": '{"a": "x",}\n'})
    [p] = problems_at(ws, "ssot/examples/good.json")
    assert p.message.startswith("malformed JSON") and p.line == 1
    assert ws.examples_of(GOOD) == ()


# --- YAML -----------------------------------------------------------------------------------


def test_duplicate_yaml_keys(make_ws):
    rel = "decisions/families/good.yaml"
    ws = load_with(make_ws, {rel: "family: good\ntitle: A\ntitle: B\n"})
    [p] = problems_at(ws, rel)
    assert "duplicate key" in p.message and "title" in p.message
    assert p.line == 3
    assert ws.family("good") is None


def test_malformed_yaml_has_line(make_ws):
    rel = "decisions/families/good.yaml"
    ws = load_with(make_ws, {rel: "family: good\nschemas: [ssot/schemas/good.schema.json\nowner: team\n"})
    [p] = problems_at(ws, rel)
    assert p.message.startswith("malformed YAML")
    assert p.line == 3


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system [\"touch {marker}\"]",
    "!!python/name:os.system",
    "!include other.yaml",
])
def test_yaml_tags_are_rejected_and_never_executed(make_ws, tmp_path, tag):
    marker = tmp_path / "PWNED"
    rel = "decisions/families/good.yaml"
    ws = load_with(make_ws, {rel: "family: good\ntitle: " + tag.format(marker=marker) + "\n"})
    [p] = problems_at(ws, rel)
    assert "unsupported YAML tag" in p.message and p.line == 2
    assert not marker.exists()
    assert ws.family("good") is None


def test_billion_laughs_is_bounded(make_ws):
    rel = "decisions/families/good.yaml"
    lines = ["family: good", 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")  # 9**9 leaves in all
    started = time.monotonic()
    ws = load_with(make_ws, {rel: "\n".join(lines) + "\n"})
    assert time.monotonic() - started < 10
    [p] = problems_at(ws, rel)
    assert f"more than {MAX_NODES} nodes" in p.message


def test_deep_yaml_flow_nesting_is_bounded(make_ws):
    rel = "decisions/families/good.yaml"
    started = time.monotonic()
    ws = load_with(make_ws, {rel: "family: good\nx: " + "[" * 100_000 + "]" * 100_000 + "\n"})
    assert time.monotonic() - started < 5
    [p] = problems_at(ws, rel)
    assert "nesting" in p.message and p.line == 2


def test_yaml_non_string_key_reports_its_line(make_ws):
    rel = "decisions/families/good.yaml"
    ws = load_with(make_ws, {rel: "family: good\n1: one\n"})
    [p] = problems_at(ws, rel)
    assert "not a string" in p.message and p.line == 2


# --- decisions/ -----------------------------------------------------------------------------


def test_missing_decisions_folder_loads_everything_undecided(make_ws):
    ws = load_with(make_ws, {"ssot/schemas/other.schema.json": {"type": "string"}})
    assert not ws.decisions.present and ws.families == ()
    assert len(ws.contract_schemas) == 2
    assert all(ws.family_of(s.path) is None for s in ws.contract_schemas)
    assert status_data(ws)["intent_classes"]["undecided"]["schemas"] == 2
    assert len(ws.problems) == 1
    [p] = ws.problems
    assert p.kind == "info" and p.path == "decisions" and "workbench init" in p.message


def test_decision_naming_a_missing_schema(make_ws):
    rel = "decisions/families/good.yaml"
    text = "family: good\nschemas:\n  - ssot/schemas/good.schema.json\n  - ssot/schemas/gone.schema.json\n"
    ws = load_with(make_ws, {rel: text})
    [p] = problems_at(ws, rel)
    assert "ssot/schemas/gone.schema.json" in p.message and "does not exist" in p.message
    assert p.line == 4 and p.field == "schemas"
    assert ws.family_of(GOOD).id == "good"


def test_decisions_file_failing_its_schema_names_file_line_field(make_ws):
    rel = "decisions/families/good.yaml"
    text = "family: good\nowner: platform\ndecision: maybe\nschemas: [ssot/schemas/good.schema.json]\n"
    ws = load_with(make_ws, {rel: text})
    [p] = problems_at(ws, rel)
    assert p.field == "decision" and p.line == 3 and "maybe" in p.message
    fam = ws.family("good")  # only the bad field is dropped
    assert fam is not None and fam.decision is None and fam.owner == "platform"
    assert fam.schemas == (GOOD,)


def test_family_id_must_match_file_name(make_ws):
    rel = "decisions/families/good.yaml"
    ws = load_with(make_ws, {rel: "# a comment\nfamily: other\n"})
    [p] = problems_at(ws, rel)
    assert "'other'" in p.message and "'good'" in p.message
    assert p.field == "family" and p.line == 2


def test_a_record_is_built_from_its_declared_keys_and_defaults():
    """`record` reads each field from its YAML key; an absent one keeps the declared default (or its `or`)."""
    from workbench import model as m
    from workbench.loader.decisions import record

    assert record(m.Gate, {"id": "g", "enforced_by": ["G001", None]}, 7) == m.Gate("g", "g", ("G001",), line=7)
    assert record(m.Gate, {"id": "g", "title": "T", "blocking": False}).title == "T"
    assert record(m.ServiceItem, {"item": "submit"}).match == ("submit",)
    fam = record(m.Family, {"family": "f", "owner": "o", "compatibility": {"mode": "full"}}, path="p")
    assert (fam.id, fam.title, fam.path, fam.owner) == ("f", "f", "p", "o")
    assert (fam.compatibility, fam.additive) == ("full", None)
    policy = record(m.InvocationPolicy, {"scan": ["a"], "forbidden": {"calls": ["x.y"]}})
    assert (policy.scan, policy.forbidden_imports, policy.forbidden_calls) == (("a",), (), ("x.y",))


# --- lines for pointers ---------------------------------------------------------------------


def test_pointer_line():
    text = json.dumps({
        "type": "object",
        "properties": {"empty": {}, "list": {"type": "array", "items": [{}, {"a/b": {"c~d": 1}}]}},
    }, indent=2)
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if fragment in line)

    assert pointer_line(text, "") == 1
    assert pointer_line(text, "/type") == line_of('"type": "object"')
    assert pointer_line(text, "/properties/list") == line_of('"list"')
    assert pointer_line(text, "#/properties/list/items/1/a~1b/c~0d") == line_of('"c~d"')
    assert pointer_line(text, ("properties", "list", "items", 1)) == line_of('"a/b"') - 1
    # a pointer that does not exist lands on its nearest existing ancestor
    assert pointer_line(text, "/properties/list/nope") == line_of('"list"')


# --- the cache ------------------------------------------------------------------------------


def test_load_cache_reparses_only_changed_files(make_ws, monkeypatch):
    root = make_ws({
        GOOD: GOOD_SCHEMA,
        "ssot/schemas/other.schema.json": {"type": "string"},
        "ssot/schemas/latin1.schema.json": b'{"title": "caf\xe9"}',
        "decisions/families/good.yaml": "family: good\nschemas: [ssot/schemas/good.schema.json]\n",
    })
    json_calls: list[str] = []
    yaml_calls: list[str] = []
    real_json, real_yaml = workbench.loader.parse_json, workbench.loader.decisions.parse_yaml
    monkeypatch.setattr(workbench.loader, "parse_json", lambda rel, *a: json_calls.append(rel) or real_json(rel, *a))
    monkeypatch.setattr(workbench.loader.decisions, "parse_yaml",
                        lambda rel, *a: yaml_calls.append(rel) or real_yaml(rel, *a))

    cache = LoadCache()
    first = load_workspace(root, cache)
    assert sorted(json_calls) == sorted([GOOD, "ssot/schemas/latin1.schema.json", "ssot/schemas/other.schema.json"])
    assert yaml_calls == ["decisions/families/good.yaml"]

    json_calls.clear(), yaml_calls.clear()
    other = root / "ssot/schemas/other.schema.json"
    other.write_text('{"type": "integer"}\n')
    os.utime(other, ns=(other.stat().st_atime_ns, other.stat().st_mtime_ns + 5_000_000_000))
    second = load_workspace(root, cache)
    assert json_calls == ["ssot/schemas/other.schema.json"]  # the undecodable file is cached too
    assert yaml_calls == []
    assert second.schema(GOOD).body is first.schema(GOOD).body
    assert second.schema("ssot/schemas/other.schema.json").body == {"type": "integer"}
    assert second.problems == first.problems


def test_load_cache_forgets_deleted_files(make_ws):
    root = make_ws({GOOD: GOOD_SCHEMA, "ssot/schemas/other.schema.json": {"type": "string"}})
    cache = LoadCache()
    load_workspace(root, cache)
    (root / "ssot/schemas/other.schema.json").unlink()
    ws = load_workspace(root, cache)
    assert [s.path for s in ws.schemas] == [GOOD]
    assert set(cache.json) == {GOOD}


def test_missing_root_is_a_problem_not_an_exception(tmp_path: Path):
    ws = load_workspace(tmp_path / "nope")
    assert ws.schemas == () and len(ws.problems) == 1 and "not a directory" in ws.problems[0].message
