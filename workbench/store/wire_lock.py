"""decisions/wire_lock.yaml: the field-number lock, written by `workbench export` only.

`dump_lock` is pure and deterministic (types by full name, numbers in order; every
string JSON-quoted, which YAML reads as the same string), so the check can compare
the committed lock with the one export would write. The loader reads it back
(`loader.decisions`, validated by `decisions_schemas/wire_lock.schema.json`).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..model import GENERATED_MARKER, LockedType, WireLock
from .writer import atomic_write, contained

HEADER = (f"# {GENERATED_MARKER} from ssot/ and decisions/: the numbers of the generated proto fields and enum\n"
          "# values. Do not edit by hand: a number never changes or comes back once retired.\n")


def _numbers(key: str, pairs: tuple[tuple[str, int], ...]) -> list[str]:
    if not pairs:
        return [f"    {key}: {{}}"]
    return [f"    {key}:"] + [f"      {name}: {number}" for name, number in sorted(pairs, key=lambda kv: kv[1])]


def _entry(t: LockedType) -> list[str]:
    lines = [f"  {t.name}:", f"    schema: {json.dumps(t.schema)}", f"    pointer: {json.dumps(t.pointer)}",
             f"    family: {json.dumps(t.family)}", f"    file: {json.dumps(t.file)}"]
    lines += _numbers("fields" if t.kind == "message" else "values", t.numbers)
    lines += _numbers("retired", t.retired)
    if t.removed:
        lines.append("    removed: true")
    return lines


def dump_lock(lock: WireLock) -> str:
    """The text of decisions/wire_lock.yaml."""
    lines = [HEADER.rstrip("\n"), "version: 1", f"package: {json.dumps(lock.package)}"]
    for group, kind in (("messages", "message"), ("enums", "enum")):
        entries = sorted((t for t in lock.types if t.kind == kind), key=lambda t: t.name)
        lines.append(f"{group}:" if entries else f"{group}: {{}}")
        for t in entries:
            lines += _entry(t)
    return "\n".join(lines) + "\n"


def write_lock(root: str | Path, lock: WireLock) -> bool:
    """Write the lock when it changed; whether it was written."""
    path = contained(root, lock.path)
    text = dump_lock(lock)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write(path, text)
    return True
