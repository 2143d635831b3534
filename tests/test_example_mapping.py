"""Examples not named after their schema (`examples.map`), YAML and TOML examples, and a workspace.yaml
whose bad entries are reported one by one while the valid ones still apply (issue 14, items 5b and 6)."""

from __future__ import annotations

import pytest

from workbench.loader import load_workspace, watched_paths
from workbench.pipeline import check

TOOL = "schemas/tool.manifest.schema.json"
TOOL_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "version"],
    "properties": {
        "name": {"type": "string"},
        "version": {"type": "string"},
        "released": {"type": "string", "format": "date"},
        "built": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "deps": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}},
        "meta": {"type": "object", "properties": {"size": {"type": "integer"}}},
    },
}
OTHER = "schemas/other.schema.json"
CONFIG = "decisions/workspace.yaml"
# the schemas, the content folders (tools/ holds examples) and the start of an `examples.map` entry for TOOL
# (its first example glob); configs add to it
MAP_HEAD = (
    "limits:\n"
    "  content_folders: [tools]\n"
    "schemas:\n"
    '  globs: ["schemas/**/*.schema.json"]\n'
    "  shared_globs: []\n"
    "examples:\n"
    "  map:\n"
    f"    {TOOL}:\n"
    '      - "tools/*/manifest.yaml"\n'
)
MAPPED = "version: 1\n" + MAP_HEAD + '      - "tools/*/manifest.toml"\n'

GOOD_YAML = "# tool a\nname: a\nversion: \"1.0\"\nreleased: 2024-01-01\ntags: [x, y]\n"
BAD_YAML = "name: b\nversion: \"2\"\ntags:\n  - x\n  - 5\nmeta:\n  size: big\n"


def repo(make_ws, files: dict, config: str = MAPPED):
    """A repository laid out like a real one: schemas under schemas/, instances under tools/."""
    return make_ws({TOOL: TOOL_SCHEMA, OTHER: {"type": "object"}, CONFIG: config,
                    "decisions/families/tool.yaml": f"family: tool\nschemas: [{TOOL}]\n", **files})


def findings(root, *rules: str) -> list:
    return [f for f in check(load_workspace(root), select=list(rules)).findings if f.rule in rules]


def at(items, path: str) -> list:
    return [(f.line, f.message) for f in items if f.path == path]


def line_of(root, rel: str, fragment: str) -> int:
    return next(i for i, line in enumerate((root / rel).read_text().splitlines(), 1) if fragment in line)


def config_problems(ws) -> list[tuple[int | None, str]]:
    return sorted((p.line or 0, p.message) for p in ws.problems if p.path == CONFIG)


# --- examples.map with YAML examples ----------------------------------------------------------


def test_mapped_yaml_examples_are_validated_with_file_and_line(make_ws):
    root = repo(make_ws, {"tools/a/manifest.yaml": GOOD_YAML, "tools/b/manifest.yaml": BAD_YAML})
    ws = load_workspace(root)
    assert ws.problems == ()
    assert [e.path for e in ws.examples_of(TOOL)] == ["tools/a/manifest.yaml", "tools/b/manifest.yaml"]
    assert ws.examples_of(OTHER) == ()

    v002 = findings(root, "V002")
    assert at(v002, "tools/a/manifest.yaml") == []
    bad = at(v002, "tools/b/manifest.yaml")
    assert [line for line, _ in bad] == [line_of(root, "tools/b/manifest.yaml", "- 5"),
                                         line_of(root, "tools/b/manifest.yaml", "size: big")]
    assert "/tags/1" in bad[0][1] and "/meta/size" in bad[1][1]
    assert all(f.schema == TOOL for f in v002)


def test_v006_stays_quiet_for_the_mapped_schema(make_ws):
    root = repo(make_ws, {"tools/a/manifest.yaml": GOOD_YAML})
    assert [f.path for f in findings(root, "V006")] == [OTHER]


