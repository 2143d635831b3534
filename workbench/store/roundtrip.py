"""Round-trip reads and saves of `decisions/` records.

Every write is a ruamel round trip of the file as it is on disk now: only the
keys that changed are touched, so comments, key order, quoting and unknown keys
survive. A write refuses to replace a file whose bytes changed since the caller
read it (`Conflict`, checked under the writers' lock and again just before the
rename), and lands atomically through `writer.atomic_write`. A symlinked record is
written through to its target when that is inside the root, refused otherwise.

    rec = read_record(path)
    save_record(path, {"owner": "gateway-api"}, rec.fingerprint)   # may raise Conflict

No Textual here: the TUI calls these functions, tests call them directly.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from ..errors import StoreError
from ..loader.files import Files
from .style import styled, unambiguous
from .writer import atomic_write, clean_stale_temps, contained, locked, utf8

ABSENT = ""  # fingerprint of a file that does not exist
DELETE = None  # a change to None removes the key


class Conflict(StoreError):
    """The file changed on disk since it was read; nothing was written."""

    def __init__(self, path: Path, base_text: str, current_text: str, current_fingerprint: str,
                 expected_fingerprint: str | None = None):
        self.path = Path(path)
        self.base_text = base_text
        self.current_text = current_text
        self.current_fingerprint = current_fingerprint
        self.expected_fingerprint = expected_fingerprint  # what the caller read (None: not known)
        super().__init__(f"{path} {'was deleted' if self.deleted else 'changed on disk'} since it was read")

    @property
    def deleted(self) -> bool:
        """The file was there when it was read and is gone now."""
        return self.current_fingerprint == ABSENT and self.expected_fingerprint not in (None, ABSENT)

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


def root_of(path: str | Path) -> Path:
    """The workspace root of a decisions file: the folder holding its `decisions/` (else its own folder)."""
    path = Path(os.path.abspath(path))
    return next((p.parent for p in path.parents if p.name == "decisions"), path.parent)


def _real(path: Path) -> Path:
    """The file a read or write of `path` reaches: links inside the root followed, none out of it."""
    return contained(root_of(path), path)


def _read_bytes(real: Path) -> bytes | None:
    try:
        return Files(real.parent).read(real)  # regular files only, size-capped: a FIFO cannot hang a save
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {real}: {exc.strerror or exc}") from exc


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
    real = _real(path)
    clean_stale_temps(real.parent)  # what a killed save left behind
    raw = _read_bytes(real)
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


# ---------------------------------------------------------------- applying changes


def _container(doc: Any, path: tuple[Any, ...]) -> Any:
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
            if key == len(parent):  # one past the end: append (the list's comments and items stay as they are)
                parent.append(unambiguous(value) if isinstance(value, str) else styled(None, value, col, ""))
                continue
            parent[key] = styled(parent[key], value, col, "")
            continue
        old = parent.get(key)
        if key in parent and to_plain(old) == to_plain(value):
            continue
        new = styled(old, value, col, str(key), doc)
        if key in parent:
            parent[key] = new
        else:
            _insert_at(parent, key, new, key_order)


def _dump(doc: Any) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def save_record(
    path: str | Path,
    changes: Mapping[Any, Any],
    expected_fingerprint: str,
    *,
    key_order: Iterable[str] = (),
    recreate_from: Record | None = None,
) -> Record:
    """Apply `changes` to the file and write it atomically; returns the new record.

    `changes` maps a top-level key (or a tuple key path such as `("items", 2, "done")`)
    to its new value; `None` removes the key; a path one past the end of a list
    (`("waivers", len(waivers))`) appends to it. Unchanged keys, comments and unknown
    keys are kept. Raises `Conflict` (writing nothing) when the file's bytes no longer
    match `expected_fingerprint`; retry with `Conflict.current_fingerprint` to
    overwrite with these changes on top of the file as it is now.
    `key_order` places keys that are new to the file (default: the packaged schema's
    property order for families, deltas and workspace config).

    A file that is absent now (`expected_fingerprint` == ABSENT) is written whole:
    with `recreate_from` (the record as the caller read it, e.g. before someone
    deleted the file) the new file is that record, comments included, with
    `changes` on top. A family or delta record is never created from `changes`
    alone unless they name the record (`family:` / `delta:`): a save must not
    leave a partial record behind (`StoreError`, nothing written).
    """
    path = Path(path)
    real = _real(path)
    with locked(real):  # read-compare-replace is one step for every writer using the store
        raw = _read_bytes(real)
        now = ABSENT if raw is None else fingerprint(raw)
        if now != expected_fingerprint:
            raise Conflict(path, _BASE_TEXTS.get((str(path), expected_fingerprint), ""), _text(raw), now,
                           expected_fingerprint)
        doc, text = _parse(path, raw)
        if raw is None and recreate_from is not None:
            doc, _ = _parse(path, recreate_from.text.encode("utf-8"))  # a fresh copy: the caller's stays as read
        _refuse_invalid_text(path, changes)
        _apply(doc, changes, key_order or _schema_order(path))
        if raw is None:
            _refuse_partial(path, doc)
        new_text = _dump(doc)

        def still_unchanged() -> None:  # an editor that does not take the lock may have saved meanwhile
            again = _read_bytes(real)
            if (ABSENT if again is None else fingerprint(again)) != now:
                raise Conflict(path, text, _text(again), ABSENT if again is None else fingerprint(again), now)

        if new_text != text or raw is None:
            atomic_write(real, new_text, before_replace=still_unchanged)
    data = new_text.encode("utf-8")
    rec = Record(path, doc, new_text, fingerprint(data))
    _remember(rec)
    return rec


_RECORD_KEYS = {"families": "family", "deltas": "delta"}  # folder -> the key naming the record


def _refuse_invalid_text(path: Path, value: Any) -> None:
    """Every string a save would write must be Unicode (YAML could escape a lone surrogate and read it back)."""
    if isinstance(value, str):
        utf8(path, value)
    elif isinstance(value, Mapping):
        for item in value.values():
            _refuse_invalid_text(path, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _refuse_invalid_text(path, item)


def _refuse_partial(path: Path, doc: Any) -> None:
    """A new family/delta file must be a whole record, not the few keys a form changed."""
    key = _RECORD_KEYS.get(path.parent.name)
    if key is not None and not (isinstance(doc, Mapping) and doc.get(key)):
        raise StoreError(f"{path} does not exist (deleted?): refusing to create it with only "
                         f"{', '.join(map(str, doc.keys())) or 'no keys'}; nothing written")


def _text(raw: bytes | None) -> str:
    return "" if raw is None else raw.decode("utf-8", errors="replace")


def _schema_order(path: Path) -> list[str]:
    kind = {"families": "family", "deltas": "delta"}.get(path.parent.name)
    if kind is None and path.name == "workspace.yaml":
        kind = "workspace"
    if kind is None:
        return []
    from ..loader.decisions import decisions_schema

    return list(decisions_schema(kind).get("properties", {}))


def unified_diff(old: str, new: str, label: str = "file", context: int = 2) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"{label} (when you opened it)", tofile=f"{label} (on disk now)", n=context,
    )
    out = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return out or "(no textual difference)\n"


