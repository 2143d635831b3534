"""Acting on a finding: the writes the TUI's triage dialogs make, all through `save_record`.

    add_schema_to_family(record_path, "ssot/schemas/x.schema.json", rec.fingerprint)
    create_family(root, "x", {"title": "X", "intent_class": "status", "schemas": [...]})
    add_waiver(path, {"rule": "O001", "subject": "gate", "reason": "..."}, rec.fingerprint)

Each appends to a list of a record as it is on disk when the caller read it
(`expected_fingerprint`): a file changed since is a `Conflict` and nothing is
written; retrying with `Conflict.current_fingerprint` appends to the file as it
is now (the other writer's changes stay). A family record is created whole or
not at all (an existing id is refused). No Textual here.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from ..errors import StoreError
from .roundtrip import _BASE_TEXTS, ABSENT, Conflict, Record, _read, save_record

WAIVERS = "decisions/waivers.yaml"
FAMILIES_DIR = "decisions/families"
FAMILY_ID = re.compile(r"^[a-z][a-z0-9_]*$")
RULE_ID = re.compile(r"^[A-Z][0-9]{3}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# the keys a created family record is written with, in the documented order
NEW_FAMILY_KEYS = ("family", "title", "intent_class", "schemas", "owner", "stability_tier", "decision",
                   "alternatives_considered")


def _current(path: Path, expected_fingerprint: str) -> Record:
    """The record as on disk, which must still be what the caller read (else `Conflict`)."""
    rec = _read(path)
    if rec.fingerprint != expected_fingerprint:
        raise Conflict(path, _BASE_TEXTS.get((str(path), expected_fingerprint), ""), rec.text, rec.fingerprint,
                       expected_fingerprint)
    return rec


def _like_siblings(seq: CommentedSeq, item: Any) -> Any:
    """A new list item quoted like the items already there (a mapping stays a mapping)."""
    if isinstance(item, str):
        quote = next((type(v) for v in seq if isinstance(v, (DoubleQuotedScalarString, SingleQuotedScalarString))),
                     None)
        return quote(item) if quote is not None else item
    if isinstance(item, Mapping):
        out = CommentedMap()
        out.update(item)
        if seq.fa.flow_style():
            out.fa.set_flow_style()
        return out
    return item


def append_item(path: str | Path, key: str, item: Any, expected_fingerprint: str) -> Record:
    """Append `item` to the list under the top-level `key` of the record (the list is created
    when absent or empty; the file too, when it is absent and was read absent). An item
    already in the list is not added twice."""
    path = Path(path)
    rec = _current(path, expected_fingerprint)
    data = rec.data if isinstance(rec.data, CommentedMap) else CommentedMap()
    current = data.get(key)
    plain_item = dict(item) if isinstance(item, Mapping) else item
    changes: dict[Any, Any]
    if isinstance(current, CommentedSeq) and len(current):
        if any((dict(v) if isinstance(v, Mapping) else v) == plain_item for v in current):
            return rec  # already there: nothing to write
        changes = {(key, len(current)): _like_siblings(current, item)}
    elif current is None or (isinstance(current, list) and not current):
        changes = {key: [plain_item]}
    else:
        raise StoreError(f"{path}: `{key}` is not a list; fix it on disk first (nothing written)")
    return save_record(path, changes, expected_fingerprint)


# ---------------------------------------------------------------- a schema into a family


def add_schema_to_family(record_path: str | Path, schema: str, expected_fingerprint: str) -> Record:
    """Append `schema` (a root-relative path) to the family record's `schemas`."""
    return append_item(record_path, "schemas", schema, expected_fingerprint)


# ---------------------------------------------------------------- a new family


def family_path(root: str | Path, family_id: str) -> Path:
    return Path(root) / FAMILIES_DIR / f"{family_id}.yaml"