def test_schema_glob_key_maps_every_matching_schema(make_ws):
    config = ("limits:\n  content_folders: [tools]\n"
              "schemas:\n  globs: [\"schemas/**/*.schema.json\"]\n  shared_globs: []\n"
              "examples:\n  map:\n    \"schemas/**/manifest.schema.json\": [\"tools/*/manifest.yaml\"]\n")
    root = make_ws({"schemas/x/manifest.schema.json": {"type": "object"},
                    "schemas/y/manifest.schema.json": {"type": "object", "required": ["id"]},
                    "tools/a/manifest.yaml": "name: a\n", CONFIG: config})
    ws = load_workspace(root)
    assert [e.path for e in ws.examples_of("schemas/x/manifest.schema.json")] == ["tools/a/manifest.yaml"]
    assert [e.path for e in ws.examples_of("schemas/y/manifest.schema.json")] == ["tools/a/manifest.yaml"]
    [f] = findings(root, "V002")
    assert f.path == "tools/a/manifest.yaml" and f.line == 1 and "schemas/y/manifest.schema.json" in f.message


def test_map_applies_alongside_the_name_patterns(make_ws):
    config = MAPPED.replace("  map:\n", '  patterns: ["examples/{name}.json"]\n  map:\n')
    root = repo(make_ws, {"tools/a/manifest.yaml": GOOD_YAML, "examples/other.json": {"k": 1}}, config)
    ws = load_workspace(root)
    assert [e.path for e in ws.examples_of(TOOL)] == ["tools/a/manifest.yaml"]
    assert [e.path for e in ws.examples_of(OTHER)] == ["examples/other.json"]
    assert findings(root, "V006") == []


def test_map_alone_keeps_the_default_name_patterns(make_ws):
    config = ("limits: {content_folders: [tools]}\n"
              "examples:\n  map:\n    ssot/schemas/tool.schema.json: [\"tools/*.yaml\"]\n")
    root = make_ws({"ssot/schemas/tool.schema.json": {"type": "object"}, "ssot/schemas/x.schema.json": {},
                    "ssot/examples/x.json": {}, "tools/t.yaml": "a: 1\n", CONFIG: config})
    ws = load_workspace(root)
    assert ws.problems == ()
    assert [e.path for e in ws.examples_of("ssot/schemas/tool.schema.json")] == ["tools/t.yaml"]
    assert [e.path for e in ws.examples_of("ssot/schemas/x.schema.json")] == ["ssot/examples/x.json"]


def test_yaml_pointer_lines_come_from_the_yaml_document(make_ws):
    root = repo(make_ws, {"tools/b/manifest.yaml": BAD_YAML})
    [ex] = load_workspace(root).examples_of(TOOL)
    assert ex.body == {"name": "b", "version": "2", "tags": ["x", 5], "meta": {"size": "big"}}
    assert ex.source.line_of("/tags/1") == 5
    assert ex.source.line_of(("tags", 1)) == 5
    assert ex.source.line_of("/meta/size") == 7
    assert ex.source.line_of("/meta/missing/deeper") == 6  # nearest existing ancestor
    assert ex.source.line_of("") == 1


def test_map_globs_are_watched(make_ws):
    root = repo(make_ws, {"tools/a/manifest.yaml": GOOD_YAML})
    assert "tools" in watched_paths(load_workspace(root))


# --- TOML examples --------------------------------------------------------------------------


TOML_BAD = (
    'name = "c"\n'
    'version = "1"\n'
    "released = 2024-02-28\n"
    "\n"
    "[meta]\n"
    'size = "big"\n'
    "\n"
    "[[deps]]\n"
    'id = "x"\n'
    "\n"
    "[[deps]]\n"
    "id = 7\n"
)


def test_toml_example_is_validated_with_the_line_of_its_key(make_ws):
    root = repo(make_ws, {"tools/c/manifest.toml": TOML_BAD})
    ws = load_workspace(root)
    assert ws.problems == ()
    [ex] = ws.examples_of(TOOL)
    assert ex.body["released"] == "2024-02-28"  # a TOML date is the string JSON would carry
    bad = sorted(at(findings(root, "V002"), "tools/c/manifest.toml"), reverse=True)
    assert bad == [
        (12, '/deps/1/id: 7 is not of type "string" (schema schemas/tool.manifest.schema.json)'),
        (6, '/meta/size: "big" is not of type "integer" (schema schemas/tool.manifest.schema.json)'),
    ]


