"""Issue 15, "act on a finding": the detail view, the triage dialogs, scoped and sorted findings,
the tree filter, $EDITOR, baselined findings dimmed, the compatibility page (Pilot, on copies)."""

from __future__ import annotations

import contextlib
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from helpers_tui import FIXTURE, GATE, SIZE, open_finding, opened, plain, select, settle, until
from textual.widgets import Input, OptionList, Select

from workbench import store
from workbench.cli import main as cli_main
from workbench.loader import load_workspace
from workbench.pipeline import check
from workbench.rules.registry import get_rule
from workbench.tui.app import WorkbenchApp
from workbench.tui.editor import editor_argv
from workbench.tui.screens.compat import AgainstScreen, CompatScreen
from workbench.tui.screens.conflict import ConflictScreen
from workbench.tui.screens.finding import FindingScreen
from workbench.tui.screens.main import MainScreen
from workbench.tui.screens.triage import (
    AssignFamilyScreen,
    BaselineScreen,
    NewFamilyScreen,
    WaiverScreen,
)
from workbench.tui.view import FAMILY, INTENT, SCHEMA, NodeRef
from workbench.tui.widgets.browse import BrowseTree
from workbench.tui.widgets.findings import FindingsPanel, FindingsTable

pytestmark = pytest.mark.anyio

REVIEW = "ssot/schemas/gate.review.schema.json"  # an undecided near copy of gate.decision: O001 with gate
GATE_SCHEMA = "ssot/schemas/gate.decision.schema.json"
BAD_EXAMPLE = "ssot/examples/gate.decision/bad_verdict.json"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_root(dest: Path) -> Path:
    shutil.copytree(FIXTURE, dest)
    body = json.loads((dest / GATE_SCHEMA).read_text())
    body["title"] = "Gate review"
    (dest / REVIEW).write_text(json.dumps(body, indent=2) + "\n")
    return dest


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path / "ws")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                    *args], cwd=root, check=True, capture_output=True)


def breaking_repo(root: Path) -> Path:
    """`root` as a git repo whose work tree drops a verdict value of the stable gate schema."""
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    path = root / GATE_SCHEMA
    body = json.loads(path.read_text())
    body["properties"]["verdict"]["enum"] = ["pass", "fail"]
    path.write_text(json.dumps(body, indent=2) + "\n")
    return root


def finding(app, rule: str, path: str | None = None):
    return next(f for f in app.snapshot.result.findings if f.rule == rule and (path is None or f.path == path))


async def open_rule(pilot, rule: str, path: str | None = None) -> FindingScreen:
    """The details of the first `rule` finding (in `path`), opened from the findings table."""
    return await open_finding(pilot, lambda f: f.rule == rule and (path is None or f.path == path))


def detail_text(screen: FindingScreen) -> str:
    return plain(screen.query_one("#finding-text").content)


def footer_keys(app) -> dict[str, str]:
    return {b.key: b.description for _k, (_ns, b, enabled, _t) in app.screen.active_bindings.items()
            if b.show and enabled}


def visible_idents(app) -> set[tuple[str, str]]:
    tree = app.screen.query_one(BrowseTree)
    out, stack = set(), list(tree.root.children)
    while stack:
        node = stack.pop()
        out.add(node.data.ident)
        stack.extend(node.children)
    return out


# ---------------------------------------------------------------------- 1. the detail view


