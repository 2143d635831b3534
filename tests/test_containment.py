"""Issue #12 cases 2-4: a pull request cannot make the check read outside the root, write
outside it, or hang on a special file. Each test plants the attack and shows it held."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.loader import load_workspace
from workbench.loader.files import Files
from workbench.pipeline import check
from workbench.pipeline import export as export_docs
from workbench.store import StoreError

SECRET = "s3cr3t-value-4242"
SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}}
FORMATS = ("text", "json", "github", "sarif")


@pytest.fixture
def deadline():
    """Fail (instead of hanging the suite) when the code under test blocks for 20 s."""
    def expired(signum, frame):
        raise TimeoutError("blocked: the check hung on a special file")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the workspace holding a secret the check must never show."""
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret.json").write_text(f'{{"n": "{SECRET}"}}\n')
    (out / "x.schema.json").write_text(f'{{"title": "{SECRET}"}}\n')
    return out


def run_all_formats(root: Path, capsys, *extra: str) -> str:
    out = ""
    for fmt in FORMATS:
        main(["--check", "--root", str(root), "--format", fmt, *extra])
        got = capsys.readouterr()
        out += got.out + got.err
    return out


def test_a_linked_example_outside_the_root_is_named_never_read(make_ws, outside, capsys):
    root = make_ws({"ssot/schemas/leak.schema.json": SCHEMA})
    (root / "ssot/examples/leak").mkdir(parents=True)
    (root / "ssot/examples/leak/a.json").symlink_to(outside / "secret.json")
    ws = load_workspace(root)
    assert [(p.path, p.message) for p in ws.problems if p.path.startswith("ssot/")] == [
        ("ssot/examples/leak/a.json", "a symbolic link to outside the workspace root: not followed")]
    assert ws.examples == ()
    out = run_all_formats(root, capsys)
    assert SECRET not in out
    assert "ssot/examples/leak/a.json" in out


def test_links_inside_the_root_are_followed(make_ws):
    root = make_ws({"ssot/schemas/a.schema.json": SCHEMA, "ssot/shared/n.json": {"n": 1}})
    (root / "ssot/examples").mkdir(parents=True)
    (root / "ssot/examples/a.json").symlink_to(root / "ssot/shared/n.json")
    ws = load_workspace(root)
    assert [e.path for e in ws.examples] == ["ssot/examples/a.json"]
    assert not [p for p in ws.problems if p.path.startswith("ssot/")]


