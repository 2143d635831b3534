"""Fast paths of the schema core give exactly what the plain paths give.

Each speed-up (issue 11, `make bench`) keeps a slower, obviously-right path it
must agree with: one scan per file for many places vs `pointer_line`'s scan per place,
shared jsonschema-rs registries vs a registry per schema, the inlined reference
walk vs `schema.nodes.walk`, the cursor in overlap's greedy matching vs a scan.
"""

from __future__ import annotations

import json
import os
import random
import time

import bench_check
import corpus
import pytest

from workbench.analysis import refs as refs_module
from workbench.analysis import similarity
from workbench.analysis.refs import RefIndex
from workbench.jsontext import nearest_line, pointer_lines
from workbench.jsontext import scan as _scan
from workbench.loader import LoadCache, load_workspace
from workbench.loader.jsonfile import pointer_line
from workbench.rules import validity
from workbench.schema import iter_refs


@pytest.fixture(scope="module")
def adversarial_ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial")
    corpus.adversarial(root)
    # invalid examples too, so the validators have errors to agree on
    (root / "examples/shipment.json").write_text(json.dumps(
        {"parcel": {"weight": -1}, "sender": {}, "mode": "rail", "meta": {"type": 5}}))
    (root / "examples/d4-order.json").write_text(json.dumps({"address": {}, "customer": "", "note": "x" * 41}))
    (root / "examples/tree.json").write_text(json.dumps({"value": "1", "children": [{"children": [{}]}]}))
    # files that refer to each other (the shared registry must then hold the root too), a remote ref
    (root / "schemas/ping.json").write_text(json.dumps({
        "type": "object", "properties": {"pong": {"$ref": "pong.json"}, "n": {"type": "integer"}}}))
    (root / "schemas/pong.json").write_text(json.dumps({
        "type": "object", "properties": {"ping": {"$ref": "ping.json"}, "s": {"type": "string"}}}))
    (root / "examples/ping.json").write_text(json.dumps({"n": 1, "pong": {"s": 2, "ping": {"n": "x"}}}))
    (root / "schemas/remote.json").write_text(json.dumps({"properties": {"a": {"$ref": "https://example.org/a.json"}}}))
    (root / "examples/remote.json").write_text(json.dumps({"a": 1}))
    return load_workspace(root)


@pytest.fixture(scope="module")
def generated_ws(tmp_path_factory):
    """A generated workspace (the bench's) with every third example broken in several ways."""
    root = tmp_path_factory.mktemp("generated")
    bench_check.generate(root, 60)
    rng = random.Random(5)
    for i, path in enumerate(sorted((root / "ssot/examples").glob("*.json"))):
        if i % 3 == 0:
            body = json.loads(path.read_text())
            for key in list(body)[: rng.randint(1, 4)]:
                body[key] = rng.choice([7, "zz", None, [1], {"a": 1}, True, "p1-1"])
            body[f"unexpected_{i}"] = 1
            path.write_text(json.dumps(body))
    return load_workspace(root)


@pytest.fixture(scope="module")
def real_ws(tmp_path_factory):
    pytest.importorskip("check_jsonschema", reason="check-jsonschema (test extra) vendors the catalog schemas")
    root = tmp_path_factory.mktemp("corpus")
    corpus.real_corpus(root)
    return load_workspace(root)


# ---------------------------------------------------------------- one line table per file

def test_one_scan_for_many_pointers_matches_pointer_line(real_ws, adversarial_ws):
    rng = random.Random(1)
    checked = 0
    for ws in (real_ws, adversarial_ws):
        for s in ws.schemas[:: 8 if ws is real_ws else 1]:  # pointer_line scans the file per call: a sample
            pointers = [ptr for kind, ptr, _ in _scan(s.source.text) if kind == "value"]
            sample = rng.sample(pointers, min(len(pointers), 12)) + [(), ("nope",)]
            sample += [ptr + ("missing", "deeper") for ptr in sample[:4]]  # nearest existing ancestor
            got = s.source.lines_of(sample)
            for ptr in sample:
                assert got[ptr] == pointer_line(s.source.text, ptr), (s.path, ptr)
            checked += len(sample)
    assert checked >= 200, f"only {checked} pointers compared"  # 282 today
    assert pointer_lines("{}", [("a",)]) == {("a",): 1}  # the nearest existing ancestor: the document


