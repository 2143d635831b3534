"""`workbench init` proposes families (issue 23 item 3): schemas that overlap strongly and share a name stem
become one draft (which says why), weaker pairs are noted for the architect and never merged, and family ids
come from the schemas' own names or vendor keys, never from a hash.

The first fixture is shaped like a repository whose authors grouped pairs of schemas into families: an event
envelope and a control event, two evidence schemas, a strategies catalog and a profile map (the authors'
families, `AUTHORS`), beside schemas of other families that share a stem or fields with them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.init import init_decisions, plan_families, readable_name
from workbench.loader import load_workspace
from workbench.loader.yamlfile import parse_yaml
from workbench.pipeline import check

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID = {"type": "string", "pattern": "^[a-z]+_[0-9a-f]{12}$"}
SHA = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
WHEN = {"type": "string", "format": "date-time"}


def obj(title: str, props: dict, required: list[str] | None = None) -> dict:
    return {"$schema": DIALECT, "title": title, "type": "object", "properties": props,
            "required": required or sorted(props)[:2], "additionalProperties": False}


ENVELOPE = {"event_id": ID, "event_type": {"enum": ["started", "stopped", "failed"]}, "emitted_at": WHEN,
            "producer": {"type": "string", "pattern": "^svc/[a-z]+$"}, "sequence": {"type": "integer", "minimum": 0},
            "trace": {"type": "object", "properties": {"trace_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                                                        "span_id": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}},
            "payload": {"type": "object"}}
EVIDENCE = {"evidence_id": ID, "collected_at": WHEN, "collector": {"type": "string", "pattern": "^bot/[a-z]+$"},
            "digest": SHA, "artifacts": {"type": "array", "items": {
                "type": "object", "properties": {"uri": {"type": "string", "format": "uri"}, "sha256": SHA,
                                                 "media_type": {"type": "string", "pattern": "^[a-z]+/[a-z.+-]+$"}}}},
            "retention_days": {"type": "integer", "minimum": 1, "maximum": 3650}}
STRATEGY = {"strategy_id": ID, "weight": {"type": "number", "minimum": 0, "maximum": 1},
            "risk_limit": {"type": "number", "exclusiveMinimum": 0}, "cooldown_s": {"type": "integer", "minimum": 0},
            "profiles": {"type": "array", "items": {"type": "string", "pattern": "^prof_[a-z]+$"}},
            "enabled": {"type": "boolean"}}
VERDICT = {"verdict": {"enum": ["pass", "fail", "waived"]}, "reviewer": {"type": "string", "pattern": "^@[a-z]+$"},
           "reviewed_at": WHEN, "findings_count": {"type": "integer", "minimum": 0},
           "blocking_rules": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z][0-9]{3}$"}},
           "evidence_digest": SHA}

SCHEMAS = {
    "event.envelope": obj("Event envelope", ENVELOPE),
    "control.event": obj("Control event", {**ENVELOPE, "command": {"enum": ["pause", "resume"]}}),
    "evidence.capsule": obj("Evidence capsule", EVIDENCE),
    "evidence.bundle.telemetry": obj("Evidence bundle telemetry",
                                     {**EVIDENCE, "bundle_size": {"type": "integer", "minimum": 0}}),
    "control.strategies": obj("Strategies catalog", {"strategies": {"type": "array", "items": {
        "type": "object", "properties": STRATEGY}}}),
    "strategy.profile_map": obj("Strategy profile map", {"profile_map": {"type": "object", "additionalProperties": {
        "type": "object", "properties": STRATEGY}}}),
    # other families: a stem shared with a grouped schema, or an overlap without a stem
    "gate.decision": obj("Gate decision", VERDICT),
    "review.outcome": obj("Review outcome", {**VERDICT, "comment": {"type": "string"}}),
    "job.request": obj("Job request", {"job_id": ID, "args": {"type": "array", "items": {"type": "string"}},
                                       "priority": {"type": "integer", "minimum": 0, "maximum": 9}}),
    "job.status": obj("Job status", {"job_id": ID, "state": {"enum": ["queued", "running", "done"]},
                                     "progress": {"type": "number", "minimum": 0, "maximum": 1}}),
}
# the authors' families: schema name -> family
AUTHORS = {"event.envelope": "events", "control.event": "events", "evidence.capsule": "evidence",
           "evidence.bundle.telemetry": "evidence", "control.strategies": "strategy",
           "strategy.profile_map": "strategy", "gate.decision": "gate", "review.outcome": "review",
           "job.request": "job_request", "job.status": "job_status"}


@pytest.fixture
def grouped_repo(make_ws) -> Path:
    return make_ws({f"ssot/schemas/{name}.schema.json": body for name, body in SCHEMAS.items()})


def path(name: str) -> str:
    return f"ssot/schemas/{name}.schema.json"


def families(root: Path) -> dict[str, dict]:
    return {p.stem: parse_yaml(p.name, p.read_bytes()).value for p in (root / "decisions/families").glob("*.yaml")}


def test_schemas_the_authors_grouped_are_one_draft_and_different_intents_are_never_merged(grouped_repo, capsys):
    assert main(["init", "--root", str(grouped_repo)]) == 0
    out = capsys.readouterr().out
    fams = families(grouped_repo)
    by_schema = {s: fid for fid, data in fams.items() for s in data["schemas"]}
    assert set(by_schema) == {path(n) for n in SCHEMAS}  # every schema has a draft
    # strong overlap and a shared stem: one draft each
    assert by_schema[path("event.envelope")] == by_schema[path("control.event")] == "event"
    assert by_schema[path("evidence.capsule")] == by_schema[path("evidence.bundle.telemetry")] == "evidence"
    assert by_schema[path("control.strategies")] == by_schema[path("strategy.profile_map")] == "strategy"
    # no two schemas the authors keep apart are merged
    for a, fa in by_schema.items():
        for b, fb in by_schema.items():
            if fa == fb:
                assert AUTHORS[Path(a).name.removesuffix(".schema.json")] == \
                       AUTHORS[Path(b).name.removesuffix(".schema.json")], (a, b)
    # the draft says which schemas it groups and why
    text = (grouped_repo / "decisions/families/event.yaml").read_text()
    assert "# Grouped: ssot/schemas/control.event.schema.json and ssot/schemas/event.envelope.schema.json " \
           "overlap (score" in text and "share the name stem 'event'" in text
    # an overlap without a shared stem is noted in both drafts, for the architect: not merged
    for fid in (by_schema[path("gate.decision")], by_schema[path("review.outcome")]):
        note = (grouped_repo / f"decisions/families/{fid}.yaml").read_text()
        assert "no shared name stem" in note and "one family? not grouped" in note, fid
    # init prints the grouping it chose
    assert "grouping: 10 schema(s) into 7 draft family(ies), 3 of them grouping schemas" in out
    assert "  event: ssot/schemas/control.event.schema.json, ssot/schemas/event.envelope.schema.json" in out
    assert "ssot/schemas/gate.decision.schema.json ~ ssot/schemas/review.outcome.schema.json" in out
    # and the drafts load cleanly, each a G011 draft to confirm
    ws = load_workspace(grouped_repo)
    assert ws.problems == ()
    g011 = [f for f in check(ws, select=["G011"]).findings]
    assert len(g011) == len(fams) == 7


def test_a_shared_stem_without_strong_overlap_is_not_merged(grouped_repo):
    ws = load_workspace(grouped_repo)
    drafts = {s.path: d for d in plan_families(ws) for s in d.schemas}
    assert drafts[path("job.request")].id != drafts[path("job.status")].id  # `job`, but little in common
    assert drafts[path("control.event")].id != drafts[path("control.strategies")].id  # `control`, other intents
    assert drafts[path("gate.decision")].id != drafts[path("review.outcome")].id  # overlap, no stem


HASHES = ["72c42b7d08edd4dc", "0a9f3e11c2b4d5e6", "5d41402abc4b2a76", "9e107d9d372bb682"]
TYPES = ["Acme::Storage::Bucket", "Acme::Storage::BucketPolicy", "Acme::Compute::Instance", "Acme::Queue::Topic"]


def vendor_schema(type_name: str) -> dict:
    service = type_name.split("::")[1].lower()
    return {"$schema": "http://json-schema.org/draft-07/schema#", "typeName": type_name,
            "description": f"Resource {type_name}", "type": "object",
            "properties": {f"{service}_name": {"type": "string"}, "tags": {"type": "array"}}}


def test_a_vendor_catalog_with_hashed_file_names_gets_ids_from_its_vendor_keys(make_ws, capsys):
    root = make_ws({f"catalog/schemas/{h}.json": vendor_schema(t) for h, t in zip(HASHES, TYPES, strict=True)})
    assert main(["init", "--root", str(root)]) == 0
    capsys.readouterr()
    fams = families(root)
    assert set(fams) == {"acme_storage_bucket", "acme_storage_bucketpolicy", "acme_compute_instance",
                         "acme_queue_topic"}
    assert not any(re.search(r"[0-9a-f]{8,}", fid) for fid in fams)
    assert fams["acme_storage_bucket"]["title"] == "Acme::Storage::Bucket"
    assert fams["acme_storage_bucket"]["schemas"] == [f"catalog/schemas/{HASHES[0]}.json"]


@pytest.mark.parametrize("body, name", [
    ({"typeName": "Acme::S3::Bucket"}, "Acme::S3::Bucket"),
    ({"title": "Pet store order"}, "Pet store order"),
    ({"$id": "https://example.com/schemas/order.schema.json"}, "order"),
    ({}, "72c42b7d08edd4dc"),  # nothing better: the file name, as it is
])
def test_readable_name_of_a_hashed_file(make_ws, body, name):
    root = make_ws({"ssot/schemas/72c42b7d08edd4dc.schema.json": {"type": "object", **body}})
    [s] = load_workspace(root).schemas
    assert readable_name(s) == name


def test_init_decisions_reports_its_drafts(grouped_repo):
    drafts: list = []
    written = init_decisions(grouped_repo, drafts=drafts)
    assert sorted(f"decisions/families/{d.id}.yaml" for d in drafts) == [w for w in written if "families" in w]
    assert {d.id: len(d.schemas) for d in drafts if len(d.schemas) > 1} == {"event": 2, "evidence": 2, "strategy": 2}
    assert json.dumps([d.why for d in drafts if len(d.schemas) == 1]) == json.dumps([""] * 4)
