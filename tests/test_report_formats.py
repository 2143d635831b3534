"""Presenters: json, github, sarif and text output shapes."""

from __future__ import annotations

import io
import json
import re

import pytest
from helpers_sarif import sarif_errors

from workbench.cli import _console, main
from workbench.engine import CheckResult
from workbench.findings import Finding
from workbench.loader import load_workspace
from workbench.pipeline import check
from workbench.report.github import render_github
from workbench.report.jsondoc import render_json
from workbench.report.sarif import render_sarif
from workbench.report.text import print_text as render_text
from workbench.rules.registry import all_rules

GH_LINE = re.compile(r"^::(error|warning|notice) file=[^,:]+(,line=\d+)?,title=[^,:]+::.*$")


@pytest.fixture
def findings_ws(make_ws):
    """Errors, warnings and an info in three files, with multi-line JSON so lines are real."""
    return make_ws({
        "ssot/schemas/a.schema.json": {"type": "object", "properties": {"id": {"type": "strin"}}},
        "ssot/schemas/b.schema.json": {"type": "object", "properties": {"x": {"$ref": "https://example.com/x.json"}}},
        "ssot/examples/b.json": {"x": 1},
        "ssot/schemas/c.schema.json": '{\n  "type": "object",\n  "type": "string"\n}\n',
    })


@pytest.fixture
def result(findings_ws) -> CheckResult:
    return check(load_workspace(findings_ws), select=["load", "validity"])


def synthetic(message: str, severity: str = "error", path: str = "ssot/schemas/x.schema.json") -> CheckResult:
    rules = tuple(r for r in all_rules() if r.id in {"V001", "V006"})
    finding = Finding("V001", "validity", severity, message, path, 7, ("x",))
    return CheckResult("/root", (finding,), rules)


# --- json -----------------------------------------------------------------------------------


def test_json_shape_sorted_and_stable(findings_ws, result):
    doc = json.loads(render_json(result))
    assert set(doc) == {"root", "summary", "findings"}
    assert doc["root"] == str(findings_ws.resolve())
    assert set(doc["summary"]) == {"error", "warning", "info", "total", "baselined"}
    assert doc["summary"]["total"] == len(doc["findings"]) == len(result.findings) > 0
    assert doc["summary"]["error"] > 0 and doc["summary"]["warning"] > 0 and doc["summary"]["info"] > 0
    for f in doc["findings"]:
        assert {"rule", "category", "severity", "message", "path", "line", "subjects"} <= set(f)
    keys = [(f["path"], f["line"] or 0, f["rule"], f["message"]) for f in doc["findings"]]
    assert keys == sorted(keys)
    again = check(load_workspace(findings_ws), select=["load", "validity"])
    assert render_json(again) == render_json(result)


# --- github ---------------------------------------------------------------------------------


def test_github_annotations(result):
    lines = render_github(result).splitlines()
    *annotations, summary = lines
    assert len(annotations) == len(result.findings)
    for line in annotations:
        assert GH_LINE.match(line), line
    assert any(line.startswith("::notice ") for line in annotations)  # info -> notice
    assert any(",line=" in line for line in annotations)
    assert re.match(r"^\d+ error\(s\), \d+ warning\(s\), \d+ info in \d+ rules$", summary)


def test_github_escapes_newlines_percent_and_properties():
    out = render_github(synthetic("100% wrong\nsecond line\r", path="ssot/a,b:c.schema.json"))
    line = out.splitlines()[0]
    assert GH_LINE.match(line), line
    assert line.endswith("::100%25 wrong%0Asecond line%0D")
    assert "file=ssot/a%2Cb%3Ac.schema.json,line=7,title=V001 validity::" in line


# --- sarif ----------------------------------------------------------------------------------


def test_sarif_validates_against_published_schema(result):
    """Skips without ../shared/schemas on a developer machine; fails in CI (`CI` set), where it must run."""
    log = json.loads(render_sarif(result))
    errors = sarif_errors(log)
    assert not errors, "\n".join(errors[:10])

    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in result.rules]
    assert len(run["results"]) == len(result.findings)
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in {"error", "warning", "note"}
    assert {res["level"] for res in run["results"]} == {"error", "warning", "note"}
    located = [r for r in run["results"] if "region" in r["locations"][0]["physicalLocation"]]
    assert located and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in located)


# --- text -----------------------------------------------------------------------------------


def test_text_under_no_color_pipe(findings_ws, result, monkeypatch, capsys):
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["--check", "--root", str(findings_ws), "--select", "load", "validity"]) == 1
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    lines = out.rstrip("\n").splitlines()
    assert lines[-1] == f"{result.summary['error']} error(s), {result.summary['warning']} warning(s), " \
                        f"{result.summary['info']} info in {len(result.rules)} rules"
    headers = [line for line in lines if line and not line.startswith(" ")][:-1]
    paths = sorted({f.path for f in result.findings})
    assert headers == paths  # one group per file, in order
    for f in result.findings:
        assert any(line.startswith("  ") and f.rule in line and f.message in line for line in lines)


def test_text_shows_markup_literally():
    buf = io.StringIO()
    render_text(synthetic("type [bold]x[/] is [TODO] and [red]not styled"), _console(buf))
    out = buf.getvalue()
    assert "type [bold]x[/] is [TODO] and [red]not styled" in out
    assert "\x1b[" not in out


def test_text_shows_file_content_literally_end_to_end(make_ws, capsys):
    root = make_ws({"ssot/schemas/a.schema.json": {"type": "[bold]x[/]", "title": "[TODO]"}})
    assert main(["--check", "--root", str(root), "--select", "V001"]) == 1
    assert "'[bold]x[/]' is not one of" in capsys.readouterr().out