TRICKY = [
    '{"a": {"b": [1, {"c": "x"}]}, "a": {"b": 2}}',  # a repeated key: its first occurrence
    '{\n "s": "br}ack]ets{ and \\"quotes\\" [",\n "t": {\n  "u": []\n }\n}',
    '{"\\u0061": {"x": 1}, "k~1/": {"y": [[], {}, [{"z": null}]]}}',  # escaped keys
    '[\n  {"a": 1},\n  [\n   true,\n   {"b": {}}\n  ]\n]',  # a top-level array
    '  \t\r\n{ "a" :\n\n  { "b" : 1e5 , "c" : -0.5 } }  ',
    '{"a": 1} trailing',  # not JSON: the scanner's reading
    'key: value\nother: [1, 2]',  # not JSON at all
    '',
]


@pytest.mark.parametrize("text", TRICKY)
def test_pointer_lines_agrees_with_the_scanner(text):
    """The pass that steps over what no pointer needs reads lines as the token scanner does: the first
    occurrence of each value, else of its nearest ancestor."""
    first: dict[tuple[str, ...], int] = {}
    for kind, ptr, line in _scan(text):
        if kind == "value":
            first.setdefault(tuple(map(str, ptr)), line)
    pointers = [ptr for kind, ptr, _ in _scan(text) if kind == "value"]
    pointers += [ptr + ("missing",) for ptr in pointers] + [(), ("nope", "deeper")]
    assert pointer_lines(text, pointers) == {ptr: nearest_line(first, ptr) for ptr in pointers}


# ---------------------------------------------------------------- example validation

def _hits(ws, registries):
    refs = RefIndex.of(ws)
    out = []
    for s in ws.contract_schemas:
        examples = ws.examples_of(s.path)
        if examples:
            out.extend(validity._example_hits(refs, s, refs.closure(s), examples, registries))
    return out


@pytest.mark.parametrize("which", ["adversarial_ws", "generated_ws"])
def test_shared_registries_validate_like_one_registry_per_schema(which, request):
    ws = request.getfixturevalue(which)
    shared = _hits(ws, {})
    assert shared == _hits(ws, None)
    assert any(h.severity is None for h in shared)  # errors were found (and agreed on)


def test_shared_registry_is_built_once_per_set_of_files(generated_ws, monkeypatch):
    built = []
    real = validity.jsonschema_rs.Registry
    monkeypatch.setattr(validity.jsonschema_rs, "Registry", lambda pairs: built.append(pairs) or real(pairs))
    _hits(generated_ws, {})
    keys = [tuple(uri for uri, _ in pairs) for pairs in built]
    assert len(keys) == len(set(keys)) < len(generated_ws.contract_schemas)


def test_unusual_schemas_take_the_per_schema_path(adversarial_ws):
    """Mutual references keep the root in the shared registry; an unresolvable reference
    goes the per-schema way, so its finding reads as before."""
    refs = RefIndex.of(adversarial_ws)
    ping = adversarial_ws.schema("schemas/ping.json")
    registries: dict = {}
    assert validity._shared_validator(refs, ping, refs.closure(ping), registries) is not None
    assert [uris for uris, _ in registries] == [("file:///schemas/ping.json", "file:///schemas/pong.json")]
    remote = adversarial_ws.schema("schemas/remote.json")
    assert validity._shared_validator(refs, remote, refs.closure(remote), {}) is None
    hits = [h for h in _hits(adversarial_ws, {}) if h.path == "examples/remote.json"]
    assert hits and hits[0].message.startswith("cannot ")


# ---------------------------------------------------------------- the reference walk

def test_ref_index_finds_what_the_toolkit_walk_finds(real_ws, adversarial_ws):
    for ws in (real_ws, adversarial_ws):
        refs = RefIndex.of(ws)
        for s in ws.schemas:
            assert sorted((r.ptr, r.ref) for r in refs.refs_of(s)) == sorted(iter_refs(s.body)), s.path


def _resolutions(ws) -> dict:
    return _resolved_by(RefIndex.of(ws), ws)


def _resolved_by(refs: RefIndex, ws) -> dict:
    out = {}
    for s in ws.schemas:
        for r in refs.refs_of(s):
            t = refs.resolve(r.base, r.ref)
            contents = json.dumps(t.contents, sort_keys=True)
            out[(s.path, r.ptr, r.ref)] = (r.base, t.status, t.uri, t.doc, t.base, contents)
    return out


