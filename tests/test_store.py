"""workbench.store: round-trip writes to decisions/ that keep the file and refuse stale saves."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from workbench import store
from workbench.loader import load_workspace


def gate(root: Path) -> Path:
    return root / "decisions" / "families" / "gate.yaml"


def test_round_trip_without_changes_is_byte_identical(root: Path) -> None:
    path = gate(root)
    before = path.read_bytes()
    rec = store.read_record(path)
    store.save_record(path, {}, rec.fingerprint)
    store.save_record(path, {"owner": "contracts-core"}, store.read_record(path).fingerprint)  # same value
    assert path.read_bytes() == before


def test_edit_keeps_comments_key_order_quotes_and_unknown_keys(root: Path) -> None:
    path = gate(root)
    before = path.read_text()
    rec = store.read_record(path)
    store.save_record(path, {"owner": "gateway-api", "downstream_consumers": ["#58", "#59"]}, rec.fingerprint)
    after = path.read_text()
    assert "# Contract family gate (fixture): comments and unknown keys must survive an edit." in after
    assert re.search(r"^owner: gateway-api +# who approves changes$", after, re.M)
    assert "x_review_note: keep me   # unknown key: the workbench must not drop it" in after
    assert 'downstream_consumers: ["#58", "#59"]' in after
    assert 'wire_mapping: "proto: dome.gateway.v1.GateDecision (M2 #58)"' in after
    # only the two changed lines differ
    assert len(before.splitlines()) == len(after.splitlines())
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert len(changed) == 2
    keys = [line.split(":")[0] for line in after.splitlines() if line and line[0].isalpha()]
    assert keys == [line.split(":")[0] for line in before.splitlines() if line and line[0].isalpha()]


def test_long_value_is_folded_like_the_other_long_values(root: Path) -> None:
    path = gate(root)
    text = ("Gate decisions are a stable status contract; the gateway only reports them and adds no "
            "gate semantics, so the contract is reused unchanged (reviewed twice).")
    store.save_record(path, {"rationale": text, "candidate_gateway_usage": text}, store.read_record(path).fingerprint)
    after = path.read_text()
    assert "rationale: >-\n  Gate decisions" in after
    assert "candidate_gateway_usage: >-\n  Gate decisions" in after  # was plain, too long now
    assert max(len(line) for line in after.splitlines() if not line.startswith(("#", "x_review", "owner"))) <= 82
    ws = load_workspace(root)
    assert ws.family("gate").rationale == text
    assert not [p for p in ws.problems if p.path.endswith("gate.yaml")]


def test_new_key_goes_to_its_schema_position_and_none_removes(root: Path) -> None:
    path = root / "decisions" / "families" / "task_output.yaml"
    rec = store.read_record(path)
    store.save_record(path, {"owner": None, "guess": True}, rec.fingerprint)
    lines = [line.split(":")[0] for line in path.read_text().splitlines() if line and line[0].isalpha()]
    assert "owner" not in lines
    assert lines.index("guess") == lines.index("downstream_consumers") + 1


def test_atomic_write_leaves_no_temp_files(root: Path) -> None:
    path = gate(root)
    for i in range(3):
        store.save_record(path, {"owner": f"team-{i}"}, store.read_record(path).fingerprint)
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")) == [
        "gate.yaml", "skill_execute.yaml", "task_output.yaml"]
    assert oct(path.stat().st_mode & 0o777) == oct(0o644) or path.stat().st_mode & 0o600


def test_failed_write_keeps_the_file_and_removes_the_temp_file(root: Path, monkeypatch) -> None:
    path = gate(root)
    before = path.read_bytes()
    rec = store.read_record(path)

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(store.StoreError, match="cannot write .*gate.yaml: disk full"):
        store.save_record(path, {"owner": "x"}, rec.fingerprint)
    assert path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if p.name.endswith(store.TEMP_SUFFIX)]


def test_conflict_when_changed_on_disk(root: Path) -> None:
    path = gate(root)
    rec = store.read_record(path)
    theirs = path.read_text().replace("stability_tier: stable/v1", "stability_tier: internal  # theirs")
    path.write_text(theirs)
    with pytest.raises(store.Conflict) as info:
        store.save_record(path, {"owner": "mine"}, rec.fingerprint)
    assert path.read_text() == theirs  # nothing written
    conflict = info.value
    assert conflict.current_text == theirs
    diff = conflict.diff("gate.yaml")
    assert "-stability_tier: stable/v1" in diff and "+stability_tier: internal  # theirs" in diff
    # overwrite with mine: my changed keys on top of the file as it is now
    store.save_record(path, {"owner": "mine"}, conflict.current_fingerprint)
    after = path.read_text()
    assert "owner: mine" in after and "stability_tier: internal  # theirs" in after


def test_conflict_when_file_was_deleted(root: Path) -> None:
    path = gate(root)
    rec = store.read_record(path)
    path.unlink()
    with pytest.raises(store.Conflict):
        store.save_record(path, {"owner": "mine"}, rec.fingerprint)
    assert not path.exists()


def test_unparseable_file_is_a_store_error_not_a_crash(root: Path) -> None:
    path = gate(root)
    path.write_text("family: [unclosed\n")
    with pytest.raises(store.StoreError):
        store.read_record(path)


def test_the_family_edit_form_holds_the_fields_family_marks_editable() -> None:
    """FamilyEdit's typed values are the `Family` fields marked EDIT: text as str, lists as tuples."""
    import dataclasses

    edit = {f.name: f.type for f in dataclasses.fields(store.FamilyEdit)}
    assert list(edit) == [*store.FAMILY_TEXT_FIELDS, *store.FAMILY_LIST_FIELDS]
    assert {edit[k] for k in store.FAMILY_TEXT_FIELDS} == {"str"}
    assert {edit[k] for k in store.FAMILY_LIST_FIELDS} == {"tuple[str, ...]"}


