"""Rule lifecycle: a renamed rule's former id keeps working everywhere users write rule ids
(waivers, decisions/baseline.yaml, gates, --select/--ignore), with a warning naming the new
id; a removed rule's id is a warning, never "unknown rule" (exit 2); preview rules run only
when selected by id or name."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from helpers_governance import QUEUE
from helpers_ws import schema, write

from workbench.cli import main
from workbench.engine import selected_rules
from workbench.errors import UsageError
from workbench.rules import registry
from workbench.rules.registry import PREVIEW, resolve, retired

WAIVERS = "decisions/waivers.yaml"
GATES = "decisions/gates.yaml"


def repo(tmp_path: Path) -> Path:
    """A schema without an example (V006 fires), a waiver-free workspace with a gate naming V006."""
    return write(tmp_path / "ws", {
        QUEUE: schema({"id": "string"}, closed=False),
        "ssot/schemas/other.schema.json": schema({"name": "string"}, closed=False),
        GATES: "gates:\n  - id: examples\n    title: Examples gate\n    enforced_by: [V006]\n",
    })


def check(root: Path, capsys, *args: str) -> tuple[int, dict, str]:
    code = main(["--check", "--root", str(root), "--format", "json", *args])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_a_renamed_rule_keeps_old_waivers_baseline_entries_gates_and_ignore_working(tmp_path, capsys,
                                                                                    monkeypatch) -> None:
    root = repo(tmp_path)
    write(root, {WAIVERS: "waivers:\n  - rule: V006\n    subject: ssot/schemas/other.schema.json\n"
                          "    reason: an example is on its way\n"})
    assert main(["baseline", "--root", str(root)]) == 0  # accepts the other V006 warning, under the old id
    capsys.readouterr()
    assert "rule: V006" in (root / "decisions/baseline.yaml").read_text()

    registry.all_rules()
    rules = dict(registry._RULES)
    old = rules.pop("V006")
    rules["V106"] = replace(old, id="V106", replaces=("V006",))
    monkeypatch.setattr(registry, "_RULES", rules)

    code, doc, err = check(root, capsys)
    by_rule = {}
    for f in doc["findings"]:
        by_rule.setdefault(f["rule"], []).append(f)
    assert "V006" not in by_rule and len(by_rule["V106"]) == 2  # the rule runs under its new id
    waived = [f for f in by_rule["V106"] if f["severity"] == "info"]
    assert len(waived) == 1 and "an example is on its way" in waived[0]["note"]  # the old waiver applies
    assert [f for f in by_rule["V106"] if f["severity"] == "warning"][0]["baselined"]  # the old entry accepts
    assert "G009" not in by_rule and "G013" not in by_rule  # the gate is not "unknown", the entry not "gone"
    outdated = {(f["path"], f["message"]) for f in by_rule["G014"]}
    assert {path for path, _ in outdated} == {WAIVERS, GATES, "decisions/baseline.yaml"}
    assert all("renamed to V106" in message for _, message in outdated)
    assert code == 0

    code, doc, err = check(root, capsys, "--ignore", "V006")
    assert not any(f["rule"] == "V106" for f in doc["findings"])
    assert "rule V006 was renamed to V106: write V106 (in --ignore)" in err
    assert main(["explain", "V006"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("V106 schema-without-example") and "renamed to V106" in out.err


def test_without_a_rename_the_old_files_raise_no_lifecycle_warning(tmp_path, capsys) -> None:
    root = repo(tmp_path)
    code, doc, err = check(root, capsys)
    assert not any(f["rule"] == "G014" for f in doc["findings"]) and err == ""
    assert any(f["rule"] == "V006" for f in doc["findings"])


def test_a_removed_rule_is_a_warning_not_an_unknown_rule(tmp_path, capsys, monkeypatch) -> None:
    root = repo(tmp_path)
    registry.all_rules()
    monkeypatch.setattr(registry, "_RULES", {k: v for k, v in registry._RULES.items() if k != "V006"})
    retired("V006", "schema-without-example", "validity", "every schema's example is checked by V002")
    code, doc, err = check(root, capsys, "--ignore", "V006")
    assert code == 0 and "rule V006 was removed (every schema's example is checked by V002)" in err
    [gate] = [f for f in doc["findings"] if f["rule"] == "G014"]
    assert gate["path"] == GATES and "was removed" in gate["message"]
    assert not any(f["rule"] in ("V006", "G009") for f in doc["findings"])
    assert selected_rules(["V006"]).rules == []  # selecting only a removed rule runs nothing, not everything


def test_a_preview_rule_runs_only_when_selected_by_id_or_name(monkeypatch) -> None:
    registry.all_rules()  # loads every rule module
    rules = dict(registry._RULES)
    rules["V006"] = replace(rules["V006"], status=PREVIEW)
    monkeypatch.setattr(registry, "_RULES", rules)
    ids = lambda selection: {r.id for r in selection.rules}  # noqa: E731
    assert "V006" not in ids(selected_rules())
    assert "V006" not in ids(selected_rules(["validity"]))  # a category does not opt in to preview
    assert "V006" in ids(selected_rules(["V006"])) and "V006" in ids(selected_rules(["schema-without-example"]))


def test_an_id_that_never_existed_is_still_a_usage_error() -> None:
    assert resolve("V999").rule is None
    with pytest.raises(UsageError, match="unknown rule or category 'V999'"):
        selected_rules(ignore=["V999"])


def test_ids_are_never_reused() -> None:
    registry.all_rules()
    v006 = registry._RULES["V006"]
    with pytest.raises(ValueError, match="duplicate rule id V006"):
        registry._register(replace(v006, id="V906", replaces=("V006",)))
