"""Export drift: what is committed must equal what `workbench export` writes now: the M1 documents (E001),
the generated proto files and their field-number lock (E002)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..analysis.protofile import rendered
from ..analysis.wire import plan_of
from ..policy import is_generated
from .registry import POST, Hit, RuleContext, rule

EXCERPT_LINES = 10  # changed lines shown in the message
EXCERPT_WIDTH = 160  # characters shown of each changed line, around where it changed


def diff_excerpt(old: list[str], new: list[str], limit: int = EXCERPT_LINES) -> tuple[int, list[str], int]:
    """(first differing line of `old`, the first `limit` changed lines, number of changed lines).

    Changed lines are `-` (committed) and `+` (export); long lines (table rows)
    are clipped to a window around the first character that changed.
    """
    first, changed = None, []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        first = first or i1 + 1
        removed, added = old[i1:i2], new[j1:j2]
        at = _common_prefix(removed[0], added[0]) if removed and added else 0
        changed += ["-" + _clip(line, at) for line in removed] + ["+" + _clip(line, at) for line in added]
    return first or 1, changed[:limit], len(changed)


def _common_prefix(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _clip(line: str, at: int, width: int = EXCERPT_WIDTH) -> str:
    if len(line) <= width:
        return line
    lo = max(0, min(at - width // 3, len(line) - width))
    return ("..." if lo else "") + line[lo:lo + width] + ("..." if lo + width < len(line) else "")


@rule("E001", "export-stale", "export", "error", stage=POST)
def export_stale(ctx: RuleContext) -> Iterator[Hit]:
    """A generated document in the export folder (`export.out` in decisions/workspace.yaml,
    default doc/m0-runtime-contract-freeze/) differs from what `workbench export` would
    write from the current ssot/ and decisions/, or is missing. The
    message shows the first changed lines (`-` committed, `+` export). Only documents
    that carry export's marker (first line) are judged: a hand-written document at an
    export path is an info finding, and export never replaces it (use `--out` elsewhere
    or `--force`). A missing document is a warning while nothing was exported yet, an
    error once the folder holds generated ones. The documents are expected only where
    the workspace says so: a plan file (decisions/plan.yaml), `export.out` set in
    decisions/workspace.yaml, or a document already in the export folder; a
    repository that does not run the plan hears nothing (nor does a root without
    decisions/).

    Why it matters: the committed documents are what reviewers and downstream teams read; stale ones describe
    contracts and decisions the workspace no longer holds.

    How to fix: run `workbench export` and commit the result; never edit the generated documents by hand.
    """
    ws = ctx.ws
    if not ws.decisions.present or not (ws.decisions.plan.path or ws.config.export_set or ws.docs):
        return
    committed = {rel: ws.doc(rel) for rel in ctx.docs}
    exported = any(d is not None and d.text is not None and is_generated(d.text) for d in committed.values())
    for rel, text in ctx.docs.items():
        name = rel.rsplit("/", 1)[-1]
        doc = committed[rel]
        if doc is None:
            yield Hit(f"missing: run `workbench export` to write {name}" if exported else
                      f"not exported yet: run `workbench export` to write {name}", rel, None, (name,),
                      None if exported else "warning")
            continue
        if doc.text is None:
            yield Hit(f"cannot read the committed document: {doc.error}", rel, doc.line, (name,))
            continue
        if not is_generated(doc.text):
            yield Hit("hand-written document at the export path: not judged and never replaced by "
                      "`workbench export`; export elsewhere (`--out DIR`, or `export.out` in "
                      "decisions/workspace.yaml) or replace it with `workbench export --force`", rel, 1, (name,),
                      "info")
            continue
        if doc.text == text:
            continue
        first, excerpt, total = diff_excerpt(doc.text.split("\n"), text.split("\n"))
        more = [f"... {total - len(excerpt)} more changed line(s)"] if total > len(excerpt) else []
        yield Hit(f"differs from what `workbench export` writes ({total} changed line(s)); run `workbench export`:"
                  + "".join(f"\n  {changed}" for changed in excerpt + more), rel, first, (name,))


@rule("E002", "proto-stale", "export", "error")
def proto_stale(ctx: RuleContext) -> Iterator[Hit]:
    """With `wire.package` set, a generated .proto file or decisions/wire_lock.yaml differs from what `workbench
    export` writes now (a schema changed since the last export), is missing, or a generated file is left over
    from a schema no longer mapped. Missing files are a warning while nothing was exported yet; a hand-written
    file where a generated one belongs is an error (export never replaces it). A mapped schema that cannot be
    a message (its root is not an object with properties) is reported as info.

    Why it matters: the committed .proto files and lock are the wire contract other services compile against; stale
    ones ship messages that no longer match the schemas.

    How to fix: run `workbench export` and commit the result: the lock keeps every existing number.
    """
    ws = ctx.ws
    if not ws.config.wire.package:
        return
    plan = plan_of(ws)
    for s in plan.skipped:
        yield Hit(f"not mapped to a message: {s.reason}", s.schema, 1, (s.schema,), "info")
    texts = rendered(plan)
    committed = {t.path: t for t in ws.protos}
    exported = any(t.text is not None and is_generated(t.text) for t in ws.protos) or \
        ws.decisions.wire_lock is not None
    for rel, text in texts.items():
        have = committed.get(rel)
        if have is None:
            yield Hit(f"missing: run `workbench export` to write it ({plan.package})" if exported else
                      "not exported yet: run `workbench export` to write the wire contract", rel, None, (rel,),
                      None if exported else "warning")
        elif have.text is not None and not is_generated(have.text):
            yield Hit("hand-written file at a path `workbench export` generates (it declares no message a mapped "
                      "schema maps to, so export will not replace it): move it, or name its message like the "
                      "schema's to have it checked instead of generated", rel, 1, (rel,))
        elif have.text is not None and have.text != text:
            first, excerpt, total = diff_excerpt(have.text.split("\n"), text.split("\n"))
            more = [f"... {total - len(excerpt)} more changed line(s)"] if total > len(excerpt) else []
            yield Hit(f"differs from what `workbench export` writes ({total} changed line(s)); run `workbench "
                      "export`:" + "".join(f"\n  {c}" for c in excerpt + more), rel, first, (rel,))
    for t in ws.protos:
        if t.path not in texts and t.text is not None and is_generated(t.text):
            yield Hit("generated, but no mapped schema produces it any more: `workbench export` removes it", t.path,
                      1, (t.path,))
    lock = ws.decisions.wire_lock
    if lock is None:
        if exported or plan.files:
            yield Hit("missing: `workbench export` writes the field-number lock" if exported else
                      "not exported yet: run `workbench export` to write the field-number lock", plan.lock.path,
                      None, (plan.lock.path,), None if exported else "warning")
    elif lock != plan.lock:
        changed = sorted({t.name for t in plan.lock.types} ^ {t.name for t in lock.types}
                         | {t.name for t in plan.lock.types if t != lock.of(t.name)})
        yield Hit(f"differs from what `workbench export` writes ({len(changed)} type(s): "
                  f"{', '.join(changed[:5])}{', ...' if len(changed) > 5 else ''}); run `workbench export`",
                  lock.path, 1, (lock.path,))
