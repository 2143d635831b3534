"""L001 and V001-V006: each fires on a small workspace and stays quiet on a good one."""

from __future__ import annotations

import socket
import threading

import pytest

from workbench.loader import load_workspace
from workbench.pipeline import check

OBJ = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
FAMILY = "family: demo\nschemas: [ssot/schemas/demo.schema.json]\n"


def findings(root, rule: str) -> list:
    result = check(load_workspace(root), select=[rule])
    assert {f.rule for f in result.findings} <= {rule}
    return list(result.findings)


def line_of(root, rel: str, fragment: str) -> int:
    lines = (root / rel).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if fragment in line)


# --- L001 -----------------------------------------------------------------------------------


def test_l001_reports_loader_problems(make_ws):
    root = make_ws({
        "ssot/schemas/demo.schema.json": OBJ,
        "ssot/schemas/broken.schema.json": '{\n  "type": \n}\n',
        "decisions/families/demo.yaml": "family: demo\ndecision: maybe\n",
    })
    hits = findings(root, "L001")
    assert {(f.path, f.line, f.severity) for f in hits} == {
        ("ssot/schemas/broken.schema.json", 3, "error"),
        ("decisions/families/demo.yaml", 2, "error"),
    }
    assert next(f for f in hits if f.path.endswith("demo.yaml")).subjects == ("decision",)


def test_l001_missing_decisions_is_info(make_ws):
    hits = findings(make_ws({"ssot/schemas/demo.schema.json": OBJ}), "L001")
    assert [(f.path, f.severity) for f in hits] == [("decisions", "info")]


def test_l001_quiet(make_ws):
    root = make_ws({"ssot/schemas/demo.schema.json": OBJ, "decisions/families/demo.yaml": FAMILY})
    assert findings(root, "L001") == []


# --- V001 -----------------------------------------------------------------------------------


def test_v001_unknown_type_name(make_ws):
    rel = "ssot/schemas/demo.schema.json"
    root = make_ws({rel: {"type": "object", "properties": {"id": {"type": "strin"}}}})
    [hit] = findings(root, "V001")
    assert hit.path == rel and "'strin'" in hit.message and "/properties/id/type" in hit.message
    assert hit.line == line_of(root, rel, '"strin"')


def test_v001_required_must_be_an_array(make_ws):
    rel = "ssot/schemas/demo.schema.json"
    root = make_ws({rel: {"type": "object", "required": "id"}})
    [hit] = findings(root, "V001")
    assert "/required" in hit.message and "array" in hit.message
    assert hit.line == line_of(root, rel, '"required"')


def test_v001_unknown_dialect(make_ws):
    root = make_ws({"ssot/schemas/demo.schema.json": {"$schema": "https://example.com/my-dialect", "type": "object"}})
    [hit] = findings(root, "V001")
    assert "unknown dialect" in hit.message and "example.com/my-dialect" in hit.message


def test_v001_unknown_dialect_says_how_to_map_it(make_ws):
    root = make_ws({"ssot/schemas/demo.schema.json": {"$schema": "https://example.com/my-dialect#", "type": "object"}})
    [hit] = findings(root, "V001")
    assert hit.severity == "error" and hit.line == 2 and hit.pointer == "/$schema"
    assert "read as 2020-12" in hit.message and "schemas.dialects" in hit.message


# a vendor dialect built on draft-07 (CloudFormation's resource provider schemas declare one like it)
VENDOR = "https://schema.example.com/provider.definition.schema.v1.json"
TUPLE = {"type": "object", "properties": {"point": {"type": "array", "items": [{"type": "integer"}],
                                                    "additionalItems": False}}}


def workspace_yaml(**schemas: object) -> str:
    import json

    return "version: 1\nschemas:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in schemas.items())


def test_v001_custom_dialect_mapped_is_read_as_its_base(make_ws):
    body = dict(TUPLE, **{"$schema": VENDOR})
    files = {"ssot/schemas/demo.schema.json": body,
             "decisions/workspace.yaml": workspace_yaml(dialects={VENDOR + "#": "draft-07"})}
    assert findings(make_ws(files), "V001") == []
    broken = dict(body, properties={"point": {"type": "strin"}})
    [hit] = findings(make_ws(dict(files, **{"ssot/schemas/demo.schema.json": broken})), "V001")
    assert hit.pointer == "/properties/point/type"  # still validated, against draft-07's meta-schema


