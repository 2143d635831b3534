"""Issue 25: a pull request cannot hang the check with a regex, crash it with a `$ref` chain, make example
mapping quadratic, lift its own limits, write a baseline its loader refuses or leave export temp files for
good; a baseline entry added with its own finding does not hide it under `--against`; globs stay in the
content folders. Each attack is planted (the builders are bench/attacks.py's) and shown held; the quiet
side of each is a real or ordinary workspace that stays as it was. Time and memory are measured by
`bench/attacks.py`, never here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import attacks
import pytest

from workbench.cli import main
from workbench.config import WorkspaceConfig
from workbench.loader import load_workspace
from workbench.pipeline import check
from workbench.pipeline import export as export_docs
from workbench.store import StoreError, read_record, save_record
from workbench.store.writer import STALE_SECONDS, atomic_write

SECRET = "AKIA-s3cr3t-0123456789-abcdefghij"
FORMATS = ("text", "json", "github", "sarif")


def run_check(root: Path, *extra: str, timeout: float = 90) -> tuple[int, list[dict]]:
    """`workbench --check --format json` in its own process: a hang is a timeout, a crash a signal."""
    done = subprocess.run([sys.executable, "-m", "workbench", "--check", "--format", "json", "--root", str(root),
                           *extra], capture_output=True, timeout=timeout, check=False)
    assert done.returncode in (0, 1), (done.returncode, done.stderr.decode(errors="replace")[-2000:])
    return done.returncode, json.loads(done.stdout)["findings"]


def of(findings: list, rule: str) -> list:
    return [f for f in findings if (f["rule"] if isinstance(f, dict) else f.rule) == rule]


# ---------------------------------------------------------------- 1. patterns never hang


def test_a_pattern_jsonschema_rs_refuses_is_a_v001_naming_the_construct(tmp_path):
    attacks.regex_hang(tmp_path)  # `^(a+)+\Z`: it went to python-jsonschema's `re` and never finished
    code, findings = run_check(tmp_path)
    [v001] = of(findings, "V001")
    assert v001["pointer"] == "/pattern" and "`\\Z`" in v001["message"] and "ECMA-262" in v001["message"]
    assert code == 1 and of(findings, "V002") == []  # not validated by another engine behind its back


def test_python_jsonschema_matches_in_linear_time_where_it_validates(tmp_path):
    attacks.regex_fallback(tmp_path)  # jsonschema-rs cannot build it (a `$ref` to nothing): python-jsonschema
    code, findings = run_check(tmp_path)
    [v002] = of(findings, "V002")
    assert v002["pointer"] == "/name" and "does not match" in v002["message"]
    assert of(findings, "V003") and code == 1


def test_lookaround_patterns_run_within_a_budget(make_ws):
    pattern = {"type": "array", "items": {"pattern": "^(?!aws:)[a-z:]+$"}}
    root = make_ws({"ssot/schemas/tags.schema.json": pattern,
                    "ssot/examples/tags/small.json": ["ok:x", "aws:x"],
                    "ssot/examples/tags/large.json": [f"k{i}:x" for i in range(6_000)]})
    v002 = of(check(load_workspace(root), select=["V002"]).findings, "V002")
    assert [(f.path, f.pointer, f.severity) for f in v002] == [
        ("ssot/examples/tags/large.json", None, "warning"), ("ssot/examples/tags/small.json", "/1", "error")]
    assert v002[0].message.startswith("not validated: 6000 strings and keys, each matched by backtracking patterns")
    assert not of(check(load_workspace(root), select=["V001"]).findings, "V001")  # ECMA-262, and run


# ---------------------------------------------------------------- 2. a `$ref` chain never reaches the native stack


def test_a_chain_of_60000_refs_is_a_v005_and_a_clean_exit(tmp_path):
    attacks.ref_chain(tmp_path)  # 2.3 MB: the native validator overflowed its stack (SIGSEGV, exit 139)
    assert 2_000_000 < (tmp_path / "ssot/schemas/chain.schema.json").stat().st_size < 20_000_000
    code, findings = run_check(tmp_path, timeout=180)
    [chain] = [f for f in of(findings, "V005") if "in a row" in f["message"]]
    assert "60001 $refs in a row (from '#/$defs/d0')" in chain["message"] and code == 1
    assert of(findings, "V002") == []


def test_recursion_and_ordinary_chains_are_validated(make_ws):
    tree = {"$ref": "#/$defs/node", "$defs": {"node": {"type": "object", "properties": {
        "value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}}
    defs = {f"d{i}": {"allOf": [{"$ref": f"#/$defs/d{i + 1}"}]} for i in range(300)}
    defs["d300"] = {"type": "integer"}
    root = make_ws({"ssot/schemas/tree.schema.json": tree, "ssot/examples/tree.json": {"children": [{"value": "x"}]},
                    "ssot/schemas/chain.schema.json": {"$ref": "#/$defs/d0", "$defs": defs},
                    "ssot/examples/chain.json": '"x"'})
    findings = check(load_workspace(root), select=["validity"]).findings
    assert of(findings, "V005") == []
    assert sorted((f.path, f.pointer) for f in of(findings, "V002")) == [
        ("ssot/examples/chain.json", ""), ("ssot/examples/tree.json", "/children/0/value")]


def test_a_long_recursive_cycle_counts_once_per_level_of_nesting(make_ws):
    # 20 hops in place, then one level down: 64 levels of nesting follow 21 x 64 refs in a row
    defs = {f"d{i}": {"$ref": f"#/$defs/d{i + 1}"} for i in range(20)}
    defs["d20"] = {"items": {"$ref": "#/$defs/d0"}}
    root = make_ws({"ssot/schemas/deep.schema.json": {"$ref": "#/$defs/d0", "$defs": defs}})
    [cycle] = of(check(load_workspace(root), select=["V005"]).findings, "V005")
    assert "may follow 1365 $refs in a row (from '#/$defs/d0')" in cycle.message  # 21 x 65, an upper bound


# ---------------------------------------------------------------- 3. ceilings the repository cannot lift


RAISING = ("version: 1\nbudgets:\n  leaves: 100000000\n  steps: 100000000000\nthresholds:\n  max_nesting: 100000\n"
           "limits:\n  max_file_bytes: 999999999999\n  max_total_bytes: 999999999999\n")


def test_workspace_yaml_may_lower_the_limits_never_raise_them(make_ws, capsys):
    root = make_ws({"ssot/schemas/a.schema.json": {"type": "object"}, "decisions/workspace.yaml": RAISING})
    ws = load_workspace(root)
    cfg, ceiling = ws.config, WorkspaceConfig()  # the defaults are the ceilings
    assert (cfg.budgets.leaves, cfg.budgets.steps, cfg.thresholds.max_nesting, cfg.max_file_bytes,
            cfg.max_total_bytes) == (ceiling.budgets.leaves, ceiling.budgets.steps, ceiling.thresholds.max_nesting,
                                     ceiling.max_file_bytes, ceiling.max_total_bytes)
    capped = [(p.line, p.field, p.kind) for p in ws.problems if p.path == "decisions/workspace.yaml"]
    assert capped == [(3, "budgets.leaves", "warning"), (4, "budgets.steps", "warning"),
                      (6, "thresholds.max_nesting", "warning"), (8, "limits.max_file_bytes", "warning"),
                      (9, "limits.max_total_bytes", "warning")]
    raised = load_workspace(root, ceilings=None).config  # what `--raise-limits` reads
    assert (raised.budgets.leaves, raised.max_file_bytes) == (100000000, 999999999999)
    assert main(["--check", "--root", str(root), "--select", "L001", "--format", "json", "--raise-limits"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []


def test_a_lower_limit_applies_quietly(make_ws):
    config = "version: 1\nbudgets:\n  leaves: 100\nlimits:\n  max_file_bytes: 5000\n"
    root = make_ws({"ssot/schemas/a.schema.json": {"type": "object"}, "decisions/workspace.yaml": config})
    ws = load_workspace(root)
    assert (ws.config.budgets.leaves, ws.config.max_file_bytes) == (100, 5000)
    assert [p for p in ws.problems if p.path == "decisions/workspace.yaml"] == []


def test_a_total_input_cap_refuses_the_files_past_it(make_ws):
    config = "version: 1\nlimits:\n  max_total_bytes: 20000\n"
    root = make_ws({"ssot/schemas/a.schema.json": {"type": "array"}, "decisions/workspace.yaml": config,
                    **{f"ssot/examples/a/{i}.json": json.dumps(["x" * 7_000]) for i in range(3)}})
    ws = load_workspace(root)
    assert [e.path for e in ws.examples] == ["ssot/examples/a/0.json", "ssot/examples/a/1.json"]
    [refused] = [p for p in ws.problems if p.path.startswith("ssot/")]
    assert refused.path == "ssot/examples/a/2.json" and "limits.max_total_bytes" in refused.message


def test_a_large_example_reports_its_first_error_only(make_ws):
    # the decision on one 20 MB example (1 GB, 18 s before): within the per-file cap it is read, and past
    # 100 kB only its first error is listed (jsonschema-rs makes every error before it hands over one)
    root = make_ws({"ssot/schemas/b.schema.json": {"type": "array", "items": {"type": "integer"}},
                    "ssot/examples/b.json": json.dumps(["ab"] * 30_000),
                    "ssot/examples/b/small.json": json.dumps(["ab"] * 30)})
    v002 = of(check(load_workspace(root), select=["V002"]).findings, "V002")
    big = [f for f in v002 if f.path == "ssot/examples/b.json"]
    assert [f.pointer for f in big] == ["/0"] and "the first error only" in big[0].message
    assert len([f for f in v002 if f.path == "ssot/examples/b/small.json"]) == 20  # a small one: as before


def test_example_mapping_costs_the_files_not_their_product(tmp_path):
    attacks.quadratic_map(tmp_path, 200)  # 200 x 200 files: 40,000 validations before (1,000 x 1,000: 4 GB)
    ws = load_workspace(tmp_path)
    assert ws.examples == ()
    [refused] = [p for p in ws.problems if p.path == "decisions/workspace.yaml"]
    assert refused.line == 4 and "(40000 pairs), over the 6400 left" in refused.message


def test_example_mapping_within_the_files_applies(make_ws):
    schemas = {f"ssot/schemas/s{i}.schema.json": {"type": "object"} for i in range(16)}
    files = {f"ssot/ex/e{i}.json": {"n": i} for i in range(16)}
    config = ("version: 1\nexamples:\n  map:\n    \"ssot/schemas/*.schema.json\": [\"ssot/ex/*.json\"]\n"
              "    ssot/schemas/s0.schema.json: [\"ssot/many/*.json\"]\n")
    many = {f"ssot/many/m{i}.json": {"n": i} for i in range(300)}
    ws = load_workspace(make_ws({**schemas, **files, **many, "decisions/workspace.yaml": config}))
    assert len(ws.examples) == 16 * 16 + 300
    assert [p for p in ws.problems if p.path == "decisions/workspace.yaml"] == []


def test_byte_identical_schemas_keep_their_own_findings(make_ws):
    config = 'version: 1\nexamples:\n  map:\n    "ssot/schemas/*.schema.json": ["ssot/ex/shared.json"]\n'
    same = {"type": "object", "properties": {"n": {"type": "integer"}}}
    root = make_ws({"ssot/schemas/a.schema.json": same, "ssot/schemas/b.schema.json": same,
                    "ssot/ex/shared.json": {"n": "x"}, "decisions/workspace.yaml": config})
    v002 = of(check(load_workspace(root), select=["V002"]).findings, "V002")
    assert sorted(f.subjects for f in v002) == [("a", "ssot/ex/shared.json"), ("b", "ssot/ex/shared.json")]
    assert sorted(f.message.rsplit("(schema ", 1)[1] for f in v002) == [
        "ssot/schemas/a.schema.json)", "ssot/schemas/b.schema.json)"]


# ---------------------------------------------------------------- 4. the store writes only what the loader reads


def test_a_lone_surrogate_in_a_schema_key_makes_a_baseline_the_loader_accepts(make_ws, capsys):
    root = make_ws({"ssot/schemas/s.schema.json": '{"type": "object", "properties": {"\\ud800": {"type": "integer"}}}',
                    "ssot/examples/s.json": '{"\\ud800": "x"}', "decisions/workspace.yaml": "version: 1\n"})
    assert main(["baseline", "--root", str(root)]) == 0
    text = (root / "decisions/baseline.yaml").read_text(encoding="utf-8")
    assert "pointer: /\\ud800" in text  # the surrogate escaped, as the text report shows it
    ws = load_workspace(root)
    assert [p for p in ws.problems if p.path == "decisions/baseline.yaml"] == []
    capsys.readouterr()
    assert main(["--check", "--root", str(root), "--format", "json"]) == 0
    [v002] = of(json.loads(capsys.readouterr().out)["findings"], "V002")
    assert v002["baselined"] is True


def test_the_store_refuses_to_write_what_the_loader_would_not_read(tmp_path):
    path = tmp_path / "decisions/families/f.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("family: f\nowner: a\n", encoding="utf-8")
    rec = read_record(path)
    with pytest.raises(StoreError, match="not valid Unicode text .*nothing written"):
        save_record(path, {"owner": "x\ud800"}, rec.fingerprint)
    assert path.read_text(encoding="utf-8") == "family: f\nowner: a\n"
    assert save_record(path, {"owner": "b"}, rec.fingerprint).plain()["owner"] == "b"


def test_a_write_the_loader_would_refuse_is_not_made(tmp_path):
    path = tmp_path / "decisions/gates.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("gates: []\n", encoding="utf-8")
    with pytest.raises(StoreError, match=r"would not read it back \(malformed YAML: .*\(line 2\)\); nothing written"):
        atomic_write(path, "gates: [\n")
    assert path.read_text(encoding="utf-8") == "gates: []\n"


def test_a_killed_export_leaves_its_temp_files_only_until_the_next_export(repo_root, tmp_path):
    root = tmp_path / "ws"
    for name in ("ssot", "decisions", "clients"):
        if (repo_root / name).is_dir():
            import shutil
            shutil.copytree(repo_root / name, root / name)
    export_docs(load_workspace(root))
    folder = root / "doc/m0-runtime-contract-freeze"
    stale, live = folder / ".wb-m1_dependency_matrix.md.k1ll3d.tmp", folder / ".wb-m1_to_m2_handoff.md.l1v3.tmp"
    for temp in (stale, live):
        temp.write_text("half a document")
    old = time.time() - STALE_SECONDS - 5
    os.utime(stale, (old, old))  # what a killed export left a while ago; `live` is a writer's now
    assert {state for _, state in export_docs(load_workspace(root))} == {"unchanged"}
    assert not stale.exists() and live.exists()


# ---------------------------------------------------------------- 5. the two policies


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.email=a@b", "-c", "user.name=a", *args], check=True,
                   capture_output=True)


def test_a_baseline_entry_added_with_its_finding_does_not_hide_it_under_against(make_ws, capsys):
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    root = make_ws({"ssot/schemas/a.schema.json": schema, "ssot/examples/a.json": {"n": 1},
                    "ssot/schemas/b.schema.json": schema, "ssot/examples/b.json": {"n": "old"},
                    "decisions/workspace.yaml": "version: 1\n"})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "before: b's example was already invalid, nothing accepted it")
    (root / "ssot/examples/a.json").write_text('{"n": "new"}\n')  # the pull request's own new error
    assert main(["baseline", "--root", str(root)]) == 0  # ... and the entries accepting both
    capsys.readouterr()
    assert main(["--check", "--root", str(root), "--format", "json"]) == 0  # without --against: accepted
    capsys.readouterr()
    assert main(["--check", "--root", str(root), "--format", "json", "--against", "HEAD"]) == 1
    v002 = {f["path"]: f for f in of(json.loads(capsys.readouterr().out)["findings"], "V002")}
    assert "baselined" not in v002["ssot/examples/a.json"]
    assert "entry added since HEAD, with the finding: not accepted" in v002["ssot/examples/a.json"]["note"]
    assert v002["ssot/examples/b.json"]["baselined"] is True  # an old finding, newly accepted: fine


def test_an_old_finding_of_a_mapped_example_stays_accepted_under_against(make_ws, capsys):
    config = ("version: 1\nlimits:\n  content_folders: [tools]\nexamples:\n  map:\n"
              "    ssot/schemas/t.schema.json: [\"tools/*.json\"]\n")
    root = make_ws({"ssot/schemas/t.schema.json": {"type": "object", "properties": {"n": {"type": "integer"}}},
                    "tools/t.json": {"n": "old"}, "decisions/workspace.yaml": config})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "before: the mapped example was already invalid")
    assert main(["baseline", "--root", str(root)]) == 0  # the ref is read with its content folders too
    capsys.readouterr()
    assert main(["--check", "--root", str(root), "--format", "json", "--against", "HEAD"]) == 0
    [v002] = of(json.loads(capsys.readouterr().out)["findings"], "V002")
    assert v002["baselined"] is True


def test_config_globs_stay_in_the_content_folders(make_ws, capsys):
    config = 'version: 1\nexamples:\n  map:\n    ssot/schemas/leak.schema.json: ["ci-credentials.json"]\n'
    files = {"ssot/schemas/leak.schema.json": {"type": "string"}, "decisions/workspace.yaml": config,
             "ci-credentials.json": {"token": SECRET}}  # left in the workspace by an earlier CI step
    root = make_ws(files)
    ws = load_workspace(root)
    assert ws.examples == ()
    [refused] = [p for p in ws.problems if p.path == "decisions/workspace.yaml"]
    assert refused.line == 4 and "outside the content folders (ssot; limits.content_folders)" in refused.message
    out = ""
    for fmt in FORMATS:
        main(["--check", "--root", str(root), "--format", fmt])
        got = capsys.readouterr()
        out += got.out + got.err
    assert SECRET[:8] not in out
    opted_out = make_ws({**files, "decisions/workspace.yaml": config + "limits:\n  content_folders: [.]\n"},
                        root.parent / "opted")
    assert [e.path for e in load_workspace(opted_out).examples] == ["ci-credentials.json"]


def test_messages_quote_a_few_characters_of_a_decisions_file(make_ws):
    family = f"family: f\nowner: [{SECRET}, {SECRET}]\nschemas: [ssot/schemas/a.schema.json]\n"
    root = make_ws({"ssot/schemas/a.schema.json": {"type": "object"}, "decisions/families/f.yaml": family})
    [problem] = [p for p in load_workspace(root).problems if p.path == "decisions/families/f.yaml"]
    assert problem.field == "owner" and "is not of type 'string'" in problem.message
    assert SECRET not in problem.message and len(problem.message) < 80