async def test_detail_view_shows_message_explanation_locations_and_status(root: Path) -> None:
    app = WorkbenchApp(root, watch=False)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        f = finding(app, "O001", REVIEW)
        screen = await open_rule(pilot, "O001", REVIEW)
        text = detail_text(screen)
        assert f.message.split(";")[0] in text.replace("\n", " ")
        assert "Rule O001" in text
        assert " ".join(get_rule("O001").explanation.split()[:8]) in " ".join(text.split())
        assert "baselined" in text and "waiver" in text
        options = screen.query_one("#finding-locations", OptionList)
        locations = [plain(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert len(locations) == len(f.locations) == 2
        assert locations[0].startswith(f"{REVIEW}:1") and "reported here" in locations[0]
        assert locations[1].startswith(f.related[0].text()) and "family gate" in locations[1]
        # the keys that apply here are in the footer: the schema is undecided, the finding a warning
        keys = footer_keys(app)
        assert {"o", "y", "w", "B", "plus", "n"} <= set(keys), keys
        await pilot.press("y")
        assert copied == [f"{REVIEW}:1"]
        await pilot.press("down", "y")  # the related location
        assert copied[-1] == f.related[0].text()
        await pilot.press("enter")  # go to it: the tree moves to the gate family
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        tree = app.screen.query_one(BrowseTree)
        assert tree.has_focus and tree.cursor_node.data.ident == (FAMILY, "gate")


async def test_detail_view_of_a_compatibility_change_shows_old_and_new(tmp_path: Path) -> None:
    root = breaking_repo(make_root(tmp_path / "ws"))
    app = WorkbenchApp(root, watch=False, against="HEAD")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        c001 = [f for f in app.snapshot.result.findings if f.rule == "C001"]
        assert len(c001) == 1 and c001[0].severity == "error", [f.message for f in c001]
        screen = await open_rule(pilot, "C001")
        text = detail_text(screen)
        data = c001[0].data
        assert "Compatibility change" in text
        for key in ("change", "pointer", "old", "new", "breaks", "mode", "breaking"):
            assert key in text, key
        assert str(data["old"]) in text and str(data["new"]) in text and data["mode"] in text
        assert "Change kinds" in text  # C001's details, as `workbench explain C001` prints them


# ---------------------------------------------------------------------- 2. acting on it


async def test_create_a_family_from_an_undecided_schema(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        await select(pilot, NodeRef(SCHEMA, REVIEW))
        assert app.screen.check_action("new_family", ()) and app.screen.check_action("assign", ())
        assert "+ add it to a family" in plain(app.screen.query_one("#detail-body").content)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewFamilyScreen)
        assert form.focused is form.query_one("#field-family")  # the dialog opens on its first field
        assert form.query_one("#field-family", Input).value == "gate_review"
        assert form.query_one("#field-schemas", Input).value == REVIEW
        assert form.query_one("#field-alternatives_considered", Input).value == "gate"  # the O001 family
        assert form.query_one("#field-intent_class", Select).value in app.snapshot.ws.config.intent_classes
        # an existing id is refused, nothing written
        form.query_one("#field-family", Input).value = "gate"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NewFamilyScreen)
        assert "exists already" in plain(form.query_one("#error-family").content)
        form.query_one("#field-family", Input).value = "gate_review"
        form.query_one("#field-intent_class", Select).value = "status"
        form.query_one("#field-owner", Input).value = "contracts-core"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        path = root / "decisions/families/gate_review.yaml"
        assert path.is_file()
        ws = load_workspace(root)
        assert not ws.problems, ws.problems
        assert not [f for f in check(ws).findings if f.rule == "L001"]
        fam = ws.family("gate_review")
        assert fam.schemas == (REVIEW,) and fam.alternatives_considered == ("gate",)
        assert fam.intent_class == "status" and fam.owner == "contracts-core" and not fam.guess
        # after the reload: no longer undecided, the selection followed the schema into its family
        assert app.snapshot.ws.family_of(REVIEW).id == "gate_review"
        assert not [f for f in app.snapshot.result.findings if f.rule == "G001" and f.path == REVIEW]
        node = app.screen.query_one(BrowseTree).cursor_node
        assert node.data.ident == (SCHEMA, REVIEW) and node.parent.data.ident == (FAMILY, "gate_review")
        assert app.screen._undecided() is None  # decided now: + and n say so instead


async def test_assign_a_schema_to_an_existing_family(root: Path) -> None:
    app = WorkbenchApp(root, watch=False)
    before = (root / GATE).read_text()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, NodeRef(SCHEMA, REVIEW))
        await pilot.press("plus")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AssignFamilyScreen)
        assert form.focused is form.query_one("#field-family")
        assert form.query_one("#field-family", Select).value == "gate"  # the family it overlaps
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    text = (root / GATE).read_text()
    assert f"  - {REVIEW}\n" in text
    assert text.replace(f"  - {REVIEW}\n", "") == before  # comments, unknown keys: all kept
    assert load_workspace(root).family("gate").schemas == (GATE_SCHEMA, REVIEW)
    assert app.snapshot.ws.family_of(REVIEW).id == "gate"


