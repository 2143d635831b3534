"""I001: thin-client-only invocation policy, checked statically with `ast`."""

from __future__ import annotations

import textwrap

import pytest
from helpers_governance import findings_of, yaml_doc
from helpers_ws import write

POLICY = yaml_doc({
    "scan": ["clients/**/*.py"],
    "approved": ["clients/transport.py"],
    "forbidden": {"imports": ["subprocess", "tools.orchestrator"],
                  "calls": ["subprocess.run", "subprocess.Popen", "os.system"]},
})
CLEAN = "import json\n\n\ndef send(payload):\n    return json.dumps(payload)\n"


def inv_ws(tmp_path, files: dict):
    return write(tmp_path, {"decisions/invocation.yaml": POLICY, "clients/transport.py": "import subprocess\n"
                            "subprocess.run(['domed'])\n", "clients/ok.py": CLEAN} | files)


def findings(tmp_path, source: str, name: str = "clients/bad.py"):
    return findings_of(inv_ws(tmp_path, {name: textwrap.dedent(source)}), "I001")


def test_quiet_for_clean_client_and_approved_transport(tmp_path):
    assert findings_of(inv_ws(tmp_path, {}), "I001") == []


@pytest.mark.parametrize("source, line, entry", [
    ("import json\nimport subprocess\n", 2, "subprocess"),
    ("from subprocess import run\n", 1, "subprocess"),
    ("import tools.orchestrator.pipeline\n", 1, "tools.orchestrator"),
    ("from tools.orchestrator import plan\n", 1, "tools.orchestrator"),
    ("from tools import orchestrator\n", 1, "tools.orchestrator"),
    ("def f():\n    import subprocess as sp\n", 2, "subprocess"),
    ("import importlib\nm = importlib.import_module('subprocess')\n", 2, "subprocess"),
])
def test_forbidden_imports(tmp_path, source, line, entry):
    found = findings(tmp_path, source)
    assert [(f.path, f.line, f.subjects) for f in found] == [("clients/bad.py", line, ("clients/bad.py", entry))]
    assert "forbidden import" in found[0].message


@pytest.mark.parametrize("source, call_line, name", [
    ("import subprocess\nsubprocess.run(['x'])\n", 2, "subprocess.run"),
    ("import subprocess as sp\n\nsp.Popen(['x'])\n", 3, "subprocess.Popen"),
    ("from subprocess import run\nrun(['x'])\n", 2, "subprocess.run"),
    ("from subprocess import run as go\nif True:\n    go(['x'])\n", 3, "subprocess.run"),
])
def test_forbidden_calls_through_aliases(tmp_path, source, call_line, name):
    found = findings(tmp_path, source)
    calls = [f for f in found if "forbidden call" in f.message]
    assert [(f.line, f.subjects[1]) for f in calls] == [(call_line, name)]
    assert any("forbidden import" in f.message and f.line == 1 for f in found)  # the import is its own finding


def test_forbidden_call_without_forbidden_import(tmp_path):
    found = findings(tmp_path, "import os\n\nos.system('ls')\nos.path.join('a')\n")
    assert [(f.line, f.subjects[1]) for f in found] == [(3, "os.system")]


def test_lookalikes_are_not_violations(tmp_path):
    source = """
        import subprocessing
        from mytools.orchestrator import x
        from . import subprocess
        subprocess.run(['x'])
        def run(cmd):
            return cmd
        run(['x'])
        obj.subprocess.run()
        text = "import subprocess"
    """
    assert findings(tmp_path, source) == []


def test_files_outside_scan_globs_and_approved_files_are_ignored(tmp_path):
    root = inv_ws(tmp_path, {"tools/runner.py": "import subprocess\n", "clients/notes.txt": "import subprocess\n"})
    assert findings_of(root, "I001") == []


def test_syntax_error_is_a_finding_not_a_crash(tmp_path):
    found = findings(tmp_path, "import json\n\ndef broken(:\n    pass\n")
    assert [(f.path, f.line, f.severity) for f in found] == [("clients/bad.py", 3, "error")]
    assert "SyntaxError line 3" in found[0].message


def test_non_utf8_file_is_a_finding(tmp_path):
    root = inv_ws(tmp_path, {"clients/latin.py": b"# caf\xe9\nimport subprocess\n"})
    found = findings_of(root, "I001")
    assert [(f.path, f.line) for f in found] == [("clients/latin.py", 1)]
    assert "UTF-8" in found[0].message


def test_scanned_file_is_never_executed(tmp_path):
    marker = tmp_path / "executed"
    findings(tmp_path, f"open({str(marker)!r}, 'w').write('x')\nimport subprocess\n")
    assert not marker.exists()


def test_no_policy_means_no_scan(tmp_path):
    root = write(tmp_path, {"decisions/workspace.yaml": "version: 1\n", "clients/bad.py": "import subprocess\n"})
    assert findings_of(root, "I001") == []
