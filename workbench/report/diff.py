"""`workbench diff REF`: the classified changes alone, as text or JSON (through `report.sanitize`)."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

from . import sanitize

if TYPE_CHECKING:
    from ..rules.compatibility import Verdict


def render_diff(verdicts: list[Verdict], label: str, fmt: str = "text", configuration: str = "") -> str:
    """Changes grouped by schema with each one's verdict under its policy; JSON rows carry the structured
    fields (change, pointer, old, new, breaks, mode, ...) and the severity `--check` would give.
    `configuration`: which configuration read the baseline (said under the summary)."""
    breaking = sum(v.breaking for v in verdicts)
    undecided = sum(v.breaks == "undecided" for v in verdicts)
    if fmt == "json":
        rows = [v.data() | {"schema": v.change.schema, "severity": v.severity, "message": v.describe()}
                for v in verdicts]
        doc = {"against": label, "summary": {"changes": len(verdicts), "breaking": breaking, "undecided": undecided},
               "changes": rows, "configuration": configuration}
        return sanitize.dumps(doc, indent=2, sort_keys=True) + "\n"
    lines = [f"against {sanitize.text(label)}: {len(verdicts)} change(s), {breaking} breaking under the policy"
             + (f", {undecided} undecided" if undecided else "")]
    if configuration:
        lines.append(f"baseline read with {sanitize.text(configuration)}")
    for path, group in groupby(verdicts, key=lambda v: v.change.schema):
        changes = list(group)
        lines.append(f"{sanitize.text(path)}  ({sanitize.text(changes[0].policy.label)})")
        lines.extend(f"  {'BREAKING' if v.breaking else 'UNDECIDED' if v.breaks == 'undecided' else 'ok      '}  "
                     f"{sanitize.text_block(v.describe())}" for v in changes)
    return "\n".join(lines) + "\n"
