"""`workbench baseline`: decisions/baseline.yaml, the findings accepted while adopting the workbench.

One entry per fingerprint (rule, subjects, JSON pointer; `count` when several
findings share it), sorted, with the file and first message line for readers.
Written through `save_record`, so comments a user adds to the file survive;
`add_to_baseline` adds entries for some findings to the file as it is (the TUI's
"baseline this finding") instead of rewriting it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..findings import Finding, Fingerprint, storable
from .roundtrip import Placed, Record, read_record, save_record

BASELINE = "decisions/baseline.yaml"
ENTRY_ORDER = ("rule", "subjects", "pointer", "count", "file", "message")  # the keys of an entry, in order


def baseline_entries(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """The entries that accept every warning and error of `findings`."""
    kept = [f for f in findings if f.severity != "info"]
    counts = Counter(f.fingerprint for f in kept)
    first: dict[Fingerprint, Finding] = {}
    for f in sorted(kept, key=Finding.sort_key):
        first.setdefault(f.fingerprint, f)
    out = []
    for key, f in sorted(first.items(), key=lambda kv: (kv[1].file, kv[0][0], kv[0][1], kv[0][2] or "")):
        rule, subjects, pointer = key  # lone surrogates escaped: the loader's YAML reader refuses them
        entry: dict[str, Any] = {"rule": rule, "subjects": list(subjects)}
        if pointer is not None:
            entry["pointer"] = pointer
        if counts[key] > 1:
            entry["count"] = counts[key]
        entry["file"] = storable(f.file)
        entry["message"] = storable(f.message.split("\n", 1)[0])  # whole: a reader judges the entry by it
        out.append(entry)
    return out


def write_baseline(root: str | Path, findings: Iterable[Finding]) -> tuple[Path, int]:
    """Rewrite decisions/baseline.yaml to accept `findings`; returns (path, number of entries)."""
    path = Path(root) / BASELINE
    entries = baseline_entries(findings)
    rec = read_record(path)
    save_record(path, {"version": 1, "findings": entries}, rec.fingerprint, key_order=("version", "findings"))
    return path, len(entries)


def add_to_baseline(root: str | Path, findings: Iterable[Finding], expected_fingerprint: str) -> tuple[Record, int]:
    """Accept `findings` (warnings and errors) in decisions/baseline.yaml on top of what it
    already accepts: an entry with the same fingerprint gets its `count` raised, any other
    is appended (the file is created when absent and read absent). The rest of the file,
    comments included, stays. Returns (the record written, entries added or raised);
    `Conflict` when the file changed since it was read as `expected_fingerprint`."""
    from ruamel.yaml.comments import CommentedMap

    from .roundtrip import _BASE_TEXTS, Conflict

    path = Path(root) / BASELINE
    rec = read_record(path)
    if rec.fingerprint != expected_fingerprint:
        raise Conflict(path, _BASE_TEXTS.get((str(path), expected_fingerprint), ""), rec.text, rec.fingerprint,
                       expected_fingerprint)
    new = baseline_entries(findings)
    if not new:
        return rec, 0
    data = rec.data if isinstance(rec.data, CommentedMap) else CommentedMap()
    listed = data.get("findings")
    existing = list(listed) if isinstance(listed, list) else []
    changes: dict[Any, Any] = {}
    if "version" not in data:
        changes["version"] = 1
    appended: list[dict[str, Any]] = []
    for entry in new:
        key = (entry["rule"], tuple(entry["subjects"]), entry.get("pointer"))
        index = next((i for i, old in enumerate(existing) if isinstance(old, dict)
                      and (old.get("rule"), tuple(old.get("subjects") or ()), old.get("pointer")) == key), None)
        if index is None:
            appended.append(entry)
            continue
        old_count = existing[index].get("count", 1)
        count = (old_count if isinstance(old_count, int) else 1) + entry.get("count", 1)
        changes[("findings", index, "count")] = Placed(count, ENTRY_ORDER)
    if appended:
        if existing:
            for i, entry in enumerate(appended):
                changes[("findings", len(existing) + i)] = entry
        else:
            changes["findings"] = appended
    written = save_record(path, changes, expected_fingerprint, key_order=("version", "findings"))
    return written, len(new)