async def test_assign_over_a_family_record_changed_on_disk_asks_then_keeps_both(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        await select(pilot, NodeRef(SCHEMA, REVIEW))
        await pilot.press("plus")
        await pilot.pause()
        path = root / GATE
        path.write_text(path.read_text().replace("owner: contracts-core", "owner: someone-else"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConflictScreen)
        assert (root / GATE).read_text().count(REVIEW) == 0  # nothing written yet
        await pilot.press("o")  # add mine to the file as it is now
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    text = path.read_text()
    assert "owner: someone-else" in text and REVIEW in text


async def test_waive_a_finding_of_a_family_writes_the_family_record(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        screen = await open_rule(pilot, "V002")
        await pilot.press("w")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, WaiverScreen) and form.label == GATE
        assert form.focused is form.query_one("#field-reason")  # the one field without a default
        assert form.query_one("#field-subject", Select).value == BAD_EXAMPLE  # the most specific name
        await pilot.press("ctrl+s")  # no reason: refused
        await pilot.pause()
        assert isinstance(app.screen, WaiverScreen)
        assert "required" in plain(form.query_one("#error-reason").content)
        form.query_one("#field-reason", Input).value = "kept to show a bad verdict [on purpose]"
        form.query_one("#field-expires", Input).value = "2020-01-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "has passed" in plain(form.query_one("#error-expires").content)
        form.query_one("#field-expires", Input).value = "2099-12-31"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # back in the detail view, which follows the reload
        now = finding(app, "V002")
        assert now.severity == "info" and "kept to show a bad verdict [on purpose]" in now.note
        text = detail_text(screen)
        assert "waived in decisions/families/gate.yaml: kept to show a bad verdict [on purpose]" in text
        assert "w" not in footer_keys(app)  # waived already
    fam = load_workspace(root).family("gate")
    assert [(w.rule, w.subject, w.expires) for w in fam.waivers] == [("V002", BAD_EXAMPLE, "2099-12-31")]


async def test_waive_a_finding_of_an_undecided_schema_writes_waivers_yaml(root: Path) -> None:
    app = WorkbenchApp(root, watch=False)
    assert not (root / "decisions/waivers.yaml").exists()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_rule(pilot, "G001", "ssot/schemas/odd.title.schema.json")
        await pilot.press("w")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, WaiverScreen) and form.label == "decisions/waivers.yaml"
        form.query_one("#field-reason", Input).value = "decided in M2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FindingScreen)
        now = finding(app, "G001", "ssot/schemas/odd.title.schema.json")
        assert now.severity == "info" and now.note == "waived in decisions/waivers.yaml: decided in M2"
    ws = load_workspace(root)
    assert not ws.problems
    assert [(w.rule, w.subject) for w in ws.decisions.waivers] == [("G001", "odd.title")]


async def test_baseline_a_finding_dims_it_and_check_ignores_it(root: Path) -> None:
    assert cli_main(["--check", "--root", str(root), "--select", "V002"]) == 1
    async with opened(root) as pilot:
        app = pilot.app
        screen = await open_rule(pilot, "V002")
        await pilot.press("B")
        await pilot.pause()
        assert isinstance(app.screen, BaselineScreen)
        assert app.screen.focused is app.screen.query_one("#save")  # nothing to type: the button
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        now = finding(app, "V002")
        assert now.baselined and now.severity == "error"
        assert "yes: accepted in decisions/baseline.yaml" in detail_text(screen)
        assert "B" not in footer_keys(app)  # baselined already
        await pilot.press("escape")
        await pilot.pause()
        panel = app.screen.query_one(FindingsPanel)
        table = app.screen.query_one(FindingsTable)
        row = next(i for i, f in enumerate(panel.shown) if f.rule == "V002")
        assert row == len(panel.shown) - 1  # after the findings that still count
        cells = table.get_row_at(row)
        assert all("dim" in str(cell.style) or any("dim" in str(s.style) for s in cell.spans) for cell in cells)
        assert cells[-1].plain.startswith("baselined · ")
    entries = load_workspace(root).decisions.baseline
    assert [(e.rule, e.subjects) for e in entries] == [("V002", ("gate.decision", BAD_EXAMPLE))]
    assert cli_main(["--check", "--root", str(root), "--select", "V002"]) == 0


async def test_a_failed_write_keeps_the_dialog_and_its_values(root: Path, monkeypatch) -> None:
    from workbench.store import triage as triage_store

    def refuse(*_args, **_kwargs):
        raise store.StoreError("disk full")

    monkeypatch.setattr(triage_store, "add_waiver", refuse)
    async with opened(root) as pilot:
        app = pilot.app
        await open_rule(pilot, "V002")
        await pilot.press("w")
        await pilot.pause()
        form = app.screen
        form.query_one("#field-reason", Input).value = "typed by hand"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and form.query_one("#field-reason", Input).value == "typed by hand"
        assert "disk full" in plain(form.query_one("#form-failure").content)
        await pilot.press("escape")  # typed values: asks before discarding
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen"


# ---------------------------------------------------------------------- $EDITOR


async def test_o_opens_the_finding_in_the_editor_and_reloads(root: Path, tmp_path: Path, monkeypatch) -> None:
    log = tmp_path / "editor.log"
    script = tmp_path / "fake-editor"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\n'
                      'for last; do :; done\nprintf \'\\n\' >> "$last"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    app = WorkbenchApp(root, watch=False)
    suspended: list[bool] = []

    @contextlib.contextmanager
    def suspend():  # the headless test driver cannot hand over a terminal
        suspended.append(True)
        yield

    app.suspend = suspend
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        f = finding(app, "V002")
        screen = await open_rule(pilot, "V002")
        generation = app.snapshot.generation
        await pilot.press("o")
        await settle(pilot)
        assert suspended == [True]
        assert log.read_text().splitlines() == [f"+{f.line}", str((root / f.path).resolve())]
        assert (root / f.path).read_text().endswith("}\n\n")  # the editor's change
        assert app.snapshot.generation > generation  # reloaded when the editor returned
        assert app.screen is screen
        # from the tree: a family record, no line
        await pilot.press("escape")
        await select(pilot, NodeRef(FAMILY, "gate"))
        await pilot.press("t", "o")
        await settle(pilot)
        assert log.read_text().splitlines() == [str((root / GATE).resolve())]
        await select(pilot, NodeRef(INTENT, "status"))
        assert "o" not in footer_keys(app)  # an intent class has no file


def test_editor_command_prefers_visual_then_editor_then_vi(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    assert editor_argv(path, 3, {"VISUAL": "code -w", "EDITOR": "nano"}) == ["code", "-w", "+3", str(path)]
    assert editor_argv(path, None, {"EDITOR": "nano"}) == ["nano", str(path)]
    assert editor_argv(path, 7, {}) == ["vi", "+7", str(path)]


# ---------------------------------------------------------------------- 3. scope, sort, tree filter


async def test_findings_are_scoped_to_the_node_with_a_toggle_and_a_sort(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        panel = app.screen.query_one(FindingsPanel)
        await select(pilot, NodeRef(FAMILY, "gate"))
        fam = app.snapshot.ws.family("gate")
        assert panel.scoped and set(panel.shown) == set(app.snapshot.index.of_family(fam))
        assert "family gate" in plain(panel.border_title)
        await select(pilot, NodeRef(SCHEMA, REVIEW))
        assert {f.rule for f in panel.shown} == {"D001", "G001", "O001", "V006"}  # D001: its `checks` item
        await pilot.press("a")
        await pilot.pause()
        every = app.snapshot.result.findings
        assert not panel.scoped and len(panel.shown) == len(every)
        assert "Findings · all · by severity" in plain(panel.border_title)
        ranks = {"error": 0, "warning": 1, "info": 2}
        assert [ranks[f.severity] for f in panel.shown] == sorted(ranks[f.severity] for f in panel.shown)
        await pilot.press("s")
        assert "by rule" in plain(panel.border_title)
        assert [f.rule for f in panel.shown] == sorted(f.rule for f in panel.shown)
        await pilot.press("s")
        assert "by file" in plain(panel.border_title)
        assert [f.path for f in panel.shown] == sorted(f.path for f in panel.shown)
        await pilot.press("s")
        assert "by severity" in plain(panel.border_title)
        await pilot.press("a")  # back to the node's findings
        await pilot.pause()
        assert panel.scoped and {f.rule for f in panel.shown} == {"D001", "G001", "O001", "V006"}


async def test_slash_filters_the_tree_too(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        tree = app.screen.query_one(BrowseTree)
        await select(pilot, NodeRef(FAMILY, "task_output"))
        everything = visible_idents(app)
        await pilot.press("slash", *"gate")
        await pilot.pause()
        shown = visible_idents(app)
        assert {(FAMILY, "gate"), (SCHEMA, GATE_SCHEMA), (SCHEMA, REVIEW)} <= shown
        assert (INTENT, "status") in shown and ("group", "undecided") in shown  # ancestors stay
        assert (FAMILY, "task_output") not in shown and (FAMILY, "skill_execute") not in shown
        assert (INTENT, "resource_spec") not in shown
        assert tree.cursor_node.data.ident == (FAMILY, "gate")  # the hidden selection moved to a match
        assert tree.find((SCHEMA, GATE_SCHEMA)).parent.is_expanded  # the way to every match is open
        assert "3 named" in plain(tree.border_title)
        await pilot.press(*"zzz")  # nothing is named so: the whole tree, and the title says so
        await pilot.pause()
        assert visible_idents(app) == everything and "none named" in plain(tree.border_title)
        app.screen.query_one("#filter-text", Input).value = ""
        await pilot.pause()
        assert visible_idents(app) == everything and tree.border_title is None
        assert tree.cursor_node.data.ident == (FAMILY, "task_output")  # back where it was


# ---------------------------------------------------------------------- 5. the compatibility page


async def test_compatibility_page_against_a_git_ref(tmp_path: Path) -> None:
    root = breaking_repo(make_root(tmp_path / "ws"))
    app = WorkbenchApp(root, watch=False, against="HEAD")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        page = app.screen
        assert isinstance(page, CompatScreen)
        assert await until(pilot, lambda: page.state == "done")
        assert len(page.rows) == 1
        row = page.rows[0]
        assert row.schema == GATE_SCHEMA and row.breaking and row.mode == "full" and row.breaks == "producers"
        assert "1 breaking" in plain(page.query_one("#compat-title").content)
        table = page.query_one("#compat-table")
        assert table.get_row_at(0)[0].plain == "BREAKING"
        detail = plain(page.query_one("#compat-detail-body").content)
        assert row.text in " ".join(detail.split()) or row.kind in detail
        # the same classification as `workbench diff`
        from workbench.baseline import load_baseline
        from workbench.rules.compatibility import judge

        verdicts = judge(load_workspace(root), load_baseline(root, "HEAD"))
        assert [(v.change.schema, v.change.kind, v.breaking) for v in verdicts] == [(r.schema, r.kind, r.breaking)
                                                                                   for r in page.rows]
        await pilot.press("enter")  # to the schema in the tree
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one(BrowseTree).cursor_node.data.ident == (SCHEMA, GATE_SCHEMA)


async def test_compatibility_ref_chosen_in_the_app(tmp_path: Path) -> None:
    root = breaking_repo(make_root(tmp_path / "ws"))
    async with opened(root) as pilot:
        app = pilot.app
        assert not [f for f in app.snapshot.result.findings if f.rule == "C001"]
        await pilot.press("v")
        await settle(pilot)
        page = app.screen
        assert page.state == "none"
        assert "no baseline" in plain(page.query_one("#compat-title").content)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AgainstScreen)
        await pilot.press(*"no-such-ref", "enter")
        await settle(pilot)
        assert await until(pilot, lambda: page.state == "failed")
        assert "no-such-ref" in plain(page.query_one("#compat-detail-body").content)
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one(Input).value = "HEAD"
        await pilot.press("enter")
        await settle(pilot)
        assert await until(pilot, lambda: page.state == "done" and len(page.rows) == 1)
        assert app.against == "HEAD"
        assert [f.rule for f in app.snapshot.result.findings if f.rule == "C001"] == ["C001"]  # C001 runs too


def test_cli_passes_against_to_the_tui(monkeypatch, tmp_path: Path) -> None:
    import sys

    from workbench.tui import app as app_module

    seen = {}

    class Fake:
        fatal = None

        def __init__(self, root, **kwargs):
            seen.update(kwargs, root=root)

        def run(self):
            return None

    monkeypatch.setattr(app_module, "WorkbenchApp", Fake)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert cli_main(["--root", str(tmp_path), "--against", "origin/main"]) == 0
    assert seen["against"] == "origin/main" and seen["against_dir"] is None


# ---------------------------------------------------------------------- help lists the new keys


async def test_help_lists_the_triage_keys(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        await pilot.press("question_mark")
        await pilot.pause()
        ids = {row[3].plain for row in app.screen.query_one("#help-table")._fit_rows}
        assert {"finding.goto", "finding.open", "finding.waive", "finding.baseline", "browse.assign",
                "browse.new_family", "browse.sort", "browse.all_findings", "triage.save", "compat.against",
                "workbench.compat", "findings.details"} <= ids


async def test_the_detail_view_says_when_an_action_fixed_its_finding(root: Path) -> None:
    async with opened(root) as pilot:
        app = pilot.app
        screen = await open_rule(pilot, "G001", REVIEW)
        assert {"plus", "n"} <= set(footer_keys(app))  # its schema is undecided
        await pilot.press("plus")
        await pilot.pause()
        assert isinstance(app.screen, AssignFamilyScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and screen.gone
        assert "no longer reports this finding" in detail_text(screen)
        keys = footer_keys(app)
        assert not {"plus", "n", "w", "B"} & set(keys)  # nothing left to act on
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