def test_toml_value_inside_an_inline_array_gets_its_key_line(make_ws):
    text = 'name = "c"\nversion = "1"\ntags = [\n  "x",\n  3,\n]\nnote = """\nid = 1\n[deps]\n"""\n'
    root = repo(make_ws, {"tools/c/manifest.toml": text})
    [(line, message)] = at(findings(root, "V002"), "tools/c/manifest.toml")
    assert line == 3 and message.startswith("/tags/1:")


def test_valid_toml_example_passes(make_ws):
    root = repo(make_ws, {"tools/c/manifest.toml": 'name = "c"\nversion = "1"\n[meta]\nsize = 3\n'})
    assert [(f.rule, f.path) for f in findings(root, "V002", "V006", "L001")] == [("V006", OTHER)]


# --- dates --------------------------------------------------------------------------------


def test_yaml_dates_and_times_stay_strings_as_written(make_ws):
    text = "name: a\nversion: '1'\nreleased: 2024-01-01\nbuilt: 2024-01-01 10:00:00.5Z\n"
    root = repo(make_ws, {"tools/a/manifest.yaml": text})
    [ex] = load_workspace(root).examples_of(TOOL)
    assert ex.body["released"] == "2024-01-01"
    assert ex.body["built"] == "2024-01-01 10:00:00.5Z"
    assert at(findings(root, "V002"), "tools/a/manifest.yaml") == []


def test_yaml_date_validates_against_format_date_like_json(make_ws):
    schema = {"type": "object", "properties": {"d": {"type": "string", "format": "date"}}}
    root = make_ws({"ssot/schemas/when.schema.json": schema, "ssot/examples/when/a.yaml": "d: 2024-01-01\n",
                    "ssot/examples/when/b.json": {"d": "2024-01-01"},
                    CONFIG: 'examples:\n  patterns: ["ssot/examples/{name}/*.json", "ssot/examples/{name}/*.yaml"]\n'})
    ws = load_workspace(root)
    assert [e.body for e in ws.examples_of("ssot/schemas/when.schema.json")] == [{"d": "2024-01-01"}] * 2
    assert findings(root, "V002") == []


# --- malformed YAML/TOML examples -------------------------------------------------------------