def test_v001_default_dialect_is_configurable(make_ws):
    # a tuple `items` is draft-07; read as 2020-12 (the default) it breaks the meta-schema
    [hit] = findings(make_ws({"ssot/schemas/demo.schema.json": TUPLE}), "V001")
    assert hit.pointer == "/properties/point/items"
    files = {"ssot/schemas/demo.schema.json": TUPLE, "decisions/workspace.yaml": workspace_yaml(dialect="draft-07")}
    assert findings(make_ws(files), "V001") == []


@pytest.mark.parametrize("config", [{"dialect": "draft-07"}, {"dialects": {VENDOR: "draft-07"}}])
def test_v002_examples_are_validated_in_the_configured_dialect(make_ws, config):
    import jsonschema

    body = dict(TUPLE, **({"$schema": VENDOR} if "dialects" in config else {}))
    files = {"ssot/schemas/demo.schema.json": body, "decisions/workspace.yaml": workspace_yaml(**config),
             "ssot/examples/demo.json": {"point": [1]}, "ssot/examples/demo/extra.json": {"point": [1, 2]}}
    [hit] = findings(make_ws(files), "V002")
    assert hit.path == "ssot/examples/demo/extra.json" and "/point" in hit.message
    # python-jsonschema's verdicts, read as draft-07
    assert jsonschema.Draft7Validator(body).is_valid({"point": [1]})
    assert not jsonschema.Draft7Validator(body).is_valid({"point": [1, 2]})


def test_references_resolve_in_the_configured_dialect(make_ws):
    # draft-04 declares a base URI with `id`: read as 2020-12, `address.json` names no resource
    body = {"definitions": {"address": {"id": "address.json", "type": "object"}},
            "type": "object", "properties": {"address": {"$ref": "address.json"}}}
    files = {"ssot/schemas/demo.schema.json": body}
    [hit] = findings(make_ws(files), "V003")
    assert "address.json" in hit.message
    files["decisions/workspace.yaml"] = workspace_yaml(dialect="draft-04")
    assert findings(make_ws(files), "V003") == []


def test_changing_the_dialect_setting_is_not_hidden_by_caches(make_ws):
    """The TUI re-checks with warm content-hash caches: a new `schemas.dialect` must still change the
    verdicts (V001, V002) and the structure (draft-04 `id` resolution) of files whose bytes did not."""
    from workbench.analysis.fields import Structure

    address = {"definitions": {"address": {"id": "address.json", "type": "object",
                                           "properties": {"city": {"type": "string"}}}},
               "type": "object", "properties": {"home": {"$ref": "address.json"}}}
    root = make_ws({"ssot/schemas/demo.schema.json": TUPLE, "ssot/schemas/home.schema.json": address,
                    "ssot/examples/demo.json": {"point": [1]}, "ssot/examples/demo/extra.json": {"point": [1, 2]}})

    def state() -> tuple[set[str], list[str]]:
        ws = load_workspace(root)
        rules = {f.rule for f in check(ws, select=["V001", "V002"]).findings}
        leaves = Structure(ws).facts(ws.schema("ssot/schemas/home.schema.json")).leaves
        return rules, sorted("/".join(leaf.path) for leaf in leaves)

    assert state() == ({"V001"}, ["home"])
    (root / "decisions").mkdir(exist_ok=True)
    (root / "decisions/workspace.yaml").write_text(workspace_yaml(dialect="draft-07"))
    assert state()[0] == {"V002"}  # the tuple reads as draft-07 now: the second item is refused
    (root / "decisions/workspace.yaml").write_text(workspace_yaml(dialect="draft-04"))
    assert state()[1] == ["home", "home/city"]  # `id` names `address.json` in draft-04


def test_config_rejects_an_unknown_dialect_name(make_ws):
    files = {"ssot/schemas/demo.schema.json": OBJ, "decisions/workspace.yaml": workspace_yaml(dialect="draft-99")}
    hits = findings(make_ws(files), "L001")
    assert [(h.path, h.line) for h in hits] == [("decisions/workspace.yaml", 3)]
    assert "draft-99" in hits[0].message


@pytest.mark.parametrize("dialect", [None, "https://json-schema.org/draft/2020-12/schema",
                                     "http://json-schema.org/draft-07/schema#"])
def test_v001_quiet(make_ws, dialect):
    body = dict(OBJ, **({"$schema": dialect} if dialect else {}))
    assert findings(make_ws({"ssot/schemas/demo.schema.json": body}), "V001") == []


# --- V002 -----------------------------------------------------------------------------------


