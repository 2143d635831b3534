"""pin: upstream contracts pinned by hash (`pin_manifest.json`, read by `loader/pins.py`).

A pinned file is a copy of an upstream repository's artifact: it is never edited
here. Every finding names the artifact, where it comes from (repository, ref,
upstream path) and the families that depend on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Location
from ..model import Pin, Workspace
from .registry import Hit, RuleContext, rule

if TYPE_CHECKING:
    from ..analysis.refs import RefIndex

SHORT = 12  # hex digits of a hash in a message (the finding's data has all 64)


def depending_families(ws: Workspace, refs: RefIndex) -> dict[str, list[str]]:
    """Pinned file path -> ids of the families depending on it (sorted): those listing it in `schemas`,
    and those whose schemas reach it through `$ref` (one `$ref` closure per family schema)."""
    pinned = {a.path for pm in ws.pins for a in pm.artifacts}
    found: dict[str, set[str]] = {p: set() for p in pinned}
    for fam in ws.families:
        for path in fam.schemas:
            if path in found:
                found[path].add(fam.id)
            if (s := ws.schema(path)) is not None:
                for doc in refs.closure(s):
                    if doc.path in found:
                        found[doc.path].add(fam.id)
    return {p: sorted(ids) for p, ids in found.items()}


def _dependents(ctx: RuleContext) -> dict[str, list[str]]:
    """`depending_families`, computed once per check (only when a pin has a finding)."""
    found: dict[str, list[str]] | None = ctx.__dict__.get("_pin_dependents")
    if found is None:
        found = ctx.__dict__["_pin_dependents"] = depending_families(ctx.ws, ctx.refs)
    return found


def _families(ids: list[str]) -> str:
    return f"families depending on it: {', '.join(ids)}" if ids else "no family depends on it"


def _data(pin: Pin, families: list[str]) -> dict[str, object]:
    return {"repository": pin.repository, "ref": pin.ref, "upstream_path": pin.upstream_path,
            "manifest": pin.manifest, "sha256": pin.sha256, "actual": pin.actual, "families": families}


def _entry(pin: Pin) -> Location:
    """The artifact's entry in its manifest."""
    return Location(pin.manifest, pin.line)


def pins(ws: Workspace) -> Iterator[Pin]:
    for manifest in ws.pins:
        yield from manifest.artifacts


@rule("U001", "pin-hash-mismatch", "pin", "error")
def pin_hash_mismatch(ctx: RuleContext) -> Iterator[Hit]:
    """A pinned file's bytes do not hash to the SHA-256 its `pin_manifest.json`
    records: the copy of the upstream artifact was edited locally (or replaced
    without updating the pin). A file that differs only in CRLF/LF line ends was
    converted by a checkout, and the finding says so (mark the pin folder `-text`
    in .gitattributes). The finding names the upstream source and every family
    that reuses the file or reaches it through `$ref`.

    Why it matters: a pinned file is the upstream repository's contract; an edited copy means the families reusing
    it check against something upstream never published.

    How to fix: never edit it here: revert the file, or update the pin (copy the artifact from upstream at the new
    ref and record its hash in the manifest; with `--against`, C001 then judges what the new version changes for the
    families reusing it).
    """
    for pin in pins(ctx.ws):
        if pin.actual is None or pin.verified:
            continue
        families = _dependents(ctx)[pin.path]
        if pin.line_endings_only:
            what = ("differs from its pin only in line endings (CRLF/LF): a checkout converted it; mark the pin "
                    "folder `-text` in .gitattributes and check it out again")
        else:
            what = "was edited locally; do not edit a pinned file: revert it, or update the pin from upstream"
        yield Hit(f"pinned file {pin.path} {what} (SHA-256 {pin.actual[:SHORT]}..., the pin in {pin.manifest} "
                  f"records {pin.sha256[:SHORT]}..., upstream {pin.origin}); {_families(families)}",
                  pin.path, 1, (pin.path,), data=_data(pin, families), related=(_entry(pin),))


@rule("U002", "pinned-file-missing", "pin", "error")
def pinned_file_missing(ctx: RuleContext) -> Iterator[Hit]:
    """An artifact listed in a `pin_manifest.json` is not there (or cannot be read:
    a link out of the root, a file over `limits.max_file_bytes`): whatever depends
    on the upstream contract has nothing to check against.

    Why it matters: whatever depends on the upstream contract has nothing to check against.

    How to fix: copy the artifact from upstream (its source path is in the entry), or remove the entry when the pin
    is no longer wanted.
    """
    for pin in pins(ctx.ws):
        if pin.actual is not None:
            continue
        families = _dependents(ctx)[pin.path]
        why = pin.error if pin.error == "does not exist" else f"cannot be read ({pin.error})"
        yield Hit(f"pinned file {pin.path} {why} (pinned in {pin.manifest} from upstream {pin.origin}); "
                  f"copy it from upstream or remove the entry; {_families(families)}",
                  pin.manifest, pin.line, (pin.path,), data=_data(pin, families))


@rule("U003", "pin-folder-unlisted-file", "pin", "warning")
def pin_folder_unlisted_file(ctx: RuleContext) -> Iterator[Hit]:
    """A file in a pin folder (the folder of a `pin_manifest.json`) that no entry of
    the manifest pins: it looks like an upstream artifact, but nothing records where
    it comes from or checks its hash.

    Why it matters: it looks like an upstream artifact, but nothing records where it comes from or checks its hash.

    How to fix: pin it (an entry with its local path, upstream path and SHA-256) or move it out of the pin folder.
    """
    for manifest in ctx.ws.pins:
        for path in manifest.unlisted:
            yield Hit(f"{path} is in the pin folder {manifest.folder} (upstream {manifest.repository}) but no entry "
                      f"of {manifest.path} pins it: pin it (upstream path and SHA-256) or move it out of the folder",
                      path, 1, (path,), related=(Location(manifest.path, 1),))