@pytest.mark.parametrize("rel, content, line, fragment", [
    ("tools/x/manifest.yaml", "name: x\nversion: [1,\n", 3, "malformed YAML"),
    ("tools/x/manifest.yaml", "name: x\nversion: '1'\nname: y\n", 3, "duplicate key 'name'"),
    ("tools/x/manifest.yaml", b"name: x\nversion: caf\xe9\n", 2, "not UTF-8"),
    ("tools/x/manifest.yaml", "name: !!python/object:os.system x\n", 1, "unsupported YAML tag"),
    ("tools/x/manifest.yaml", "name: x\nversion: .nan\n", 2, "NaN and infinite numbers are not JSON"),
    ("tools/x/manifest.yaml", "a:\n" + "".join("  " * i + "  b:\n" for i in range(70)) + "  " * 70 + "  c: 1\n",
     64, "nesting deeper than 64 levels"),  # the key holding the 65th container
    ("tools/x/manifest.yaml", "a: " + "[" * 300 + "]" * 300 + "\n", 1, "nesting deeper than"),
    ("tools/x/manifest.toml", 'name = "x"\nversion = "1"\nname = "y"\n', 3, "malformed TOML"),
    ("tools/x/manifest.toml", 'name = "x"\n[t]\na = 1\n[t]\nb = 2\n', 4, "malformed TOML"),
    ("tools/x/manifest.toml", 'name = "x"\nversion = [1,\n', 2, "malformed TOML"),
    ("tools/x/manifest.toml", b'name = "caf\xe9"\n', 1, "not UTF-8"),
    ("tools/x/manifest.toml", "a = " + "[" * 300 + "]" * 300 + "\n", 1, "nesting deeper than"),
    ("tools/x/manifest.toml", "a = " + "[" * 70 + "]" * 70 + "\n", 1, "nesting deeper than 64 levels"),
    ("tools/x/manifest.toml", 'name = "x"\n\n[m]\nsize = nan\n', 4, "NaN and infinite numbers are not JSON"),
    ("tools/x/manifest.toml", "[" + ".".join(["t"] * 100) + "]\nx = 1\n", 1, "nesting deeper than 64 levels"),
    ("tools/x/manifest.toml", 'name = "x"\n' + ".".join(['"k"'] * 5000) + " = 1\n", 2, "dotted key of more than"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None)
def test_malformed_examples_are_l001_with_line_and_the_rest_loads(make_ws, rel, content, line, fragment):
    root = repo(make_ws, {"tools/a/manifest.yaml": GOOD_YAML, rel: content})
    ws = load_workspace(root)
    [p] = [p for p in ws.problems if p.path == rel]
    assert fragment in p.message
    if line is not None:
        assert p.line == line
    assert [e.path for e in ws.examples_of(TOOL)] == ["tools/a/manifest.yaml"]
    assert ws.schema(TOOL) is not None and ws.family("tool") is not None
    [f] = [f for f in findings(root, "L001") if f.path == rel]
    assert f.severity == "error" and f.line == p.line


def test_alias_bomb_line_is_reported(make_ws):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    root = repo(make_ws, {"tools/x/manifest.yaml": "\n".join(levels) + "\n"})
    [p] = [p for p in load_workspace(root).problems if p.path == "tools/x/manifest.yaml"]
    assert "alias bomb" in p.message and p.line is not None


# --- no silent misconfiguration (item 5b) ---------------------------------------------------


def test_one_invalid_example_pattern_is_a_problem_and_the_valid_ones_still_apply(make_ws):
    config = ("version: 1\n"
              "examples:\n"
              "  patterns:\n"
              '    - "examples/{name}.json"\n'
              '    - "examples/no-placeholder.json"\n'
              '    - "examples/{name}/*.yaml"\n')
    root = make_ws({"ssot/schemas/a.schema.json": {"type": "object"}, "ssot/schemas/b.schema.json": {"type": "object"},
                    "examples/a.json": {}, "examples/b/one.yaml": "k: 1\n", CONFIG: config})
    ws = load_workspace(root)
    assert ws.config.example_patterns == ("examples/{name}.json", "examples/{name}/*.yaml")
    [(line, message)] = config_problems(ws)
    assert line == 5 and message.startswith("examples.patterns.1:")
    assert [e.path for e in ws.examples_of("ssot/schemas/a.schema.json")] == ["examples/a.json"]
    assert [e.path for e in ws.examples_of("ssot/schemas/b.schema.json")] == ["examples/b/one.yaml"]
    [f] = findings(root, "L001")
    assert (f.path, f.line) == (CONFIG, 5)


def test_invalid_schema_globs_drop_one_by_one(make_ws):
    config = ("schemas:\n"
              "  globs:\n"
              '    - "schemas/*.schema.json"\n'
              "    - 5\n"
              '    - ""\n'
              '    - "more/*.schema.json"\n'
              '    - "schemas/*.schema.json"\n'
              "  shared_globs:\n"
              '    - "schemas/common/*.schema.json"\n'
              "    - [nested]\n"
              "  shared_glob: []\n"
              "examples:\n"
              '  patterns: ["examples/{name}.json"]\n'
              "  patern: typo\n")
    root = make_ws({"schemas/a.schema.json": {"type": "object"}, "more/b.schema.json": {"type": "object"},
                    "schemas/common/ids.schema.json": {"$defs": {}}, "examples/a.json": {}, CONFIG: config})
    ws = load_workspace(root)
    assert ws.config.schema_globs == ("schemas/*.schema.json", "more/*.schema.json")
    assert ws.config.shared_globs == ("schemas/common/*.schema.json",)
    assert ws.config.example_patterns == ("examples/{name}.json",)
    assert [line for line, _ in config_problems(ws)] == [4, 5, 7, 10, 11, 14]
    assert sorted(s.path for s in ws.schemas) == ["more/b.schema.json", "schemas/a.schema.json"]
    assert [e.path for e in ws.examples_of("schemas/a.schema.json")] == ["examples/a.json"]
    messages = dict(config_problems(ws))
    assert "listed twice" in messages[7] and "unknown key" in messages[11] and "unknown key" in messages[14]


def test_invalid_map_entries_drop_one_by_one(make_ws):
    config = (MAP_HEAD +
              "      - 7\n"
              '      - "../elsewhere/*.yaml"\n'
              '      - "/etc/*.yaml"\n'
              '      - "tools/*/manifest.toml"\n'
              f"    {OTHER}: not-a-list\n"
              '    "../*.schema.json": ["x.yaml"]\n'
              '    "schemas/gone.schema.json": ["tools/*/gone.yaml"]\n')
    root = repo(make_ws, {"tools/a/manifest.yaml": GOOD_YAML, "tools/c/manifest.toml": 'name = "c"\nversion = "1"\n'},
                config)
    ws = load_workspace(root)
    assert ws.config.example_map == (
        (TOOL, ("tools/*/manifest.yaml", "../elsewhere/*.yaml", "/etc/*.yaml", "tools/*/manifest.toml")),
        ("../*.schema.json", ("x.yaml",)),
        ("schemas/gone.schema.json", ("tools/*/gone.yaml",)),
    )
    problems = config_problems(ws)
    assert [line for line, _ in problems] == [10, 11, 12, 14, 15, 15, 16]
    messages = dict(problems)
    assert messages[10].startswith(f"examples.map.{TOOL}.1:")
    assert "leaves the workspace root" in messages[11] and "leaves the workspace root" in messages[12]
    assert messages[14].startswith(f"examples.map.{OTHER}:")
    assert sorted(m for line, m in problems if line == 15) == [
        "pattern '../*.schema.json' leaves the workspace root: ignored",
        "pattern 'x.yaml' reaches outside the content folders (schemas, ssot, tools; limits.content_folders): ignored"]
    assert "matches no contract schema" in messages[16]
    assert [e.path for e in ws.examples_of(TOOL)] == ["tools/a/manifest.yaml", "tools/c/manifest.toml"]
    assert {f.line for f in findings(root, "L001") if f.path == CONFIG} == {10, 11, 12, 14, 15, 16}


def test_refused_schema_glob_has_its_line(make_ws):
    config = 'schemas:\n  globs:\n    - "schemas/*.schema.json"\n    - "../../*.json"\n'
    root = make_ws({"schemas/a.schema.json": {"type": "object"}, CONFIG: config})
    ws = load_workspace(root)
    assert config_problems(ws) == [(4, "pattern '../../*.json' leaves the workspace root: ignored")]
    assert [s.path for s in ws.schemas] == ["schemas/a.schema.json"]


def test_a_whole_section_of_the_wrong_type_is_reported_and_defaults_apply(make_ws):
    root = make_ws({"ssot/schemas/a.schema.json": {"type": "object"}, "ssot/examples/a.json": {},
                    CONFIG: "examples:\n  patterns: ssot/examples/{name}.json\n"})
    ws = load_workspace(root)
    [(line, message)] = config_problems(ws)
    assert line == 2 and message.startswith("examples.patterns:")
    assert ws.config.example_patterns == ("ssot/examples/{name}.json", "ssot/examples/{name}/*.json")


def test_example_of_a_link_out_of_the_root_is_not_read(make_ws, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("name: secret\n")
    root = repo(make_ws, {"tools/a/manifest.yaml": GOOD_YAML})
    (root / "tools/b").mkdir()
    (root / "tools/b/manifest.yaml").symlink_to(outside)
    ws = load_workspace(root)
    assert [e.path for e in ws.examples_of(TOOL)] == ["tools/a/manifest.yaml"]
    assert [p.message for p in ws.problems if p.path == "tools/b/manifest.yaml"] == [
        "a symbolic link to outside the workspace root: not followed"]