def test_v002_invalid_example_with_line(make_ws):
    rel = "ssot/examples/demo/bad.json"
    root = make_ws({
        "ssot/schemas/demo.schema.json": OBJ,
        "ssot/examples/demo.json": {"id": "ok"},
        rel: {"name": "x", "id": 42},
    })
    [hit] = findings(root, "V002")
    assert hit.path == rel and hit.severity == "error"
    assert "/id" in hit.message and "string" in hit.message
    assert hit.line == line_of(root, rel, '"id": 42')


def test_v002_follows_refs_into_shared_schemas(make_ws):
    ids = {"$defs": {"run_id": {"type": "string", "pattern": "^run-"}}}
    schema = {"type": "object", "properties": {"run": {"$ref": "common/ids.schema.json#/$defs/run_id"}}}
    root = make_ws({
        "ssot/schemas/common/ids.schema.json": ids,
        "ssot/schemas/demo.schema.json": schema,
        "ssot/examples/demo.json": {"run": "run-1"},
        "ssot/examples/demo/bad.json": {"run": "job-1"},
    })
    [hit] = findings(root, "V002")
    assert hit.path == "ssot/examples/demo/bad.json" and "/run" in hit.message


def test_v002_quiet(make_ws):
    root = make_ws({"ssot/schemas/demo.schema.json": OBJ, "ssot/examples/demo.json": {"id": "x"}})
    assert findings(root, "V002") == []


# AWS CloudFormation's character classes: ECMA-262 with UTF-16 surrogate escapes, which jsonschema-rs cannot compile
SURROGATES = "^[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDBFF-\\uDC00\\uDFFF\\r\\n\\t]*$"


@pytest.mark.parametrize("pattern, construct", [("\\A[0-9]+\\Z", "`\\A`"), ("^a\\uZZ$", "`\\u`"),
                                                 ("^(?P<x>a)(?P=x)$", "(?P=name)")])
def test_v001_a_pattern_of_another_regex_flavour_names_its_construct(make_ws, pattern, construct):
    root = make_ws({"ssot/schemas/demo.schema.json": {"type": "string", "pattern": pattern}})
    [hit] = findings(root, "V001")
    assert construct in hit.message and hit.pointer == "/pattern"


def test_v001_quiet_on_unicode_and_surrogate_escapes_and_their_examples_are_still_validated(make_ws):
    """`\\u00e9` and lone-surrogate escapes are ECMA-262: no V001; python-jsonschema (on re2) validates the
    examples jsonschema-rs cannot, so a control character is still caught."""
    schema = {"type": "object", "properties": {"uri": {"type": "string", "pattern": SURROGATES},
                                               "name": {"type": "string", "pattern": "^caf\\u00e9$"}}}
    root = make_ws({"ssot/schemas/demo.schema.json": schema,
                    "ssot/examples/demo.json": {"uri": "s3://bucket/log", "name": "caf\u00e9"},
                    "ssot/examples/demo/bad.json": {"uri": "s3://bucket/log\u0001"}})
    assert findings(root, "V001") == []
    [hit] = findings(root, "V002")
    assert hit.path == "ssot/examples/demo/bad.json" and "/uri" in hit.message


def test_v002_validation_failing_without_a_message_is_a_warning(make_ws, monkeypatch):
    """An example whose validation raises an exception with an empty message is reported as
    "cannot validate" (a warning naming the exception), like any other failure: the rule does
    not crash on `str(exc).splitlines()[0]`, and the other examples are still judged."""
    from workbench.rules import validity

    class Failing:
        def is_valid(self, body):
            return False

        def iter_errors(self, body):
            if body.get("id") == "boom":
                raise ValueError()
            return iter(())

    monkeypatch.setattr(validity, "_EXAMPLES", {})
    monkeypatch.setattr(validity, "_validator", lambda *args: (Failing(), None))
    root = make_ws({"ssot/schemas/demo.schema.json": OBJ, "ssot/examples/demo.json": {"id": "boom"},
                    "ssot/examples/demo/ok.json": {"id": "ok"}})
    [hit] = findings(root, "V002")
    assert hit.severity == "warning" and hit.path == "ssot/examples/demo.json"
    assert hit.message == "cannot validate: ValueError()"


# --- V003 -----------------------------------------------------------------------------------


