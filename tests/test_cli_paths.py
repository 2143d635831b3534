"""Paths mean what they say (issue 23 item 1): every path a user gives (`--out`, `--root`, `--against-dir`,
`--against ./DIR`) is resolved once, against the directory the command runs in, and every printed path is
where the file is (relative to that directory when under it, else absolute).

Each command runs with a relative, a `./`, an absolute and a nested path, from the root and from a
subfolder of it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.cli import main, shown, user_path

SCHEMA = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Job status", "type": "object",
          "required": ["job_id"], "properties": {"job_id": {"type": "string"}, "state": {"type": "string"}}}
DOC = "m1_contract_reuse_matrix.md"
DOCS = "doc/m0-runtime-contract-freeze"


@pytest.fixture
def repo(make_ws, capsys) -> Path:
    root = make_ws({"ssot/schemas/job.status.schema.json": SCHEMA, "ssot/examples/job.status.json": {"job_id": "1"},
                    "sub/deeper/.keep": ""})
    assert main(["init", "--root", str(root)]) == 0
    capsys.readouterr()
    return root


def printed(capsys) -> list[tuple[str, str]]:
    """(state, path) of each line `workbench export` printed."""
    return [tuple(line.split(None, 1)) for line in capsys.readouterr().out.splitlines()]  # type: ignore[misc]


def spellings(tmp: Path) -> list[tuple[str, str]]:
    """(how --out is written, where it lands relative to the current directory; absolute when outside)."""
    return [("outrel", "outrel"), ("./outdot", "outdot"), ("nested/a/b", "nested/a/b"), ("nested2/../up", "up"),
            (str(tmp / "elsewhere"), str(tmp / "elsewhere"))]


@pytest.mark.parametrize("where", ["root", "subfolder"])
def test_export_out_lands_where_it_says_and_prints_the_true_path(repo, tmp_path, capsys, monkeypatch, where):
    cwd = repo if where == "root" else repo / "sub/deeper"
    monkeypatch.chdir(cwd)
    root_arg = "." if where == "root" else "../.."
    for given, lands in spellings(tmp_path):
        assert main(["export", "--root", root_arg, "--out", given]) == 0, given
        target = cwd / lands if not os.path.isabs(lands) else Path(lands)
        assert (target / DOC).is_file(), given
        assert not (target / Path(given).name / DOC).exists(), given  # never the doubled `outrel/outrel/`
        lines = printed(capsys)
        assert ("written", f"{Path(lands).as_posix()}/{DOC}") in lines, (given, lines)
        for _state, path in lines:
            assert (cwd / path).is_file(), (given, path)  # every printed path names the file, from here


def test_export_without_out_prints_paths_from_the_current_directory(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo / "sub")
    assert main(["export", "--root", ".."]) == 0
    lines = printed(capsys)
    assert ("written", f"{repo.as_posix()}/{DOCS}/{DOC}") in lines  # outside the current folder: absolute
    for _state, path in lines:
        assert Path(path).is_file(), path
    monkeypatch.chdir(repo)
    assert main(["export"]) == 0
    assert ("unchanged", f"{DOCS}/{DOC}") in printed(capsys)


HAND = "# Reuse matrix\n\nwritten by a person\n"


@pytest.mark.parametrize("spelling", ["rel", "dot", "abs", "from-sub"])
def test_export_out_over_hand_written_docs_refuses_and_writes_nothing(repo, capsys, monkeypatch, spelling):
    (repo / DOCS).mkdir(parents=True)
    (repo / DOCS / DOC).write_text(HAND)
    before = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*"))
    monkeypatch.chdir(repo / "sub" if spelling == "from-sub" else repo)
    given = {"rel": DOCS, "dot": f"./{DOCS}", "abs": str(repo / DOCS), "from-sub": f"../{DOCS}"}[spelling]
    assert main(["export", "--root", str(repo), "--out", given]) == 2
    got = capsys.readouterr()
    assert got.out == ""  # nothing reads as written
    assert "not replacing" in got.err and DOC in got.err
    assert (repo / DOCS / DOC).read_text() == HAND
    assert sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*")) == before  # nothing written anywhere


@pytest.mark.parametrize("root_arg", ["REL", "./REL", "ABS", "NESTED"])
def test_root_is_read_against_the_current_directory(repo, capsys, monkeypatch, root_arg):
    monkeypatch.chdir(repo.parent)
    name = repo.name
    if root_arg == "NESTED":  # from a subfolder of the root: the root is two folders up
        monkeypatch.chdir(repo / "sub/deeper")
    given = {"REL": name, "./REL": f"./{name}", "ABS": str(repo), "NESTED": "../.."}[root_arg]
    assert main(["--check", "--root", given, "--select", "validity"]) == 0
    assert main(["status", "--root", given, "--json"]) == 0
    assert '"schemas": 1' in capsys.readouterr().out
    assert main(["baseline", "--root", given]) == 0
    line = capsys.readouterr().out
    path = line.split()[1].rstrip(":")
    assert Path(path).resolve() == (repo / "decisions/baseline.yaml").resolve(), line
    assert path == (f"{name}/decisions/baseline.yaml" if root_arg != "NESTED" else
                    f"{repo.as_posix()}/decisions/baseline.yaml")


def test_init_prints_the_files_it_wrote_as_they_are_found_from_here(make_ws, capsys, monkeypatch):
    root = make_ws({"ssot/schemas/job.status.schema.json": SCHEMA, "sub/.keep": ""})
    monkeypatch.chdir(root.parent)
    assert main(["init", "--root", f"./{root.name}"]) == 0
    wrote = [line.split(None, 1)[1] for line in capsys.readouterr().out.splitlines() if line.startswith("wrote ")]
    assert f"{root.name}/decisions/workspace.yaml" in wrote
    for path in wrote:
        assert Path(path).is_file(), path


@pytest.mark.parametrize("spelling", ["rel", "dot", "abs", "nested"])
def test_against_dir_is_read_against_the_current_directory(repo, tmp_path, capsys, monkeypatch, spelling):
    import shutil

    old = repo / "sub/old"
    shutil.copytree(repo / "ssot", old / "ssot")
    shutil.copytree(repo / "decisions", old / "decisions")
    monkeypatch.chdir(repo / "sub")  # not the root: `old` is only found from here
    given = {"rel": "old", "dot": "./old", "abs": str(old), "nested": "../sub/old"}[spelling]
    assert main(["diff", "--root", "..", "--against-dir", given]) == 0
    assert main(["--check", "--root", "..", "--against-dir", given, "--select", "compatibility"]) == 0
    if spelling != "rel":  # written as a path, `--against` reads a folder too
        assert main(["--check", "--root", "..", "--against", given, "--select", "compatibility"]) == 0
    assert "error" not in capsys.readouterr().err
    monkeypatch.chdir(repo)  # from the root, the relative spelling names another (missing) folder
    if spelling in ("rel", "dot"):
        assert main(["diff", "--against-dir", given]) == 2
        assert "is not a directory" in capsys.readouterr().err


def test_user_path_and_shown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert user_path("a/../b") == tmp_path / "b"
    assert user_path("./a") == tmp_path / "a"
    assert user_path("~").is_absolute()
    assert shown(tmp_path / "x/y.md") == "x/y.md"
    assert shown(tmp_path) == "."
    assert shown(tmp_path.parent / "z") == (tmp_path.parent / "z").as_posix()
    from workbench.errors import UsageError

    with pytest.raises(UsageError):
        user_path("")


def test_cache_dir_is_read_against_the_current_directory(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo.parent)  # outside the root: a cache inside it would be refused
    from workbench import cache

    assert main(["--check", "--root", repo.name, "--cache-dir", "./cache", "--select", "validity"]) == 0
    assert "cache" not in capsys.readouterr().err
    store = cache.active()
    assert store is not None and store.folder == repo.parent / "cache"  # absolute, from here
    cache.configure(None, enabled=False)  # as before any command ran: memos only