def test_the_reference_index_of_a_reload_is_the_cold_one(tmp_path, monkeypatch):
    """Documents walked once are reused while their parsed bodies are (a reload through the LoadCache):
    after edits that add a nested `$id`, a duplicated one and a new reference, every resolution is what a
    cold index gives."""
    root = tmp_path / "ws"
    corpus.adversarial(root)
    cache = LoadCache()
    _resolutions(load_workspace(root, cache))
    shipment = root / "schemas/ids/shipment.json"
    body = json.loads(shipment.read_text())
    body["$defs"]["extra"] = {"$id": "extra.json", "properties": {"back": {"$ref": "shipment.json#/$defs"}}}
    shipment.write_text(json.dumps(body))
    (root / "schemas/copy.json").write_text(json.dumps({"$id": body["$id"], "$defs": {}}))
    warm = _resolutions(load_workspace(root, cache))
    monkeypatch.setattr(refs_module, "_WALKS", {})
    cold = _resolutions(load_workspace(root))
    assert warm == cold and len(cold) > 20
    assert any(k[0] == "schemas/ids/shipment.json" and k[2] == "shipment.json#/$defs" for k in cold)


def _edit(body: dict, i: int) -> None:
    """Edit `i` of a schema body (six kinds in turn), in place."""
    kind = i % 6
    if kind == 0:
        body["description"] = "edited"
    elif kind == 1:  # references into its definitions stop resolving
        for key in ("$defs", "definitions"):
            body.pop(key, None)
    elif kind == 2:  # a cycle of in-place references through the root
        body["allOf"] = [*body.get("allOf", []), {"$ref": "#"}]
    elif kind == 3:  # an anchor, and a reference to it
        body.setdefault("$defs", {})["anchored"] = {"$anchor": "here", "type": "string"}
        body.setdefault("properties", {})["by_anchor"] = {"$ref": "#here"}
    elif kind == 4:
        body["$id"] = f"https://example.com/edited/{i}.json"
    else:  # every anchor renamed, no reference changed: references to them now miss
        stack = [body]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("$anchor"), str):
                    node["$anchor"] += "2"
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)


def test_an_index_carried_over_edits_resolves_as_a_new_one(tmp_path):
    """`RefIndex.following` (a reload after an edit keeps what the unchanged documents resolved): after
    each of a series of edits (definitions removed, an in-place cycle, an anchor added or renamed, a
    description), every resolution, closure and cycle is what a new index gives (the cycles carried
    over when the edit moved no edge); an edit of the resources a document declares builds a new index."""
    root = tmp_path / "ws"
    corpus.adversarial(root)
    loads = LoadCache()
    ws = load_workspace(root, loads)
    index = RefIndex(ws)
    _resolutions(ws)
    carried = rebuilt = kept_cycles = 0
    tick = time.time_ns()
    for i, path in enumerate(sorted(root.glob("schemas/**/*.json")) * 3):  # edits upon edits
        body = json.loads(path.read_text())
        if not isinstance(body, dict):
            continue
        _edit(body, i)
        path.write_text(json.dumps(body))
        tick += 1_000_000_000
        os.utime(path, ns=(tick, tick))  # a reload compares mtime and size
        ws = load_workspace(root, loads)
        fresh, later = RefIndex(ws), index.following(ws)
        if later is None:  # the edited document declares other resources (`$id`s)
            uri = "file:///" + path.relative_to(root).as_posix()
            assert fresh._claimed[uri] != index._claimed[uri], path
            rebuilt += 1
        else:
            for s in ws.schemas:
                assert later.closure(s) == fresh.closure(s) and later.linked(s) == fresh.linked(s), s.path
            assert _resolved_by(later, ws) == _resolved_by(fresh, ws)
            kept_cycles += later._cycles is not None  # the edit moved no edge: the cycles were carried
            assert [(s.path, p, c) for s, p, c in later.cycles()] == [(s.path, p, c) for s, p, c in fresh.cycles()]
            assert [s for s, _, _ in later.cycles()] == [ws.schema(s.path) for s, _, _ in later.cycles()]
            carried += 1
        index = later or fresh
        index.cycles()
    assert carried >= 10 and rebuilt >= 2 and 3 <= kept_cycles < carried, (carried, rebuilt, kept_cycles)


def test_cycles_are_found_again_when_only_anchors_move(tmp_path):
    """Two anchors swapped, no reference changed: `#y` now names a node whose in-place reference leads back
    to it, a cycle the carried index must find (an edit that moves an anchor moves an edge)."""
    def body(first: str, second: str) -> dict:
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "#/$defs/b", "$defs": {
            "a": {"$anchor": first, "allOf": [{"$ref": "#/$defs/b"}]},
            "b": {"allOf": [{"$ref": "#y"}]},
            "c": {"$anchor": second, "type": "string"}}}

    root = tmp_path / "ws"
    (root / "ssot/schemas").mkdir(parents=True)
    path = root / "ssot/schemas/loop.schema.json"
    path.write_text(json.dumps(body("x", "y")))
    loads = LoadCache()
    index = RefIndex(load_workspace(root, loads))
    assert index.cycles() == []
    path.write_text(json.dumps(body("y", "x")))
    os.utime(path, ns=(time.time_ns() + 10**9,) * 2)
    ws = load_workspace(root, loads)
    later = index.following(ws)
    assert later is not None and later._cycles is None  # the edit moved an edge: found again
    assert [(s.path, p, c) for s, p, c in later.cycles()] == [(s.path, p, c) for s, p, c in RefIndex(ws).cycles()]
    assert len(later.cycles()) == 1