def test_v003_missing_file_and_missing_pointer(make_ws):
    rel = "ssot/schemas/demo.schema.json"
    root = make_ws({rel: {
        "$defs": {"here": {"type": "string"}},
        "properties": {
            "a": {"$ref": "gone.schema.json"},
            "b": {"$ref": "#/$defs/nope"},
            "c": {"$ref": "#/$defs/here"},
        },
    }})
    hits = findings(root, "V003")
    assert sorted(h.subjects[1] for h in hits) == ["#/$defs/nope", "gone.schema.json"]
    by_ref = {h.subjects[1]: h for h in hits}
    assert by_ref["gone.schema.json"].line == line_of(root, rel, '"gone.schema.json"') - 1
    assert "/properties/b" in by_ref["#/$defs/nope"].message


def test_v003_malformed_uri_is_unresolved_and_hides_nothing(make_ws):
    root = make_ws({
        "ssot/schemas/bad_uri.schema.json": {"properties": {"a": {"$ref": "http://[::1"}}},
        "ssot/schemas/demo.schema.json": {"properties": {"b": {"$ref": "gone.schema.json"}}},
    })
    hits = findings(root, "V003")
    assert {(h.path, h.subjects[1]) for h in hits} == {
        ("ssot/schemas/bad_uri.schema.json", "http://[::1"),
        ("ssot/schemas/demo.schema.json", "gone.schema.json"),
    }


def test_v005_survives_a_malformed_uri(make_ws):
    root = make_ws({
        "ssot/schemas/bad_uri.schema.json": {"properties": {"a": {"$ref": "http://[::1"}}},
        "ssot/schemas/self.schema.json": {"$ref": "#"},
    })
    assert [h.path for h in findings(root, "V005")] == ["ssot/schemas/self.schema.json"]


@pytest.mark.parametrize("ref,hint", [
    ("#/", "the whole document is `#`"),
    ("#definitions/a", "'#/definitions/a'?"),
    ("other.schema.json#definitions/a", "'other.schema.json#/definitions/a'?"),
])
def test_v003_says_how_a_misspelt_fragment_reads(make_ws, ref, hint):
    body = {"definitions": {"a": {"type": "string"}}, "properties": {"x": {"$ref": ref}}}
    root = make_ws({"ssot/schemas/demo.schema.json": body, "ssot/schemas/other.schema.json": body})
    hits = [h for h in findings(root, "V003") if h.path.endswith("demo.schema.json")]
    assert [h.pointer for h in hits] == ["/properties/x"] and hint in hits[0].message


def test_v003_quiet_across_files(make_ws):
    root = make_ws({
        "ssot/schemas/common/ids.schema.json": {"$defs": {"id": {"type": "string"}}},
        "ssot/schemas/demo.schema.json": {"properties": {"id": {"$ref": "common/ids.schema.json#/$defs/id"}}},
    })
    assert findings(root, "V003") == []


