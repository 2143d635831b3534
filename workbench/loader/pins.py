"""Upstream contracts pinned by hash: read the pin manifests, hash every pinned file.

A pin folder (`ssot/pins/UPSTREAM/`) holds files copied from an upstream repository and
a `pin_manifest.json` (found by the `pins.manifests` globs of workspace.yaml):

    {"source_repository": "github.com/acme/xtrlv2", "source_ref": "v2.4.0",
     "artifacts": [{"local_path": "ssot/pins/xtrlv2/result.schema.json",
                    "upstream_path": "contracts/result.schema.json", "sha256": "..."}]}

The manifest is validated against `decisions_schemas/pin_manifest.schema.json` (a bad
entry is a problem at its line and is dropped, the others load). Every pinned file is
hashed (SHA-256 of its bytes, read through the containment policy of `files.py`) and
the folder is listed for files no entry names; the rules (`rules/pins.py`) judge what
is recorded here. Artifacts of kind `schema` are loaded by the loader as read-only
upstream schemas.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from .. import model as m
from ..jsontext import Tokens
from .decisions import FileReader
from .files import Files, escapes
from .jsonfile import parse_json
from .yamlfile import ParsedYaml

SCHEMA_SUFFIX = ".schema.json"
KIND = "pin_manifest"  # its decisions schema
# path -> ((mtime, size), (SHA-256 of the bytes, of the bytes with LF line ends, with CRLF line ends)):
# reused while unchanged
Hashes = dict[str, tuple[tuple[int, int], tuple[str, str, str]]]


def read_pins(reader: FileReader, manifests: list[str], hashes: Hashes) -> tuple[m.PinManifest, ...]:
    """Every manifest of `manifests` (root-relative paths) that parses, its artifacts hashed; problems
    (a manifest that breaks its schema, an artifact listed twice, an unreadable pin folder entry) go
    to the reader."""
    out: list[m.PinManifest] = []
    owner: dict[str, str] = {}  # artifact path -> the manifest listing it
    for rel in manifests:
        got = reader.validated(rel, KIND, parse_manifest)
        if got is not None:
            out.append(_manifest(reader, rel, *got, owner, hashes))
    listed = set(owner) | set(manifests)
    return tuple(m.PinManifest(pm.path, pm.folder, pm.repository, pm.ref, pm.artifacts,
                               _unlisted(reader, pm.folder, listed)) for pm in out)


def parse_manifest(rel: str, data: bytes) -> ParsedYaml:
    """A JSON manifest as the decisions reader takes it: the value and the line of every field."""
    parsed = parse_json(rel, data)
    if parsed.source is None or parsed.value is None:
        return ParsedYaml(parsed.source, None, {}, parsed.problems)
    found = parsed.source.lines_of(list(_paths(parsed.value)))
    lines = {p: line for p, line in found.items() if isinstance(p, tuple) and line is not None}
    return ParsedYaml(parsed.source, parsed.value, lines, parsed.problems)


def _paths(value: Any, path: Tokens = ()) -> Iterator[Tokens]:
    stack: list[tuple[Tokens, Any]] = [(path, value)]
    while stack:
        at, node = stack.pop()
        yield at
        if isinstance(node, dict):
            stack.extend((at + (k,), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((at + (i,), v) for i, v in enumerate(node))


def _manifest(reader: FileReader, rel: str, data: dict[str, Any], parsed: ParsedYaml, owner: dict[str, str],
              hashes: Hashes) -> m.PinManifest:
    repository, ref = data["source_repository"], data.get("source_ref")
    artifacts = []
    for i, entry in enumerate(data.get("artifacts") or []):
        if not isinstance(entry, dict):  # dropped as invalid (reported)
            continue
        path = posixpath.normpath(entry["local_path"].replace("\\", "/"))
        line = parsed.line(("artifacts", i, "local_path"))
        if escapes(path):
            reader.problems.append(m.Problem(rel, f"artifacts.{i}.local_path: {entry['local_path']} leaves the "
                                             "workspace root: ignored", line, field=f"artifacts.{i}.local_path"))
            continue
        if path in owner or path == rel:
            again = "is the manifest itself" if path == rel else f"is already pinned in {owner[path]}"
            reader.problems.append(m.Problem(rel, f"artifacts.{i}: {path} {again}: ignored", line,
                                             field=f"artifacts.{i}"))
            continue
        owner[path] = rel
        kind = entry.get("kind") or ("schema" if path.endswith(SCHEMA_SUFFIX) else "file")
        recorded = entry["sha256"].lower()
        digests, error = _hash(reader.files, path, hashes)
        actual = digests[0] if digests else None
        eol = digests is not None and actual != recorded and recorded in digests[1:]
        artifacts.append(m.Pin(path, entry["upstream_path"], recorded, repository, rel, parsed.line(("artifacts", i)),
                               kind == "schema", actual, error, ref, eol))
    return m.PinManifest(rel, posixpath.dirname(rel), repository, ref, tuple(artifacts))


def _hash(files: Files, rel: str, hashes: Hashes) -> tuple[tuple[str, str, str] | None, str]:
    """The SHA-256 of the file's bytes, and of them with LF and with CRLF line ends (a checkout that
    converted line ends is told apart from an edit); or None and why the file could not be read."""
    try:
        stat = files.stat(rel)
        key = (stat.st_mtime_ns, stat.st_size)
        hit = hashes.get(rel)
        if hit and hit[0] == key:
            return hit[1], ""
        data = files.read(rel)
    except FileNotFoundError:
        return None, "does not exist"
    except OSError as exc:
        return None, exc.strerror or str(exc)
    lf = data.replace(b"\r\n", b"\n")
    digests = (_sha(data), _sha(lf), _sha(lf.replace(b"\n", b"\r\n")))
    hashes[rel] = (key, digests)
    return digests, ""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_MAGIC = re.compile(r"([*?\[])")


def _unlisted(reader: FileReader, folder: str, listed: set[str]) -> tuple[str, ...]:
    """Files of the pin folder (at any depth) that no manifest lists; none for a manifest at the root,
    which has no folder of its own."""
    if folder in ("", "."):
        return ()
    found, problems = reader.files.glob(_MAGIC.sub(r"[\1]", folder) + "/**/*")
    reader.problems.extend(problems)
    return tuple(p for p in found if p not in listed)
