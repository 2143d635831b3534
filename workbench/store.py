"""Safe writes to `decisions/`: the one module that changes decision records.

Every write is a ruamel round trip of the file as it is on disk now: only the
keys that changed are touched, so comments, key order, quoting and unknown keys
survive. A write refuses to replace a file whose bytes changed since the caller
read it (`Conflict`), and lands atomically (temp file in the same folder, fsync,
`os.replace`), so a reader or watcher never sees half a file.

    rec = read_record(path)
    save_record(path, {"owner": "gateway-api"}, rec.fingerprint)   # may raise Conflict

No Textual here: the TUI calls these functions, tests call them directly.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import io
import os
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

ABSENT = ""  # fingerprint of a file that does not exist
TEMP_PREFIX = ".wb-"  # temp files: ".wb-<name>.<random>.tmp" (the TUI watcher ignores them)
TEMP_SUFFIX = ".tmp"
FOLD_WIDTH = 80  # the decisions files wrap folded scalars at 80 columns
DELETE = None  # a change to None removes the key



class StoreError(Exception):
    """The file cannot be changed safely (unreadable, not a YAML mapping, bad path)."""


class Conflict(StoreError):
    """The file changed on disk since it was read; nothing was written."""

    def __init__(self, path: Path, base_text: str, current_text: str, current_fingerprint: str):
        super().__init__(f"{path} changed on disk since it was read")
        self.path = Path(path)
        self.base_text = base_text
        self.current_text = current_text
        self.current_fingerprint = current_fingerprint

    def diff(self, label: str | None = None) -> str:
        """What changed on disk, as a unified diff (read -> now)."""
        return unified_diff(self.base_text, self.current_text, label or self.path.name)


@dataclass(frozen=True)
class Record:
    """A decisions file as read: round-trip document, its text and its fingerprint."""

    path: Path
    data: Any  # ruamel CommentedMap (treat as read-only; `plain()` for a copy)
    text: str
    fingerprint: str

    @property
    def exists(self) -> bool:
        return self.fingerprint != ABSENT

    def plain(self) -> dict[str, Any]:
        value = to_plain(self.data)
        return value if isinstance(value, dict) else {}


def _yaml() -> YAML:
    """The round-trip dumper configured like the shipped decisions files."""
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def to_plain(node: Any) -> Any:
    """ruamel nodes -> plain dict/list/str (scalar string subclasses become str)."""
    if isinstance(node, Mapping):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [to_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _parse(path: Path, raw: bytes | None) -> tuple[Any, str]:
    if raw is None:
        return CommentedMap(), ""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StoreError(f"{path} is not UTF-8 text") from exc
    try:
        data = _yaml().load(text)
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"{path} is not valid YAML ({first}); fix it on disk first") from exc
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise StoreError(f"{path} does not hold a YAML mapping")
    return data, text


def _read(path: Path) -> Record:
    raw = _read_bytes(path)
    data, text = _parse(path, raw)
    return Record(path, data, text, ABSENT if raw is None else fingerprint(raw))


# save_record is given a fingerprint; to show what changed on disk it needs the text
# that fingerprint stood for, so the texts handed out by read_record are remembered.
_BASE_TEXTS: dict[tuple[str, str], str] = {}


def _remember(rec: Record) -> None:
    if len(_BASE_TEXTS) > 256:
        _BASE_TEXTS.clear()
    _BASE_TEXTS[(str(rec.path), rec.fingerprint)] = rec.text


def read_record(path: str | Path) -> Record:
    """Read a decisions file for editing. A missing file reads as an empty record."""
    rec = _read(Path(path))
    _remember(rec)
    return rec


# ---------------------------------------------------------------- styling new values


def _fold_positions(text: str, width: int) -> list[int] | None:
    """Indexes of the spaces a folded scalar breaks at, or None if folding would change the text."""
    if "\n" in text or "  " in text or text != text.strip() or "\t" in text:
        return None
    lines = textwrap.wrap(text, width=max(20, width), break_long_words=False, break_on_hyphens=False)
    if not lines or " ".join(lines) != text:
        return None
    positions, offset = [], 0
    for line in lines[:-1]:
        offset += len(line)
        positions.append(offset)  # the space after this line
        offset += 1
    return positions


def _style_string(old: Any, new: str, key_col: int, key: str) -> Any:
    """Give a new string value the scalar style the file already uses for that key:
    quoted stays quoted, folded stays folded (re-wrapped at 80 columns), a plain value
    that no longer fits on its line becomes folded like the other long values."""
    if "\n" in new:
        return LiteralScalarString(new)
    if isinstance(old, (DoubleQuotedScalarString, SingleQuotedScalarString, LiteralScalarString)):
        return type(old)(new)
    fits = key_col + len(key) + 2 + len(new) <= FOLD_WIDTH
    if isinstance(old, FoldedScalarString) or not fits:
        indent = key_col + 2
        pos = _fold_positions(new, FOLD_WIDTH - indent)
        if pos is None:
            return DoubleQuotedScalarString(new)
        s = FoldedScalarString(new)
        s.fold_pos = pos  # type: ignore[attr-defined]
        return s
    return new


def _same_key_style(doc: Any, key: str) -> bool | None:
    """Flow (True) or block (False) style of a non-empty list under `key` elsewhere in the file."""
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, CommentedMap):
            value = node.get(key)
            if isinstance(value, CommentedSeq) and len(value) and value.fa.flow_style() is not None:
                return bool(value.fa.flow_style())
            stack.extend(v for v in node.values() if isinstance(v, (CommentedMap, CommentedSeq)))
        elif isinstance(node, CommentedSeq):
            stack.extend(v for v in node if isinstance(v, (CommentedMap, CommentedSeq)))
    return None


def _style_list(old: Any, new: list, hint: bool | None = None) -> CommentedSeq:
    """A new list in the style of the old one; an empty `[]` (no recorded style) follows
    the same key elsewhere in the file (`hint`), else stays flow."""
    seq = CommentedSeq()
    quote = None
    if isinstance(old, CommentedSeq):
        flow = old.fa.flow_style() if (len(old) or hint is None) else hint
        seq.fa.set_block_style() if flow is False else seq.fa.set_flow_style()
        quote = next((type(v) for v in old if isinstance(v, (DoubleQuotedScalarString, SingleQuotedScalarString))), None)
    else:
        seq.fa.set_block_style() if hint is False else seq.fa.set_flow_style()
    for item in new:
        if isinstance(item, str) and (quote is not None or item.startswith(("#", "@", "*", "&", "!", "%", "`"))):
            item = (quote or DoubleQuotedScalarString)(item)
        seq.append(item)
    return seq


def _styled(old: Any, new: Any, key_col: int, key: str, doc: Any = None) -> Any:
    if isinstance(new, str):
        return _style_string(old, new, key_col, key)
    if isinstance(new, (list, tuple)):
        return _style_list(old, list(new), _same_key_style(doc, key) if doc is not None and key else None)
    return new


# ---------------------------------------------------------------- applying changes


def _container(doc: Any, path: tuple) -> Any:
    node = doc
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError) as exc:
            raise StoreError(f"cannot find {'.'.join(map(str, path))} in the file") from exc
    return node


def _insert_at(node: CommentedMap, key: str, value: Any, order: Iterable[str]) -> None:
    """Insert a new key after the nearest preceding key of the canonical order."""
    order = list(order)
    if key in order:
        before = order[: order.index(key)]
        keys = list(node.keys())
        pos = max((keys.index(k) + 1 for k in before if k in keys), default=None)
        if pos is not None and pos < len(keys):
            node.insert(pos, key, value)
            return
    node[key] = value


@dataclass(frozen=True)
class Placed:
    """A change whose key may be new to a nested mapping, with the key order to place it by."""

    value: Any
    order: tuple[str, ...]


def _apply(doc: CommentedMap, changes: Mapping[Any, Any], order: Iterable[str]) -> None:
    for raw_key, value in changes.items():
        path = tuple(raw_key) if isinstance(raw_key, tuple) else (raw_key,)
        parent = _container(doc, path[:-1])
        key = path[-1]
        col = 2 * len(path[:-1])  # mapping indent 2; "- " items at offset 2, their keys at +4
        key_order: Iterable[str] = order if len(path) == 1 else ()
        if isinstance(value, Placed):
            value, key_order = value.value, value.order
        if not isinstance(parent, (CommentedMap, CommentedSeq)):
            raise StoreError(f"{'.'.join(map(str, path[:-1]))} is not a mapping or list")
        if value is DELETE:
            if isinstance(parent, CommentedMap) and key in parent:
                del parent[key]
            continue
        if isinstance(parent, CommentedSeq):
            parent[key] = _styled(parent[key], value, col, "")
            continue
        old = parent.get(key)
        if key in parent and to_plain(old) == to_plain(value):
            continue
        styled = _styled(old, value, col, str(key), doc)
        if key in parent:
            parent[key] = styled
        else:
            _insert_at(parent, key, styled, key_order)


def _dump(doc: Any) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` via a temp file in the same folder + fsync + os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename durable; not every platform can open a directory
        dfd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def save_record(
    path: str | Path,
    changes: Mapping[Any, Any],
    expected_fingerprint: str,
    *,
    key_order: Iterable[str] = (),
) -> Record:
    """Apply `changes` to the file and write it atomically; returns the new record.

    `changes` maps a top-level key (or a tuple key path such as `("items", 2, "done")`)
    to its new value; `None` removes the key. Unchanged keys, comments and unknown
    keys are kept. Raises `Conflict` (writing nothing) when the file's bytes no longer
    match `expected_fingerprint`; retry with `Conflict.current_fingerprint` to
    overwrite with these changes on top of the file as it is now.
    `key_order` places keys that are new to the file (default: the packaged schema's
    property order for families, deltas and workspace config).
    """
    path = Path(path)
    raw = _read_bytes(path)
    now = ABSENT if raw is None else fingerprint(raw)
    if now != expected_fingerprint:
        current = "" if raw is None else raw.decode("utf-8", errors="replace")
        raise Conflict(path, _BASE_TEXTS.get((str(path), expected_fingerprint), ""), current, now)
    doc, text = _parse(path, raw)
    _apply(doc, changes, key_order or _schema_order(path))
    new_text = _dump(doc)
    if new_text != text or raw is None:
        atomic_write(path, new_text)
    data = new_text.encode("utf-8")
    rec = Record(path, doc, new_text, fingerprint(data))
    _remember(rec)
    return rec


def _schema_order(path: Path) -> list[str]:
    kind = {"families": "family", "deltas": "delta"}.get(path.parent.name)
    if kind is None and path.name == "workspace.yaml":
        kind = "workspace"
    if kind is None:
        return []
    from .loader.decisions import decisions_schema

    return list(decisions_schema(kind).get("properties", {}))


def unified_diff(old: str, new: str, label: str = "file", context: int = 2) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"{label} (when you opened it)", tofile=f"{label} (on disk now)", n=context,
    )
    out = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return out or "(no textual difference)\n"


# ---------------------------------------------------------------- family edits

FAMILY_TEXT_FIELDS = (
    "intent_class", "owner", "stability_tier", "decision", "rationale", "current_usage",
    "candidate_gateway_usage", "wire_mapping", "version_policy",
)
FAMILY_LIST_FIELDS = ("alternatives_considered", "downstream_consumers")


@dataclass(frozen=True)
class FamilyEdit:
    """The editable governance fields of one family record (the TUI form's result)."""

    intent_class: str = ""
    owner: str = ""
    stability_tier: str = ""
    decision: str = ""
    rationale: str = ""
    current_usage: str = ""
    candidate_gateway_usage: str = ""
    wire_mapping: str = ""
    version_policy: str = ""
    alternatives_considered: tuple[str, ...] = ()
    downstream_consumers: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> "FamilyEdit":
        def text(key: str) -> str:
            value = data.get(key)
            return " ".join(value.split()) if isinstance(value, str) and "\n" not in value.strip() else (
                value.strip() if isinstance(value, str) else "")

        def items(key: str) -> tuple[str, ...]:
            value = data.get(key)
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        return cls(**{k: text(k) for k in FAMILY_TEXT_FIELDS}, **{k: items(k) for k in FAMILY_LIST_FIELDS})

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
        if out and original.get("guess"):
            out["guess"] = False  # a person reviewed and saved the record: no longer `workbench init`'s guess
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
    from .loader.decisions import validator

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
        from .rules.governance import new_family_gaps

        candidate = dataclasses.replace(
            fam,
            **{k: (v if v is not None else None) for k, v in edit.values().items() if k in FAMILY_TEXT_FIELDS},
            alternatives_considered=tuple(edit.alternatives_considered),
            downstream_consumers=tuple(edit.downstream_consumers),
        )
        for message, key in new_family_gaps(ws, candidate):
            field = key.split(".", 1)[0]
            if field == "decision":  # the rule anchors "missing X" at the decision line
                field = next((f for f in ("alternatives_considered", "downstream_consumers", "rationale")
                              if f in message or f.replace("_", " ") in message), field)
            errors.setdefault(field, f"`new` {message}")
    return errors


# ---------------------------------------------------------------- checklist ticks


def tick_checklist_item(
    path: str | Path, item_id: str, done: bool, evidence: Iterable[str], expected_fingerprint: str
) -> Record:
    """Set an item's manual `done` tick and its evidence paths in checklist.yaml."""
    path = Path(path)
    rec = _read(path)
    items = rec.data.get("items") if isinstance(rec.data, CommentedMap) else None
    index = next((i for i, item in enumerate(items or []) if isinstance(item, Mapping) and item.get("id") == item_id), None)
    if index is None:
        if rec.fingerprint != expected_fingerprint:
            raise Conflict(path, _BASE_TEXTS.get((str(path), expected_fingerprint), ""), rec.text, rec.fingerprint)
        raise StoreError(f"no checklist item {item_id!r} in {path}")
    evidence = [e for e in evidence if e]
    changes: dict[Any, Any] = {("items", index, "done"): bool(done)}
    changes[("items", index, "evidence")] = evidence if evidence else DELETE
    return save_record(path, _ordered_item_changes(rec, index, changes), expected_fingerprint)


def _ordered_item_changes(rec: Record, index: int, changes: dict) -> dict:
    """New keys of a checklist item go in the documented order (id, text, derive, done, evidence)."""
    order = ("id", "text", "derive", "done", "evidence")
    return {key: value if value is DELETE else Placed(value, order) for key, value in changes.items()}


def missing_evidence(root: str | Path, paths: Iterable[str]) -> list[str]:
    """Evidence paths (relative to the root) that do not exist."""
    root = Path(root)
    return [p for p in paths if not (root / p).exists()]
