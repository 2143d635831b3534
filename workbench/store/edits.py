"""Edit models: the family form's fields and validation, checklist ticks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from ..config import is_list, yaml_key
from ..errors import StoreError
from ..loader.files import Files
from ..model import ChecklistItem, Family
from ..policy import new_family_gaps
from .roundtrip import _BASE_TEXTS, DELETE, Conflict, Placed, Record, _read, save_record

# the fields `Family` marks editable (model.EDIT), each read and written under its own name: text, then lists
_EDITABLE = [f for f in dataclasses.fields(Family) if f.metadata.get("edit")]
FAMILY_TEXT_FIELDS = tuple(f.name for f in _EDITABLE if not is_list(f))
FAMILY_LIST_FIELDS = tuple(f.name for f in _EDITABLE if is_list(f))


@dataclass(frozen=True)
class FamilyEdit:
    """The form's values of the editable fields of one family record (the TUI form's result): text ("" when
    unset) or a tuple of text for each of FAMILY_TEXT_FIELDS and FAMILY_LIST_FIELDS (tests hold them equal)."""

    intent_class: str = ""
    owner: str = ""
    stability_tier: str = ""
    decision: str = ""
    current_usage: str = ""
    candidate_gateway_usage: str = ""
    rationale: str = ""
    wire_mapping: str = ""
    version_policy: str = ""
    alternatives_considered: tuple[str, ...] = ()
    downstream_consumers: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> FamilyEdit:
        def text(key: str) -> str:
            value = data.get(key)
            return " ".join(value.split()) if isinstance(value, str) and "\n" not in value.strip() else (
                value.strip() if isinstance(value, str) else "")

        def items(key: str) -> tuple[str, ...]:
            value = data.get(key)
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        fields: dict[str, Any] = {k: text(k) for k in FAMILY_TEXT_FIELDS} | {k: items(k) for k in FAMILY_LIST_FIELDS}
        return cls(**fields)

    def values(self) -> dict[str, Any]:
        """Field -> value as written to YAML (None: absent)."""
        out: dict[str, Any] = {}
        for key in FAMILY_TEXT_FIELDS:
            value = getattr(self, key).strip()
            out[key] = value or None
        for key in FAMILY_LIST_FIELDS:
            out[key] = list(getattr(self, key))
        return out

    def changes(self, original: Mapping[str, Any]) -> dict[str, Any]:
        """Only what differs from `original` (plain data of the record as read)."""
        before = FamilyEdit.from_data(original)
        out: dict[str, Any] = {}
        for key, value in self.values().items():
            if getattr(before, key) == getattr(self, key):
                continue
            if key in FAMILY_LIST_FIELDS and not value and key not in original:
                continue
            out[key] = value
        if out and "guess" in original:
            out["guess"] = None  # a person reviewed and saved the record: no longer `workbench init`'s guess (the
            # key and init's header comment go: `save_record`)
        return out


def split_list(text: str) -> tuple[str, ...]:
    """"a, b  c" -> ("a", "b", "c") (form input for list fields), keeping order, no duplicates."""
    seen: dict[str, None] = {}
    for part in text.replace(",", " ").split():
        seen.setdefault(part.strip(), None)
    return tuple(k for k in seen if k)


def validate_family_edit(ws: Any, family_id: str, original: Mapping[str, Any], edit: FamilyEdit) -> dict[str, str]:
    """Field -> error for an edit: the family decisions schema plus the G003 condition.

    `ws` is the current Workspace (for the tier vocabulary and the known families).
    """
    from ..loader.decisions import validator

    data = dict(original)
    for key, value in edit.values().items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    errors: dict[str, str] = {}
    for err in validator("family").iter_errors(data):
        path = list(err.absolute_path)
        key = str(path[0]) if path else "(record)"
        errors.setdefault(key, err.message)
    for key, vocabulary in (("intent_class", "intent_classes"), ("stability_tier", "stability_tiers")):
        allowed = tuple(getattr(ws.config, vocabulary, ()) or ())
        value = getattr(edit, key)
        if value and allowed and value not in allowed:
            errors.setdefault(key, f"one of {', '.join(allowed)}")
    fam = ws.family(family_id) if ws is not None else None
    if fam is not None:
        candidate = edited_family(fam, edit)
        for message, key in new_family_gaps(ws, candidate):
            field = key.split(".", 1)[0]
            if field == "decision":  # the rule anchors "missing X" at the decision line
                field = next((f for f in ("alternatives_considered", "downstream_consumers", "rationale")
                              if f in message or f.replace("_", " ") in message), field)
            errors.setdefault(field, f"`new` {message}")
    return errors


def edited_family(fam: Any, edit: FamilyEdit) -> Any:
    """The loaded `Family` with the form's values in place (what the loader would build
    from the saved file): for checking an edit before it is written."""
    values = edit.values()
    changed = any(getattr(fam, k) != (values[k] if k in FAMILY_TEXT_FIELDS else tuple(values[k]))
                  for k in values)
    return dataclasses.replace(
        fam,
        **{k: values[k] for k in FAMILY_TEXT_FIELDS},
        **{k: tuple(values[k]) for k in FAMILY_LIST_FIELDS},
        guess=fam.guess and not changed,  # `FamilyEdit.changes` clears the guess on a save
    )


def tick_checklist_item(
    path: str | Path, item_id: str, done: bool, evidence: Iterable[str], expected_fingerprint: str
) -> Record:
    """Set an item's manual `done` tick and its evidence paths in checklist.yaml."""
    path = Path(path)
    rec = _read(path)
    items = rec.data.get("items") if isinstance(rec.data, CommentedMap) else None
    index = next((i for i, item in enumerate(items or [])
                  if isinstance(item, Mapping) and item.get("id") == item_id), None)
    if index is None:
        if rec.fingerprint != expected_fingerprint:
            raise Conflict(path, _BASE_TEXTS.get((str(path), expected_fingerprint), ""), rec.text, rec.fingerprint,
                           expected_fingerprint)
        raise StoreError(f"no checklist item {item_id!r} in {path}")
    evidence = [e for e in evidence if e]
    changes: dict[Any, Any] = {("items", index, "done"): bool(done)}
    changes[("items", index, "evidence")] = evidence if evidence else DELETE
    return save_record(path, _ordered_item_changes(rec, index, changes), expected_fingerprint)


def _ordered_item_changes(rec: Record, index: int, changes: dict[Any, Any]) -> dict[Any, Any]:
    """New keys of a checklist item go in the order `ChecklistItem` declares them (id, text, derive, done, evidence)."""
    order = tuple(k for f in dataclasses.fields(ChecklistItem) if (k := yaml_key(f)))
    return {key: value if value is DELETE else Placed(value, order) for key, value in changes.items()}


def missing_evidence(root: str | Path, paths: Iterable[str]) -> list[str]:
    """Evidence paths (relative to the root) that do not exist inside it."""
    files = Files(Path(root))
    return [p for p in paths if not files.exists(p)]
