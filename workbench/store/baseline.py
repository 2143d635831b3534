"""`workbench baseline`: decisions/baseline.yaml, the findings accepted while adopting the workbench.

One entry per fingerprint (rule, subjects, JSON pointer; `count` when several
findings share it), sorted, with the file and first message line for readers.
Written through `save_record`, so comments a user adds to the file survive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..findings import Finding, Fingerprint
from .roundtrip import read_record, save_record

BASELINE = "decisions/baseline.yaml"
MESSAGE_CHARS = 160


def baseline_entries(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """The entries that accept every warning and error of `findings`."""
    kept = [f for f in findings if f.severity != "info"]
    counts = Counter(f.fingerprint for f in kept)
    first: dict[Fingerprint, Finding] = {}
    for f in sorted(kept, key=Finding.sort_key):
        first.setdefault(f.fingerprint, f)
    out = []
    for key, f in sorted(first.items(), key=lambda kv: (kv[1].file, kv[0][0], kv[0][1], kv[0][2] or "")):
        entry: dict[str, Any] = {"rule": f.rule, "subjects": list(f.subjects)}
        if f.pointer is not None:
            entry["pointer"] = f.pointer
        if counts[key] > 1:
            entry["count"] = counts[key]
        entry["file"] = f.file
        entry["message"] = f.message.split("\n", 1)[0][:MESSAGE_CHARS]
        out.append(entry)
    return out


def write_baseline(root: str | Path, findings: Iterable[Finding]) -> tuple[Path, int]:
    """Rewrite decisions/baseline.yaml to accept `findings`; returns (path, number of entries)."""
    path = Path(root) / BASELINE
    entries = baseline_entries(findings)
    rec = read_record(path)
    save_record(path, {"version": 1, "findings": entries}, rec.fingerprint, key_order=("version", "findings"))
    return path, len(entries)
