"""Issue #12 case 1 (baseline spoofing) and the baseline half of case 6 (no traceback, exit 2 not 1).

`--against X` is a git ref unless X is written as a path (`./dir`, `dir/`, an absolute path) or given
with `--against-dir`; a folder that happens to have the ref's name never becomes the baseline. Each
test plants the attack in a temporary git repository and shows it held.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_structural import make_ws
from helpers_ws import family, schema

from workbench.baseline import load_baseline, written_as_path
from workbench.cli import main
from workbench.errors import UsageError

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

V1 = schema({"status": {"type": "string", "enum": ["ok", "failed"]}}, ["status"])
FAMILIES = [family("res", ["res"], decision="extend")]
CHECK = ["--check", "--select", "compatibility"]


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "HOME": str(repo), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)
    return done.stdout.decode()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """v1 committed and known as `origin/main`; the work tree narrows an enum (a break: exit 1)."""
    root = make_ws(tmp_path / "repo", {"res": V1}, FAMILIES)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "v1")
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    target = root / "ssot/schemas/res.schema.json"
    body = json.loads(target.read_text())
    body["properties"]["status"]["enum"] = ["ok"]
    target.write_text(json.dumps(body, indent=2) + "\n")
    return root


def spoof(root: Path, name: str = "origin/main") -> Path:
    """What the attacking PR adds: a folder named like the ref, holding copies of the changed workspace."""
    for top in ("ssot", "decisions"):
        shutil.copytree(root / top, root / name / top)
    return root / name


def test_a_folder_named_like_the_ref_does_not_hide_a_break(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    assert main([*CHECK, "--against", "origin/main"]) == 1  # the break, before the attack
    capsys.readouterr()
    spoof(repo)
    assert main([*CHECK, "--against", "origin/main", "--format", "json"]) == 1  # still the break
    got = capsys.readouterr()
    found = json.loads(got.out)["findings"]
    assert [(f["rule"], f["severity"], f["subjects"][2]) for f in found] == [("C001", "error", "enum value removed")]
    [warning] = got.err.splitlines()  # the ambiguity is reported, on one line
    assert warning.startswith("workbench: warning: --against 'origin/main' is read as a git ref")
    assert "--against-dir origin/main" in warning


def test_the_spoof_folder_does_not_hide_a_break_from_workbench_diff(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    spoof(repo)
    assert main(["diff", "origin/main"]) == 1
    got = capsys.readouterr()
    assert "1 change(s), 1 breaking" in got.out and "BREAKING  enum value removed" in got.out
    assert got.err.startswith("workbench: warning: --against 'origin/main' is read as a git ref")


def test_the_spoof_folder_is_found_from_another_working_directory(repo, tmp_path, capsys, monkeypatch):
    """`--root DIR` from elsewhere: the folder inside the root is noticed too, and still not used."""
    monkeypatch.chdir(tmp_path)
    spoof(repo)
    assert main([*CHECK, "--root", str(repo), "--against", "origin/main"]) == 1
    assert "is read as a git ref" in capsys.readouterr().err


def test_a_folder_is_the_baseline_only_when_written_as_one(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    folder = spoof(repo)  # a copy of the work tree: no change against it
    for args in (["--against", "./origin/main"], ["--against", "origin/main/"], ["--against", str(folder)],
                 ["--against-dir", "origin/main"]):
        assert main([*CHECK, *args]) == 0, args
    assert main(["diff", "./origin/main"]) == 0
    assert main(["diff", "--against-dir", "origin/main"]) == 0
    assert capsys.readouterr().err == ""  # explicit: nothing ambiguous to report
    with pytest.raises(SystemExit) as exited:  # one or the other (argparse exits 2)
        main([*CHECK, "--against", "origin/main", "--against-dir", "origin/main"])
    assert exited.value.code == 2


def test_an_unknown_ref_is_not_taken_as_the_folder_of_that_name(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    spoof(repo, "release")  # no ref `release`: the folder is still not the baseline
    assert main([*CHECK, "--against", "release"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "'release' is not a git ref known in" in line and "--against ./release" in line
    assert main(["diff", "release"]) == 2
    assert main(["diff"]) == 2 and main(["diff", "HEAD", "--against-dir", "release"]) == 2
    assert "diff needs one baseline" in capsys.readouterr().err


def test_written_as_path():
    for value in ("./x", "../x", "x/", "a/b/", "/abs/x", "~/x", ".", ".."):
        assert written_as_path(value), value
    for value in ("origin/main", "HEAD~1", "main", "v1.0", "refs/heads/main", "HEAD^{tree}", "@{u}"):
        assert not written_as_path(value), value


def test_a_ref_that_looks_like_an_option_is_refused_and_git_never_sees_an_option(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    out = repo.parent / "written-by-git"
    for ref in (f"--output={out}", "-h", "--exec=touch pwned"):
        assert main([*CHECK, f"--against={ref}"]) == 2
        assert "refs cannot start with '-'" in capsys.readouterr().err
    assert not out.exists() and not (repo / "pwned").exists()

    calls: list[list[str]] = []
    real = subprocess.run

    def spy(cmd, *a, **kw):
        calls.append(list(cmd))
        return real(cmd, *a, **kw)

    monkeypatch.setattr(subprocess, "run", spy)
    assert main([*CHECK, "--against", "origin/main"]) == 1
    uses_ref = [c for c in calls if c[0] == "git" and any("origin/main" in a for a in c)]
    assert uses_ref, calls
    for cmd in uses_ref:
        at = cmd.index("--end-of-options")
        assert all("origin/main" not in a for a in cmd[:at]), cmd
    commit_calls = [c for c in calls if c[0] == "git" and "ls-tree" in c]
    assert len(commit_calls) == 1 and all("--end-of-options" in c for c in commit_calls)
    blob_calls = [c for c in calls if c[0] == "git" and "cat-file" in c]  # object ids on stdin, never the ref
    assert len(blob_calls) == 1 and not any("origin/main" in a for a in blob_calls[0])


def test_a_link_out_of_the_root_in_the_baseline_tree_is_skipped_and_named(repo, tmp_path, capsys):
    """Links out of the root in the baseline commit are not recreated (they once ended the check with a
    traceback and exit 1); each is named, its target never shown."""
    secret = tmp_path / "secret.json"
    secret.write_text('{"n": "s3cr3t"}\n')
    schemas = repo / "ssot/schemas"
    os.symlink("../../../secret.json", schemas / "rel.schema.json")
    os.symlink(str(secret), schemas / "abs.schema.json")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links out of the root")
    git(repo, "rm", "-q", "ssot/schemas/rel.schema.json", "ssot/schemas/abs.schema.json")
    git(repo, "commit", "-q", "-m", "links removed")
    code = main([*CHECK, "--root", str(repo), "--against", "HEAD~1", "--format", "json"])
    got = capsys.readouterr()
    assert code == 0, got.err
    assert json.loads(got.out)["summary"]["total"] == 0
    lines = got.err.splitlines()
    assert sorted(lines) == [
        "workbench: warning: baseline 'HEAD~1': skipped ssot/schemas/abs.schema.json: a link pointing outside the root",
        "workbench: warning: baseline 'HEAD~1': skipped ssot/schemas/rel.schema.json: a link pointing outside the root",
    ]
    assert "secret" not in got.err and "Traceback" not in got.err
    # the library call reports the same through its callback
    seen: list[str] = []
    ws = load_baseline(repo, "HEAD~1", warn=seen.append)
    assert len(seen) == 2 and {s.path for s in ws.schemas} >= {"ssot/schemas/res.schema.json"}


def test_export_ignore_in_the_baseline_commit_does_not_hide_its_schemas(repo, capsys, monkeypatch):
    """`git archive` honours the commit's .gitattributes: `export-ignore` dropped the schemas from the
    baseline, so a breaking change compared with nothing and passed; `export-subst` rewrote files."""
    (repo / ".gitattributes").write_text("ssot/schemas/*.json export-ignore\nssot/schemas/common/** export-subst\n")
    (repo / "ssot/schemas/common/stamp.schema.json").write_text('{"description": "$Format:%H$"}\n')
    git(repo, "add", ".gitattributes", "ssot/schemas/common/stamp.schema.json")
    git(repo, "commit", "-q", "-m", "attributes")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    ws = load_baseline(repo, "origin/main", warn=pytest.fail)
    assert ws.schema("ssot/schemas/res.schema.json").body["properties"]["status"]["enum"] == ["ok", "failed"]
    assert ws.schema("ssot/schemas/common/stamp.schema.json").body == {"description": "$Format:%H$"}
    monkeypatch.chdir(repo)
    assert main([*CHECK, "--against", "origin/main"]) == 1  # the narrowed enum is found
    assert "C001" in capsys.readouterr().out


def test_a_link_inside_the_baseline_tree_still_loads(repo, capsys):
    os.symlink("res.schema.json", repo / "ssot/schemas/alias.schema.json")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "alias")
    ws = load_baseline(repo, "HEAD", warn=pytest.fail)
    assert "ssot/schemas/alias.schema.json" in {s.path for s in ws.schemas}


@pytest.mark.parametrize("args", [
    ["--against", "a" * 100_000],                 # a ref git would never accept
    ["--against", "./" + "a" * 100_000],          # a folder: ENAMETOOLONG from Path.is_dir
    ["--against", "/" + "a/" * 50_000],           # an absolute folder, too long
    ["--against-dir", "a" * 100_000],
    ["--against", "a\0b"],                        # NUL (only reachable through main(argv))
])
def test_a_huge_or_impossible_against_is_a_usage_error(repo, capsys, args):
    assert main([*CHECK, "--root", str(repo), *args]) == 2
    err = capsys.readouterr().err
    [line] = err.splitlines()
    assert line.startswith("workbench: error: ") and len(line) < 400, line[:400]


def test_a_huge_against_from_the_command_line_is_one_line_and_exit_2(repo):
    """The real entry point, in a subprocess: no traceback, exit 2 (it used to be a traceback, exit 1)."""
    root = str(repo)
    for args in (["--check", "--root", root, "--against", "a" * 100_000],
                 ["--check", "--root", root, "--against", "./" + "a" * 100_000],
                 ["diff", "--root", root, "./" + "a" * 100_000]):
        done = subprocess.run([sys.executable, "-m", "workbench", *args],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stderr[-2000:]
        assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


def test_load_baseline_refuses_without_a_baseline(repo):
    with pytest.raises(UsageError):
        load_baseline(repo)


def test_an_empty_against_dir_is_refused_not_the_current_folder(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    assert main([*CHECK, "--against-dir", ""]) == 2
    assert main([*CHECK, "--against", ""]) == 2
    assert capsys.readouterr().err.count("workbench: error: ") == 2


# --- `--against REF...`: the merge base of REF and HEAD (issue 22 item 4) ----------------------------

JOB = schema({"job_id": {"type": "string"}, "kind": {"type": "string"}}, ["job_id"])


@pytest.fixture
def behind(tmp_path: Path) -> Path:
    """A branch `feature` that started at main~1 and is behind main: main has since added `job` and
    narrowed `res`; the branch (checked out, with a commit of its own) narrows `res` differently."""
    root = make_ws(tmp_path / "behind", {"res": V1}, FAMILIES)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "v1")
    git(root, "checkout", "-q", "-b", "feature")
    git(root, "checkout", "-q", "main")
    make_ws(root, {"res": schema({"status": {"type": "string", "enum": ["ok", "failed"]},
                                  "note": {"type": "string"}}, ["status"]), "job": JOB}, FAMILIES)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "main moves on: a new schema and a new optional field")
    git(root, "update-ref", "refs/remotes/origin/main", "main")
    git(root, "checkout", "-q", "feature")
    target = root / "ssot/schemas/res.schema.json"
    body = json.loads(target.read_text())
    body["properties"]["status"]["enum"] = ["ok"]
    target.write_text(json.dumps(body, indent=2) + "\n")
    git(root, "commit", "-q", "-am", "feature narrows the enum")
    return root


def kinds(capsys) -> list[tuple[str, str]]:
    doc = json.loads(capsys.readouterr().out)
    return sorted((c["schema"].rsplit("/", 1)[-1], c["change"]) for c in doc["changes"])


def test_three_dots_compare_with_where_the_branch_started(behind, capsys, monkeypatch):
    monkeypatch.chdir(behind)
    assert main(["diff", "origin/main", "--format", "json"]) == 1  # two dots' reading: main's tip
    tip = kinds(capsys)
    assert ("job.schema.json", "schema deleted") in tip  # main's new schema reads as deleted by the branch
    assert ("res.schema.json", "property removed") in tip  # and main's new field as removed
    assert main(["diff", "origin/main...", "--format", "json"]) == 1
    assert kinds(capsys) == [("res.schema.json", "enum value removed")]  # only what the branch did
    assert main(["diff", "origin/main..."]) == 1
    head = capsys.readouterr().out.splitlines()[0]
    base = git(behind, "merge-base", "origin/main", "HEAD").strip()
    assert head.startswith(f"against origin/main... (merge base {base[:12]} of origin/main and HEAD)")


def test_three_dots_in_the_check_and_on_a_branch_level_with_main(behind, capsys, monkeypatch):
    monkeypatch.chdir(behind)
    assert main([*CHECK, "--against", "origin/main...", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["subjects"][2]) for f in found] == [("C001", "enum value removed")]
    assert "merge base" in found[0]["message"]
    git(behind, "checkout", "-q", "main")  # on main itself, REF... is REF: nothing changed
    assert main([*CHECK, "--against", "origin/main..."]) == 0
    assert main(["diff", "HEAD..."]) == 0


def test_three_dots_refuse_what_they_cannot_mean(behind, capsys, monkeypatch):
    monkeypatch.chdir(behind)
    git(behind, "checkout", "-q", "--orphan", "unrelated")
    git(behind, "commit", "-q", "-m", "no common history")
    for ref, says in (("origin/main...", "have no merge base"), ("main...feature", "only REF..."),
                      ("nope...", "'nope' is not a git ref"), ("...", "needs a git ref")):
        assert main([*CHECK, "--against", ref]) == 2, ref
        [line] = capsys.readouterr().err.splitlines()
        assert line.startswith("workbench: error: ") and says in line, line
