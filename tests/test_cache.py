"""The cache (issue 21): a re-check reusing results is the cold check, and the disk cache is safe.

- Equivalence: random edit sequences (schema edits, anchors and cycles among them, example edits,
  deletes, renames, config and decision edits) on a small generated workspace; after each one the
  incremental check (one `LoadCache`, the process memos and the disk cache, as the TUI re-checks on
  save) and a check from the disk cache alone (a new run) find exactly what a cold check without any
  cache finds.
- The disk store: a spoiled entry and a file that is no database are misses, never errors; a run killed
  while writing leaves a usable cache; concurrent writers keep each other's entries; it stays bounded,
  the oldest entries first; a small run reads only its own entries; a cache folder inside
  the workspace root is never used (`--cache-dir`, `$WORKBENCH_CACHE_DIR`, through a link).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers_governance import family_yaml
from helpers_ws import write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import cache
from workbench.cli import main
from workbench.loader import LoadCache, load_workspace
from workbench.pipeline import check

D = "https://json-schema.org/draft/2020-12/schema"
NAMES = ("alpha", "beta", "gamma", "delta")
TYPES = ("string", "integer", "number", "boolean", "strng")  # "strng": V001, and its examples unvalidated
VALUES = {"string": "x", "integer": 3, "number": 1.5, "boolean": True, "strng": "x"}


def _schema(i: int, kind: str, extra: int, ref: str | None) -> dict:
    props: dict = {"id": {"$ref": "common/ids.schema.json#/$defs/run_id"}, "name": {"type": "string"},
                   "status": {"type": "string", "enum": ["new", "done"]}}
    props |= {f"shared_{k}": {"type": "string", "pattern": f"^s{k}-[0-9]+$"} for k in range(4)}  # overlap
    props["address"] = {"type": "object", "properties": {"street": {"type": "string"}, "city": {"type": "string"},
                                                         "zip": {"type": "string"}}}  # duplication
    props |= {f"own_{i}_{k}": {"type": kind} for k in range(extra)}
    if ref is not None:
        props["link"] = {"$ref": f"{ref}.schema.json#/properties/address"}
    return {"$schema": D, "type": "object", "properties": props, "required": ["id"]}


def _example(i: int, kind: str, extra: int) -> dict:
    return {"id": "run_1", "name": "n", "status": "new", **{f"own_{i}_{k}": VALUES[kind] for k in range(extra)}}


def _workspace(root: Path) -> None:
    files: dict = {"ssot/schemas/common/ids.schema.json": {
        "$schema": D, "$defs": {"run_id": {"type": "string", "pattern": "^run_[0-9]+$"}}}}
    for i, name in enumerate(NAMES):
        files[f"ssot/schemas/{name}.schema.json"] = _schema(i, "string", 1 + i % 2, None)
        files[f"ssot/examples/{name}.json"] = _example(i, "string", 1 + i % 2)
    files["decisions/families/first.yaml"] = family_yaml("first", NAMES[:2])
    files["decisions/families/second.yaml"] = family_yaml("second", NAMES[2:])
    write(root, files)


_tick = [time.time_ns()]


def _touch(path: Path) -> None:
    """A distinct mtime for every write (a reload compares mtime and size)."""
    _tick[0] += 1_000_000_000
    os.utime(path, ns=(_tick[0], _tick[0]))


def _put(root: Path, rel: str, content: object) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2), encoding="utf-8")
    _touch(path)


def _apply(root: Path, op: tuple) -> None:
    kind, i, a, b = op
    schemas = sorted(p for p in (root / "ssot/schemas").glob("*.schema.json"))
    if not schemas:
        return
    path = schemas[i % len(schemas)]
    name = path.name.removesuffix(".schema.json")
    if kind == "schema":  # a field's type (maybe invalid), how many own fields, a reference to another schema
        others = [p.name.removesuffix(".schema.json") for p in schemas if p != path]
        ref = others[b % len(others)] if others and b % 3 == 0 else None
        _put(root, path.relative_to(root).as_posix(), _schema(i, TYPES[a % len(TYPES)], b % 3, ref))
    elif kind == "anchor":  # an anchor and a reference that may miss it; an in-place cycle through the root
        body = _schema(i, TYPES[a % len(TYPES)], 1, None)
        body["$defs"] = {"named": {"$anchor": f"n{b % 2}", "type": "string"}}
        body["properties"]["named"] = {"$ref": f"#n{a % 2}"}
        body["allOf"] = [{"$ref": "#"}] if b % 3 == 0 else []
        _put(root, path.relative_to(root).as_posix(), body)
    elif kind == "example":
        _put(root, f"ssot/examples/{name}.json", _example(i, TYPES[a % len(TYPES)], b % 3))
    elif kind == "delete":
        (root / (f"ssot/examples/{name}.json" if a % 2 else path.relative_to(root).as_posix())).unlink(missing_ok=True)
    elif kind == "rename":
        new = f"{name}{b % 3}"
        if not (path.parent / f"{new}.schema.json").exists():
            path.rename(path.parent / f"{new}.schema.json")
            _touch(path.parent / f"{new}.schema.json")
    elif kind == "config":
        _put(root, "decisions/workspace.yaml", (
            "version: 1\n"
            f"thresholds: {{overlap_warning: {(0.3, 0.6, 0.95)[a % 3]}, overlap_min_shared: {2 + b % 4}, "
            f"duplication_min_properties: {2 + a % 3}, max_nesting: {8 + b % 3}}}\n"
            f"budgets: {{leaves: {(3, 50, 5000)[b % 3]}}}\n"))
    elif kind == "decision":
        fid = ("first", "second")[a % 2]
        members = [p.relative_to(root).as_posix() for p in schemas if (len(p.name) + b) % 2 == 0] or [
            path.relative_to(root).as_posix()]
        _put(root, f"decisions/families/{fid}.yaml",
             family_yaml(fid, members, decision=("reuse", "new")[b % 2], rationale=f"because {b}",
                    alternatives_considered=["first"] if b % 2 else None))


def _cold(root: Path) -> tuple:
    cache.forget()
    cache.configure(None, enabled=False)
    return check(load_workspace(root, LoadCache())).findings


OPS = st.tuples(st.sampled_from(("schema", "schema", "anchor", "example", "delete", "rename", "config", "decision")),
                st.integers(0, 7), st.integers(0, 11), st.integers(0, 11))


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=st.lists(OPS, min_size=1, max_size=6))
def test_incremental_and_cached_checks_equal_a_cold_check(tmp_path_factory, ops):
    root = tmp_path_factory.mktemp("ws")
    folder = tmp_path_factory.mktemp("cache")
    _workspace(root)
    loads = LoadCache()
    try:
        cache.forget()
        cache.configure(root, folder)
        check(load_workspace(root, loads))  # the TUI's first check: memos and disk warm
        for op in ops:
            _apply(root, op)
            cache.configure(root, folder)  # the TUI's process: memos kept, the same disk cache
            incremental = check(load_workspace(root, loads)).findings
            cache.forget()  # a new run: nothing in memory, everything the disk cache has
            cache.configure(root, folder)
            from_disk = check(load_workspace(root, LoadCache())).findings
            cold = _cold(root)
            assert incremental == cold, op
            assert from_disk == cold, op
            cache.forget()
            cache.configure(root, folder)
            check(load_workspace(root, loads))  # memos warm again for the next edit
    finally:
        cache.configure(None, enabled=False)


def test_the_disk_cache_is_used_and_changes_nothing(make_ws, tmp_path):
    root = tmp_path / "ws"
    _workspace(root)
    store, note = cache.configure(root, tmp_path / "c")
    assert store is not None and note == ""
    try:
        cache.forget()
        first = check(load_workspace(root)).findings
        assert store.stats["writes"] > 0 and (tmp_path / "c" / cache.DATABASE).is_file()
        cache.forget()
        store2, _ = cache.configure(root, tmp_path / "c")
        assert check(load_workspace(root)).findings == first
        assert store2 is not None and store2.stats["hits"] > 0 and store2.stats["misses"] == 0
    finally:
        cache.configure(None, enabled=False)


def test_a_spoiled_entry_and_a_spoiled_database_are_misses(tmp_path):
    """An entry whose bytes changed is a miss; a file that is no database is all misses, and the next write
    replaces it."""
    store = cache.Store(tmp_path)
    keys = [("k", i) for i in range(64)]
    for k in keys:
        store.put("ns", k, ("value", k))
    store.flush()
    spoiled = cache.Store.digest("ns", keys[0])
    with sqlite3.connect(store.path) as db:  # one byte of one payload flipped: its checksum fails
        [blob] = db.execute("SELECT value FROM entries WHERE key = ?", (spoiled,)).fetchone()
        db.execute("UPDATE entries SET value = ? WHERE key = ?", (blob[:-1] + bytes([blob[-1] ^ 0xFF]), spoiled))
    fresh = cache.Store(tmp_path)
    assert [fresh.get("ns", k) for k in keys] == [None] + [("value", k) for k in keys[1:]]
    for suffix in ("-wal", "-shm"):
        Path(f"{store.path}{suffix}").unlink(missing_ok=True)
    store.path.write_bytes(b"\x00garbage" * 100)  # not a database at all
    broken = cache.Store(tmp_path)
    assert broken.get("ns", keys[1]) is None
    broken.put("ns", keys[1], "again")
    broken.flush()  # replaced by a new database
    assert cache.Store(tmp_path).get("ns", keys[1]) == "again"


def test_a_run_killed_while_writing_leaves_a_usable_cache(tmp_path):
    """kill -9 a process in the middle of its writes: the next run reads what was committed, never an error."""
    script = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
              "from workbench import cache\n"
              f"store = cache.Store({str(tmp_path)!r})\n"
              "for i in range(10**9):\n"
              "    store.put('ns', ('k', i), 'x' * 2000)\n"
              "    if i % 50 == 0:\n"
              "        store.flush()\n"
              "        print(i, flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(20):  # a few committed batches, then killed at an arbitrary point of the next ones
            proc.stdout.readline()
    finally:
        proc.kill()
        proc.wait()
    store = cache.Store(tmp_path)
    found = [store.get("ns", ("k", i)) for i in range(1000)]
    assert found[:951] == ["x" * 2000] * 951  # every batch it reported committed is there
    store.put("ns", ("after",), 1)
    store.flush()
    assert cache.Store(tmp_path).get("ns", ("after",)) == 1


def test_unreadable_cache_folder_is_no_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = cache.Store(blocker / "cache")
    assert store.get("ns", ("k",)) is None
    store.put("ns", ("k",), 1)
    store.flush()  # nothing written, nothing raised


def test_concurrent_writers_keep_a_valid_cache(tmp_path):
    a, b = cache.Store(tmp_path), cache.Store(tmp_path)
    for i in range(200):
        a.put("ns", ("a", i), i)
        b.put("ns", ("b", i), -i)
    a.flush()
    b.flush()  # merged with what `a` wrote meanwhile
    c = cache.Store(tmp_path)
    assert all(c.get("ns", ("a", i)) == i and c.get("ns", ("b", i)) == -i for i in range(200))


def test_the_cache_stays_bounded_and_the_oldest_go_first(tmp_path, monkeypatch):
    store = cache.Store(tmp_path, max_bytes=64 * 1024)
    clock = [1_000_000.0]
    monkeypatch.setattr(cache.time, "time", lambda: clock[0])
    for i in range(300):  # 300 entries of ~500 bytes, one flush each (later ones are newer)
        store.put("ns", ("k", i), f"{i:05d}" * 100)
        store.flush()
        clock[0] += 1
    with sqlite3.connect(store.path) as db:
        [(total,)] = db.execute("SELECT sum(length(value)) FROM entries").fetchall()
        [(kept_total,)] = db.execute("SELECT bytes FROM total").fetchall()
    assert total <= 64 * 1024 and kept_total == total  # the total is kept by each write, never by a scan
    store.put("ns", ("k", 299), "z")  # replaced by a smaller value: the total follows
    store.flush()
    with sqlite3.connect(store.path) as db:
        [(total,)] = db.execute("SELECT sum(length(value)) FROM entries").fetchall()
        [(kept_total,)] = db.execute("SELECT bytes FROM total").fetchall()
    assert kept_total == total
    kept = cache.Store(tmp_path)
    found = [kept.get("ns", ("k", i)) is not None for i in range(300)]
    assert found[-1] and not found[0] and found == sorted(found)  # the oldest went first


def test_a_small_workspace_reads_only_its_own_entries(tmp_path, monkeypatch):
    """Each workspace reads its own entries (one query, on first use), never another's: a cache that a large
    workspace filled costs a small one nothing; `configure` scopes a run by the workspace's real path."""
    big = cache.Store(tmp_path, scope="big")
    for i in range(5000):
        big.put("ns", ("k", i), "y" * 4000)  # 20 MB of another workspace's entries
    big.flush()
    small = cache.Store(tmp_path, scope="small")
    small.put("ns", ("mine",), 1)
    small.flush()
    fresh = cache.Store(tmp_path, scope="small")
    assert fresh.get("ns", ("mine",)) == 1 and fresh.get("ns", ("k", 1)) is None
    assert fresh._rows is not None and len(fresh._rows) == 1  # nothing of the big one was read
    assert cache.Store(tmp_path, scope="big").get("ns", ("k", 1)) == "y" * 4000
    first, _ = cache.configure(tmp_path / "a", tmp_path / "c")
    second, _ = cache.configure(tmp_path / "b", tmp_path / "c")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "a", target_is_directory=True)
    third, _ = cache.configure(link, tmp_path / "c")
    cache.configure(None, enabled=False)
    assert first and second and third and first.scope != second.scope and third.scope == first.scope
    monkeypatch.setattr(cache, "_TOOL", "another version")  # an upgrade reads none of the older entries
    upgraded, _ = cache.configure(tmp_path / "a", tmp_path / "c")
    cache.configure(None, enabled=False)
    assert upgraded and upgraded.scope != first.scope


