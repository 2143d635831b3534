"""compatibility (C001), `--against REF|DIR` and `workbench diff`: one test per change class, both directions."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess

import pytest
from helpers_structural import make_ws, ref
from helpers_ws import family, hits, obj, run, schema

from workbench.cli import main

BASE = schema({
    "run_id": ref("run_id"),
    "status": {"type": "string", "enum": ["ok", "failed"]},
    "kind": {"const": "result"},
    "code": {"type": "string", "pattern": "^[A-Z]+$", "maxLength": 10},
    "email": {"type": "string", "format": "email"},
    "count": {"type": "integer", "minimum": 0},
    "score": {"type": ["number"]},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "payload": {"type": "object", "properties": {"a": {"type": "string"}}},
    "result": {"anyOf": [obj({"value": {"type": "integer"}}, ["value"]),
                         obj({"error": {"type": "string"}}, ["error"])]},
}, ["run_id", "status"])


def changed(edit) -> dict:
    body = copy.deepcopy(BASE)
    edit(body)
    return body


def compare(tmp_path, old: dict, new: dict, fam: dict | None = None, name: str = "res") -> list:
    """C001 findings of `new` checked against `old` (as `--against DIR`)."""
    fams = [fam] if fam else [family("res", [name], decision="extend")]
    make_ws(tmp_path / "old", {name: old}, fams)
    make_ws(tmp_path / "new", {name: new}, fams)
    return hits(run(tmp_path / "new", "compatibility", against=tmp_path / "old"))


def kinds(found) -> list[tuple[str, str]]:
    return [(f.subjects[2], f.severity) for f in found]


def props(body: dict) -> dict:
    return body["properties"]


N, W, B = "narrowed", "widened", "both"
# edit -> (expected kind, effect on the accepted documents); under stable/v1 `extend` (backward mode, additive
# reading) narrowing is an error and widening is info
CASES = {
    "property removed": (lambda b: props(b).pop("email"), "property removed", N),
    "optional property added": (lambda b: props(b).update(note={"type": "string"}), "optional property added", W),
    "property newly required": (lambda b: b["required"].append("count"), "property newly required", N),
    "property no longer required": (lambda b: b["required"].remove("status"), "property no longer required", W),
    "type narrowed": (lambda b: props(b)["score"].update(type="integer"), "type narrowed", N),
    "type widened": (lambda b: props(b)["score"].update(type=["number", "null"]), "type widened", W),
    "enum value removed": (lambda b: props(b)["status"].update(enum=["ok"]), "enum value removed", N),
    "enum widened": (lambda b: props(b)["status"].update(enum=["ok", "failed", "skipped"]), "enum widened", W),
    "const changed": (lambda b: props(b)["kind"].update(const="other"), "const changed", B),
    "const removed": (lambda b: props(b)["kind"].pop("const"), "const removed", W),
    "pattern tightened": (lambda b: props(b)["email"].update(pattern="@example\\.com$"), "pattern tightened", N),
    "pattern relaxed": (lambda b: props(b)["code"].pop("pattern"), "pattern relaxed", W),
    "pattern loosened": (lambda b: props(b)["code"].update(pattern="^[A-Za-z]+$"), "pattern relaxed", W),
    "pattern changed": (lambda b: props(b)["code"].update(pattern="^[a-z]+$"), "pattern changed", B),
    "format tightened": (lambda b: props(b)["code"].update(format="hostname"), "format tightened", N),
    "format relaxed": (lambda b: props(b)["email"].pop("format"), "format relaxed", W),
    "length tightened": (lambda b: props(b)["code"].update(maxLength=5), "length tightened", N),
    "length relaxed": (lambda b: props(b)["code"].update(maxLength=50), "length relaxed", W),
    "range tightened": (lambda b: props(b)["count"].update(minimum=1), "range tightened", N),
    "range relaxed": (lambda b: props(b)["count"].pop("minimum"), "range relaxed", W),
    "additionalProperties closed": (lambda b: props(b)["payload"].update(additionalProperties=False),
                                    "additionalProperties closed", N),
    "additionalProperties opened": (lambda b: b.pop("additionalProperties"), "additionalProperties opened", W),
    "branch removed": (lambda b: props(b)["result"]["anyOf"].pop(1), "branch removed", N),
    "branch added": (lambda b: props(b)["result"]["anyOf"].append({"type": "null"}), "branch added", W),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_change_class(tmp_path, case):
    edit, kind, effect = CASES[case]
    (f,) = compare(tmp_path, BASE, changed(edit))
    assert (f.subjects[2], f.data["effect"]) == (kind, effect)
    assert f.severity == ("info" if effect == W else "error")  # stable/v1 `extend`: backward mode
    assert f.data["breaking"] == (effect != W) and f.data["mode"] == "backward"
    assert ("allowed: breaks" in f.message) == (effect == W)


def test_finding_names_pointer_old_new_and_who_breaks(tmp_path):
    (f,) = compare(tmp_path, BASE, changed(CASES["enum value removed"][0]))
    assert f.message.startswith('enum value removed at /properties/status/enum: ["ok", "failed"] -> ["ok"]; '
                                "narrowed: documents valid before may now be rejected; breaks producers")
    assert "(backward mode, res is stable/v1, extend)" in f.message
    assert f.path == "ssot/schemas/res.schema.json" and f.line == 10
    assert {k: f.data[k] for k in ("change", "pointer", "old", "new", "breaks", "mode")} == {
        "change": "enum value removed", "pointer": "/properties/status/enum", "old": '["ok", "failed"]',
        "new": '["ok"]', "breaks": "producers", "mode": "backward"}


def test_property_removed_from_open_object_widens(tmp_path):
    (f,) = compare(tmp_path, BASE, changed(lambda b: props(b)["payload"]["properties"].pop("a")))
    assert (f.subjects[2], f.data["effect"], f.data["breaks"]) == ("property removed", W, "consumers")


@pytest.mark.parametrize("decision,additive,severity,reading,breaks", [
    ("extend", None, "info", "additive", "none"),   # additive by default
    ("new", None, "info", "additive", "none"),
    ("reuse", None, "info", "additive", "none"),
    ("new", True, "info", "additive", "none"),
    ("extend", False, "error", "strict", "producers"),  # the family asks for the strict reading
])
def test_additive_reading_for_a_property_added_to_an_open_object(tmp_path, decision, additive, severity, reading,
                                                                 breaks):
    extra = {} if additive is None else {"compatibility": {"additive": additive}}
    fam = family("res", ["res"], decision=decision, **extra)
    (f,) = compare(tmp_path, BASE, changed(lambda b: props(b)["payload"]["properties"].update(b={"type": "integer"})),
                   fam)
    assert (f.subjects[2], f.severity, f.data["reading"], f.data["breaks"]) == (
        "property added to open object", severity, reading, breaks)
    assert f"{reading} reading" in f.message


@pytest.mark.parametrize("config,family_additive,reading", [
    ({"additive": False}, None, "strict"),  # the workspace asks for the strict reading
    ({"tiers": {"stable/v1": {"additive": False}}}, None, "strict"),  # a tier does (its mode stays the default)
    ({"tiers": {"stable/v1": {"mode": "backward", "additive": False}}}, None, "strict"),
    ({"tiers": {"experimental": {"additive": False}}}, None, "additive"),  # another tier's reading
    ({"additive": False}, True, "additive"),  # the family's own reading wins
    ({"tiers": {"stable/v1": {"additive": False}}, "additive": True}, None, "strict"),  # the tier's wins
])
def test_the_strict_reading_on_request(tmp_path, config, family_additive, reading):
    extra = {} if family_additive is None else {"compatibility": {"additive": family_additive}}
    fam = family("res", ["res"], decision="extend", **extra)
    new = changed(lambda b: props(b)["payload"]["properties"].update(b={"type": "integer"}))
    for side, body in (("old", BASE), ("new", new)):
        make_ws(tmp_path / side, {"res": body}, [fam])
        (tmp_path / side / "decisions/workspace.yaml").write_text(json.dumps({"compatibility": config}))
    result = run(tmp_path / "new", against=tmp_path / "old")
    assert not [f for f in result.findings if f.rule == "L001"]  # the configuration is valid
    (f,) = hits(run(tmp_path / "new", "compatibility", against=tmp_path / "old"))
    assert (f.data["reading"], f.severity) == (reading, "error" if reading == "strict" else "info")


@pytest.mark.parametrize("where,mode", [("family", "forward"), ("tier", "full"), ("workspace", "none")])
def test_mode_overrides(tmp_path, where, mode):
    fam = family("res", ["res"], decision="extend", **({"compatibility": {"mode": mode}} if where == "family" else {}))
    config = {"tier": {"compatibility": {"tiers": {"stable/v1": mode}, "mode": "backward"}},
              "workspace": {"compatibility": {"mode": mode}}}.get(where)
    def edit(b):
        props(b)["status"].update(enum=["ok"])
        props(b)["score"].update(type=["number", "null"])

    for side in ("old", "new"):
        make_ws(tmp_path / side, {"res": BASE if side == "old" else changed(edit)}, [fam])
        if config:
            (tmp_path / side / "decisions/workspace.yaml").write_text(json.dumps(config))
    found = hits(run(tmp_path / "new", "compatibility", against=tmp_path / "old"))
    expected = {"forward": ("info", "error"), "full": ("error", "error"), "none": ("info", "info")}[mode]
    assert [(f.subjects[2], f.data["mode"]) for f in found] == [("enum value removed", mode), ("type widened", mode)]
    assert (found[0].severity, found[1].severity) == expected


def test_invalid_mode_is_a_load_problem_not_a_crash(tmp_path):
    fam = family("res", ["res"], decision="extend", compatibility={"mode": "sideways"})
    make_ws(tmp_path / "old", {"res": BASE}, [fam])
    make_ws(tmp_path / "new", {"res": changed(CASES["enum value removed"][0])}, [fam])
    result = run(tmp_path / "new", against=tmp_path / "old")
    assert any("sideways" in f.message for f in result.findings if f.rule != "C001")
    assert [f.data["mode"] for f in result.findings if f.rule == "C001"] == ["backward"]


def test_inline_to_ref_refactor_is_no_change(tmp_path):
    def refactor(b):
        b["$defs"] = {"outcome": props(b).pop("result"), "status": props(b)["status"]}
        props(b)["result"] = {"$ref": "#/$defs/outcome", "description": "moved"}
        props(b)["status"] = {"$ref": "#/$defs/status"}
        props(b)["run_id"] = {"type": "string", "pattern": "^run_[0-9a-hjkmnp-tv-z]{26}$"}  # inlined copy of the ref
    assert compare(tmp_path, BASE, changed(refactor)) == []


def test_branches_are_paired_by_content_not_position(tmp_path):
    def reorder(b):
        b["properties"]["result"]["anyOf"].reverse()
    assert compare(tmp_path, BASE, changed(reorder)) == []

    def reorder_and_tighten(b):
        branches = b["properties"]["result"]["anyOf"]
        branches.reverse()
        branches[1]["properties"]["value"]["minimum"] = 0
    (f,) = compare(tmp_path / "2", BASE, changed(reorder_and_tighten))
    assert (f.subjects[2], f.message.split(":")[0]) == (
        "range tightened", "range tightened at /properties/result/anyOf/1/properties/value/minimum")


def test_ref_retargeted(tmp_path):
    (f,) = compare(tmp_path, BASE, changed(lambda b: props(b).update(run_id=ref("task_id"))))
    assert f.subjects[2] == "$ref retargeted" and f.severity == "error"
    assert ("common/ids.schema.json#/$defs/run_id -> ssot/schemas/common/ids.schema.json#/$defs/task_id" in f.message)
    assert "first: pattern changed" in f.message


def test_ref_moved_to_an_identical_definition_is_no_change(tmp_path):
    def move(b):
        b["$defs"] = {"rid": {"type": "string", "pattern": "^run_[0-9a-hjkmnp-tv-z]{26}$"}}
        props(b)["run_id"] = {"$ref": "#/$defs/rid"}
    assert compare(tmp_path, BASE, changed(move)) == []


def test_a_change_in_a_shared_definition_is_one_verdict_at_the_definition(tmp_path, capsys):
    fams = [family("res", ["res", "other"], decision="extend")]
    other = schema({"run_id": ref("run_id"), "parent_run_id": ref("run_id")})
    make_ws(tmp_path / "old", {"res": BASE, "other": other}, fams)
    make_ws(tmp_path / "new", {"res": BASE, "other": other}, fams)
    lib = tmp_path / "new/ssot/schemas/common/ids.schema.json"
    lib.write_text(lib.read_text().replace("^run_", "^r_"))
    (f,) = hits(run(tmp_path / "new", "compatibility", against=tmp_path / "old"))
    assert (f.path, f.pointer, f.data["change"], f.family) == (
        "ssot/schemas/common/ids.schema.json", "/$defs/run_id/pattern", "pattern changed", "res")
    assert f.message.startswith("pattern changed at /$defs/run_id/pattern")
    assert [(r.file, r.pointer) for r in f.related] == [
        ("ssot/schemas/other.schema.json", "/properties/parent_run_id"),
        ("ssot/schemas/other.schema.json", "/properties/run_id"),
        ("ssot/schemas/res.schema.json", "/properties/run_id")]
    assert main(["diff", str(tmp_path / "old"), "--root", str(tmp_path / "new"), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["summary"] == {"changes": 1, "breaking": 1, "undecided": 0}  # once


def test_int64_bounds_rendered_as_floats_are_no_change():
    from workbench.analysis.compat import compare_schemas

    int64 = {"type": "integer", "minimum": -9223372036854775808, "maximum": 9223372036854775807}
    assert compare_schemas(int64 | {"maximum": 9223372036854776000}, int64) == []
    assert compare_schemas(int64 | {"maximum": 9.223372036854776e18}, int64) == []
    (c,) = compare_schemas(int64, int64 | {"maximum": 9007199254740993 * 2})  # a double below 2^63: a real change
    assert c.kind == "range tightened"


def test_a_pattern_change_nothing_proves_is_labelled_undetermined(tmp_path):
    (f,) = compare(tmp_path, BASE, changed(CASES["pattern changed"][0]))
    assert f.message.startswith('pattern changed at /properties/code/pattern: "^[A-Z]+$" -> "^[a-z]+$"; '
                                "undetermined: workbench cannot prove")
    (g,) = compare(tmp_path / "2", BASE, changed(CASES["pattern loosened"][0]))
    assert g.data["change"] == "pattern relaxed" and "undetermined" not in g.message


def test_a_removed_property_names_who_it_breaks_at_the_modes_severity(tmp_path):
    (f,) = compare(tmp_path, BASE, changed(lambda b: props(b)["payload"]["properties"].pop("a")))
    assert (f.data["change"], f.severity, f.data["breaks"]) == ("property removed", "info", "consumers")
    assert "readers that required it or relied on its shape break" in f.message
    fam = family("res", ["res"], decision="extend", compatibility={"mode": "full"})
    (g,) = compare(tmp_path / "2", BASE, changed(lambda b: props(b)["payload"]["properties"].pop("a")), fam)
    assert g.severity == "error"


def test_a_removal_and_an_addition_of_the_same_shape_are_a_probable_rename(tmp_path):
    def rename(b):
        props(b)["e_mail"] = props(b).pop("email")
    (f,) = compare(tmp_path, BASE, changed(rename))
    assert (f.data["change"], f.data["pointer"], f.data["old"], f.data["new"], f.data["effect"]) == (
        "property renamed", "/properties/e_mail", "email", "e_mail", "both")
    assert "probably a rename" in f.message and f.severity == "error"  # closed object: producers of `email` break


def test_schema_deleted_and_added(tmp_path):
    fams = [family("res", ["res"], decision="extend")]
    make_ws(tmp_path / "old", {"res": BASE, "gone": BASE}, fams)
    make_ws(tmp_path / "new", {"res": BASE, "fresh": BASE}, fams)
    found = hits(run(tmp_path / "new", "compatibility", against=tmp_path / "old"))
    assert kinds(found) == [("schema added", "info"), ("schema deleted", "error")]


@pytest.mark.parametrize("tier,decision,narrowing,widening,mode", [
    ("stable/v1", "reuse", "error", "error", "full"),
    ("stable/v1", "extend", "error", "info", "backward"),
    ("experimental", "new", "warning", "info", "backward"),
    ("internal", "reuse", "info", "info", "none"),
    (None, None, "error", "info", "backward"),  # undecided: treated as stable
])
def test_default_mode_follows_tier_and_decision(tmp_path, tier, decision, narrowing, widening, mode):
    fam = family("res", ["res"], decision=decision, tier=tier) if tier else family("other", [])
    old = BASE
    new = changed(lambda b: (props(b)["status"].update(enum=["ok"]), props(b).update(note={"type": "string"})))
    found = compare(tmp_path, old, new, fam)
    assert sorted(kinds(found)) == [("enum value removed", narrowing), ("optional property added", widening)]
    assert {f.data["mode"] for f in found} == {mode}


def test_sarif_and_json_carry_the_structured_fields(tmp_path, capsys):
    fams = [family("res", ["res"], decision="extend")]
    make_ws(tmp_path / "old", {"res": BASE}, fams)
    make_ws(tmp_path / "new", {"res": changed(CASES["type narrowed"][0])}, fams)
    args = ["--check", "--root", str(tmp_path / "new"), "--against", str(tmp_path / "old"), "--select", "C001"]
    assert main(args + ["--format", "sarif"]) == 1
    (res,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert {k: res["properties"][k] for k in ("change", "pointer", "breaks", "mode")} == {
        "change": "type narrowed", "pointer": "/properties/score/type", "breaks": "producers", "mode": "backward"}
    assert main(args + ["--format", "json"]) == 1
    (f,) = json.loads(capsys.readouterr().out)["findings"]
    assert (f["data"]["old"], f["data"]["new"]) == ('["number"]', '"integer"')


def test_explain_lists_every_change_kind(capsys):
    from workbench.analysis.compat import KINDS

    assert main(["explain", "C001"]) == 0
    out = capsys.readouterr().out
    assert all(f"  {kind}: " in out for kind in KINDS)


def test_diff_text_json_and_exit_code(tmp_path, capsys):
    fams = [family("res", ["res"], decision="extend")]
    make_ws(tmp_path / "old", {"res": BASE}, fams)
    make_ws(tmp_path / "new", {"res": changed(CASES["enum widened"][0])}, fams)
    make_ws(tmp_path / "bad", {"res": changed(CASES["enum value removed"][0])}, fams)
    assert main(["diff", str(tmp_path / "old"), "--root", str(tmp_path / "new")]) == 0
    text = capsys.readouterr().out
    assert "1 change(s), 0 breaking" in text and "ok        enum widened at /properties/status/enum" in text
    assert main(["diff", str(tmp_path / "old"), "--root", str(tmp_path / "new"), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["changes"]
    assert (row["change"], row["breaking"], row["severity"], row["family"], row["breaks"], row["mode"]) == (
        "enum widened", False, "info", "res", "consumers", "backward")
    assert main(["diff", str(tmp_path / "old"), "--root", str(tmp_path / "bad"), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"] == {"changes": 1, "breaking": 1, "undecided": 0} and doc["changes"][0]["severity"] == "error"
    assert main(["diff", str(tmp_path / "old"), "--root", str(tmp_path / "bad")]) == 1
    assert "BREAKING  enum value removed" in capsys.readouterr().out


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@e", "HOME": str(repo), "PATH": "/usr/bin:/bin"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_against_a_git_history(tmp_path, capsys):
    repo = tmp_path / "repo"
    make_ws(repo, {"res": BASE}, [family("res", ["res"], decision="extend")])
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "v1")
    target = repo / "ssot/schemas/res.schema.json"
    target.write_text(json.dumps(changed(lambda b: (props(b)["status"].update(enum=["ok"]),
                                                     props(b).update(note={"type": "string"}))), indent=2))
    _git(repo, "commit", "-q", "-am", "v2")
    args = ["--check", "--root", str(repo), "--against", "HEAD~1", "--select", "compatibility", "--format", "json"]
    assert main(args) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["subjects"][2], f["severity"]) for f in found] == [
        ("enum value removed", "error"), ("optional property added", "info")]
    assert [f["data"]["breaks"] for f in found] == ["producers", "consumers"]
    assert all("(against HEAD~1)" in f["message"] for f in found)
    assert json.loads(target.read_text())["properties"]["status"]["enum"] == ["ok"]  # work tree untouched
    assert main(["--check", "--root", str(repo), "--against", "HEAD", "--select", "compatibility"]) == 0
    assert main(["--check", "--root", str(repo), "--against", "no-such-ref"]) == 2
    assert "is not a git ref known in" in capsys.readouterr().err


def test_against_outside_a_git_repository_is_a_usage_error(tmp_path, capsys):
    make_ws(tmp_path, {"res": BASE})
    assert main(["--check", "--root", str(tmp_path), "--against", "HEAD~1"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_malformed_schemas_never_crash_the_structural_rules(tmp_path):
    """Invalid keyword shapes are V001's findings; these rules must keep going."""
    bad = {"type": ["object", 3], "required": ["a", {"x": 1}], "properties": {"a": 5, "b": {"allOf": {"x": {}}},
           "c": {"type": "array", "prefixItems": {"0": {}}, "items": [1, 2]}, "d": {"multipleOf": 0},
           "e": {"$ref": "#/nowhere"}, "f": {"patternProperties": [1], "enum": [{"k": [1]}, [2]]}},
           "anyOf": "x", "additionalProperties": {"properties": "nope"}}
    worse = json.loads(json.dumps(bad).replace('"multipleOf": 0', '"multipleOf": 3').replace('"a": 5', '"a": true'))
    make_ws(tmp_path / "old", {"bad": bad, "twin": bad})
    make_ws(tmp_path / "new", {"bad": worse, "twin": bad})
    result = run(tmp_path / "new", "overlap", "duplication", "drift", "compatibility", against=tmp_path / "old")
    assert not [f for f in result.findings if "failed" in f.message and f.path == "."]
