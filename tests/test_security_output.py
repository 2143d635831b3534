"""Issue #12 case 5: repository text cannot inject into the check's output.

A pull request controls file names, schema keys and messages. Each test plants such text and shows
that no format lets it forge a GitHub Actions workflow command (`::cmd` at a line start after
whitespace, or legacy `##[cmd]` anywhere in a line, as the runner parses them), reach the terminal
as a raw control character, crash a strict UTF-8 stdout, or break the JSON/SARIF document.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

import helpers_sarif
import pytest
from helpers_sarif import sarif_errors
from helpers_structural import make_ws
from helpers_ws import family, schema

from workbench.cli import _console, main
from workbench.engine import CheckResult
from workbench.findings import Finding
from workbench.report import sanitize
from workbench.report.diff import render_diff
from workbench.report.github import render_github
from workbench.report.jsondoc import render_json
from workbench.report.sarif import render_sarif
from workbench.report.text import print_text as render_text
from workbench.rules.registry import all_rules

FORMATS = ("text", "json", "github", "sarif")
BODY = {"type": "object"}
FORGED = "x\n::error file=README.md,line=1::forged"  # a file name that would print a line of its own
LEGACY = "h##[error]legacy"                          # the runner's legacy form, honoured mid-line
ESC = "e\x1b[31mred\x1b]0;title\x07\x9b2J\u202egnp"  # CSI colour, OSC title + BEL, C1 CSI, RTL override
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# the commands the runner registers (ActionCommandManager), for the legacy `##[cmd]` form
REGISTERED = ("set-env", "set-output", "save-state", "add-mask", "add-path", "add-matcher", "remove-matcher",
              "debug", "warning", "error", "notice", "group", "endgroup", "echo", "stop-commands")


# --- the GitHub runner's two parsers, as documented in actions/runner ActionCommand.cs ------------------------


def _unescape_property(s: str) -> str:
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def _unescape_data(s: str) -> str:
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def runner_commands(output: str) -> list[tuple[str, dict[str, str], str]]:
    """Every workflow command the GitHub runner would obey in `output` (one log line at a time)."""
    found = []
    for line in re.split(r"\r\n|\n|\r", output):
        text = line.lstrip()
        if text.startswith("::") and (end := text.find("::", 2)) > 0:  # TryParseV2
            info, data = text[2:end], text[end + 2:]
            name, _, props = info.partition(" ")
            pairs = dict(p.split("=", 1) for p in props.split(",") if "=" in p)
            found.append((name, {k: _unescape_property(v) for k, v in pairs.items()}, _unescape_data(data)))
            continue
        at = line.find("##[")  # TryParse (legacy): anywhere in the line
        if at >= 0 and (close := line.find("]", at)) > 0:
            name = line[at + 3:close].split(" ", 1)[0]
            if name in REGISTERED:
                found.append((name, {}, line[close + 1:]))
    return found


def synthetic(message: str = "m", path: str = "ssot/schemas/x.schema.json", note: str = "",
              subjects: tuple[str, ...] = ("x",)) -> CheckResult:
    rules = tuple(r for r in all_rules() if r.id in {"V001", "V006"})
    return CheckResult("/root", (Finding("V001", "validity", "error", message, path, 7, subjects, note),), rules)


def text_of(result: CheckResult) -> str:
    buf = io.StringIO()
    render_text(result, _console(buf))
    return buf.getvalue()


def hostile_ws(tmp_path: Path, *names: str) -> Path:
    root = make_ws(tmp_path / "ws", {}, [])
    for name in names:
        (root / "ssot/schemas" / f"{name}.schema.json").write_text(json.dumps(BODY))
    return root


def check_output(root: Path, fmt: str, capsys, *extra: str) -> tuple[int, str]:
    code = main(["--check", "--root", str(root), "--format", fmt, *extra])
    got = capsys.readouterr()
    assert got.err == "" and code in (0, 1)
    return code, got.out


# --- forged workflow commands ---------------------------------------------------------------------------


def test_a_file_name_cannot_forge_an_annotation_in_text_output(tmp_path, capsys):
    root = hostile_ws(tmp_path, FORGED, LEGACY)
    _, out = check_output(root, "text", capsys)
    assert runner_commands(out) == []
    assert "ssot/schemas/x\\n::error file=README.md,line=1::forged.schema.json" in out  # the path, escaped
    assert "ssot/schemas/h##[\\error]legacy.schema.json" in out
    for line in out.splitlines():
        assert not line.lstrip().startswith("::"), line


def test_a_file_name_cannot_forge_an_annotation_in_github_output(tmp_path, capsys):
    root = hostile_ws(tmp_path, FORGED, LEGACY)
    _, out = check_output(root, "github", capsys)
    _, doc = check_output(root, "json", capsys)
    findings = json.loads(doc)["findings"]
    commands = runner_commands(out)
    assert len(commands) == len(findings) == len(out.splitlines()) - 1  # one annotation per finding, nothing else
    assert [c[1].get("file") for c in commands] == [f["path"] for f in findings]  # file= round-trips exactly
    assert {c[0] for c in commands} <= {"error", "warning", "notice"}
    forged = [c for c in commands if c[1]["file"] == f"ssot/schemas/{FORGED}.schema.json"]
    assert forged and all(c[1]["line"] == "1" and FORGED in c[2] for c in forged)  # the name stays data


def test_a_line_start_or_legacy_marker_is_defused_in_every_text_field():
    result = synthetic("first\n::stop-commands::tok\n  \u3000::error::x ##[add-mask]y", path="::error file=a::b",
                       note="##[error]n\n::warning::w")
    out = text_of(result)
    assert runner_commands(out) == [], out
    assert "\\x3a:error file=a::b" in out and "\\x3a:stop-commands::tok" in out and "##[\\add-mask]y" in out


def test_the_waiver_note_is_part_of_the_github_annotation():
    out = render_github(synthetic("overlaps x", note="waived in decisions/families/a.yaml: shared by design"))
    [(name, props, data)] = runner_commands(out)
    assert data == "overlaps x (waived in decisions/families/a.yaml: shared by design)"


# --- control characters ---------------------------------------------------------------------------------


def test_escape_sequences_in_a_file_name_are_shown_escaped(tmp_path, capsys):
    root = hostile_ws(tmp_path, ESC)
    shown = "e\\x1b[31mred\\x1b]0;title\\x07\\x9b2J\\u202egnp"
    for fmt in ("text", "github"):
        _, out = check_output(root, fmt, capsys)
        assert not RAW_CONTROL.search(out), (fmt, out)
        assert shown in out, fmt
        assert runner_commands(out) == [] if fmt == "text" else len(runner_commands(out)) == len(out.splitlines()) - 1


def test_escape_sequences_in_a_schema_key_are_shown_escaped(tmp_path, capsys):
    """C001 names the changed property by its pointer: the key comes from the schema."""
    key = "k\x1b[2J\x1b]8;;evil\x07"
    fams = [family("res", ["res"], decision="extend")]
    make_ws(tmp_path / "old", {"res": schema({key: {"type": "string"}, "a": {"type": "string"}})}, fams)
    new = make_ws(tmp_path / "new", {"res": schema({"a": {"type": "string"}})}, fams)
    args = ("--select", "compatibility", "--against-dir", str(tmp_path / "old"))
    for fmt in ("text", "github"):
        code, out = check_output(new, fmt, capsys, *args)
        assert code == 1 and "property removed" in out
        assert not RAW_CONTROL.search(out), (fmt, out)
        assert "/properties/k\\x1b[2J\\x1b]8;;evil\\x07" in out
    _, doc = check_output(new, "json", capsys, *args)
    assert json.loads(doc)["findings"][0]["data"]["pointer"] == f"/properties/{key}"  # JSON keeps the value
    for fmt in ("text", "json"):
        assert main(["diff", "--root", str(new), "--against-dir", str(tmp_path / "old"), "--format", fmt]) == 1
        out = capsys.readouterr().out
        assert not RAW_CONTROL.search(out), (fmt, out)


def test_escape_sequences_in_messages_subjects_and_notes():
    result = synthetic(f"bad {ESC}\r\tend", note=f"waived: {ESC}\nnext", subjects=(ESC,))
    for out in (text_of(result), render_github(result)):
        assert not RAW_CONTROL.search(out), out
        assert "\\x1b[31mred" in out and "\\u202egnp" in out
    assert "bad e\\x1b[31mred\\x1b]0;title\\x07\\x9b2J\\u202egnp\\r\\tend" in text_of(result)
    for out in (render_json(result), render_sarif(result)):  # JSON: the same values, written as \u escapes
        assert not RAW_CONTROL.search(out)
        assert "##[" not in out
    assert json.loads(render_json(result))["findings"][0]["subjects"] == [ESC]
    sarif = json.loads(render_sarif(result))["runs"][0]["results"][0]
    assert sarif["message"]["text"] == f"bad {ESC}\r\tend (waived: {ESC}\nnext)"
    assert sarif["properties"]["subjects"] == [ESC]


def test_json_writes_legacy_markers_and_invisible_controls_as_escapes_without_changing_values():
    message = "##[error]x \x85 \u2028 \u2066 \x7f"
    for out in (render_json(synthetic(message)), render_sarif(synthetic(message))):
        assert runner_commands(out) == [] and not RAW_CONTROL.search(out) and "\u2028" not in out
    assert json.loads(render_json(synthetic(message)))["findings"][0]["message"] == message


def test_multi_line_messages_keep_their_lines_as_indented_continuations():
    out = text_of(synthetic("differs (2 changed line(s)); run `workbench export`:\n  -old row\n  +new row"))
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "differs" in line)
    assert lines[at + 1] == sanitize.CONTINUATION + "  -old row"
    assert lines[at + 2] == sanitize.CONTINUATION + "  +new row"


def test_stderr_lines_are_one_line_and_escaped(tmp_path, capsys):
    bad = tmp_path / "no\n::error::such\x1b[2Jroot"
    assert main(["--check", "--root", str(bad)]) == 2
    err = capsys.readouterr().err
    [line] = err.splitlines()
    assert line.startswith("workbench: error: root ") and "\\n::error::such\\x1b[2Jroot" in line
    assert runner_commands(err) == []


# --- non-UTF-8 file names -------------------------------------------------------------------------------


@pytest.fixture
def non_utf8_root(tmp_path) -> Path:
    root = make_ws(tmp_path / "ws", {}, [])
    name = os.fsencode(root / "ssot/schemas") + b"/b\xff\xfe.schema.json"
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as exc:  # a file system that only takes UTF-8 names cannot hold the attack
        pytest.skip(f"cannot create a non-UTF-8 file name here: {exc}")
    with os.fdopen(fd, "w") as out:
        out.write(json.dumps(BODY))
    return root


def run_strict(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8:strict", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, env=env, timeout=120)


def test_a_non_utf8_file_name_never_crashes_a_strict_utf8_stdout(non_utf8_root):
    for fmt in FORMATS:
        done = run_strict("--check", "--root", str(non_utf8_root), "--format", fmt)
        assert done.returncode in (0, 1), (fmt, done.stderr.decode(errors="replace"))
        assert done.stderr == b""
        out = done.stdout.decode("utf-8")  # strict: every byte written is UTF-8
        if fmt in ("text", "github"):
            assert "ssot/schemas/b\\xff\\xfe.schema.json" in out  # the bytes, shown escaped
        else:
            doc = json.loads(out)
            assert "\ufffd" in json.dumps(doc, ensure_ascii=False)  # decoded with replacement
            assert not re.search("[\ud800-\udfff]", json.dumps(doc, ensure_ascii=False))
        if fmt == "json":
            paths = {f["path"] for f in doc["findings"]}
            assert "ssot/schemas/b\ufffd\ufffd.schema.json" in paths
        if fmt == "sarif":
            uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
            assert "ssot/schemas/b%FF%FE.schema.json" in uris  # the URI names the file's exact bytes
            assert not sarif_errors(doc)


def test_a_non_utf8_file_name_in_status_and_diff(non_utf8_root, tmp_path):
    old = make_ws(tmp_path / "old", {}, [])
    for args in (["status"], ["status", "--json"], ["diff", "--against-dir", str(old)],
                 ["diff", "--against-dir", str(old), "--format", "json"]):
        done = run_strict(*args, "--root", str(non_utf8_root))
        assert done.returncode in (0, 1) and done.stderr == b"", (args, done.stderr)
        out = done.stdout.decode("utf-8")
        if "--json" in args or "json" in args:
            json.loads(out)


# --- SARIF ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, uri", [
    ("ssot/schemas/a b.schema.json", "ssot/schemas/a%20b.schema.json"),
    ("ssot/schemas/a#b?c.schema.json", "ssot/schemas/a%23b%3Fc.schema.json"),
    ("ssot/schemas/[x]%41.schema.json", "ssot/schemas/%5Bx%5D%2541.schema.json"),
    ("ssot/schemas/é.schema.json", "ssot/schemas/%C3%A9.schema.json"),
    ("ssot/schemas/b\udcff.schema.json", "ssot/schemas/b%FF.schema.json"),
    ("c:/x.schema.json", "c%3A/x.schema.json"),  # would read as a scheme unencoded
    (f"ssot/schemas/{FORGED}.schema.json",
     "ssot/schemas/x%0A%3A%3Aerror%20file%3DREADME.md%2Cline%3D1%3A%3Aforged.schema.json"),
])
def test_sarif_locations_are_percent_encoded_relative_references(path, uri):
    log = json.loads(render_sarif(synthetic(path=path)))
    [run] = log["runs"]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": uri, "uriBaseId": "ROOT"}
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment, parts.path) == ("", "", "", "", uri)
    assert unquote_to_bytes(uri) == sanitize.fs_bytes(path)
    assert helpers_sarif.is_uri_reference(uri)
    assert run["originalUriBaseIds"]["ROOT"]["uri"] == "file:///root/"
    assert not sarif_errors(log)


def test_hostile_sarif_validates_against_the_published_schema(tmp_path, capsys):
    root = hostile_ws(tmp_path, FORGED, LEGACY, ESC, "a b#c?d[e]%f é")
    _, out = check_output(root, "sarif", capsys)
    log = json.loads(out)
    assert len(log["runs"][0]["results"]) >= 8
    errors = sarif_errors(log)
    assert not errors, "\n".join(errors[:10])


def test_the_sarif_schema_check_fails_in_ci_when_the_schema_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(helpers_sarif, "SARIF_SCHEMA", tmp_path / "absent.json")
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        helpers_sarif.sarif_schema()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        helpers_sarif.sarif_schema()


# --- the sanitiser's rules, directly --------------------------------------------------------------------


def test_sanitiser_rules():
    assert sanitize.text("a\nb\rc\td\x1be\x7ff\x9bg\u202eh\udcffi") == "a\\nb\\rc\\td\\x1be\\x7ff\\x9bg\\u202eh\\xffi"
    assert sanitize.text("  ::error::x") == "  \\x3a:error::x" and sanitize.text("a::b") == "a::b"
    assert sanitize.text("[bold]x[/]") == "[bold]x[/]"  # markup is not ours to touch: Text never parses it
    assert sanitize.text_block("a\n::b\n  c") == f"a\n{sanitize.CONTINUATION}\\x3a:b\n{sanitize.CONTINUATION}  c"
    assert sanitize.gh_data("100%\r\n\x1b") == "100%25%0D%0A\\x1b"
    assert sanitize.gh_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert sanitize.data({"k\udcff": ["v\ud800", 1, None]}) == {"k\ufffd": ["v\ufffd", 1, None]}
    assert json.loads(sanitize.ascii_json(sanitize.dumps({"é": "😀"}))) == {"é": "😀"}
    assert sanitize.ascii_json(sanitize.dumps({"é": "😀"})).isascii()


def test_diff_text_escapes_labels_and_paths(tmp_path):
    out = render_diff([], "ref\n::error::x")
    assert out == "against ref\\n::error::x: 0 change(s), 0 breaking under the policy\n"
