"""Evidence in C001 verdicts: the workspace's examples and built documents that prove a narrowing or a widening
(`rules/compatibility.Search`), named in the message, JSON data, related locations and the TUI detail rows."""

from __future__ import annotations

import copy
import json

from helpers_structural import make_ws
from helpers_ws import family, hits, run, schema, write
from test_compatibility import BASE, CASES, changed, props

from workbench.tui.screens.finding import witness_rows

EXAMPLE = {"run_id": "run_0123456789abcdefghjkmnpqrs", "status": "failed", "kind": "result", "code": "AB",
           "email": "a@b.co", "count": 3, "score": 1.5, "labels": {"x": "y"}, "payload": {"a": "s"},
           "result": {"value": 1}}
FULL = family("res", ["res"], decision="extend", compatibility={"mode": "full"})


def message(f) -> str:
    """The finding's message without the baseline's label."""
    return f.message.rsplit(" (against ", 1)[0]


def compare(tmp_path, edit, examples: dict | None = None, fam: dict = FULL) -> list:
    """C001 findings of BASE edited by `edit`, both versions with `examples` (name -> body) of res."""
    examples = {"res.json": EXAMPLE} if examples is None else examples
    for side, body in (("old", BASE), ("new", changed(edit))):
        make_ws(tmp_path / side, {"res": body}, [fam])
        for name, doc in examples.items():
            write(tmp_path / side, {f"ssot/examples/{name}": doc})
    return hits(run(tmp_path / "new", "compatibility", against=tmp_path / "old"))


def test_an_example_the_new_version_rejects_is_the_narrowing_witness(tmp_path):
    (f,) = compare(tmp_path, CASES["enum value removed"][0])
    assert message(f).endswith('narrowing witness: example ssot/examples/res.json (the new version rejects it: '
                              '/status: "failed" is not one of "ok")')
    (w,) = f.data["witnesses"]
    assert (w["effect"], w["example"], w["pointer"], f.data["proven"]) == (
        "narrowed", "ssot/examples/res.json", "/status", True)
    assert [(r.file, r.pointer, r.line) for r in f.related] == [("ssot/examples/res.json", "/status", 3)]
    assert [t.plain for _, t in witness_rows(f.data)] == [w["text"]]


def test_every_rejected_example_is_named(tmp_path):
    other = dict(EXAMPLE, run_id="run_abcdefghjkmnpqrstvwxyz0123")
    (f,) = compare(tmp_path, CASES["enum value removed"][0], {"res.json": EXAMPLE, "res/b.json": other,
                                                             "res/ok.json": dict(EXAMPLE, status="ok")})
    assert sorted(w["example"] for w in f.data["witnesses"]) == ["ssot/examples/res.json", "ssot/examples/res/b.json"]
    assert "(and 1 more)" in f.message


def test_a_widening_witness_is_built_from_an_example(tmp_path):
    (f,) = compare(tmp_path, CASES["type widened"][0])
    (w,) = f.data["witnesses"]
    assert (w["effect"], w["example"], w["edit"]) == ("widened", "ssot/examples/res.json", "/score = null")
    assert json.loads(w["document"])["score"] is None
    assert message(f).endswith("widening witness: example ssot/examples/res.json with /score = null (the old version "
                              'rejected it: /score: null is not of type "number")')
    assert f.related == ()  # a built document is not a file of the workspace


def test_a_witness_is_built_without_any_example(tmp_path):
    body = schema({"code": {"type": "string", "maxLength": 10}, "n": {"type": "integer", "minimum": 1},
                   "ref": {"$ref": "#/$defs/ref"}}, ["code", "n", "ref"], **{"$defs": {"ref": {"enum": ["x", "y"]}}})
    for side, edit in (("old", lambda b: None), ("new", lambda b: props(b)["code"].update(maxLength=5))):
        changed_body = copy.deepcopy(body)
        edit(changed_body)
        make_ws(tmp_path / side, {"res": changed_body}, [FULL])
    (f,) = hits(run(tmp_path / "new", "compatibility", against=tmp_path / "old"))
    (w,) = f.data["witnesses"]
    assert w["effect"] == "narrowed" and "example" not in w and f.data["proven"]
    assert json.loads(w["document"]) == {"code": "a" * 10, "n": 1, "ref": "x"}
    assert 'narrowing witness: {"code": "aaaaaaaaaa", "n": 1, "ref": "x"} (the new version rejects it' in f.message


