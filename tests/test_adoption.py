"""First day on an existing repository: adopt the workbench without losing a file or turning CI red.

A temporary git repository laid out like a real one: schemas in ssot/ (two of them one family by their
authors: an event envelope and a control event), instances of one schema under tools/*/manifest.yaml
(not named after it), hand-written M1 docs at the default export path, no decisions/.
`test_the_readme_adoption_guide_as_written` runs the README's adoption commands verbatim (read from the
README) and asserts what the README's table says each step prints.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from workbench.cli import main

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DOCS = "doc/m0-runtime-contract-freeze"
HAND_WRITTEN = {
    f"{DOCS}/m1_contract_reuse_matrix.md":
        "# Reuse matrix\n\n| family | representation deltas |\n|---|---|\n| tools | none |\n",
    f"{DOCS}/m1_contract_delta_register.md": "# Delta register\n\nDLT-001: why the SSOT is insufficient...\n",
}
MANIFEST = {
    "$schema": DIALECT, "title": "Tool manifest", "type": "object", "required": ["name", "version"],
    "properties": {"name": {"type": "string"}, "version": {"type": "integer", "minimum": 1},
                   "released": {"type": "string", "format": "date"}},
}
JOB = {
    "$schema": DIALECT, "title": "Job request", "type": "object", "required": ["job_id"],
    "properties": {"job_id": {"type": "string", "pattern": "^job_[0-9]+$"}, "args": {"type": "array"}},
}
STATUS = {
    "$schema": DIALECT, "title": "Job status", "type": "object", "required": ["job_id", "state"],
    "properties": {"job_id": {"type": "string", "pattern": "^job_[0-9]+$"},
                   "state": {"enum": ["queued", "running", "done"]}},
}
MAP = '  map:\n    "ssot/schemas/tool.manifest.schema.json": ["tools/*/manifest.yaml"]\n'



def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


WHEN = {"type": "string", "format": "date-time"}
ENVELOPE = {"event_id": {"type": "string", "pattern": "^evt_[0-9a-f]{12}$"},
            "event_type": {"enum": ["started", "stopped", "failed"]}, "emitted_at": WHEN,
            "producer": {"type": "string", "pattern": "^svc/[a-z]+$"}, "sequence": {"type": "integer", "minimum": 0},
            "trace": {"type": "object", "properties": {"trace_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                                                        "span_id": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}},
            "payload": {"type": "object"}}
EVENTS = {
    "ssot/schemas/event.envelope.schema.json": {"$schema": DIALECT, "title": "Event envelope", "type": "object",
                                                "required": ["event_id"], "properties": ENVELOPE},
    "ssot/schemas/control.event.schema.json": {"$schema": DIALECT, "title": "Control event", "type": "object",
                                               "required": ["event_id"],
                                               "properties": {**ENVELOPE, "command": {"enum": ["pause", "resume"]}}},
}


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    files = {
        **{rel: json.dumps(body, indent=2) + "\n" for rel, body in EVENTS.items()},
        "ssot/schemas/tool.manifest.schema.json": json.dumps(MANIFEST, indent=2) + "\n",
        "ssot/schemas/job.request.schema.json": json.dumps(JOB, indent=2) + "\n",
        "ssot/schemas/job.status.schema.json": json.dumps(STATUS, indent=2) + "\n",
        "ssot/examples/job.request.json": json.dumps({"job_id": "job_1", "args": []}) + "\n",
        "tools/a/manifest.yaml": "name: a\nversion: 1\nreleased: 2024-01-01\n",
        "tools/b/manifest.yaml": "name: b\nversion: 2\n",
        **HAND_WRITTEN,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "existing repository")
    return root


def check(root: Path, capsys, *extra: str) -> tuple[int, dict]:
    code = main(["--check", "--root", str(root), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def severities(doc: dict) -> set[str]:
    return {f["severity"] for f in doc["findings"] if not f.get("baselined")}


README = Path(__file__).resolve().parents[1] / "README.md"


def adoption_guide() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Adopting the workbench in an existing repository")
    return text[start:text.index("\n## ", start + 3)]


def guide_commands(guide: str) -> list[tuple[int, str]]:
    """(step, command) of each line of the guide's `sh` block: `workbench ...   # N. ...`."""
    block = guide.split("```sh\n", 1)[1].split("```", 1)[0]
    out = []
    for line in block.splitlines():
        command, _, comment = line.partition("#")
        out.append((int(re.match(r"\s*(\d+)\.", comment).group(1)), command.strip()))
    return out