def test_family_edit_changes_only_what_differs(root: Path) -> None:
    rec = store.read_record(gate(root))
    edit = store.FamilyEdit.from_data(rec.plain())
    assert edit.changes(rec.plain()) == {}
    changed = store.FamilyEdit(**{**edit.__dict__, "owner": "x", "alternatives_considered": ("task_output",)})
    assert changed.changes(rec.plain()) == {"owner": "x", "alternatives_considered": ["task_output"]}
    cleared = store.FamilyEdit(**{**edit.__dict__, "version_policy": ""})
    assert cleared.changes(rec.plain()) == {"version_policy": None}


def test_saving_a_guessed_family_confirms_it(root: Path) -> None:
    """A record `workbench init` guessed stops being a guess once a person saves it from the form."""
    data = {**store.read_record(gate(root)).plain(), "guess": True}
    edit = store.FamilyEdit.from_data(data)
    assert edit.changes(data) == {}  # nothing saved, nothing confirmed
    moved = store.FamilyEdit(**{**edit.__dict__, "intent_class": "error"})
    assert moved.changes(data) == {"intent_class": "error", "guess": None}  # removed, as G011 asks


def test_intent_class_must_be_in_the_workspace_vocabulary(root: Path) -> None:
    ws = load_workspace(root)
    rec = store.read_record(gate(root))
    base = store.FamilyEdit.from_data(rec.plain())
    odd = store.FamilyEdit(**{**base.__dict__, "intent_class": "policy"})
    assert "intent_class" in store.validate_family_edit(ws, "gate", rec.plain(), odd)
    usual = store.FamilyEdit(**{**base.__dict__, "intent_class": "error"})
    assert store.validate_family_edit(ws, "gate", rec.plain(), usual) == {}


