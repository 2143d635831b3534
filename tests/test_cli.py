"""`workbench` command line: exit codes 0/1/2, rule selection, subcommands, no tracebacks."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

import pytest
from ruamel.yaml import YAML

from workbench.cli import build_parser, main
from workbench.rules.registry import all_rules

SCHEMA = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
FAMILY = """\
family: demo
title: Demo
intent_class: status
schemas: [ssot/schemas/demo.schema.json]
owner: platform
stability_tier: stable/v1
decision: reuse
rationale: "covers it"
wire_mapping: "none: internal"
version_policy: "additive only"
"""
VALIDITY = ["--select", "load", "validity"]  # other rule families judge governance content


@pytest.fixture
def clean(make_ws):
    return make_ws({
        "ssot/schemas/demo.schema.json": SCHEMA,
        "ssot/schemas/common/ids.schema.json": {"$defs": {"id": {"type": "string"}}},
        "ssot/examples/demo.json": {"id": "x"},
        "decisions/families/demo.yaml": FAMILY,
    })


@pytest.fixture
def mixed(make_ws):
    """One V001 error (bad type name) and one V006 warning (no example)."""
    return make_ws({
        "ssot/schemas/demo.schema.json": {"type": "object", "properties": {"id": {"type": "strin"}}},
        "decisions/families/demo.yaml": FAMILY,
    })


@pytest.fixture
def warning_only(make_ws):
    return make_ws({"ssot/schemas/demo.schema.json": SCHEMA, "decisions/families/demo.yaml": FAMILY})


def run_json(capsys, *argv) -> tuple[int, dict]:
    code = main([*argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def rules_in(doc: dict) -> set[str]:
    return {f["rule"] for f in doc["findings"]}


# --- exit codes -----------------------------------------------------------------------------


def test_clean_exits_0(clean, capsys):
    code, doc = run_json(capsys, "--check", "--root", str(clean), *VALIDITY)
    assert code == 0 and doc["findings"] == [] and doc["summary"]["total"] == 0


def test_errors_exit_1(mixed, capsys):
    code, doc = run_json(capsys, "--check", "--root", str(mixed), *VALIDITY)
    assert code == 1
    assert rules_in(doc) == {"V001", "V006"}


def test_fail_on_warning(warning_only, capsys):
    code, doc = run_json(capsys, "--check", "--root", str(warning_only), *VALIDITY)
    assert code == 0 and rules_in(doc) == {"V006"}
    code, _ = run_json(capsys, "--check", "--root", str(warning_only), *VALIDITY, "--fail-on", "warning")
    assert code == 1


def test_missing_root_exits_2(tmp_path, capsys):
    for argv in (["--check"], ["status"], ["checklist"], []):
        assert main([*argv, "--root", str(tmp_path / "nope")]) == 2
        assert "not a directory" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["--check", "--format", "xml"],
    ["--check", "--fail-on", "info"],
    ["--bogus"],
    ["frobnicate"],
    ["explain"],
])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


# --- selection ------------------------------------------------------------------------------


def test_select_by_id(mixed, capsys):
    code, doc = run_json(capsys, "--check", "--root", str(mixed), "--select", "V006")
    assert code == 0 and rules_in(doc) == {"V006"}
    code, doc = run_json(capsys, "--check", "--root", str(mixed), "--select", "v001")
    assert code == 1 and rules_in(doc) == {"V001"}


def test_select_by_category_and_ignore_by_id(mixed, capsys):
    code, doc = run_json(capsys, "--check", "--root", str(mixed), "--select", "validity", "--ignore", "V001")
    assert code == 0 and rules_in(doc) == {"V006"}


def test_ignore_by_category(mixed, capsys):
    code, doc = run_json(capsys, "--check", "--root", str(mixed), *VALIDITY, "--ignore", "validity")
    assert code == 0 and doc["findings"] == []
    code, doc = run_json(capsys, "--check", "--root", str(mixed), "--ignore", "validity")
    assert not {r for r in rules_in(doc) if r.startswith("V")}


# --- subcommands ----------------------------------------------------------------------------


def test_rules_lists_every_rule(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^([A-Z]\d{3})\s", out, re.M)
    assert listed == [r.id for r in all_rules()]
    assert {"L001", "V001", "V006"} <= set(listed)


def test_explain(capsys):
    assert main(["explain", "V001"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("V001 schema-meta-invalid")
    assert "meta-schema" in out and "default severity: error" in out


def test_explain_unknown_rule_exits_2(capsys):
    assert main(["explain", "NOPE"]) == 2
    assert "unknown rule 'NOPE'" in capsys.readouterr().err


def test_status_json(clean, capsys):
    assert main(["status", "--root", str(clean), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["root"] == str(clean.resolve())
    assert (data["schemas"], data["shared_schemas"], data["examples"]) == (2, 1, 1)
    assert data["intent_classes"]["status"] == {"families": 1, "schemas": 1}
    assert data["intent_classes"]["undecided"] == {"families": 0, "schemas": 0}
    assert data["decisions"] == {"reuse": 1}
    assert data["problems"] == []


def test_status_json_reports_problems(make_ws, capsys):
    root = make_ws({"ssot/schemas/demo.schema.json": "{\n  nope\n}\n"})
    assert main(["--root", str(root), "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {(p["path"], p["line"]) for p in data["problems"]} >= {("ssot/schemas/demo.schema.json", 2)}


def test_bare_workbench_without_tty_prints_status(clean, capsys):
    assert main(["--root", str(clean)]) == 0
    out = capsys.readouterr().out
    assert f"workspace {clean.resolve()}" in out
    assert "2 schemas (1 shared), 1 examples, 1 families" in out
    assert out.rstrip().endswith("0 problem(s)")


def test_pre_commit_hook_runs_the_check(repo_root):
    [hook] = YAML(typ="safe").load((repo_root / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "workbench-check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    prog, *argv = shlex.split(hook["entry"])
    assert prog == "workbench" and build_parser().parse_args(argv).check
    files = re.compile(hook["files"])
    assert files.search("ssot/schemas/x.schema.json") and files.search("decisions/families/x.yaml")
    assert not files.search("workbench/cli.py") and not files.search("doc/ssot/x.md")


# --- every kind of bad file: findings, never a traceback ------------------------------------

BAD_FILES = {
    "ssot/schemas/malformed.schema.json": '{\n  "type": "object",\n  "properties": {\n}\n',
    "ssot/schemas/latin1.schema.json": b'{\n  "title": "caf\xe9"\n}\n',
    "ssot/schemas/deep.schema.json": "[" * 100_000 + "]" * 100_000,
    "ssot/schemas/dupkeys.schema.json": '{\n  "type": "object",\n  "type": "string"\n}\n',
    "ssot/schemas/list.schema.json": "[1, 2, 3]\n",
    "ssot/schemas/bigint.schema.json": '{"maximum": ' + "9" * 5000 + "}\n",
    "ssot/examples/demo/broken.json": '{"id": \n',
    "decisions/families/badyaml.yaml": "family: badyaml\nschemas: [a\n",
    "decisions/families/dangling.yaml": "family: dangling\nschemas:\n  - ssot/schemas/gone.schema.json\n",
    "decisions/families/tagged.yaml": "family: tagged\ntitle: !!python/object/apply:os.system [echo hi]\n",
    "decisions/gates.yaml": "gates: 12\n",
}


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_every_bad_file_checks_without_traceback(make_ws, fmt):
    root = make_ws({"ssot/schemas/demo.schema.json": SCHEMA, "ssot/examples/demo.json": {"id": "x"}, **BAD_FILES})
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", "--check", "--root", str(root), "--format", fmt],
        capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert proc.returncode == 1, proc.stderr
    if fmt == "text":
        assert all(path in proc.stdout for path in BAD_FILES)
        return
    doc = json.loads(proc.stdout)
    load = {f["path"]: f for f in doc["findings"] if f["rule"] == "L001"}
    assert set(BAD_FILES) <= set(load), sorted(load)
    assert all(load[p]["severity"] == "error" for p in BAD_FILES)
    assert "gone.schema.json" in load["decisions/families/dangling.yaml"]["message"]
    assert not [f for f in doc["findings"] if " failed: " in f["message"]], "a rule crashed"


def test_the_command_ends_without_teardown_and_loses_no_output(make_ws):
    """`python -m workbench` (and the `workbench` script) exits through `cli.run`: the process ends without
    freeing its objects one by one, after flushing what it wrote. A report larger than a pipe's buffer
    arrives whole, with the exit code of the verdict; a reader that stops early gets no traceback."""
    files = {f"ssot/schemas/s{i}.schema.json": {"type": "object", "properties": {"n": {"type": "strng"}}}
             for i in range(400)}  # 400 V001 errors: a JSON report of several hundred kB
    root = make_ws(files)
    command = [sys.executable, "-m", "workbench", "--check", "--root", str(root), "--format", "json"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stdout) > 1 << 16 and sum(f["rule"] == "V001" for f in json.loads(proc.stdout)["findings"]) == 400
    head = subprocess.run(f"{shlex.join(command)} | head -c 100", shell=True, capture_output=True, text=True,
                          timeout=120)
    assert len(head.stdout) == 100 and "Traceback" not in head.stderr, head.stderr
    small = make_ws({"ssot/schemas/one.schema.json": files["ssot/schemas/s0.schema.json"]})
    text = subprocess.run([sys.executable, "-m", "workbench", "--check", "--root", str(small), "--format", "text"],
                          capture_output=True, text=True, timeout=120)  # a few lines: all in the stream's buffer
    assert text.returncode == 1 and "1 error(s)" in text.stdout, (text.stdout, text.stderr)


@pytest.mark.parametrize("working", [False, True])
def test_the_command_waits_for_a_thread_still_working(tmp_path, working):
    """`cli.run` skips the interpreter's teardown (an exit handler never runs), unless a thread still works
    (a TUI export writing its files): then it exits as usual, after that thread has finished."""
    done = tmp_path / "done"
    script = f"""
import atexit, pathlib, threading, time
import workbench.cli as cli
atexit.register(lambda: print("torn down"))
def work():
    time.sleep(0.3)
    pathlib.Path({str(done)!r}).write_text("written")
def main():
    if {working}:
        threading.Thread(target=work).start()
    print("checked")
    return 3
cli.main = main
cli.run()
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3 and proc.stdout.splitlines() == (["checked", "torn down"] if working else ["checked"])
    assert done.exists() == working
