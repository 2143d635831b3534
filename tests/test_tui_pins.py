"""Issue 26 in the TUI: pinned upstream schemas are marked in the tree, shown with their provenance,
and read-only (`o` does not hand them to an editor)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_pins import MANIFEST, PINNED, REPO, UPSTREAM, edit_one_byte, pinned_repo, sha
from helpers_tui import opened, plain, select

from workbench.loader import load_workspace
from workbench.pipeline import check
from workbench.tui.view import FAMILY, GROUP, SCHEMA, NodeRef, make_snapshot
from workbench.tui.view import PINNED as PINNED_GROUP
from workbench.tui.widgets.detail import render_detail

pytestmark = pytest.mark.anyio


def snapshot(root: Path):
    ws = load_workspace(root)
    return make_snapshot(ws, check(ws))


def names(specs) -> dict[tuple[str, str], str]:
    out, stack = {}, list(specs)
    while stack:
        spec = stack.pop()
        out[spec.ref.ident] = spec.name
        stack.extend(spec.children)
    return out


def test_the_tree_marks_pins_under_their_family_or_in_their_own_group(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    shown = names(snapshot(root).tree)
    assert shown[(SCHEMA, PINNED)] == "readthedocs (pinned)"  # under docs_config
    assert (GROUP, PINNED_GROUP) not in shown  # every pin is reused
    (root / "decisions/families/docs_config.yaml").unlink()
    snap = snapshot(root)
    shown = names(snap.tree)
    assert shown[(GROUP, PINNED_GROUP)] == "pinned upstream" and shown[(SCHEMA, PINNED)] == "readthedocs (pinned)"
    undecided = next(s for s in snap.tree if s.ref.ident == (GROUP, "undecided"))
    assert [c.ref.key for c in undecided.children] == []  # not undecided: upstream's
    assert "no family reuses" in plain(render_detail(snap, NodeRef(GROUP, PINNED_GROUP)))


def test_the_detail_shows_provenance_and_whether_the_file_is_the_pinned_one(tmp_path):
    root = pinned_repo(tmp_path / "repo")
    text = plain(render_detail(snapshot(root), NodeRef(SCHEMA, PINNED)))
    for expected in ("Pinned upstream contract", "read-only", REPO, UPSTREAM, "v2.1", f"{MANIFEST}:5",
                     "✓ matches the pin", f"pinned from {REPO}"):
        assert expected in text, expected
    assert f"pinned from {REPO}" in plain(render_detail(snapshot(root), NodeRef(FAMILY, "docs_config")))
    edit_one_byte(root / PINNED)
    text = plain(render_detail(snapshot(root), NodeRef(SCHEMA, PINNED)))
    assert f"✗ {sha((root / PINNED).read_bytes())}" in text and "update the pin" in text


async def test_o_does_not_open_a_pinned_schema_in_an_editor(tmp_path, monkeypatch):
    import workbench.tui.editor as editor

    root = pinned_repo(tmp_path / "repo")
    opened_files: list[str] = []
    monkeypatch.setattr(editor, "open_in_editor", lambda app, rel, line=None: opened_files.append(rel) or True)
    async with opened(root) as pilot:
        app = pilot.app
        await select(pilot, NodeRef(SCHEMA, "ssot/schemas/build.request.schema.json"))
        app.screen.query_one("#browse").focus()
        await pilot.press("o")
        await select(pilot, NodeRef(SCHEMA, PINNED))
        await pilot.press("o")
        await pilot.pause()
        assert opened_files == ["ssot/schemas/build.request.schema.json"]  # the local one only
        notes = [n.message for n in app._notifications]
        assert any("is pinned from" in m and "read-only" in m and MANIFEST in m for m in notes), notes
