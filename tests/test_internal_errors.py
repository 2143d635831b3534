"""Issue #12 case 6: an unexpected exception is exit 2 with one stderr line, never a traceback and exit 1.

Exit 1 means "findings reached the fail level" and nothing else: a CI job must not read a crash as a
finding (or, worse, a crash caused by a pull request as an ordinary red check). `--debug` shows the
traceback instead of the one line.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import workbench.cli as cli
from workbench.cli import main

HOSTILE = "boom\n::error file=a::forged\x1b[2J"
LINE = ("workbench: internal error: RuntimeError: boom\\n::error file=a::forged\\x1b[2J "
        "(rerun with --debug for the traceback)")


def explode(*args, **kwargs):
    raise RuntimeError(HOSTILE)


@pytest.fixture
def ws(make_ws):
    return make_ws({"ssot/schemas/a.schema.json": {"type": "object"}})


@pytest.mark.parametrize("target, argv", [
    ("check", ["--check"]),
    ("load_workspace", ["--check", "--format", "json"]),
    ("status_data", ["status"]),
    ("status_data", ["status", "--json"]),
])
def test_an_unexpected_exception_is_one_line_and_exit_2(ws, capsys, monkeypatch, target, argv):
    monkeypatch.setattr(cli, target, explode)
    assert main([*argv, "--root", str(ws)]) == 2
    got = capsys.readouterr()
    assert got.err.splitlines() == [LINE]  # one line, the message escaped like every stderr line
    assert "Traceback" not in got.err


@pytest.mark.parametrize("argv", [["--debug", "--check"], ["--check", "--debug"], ["--debug", "status"],
                                  ["status", "--debug"]])
def test_debug_prints_the_traceback_instead(ws, capsys, monkeypatch, argv):
    monkeypatch.setattr(cli, "check", explode)
    monkeypatch.setattr(cli, "status_data", explode)
    assert main([*argv, "--root", str(ws)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "RuntimeError: boom" in err
    assert "internal error" not in err


def test_debug_changes_nothing_when_all_is_well(ws, capsys):
    assert main(["--debug", "--check", "--root", str(ws), "--select", "load"]) == 0
    assert main(["status", "--debug", "--root", str(ws)]) == 0


def test_usage_errors_stay_exit_2_with_their_own_line(tmp_path, capsys):
    assert main(["--check", "--root", str(tmp_path / "missing")]) == 2
    assert main(["explain", "Z999"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith("workbench: error: ") for line in lines)


def test_the_real_entry_point_exits_2_not_1_on_a_crash(ws):
    """In a subprocess (no pytest in between): a crash inside the check is exit 2, one line."""
    code = ("import sys, workbench.cli as c\n"
            "def boom(*a, **k): raise MemoryError('out of memory')\n"
            "c.check = boom\n"
            f"sys.exit(c.main(['--check', '--root', {str(ws)!r}]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == ("workbench: internal error: MemoryError: out of memory "
                           "(rerun with --debug for the traceback)\n")


def test_usage_error_lives_in_the_bottom_layer():
    """`baseline` raises `errors.UsageError` without importing the CLI; `cli.UsageError` is the same class."""
    from workbench import errors

    assert cli.UsageError is errors.UsageError
    code = "import sys, workbench.baseline; print('workbench.cli' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_the_debug_traceback_is_escaped_too(ws, capsys, monkeypatch):
    """The exception message may quote repository text: `--debug` must not let it forge a line either."""
    monkeypatch.setattr(cli, "check", explode)
    assert main(["--debug", "--check", "--root", str(ws)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2J" in err
    assert not [line for line in err.splitlines() if line.lstrip().startswith("::")]
