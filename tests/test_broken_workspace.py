"""A deliberately broken copy of the shipped workspace fails with exactly three errors.

The copy gets (1) a new family decided `new` whose schema duplicates
skill-execute's request without naming it in its rationale (O002), (2) an enum
value removed from a stable/v1 family's schema, compared with the unmodified
copy as `--against DIR` (C001), and (3) `run_id` redefined as an integer (R001).
Export rules are ignored: the copies carry no doc/ folder, and stale docs after
a decisions change are E001's own business.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers_ws import write

from workbench.cli import main

SHIPPED = Path(__file__).resolve().parents[1]
REQUEST = "ssot/schemas/skill.execute.request.schema.json"
TASK_RESULT = "ssot/schemas/task.result.schema.json"
NEW_SCHEMA = "ssot/schemas/gateway.invoke.request.schema.json"


def copy_shipped(dest: Path) -> Path:
    for part in ("ssot", "decisions"):
        shutil.copytree(SHIPPED / part, dest / part)
    return dest


def errors(root: Path, capsys, *extra: str) -> tuple[int, list[dict]]:
    code = main(["--check", "--root", str(root), "--format", "json", "--ignore", "export", *extra])
    found = json.loads(capsys.readouterr().out)["findings"]
    return code, [f for f in found if f["severity"] == "error"]


def break_it(root: Path) -> None:
    body = json.loads((root / REQUEST).read_text())
    body["title"] = "Gateway invoke request"
    body["description"] = "Request a client sends to invoke a capability through the gateway."
    body["properties"]["run_id"] = {"type": "integer", "minimum": 1, "description": "Run to attach to."}
    write(root, {NEW_SCHEMA: body})
    shutil.copy(root / "ssot/examples/skill.execute.request.json", root / "ssot/examples/gateway.invoke.request.json")
    write(root, {"decisions/families/gateway_invoke.yaml": {
        "family": "gateway_invoke", "title": "Gateway invoke", "intent_class": "job_invocation",
        "schemas": [NEW_SCHEMA], "owner": "gateway-api", "stability_tier": "experimental", "decision": "new",
        "current_usage": "None.", "candidate_gateway_usage": "Clients call capabilities through the gateway.",
        "rationale": "The gateway needs its own invocation contract; plan_queue is internal scheduling state.",
        "wire_mapping": "proto: dome.gateway.v1.InvokeRequest (M2 #58)", "version_policy": "experimental",
        "alternatives_considered": ["plan_queue"], "downstream_consumers": ["#58"], "waivers": [],
    }})
    task = json.loads((root / TASK_RESULT).read_text())
    status = task["properties"]["status"]["enum"]
    status.remove("skipped")  # no shipped example uses it, so examples stay valid
    (root / TASK_RESULT).write_text(json.dumps(task, indent=2) + "\n")


@pytest.fixture()
def copies(tmp_path) -> tuple[Path, Path]:
    return copy_shipped(tmp_path / "shipped"), copy_shipped(tmp_path / "broken")


def test_the_shipped_workspace_has_no_errors(copies, capsys):
    shipped, _ = copies
    assert errors(shipped, capsys) == (0, [])
    assert errors(shipped, capsys, "--against", str(shipped)) == (0, [])


def test_the_broken_copy_fails_with_exactly_three_errors(copies, capsys):
    shipped, broken = copies
    break_it(broken)
    code, found = errors(broken, capsys, "--against", str(shipped))
    assert code == 1
    assert sorted((f["rule"], f["path"]) for f in found) == [
        ("C001", TASK_RESULT),
        ("O002", "decisions/families/gateway_invoke.yaml"),
        ("R001", NEW_SCHEMA),
    ]
    by_rule = {f["rule"]: f for f in found}
    assert by_rule["O002"]["subjects"] == ["gateway_invoke", "skill_execute"]
    assert "enum value removed at /properties/status/enum" in by_rule["C001"]["message"]
    assert "task_output is stable/v1, reused" in by_rule["C001"]["message"]
    assert by_rule["R001"]["message"].startswith("identifier run_id at /properties/run_id is `integer minimum=1`")