def new_family_record(family_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The record a new family is written as: `family` first, then the given keys in the
    documented order; empty values left out."""
    data: dict[str, Any] = {"family": family_id}
    for key in NEW_FAMILY_KEYS[1:]:
        value = values.get(key)
        if isinstance(value, tuple):
            value = list(value)
        if value in (None, "", []):
            continue
        data[key] = value.strip() if isinstance(value, str) else value
    return data


def validate_new_family(ws: Any, family_id: str, values: Mapping[str, Any]) -> dict[str, str]:
    """Field -> error for a family about to be created: the id (format, not taken, no file),
    the packaged family schema, the workspace vocabularies, and the schemas (each a contract
    schema of the workspace, in no other family)."""
    from ..loader.decisions import validator

    errors: dict[str, str] = {}
    if not FAMILY_ID.match(family_id or ""):
        errors["family"] = "lower snake case: a letter, then letters, digits or _ (e.g. gate_review)"
    elif ws.family(family_id) is not None or family_path(ws.root, family_id).exists():
        errors["family"] = f"{FAMILIES_DIR}/{family_id}.yaml exists already: choose another id"
    data = new_family_record(family_id or "x", values)
    for err in validator("family").iter_errors(data):
        where = list(err.absolute_path)
        errors.setdefault(str(where[0]) if where else "(record)", err.message)
    for key, vocabulary in (("intent_class", "intent_classes"), ("stability_tier", "stability_tiers")):
        allowed = tuple(getattr(ws.config, vocabulary, ()) or ())
        value = values.get(key)
        if value and allowed and value not in allowed:
            errors.setdefault(key, f"one of {', '.join(allowed)}")
    if not values.get("intent_class"):
        errors.setdefault("intent_class", "choose the intent class")
    schemas = list(values.get("schemas") or ())
    if not schemas:
        errors.setdefault("schemas", "name at least one schema")
    for path in schemas:
        doc = ws.schema(path)
        owner = ws.family_of(path)
        if doc is None:
            errors.setdefault("schemas", f"{path} is not a schema of this workspace")
        elif doc.shared:
            errors.setdefault("schemas", f"{path} is a shared library: it belongs to no family")
        elif owner is not None:
            errors.setdefault("schemas", f"{path} is in family {owner.id} already")
    for alt in values.get("alternatives_considered") or ():
        if ws.family(alt) is None:
            errors.setdefault("alternatives_considered", f"{alt!r} is not a family")
    return errors


def create_family(root: str | Path, family_id: str, values: Mapping[str, Any]) -> Record:
    """Write decisions/families/ID.yaml as a whole record. An existing file (even one
    created since the form was opened) is never replaced: `StoreError`, nothing written."""
    if not FAMILY_ID.match(family_id or ""):
        raise StoreError(f"{family_id!r} is not a family id (lower snake case)")
    path = family_path(root, family_id)
    try:
        return save_record(path, new_family_record(family_id, values), ABSENT)
    except Conflict as exc:
        raise StoreError(f"{FAMILIES_DIR}/{family_id}.yaml exists already (created meanwhile?): "
                         "choose another id; nothing written") from exc


# ---------------------------------------------------------------- waivers


def waiver_entry(rule: str, subject: str, reason: str, expires: str = "") -> dict[str, str]:
    entry = {"rule": rule.strip(), "subject": subject.strip(), "reason": " ".join(reason.split())}
    if expires.strip():
        entry["expires"] = expires.strip()
    return entry


def validate_waiver(rule: str, subject: str, reason: str, expires: str = "", *,
                    names: Iterable[str] = (), today: str | None = None) -> dict[str, str]:
    """Field -> error for a waiver: a rule id, a subject (one of `names`, the finding's,
    when given), a reason, and an expiry that is a real date not already past."""
    errors: dict[str, str] = {}
    if not RULE_ID.match(rule.strip()):
        errors["rule"] = "a rule id such as O001"
    known = set(names)
    if not subject.strip():
        errors["subject"] = "choose what the waiver names"
    elif known and subject.strip() not in known:
        errors["subject"] = "must be one of the finding's names (else the waiver matches nothing)"
    if not reason.strip():
        errors["reason"] = "say why the finding is acceptable (required)"
    value = expires.strip()
    if value:
        try:
            day = datetime.date.fromisoformat(value) if DATE.match(value) else None
        except ValueError:
            day = None
        if day is None:
            errors["expires"] = "a date YYYY-MM-DD (e.g. 2026-12-31), or empty for no expiry"
        elif today is not None and value < today:
            errors["expires"] = f"{value} has passed: the waiver would not apply (G012)"
    return errors


def add_waiver(path: str | Path, entry: Mapping[str, str], expected_fingerprint: str) -> Record:
    """Append a waiver to the `waivers` of a family record or of decisions/waivers.yaml
    (created when absent and read absent)."""
    return append_item(path, "waivers", dict(entry), expected_fingerprint)
