"""workbench.store.triage and store.baseline.add_to_baseline: the writes behind the TUI's triage dialogs."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import store
from workbench.loader import load_workspace
from workbench.pipeline import check
from workbench.store import triage
from workbench.store.baseline import add_to_baseline

GATE = "decisions/families/gate.yaml"
ODD = "ssot/schemas/odd.title.schema.json"


def test_append_keeps_comments_and_the_list_style(root: Path) -> None:
    path = root / GATE
    before = path.read_text()
    rec = store.read_record(path)
    triage.add_schema_to_family(path, ODD, rec.fingerprint)
    after = path.read_text()
    assert after == before.replace("  - ssot/schemas/gate.decision.schema.json\n",
                                   f"  - ssot/schemas/gate.decision.schema.json\n  - {ODD}\n")
    again = store.read_record(path)
    assert triage.add_schema_to_family(path, ODD, again.fingerprint).text == after  # already there: unchanged


def test_append_refuses_a_stale_read_and_retries_on_the_file_as_it_is(root: Path) -> None:
    path = root / GATE
    rec = store.read_record(path)
    path.write_text(path.read_text().replace("owner: contracts-core", "owner: other"))
    with pytest.raises(store.Conflict) as caught:
        triage.add_waiver(path, triage.waiver_entry("V002", "gate.decision", "ok"), rec.fingerprint)
    assert "waivers:\n" not in path.read_text() or "V002" not in path.read_text()
    triage.add_waiver(path, triage.waiver_entry("V002", "gate.decision", "ok"), caught.value.current_fingerprint)
    text = path.read_text()
    assert "owner: other" in text and "  - rule: V002\n    subject: gate.decision\n    reason: ok\n" in text


def test_a_deleted_family_record_is_not_recreated_from_one_key(root: Path) -> None:
    path = root / GATE
    rec = store.read_record(path)
    path.unlink()
    with pytest.raises(store.Conflict) as caught:
        triage.add_schema_to_family(path, ODD, rec.fingerprint)
    assert caught.value.deleted
    with pytest.raises(store.StoreError):
        triage.add_schema_to_family(path, ODD, store.ABSENT)
    assert not path.exists()


def test_waivers_yaml_is_created_and_the_waiver_applies(root: Path) -> None:
    path = root / triage.WAIVERS
    rec = store.read_record(path)
    assert not rec.exists
    triage.add_waiver(path, triage.waiver_entry("G001", "odd.title", "decided in M2", "2099-01-31"), rec.fingerprint)
    ws = load_workspace(root)
    assert not ws.problems
    g001 = [f for f in check(ws).findings if f.rule == "G001" and f.path == ODD]
    assert g001 and g001[0].severity == "info" and "decided in M2" in g001[0].note


def test_create_family_writes_a_valid_whole_record_and_refuses_an_existing_id(root: Path) -> None:
    ws = load_workspace(root)
    values = {"title": "Odd [bold] title", "intent_class": "status", "schemas": [ODD],
              "alternatives_considered": ["gate"], "owner": "", "decision": "reuse"}
    assert triage.validate_new_family(ws, "odd_title", values) == {}
    triage.create_family(root, "odd_title", values)
    ws = load_workspace(root)
    assert not ws.problems
    fam = ws.family("odd_title")
    assert fam.title == "Odd [bold] title" and fam.schemas == (ODD,) and fam.owner is None
    assert ws.family_of(ODD).id == "odd_title"
    with pytest.raises(store.StoreError, match="exists already"):
        triage.create_family(root, "odd_title", values)
    errors = triage.validate_new_family(ws, "odd_title", values)
    assert "exists already" in errors["family"] and "already" in errors["schemas"]
    bad = triage.validate_new_family(ws, "Bad-Id", {"intent_class": "nope", "schemas": ["x.json"],
                                                     "alternatives_considered": ["nobody"]})
    assert set(bad) >= {"family", "intent_class", "schemas", "alternatives_considered"}


def test_validate_waiver() -> None:
    assert triage.validate_waiver("O001", "gate", "why", "2030-02-28", names=["gate"], today="2026-01-01") == {}
    errors = triage.validate_waiver("O1", "", " ", "2030-02-30", today="2026-01-01")
    assert set(errors) == {"rule", "subject", "reason", "expires"}
    assert "has passed" in triage.validate_waiver("O001", "g", "r", "2025-12-31", today="2026-01-01")["expires"]
    assert "subject" in triage.validate_waiver("O001", "other", "r", names=["gate"])


def test_add_to_baseline_appends_or_raises_the_count(root: Path) -> None:
    ws = load_workspace(root)
    findings = check(ws).findings
    v002 = next(f for f in findings if f.rule == "V002")
    g001 = next(f for f in findings if f.rule == "G001")
    path = root / "decisions/baseline.yaml"
    rec, n = add_to_baseline(root, [v002], store.read_record(path).fingerprint)
    assert n == 1 and rec.text.startswith("version: 1\nfindings:\n  - rule: V002\n")
    path.write_text("# accepted while adopting the workbench\n" + path.read_text())
    rec, n = add_to_baseline(root, [g001, v002], store.read_record(path).fingerprint)
    text = path.read_text()
    assert text.startswith("# accepted while adopting the workbench\n")  # the rest of the file stays
    assert text.count("rule: V002") == 1 and "count: 2" in text and "rule: G001" in text
    entries = {e.rule: e for e in load_workspace(root).decisions.baseline}
    assert entries["V002"].count == 2 and entries["G001"].count == 1
    result = check(load_workspace(root))
    assert all(f.baselined for f in result.findings if f.rule in ("V002", "G001") and f.path in (v002.path, g001.path))
    info = [f for f in findings if f.severity == "info"]
    if info:
        assert add_to_baseline(root, info[:1], store.read_record(path).fingerprint)[1] == 0