def test_a_committed_doc_linked_to_proc_environ_does_not_leak_the_environment(repo_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WB_CI_TOKEN", SECRET)
    root = tmp_path / "copy"
    for name in ("ssot", "decisions", "clients"):
        if (repo_root / name).is_dir():
            shutil.copytree(repo_root / name, root / name)
    export_docs(load_workspace(root))
    doc = next((root / "doc/m0-runtime-contract-freeze").glob("*.md"))
    doc.unlink()
    doc.symlink_to("/proc/self/environ")
    out = run_all_formats(root, capsys, "--select", "E001")
    assert SECRET not in out and "WB_CI_TOKEN" not in out
    rel = doc.relative_to(root).as_posix()
    [f] = [f for f in check(load_workspace(root), select=["E001"]).findings if f.path == rel]
    assert "symbolic link to outside the workspace root" in f.message


def test_globs_with_dotdot_never_leave_the_root(make_ws, outside, deadline):
    rel = os.path.relpath(outside, make_ws({}))  # "../outside"
    root = make_ws({
        "ssot/schemas/a.schema.json": SCHEMA,
        "decisions/workspace.yaml": (
            "version: 1\nschemas:\n  globs:\n"
            f'    - "{rel}/*.schema.json"\n'
            '    - "../../../../**/*.schema.json"\n'
            '    - "ssot/schemas/*.schema.json"\n'),
    })
    started = time.monotonic()
    ws = load_workspace(root)
    assert time.monotonic() - started < 5  # the whole-filesystem walk took 33 s before
    assert [s.path for s in ws.schemas] == ["ssot/schemas/a.schema.json"]
    assert sorted(p.message for p in ws.problems if p.path == "decisions/workspace.yaml") == sorted([
        f"pattern '{rel}/*.schema.json' leaves the workspace root: ignored",
        "pattern '../../../../**/*.schema.json' leaves the workspace root: ignored",
    ])


def test_a_linked_schema_folder_outside_the_root_is_reported(make_ws, outside):
    root = make_ws({"ssot/schemas/a.schema.json": SCHEMA})
    (root / "ssot/schemas/ext").symlink_to(outside, target_is_directory=True)
    ws = load_workspace(root)
    assert [s.path for s in ws.schemas] == ["ssot/schemas/a.schema.json"]
    assert SECRET not in repr(ws)


def test_export_out_leaving_the_root_is_rejected_by_the_config(make_ws, repo_root, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(repo_root / "ssot", root / "ssot")
    shutil.copytree(repo_root / "decisions", root / "decisions")
    config = root / "decisions/workspace.yaml"
    text = config.read_text()
    assert "out: doc/m0-runtime-contract-freeze" in text
    config.write_text(text.replace("out: doc/m0-runtime-contract-freeze", "out: ../../escaped"))
    ws = load_workspace(root)
    assert any(p.path == "decisions/workspace.yaml" and "export" in (p.field or "") for p in ws.problems)
    export_docs(ws)
    assert not (tmp_path.parent / "escaped").exists() and not (root.parent.parent / "escaped").exists()
    assert (root / "doc/m0-runtime-contract-freeze").is_dir()


def test_a_committed_export_folder_linked_outside_is_not_written(repo_root, tmp_path, outside):
    root = tmp_path / "ws"
    shutil.copytree(repo_root / "ssot", root / "ssot")
    shutil.copytree(repo_root / "decisions", root / "decisions")
    (root / "doc").mkdir()
    (root / "doc/m0-runtime-contract-freeze").symlink_to(outside, target_is_directory=True)
    with pytest.raises(StoreError, match="symbolic link to outside the workspace root"):
        export_docs(load_workspace(root))
    assert sorted(p.name for p in outside.iterdir()) == ["secret.json", "x.schema.json"]
    assert main(["export", "--root", str(root)]) == 2


@pytest.mark.parametrize("rel", [
    "decisions/families/fifo.yaml", "decisions/deltas/fifo.yaml", "decisions/checklist.yaml",
    "ssot/schemas/fifo.schema.json", "ssot/examples/a.json",
])
def test_a_fifo_never_hangs_the_load(make_ws, rel, deadline):
    root = make_ws({"ssot/schemas/a.schema.json": SCHEMA, "decisions/families/.keep": "",
                    "decisions/deltas/.keep": "", "ssot/examples/.keep": ""})
    os.mkfifo(root / rel)
    ws = load_workspace(root)
    assert [p.message for p in ws.problems if p.path == rel] in (
        ["a FIFO, not a regular file: not read"], ["cannot read: a FIFO, not a regular file"])
    check(ws)


def test_a_fifo_at_a_doc_path_never_hangs_the_check(repo_root, tmp_path, deadline):
    root = tmp_path / "ws"
    shutil.copytree(repo_root / "ssot", root / "ssot")
    shutil.copytree(repo_root / "decisions", root / "decisions")
    export_docs(load_workspace(root))
    doc = next((root / "doc/m0-runtime-contract-freeze").glob("*.md"))
    doc.unlink()
    os.mkfifo(doc)
    rel = doc.relative_to(root).as_posix()
    [f] = [f for f in check(load_workspace(root), select=["E001"]).findings if f.path == rel]
    assert "FIFO" in f.message
    export_docs(load_workspace(root))  # export replaces the FIFO with the document, without reading it
    assert doc.is_file()


def test_a_family_linked_to_dev_zero_is_never_read(make_ws, deadline):
    root = make_ws({"ssot/schemas/a.schema.json": SCHEMA, "decisions/families/.keep": ""})
    (root / "decisions/families/z.yaml").symlink_to("/dev/zero")
    ws = load_workspace(root)
    assert [p.message for p in ws.problems if p.path == "decisions/families/z.yaml"] == [
        "a symbolic link to outside the workspace root: not followed"]


def test_a_file_over_the_size_cap_is_a_finding_not_read(make_ws):
    root = make_ws({
        "ssot/schemas/a.schema.json": SCHEMA,
        "ssot/schemas/big.schema.json": '{"title": "' + "x" * 5000 + '"}',
        "decisions/workspace.yaml": "version: 1\nlimits:\n  max_file_bytes: 1000\n",
    })
    ws = load_workspace(root)
    assert [s.path for s in ws.schemas] == ["ssot/schemas/a.schema.json"]
    [p] = [p for p in ws.problems if p.path == "ssot/schemas/big.schema.json"]
    assert p.message == "cannot read: 5013 bytes, over the 1000-byte limit (limits.max_file_bytes)"


def test_files_refuses_escapes_by_spelling_and_by_link(tmp_path, outside):
    root = tmp_path / "r"
    root.mkdir()
    (root / "in.txt").write_text("ok")
    (root / "out").symlink_to(outside / "secret.json")
    files = Files(root)
    assert files.read("in.txt") == b"ok"
    for rel in ("../outside/secret.json", str(outside / "secret.json"), "out"):
        with pytest.raises(OSError) as info:
            files.read(rel)
        assert "outside the workspace root" in info.value.strerror
    assert not files.exists("../outside/secret.json")


def test_files_refuses_a_linked_folder_to_outside_in_the_middle_of_a_path(tmp_path, outside):
    root = tmp_path / "r"
    (root / "dir").mkdir(parents=True)
    (root / "dir/link").symlink_to(outside, target_is_directory=True)
    files = Files(root)
    for attempt in (files.read, files.stat, files.real):
        with pytest.raises(OSError) as info:
            attempt("dir/link/secret.json")
        assert info.value.strerror == "a symbolic link to outside the workspace root"
        assert str(outside) not in str(info.value)
    assert not files.exists("dir/link/secret.json") and not files.is_file("dir/link/secret.json")
    assert files.glob("dir/**/*.json") == ([], [])
    found, problems = files.glob("dir/*/*.json")
    assert found == [] and [(p.path, p.message) for p in problems] == [
        ("dir/link", "a symbolic link to outside the workspace root: not followed")]


def test_files_follows_a_linked_folder_inside_the_root(tmp_path):
    root = tmp_path / "r"
    (root / "data").mkdir(parents=True)
    (root / "data/x.json").write_text("{}")
    (root / "dir").mkdir()
    (root / "dir/link").symlink_to(root / "data", target_is_directory=True)
    files = Files(root)
    for _ in range(2):  # the second time through the remembered folder
        assert files.read("dir/link/x.json") == b"{}"
        assert files.real("dir/link/x.json") == files.root / "data/x.json"
        assert files.stat("dir/link/x.json").st_size == 2
    assert Files(root).glob("dir/*/*.json") == (["dir/link/x.json"], [])


def test_files_refuses_a_file_replaced_by_a_link_to_outside_after_its_folder_was_read(tmp_path, outside):
    root = tmp_path / "r"
    (root / "d").mkdir(parents=True)
    (root / "d/a.json").write_text("{}")
    files = Files(root)
    assert files.glob("d/*.json") == (["d/a.json"], [])
    assert files.read("d/a.json") == b"{}"
    (root / "d/a.json").unlink()
    (root / "d/a.json").symlink_to(outside / "secret.json")
    for attempt in (files.read, files.stat):
        with pytest.raises(OSError, match="symbolic link to outside the workspace root"):
            attempt("d/a.json")


def test_files_resolves_again_a_folder_that_was_missing(tmp_path, outside):
    root = tmp_path / "r"
    root.mkdir()
    files = Files(root)
    with pytest.raises(FileNotFoundError):
        files.read("late/secret.json")
    (root / "late").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OSError, match="symbolic link to outside the workspace root"):
        files.read("late/secret.json")
