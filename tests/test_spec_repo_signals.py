"""A specification repository that does not run the plan: what the cross-schema signals say on it.

Laid out like the container specifications' `schema/` folders (draft-04, definition
libraries `defs*.json`, a platform section `config-linux.json` only reached through
`$ref`, a descriptor whose `size` is an int64 while the descriptor library's is
non-negative), adopted with `workbench init` and checked as a user would. Expected:
one drift finding (`size`), none for the generic names (`type`, `args`, `flags`), no
"no example" for the libraries and the referenced section, no plan documents asked for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from workbench.cli import main

D4 = "http://json-schema.org/draft-04/schema#"
INT64 = {"type": "integer", "minimum": -9223372036854776000, "maximum": 9223372036854776000}
UINT32 = {"type": "integer", "minimum": 0, "maximum": 4294967295}
STRINGS = {"type": "array", "items": {"type": "string"}}

DEFS = {"description": "Definitions used throughout the specification", "definitions": {
    "int64": INT64, "uint32": UINT32, "ArrayOfStrings": STRINGS, "FilePath": {"type": "string"},
    "mapStringString": {"type": "object", "patternProperties": {".{1,}": {"type": "string"}}},
    "Hook": {"properties": {"path": {"$ref": "#/definitions/FilePath"},
                            "args": {"$ref": "#/definitions/ArrayOfStrings"}}},
    "Mount": {"properties": {"destination": {"$ref": "#/definitions/FilePath"}, "type": {"type": "string"}}},
}}
DEFS_LINUX = {"definitions": {
    "FileType": {"type": "string", "pattern": "^[cbup]$"},
    "Device": {"type": "object", "properties": {"type": {"$ref": "#/definitions/FileType"},
                                                "path": {"$ref": "defs.json#/definitions/FilePath"}}},
    "NamespaceReference": {"type": "object", "properties": {
        "type": {"type": "string", "enum": ["mount", "pid", "network", "uts", "ipc", "user", "cgroup"]}}},
    "SyscallArg": {"type": "object", "properties": {"index": {"$ref": "defs.json#/definitions/uint32"}}},
    "Syscall": {"type": "object", "properties": {
        "names": STRINGS, "args": {"type": "array", "items": {"$ref": "#/definitions/SyscallArg"}}}},
    "SchedulerFlag": {"type": "string", "enum": ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM"]},
    "SeccompFlag": {"type": "string", "enum": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"]},
}}
CONFIG_LINUX = {"linux": {"type": "object", "properties": {
    "devices": {"type": "array", "items": {"$ref": "defs-linux.json#/definitions/Device"}},
    "seccomp": {"type": "object", "properties": {
        "flags": {"type": "array", "items": {"$ref": "defs-linux.json#/definitions/SeccompFlag"}},
        "syscalls": {"type": "array", "items": {"$ref": "defs-linux.json#/definitions/Syscall"}}}},
    "personality": {"type": "object", "properties": {"flags": STRINGS}},
    "namespaces": {"type": "array", "items": {"$ref": "defs-linux.json#/definitions/NamespaceReference"}},
}}}
CONFIG = {"$schema": D4, "description": "Container configuration", "type": "object", "properties": {
    "ociVersion": {"type": "string"},
    "mounts": {"type": "array", "items": {"$ref": "defs.json#/definitions/Mount"}},
    "hooks": {"type": "object", "properties": {"prestart": {"type": "array", "items": {
        "$ref": "defs.json#/definitions/Hook"}}}},
    "process": {"type": "object", "properties": {
        "args": {"$ref": "defs.json#/definitions/ArrayOfStrings"},
        "rlimits": {"type": "array", "items": {"type": "object", "properties": {
            "type": {"type": "string", "pattern": "^RLIMIT_[A-Z]+$"}}}},
        "scheduler": {"type": "object", "properties": {
            "flags": {"type": "array", "items": {"$ref": "defs-linux.json#/definitions/SchedulerFlag"}}}}}},
    "linux": {"$ref": "config-linux.json#/linux"},
}, "required": ["ociVersion"]}
DEFS_DESCRIPTOR = {"$schema": D4, "definitions": {
    "size": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807},
    "annotations": {"$ref": "defs.json#/definitions/mapStringString"}}}
DESCRIPTOR = {"$schema": D4, "description": "Content descriptor", "type": "object", "properties": {
    "size": {"description": "the size in bytes", "$ref": "defs.json#/definitions/int64"},
    "annotations": {"$ref": "defs-descriptor.json#/definitions/annotations"},
}, "required": ["size"]}
FILES = {"schema/defs.json": DEFS, "schema/defs-linux.json": DEFS_LINUX, "schema/config-linux.json": CONFIG_LINUX,
         "schema/config-schema.json": CONFIG, "schema/defs-descriptor.json": DEFS_DESCRIPTOR,
         "schema/content-descriptor.json": DESCRIPTOR}


@pytest.fixture
def spec_repo(tmp_path: Path, capsys) -> Path:
    root = tmp_path / "spec"
    for rel, body in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(json.dumps(body, indent=4) + "\n", encoding="utf-8")
    assert main(["init", "--root", str(root)]) == 0
    capsys.readouterr()
    return root


def findings(root: Path, capsys, *select: str) -> list[dict]:
    main(["--check", "--root", str(root), "--format", "json", *(["--select", *select] if select else [])])
    return json.loads(capsys.readouterr().out)["findings"]


def test_init_proposes_the_definition_libraries_as_shared(spec_repo):
    config = yaml.safe_load((spec_repo / "decisions/workspace.yaml").read_text())
    assert "schema/config-linux.json" in config["schemas"]["globs"]  # only ever reached through `$ref`
    assert config["schemas"]["shared_globs"] == ["ssot/schemas/common/**/*.schema.json", "schema/config-linux.json",
                                                 "schema/defs*.json"]
    drafted = {p.stem for p in (spec_repo / "decisions/families").glob("*.yaml")}
    assert drafted == {"config_schema", "content_descriptor"}  # the libraries belong to no family


def test_drift_finds_the_size_and_stays_quiet_on_generic_names(spec_repo, capsys):
    drift = [f for f in findings(spec_repo, capsys, "drift") if f["rule"] == "R001"]
    assert [f["message"].partition(" is defined")[0] for f in drift] == ["field size"]
    (size,) = drift
    assert "`integer minimum=-9.223372036854776e+18 maximum=9.223372036854776e+18` in " \
           "schema/content-descriptor.json#/properties/size" in size["message"]
    assert "`integer minimum=0 maximum=9.223372036854776e+18` in schema/defs-descriptor.json#/definitions/size" \
           in size["message"]


def test_no_example_asked_of_libraries_nor_plan_documents(spec_repo, capsys):
    found = findings(spec_repo, capsys)
    assert sorted(f["path"] for f in found if f["rule"] == "V006") == [
        "schema/config-schema.json", "schema/content-descriptor.json"]  # the two root contracts
    assert not [f for f in found if f["rule"] == "E001"]
