"""The wire contract: generated proto, the field-number lock, and the buf gate (W001-W005, E002) with real buf."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.analysis import buf
from workbench.analysis.protofile import literal, rendered
from workbench.analysis.protoimage import read_image
from workbench.analysis.wire import build, integer_type, plan_of, snake
from workbench.cli import main
from workbench.errors import UsageError
from workbench.loader import load_workspace
from workbench.pipeline import check, derive, export

SHIPPED = Path(__file__).resolve().parents[1]
PROTO = "proto/dome/gateway/v1"
ENVELOPE = "ssot/schemas/event.envelope.schema.json"  # family event_envelope: stable/v1
CURSOR = "ssot/schemas/stream.cursor.schema.json"  # family stream_cursor: experimental


def copy_shipped(dest: Path, parts: tuple[str, ...] = ("ssot", "decisions", "proto", "doc", "clients")) -> Path:
    for part in parts:
        shutil.copytree(SHIPPED / part, dest / part)
    return dest


def edit_json(root: Path, rel: str, change) -> None:
    path = root / rel
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2) + "\n", "utf-8")


def image_of(root: Path):
    """The image buf builds from the proto folder as committed (what the gate reads)."""
    ws = load_workspace(root)
    run = buf.run_gate({t.path.removeprefix("proto/"): t.text for t in ws.protos})
    assert run.ok and not run.build, (run.failure, run.build)
    return read_image(run.image)


def numbers(image, name: str) -> dict[str, int]:
    return {f.name: f.number for f in image.messages[name].proto.field}


def findings(root: Path, *select: str, against: Path | str | None = None) -> list:
    ws = load_workspace(root)
    base = None
    if against is not None:
        from workbench.baseline import load_baseline

        base = load_baseline(root, str(against))
    return list(check(ws, select=select or ["wire"], baseline=base, baseline_label=str(against or "")).findings)


def git(root: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": os.environ["PATH"], "HOME": str(root)}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def ws_copy(tmp_path: Path) -> Path:
    return copy_shipped(tmp_path / "ws")


# ---------------------------------------------------------------- the shipped workspace

def test_shipped_proto_compiles_lints_clean_and_is_current():
    ws = load_workspace(SHIPPED)
    plan = plan_of(ws)
    assert plan.package == "dome.gateway.v1" and len(plan.files) >= 8
    files = {t.path: t.text for t in ws.protos}
    assert rendered(plan) == {p: files[p] for p in rendered(plan)}  # what export writes is committed
    run = buf.run_gate({p.removeprefix("proto/"): t for p, t in files.items()})
    assert run.failure == "" and run.build == [] and run.lint == [], (run.failure, run.build, run.lint)
    assert run.buf and run.seconds > 0  # real buf ran
    assert plan.lock == ws.decisions.wire_lock


def test_shipped_check_has_no_wire_finding_and_every_example_is_read():
    result = check(load_workspace(SHIPPED), select=["wire", "E002"])
    assert [f for f in result.findings if f.severity != "info"] == []
    assert {r.id for r in result.rules} >= {"W001", "W002", "W004", "W005", "E002"}


def test_generated_files_follow_the_package_and_keep_json_names():
    ws = load_workspace(SHIPPED)
    image = image_of(SHIPPED)
    cursor = image.messages["dome.gateway.v1.StreamCursor"]
    assert cursor.file == "dome/gateway/v1/stream_cursor.proto"
    assert all(f.json_name == f.name for f in cursor.proto.field)  # the schema's keys are already snake_case
    assert [o.name for o in cursor.proto.oneof_decl if not o.name.startswith("_")] == ["payload"]  # _x: optional
    members = [f.name for f in cursor.proto.field if f.HasField("oneof_index") and not f.proto3_optional]
    assert members == ["event_envelope", "log_line", "end_of_stream", "empty"]  # titles and $defs keys
    frame = image.enums["dome.gateway.v1.StreamCursor.FrameType"].proto
    assert [(v.name, v.number) for v in frame.value][:2] == [("FRAME_TYPE_UNSPECIFIED", 0), ("FRAME_TYPE_EVENT", 1)]
    # both enums hold UNKNOWN-like values without colliding: prefixed, nested
    assert "GRPC_STATUS_UNKNOWN" in {v.name for v in image.enums["dome.gateway.v1.RpcError.GrpcStatus"].proto.value}
    # reason codes stay strings (wire.string_enums)
    rpc = {f.name: f for f in image.messages["dome.gateway.v1.RpcError"].proto.field}
    assert rpc["reason_code"].type == 9 and rpc["reason_code"].proto3_optional  # string, not required
    assert rpc["message"].type == 9 and not rpc["message"].proto3_optional  # required: no presence
    assert ws.decisions.wire_lock is not None


def test_integer_width_follows_the_bounds():
    assert integer_type({"type": "integer", "minimum": 0, "maximum": 100}) == "uint32"
    assert integer_type({"type": "integer", "minimum": -5, "maximum": 100}) == "int32"
    assert integer_type({"type": "integer", "minimum": 0, "exclusiveMaximum": 2**32}) == "uint32"
    assert integer_type({"type": "integer", "minimum": 0, "maximum": True, "exclusiveMaximum": True}) == "int64"
    assert integer_type({"type": "integer", "enum": [1, 2, 3]}) == "uint32"
    assert integer_type({"type": "integer", "minimum": 0}) == "int64"  # unbounded: the string-encoding delta
    assert integer_type({"type": "integer", "minimum": -(2**31) - 1, "maximum": 0}) == "int64"


# ---------------------------------------------------------------- generation on hostile schemas

HOSTILE = {
    "type": "object",
    "title": "Odd */ // \"thing\"\nsecond line\x07",
    "description": "ends the comment? */ no; a newline\r\nand a form feed \x0c here",
    "required": ["camelCase", "small"],
    "properties": {
        "camelCase": {"type": "string"},
        "camel_case": {"type": "string", "description": "the same proto name as camelCase"},
        "kebab-key": {"type": "integer", "minimum": 0, "maximum": 10},
        "$schema": {"type": "string"},
        "1st": {"type": "boolean"},
        "sha256": {"type": "string"},
        "HTTPServer2": {"type": "number"},
        "quote\"back\\slash": {"type": "string"},
        "ünïcode": {"type": "string"},
        "small": {"type": "integer", "minimum": -3, "maximum": 3},
        "status": {"enum": ["UNKNOWN", "a-b", "a_b", "", "unspecified", "1x"]},
        "other": {"type": "object", "properties": {"status": {"enum": ["UNKNOWN", "ok"]}}},
        "either": {"oneOf": [{"$ref": "part.a.schema.json"}, {"$ref": "part.b.schema.json"},
                             {"type": "object", "properties": {"n": {"type": "integer"}}}, {"type": "null"}]},
        "list": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "free": {"type": "object"},
        "nothing": {"type": "object", "additionalProperties": False},
        "when": {"type": ["string", "null"], "format": "date-time"},
        "self": {"$ref": "#"},
    },
}


def hostile_ws(make_ws, package: str = "acme.odd.v1"):
    return make_ws({
        "decisions/workspace.yaml": f"wire:\n  package: {package}\n",
        "decisions/families/odd.yaml": "family: odd\nintent_class: status\ndecision: new\n"
                                       "schemas: [ssot/schemas/odd.thing.schema.json]\n",
        "ssot/schemas/odd.thing.schema.json": HOSTILE,
        "ssot/schemas/part.a.schema.json": {"type": "object", "title": "Alpha body",
                                            "properties": {"a": {"type": "string"}}},
        "ssot/schemas/part.b.schema.json": {"type": "object", "properties": {
            "kind": {"const": "beta"}, "b": {"type": "string"}}},
    })


def test_hostile_schema_generates_lint_clean_proto_that_keeps_every_key(make_ws):
    root = hostile_ws(make_ws)
    export(load_workspace(root))
    image = image_of(root)  # compiles
    ws = load_workspace(root)
    run = buf.run_gate({t.path.removeprefix("proto/"): t.text for t in ws.protos})
    assert run.lint == [], run.lint
    thing = image.messages["acme.odd.v1.OddThing"].proto
    by_json = {f.json_name: f for f in thing.field}
    assert set(HOSTILE["properties"]) - {"either"} <= set(by_json)  # every key kept as json_name
    assert by_json["camelCase"].name != by_json["camel_case"].name
    assert by_json["kebab-key"].type == 13 and by_json["small"].type == 5  # uint32, int32
    assert by_json["1st"].name[0].isalpha()
    members = sorted(f.name for f in thing.field if f.HasField("oneof_index") and not f.proto3_optional)
    assert members == ["alpha_body", "beta", "message"]  # a title, a const, a type: never a file name
    assert not any("part" in m for m in members)
    assert by_json["list"].label == 3 and by_json["matrix"].type_name == ".google.protobuf.ListValue"
    assert by_json["free"].type_name == ".google.protobuf.Struct"
    assert by_json["nothing"].type_name == ".google.protobuf.Empty"
    assert by_json["when"].type_name == ".google.protobuf.Timestamp"
    assert by_json["self"].type_name == ".acme.odd.v1.OddThing"  # a recursive message
    assert all(f.json_name for f in thing.field)
    assert (root / "proto/acme/odd/v1/odd_thing.proto").read_text().startswith("// generated by workbench export")


def test_proto_string_literals_and_names():
    assert literal('a"b\\c\n\x00ü') == '"a\\"b\\\\c\\012\\000\\303\\274"'
    assert snake("HTTPServer2") == "http_server2" and snake("maxTokens") == "max_tokens" and snake("$ref") == "ref"
    assert snake("1st") == "f_1st" and snake("---") == "field"


def test_string_enums_stay_strings_where_the_workspace_says_so(make_ws):
    root = hostile_ws(make_ws)
    (root / "decisions/workspace.yaml").write_text(
        "wire:\n  package: acme.odd.v1\n  string_enums: ['ssot/schemas/odd.thing.schema.json#/properties/status']\n")
    plan = plan_of(load_workspace(root))
    fields = {f.key: f for f in plan.messages["acme.odd.v1.OddThing"].fields}
    assert fields["status"].type == "string"
    assert plan.messages["acme.odd.v1.OddThing.Other"].fields[0].type.endswith("Other.Status")


def test_no_package_generates_nothing(make_ws):
    root = hostile_ws(make_ws)
    (root / "decisions/workspace.yaml").write_text("version: 1\n")
    assert [p for p, _ in export(load_workspace(root)) if p.startswith("proto/")] == []
    assert not (root / "proto").exists() and not (root / "decisions/wire_lock.yaml").exists()
    assert findings(root) == []


# ---------------------------------------------------------------- the lock

def test_a_property_inserted_at_the_top_keeps_every_existing_number(ws_copy):
    before = image_of(ws_copy)

    def insert(data):
        data["properties"] = {"aaa_first": {"type": "string"}} | data["properties"]

    edit_json(ws_copy, CURSOR, insert)
    edit_json(ws_copy, "ssot/schemas/common/types.schema.json",
              lambda d: d["$defs"]["budget"].__setitem__("properties", {"zz_top": {"type": "boolean"}}
                                                         | d["$defs"]["budget"]["properties"]))
    assert {f.rule for f in findings(ws_copy, "E002")} == {"E002"}  # stale until exported
    export(load_workspace(ws_copy))
    after = image_of(ws_copy)
    for name in ("dome.gateway.v1.StreamCursor", "dome.gateway.v1.Budget", "dome.gateway.v1.StreamCursor.LogLine"):
        old, new = numbers(before, name), numbers(after, name)
        assert {k: new[k] for k in old} == old, name  # nothing renumbered
    assert numbers(after, "dome.gateway.v1.StreamCursor")["aaa_first"] == max(
        numbers(before, "dome.gateway.v1.StreamCursor").values()) + 1
    assert numbers(after, "dome.gateway.v1.Budget")["zz_top"] == 4
    assert findings(ws_copy, "E002") == []


def test_a_removed_field_is_reserved_and_its_number_never_reused(ws_copy):
    edit_json(ws_copy, ENVELOPE, lambda d: d["properties"].pop("task_id"))
    export(load_workspace(ws_copy))
    text = (ws_copy / PROTO / "event_envelope.proto").read_text()
    assert "reserved 5;" in text and 'reserved "task_id";' in text
    lock = load_workspace(ws_copy).decisions.wire_lock.of("dome.gateway.v1.EventEnvelope")
    assert ("task_id", 5) in lock.retired and "task_id" not in dict(lock.numbers)
    edit_json(ws_copy, ENVELOPE, lambda d: d["properties"].__setitem__("task_id", {"type": "string"}))
    export(load_workspace(ws_copy))
    fields = numbers(image_of(ws_copy), "dome.gateway.v1.EventEnvelope")
    assert 5 not in fields.values() and fields["task_id_2"] == 12  # a new number, and a name not reserved
    assert json.loads(json.dumps(fields))  # stays compilable: image_of asserted the build


def test_only_export_writes_the_lock(ws_copy):
    lock = ws_copy / "decisions/wire_lock.yaml"
    lock.unlink()
    assert [f.message for f in findings(ws_copy, "E002")] == [
        "missing: `workbench export` writes the field-number lock"]
    assert not lock.exists()
    assert main(["export", "--root", str(ws_copy)]) == 0
    assert lock.read_text() == (SHIPPED / "decisions/wire_lock.yaml").read_text()


def test_export_never_replaces_a_hand_written_file_at_a_generated_path(ws_copy):
    target = ws_copy / PROTO / "types.proto"
    target.write_text('syntax = "proto3";\npackage dome.gateway.v1;\nmessage Mine {}\n')
    assert [(f.rule, f.path) for f in findings(ws_copy, "E002")] == [("E002", f"{PROTO}/types.proto")]
    with pytest.raises(UsageError, match="hand-written"):
        export(load_workspace(ws_copy))
    assert "Mine" in target.read_text()


def test_a_generated_file_no_schema_produces_is_reported_then_removed(ws_copy):
    stale = ws_copy / PROTO / "old_thing.proto"
    stale.write_text((ws_copy / PROTO / "types.proto").read_text().replace("message ", "message Old", 1))
    assert any("no mapped schema produces it" in f.message for f in findings(ws_copy, "E002"))
    assert (str(stale.relative_to(ws_copy)), "removed") in export(load_workspace(ws_copy))
    assert not stale.exists()


# ---------------------------------------------------------------- breaking, against a commit

@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = copy_shipped(tmp_path / "repo")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "baseline")
    return root


def test_removing_a_property_of_a_stable_schema_breaks(repo):
    edit_json(repo, ENVELOPE, lambda d: d["properties"].pop("causation_id") and d["required"].remove("causation_id"))
    export(load_workspace(repo))
    got = [f for f in findings(repo, "W003", against="HEAD")]
    assert [(f.severity, f.data["type"]) for f in got] == [("error", "FIELD_NO_DELETE")]
    assert got[0].path == f"{PROTO}/event_envelope.proto" and "causation_id" in got[0].message
    assert "(against HEAD)" in got[0].message


def test_changing_a_field_type_breaks_and_an_optional_property_does_not(repo):
    edit_json(repo, ENVELOPE, lambda d: d["properties"]["event_type"].update(type="integer"))
    export(load_workspace(repo))
    assert [(f.severity, f.data["type"]) for f in findings(repo, "W003", against="HEAD")] == [
        ("error", "FIELD_SAME_TYPE")]
    git(repo, "checkout", "-q", "--", ".")
    edit_json(repo, ENVELOPE, lambda d: d["properties"].__setitem__("note", {"type": "string"}))
    export(load_workspace(repo))
    assert findings(repo, "W003", against="HEAD") == []


def test_breaking_severity_follows_the_family_tier(repo):
    edit_json(repo, CURSOR, lambda d: d["properties"].pop("resume_token"))
    export(load_workspace(repo))
    assert {(f.severity, f.family if f.family else f.data["families"][0]) for f in
            findings(repo, "W003", against="HEAD")} == {("warning", "stream_cursor")}  # experimental


# ---------------------------------------------------------------- tool failures, offline

def test_buf_missing_while_proto_exists_is_an_error_that_says_what_to_install(ws_copy, monkeypatch):
    monkeypatch.setattr(buf, "find_buf", lambda: "")
    got = findings(ws_copy, "W001")
    assert [(f.rule, f.severity, f.path) for f in got] == [("W001", "error", "proto")]
    assert "buf-bin" in got[0].message
    shutil.rmtree(ws_copy / "proto")
    assert findings(ws_copy, "W001") == []  # no .proto file: nothing to judge


def test_a_compile_error_is_reported_at_its_line(ws_copy):
    (ws_copy / PROTO / "broken.proto").write_text(
        'syntax = "proto3";\npackage dome.gateway.v1;\nmessage X {\n  int32 = 1;\n}\n')
    got = findings(ws_copy, "W001")
    assert [(f.path, f.line) for f in got] == [(f"{PROTO}/broken.proto", 4)] and "does not compile" in got[0].message


def test_a_remote_import_is_never_fetched(ws_copy):
    (ws_copy / PROTO / "api.proto").write_text('syntax = "proto3";\npackage dome.gateway.v1;\n'
                                               'import "google/api/annotations.proto";\n')
    got = findings(ws_copy, "W001")
    assert [(f.severity, f.line) for f in got] == [("error", 3)]
    assert "fetches no dependency" in got[0].message


def _netns() -> list[str] | None:
    """A prefix that runs a command without network: a new network namespace (as root, or in a user namespace)."""
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.SubprocessError):
            continue
    return None


def test_the_gate_passes_without_network(ws_copy, tmp_path):
    """build, lint and breaking (against a folder) in a network namespace: nothing is fetched."""
    base = copy_shipped(tmp_path / "base")
    edit_json(ws_copy, ENVELOPE, lambda d: d["properties"].pop("producer"))
    export(load_workspace(ws_copy))
    prefix = _netns()
    env = dict(os.environ)
    if prefix is None:  # no namespace here: every proxy refuses instead
        prefix = []
        env |= {k: buf.REFUSING_PROXY for k in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")}
    done = subprocess.run([*prefix, sys.executable, "-m", "workbench", "--check", "--root", str(ws_copy),
                           "--select", "wire", "--format", "json", "--against-dir", str(base)],
                          capture_output=True, text=True, env=env, timeout=300)
    report = json.loads(done.stdout)
    assert done.returncode == 1, done.stderr  # the removed field: a breaking error, found offline
    assert [(f["rule"], f["data"]["type"]) for f in report["findings"]] == [("W003", "FIELD_NO_DELETE")]


def test_buf_runs_with_its_own_cache_and_refusing_proxies(tmp_path):
    env = buf.offline_env(tmp_path)
    assert env["BUF_CACHE_DIR"].startswith(str(tmp_path)) and env["HOME"].startswith(str(tmp_path))
    assert {env[k] for k in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")} == {buf.REFUSING_PROXY}
    assert "BUF_TOKEN" not in env


# ---------------------------------------------------------------- hand-written messages

HAND = """syntax = "proto3";

