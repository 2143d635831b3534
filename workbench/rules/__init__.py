"""Rules, one module per concern; importing a module registers its rules."""

from __future__ import annotations

import importlib

MODULES = (
    "load", "budget", "validity", "governance", "checklist_rules", "provenance", "invocation",
    "overlap", "duplication", "drift", "compatibility", "export_drift",
)


def load_rules() -> None:
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
