"""A `$id` two documents declare is one finding (V007), never a cascade, never won by path order;
references to the standard meta-schemas resolve from the bundled copies (issue 22 item 5, issue 25
item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.analysis.refs import RefIndex
from workbench.cli import main
from workbench.loader import load_workspace
from workbench.pipeline import check
from workbench.rules import validity

CATALOG = {"schemas": {"globs": ["schemas/**/*.json"], "shared_globs": ["schemas/common/*.json"]},
           "examples": {"patterns": ["examples/{name}.json"]}}
IDS_URI = "https://contracts.example.com/common/ids.json"
LIBRARY = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": IDS_URI,
           "$defs": {"run_id": {"type": "string", "pattern": "^run_[0-9a-z]{26}$"},
                     "trace": {"$ref": "#/$defs/run_id"}}}
RUN = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://contracts.example.com/run.json",
       "type": "object", "required": ["run_id"],
       "properties": {"run_id": {"$ref": "common/ids.json#/$defs/run_id"}}}
BAD_RUN = {"run_id": "not-a-run-id"}


def vendored(name: str) -> Path:
    pytest.importorskip("check_jsonschema", reason="check-jsonschema (test extra) vendors the catalog schemas")
    import check_jsonschema

    return Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / name


def workspace(make_ws, files: dict) -> Path:
    return make_ws({"decisions/workspace.yaml": json.dumps(CATALOG)} | files)


def rules(root: Path) -> list:
    """Validity and load findings, but for V006 (no example) and the "no decisions/" note."""
    found = check(load_workspace(root), select=("validity", "load")).findings
    return [f for f in found if f.rule != "V006" and f.severity != "info"]


def versioned_copy() -> dict:
    """gitlab-ci.json (it has an `$id` in every check-jsonschema release the tests allow) as a `v2` file
    whose `$id` was never updated: every definition renamed."""
    body = json.loads(vendored("gitlab-ci.json").read_text())
    text = json.dumps(body).replace('"#/definitions/', '"#/definitions/v2_')
    copy = json.loads(text)
    copy["definitions"] = {f"v2_{k}": v for k, v in copy["definitions"].items()}
    return copy


def test_a_versioned_copy_of_a_catalog_schema_is_one_finding_not_a_cascade(make_ws):
    original = json.loads(vendored("gitlab-ci.json").read_text())
    root = workspace(make_ws, {"schemas/gitlab-ci.json": original, "schemas/gitlab-ci-v2.json": versioned_copy()})
    found = rules(root)
    assert [f.rule for f in found] == ["V007"]  # no V003 from either copy
    [dup] = found
    ids_line = next(i for i, line in enumerate((root / "schemas/gitlab-ci.json").read_text().splitlines(), 1)
                    if '"$id"' in line)
    assert (dup.path, dup.pointer) == ("schemas/gitlab-ci-v2.json", "/$id")
    assert f"schemas/gitlab-ci.json:{ids_line}" in dup.message and "schemas/gitlab-ci-v2.json:" in dup.message
    assert [(r.file, r.line) for r in dup.related] == [("schemas/gitlab-ci.json", ids_line)]
    assert original["$id"] in dup.message


@pytest.mark.parametrize("copy_name", ["schemas/aaa.json", "schemas/zzz/ids.json"])
def test_a_file_shadowing_a_library_id_never_turns_the_check_green(make_ws, capsys, copy_name):
    """The attack: a new file re-declares the shared library's `$id` with an empty definition. Whether
    it sorts before or after the library, the check stays red and names the duplicate."""
    root = workspace(make_ws, {"schemas/common/ids.json": LIBRARY, "schemas/run.json": RUN,
                               "examples/run.json": BAD_RUN})
    check_ = ["--root", str(root), "--check", "--select", "validity", "--ignore", "V006", "--format", "json"]
    assert main(check_) == 1
    before = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["path"]) for f in before] == [("V002", "examples/run.json")]  # the pattern is enforced

    (root / copy_name).parent.mkdir(parents=True, exist_ok=True)
    (root / copy_name).write_text(json.dumps({"$id": IDS_URI, "$defs": {"run_id": {}}}, indent=2))
    assert main(check_) == 1
    after = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["severity"]) for f in after] == [("V007", "error")]  # one finding, nothing else
    [dup] = after
    assert IDS_URI in dup["message"] and "schemas/common/ids.json:3" in dup["message"]
    assert f"{copy_name}:2" in dup["message"]
    assert "schemas/run.json" in dup["message"] and "not validated" in dup["message"]
    assert {r["file"] for r in dup["related"]} >= {"schemas/run.json"}


def test_resolution_does_not_depend_on_file_names(make_ws, tmp_path):
    """The same two claimants under swapped names resolve every reference the same way."""
    outcomes = []
    for first, second in (("a.json", "b.json"), ("b.json", "a.json")):
        run = RUN | {"$id": "https://contracts.example.com/common/run.json",
                     "properties": {"run_id": {"$ref": "ids.json#/$defs/run_id"}}}
        root = workspace(make_ws, {f"schemas/{first}": LIBRARY, f"schemas/{second}": {"$id": IDS_URI},
                                   "schemas/run.json": run})
        ws = load_workspace(root)
        refs = RefIndex.of(ws)
        library = ws.schema(f"schemas/{first}")
        inner = [refs.resolve(r.base, r.ref) for r in refs.refs_of(library)]
        outer = [refs.resolve(r.base, r.ref) for r in refs.refs_of(ws.schema("schemas/run.json"))]
        outcomes.append(([(t.status, t.uri, t.contents) for t in inner], [(t.status, t.uri) for t in outer]))
        (root / f"schemas/{first}").unlink()
        (root / f"schemas/{second}").unlink()
    assert outcomes[0] == outcomes[1]
    inner, outer = outcomes[0]
    assert inner == [("ok", f"{IDS_URI}#/$defs/run_id", LIBRARY["$defs"]["run_id"])]  # inside itself
    assert outer == [("ambiguous", f"{IDS_URI}#/$defs/run_id")]


def test_each_claimant_validates_its_own_examples_against_itself(make_ws, monkeypatch):
    """Both copies have examples; each is judged by its own definitions (jsonschema-rs and the python
    fallback alike), with an absolute self-reference too."""
    v1 = {"$id": IDS_URI, "type": "object", "properties": {"n": {"$ref": "#/$defs/n"},
                                                           "m": {"$ref": f"{IDS_URI}#/$defs/n"}},
          "$defs": {"n": {"type": "integer"}}}
    v2 = {"$id": IDS_URI, "type": "object", "properties": {"n": {"$ref": "#/$defs/n"},
                                                           "m": {"$ref": f"{IDS_URI}#/$defs/n"}},
          "$defs": {"n": {"type": "string"}}}
    root = workspace(make_ws, {"schemas/v1.json": v1, "schemas/v2.json": v2,
                               "examples/v1.json": {"n": 1, "m": 2}, "examples/v2.json": {"n": "a", "m": "b"}})
    assert [f.rule for f in rules(root)] == ["V007"]
    for name, bad in (("v1", {"n": "a", "m": "b"}), ("v2", {"n": 1, "m": 2})):
        (root / f"examples/{name}.json").write_text(json.dumps(bad))
    found = [f for f in rules(root) if f.rule == "V002"]
    assert sorted((f.path, f.pointer) for f in found) == [("examples/v1.json", "/m"), ("examples/v1.json", "/n"),
                                                          ("examples/v2.json", "/m"), ("examples/v2.json", "/n")]

    def refuse(*args, **kwargs):
        raise ValueError("unsupported")

    monkeypatch.setattr(validity, "_RS", dict.fromkeys(validity._RS, refuse))
    ws = load_workspace(root)
    refs = RefIndex.of(ws)
    for name, good, bad in (("v1", {"n": 1}, {"n": "a"}), ("v2", {"n": "a"}, {"n": 1})):
        schema = ws.schema(f"schemas/{name}.json")
        validator, failure = validity._validator(refs, schema, refs.closure(schema))
        assert failure is None and validator is not None
        assert validator.is_valid(good) and not validator.is_valid(bad)


def test_identical_copies_still_resolve_from_elsewhere(make_ws):
    run = RUN | {"properties": {"run_id": {"$ref": f"{IDS_URI}#/$defs/run_id"}}}
    root = workspace(make_ws, {"schemas/common/ids.json": LIBRARY, "schemas/vendored/ids.json": LIBRARY,
                               "schemas/run.json": run, "examples/run.json": BAD_RUN})
    found = rules(root)
    assert sorted(f.rule for f in found) == ["V002", "V007"]  # the example is still judged
    [dup] = [f for f in found if f.rule == "V007"]
    assert "identical" in dup.message


def test_copies_equal_only_to_python_are_not_identical(make_ws):
    """`{"enum": [1]}` and `{"enum": [true]}` compare equal in Python: as JSON they differ, so neither
    copy is chosen for the references from elsewhere."""
    ones = {"$id": IDS_URI, "$defs": {"flag": {"enum": [1]}}}
    trues = {"$id": IDS_URI, "$defs": {"flag": {"enum": [True]}}}
    user = {"properties": {"flag": {"$ref": f"{IDS_URI}#/$defs/flag"}}}
    root = workspace(make_ws, {"schemas/a.json": ones, "schemas/b.json": trues, "schemas/user.json": user})
    refs = RefIndex.of(load_workspace(root))
    assert [d.same for d in refs.duplicates.values()] == [False]
    [r] = refs.refs_of(load_workspace(root).schema("schemas/user.json"))
    assert refs.resolve(r.base, r.ref).status == "ambiguous"


def test_no_duplicate_no_finding(make_ws):
    root = workspace(make_ws, {"schemas/common/ids.json": LIBRARY, "schemas/run.json": RUN,
                               "examples/run.json": {"run_id": "run_" + "a" * 26}})
    assert rules(root) == []
    assert RefIndex.of(load_workspace(root)).duplicates == {}


@pytest.mark.parametrize("uri", [
    "http://json-schema.org/draft-04/schema#", "https://json-schema.org/draft-04/schema#",
    "http://json-schema.org/draft-06/schema", "https://json-schema.org/draft-06/schema#",
    "http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft-07/schema#",
    "https://json-schema.org/draft/2019-09/schema", "http://json-schema.org/draft/2019-09/schema#",
    "https://json-schema.org/draft/2020-12/schema", "http://json-schema.org/draft/2020-12/schema",
    "https://json-schema.org/draft-07/schema#/definitions/nonNegativeInteger",
])
def test_references_to_the_standard_meta_schemas_resolve_from_the_bundled_copies(make_ws, uri):
    body = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "properties": {"schema": {"$ref": uri}}}
    bad = -1 if uri.endswith("nonNegativeInteger") else {"type": 5}
    root = workspace(make_ws, {"schemas/plugin.json": body, "examples/plugin.json": {"schema": bad}})
    found = rules(root)
    assert [f.rule for f in found] == ["V002"], [f.message for f in found]  # validated, never V004
    assert found[0].pointer.startswith("/schema")


@pytest.mark.parametrize("odd", [{"$id": 5}, {"$schema": "http://json-schema.org/draft-07/schema#", "$id": "http://[x"},
                                 {"$schema": "http://json-schema.org/draft-04/schema#", "id": ["x"]}])
def test_an_odd_id_elsewhere_in_the_catalog_leaves_the_meta_schemas_bundled(make_ws, odd):
    """One malformed `$id` anywhere used to make the workspace registry fail to build, and with it every
    reference to a meta-schema read as remote (V004) and its examples unjudged."""
    body = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "properties": {"schema": {"$ref": "http://json-schema.org/draft-07/schema#"}}}
    root = workspace(make_ws, {"schemas/plugin.json": body, "schemas/zz-odd.json": odd,
                               "examples/plugin.json": {"schema": {"type": 5}}})
    found = [f for f in rules(root) if f.path != "schemas/zz-odd.json"]
    assert [(f.rule, f.path) for f in found] == [("V002", "examples/plugin.json")], [f.message for f in found]
