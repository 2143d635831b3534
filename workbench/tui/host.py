"""What screens, widgets and commands need of the running app: a small protocol, so nothing below
`app.py` imports it (not even for types) and no screen reaches the app through `getattr`.

`WorkbenchApp` implements it; `tests/test_tui_host.py` holds it to that."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.binding import Binding

    from .view import Snapshot


class Host(Protocol):
    snapshot: Snapshot | None  # the checked snapshot: what actions act on
    preview: Snapshot | None  # the first load's snapshot while its check runs
    against: str  # the baseline of C001 and the compatibility page ("" for none)

    def reload(self, reason: str = "reload") -> None: ...

    def baseline_workspace(self, against: str) -> Any: ...

    async def action_mode(self, mode: str) -> None: ...

    def effective_key(self, binding: Binding) -> str: ...

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = True) -> None: ...

    async def run_action(self, action: Any, default_namespace: Any = None) -> bool: ...


class _InApp(Protocol):  # a screen, widget or command provider
    @property
    def app(self) -> Any: ...


def host(node: _InApp) -> Host:
    """The running app of a screen, widget or command provider, as the `Host` it is."""
    return cast(Host, node.app)
