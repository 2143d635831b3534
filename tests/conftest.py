"""Shared fixtures (the repository root, a tiny workspace writer) and the `slow` marker of Pilot tests."""

from __future__ import annotations

import inspect
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers_ws import write

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """The CLI runs the tests start keep their disk cache in a temporary folder, never the user's (one per
    process: shared by the tests of a worker, as runs share it)."""
    os.environ["WORKBENCH_CACHE_DIR"] = tempfile.mkdtemp(prefix="workbench-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.get("WORKBENCH_CACHE_DIR", ""), ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test driving the app through Pilot (an async test) is `slow`: seconds of Textual each. The fast
    path (`make test-fast`) still proves the app starts and renders: test_tui_startup.py runs the real command
    in a terminal and the snapshot tests render every page, neither of them async."""
    for item in items:
        if isinstance(item, pytest.Function) and inspect.iscoroutinefunction(item.obj):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The project checkout (its shipped ssot/ + decisions/ are the M1 workspace)."""
    return REPO_ROOT


@pytest.fixture
def make_ws(tmp_path: Path) -> Callable[..., Path]:
    """Write files into tmp_path/ws (or `root`) with `helpers_ws.write` and return that root (indented
    JSON: one key per line, so line numbers in findings are meaningful)."""

    def make(files: dict[str, Any], root: Path | None = None) -> Path:
        root = root or tmp_path / "ws"
        root.mkdir(parents=True, exist_ok=True)
        return write(root, files)

    return make


@pytest.fixture
def anyio_backend() -> str:
    """The Pilot tests run on asyncio."""
    return "asyncio"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the TUI fixture workspace (tests/fixtures/tui_ws); test files may override it."""
    import shutil

    dest = tmp_path / "ws"
    shutil.copytree(Path(__file__).parent / "fixtures" / "tui_ws", dest)
    return dest
