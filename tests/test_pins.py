"""Issue 26: upstream contracts pinned by hash (`ssot/pins/UPSTREAM/pin_manifest.json`).

The pinned upstream contract is a real schema (Read the Docs' `.readthedocs.yaml` schema from
check-jsonschema's catalog), copied into a temporary repository with a reason-code catalog beside it,
as a repository pinning an upstream would hold them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers_pins import (
    CATALOG,
    CATALOG_BYTES,
    FOLDER,
    MANIFEST,
    PINNED,
    REPO,
    RTD,
    UPSTREAM,
    edit_one_byte,
    entry,
    pin_manifest,
    pinned_repo,
    sha,
)
from helpers_structural import make_ws
from helpers_ws import family, hits, line_of, run, schema, write

from workbench.cli import main
from workbench.export.docs import DELTA_REGISTER, HANDOFF, REUSE_MATRIX
from workbench.init import discover_pin_manifests, init_decisions
from workbench.loader import LoadCache, load_workspace, watched_paths
from workbench.pipeline import check, export

# ---------------------------------------------------------------------- loading and hashes


def test_hashes_verified_and_the_pinned_schema_loads_read_only(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    ws = load_workspace(root)
    assert [p for p in ws.problems if p.path.startswith(FOLDER)] == []
    [manifest] = ws.pins
    assert (manifest.repository, manifest.ref, manifest.folder, manifest.unlisted) == (REPO, "v2.1", FOLDER, ())
    assert [(a.path, a.schema, a.verified) for a in manifest.artifacts] == [(PINNED, True, True),
                                                                             (CATALOG, False, True)]
    doc = ws.schema(PINNED)
    assert doc is not None and doc.pin == ws.pin(PINNED) and doc.pin.origin == f"{REPO}@v2.1:{UPSTREAM}"
    assert ws.schema(CATALOG) is None  # a `file` artifact is hashed, not loaded
    assert ws.family_of(PINNED).id == "docs_config"
    result = run(root)
    assert hits(result, "U001") == hits(result, "U002") == hits(result, "U003") == []
    assert [f.message for f in result.findings if f.severity == "error"] == []


def test_a_one_byte_edit_is_an_error_naming_the_source_and_the_families(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    edit_one_byte(root / PINNED)
    result = run(root, "pin")
    [found] = hits(result, "U001", "error")
    assert (found.file, found.line, found.family) == (PINNED, 1, "docs_config")
    # the reusing family and the one reaching the pin through $ref, the upstream source, the fix
    assert "families depending on it: build_request, docs_config" in found.message
    assert f"upstream {REPO}@v2.1:{UPSTREAM}" in found.message and "edited locally" in found.message
    assert "update the pin" in found.message
    assert found.data["families"] == ["build_request", "docs_config"]
    assert found.data["actual"] == sha((root / PINNED).read_bytes()) != found.data["sha256"]
    assert [(r.file, r.line) for r in found.related] == [(MANIFEST, 5)]
    # the edited copy is still what the other rules judge (it loads)
    assert load_workspace(root).schema(PINNED).body["properties"]["formats"]["title"] == "Formatz"


def test_line_endings_converted_by_a_checkout_are_told_apart_from_an_edit(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    (root / PINNED).write_bytes(RTD.read_bytes().replace(b"\n", b"\r\n"))  # git's autocrlf on Windows
    [found] = hits(run(root, "pin"), "U001", "error")
    assert "differs from its pin only in line endings" in found.message and "-text" in found.message
    assert "edited locally" not in found.message
    edit_one_byte(root / PINNED)  # and an edit on top is an edit
    [found] = hits(run(root, "pin"), "U001", "error")
    assert "edited locally" in found.message


def test_an_edit_is_seen_through_the_load_cache(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    cache = LoadCache()
    assert load_workspace(root, cache).pin(PINNED).verified
    edit_one_byte(root / PINNED)
    target = root / PINNED
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 5_000_000_000))
    assert not load_workspace(root, cache).pin(PINNED).verified


def test_a_missing_pinned_file_is_an_error_at_its_manifest_entry(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    (root / PINNED).unlink()
    result = run(root, "pin")
    [found] = hits(result, "U002", "error")
    assert (found.file, found.line) == (MANIFEST, 5)
    assert f"{PINNED} does not exist" in found.message and UPSTREAM in found.message
    assert "families depending on it: docs_config" in found.message


def test_a_pinned_link_out_of_the_root_is_never_read(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    secret = tmp_path / "secret.json"
    secret.write_bytes(RTD.read_bytes())  # the very bytes pinned: a read would "verify" them
    (root / PINNED).unlink()
    (root / PINNED).symlink_to(secret)
    ws = load_workspace(root)
    assert ws.pin(PINNED).actual is None and ws.schema(PINNED) is None
    [found] = hits(run(root, "pin"), "U002", "error")
    assert f"{PINNED} cannot be read (a symbolic link to outside the workspace root)" in found.message


def test_a_family_naming_a_file_artifact_is_told_to_pin_it_as_a_schema(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    write(root, {"decisions/families/codes.yaml": family("codes", []) | {"schemas": [CATALOG]}})
    [problem] = [p for p in load_workspace(root).problems if p.path == "decisions/families/codes.yaml"]
    assert f'is pinned as a file, not a schema (set "kind": "schema" in {MANIFEST})' in problem.message


def test_unlisted_files_and_bad_entries_are_findings_the_rest_still_loads(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    (root / FOLDER / "notes.md").write_text("copied by hand\n")
    (root / FOLDER / "v1").mkdir()
    (root / FOLDER / "v1/old.schema.json").write_text("{}\n")
    body = RTD.read_bytes()
    pin_manifest(root, [
        entry(PINNED, body),
        {"local_path": "../outside.json", "upstream_path": "x", "sha256": sha(b"")},
        {"local_path": CATALOG, "upstream_path": "catalog/reason_codes.json", "sha256": "not-a-hash"},
        entry(PINNED, body, "again"),
    ])
    ws = load_workspace(root)
    manifest_problems = sorted((p.line, p.message) for p in ws.problems if p.path == MANIFEST)
    path = root / MANIFEST  # each at its line: the bad path, the bad hash, the repeated path
    assert [line for line, _ in manifest_problems] == [line_of(path, "../outside.json"), line_of(path, "not-a-hash"),
                                                        line_of(path, '"again"') - 1]
    messages = " | ".join(m for _, m in manifest_problems)
    assert "../outside.json leaves the workspace root" in messages
    assert "artifacts.2.sha256" in messages and f"{PINNED} is already pinned in {MANIFEST}" in messages
    assert [a.path for a in ws.pins[0].artifacts] == [PINNED]  # the good entry still loads
    result = run(root, "pin", "load")
    assert sorted(f.file for f in hits(result, "U003", "warning")) == sorted([CATALOG, f"{FOLDER}/notes.md",
                                                                              f"{FOLDER}/v1/old.schema.json"])
    assert hits(result, "U001") == hits(result, "U002") == []


def test_a_manifest_that_is_not_json_is_a_load_problem(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    (root / MANIFEST).write_text('{"source_repository": "x",\n  "artifacts": [}\n')
    ws = load_workspace(root)
    assert [(p.path, p.line) for p in ws.problems if p.path == MANIFEST] == [(MANIFEST, 2)]
    assert ws.pins == () and ws.schema(PINNED) is None
    assert check(ws, ["load"]).failed()


def test_the_manifest_glob_is_configured_and_contained(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    moved = root / "vendor/pins/rtd"
    shutil.move(root / FOLDER, moved)
    manifest = json.loads((moved / "pin_manifest.json").read_text())
    for a in manifest["artifacts"]:
        a["local_path"] = a["local_path"].replace("ssot/pins", "vendor/pins")
    (moved / "pin_manifest.json").write_text(json.dumps(manifest))
    assert load_workspace(root).pins == ()  # the default glob does not look there
    (root / "decisions/workspace.yaml").write_text(
        'version: 1\npins:\n  manifests:\n    - "../*/pin_manifest.json"\n    - "vendor/pins/*/pin_manifest.json"\n')
    ws = load_workspace(root)
    assert [pm.path for pm in ws.pins] == ["vendor/pins/rtd/pin_manifest.json"]
    assert [(p.path, p.line) for p in ws.problems if "leaves the workspace root" in p.message] == [
        ("decisions/workspace.yaml", 4)]
    assert "vendor/pins/rtd" in watched_paths(ws)  # the pin folder


# ---------------------------------------------------------------------- overlap and duplication


def test_a_local_copy_of_the_pinned_schema_is_an_overlap(tmp_path):
    copy = json.loads(RTD.read_text()) | {"title": "Our docs build config"}
    root = pinned_repo(tmp_path / "repo", {"docs.build": copy})
    result = run(root, "overlap", "governance")
    [found] = [f for f in hits(result, "O001") if "docs.build" in f.subjects]
    assert found.file == "ssot/schemas/docs.build.schema.json"  # reported on the local copy
    assert found.subjects == ("docs.build", "docs_config")
    assert [r.file for r in found.related] == ["decisions/families/docs_config.yaml"]
    # the pinned schema no family reuses is not "undecided" (it is upstream's); the copy is
    [g001] = hits(result, "G001")
    assert g001.file == "ssot/schemas/docs.build.schema.json"


def test_a_new_family_copying_an_unreused_pin_is_the_reuse_only_guard(tmp_path):
    copy = json.loads(RTD.read_text())
    fams = [family("our_docs", ["docs.build"], decision="new", alternatives_considered=[])]
    root = pinned_repo(tmp_path / "repo", {"docs.build": copy}, fams)
    result = run(root, "overlap")
    [found] = hits(result, "O002", "error")
    assert found.family == "our_docs" and found.subjects == ("our_docs", "readthedocs")
    assert f"pinned from {REPO}" in found.message
    assert [r.file for r in found.related] == [PINNED]
    # naming the upstream contract in the rationale turns it into the O001 warning
    fams[0]["rationale"] = "readthedocs is pinned upstream, but we need our own build keys."
    write(root, {"decisions/families/our_docs.yaml": fams[0]})
    assert [f.rule for f in run(root, "overlap").findings] == ["O001"]


def test_a_sub_schema_copied_from_the_pin_is_a_duplication_finding(tmp_path):
    sphinx = json.loads(RTD.read_text())["properties"]["sphinx"]
    local = schema({"project": {"type": "string"}, "docs": sphinx}, ["project"])
    root = pinned_repo(tmp_path / "repo", {"docs.job": local})
    [found] = [f for f in hits(run(root, "duplication"), "D001") if "docs.job" in f.file]
    assert (found.file, found.pointer) == ("ssot/schemas/docs.job.schema.json", "/properties/docs")
    assert f"$ref the pinned upstream definition {PINNED}#/properties/sphinx" in found.message


def test_the_pin_is_quiet_when_nothing_copies_it(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    result = run(root, "overlap", "duplication", "governance", "validity")
    assert [f.rule for f in result.findings if f.severity != "info"] == []


# ---------------------------------------------------------------------- compatibility of a pin update


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "HOME": str(repo), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env).stdout.decode()


def bump_pin(root: Path, change) -> None:
    """A pin update: a new upstream version copied in and its new hash recorded."""
    body = json.loads((root / PINNED).read_text())
    change(body)
    data = (json.dumps(body, indent=2) + "\n").encode()
    (root / PINNED).write_bytes(data)
    pin_manifest(root, [entry(PINNED, data), entry(CATALOG, CATALOG_BYTES, "catalog/reason_codes.json")],
                 source_ref="v2.2")


def drop_epub(body: dict) -> None:
    body["properties"]["formats"]["anyOf"][0]["items"]["enum"].remove("epub")


def add_pdf_dpi(body: dict) -> None:
    body["properties"]["formats"]["description"] = "Formats of the documentation to be built (v2.2)."


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_a_breaking_pin_update_is_a_c001_against_the_previous_commit(tmp_path, capsys, monkeypatch):
    root = pinned_repo(tmp_path / "repo")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "pin readthedocs v2.1")
    bump_pin(root, drop_epub)
    monkeypatch.chdir(root)
    assert main(["--check", "--select", "compatibility", "pin", "--against", "HEAD", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    # one verdict at the pinned definition (the family reusing it); the local schema consuming it through
    # $ref is a use site, named as a related location
    assert [(f["rule"], f["severity"], f["path"], f["data"]["change"], f["data"]["family"]) for f in found] == [
        ("C001", "error", PINNED, "enum value removed", "docs_config")]
    assert "ssot/schemas/build.request.schema.json" in {r["file"] for r in found[0]["related"]}
    pinned = found[0]["message"]
    assert f"a pin update of upstream {REPO}@v2.2:{UPSTREAM} (pin {sha(RTD.read_bytes())[:12]}... -> " in pinned
    assert "full mode" in pinned  # stable reuse: no shape change allowed


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_a_compatible_pin_update_passes(tmp_path, capsys, monkeypatch):
    root = pinned_repo(tmp_path / "repo")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "pin readthedocs v2.1")
    bump_pin(root, add_pdf_dpi)
    monkeypatch.chdir(root)
    assert main(["--check", "--select", "compatibility", "pin", "--against", "HEAD"]) == 0
    assert "0 error(s)" in capsys.readouterr().out


# ---------------------------------------------------------------------- docs, init, the shipped workspace


def test_docs_show_repository_source_path_and_hash(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    write(root, {"decisions/deltas/docs_keys.yaml": {"delta": "docs_keys", "title": "Docs keys", "family": "x",
                                                   "upstream_candidates": ["docs_config"]}})
    out = root / "doc/m0-runtime-contract-freeze"
    export(load_workspace(root), out)
    digest = sha(RTD.read_bytes())
    row = f"| `{PINNED}` | schema | `{REPO}` at `v2.1` | `{UPSTREAM}` | `{digest}` | `build_request`, `docs_config` |"
    matrix = (out / REUSE_MATRIX).read_text()
    assert row in matrix and "## Pinned upstream contracts" in matrix
    assert f"| `docs_config` | `{PINNED}` | Read the Docs (pinned from {REPO}) | 1 |" in matrix
    assert row in (out / HANDOFF).read_text()
    assert row + " `docs_keys` |" in (out / DELTA_REGISTER).read_text()
    catalog = f"| `{CATALOG}` | file | `{REPO}` at `v2.1` | `catalog/reason_codes.json` | `{sha(CATALOG_BYTES)}` |"
    assert catalog + " none |" in matrix


def test_docs_of_a_workspace_without_pins_have_no_pin_section(tmp_path):
    root = make_ws(tmp_path / "repo", {"a": schema({"x": {"type": "string"}})}, [family("a", ["a"])])
    export(load_workspace(root), root / "doc")
    assert not any("pinned" in p.read_text().lower() for p in (root / "doc").glob("*.md"))


def test_init_finds_pin_folders_and_writes_no_family_for_a_pin(tmp_path):
    root = pinned_repo(tmp_path / "repo", families=[])
    shutil.rmtree(root / "decisions")
    shutil.move(root / "ssot", root / "contracts")
    manifest = json.loads((root / "contracts/pins/rtd/pin_manifest.json").read_text())
    for a in manifest["artifacts"]:
        a["local_path"] = a["local_path"].replace("ssot/", "contracts/")
    (root / "contracts/pins/rtd/pin_manifest.json").write_text(json.dumps(manifest))
    assert discover_pin_manifests(root) == ("contracts/pins/*/pin_manifest.json",)
    written = init_decisions(root)
    assert "pins:" in (root / "decisions/workspace.yaml").read_text()
    ws = load_workspace(root)
    assert ws.config.pin_manifests == ("contracts/pins/*/pin_manifest.json",)
    assert ws.pin("contracts/pins/rtd/readthedocs.schema.json").verified
    assert "decisions/families/build_request.yaml" in written
    assert not [w for w in written if "readthedocs" in w]  # no family for the pin: reusing it is a decision
    assert ws.undecided == ()


def test_the_shipped_workspace_pins_an_upstream_contract(repo_root):
    ws = load_workspace(repo_root)
    [manifest] = ws.pins
    assert manifest.folder == "ssot/pins/xtrlv2" and all(a.verified for a in manifest.artifacts)
    reused = [a for a in manifest.artifacts if a.schema]
    assert [ws.family_of(a.path).id for a in reused] == ["artifact_attestation"]
    matrix = (repo_root / ws.config.export_out / REUSE_MATRIX).read_text()
    assert all(f"`{a.sha256}`" in matrix and f"`{a.upstream_path}`" in matrix for a in manifest.artifacts)
    assert not [f for f in check(ws, ["pin"]).findings]