# --- V004 -----------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """A listening local server that records any connection, and a Python socket layer that refuses.

    Returns (port, accepted): `accepted` stays empty unless something (Python or native code)
    opened a TCP connection to the port named in a `$ref`.
    """
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(2)
    server.close()


def test_v004_remote_ref_reported_never_fetched(make_ws, no_network):
    port, accepted = no_network
    rel = "ssot/schemas/demo.schema.json"
    remote = f"https://127.0.0.1:{port}/remote.schema.json"
    root = make_ws({
        rel: {"type": "object", "properties": {
            "a": {"$ref": remote},
            "b": {"$ref": "https://example.com/schemas/x.json#/$defs/y"},
        }},
        "ssot/examples/demo.json": {"a": 1, "b": 2},  # V002 builds a validator for it: offline
    })
    result = check(load_workspace(root))  # every rule, not only V004
    hits = [f for f in result.findings if f.rule == "V004"]
    assert sorted(h.subjects[1] for h in hits) == sorted([remote, "https://example.com/schemas/x.json#/$defs/y"])
    assert all(h.severity == "warning" and "not fetched" in h.message for h in hits)
    assert not [f for f in result.findings if "network access attempted" in f.message]
    assert accepted == []


def test_v004_quiet_for_workspace_refs(make_ws):
    root = make_ws({"ssot/schemas/demo.schema.json": {"$defs": {"x": {}}, "$ref": "#/$defs/x"}})
    assert findings(root, "V004") == []


# --- V005 -----------------------------------------------------------------------------------


def test_v005_cycle_between_files(make_ws):
    root = make_ws({
        "ssot/schemas/a.schema.json": {"$ref": "b.schema.json"},
        "ssot/schemas/b.schema.json": {"allOf": [{"$ref": "a.schema.json"}]},
    })
    [hit] = findings(root, "V005")
    assert "a.schema.json" in hit.message and "b.schema.json" in hit.message


def test_v005_self_reference(make_ws):
    root = make_ws({"ssot/schemas/self.schema.json": {"$ref": "#"}})
    [hit] = findings(root, "V005")
    assert hit.path == "ssot/schemas/self.schema.json"


def test_v005_cycle_leaves_its_schemas_examples_unvalidated(make_ws):
    """A schema reaching a cycle that never ends has one finding, the cycle: no chain length, and no
    V002 from a validator that recursed until Python stopped it (whose message changed from run to run)."""
    cyclic = {"type": "object", "allOf": [{"$ref": "#"}], "properties": {"n": {"type": "integer"}}}
    root = make_ws({"ssot/schemas/loop.schema.json": cyclic, "ssot/examples/loop.json": {"n": "not a number"}})
    found = check(load_workspace(root)).findings
    assert [f.message.split(":")[0] for f in found if f.rule == "V005"] == ["$ref cycle never terminates"]
    assert [f for f in found if f.rule == "V002"] == []


def test_v005_quiet_for_recursive_tree(make_ws):
    node = {"type": "object", "properties": {
        "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
        "parent": {"$ref": "#/$defs/node"},
    }}
    root = make_ws({"ssot/schemas/tree.schema.json": {"$defs": {"node": node}, "$ref": "#/$defs/node"}})
    assert findings(root, "V005") == []


# --- V006 -----------------------------------------------------------------------------------


def test_v006_schema_without_example(make_ws):
    root = make_ws({
        "ssot/schemas/demo.schema.json": OBJ,
        "ssot/schemas/dir.schema.json": OBJ,
        "ssot/examples/dir/one.json": {"id": "x"},  # the folder convention counts
        "ssot/schemas/common/ids.schema.json": {"$defs": {}},  # shared: needs none
    })
    hits = findings(root, "V006")
    assert [(h.path, h.severity) for h in hits] == [("ssot/schemas/demo.schema.json", "warning")]


def test_v006_quiet(make_ws):
    root = make_ws({"ssot/schemas/demo.schema.json": OBJ, "ssot/examples/demo.json": {"id": "x"}})
    assert findings(root, "V006") == []


def test_v006_asks_nothing_of_definition_libraries_nor_of_schemas_reached_through_ref(make_ws):
    root = make_ws({
        "ssot/schemas/defs.schema.json": {"description": "not shared", "definitions": {"uint32": {"type": "integer"}}},
        "ssot/schemas/config-linux.schema.json": {"linux": OBJ},  # a section, only ever reached by reference
        "ssot/schemas/descriptor.schema.json": OBJ,  # a root contract other contracts embed
        "ssot/schemas/config.schema.json": {"type": "object", "properties": {
            "linux": {"$ref": "config-linux.schema.json#/linux"}, "n": {"$ref": "defs.schema.json#/definitions/uint32"},
            "layers": {"type": "array", "items": {"$ref": "descriptor.schema.json"}}}},
    })
    assert [h.path for h in findings(root, "V006")] == ["ssot/schemas/config.schema.json"]


def test_validity_rules_quiet_on_shipped_workspace(repo_root):
    result = check(load_workspace(repo_root), select=["load", "validity"])
    assert result.findings == (), "\n".join(f"{f.rule} {f.path}:{f.line} {f.message}" for f in result.findings)



def test_v001_names_what_the_u_flag_refuses_and_stays_quiet_on_a_pattern_only_too_big_to_compile(make_ws):
    """AWS's `[\\w-.~]+` (a range from a class escape) and `(?!\\.)+` (a quantified lookaround) are refused with
    the `u` flag JSON Schema asks for: named. `[\\p{L}]{1,128}` is valid, only megabytes compiled: no V001."""
    root = make_ws({"ssot/schemas/demo.schema.json": {"type": "object", "properties": {
        "a": {"type": "string", "pattern": "[\\w-.~]+"},
        "b": {"type": "string", "pattern": "^(\\/(?!\\.)+[a-z]+)$"},
        "c": {"type": "string", "pattern": "^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{1,128}$|resource-groups:Name"}}}})
    hits = {f.pointer: f.message for f in findings(root, "V001")}
    assert set(hits) == {"/properties/a/pattern", "/properties/b/pattern"}
    assert "range from a class escape" in hits["/properties/a/pattern"]
    assert "quantified lookaround" in hits["/properties/b/pattern"]