def test_validation_is_the_schema_plus_g003(root: Path) -> None:
    ws = load_workspace(root)
    rec = store.read_record(gate(root))
    base = store.FamilyEdit.from_data(rec.plain())
    assert store.validate_family_edit(ws, "gate", rec.plain(), base) == {}

    bad_consumer = store.FamilyEdit(**{**base.__dict__, "downstream_consumers": ("58",)})
    assert "downstream_consumers" in store.validate_family_edit(ws, "gate", rec.plain(), bad_consumer)

    new_alone = store.FamilyEdit(**{**base.__dict__, "decision": "new"})
    errors = store.validate_family_edit(ws, "gate", rec.plain(), new_alone)
    assert "alternatives_considered" in errors

    unnamed = store.FamilyEdit(**{**base.__dict__, "decision": "new", "alternatives_considered": ("task_output",)})
    errors = store.validate_family_edit(ws, "gate", rec.plain(), unnamed)
    assert "rationale" in errors and "task_output" in errors["rationale"]

    named = store.FamilyEdit(**{**base.__dict__, "decision": "new", "alternatives_considered": ("task_output",),
                               "rationale": "task_output reports finished tasks; it cannot carry gate verdicts."})
    assert store.validate_family_edit(ws, "gate", rec.plain(), named) == {}


def test_tick_checklist_item_keeps_the_file(root: Path) -> None:
    path = root / "decisions" / "checklist.yaml"
    rec = store.read_record(path)
    store.tick_checklist_item(path, "idempotency_reviewed", True, ["decisions/gates.yaml"], rec.fingerprint)
    after = path.read_text()
    assert after.startswith("# Fixture checklist: one derived item, one manual item.")
    assert "derive: {kind: family_decided, family: skill_execute}" in after
    item = after.split("- id: idempotency_reviewed", 1)[1]
    assert "done: true" in item and "- decisions/gates.yaml" in item
    assert item.index("done: true") < item.index("evidence")
    ws = load_workspace(root)
    ticked = next(i for i in ws.decisions.checklist if i.id == "idempotency_reviewed")
    assert ticked.done is True and ticked.evidence == ("decisions/gates.yaml",)
    with pytest.raises(store.Conflict):
        store.tick_checklist_item(path, "idempotency_reviewed", False, [], rec.fingerprint)


def test_missing_evidence(root: Path) -> None:
    assert store.missing_evidence(root, ["decisions/gates.yaml", "nope.md"]) == ["nope.md"]


AMBIGUOUS = ["no", "Yes", "on", "OFF", "~", "null", "1:20", "0x1F", "1_000", "0777", ".inf", "2.5e3", "true"]


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_a_saved_string_reads_back_as_that_string(root: Path, text: str) -> None:
    """ruamel writes YAML 1.2, where `no` or `1:20` is a plain string; the loader (like every
    YAML 1.1 reader) would read them back as false or 80. New values are quoted when a 1.1
    reader would take them for anything but the string."""
    path = gate(root)
    waiver = {"rule": "O001", "subject": text, "reason": text}
    store.save_record(path, {"owner": text, "waivers": [waiver]}, store.read_record(path).fingerprint)
    ws = load_workspace(root)
    fam = next(f for f in ws.families if f.id == "gate")
    assert (fam.owner, [(w.subject, w.reason) for w in fam.waivers]) == (text, [(text, text)])
    assert not [p for p in ws.problems if p.path.endswith("gate.yaml")]


def test_unambiguous_new_strings_stay_plain(root: Path) -> None:
    path = gate(root)
    waiver = {"rule": "O001", "subject": "gate", "reason": "reviewed"}
    store.save_record(path, {"owner": "gateway-api", "waivers": [waiver]}, store.read_record(path).fingerprint)
    text = path.read_text()
    assert "owner: gateway-api" in text and "reason: reviewed\n" in text


def test_an_appended_record_keeps_its_strings(root: Path) -> None:
    """Appending to a list (how a waiver or a baseline entry is added) quotes like a new value."""
    path = gate(root)
    store.save_record(path, {"waivers": [{"rule": "O001", "subject": "gate", "reason": "x"}]},
                      store.read_record(path).fingerprint)
    store.save_record(path, {("waivers", 1): {"rule": "R001", "subject": "on", "reason": "no"}},
                      store.read_record(path).fingerprint)
    fam = next(f for f in load_workspace(root).families if f.id == "gate")
    assert [(w.subject, w.reason) for w in fam.waivers] == [("gate", "x"), ("on", "no")]
