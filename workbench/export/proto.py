"""`workbench export` for the wire contract: the generated `.proto` files and the field-number lock.

What is written is rendered by `analysis.protofile` from the wire plan
(`analysis.wire.plan_of`); this module only writes it, through the store: each
changed file atomically, a generated file the plan no longer produces removed, and
decisions/wire_lock.yaml last. A file at a generated path that export did not
write (no marker in its first line) is never replaced (`UsageError`, nothing is
written): hand-written proto is checked, not overwritten.
"""

from __future__ import annotations

from ..analysis.protofile import rendered
from ..analysis.wire import plan_of
from ..errors import UsageError
from ..loader.files import Files
from ..model import Workspace, is_generated
from ..store.wire_lock import write_lock
from ..store.writer import atomic_write, contained, remove


def write_proto(ws: Workspace) -> list[tuple[str, str]]:
    """Write the generated proto files and the lock (nothing without `wire.package`);
    [(root-relative path, "written"|"unchanged"|"removed")]."""
    plan = plan_of(ws)
    if not plan.package:
        return []
    texts = rendered(plan)
    files = Files(ws.root, ws.config.max_file_bytes)
    current: dict[str, bytes | None] = {}
    for rel in texts:
        try:
            current[rel] = files.read(rel)
        except OSError:
            current[rel] = None
    foreign = [rel for rel, data in current.items()
               if data is not None and not is_generated(data[:4096].decode("utf-8", errors="replace"))]
    if foreign:
        raise UsageError(f"not replacing {foreign[0]}" + (f" and {len(foreign) - 1} more" if len(foreign) > 1 else "")
                         + ": a hand-written .proto at a generated path (no generated marker); move it, or name "
                         "its message like the schema it maps so that it is checked instead of generated")
    out: list[tuple[str, str]] = []
    for rel, text in texts.items():
        data = text.encode("utf-8")
        if current[rel] == data:
            out.append((rel, "unchanged"))
            continue
        atomic_write(contained(ws.root, rel), data)
        out.append((rel, "written"))
    for f in ws.protos:
        if f.path not in texts and f.text is not None and is_generated(f.text):
            remove(contained(ws.root, f.path))
            out.append((f.path, "removed"))
    out.append((plan.lock.path, "written" if write_lock(ws.root, plan.lock) else "unchanged"))
    return out