def test_examples_valid_in_neither_version_are_repaired_before_a_witness_is_built(tmp_path):
    def both(b):
        CASES["enum value removed"][0](b)
        CASES["type widened"][0](b)
    found = {f.data["change"]: f for f in compare(tmp_path, both)}
    widened = found["type widened"].data["witnesses"][0]
    assert widened["edit"] == '/status = "ok", /score = null'


def test_a_verdict_no_document_proves_says_so(tmp_path):
    # `format` is an annotation in 2020-12: no validator rejects a document for it, so nothing proves the change
    (f,) = compare(tmp_path, CASES["format tightened"][0])
    assert message(f).endswith("; no narrowing witness found") and f.data["proven"] is False
    assert f.data["witnesses"] == [] and f.related == ()
    assert [t.plain for _, t in witness_rows(f.data)] == ["none found: the verdict is not proven by a document"]


def test_both_effects_need_both_witnesses(tmp_path):
    (f,) = compare(tmp_path, CASES["const changed"][0])
    assert f.data["effect"] == "both" and f.data["proven"]
    assert sorted(w["effect"] for w in f.data["witnesses"]) == ["narrowed", "widened"]


def test_a_compatible_change_carries_no_witness(tmp_path):
    fam = family("res", ["res"], decision="extend")  # backward: the widening is compatible, still described
    (f,) = compare(tmp_path, CASES["type widened"][0], fam=fam)
    assert f.severity == "info" and "witness: example" in f.message
    additive = copy.deepcopy(BASE)
    props(additive)["payload"]["properties"]["b"] = {"type": "integer"}
    (g,) = compare(tmp_path / "2", lambda b: props(b)["payload"]["properties"].update(b={"type": "integer"}),
                   fam=fam)
    assert g.data["effect"] == "none" and g.data["witnesses"] == [] and "witness" not in g.message
    assert witness_rows(g.data) == []


def test_a_newly_required_property_in_a_shipped_stable_schema_names_the_shipped_example(tmp_path, repo_root):
    """The repository's own workspace: gate.decision (stable/v1, reuse) makes `task_id` required; its shipped
    example has none, so the verdict names that example with the validator's message."""
    import shutil

    for side in ("old", "new"):
        for folder in ("ssot", "decisions"):
            shutil.copytree(repo_root / folder, tmp_path / side / folder)
    target = tmp_path / "new/ssot/schemas/gate.decision.schema.json"
    body = json.loads(target.read_text())
    assert "task_id" in body["properties"] and "task_id" not in body["required"]
    body["required"].append("task_id")
    target.write_text(json.dumps(body, indent=2))
    (f,) = hits(run(tmp_path / "new", "compatibility", against=tmp_path / "old"))
    assert (f.data["change"], f.data["pointer"], f.severity) == ("property newly required", "/properties/task_id",
                                                                 "error")
    examples = {w["example"]: w["message"] for w in f.data["witnesses"] if "edit" not in w}
    assert examples == {"ssot/examples/gate.decision.json": '/: "task_id" is a required property'}
    assert "narrowing witness: example ssot/examples/gate.decision.json (the new version rejects it: " in f.message
    assert [r.file for r in f.related] == ["ssot/examples/gate.decision.json"]


def test_init_writes_the_compatibility_block_with_its_defaults():
    import yaml

    from workbench.config import WorkspaceConfig
    from workbench.init import workspace_yaml

    text = workspace_yaml(WorkspaceConfig())
    assert yaml.safe_load(text)["compatibility"] == {"additive": True, "tiers": {}}
    assert "# mode: unset" in text and "false: the strict reading" in text
