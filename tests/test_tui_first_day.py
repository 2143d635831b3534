"""The TUI's rough edges of a first day (issue 23 item 4), one Pilot test each, on copies of the fixture:
the palette past a tree filter, the tick dialog's focus, counts that agree, a footer and a help table that fit
80 columns, the whole message in a baseline entry, G013 after a waiver, `n`'s intent class, the new-family
form's pre-check, and confirming an `init` draft from the edit form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_screen import footer_line, screen_lines
from helpers_tui import open_finding, opened, plain, select, settle, tree_labels, until
from textual.widgets import Footer, Input, Select, Switch

from workbench import store
from workbench.loader import load_workspace
from workbench.pipeline import check
from workbench.store.baseline import write_baseline
from workbench.tui.screens.checklist import ChecklistScreen
from workbench.tui.screens.confirm import ConfirmScreen
from workbench.tui.screens.edit_family import EditFamilyScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.main import MainScreen
from workbench.tui.screens.tick import TickScreen
from workbench.tui.screens.triage import BaselineScreen, NewFamilyScreen
from workbench.tui.view import FAMILY, SCHEMA, NodeRef
from workbench.tui.widgets.browse import BrowseTree
from workbench.tui.widgets.findings import FindingsPanel

pytestmark = pytest.mark.anyio

NARROW = (80, 24)
GATE_SCHEMA = "ssot/schemas/gate.decision.schema.json"
COPY = "ssot/schemas/copy.thing.schema.json"  # a copy of the status schema of family gate; its name says nothing


@pytest.fixture
def root(root: Path) -> Path:
    """conftest's copy of the TUI fixture, with a renamed copy of the gate's status schema."""
    body = json.loads((root / GATE_SCHEMA).read_text())
    body["title"] = "Copy thing"
    (root / COPY).write_text(json.dumps(body, indent=2) + "\n")
    return root


def tree_ident(app) -> tuple[str, str] | None:
    node = app.screen.query_one(BrowseTree).cursor_node
    return node.data.ident if node is not None and node.data is not None else None


# ---------------------------------------------------------------------- the palette past a filter


async def test_palette_go_to_family_clears_a_tree_filter_that_hides_it(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        await pilot.press("slash", *"skill")
        await pilot.pause()
        tree = app.screen.query_one(BrowseTree)
        assert tree.filtered and tree.find((FAMILY, "gate")) is None  # the filter hides gate
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Go to family gate")
        await pilot.pause(0.5)
        await pilot.press("enter")
        assert await until(pilot, lambda: isinstance(app.screen, MainScreen) and tree_ident(app) == (FAMILY, "gate"))
        assert app.screen.query_one("#filter-text", Input).value == ""
        assert not tree.filtered
        said = [n.message for n in app._notifications]
        assert any("Cleared the filter “skill”: it hid family gate" in m for m in said), said


# ---------------------------------------------------------------------- the tick dialog


async def test_the_tick_dialog_opens_on_the_switch_and_space_toggles_it(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        await pilot.press("down", "t")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, TickScreen)
        evidence = dialog.query_one("#tick-evidence", Input)
        before = evidence.value
        switch = dialog.query_one("#tick-done", Switch)
        assert dialog.focused is switch
        was = switch.value
        await pilot.press("space")
        await pilot.pause()
        assert switch.value is not was and evidence.value == before  # toggled; the evidence untouched


# ---------------------------------------------------------------------- counts


async def test_tree_badges_status_and_panel_count_baselined_findings_alike(root: Path) -> None:
    ws = load_workspace(root)
    write_baseline(root, check(ws, use_baseline=False).findings)  # `workbench baseline`
    async with opened(root) as pilot:
        app = pilot.app
        summary = app.snapshot.result.summary
        assert summary["baselined"] > 0 and summary["warning"] == summary["error"] == 0
        status = " ".join(screen_lines(app)[-2].split())
        assert f"●0 ▲0 ○{summary['info']} · {summary['baselined']} baselined" in status
        labels = tree_labels(app)
        assert not any("●" in label or "▲" in label for label in labels.values()), labels  # as the status bar
        await select(pilot, NodeRef(FAMILY, "gate"))
        panel = app.screen.query_one(FindingsPanel)
        accepted = sum(f.baselined for f in panel.shown)
        assert accepted and f"{accepted} baselined" in plain(app.screen.query_one("#filter-count").content)


# ---------------------------------------------------------------------- 80 columns


async def footer_keys_whole(pilot, *expected: str) -> list[str]:
    """Each key the footer holds, as it reads, once the footer shows them and the `expected` ones (it
    recomposes after a refresh); asserts the footer line shows every one whole."""
    app = pilot.app

    def keys() -> list[str]:
        return [f"{k.key_display} {k.description}".strip() for k in app.screen.query_one(Footer).query("FooterKey")]

    await until(pilot, lambda: bool(keys()) and all(k in footer_line(app) for k in (*keys(), *expected)))
    line = footer_line(app)
    for text in keys():
        assert text in line, (text, line)
    return keys()


async def test_the_footer_fits_80_columns_dropping_whole_keys(root: Path) -> None:
    async with opened(root, size=NARROW) as pilot:
        app = pilot.app
        keys = await footer_keys_whole(pilot, "? Help", "/ Filter")
        assert "? Help" in keys and "/ Filter" in keys
        await select(pilot, NodeRef(FAMILY, "gate"))
        await pilot.press("f")  # the findings table, a finding with a file under the cursor
        keys = await footer_keys_whole(pilot, "⏎ Details", "o Open")
        assert "⏎ Details" in keys and "o Open" in keys and "? Help" in keys
        await select(pilot, NodeRef(SCHEMA, COPY))  # an undecided schema: + and n are in the footer
        app.screen.query_one(BrowseTree).focus()
        keys = await footer_keys_whole(pilot, "+ Add to family", "n New family")
        assert "+ Add to family" in keys and "n New family" in keys, keys
        await pilot.press("n")
        await pilot.pause(0.3)
        assert isinstance(app.screen, NewFamilyScreen)
        assert "^s Save" in await footer_keys_whole(pilot, "^s Save")


async def test_the_footer_is_rebuilt_only_when_its_keys_change(root: Path, monkeypatch) -> None:
    """Textual signals a bindings change on every focus move: with the same keys to show it rebuilds
    nothing; focusing the findings table (other keys) rebuilds the footer once, and it shows them."""
    from workbench.tui.widgets.footer import WorkbenchFooter

    rebuilt: list[str] = []
    real = WorkbenchFooter.recompose

    async def counted(self):
        rebuilt.append(footer_line(self.app))
        await real(self)

    monkeypatch.setattr(WorkbenchFooter, "recompose", counted)
    async with opened(root) as pilot:
        app = pilot.app
        app.screen.query_one(BrowseTree).focus()
        await pilot.pause()
        rebuilt.clear()
        for _ in range(3):  # what every focus move makes Textual send: the keys are the same
            app.screen.refresh_bindings()
            await pilot.pause()
        assert rebuilt == [], rebuilt
        await pilot.press("f")  # the findings table: its own keys
        await pilot.pause()
        assert len(rebuilt) == 1 and "f Findings" in rebuilt[0] and "f Findings" not in footer_line(app)


async def test_help_at_80_columns_cuts_no_description(root: Path) -> None:
    async with opened(root, size=NARROW) as pilot:
        app = pilot.app
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table")
        for r in range(table.row_count):
            for col in (0, 2):  # where, does: whole, wrapped between words at most
                cell = table.get_row_at(r)[col].plain
                assert " ".join(cell.split()) == table._fit_rows[r][col].plain, cell
        await footer_keys_whole(pilot)


# ---------------------------------------------------------------------- the baseline entry


async def test_the_baseline_dialog_and_file_keep_the_whole_message(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        longest = max((f for f in app.snapshot.result.findings if f.severity != "info" and not f.baselined),
                      key=lambda f: len(f.message.split("\n", 1)[0]))
        message = longest.message.split("\n", 1)[0]
        assert len(message) > 160, message  # longer than the entries used to keep
        await open_finding(pilot, lambda f: f is longest or f == longest)
        await pilot.press("B")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, BaselineScreen)
        assert message in " ".join(plain(dialog.query_one("#baseline-entry").content, width=400).split())
        await pilot.press("ctrl+s")
        await settle(pilot)
    [entry] = [e for e in store.read_record(root / "decisions/baseline.yaml").plain()["findings"]
               if e["rule"] == longest.rule]
    assert entry["message"] == message


def test_g013_after_waiving_a_baselined_finding_says_a_waiver_covers_it(root: Path) -> None:
    ws = load_workspace(root)
    [v006] = [f for f in check(ws, use_baseline=False).findings if f.rule == "V006" and f.path == COPY]
    write_baseline(root, [v006])
    (root / "decisions/waivers.yaml").write_text(
        "waivers:\n  - rule: V006\n    subject: copy.thing\n    reason: example pending\n")
    found = check(load_workspace(root)).findings
    [gone] = [f for f in found if f.rule == "G013"]
    assert "no longer occurs" not in gone.message
    assert "is not needed: a waiver covers the finding" in gone.message and "example pending" in gone.message
    assert [f.severity for f in found if f.rule == "V006" and f.path == COPY] == ["info"]


# ---------------------------------------------------------------------- a new family from a copy


async def test_n_on_a_copy_of_a_status_schema_guesses_the_class_of_the_family_it_overlaps(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        assert [f.families for f in app.snapshot.result.findings if f.rule == "O001" and COPY in f.schemas]
        await select(pilot, NodeRef(SCHEMA, COPY))
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewFamilyScreen)
        assert form.query_one("#field-intent_class", Select).value == "status"  # gate's, not resource_spec
        assert form.query_one("#field-alternatives_considered", Input).value == "gate"


async def test_the_new_family_form_runs_the_g003_pre_check(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        await select(pilot, NodeRef(SCHEMA, COPY))
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        form.query_one("#field-decision", Select).value = "new"  # and no rationale, no downstream consumers
        await pilot.press("ctrl+s")
        assert await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Create copy_thing with" in plain(app.screen.query_one(".dialog-title").render())
        assert "G003" in plain(form.query_one("#new-family-check-body").content, width=400)
        target = root / "decisions/families/copy_thing.yaml"
        assert not target.exists()  # asked first
        await pilot.press("escape")  # keep editing
        assert await until(pilot, lambda: app.screen is form)
        assert not target.exists()
        await pilot.press("ctrl+s")
        assert await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        app.screen.query_one("#confirm-yes").press()
        await settle(pilot)
        assert target.is_file()
        assert isinstance(app.screen, MainScreen)


# ---------------------------------------------------------------------- confirming a draft


async def test_saving_an_init_draft_from_the_edit_form_removes_guess_and_its_header(root: Path) -> None:
    from workbench.init import FAMILY_HEADER

    path = root / "decisions/families/gate.yaml"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(FAMILY_HEADER + "".join(lines[1:]) + "guess: true\n")
    assert load_workspace(root).family("gate").guess
    async with opened(root) as pilot:
        app = pilot.app
        await select(pilot, NodeRef(FAMILY, "gate"))
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, EditFamilyScreen)
        form.query_one("#field-owner", Input).value = "platform"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    text = path.read_text()
    assert "guess" not in text and "GUESS" not in text and text.startswith("family: gate\n"), text
    assert "x_review_note: keep me   # unknown key" in text  # the rest of the record as it was
    fam = load_workspace(root).family("gate")
    assert not fam.guess and fam.owner == "platform"
