"""A repository pinning an upstream contract, as issue 26 lays it out: `ssot/pins/rtd/` holds Read the
Docs' `.readthedocs.yaml` schema (a real schema, from check-jsonschema's catalog) and a reason-code
catalog, pinned by SHA-256 in `pin_manifest.json`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import check_jsonschema
from helpers_structural import make_ws
from helpers_ws import family, schema, write

RTD = Path(check_jsonschema.__file__).parent / "builtin_schemas/vendor/readthedocs.json"
FOLDER = "ssot/pins/rtd"
PINNED = f"{FOLDER}/readthedocs.schema.json"
CATALOG = f"{FOLDER}/reason_codes.json"
MANIFEST = f"{FOLDER}/pin_manifest.json"
REPO = "github.com/readthedocs/readthedocs.org"
UPSTREAM = "readthedocs/rtd_tests/fixtures/spec/v2/schema.json"
CATALOG_BYTES = json.dumps({"codes": [{"code": "RTD_BUILD_FAILED"}, {"code": "RTD_CONFIG_INVALID"}]},
                           indent=2).encode() + b"\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pin_manifest(root: Path, artifacts: list[dict[str, Any]], **extra: Any) -> Path:
    body = {"source_repository": REPO, "source_ref": "v2.1", "artifacts": artifacts} | extra
    return write(root, {MANIFEST: body}) / MANIFEST


def entry(path: str, data: bytes, upstream: str = UPSTREAM) -> dict[str, str]:
    return {"local_path": path, "upstream_path": upstream, "sha256": sha(data)}


def pinned_repo(root: Path, local: dict[str, dict] | None = None, families: list[dict] | None = None) -> Path:
    """A repository pinning the Read the Docs schema and a reason-code catalog in ssot/pins/rtd/, with
    `docs_config` reusing the pinned schema and `build_request` reaching it through `$ref`."""
    body = RTD.read_bytes()
    (root / FOLDER).mkdir(parents=True)
    (root / PINNED).write_bytes(body)
    (root / CATALOG).write_bytes(CATALOG_BYTES)
    pin_manifest(root, [entry(PINNED, body), entry(CATALOG, CATALOG_BYTES, "catalog/reason_codes.json")])
    wrapper = schema({"project": {"type": "string"}, "config": {"$ref": "../pins/rtd/readthedocs.schema.json"}},
                     ["project", "config"])
    reuse = family("docs_config", []) | {"schemas": [PINNED]}
    fams = families if families is not None else [reuse, family("build_request", ["build.request"])]
    write(root, {"ssot/examples/build.request.json": {"project": "docs", "config": {"version": 2}}})
    write(root, {"ssot/examples/readthedocs.json": {"version": 2, "formats": ["pdf"]}})
    return make_ws(root, {"build.request": wrapper} | (local or {}), fams)


def edit_one_byte(path: Path) -> None:
    data = path.read_bytes()
    at = data.index(b'"Formats"') + 7
    path.write_bytes(data[:at] + b"z" + data[at + 1:])  # "Formats" -> "Formatz"