def test_values_must_be_plain_data(tmp_path):
    store = cache.Store(tmp_path)
    store.put("ns", ("k",), object())  # not plain data: not kept, nothing raises
    store.put("ns", ("j",), 1)
    store.flush()
    assert cache.Store(tmp_path).get("ns", ("k",)) is None and cache.Store(tmp_path).get("ns", ("j",)) == 1


@pytest.mark.parametrize("how", ["flag", "env", "link"])
def test_a_cache_folder_inside_the_root_is_never_used(tmp_path, monkeypatch, capsys, how):
    root = tmp_path / "ws"
    _workspace(root)
    inner = root / "ssot" / ".cache"
    args = ["--check", "--root", str(root)]
    if how == "flag":
        args += ["--cache-dir", str(inner)]
    elif how == "env":
        monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(inner))
    else:  # a folder outside that is a link into the root
        (tmp_path / "outside").symlink_to(root / "ssot", target_is_directory=True)
        inner = tmp_path / "outside" / "c"
        args += ["--cache-dir", str(inner)]
    try:
        main(args)
    finally:
        cache.configure(None, enabled=False)
    assert "inside the workspace root: not used" in capsys.readouterr().err
    assert not list(root.rglob("*.sqlite3*")) and not (root / "ssot" / ".cache").exists()


