"""Issue 15 (store side): a deleted record is only written whole again, modes are kept,
and an edit can be checked by the governance rules before it is saved."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from helpers_tui import assert_whole

from workbench import store
from workbench.loader import load_workspace
from workbench.pipeline import check_family_edit

GATE = "decisions/families/gate.yaml"


def test_the_store_never_writes_a_partial_record(root: Path) -> None:
    path = root / GATE
    rec = store.read_record(path)
    path.unlink()
    with pytest.raises(store.Conflict) as info:
        store.save_record(path, {"owner": "x"}, rec.fingerprint)
    assert info.value.deleted and "was deleted" in str(info.value)
    with pytest.raises(store.StoreError, match="refusing to create it with only owner"):
        store.save_record(path, {"owner": "x"}, info.value.current_fingerprint)
    assert not path.exists()
    store.save_record(path, {"owner": "x"}, store.ABSENT, recreate_from=rec)
    assert_whole(path, rec.text, "x")


def test_check_family_edit_compares_by_rule_and_message(root: Path) -> None:
    ws = load_workspace(root)
    rec = store.read_record(root / GATE)
    edit = store.FamilyEdit.from_data(rec.plain())
    found, new = check_family_edit(ws, "gate", edit)
    assert new == ()
    blank = store.FamilyEdit(**{**edit.__dict__, "owner": "", "stability_tier": ""})
    found, new = check_family_edit(ws, "gate", blank)
    assert sorted(f.message for f in new) == ["family 'gate' has no owner", "family 'gate' has no stability_tier"]
    assert {f.rule for f in new} == {"G002"}


def test_a_replaced_file_keeps_its_mode_and_a_new_one_gets_the_umask_default(root: Path) -> None:
    path = root / GATE
    os.chmod(path, 0o604)
    store.save_record(path, {"owner": "x"}, store.read_record(path).fingerprint)
    assert stat.S_IMODE(path.stat().st_mode) == 0o604
    old = os.umask(0o027)
    try:
        assert store.new_file_mode() == 0o640
        store.atomic_write(root / "decisions" / "new.yaml", "a: 1\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((root / "decisions" / "new.yaml").stat().st_mode) == 0o640