package dome.gateway.v1;

import "google/protobuf/struct.proto";

service GatewayService {
  rpc Fail(FailRequest) returns (FailResponse);
}

message FailRequest {
  RpcError error = 1;
}

message FailResponse {}

// written by people: the gate compares it with rpc.error's mapping
message RpcError {
  enum Code {
    CODE_UNSPECIFIED = 0;
%s
  }
  enum GrpcStatus {
    GRPC_STATUS_UNSPECIFIED = 0;
%s
  }
  Code code = 1 [json_name = "code"];
  GrpcStatus grpc_status = 2 [json_name = "grpc_status"];
  string message = 3 [json_name = "message"];
  bool retryable = 4 [json_name = "retryable"];
  optional double retry_after_seconds = 5 [json_name = "retry_after_seconds"];
  optional string reason_code = 6 [json_name = "reason_code"];
  optional string request_id = 7 [json_name = "request_id"];
  google.protobuf.Struct details = 8 [json_name = "details"];
}
"""


def hand_written(root: Path, text: str) -> None:
    ws = load_workspace(root)
    enums = plan_of(ws).enums
    values = ["\n".join(f"    {v.name} = {v.number};" for v in enums[f"dome.gateway.v1.RpcError.{e}"].values
                       if v.number) for e in ("Code", "GrpcStatus")]
    (root / PROTO / "rpc_error.proto").unlink()
    (root / PROTO / "gateway.proto").write_text(text % tuple(values))
    export(load_workspace(root))


def test_a_matching_hand_written_message_is_checked_not_generated(ws_copy):
    hand_written(ws_copy, HAND)
    assert not (ws_copy / PROTO / "rpc_error.proto").exists()
    assert 'import "dome/gateway/v1/gateway.proto";' in (ws_copy / PROTO / "skill_execute_response.proto").read_text()
    assert [f for f in findings(ws_copy) if f.severity != "info"] == []


def test_a_hand_written_message_that_differs_from_the_mapping(ws_copy):
    changed = (HAND.replace('  bool retryable = 4 [json_name = "retryable"];\n', "")  # missing
               .replace('string message = 3 [json_name = "message"]', 'optional string message = 3')  # optional
               .replace('double retry_after_seconds = 5 [json_name = "retry_after_seconds"]',
                        "double retry_after_seconds = 5")  # the key
               .replace('optional string request_id = 7', 'optional int64 request_id = 7')  # type
               .replace('Struct details = 8', 'Struct details = 9')  # number
               .replace("  google.protobuf.Struct details", "  repeated string extra = 10;\n"
                        "  google.protobuf.Struct details"))  # extra
    hand_written(ws_copy, changed)
    got = sorted(f.message.split(": ", 1)[1] for f in findings(ws_copy, "W004"))
    assert len(got) == 6, got
    text = "\n".join(got)
    for expected in ("missing field `retryable`", "`message` is `optional`", "written as `retryAfterSeconds`",
                     "`request_id` is int64: the mapping has string", "number 9: decisions/wire_lock.yaml holds 8",
                     "extra field `extra`"):
        assert expected in text, expected
    assert all(f.path == f"{PROTO}/gateway.proto" and f.line for f in findings(ws_copy, "W004"))


# ---------------------------------------------------------------- ProtoJSON

def test_every_shipped_difference_is_recorded_and_an_unrecorded_one_is_reported(ws_copy):
    path = ws_copy / "decisions/families/stream_cursor.yaml"
    text = path.read_text()
    path.write_text(text.replace('"payload(end_of_stream).frames_total"', '"frames"'))
    got = findings(ws_copy, "W005")
    assert [(f.data["kind"], f.data["field"], f.severity, f.path) for f in got] == [
        ("int64_string", "payload(end_of_stream).frames_total", "warning", "ssot/examples/stream.cursor/end.json")]
    assert got[0].pointer == "/payload/frames_total" and got[0].line == 12


@pytest.mark.parametrize("kind, field, example_change", [
    ("enum_name", "frame_type", None),
    ("oneof_shape", "payload(log_line)", None),
    ("default_omitted", "sequence", lambda d: d.__setitem__("sequence", 0)),
])
def test_each_kind_of_difference_is_found(ws_copy, kind, field, example_change):
    path = ws_copy / "decisions/families/stream_cursor.yaml"
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- kind: {kind}") if kind != "default_omitted" \
        else None
    if start is not None:
        del lines[start:start + 5]  # the entry: kind, fields, note (3 lines)
    path.write_text("".join(lines))
    if example_change:
        edit_json(ws_copy, "ssot/examples/stream.cursor/log.json", example_change)
    got = {(f.data["kind"], f.data["field"]) for f in findings(ws_copy, "W005")}
    assert (kind, field) in got, got


def test_a_hand_written_field_without_the_json_name_is_a_key_case_difference(ws_copy):
    hand_written(ws_copy, HAND.replace('GrpcStatus grpc_status = 2 [json_name = "grpc_status"]',
                                       "GrpcStatus grpc_status = 2"))
    got = {(f.rule, f.data.get("kind"), f.data.get("field")) for f in findings(ws_copy, "W005")}
    assert ("W005", "key_case", "error.grpc_status") in got


# ---------------------------------------------------------------- documents, checklist, gates

def test_the_handoff_and_ci_mapping_name_the_generated_files_the_lock_and_buf():
    docs = {p.name: p.read_text() for p in (SHIPPED / "doc/m0-runtime-contract-freeze").iterdir()}
    handoff, ci = docs["m1_to_m2_handoff.md"], docs["m1_ci_enforcement_mapping.md"]
    for text in (handoff, ci):
        assert "buf build proto -o image.binpb" in text and '"use":["STANDARD"]' in text and "buf breaking" in text
    assert f"`{PROTO}/stream_cursor.proto`" in handoff and "`decisions/wire_lock.yaml`" in handoff
    assert "### Representation deltas" in handoff and "`payload(log_line)`" in handoff


def test_the_wire_checklist_item_derives_from_the_generated_contract(ws_copy):
    def row(root):
        rows = derive(load_workspace(root)).checklist
        return next(r for r in rows if r.item.id == "wire_contract_path_frozen")

    done = row(ws_copy)
    assert done.status == "done" and "decisions/wire_lock.yaml" in done.evidence
    assert f"{PROTO}/stream_cursor.proto" in done.evidence
    (ws_copy / PROTO / "stream_cursor.proto").unlink()
    missing = row(ws_copy)
    assert missing.status == "open" and "stream_cursor.proto" in missing.evidence_text
    (ws_copy / "decisions/workspace.yaml").write_text(
        (ws_copy / "decisions/workspace.yaml").read_text().replace("package: dome.gateway.v1", ""))
    assert "set wire.package" in row(ws_copy).evidence_text


def test_the_checklist_item_is_open_while_the_gate_fails(ws_copy, monkeypatch):
    monkeypatch.setattr(buf, "find_buf", lambda: "")
    rows = derive(load_workspace(ws_copy)).checklist
    r = next(r for r in rows if r.item.id == "wire_contract_path_frozen")
    assert r.status == "open" and "W001" in r.evidence_text


def test_gate_states(ws_copy, monkeypatch):
    from workbench.checklist import gate_state

    ws = load_workspace(ws_copy)
    gates = {g.id: g for g in ws.decisions.gates}
    result = check(ws)
    assert gate_state(gates["wire_contract"], result).status == "passing"
    compat = gate_state(gates["proto_compatibility"], result)
    assert compat.status == "not run" and "need --against" in compat.text
    monkeypatch.setattr(buf, "find_buf", lambda: "")
    failing = gate_state(gates["wire_contract"], check(load_workspace(ws_copy)))
    assert failing.status == "failing" and "W001" in failing.text


def test_plan_of_a_workspace_without_families_is_empty(make_ws):
    root = make_ws({"decisions/workspace.yaml": "wire:\n  package: a.v1\n",
                    "ssot/schemas/x.schema.json": {"type": "object"}})
    plan = build(load_workspace(root), [])
    assert plan.files == [] and plan.lock.types == ()


@pytest.mark.anyio
async def test_the_tui_gates_page_shows_the_gate_state(ws_copy, monkeypatch):
    from helpers_tui import opened, settle

    async def states() -> dict[str, str]:
        async with opened(ws_copy) as pilot:
            await pilot.press("g")
            await settle(pilot)
            table = pilot.app.screen.query_one("#gates-table")
            return {row[0].plain: row[2].plain for row in table._fit_rows}

    got = await states()
    assert got["wire_contract"] == "passing" and got["proto_compatibility"] == "not run"
    monkeypatch.setattr(buf, "find_buf", lambda: "")  # buf missing: the gate fails, it does not pass
    assert (await states())["wire_contract"] == "failing"
