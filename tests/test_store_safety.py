"""Issue #12 case 7: the store never loses an update, never leaves half a file or its temp
files behind, writes through links only inside the root, and reports OS errors as StoreError."""

from __future__ import annotations

import os
import random
import select
import shutil
import signal
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from workbench import store
from workbench.store import roundtrip, writer


def gate(root: Path) -> Path:
    return root / "decisions" / "families" / "gate.yaml"


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(store.TEMP_SUFFIX))


def test_an_editor_save_inside_the_write_window_is_a_conflict_not_overwritten(root, monkeypatch):
    """The editor saves after the store compared fingerprints and before it renames."""
    path = gate(root)
    rec = store.read_record(path)
    editor = path.read_text().replace("owner:", "# the editor's comment\nowner:")
    real_dump = roundtrip._dump

    def dump_then_editor_saves(doc):
        text = real_dump(doc)
        path.write_text(editor)  # lands in the window between the check and the rename
        return text

    monkeypatch.setattr(roundtrip, "_dump", dump_then_editor_saves)
    with pytest.raises(store.Conflict) as info:
        store.save_record(path, {"owner": "mine"}, rec.fingerprint)
    assert path.read_text() == editor
    assert "the editor's comment" in info.value.current_text
    assert temps(path.parent) == []


def _increment(path: Path, times: int) -> None:
    done = 0
    while done < times:
        rec = store.read_record(path)
        try:
            store.save_record(path, {"counter": int(rec.plain().get("counter") or 0) + 1}, rec.fingerprint)
        except store.Conflict:
            continue
        done += 1


# the children only call the store: xdist's own threads hold no lock they need
FORK_IN_A_THREADED_WORKER = "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"


@pytest.mark.slow
@pytest.mark.timing
@pytest.mark.filterwarnings(FORK_IN_A_THREADED_WORKER)
def test_concurrent_writers_lose_no_update(root):
    """4 processes x 40 read-increment-save cycles: every successful save counts."""
    path = gate(root)
    workers, times = 4, 40
    pids = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                _increment(path, times)
            except BaseException:
                code = 1
            os._exit(code)
        pids.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    assert codes == [0] * workers
    assert store.read_record(path).plain()["counter"] == workers * times
    assert temps(path.parent) == []


@pytest.mark.slow
@pytest.mark.timing
@pytest.mark.filterwarnings(FORK_IN_A_THREADED_WORKER)
def test_kill_9_during_saves_leaves_old_or_new_and_the_next_load_cleans_temps(root):
    """60 times: a child saves in a loop and is SIGKILLed inside a write (it reports each fsync
    through a pipe; the kill follows after a random 0-2 ms, so it lands before or after the
    rename; every other child pauses after its first report, so on a loaded machine too some
    kills land between the temp file and the rename). The file is always one complete
    version; the next load removes the temp files the kills left once they are stale."""
    path = gate(root)
    payload = "x" * 100_000
    store.save_record(path, {"payload": payload, "n": 0}, store.read_record(path).fingerprint)
    rng = random.Random(12)
    kills, left, deadline = 0, 0, time.monotonic() + 60
    while kills < 60 and time.monotonic() < deadline:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                real_fsync = os.fsync

                pause = kills % 2 == 0

                def reporting_fsync(fd, real_fsync=real_fsync, w=w):
                    nonlocal pause
                    real_fsync(fd)
                    os.write(w, b"!")
                    if pause:  # the first fsync is the temp file's, before the rename
                        pause = False
                        time.sleep(0.05)

                os.fsync = reporting_fsync
                while True:
                    rec = store.read_record(path)
                    store.save_record(path, {"n": rec.plain()["n"] + 1}, rec.fingerprint)
            finally:
                os._exit(0)
        os.close(w)
        ready, _, _ = select.select([r], [], [], 10)
        assert ready, "the saving child never reached a write"
        time.sleep(rng.uniform(0, 0.002))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(r)
        kills += 1
        left = max(left, len(temps(path.parent)))
        data = YAML(typ="safe").load(path.read_text())  # one complete version: parses, payload intact
        assert data["payload"] == payload and isinstance(data["n"], int)
    assert kills >= 50
    assert left > 0, "no kill landed between the temp file and the rename"
    for name in temps(path.parent):  # age what the kills left past the stale limit
        old = time.time() - writer.STALE_SECONDS - 5
        os.utime(path.parent / name, (old, old))
    store.read_record(path)
    assert temps(path.parent) == []


def test_fresh_temp_files_are_left_alone(root):
    folder = gate(root).parent
    (folder / f"{store.TEMP_PREFIX}gate.yaml.abc{store.TEMP_SUFFIX}").write_text("in flight")
    store.read_record(gate(root))
    assert temps(folder) == [f"{store.TEMP_PREFIX}gate.yaml.abc{store.TEMP_SUFFIX}"]


def test_a_linked_record_is_written_through_to_its_target_inside_the_root(root):
    target = root / "decisions" / "shared_gate.yaml"
    shutil.move(gate(root), target)
    gate(root).symlink_to(Path("..") / "shared_gate.yaml")
    rec = store.read_record(gate(root))
    store.save_record(gate(root), {"owner": "through-the-link"}, rec.fingerprint)
    assert gate(root).is_symlink()
    assert "owner: through-the-link" in target.read_text()


def test_a_record_linked_outside_the_root_is_refused(root, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("family: gate\n")
    gate(root).unlink()
    gate(root).symlink_to(outside)
    with pytest.raises(store.StoreError, match="gate.yaml: a symbolic link to outside the workspace root"):
        store.read_record(gate(root))
    with pytest.raises(store.StoreError, match="outside the workspace root"):
        store.save_record(gate(root), {"owner": "x"}, store.ABSENT)
    assert outside.read_text() == "family: gate\n"


def test_a_fifo_record_is_refused_without_blocking(root):
    path = gate(root)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(store.StoreError, match="FIFO"):
        store.read_record(path)


def test_every_os_error_is_a_store_error_naming_the_path(root, monkeypatch):
    path = gate(root)
    rec = store.read_record(path)
    lock = path.parent / f"{store.TEMP_PREFIX}gate.yaml.lock"
    lock.mkdir()  # the sidecar cannot be opened
    with pytest.raises(store.StoreError, match=r"cannot lock .*gate\.yaml: Is a directory"):
        store.save_record(path, {"owner": "x"}, rec.fingerprint)
    lock.rmdir()

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.tempfile, "mkstemp", no_space)
    with pytest.raises(store.StoreError, match=r"cannot write .*gate\.yaml: No space left on device"):
        store.save_record(path, {"owner": "x"}, rec.fingerprint)