def guide_prints(guide: str) -> dict[int, list[str]]:
    """Step -> the code spans of its row in the guide's "What each step prints" table."""
    rows = {}
    for line in guide.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("| ") else []
        if len(cells) >= 2 and cells[0].isdigit():
            row = line.split("|", 2)[2]
            rows[int(cells[0])] = [m.group(2).strip() for m in re.finditer(r"(`+)(.+?)\1", row)]
    return rows


def shown(fragment: str, output: str) -> bool:
    """`fragment` (its "…" standing for anything on the line) is in `output`."""
    pattern = ".*?".join(re.escape(part) for part in fragment.split("…"))
    return re.search(pattern, output) is not None


def test_the_readme_adoption_guide_as_written(repo: Path, capsys, monkeypatch) -> None:
    guide = adoption_guide()
    commands, prints = guide_commands(guide), guide_prints(guide)
    assert [step for step, _ in commands] == [1, 2, 3, 4, 5] and set(prints) == {1, 2, 3, 4, 5}
    yaml_block = guide.split("```yaml\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(repo)  # "from its root"
    for step, command in commands:
        argv = shlex.split(command)
        assert argv[0] == "workbench", command
        code = main(argv[1:])
        out = capsys.readouterr().out
        assert code == 0, (command, out)
        for fragment in prints[step]:
            if fragment.startswith(("`", "export.out", "guess")) or fragment in ("G001", "E001", "V006"):
                continue
            assert shown(fragment, out), (step, fragment, out)
        if step == 3:  # "After step 3, point the export folder at the generated docs"
            config = repo / "decisions/workspace.yaml"
            text = config.read_text()
            commented = re.search(r"^# export:\n#   out: .*\n", text, re.M)
            assert commented, "init writes the key commented out"
            config.write_text(text.replace(commented.group(0), yaml_block))
    # the hand-written docs are as they were, the generated ones where the guide says
    assert {rel: (repo / rel).read_text() for rel in HAND_WRITTEN} == HAND_WRITTEN
    assert (repo / "doc/m1-generated/m1_contract_reuse_matrix.md").is_file()
    # the authors' pair is one draft, which says why
    fam = yaml.safe_load((repo / "decisions/families/event.yaml").read_text())
    assert sorted(fam["schemas"]) == sorted(EVENTS)
    # a follow-up check has no finding the guide did not mention (baselined ones included)
    code, doc = check(repo, capsys, "--no-baseline")
    mentioned = set(re.findall(r"\b[A-Z][0-9]{3}\b", guide))
    assert {f["rule"] for f in doc["findings"]} <= mentioned, doc["findings"]
    code, doc = check(repo, capsys)
    assert code == 0 and doc["summary"]["error"] == doc["summary"]["warning"] == 0
    # confirming a draft as the guide says (the edit form's save): what G011 lists filled in, `guess` and
    # init's header comment removed
    from workbench import store

    path = repo / "decisions/families/event.yaml"
    rec = store.read_record(path)
    edit = store.FamilyEdit.from_data(rec.plain())
    filled = store.FamilyEdit(**{**edit.__dict__, "owner": "platform", "stability_tier": "stable/v1",
                                 "decision": "reuse", "rationale": "one envelope", "version_policy": "additive",
                                 "wire_mapping": "none: internal"})
    store.save_record(path, filled.changes(rec.plain()), rec.fingerprint)
    text = path.read_text()
    assert "guess" not in text and "GUESS" not in text and text.startswith("family: event\n"), text
    code, doc = check(repo, capsys, "--select", "G011", "G002", "G004")
    assert [f for f in doc["findings"] if f["path"] == "decisions/families/event.yaml"] == []
    assert [f["rule"] for f in doc["findings"]] == ["G011", "G011", "G011"]  # the other drafts


def test_adopting_in_five_commands(repo: Path, capsys) -> None:
    # 1. workbench init: a starter decisions/ (guessed families); the check is green, warnings at most
    assert main(["init", "--root", str(repo)]) == 0
    config = repo / "decisions/workspace.yaml"
    config.write_text(config.read_text().replace('  patterns: ["ssot/examples/{name}.json", '
                                                 '"ssot/examples/{name}/*.json"]\n',
                                                 '  patterns: ["ssot/examples/{name}.json"]\n' + MAP)
                      .replace("  content_folders: []\n", "  content_folders: [tools]\n"))
    capsys.readouterr()
    code, doc = check(repo, capsys)
    assert code == 0 and "error" not in severities(doc), [f for f in doc["findings"] if f["severity"] == "error"]
    rules = {f["rule"] for f in doc["findings"]}
    assert {"G011", "V006", "E001"} <= rules  # drafts to confirm, job.status has no example, docs not exported
    hand = [f for f in doc["findings"] if f["rule"] == "E001" and f["path"] in HAND_WRITTEN]
    assert {f["severity"] for f in hand} == {"info"} and len(hand) == 2
    assert not any(f["rule"] == "V006" and "tool.manifest" in f["path"] for f in doc["findings"])  # mapped

    # 2. workbench export refuses to replace the hand-written docs, and leaves them byte-identical
    assert main(["export", "--root", str(repo)]) == 2
    assert "not replacing" in capsys.readouterr().err
    assert {rel: (repo / rel).read_text() for rel in HAND_WRITTEN} == HAND_WRITTEN
    assert not (repo / DOCS / "m1_to_m2_handoff.md").exists()  # nothing written: all or nothing

    # 3. workbench baseline: today's warnings accepted, the check still green
    assert main(["baseline", "--root", str(repo)]) == 0
    assert "accepted finding(s)" in capsys.readouterr().out
    entries = yaml.safe_load((repo / "decisions/baseline.yaml").read_text())["findings"]
    assert {e["rule"] for e in entries} >= {"V006", "E001"}
    code, doc = check(repo, capsys)
    assert code == 0 and doc["summary"]["warning"] == 0 and doc["summary"]["baselined"] == len(entries)

    # 4. a newly introduced problem fails the check
    (repo / "tools/c").mkdir()
    (repo / "tools/c/manifest.yaml").write_text("name: c\nversion: zero\n")
    code, doc = check(repo, capsys)
    assert code == 1
    [new] = [f for f in doc["findings"] if f["severity"] == "error"]
    assert (new["rule"], new["path"], new["line"]) == ("V002", "tools/c/manifest.yaml", 2)
    (repo / "tools/c/manifest.yaml").unlink()

    # 5. fixing a baselined problem reports its entry as removable (the baseline only shrinks)
    (repo / "ssot/examples/job.status.json").write_text(json.dumps({"job_id": "job_1", "state": "done"}) + "\n")
    code, doc = check(repo, capsys)
    assert code == 0
    [gone] = [f for f in doc["findings"] if f["rule"] == "G013"]
    assert "job.status" in gone["message"] and gone["path"] == "decisions/baseline.yaml"
    assert main(["baseline", "--root", str(repo)]) == 0
    capsys.readouterr()
    assert not any(f["rule"] == "G013" for f in check(repo, capsys)[1]["findings"])


def test_no_baseline_shows_everything(repo: Path, capsys) -> None:
    main(["init", "--root", str(repo)])
    main(["baseline", "--root", str(repo)])
    capsys.readouterr()
    code, doc = check(repo, capsys, "--no-baseline", "--fail-on", "warning")
    assert code == 1 and doc["summary"]["baselined"] == 0 and doc["summary"]["warning"] > 0


def test_a_typo_in_select_exits_2_with_the_closest_names(repo: Path, capsys) -> None:
    assert main(["--check", "--root", str(repo), "--select", "compatability"]) == 2
    err = capsys.readouterr().err
    assert "compatability" in err and "compatibility" in err
    assert main(["--check", "--root", str(repo), "--ignore", "Z999"]) == 2


def test_export_force_replaces_a_hand_written_doc(repo: Path, capsys) -> None:
    main(["init", "--root", str(repo)])
    assert main(["export", "--root", str(repo), "--force"]) == 0
    text = (repo / DOCS / "m1_contract_reuse_matrix.md").read_text()
    assert "generated by workbench export" in text.split("\n", 1)[0]
    capsys.readouterr()
    code, doc = check(repo, capsys, "--select", "E001")
    assert code == 0 and doc["findings"] == []  # generated now, and current


def test_a_waiver_for_an_undecided_schema_lives_in_waivers_yaml(repo: Path, capsys) -> None:
    (repo / "decisions").mkdir()
    (repo / "decisions/waivers.yaml").write_text(
        "waivers:\n  - rule: G001\n    subject: job.status\n    reason: decided in Q3\n"
        "  - rule: V006\n    subject: job.status\n    reason: example pending\n    expires: 2000-01-01\n")
    code, doc = check(repo, capsys, "--select", "G001", "V006", "G012")
    by_rule = {(f["rule"], f["path"]): f for f in doc["findings"]}
    g001 = by_rule[("G001", "ssot/schemas/job.status.schema.json")]
    assert g001["severity"] == "info" and "decided in Q3" in g001["note"]
    assert by_rule[("V006", "ssot/schemas/job.status.schema.json")]["severity"] == "warning"  # expired
    [expired] = [f for f in doc["findings"] if f["rule"] == "G012"]
    assert expired["path"] == "decisions/waivers.yaml" and expired["line"] == 5