def test_no_cache_writes_nothing(tmp_path, capsys):
    root = tmp_path / "ws"
    _workspace(root)
    try:
        main(["--check", "--root", str(root), "--no-cache", "--cache-dir", str(tmp_path / "c")])
        assert cache.active() is None
    finally:
        cache.configure(None, enabled=False)
    assert not (tmp_path / "c").exists()


def test_the_default_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("WORKBENCH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_dir() == tmp_path / "xdg" / "workbench"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert cache.default_dir() == Path.home() / ".cache" / "workbench"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.default_dir() == tmp_path / "mine"


def test_a_memo_drops_its_oldest_entry_at_its_limit_and_keeps_everything_below_it():
    kept = cache.Memo(3)
    for key in "abc":
        kept[key] = key.upper()
    kept["b"] = "B2"  # an existing key is replaced, nothing dropped
    assert dict(kept) == {"a": "A", "b": "B2", "c": "C"}
    kept["d"] = "D"
    assert dict(kept) == {"b": "B2", "c": "C", "d": "D"}
    assert cache.memo("test.memo", 2) is cache.memo("test.memo", 2)


def test_walks_and_decisions_read_back_from_the_disk_cache_find_what_a_cold_check_finds(tmp_path):
    """A schema with nested resources (`$id` inside `$defs`, refs resolved against them, one unresolved) and a
    decisions file with an invalid field: read from the disk cache (walks as pointers, YAML with its lines)
    the findings and their lines are the cold check's, and the second run parses and walks nothing again."""
    root = write(tmp_path / "ws", {
        "ssot/schemas/nested.schema.json": {
            "$schema": D, "$id": "https://example.com/nested.json", "type": "object",
            "properties": {"a": {"$ref": "inner.json#/$defs/x"}, "b": {"$ref": "inner.json#/$defs/missing"}},
            "$defs": {"inner": {"$id": "inner.json", "$defs": {"x": {"$ref": "#/$defs/y"}, "y": {"type": "string"}}}}},
        "ssot/examples/nested.json": {"a": 1},
        "decisions/families/first.yaml": family_yaml("first", ["nested"], owner=5),
    })
    cache.configure(None, enabled=False)
    cache.forget()
    cold = check(load_workspace(root)).findings
    assert {"V002", "V003", "L001"} <= {f.rule for f in cold}
    try:
        for _ in range(2):
            cache.forget()
            store, _ = cache.configure(root, tmp_path / "c")
            assert check(load_workspace(root)).findings == cold
        assert store is not None and store.stats["misses"] == 0  # the second run: walks and YAML from the disk
    finally:
        cache.configure(None, enabled=False)


def test_a_reload_validates_only_the_decisions_files_that_changed(tmp_path, monkeypatch):
    """In one process (the TUI's reload), an unchanged decisions file is not validated again: its records and
    its problems (an invalid field here) are the ones the first load gave; an edited one is validated again."""
    from workbench.loader import decisions as decisions_module

    root = write(tmp_path / "ws", {
        "ssot/schemas/alpha.schema.json": _schema(0, "string", 1, None),
        "decisions/families/first.yaml": family_yaml("first", ["alpha"], owner=5),
        "decisions/families/second.yaml": family_yaml("second", []),
    })
    loads = LoadCache()
    cache.forget()
    first = load_workspace(root, loads)
    validated: list[str] = []
    real = decisions_module.FileReader._validate
    monkeypatch.setattr(decisions_module.FileReader, "_validate",
                        lambda self, rel, kind, parsed: validated.append(rel) or real(self, rel, kind, parsed))
    again = load_workspace(root, loads)
    assert validated == [] and again.decisions == first.decisions and again.problems == first.problems
    assert any(p.path == "decisions/families/first.yaml" for p in again.problems)
    _put(root, "decisions/families/second.yaml", family_yaml("second", [], owner=7))
    edited = load_workspace(root, loads)
    assert validated == ["decisions/families/second.yaml"]
    assert [p.path for p in edited.problems if p.path.startswith("decisions/")] == [
        "decisions/families/first.yaml", "decisions/families/second.yaml"]


def test_a_recheck_reads_only_the_edited_schema_into_the_cross_schema_indexes(tmp_path):
    """In one process (the TUI's re-check), drift's field names, duplication's sub-schema keys and overlap's
    features are updated by difference: after one schema is edited, each index reads that schema (or its
    unit) alone, and the findings are the cold check's."""
    from workbench.analysis import postings

    root = tmp_path / "ws"
    _workspace(root)
    loads = LoadCache()
    cache.forget()
    cache.configure(None, enabled=False)
    check(load_workspace(root, loads))
    kept = {name[0]: index for name, index in postings._KEPT.items() if name[1] == root.resolve()}
    assert len(kept) == 4  # drift names, duplication keys and names, overlap features
    assert all(index.read == len(index.facts) >= 2 for index in kept.values())  # the first check: every one
    body = _schema(1, "integer", 2, "alpha")  # beta: a field re-typed (drift), fields added, a reference
    _put(root, "ssot/schemas/beta.schema.json", body)
    incremental = check(load_workspace(root, loads)).findings
    assert {name: index.read for name, index in kept.items()} == {
        "drift.names": 1, "duplication.keys": 1, "duplication.names": 1, "overlap": 1}
    assert incremental == _cold(root)