# ---------------------------------------------------------------- overlap's greedy matching

def _greedy_scan(used_a, used_b, pairs, quality, out):
    for i, options in pairs:
        if i in used_a:
            continue
        j = next((j for j in options if j not in used_b), None)
        if j is not None:
            used_a.add(i)
            used_b.add(j)
            out.append((i, j, quality))


def test_greedy_cursor_matches_a_plain_scan():
    rng = random.Random(3)
    matched = 0
    for _ in range(300):
        lists = [[rng.randrange(12) for _ in range(rng.randrange(6))] for _ in range(4)]
        pairs = [(rng.randrange(15), rng.choice(lists) if rng.random() < 0.8 else [rng.randrange(12)])
                 for _ in range(rng.randrange(25))]
        pre_a, pre_b = {rng.randrange(15) for _ in range(3)}, {rng.randrange(12) for _ in range(3)}
        got, want = [], []
        ua, ub = set(pre_a), set(pre_b)
        similarity._greedy(ua, ub, iter(pairs), 1.0, got)
        va, vb = set(pre_a), set(pre_b)
        _greedy_scan(va, vb, iter(pairs), 1.0, want)
        assert got == want and (ua, ub) == (va, vb)
        matched += bool(got)
    assert matched >= 150, f"only {matched} of 300 draws matched anything"


def test_postings_updated_by_difference_are_the_postings_built_anew():
    """`Postings` carried over random changes (schemas edited, added, removed, unchanged) lists and
    selects exactly what postings built from the last state do, and reads only the changed schemas."""
    from workbench.analysis.postings import Postings

    read: list[object] = []

    def items(facts):
        read.append(facts)
        return iter(facts)

    def wanted(key, posted):  # the key is listed in two schemas, or twice in one
        return len(posted) > 1

    rng = random.Random(7)
    kept: Postings = Postings(items, wanted)
    state: dict[str, tuple] = {}
    for _ in range(300):
        for path in rng.sample([f"s{i}" for i in range(12)], rng.randint(0, 4)):
            if rng.random() < 0.2:
                state.pop(path, None)
            else:
                state[path] = tuple((rng.choice("abcdefg"), rng.randint(0, 2)) for _ in range(rng.randint(0, 4)))
        changed = sum(1 for p, f in state.items() if kept.facts.get(p) is not f)
        removed = len(kept.facts.keys() - state.keys())
        read.clear()
        kept.update(dict(state))
        assert len(read) <= 2 * changed + removed  # a changed schema's old and new facts, never the others
        fresh: Postings = Postings(items, wanted)
        fresh.update(dict(state))
        assert {k: sorted(v) for k, v in kept.by_key.items()} == {k: sorted(v) for k, v in fresh.by_key.items()}
        assert kept.selected == fresh.selected
        assert kept.listed(kept.by_key) == fresh.listed(fresh.by_key)
        assert list(kept.facts) == list(state)


def test_a_load_lists_each_folder_once_and_a_plain_files_lists_again(tmp_path, monkeypatch):
    """One load's globs (schemas, shared, examples, pins: nine patterns, several over the same folders) list
    each folder once and find what separate listings find; a `Files` without `listings` (`init`, which
    writes between globs) sees a file added between two globs."""
    from collections import Counter

    from workbench.loader import files as files_module

    root = tmp_path / "ws"
    corpus.adversarial(root)
    listed: Counter[str] = Counter()
    real_scandir = os.scandir

    def counting(path):
        listed[str(path)] += 1
        return real_scandir(path)

    monkeypatch.setattr(files_module.os, "scandir", counting)
    once = load_workspace(root, LoadCache())
    assert listed and max(listed.values()) == 1, listed.most_common(3)
    shared = files_module.Files(root, listings={})
    plain = files_module.Files(root)
    assert shared.glob("**/*.json") == plain.glob("**/*.json")
    assert [s.path for s in once.schemas] == [s.path for s in load_workspace(root, LoadCache()).schemas]
    (root / "schemas/late.json").write_text("{}")
    assert "schemas/late.json" in plain.glob("**/*.json")[0]
    assert "schemas/late.json" not in shared.glob("**/*.json")[0]  # one listing: the load's snapshot
