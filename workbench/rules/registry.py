"""The rule registry: small units with stable IDs, each yielding `Hit`s.

    @rule("V001", "schema-meta-invalid", "validity", "error")
    def meta(ctx):
        '''One-paragraph explanation shown by `workbench explain V001`.'''
        yield Hit("message", path, line, subjects)
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable, Iterable, NamedTuple

from ..findings import CATEGORIES, SEVERITIES


class Hit(NamedTuple):
    """What a rule reports; the engine adds the rule's id, category and severity."""

    message: str
    path: str
    line: int | None = None
    subjects: tuple[str, ...] = ()
    severity: str | None = None  # overrides the rule's default
    data: dict | None = None  # rule-specific structured fields (Finding.data)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    category: str
    severity: str
    explanation: str
    check: Callable[..., Iterable[Hit]]
    needs_baseline: bool = False  # runs only with `--against`
    details: tuple[str, ...] = ()  # extra lines for `workbench explain` (e.g. C001's change kinds)


_RULES: dict[str, Rule] = {}


def rule(rule_id: str, name: str, category: str, severity: str, *, needs_baseline: bool = False,
         details: tuple[str, ...] = ()):
    assert category in CATEGORIES and severity in SEVERITIES, (rule_id, category, severity)

    def register(fn: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        if rule_id in _RULES:
            raise ValueError(f"duplicate rule id {rule_id}")
        doc = inspect.cleandoc(fn.__doc__ or "")
        _RULES[rule_id] = Rule(rule_id, name, category, severity, " ".join(doc.split()), fn, needs_baseline,
                                 tuple(details))
        return fn

    return register


def all_rules() -> list[Rule]:
    from . import load_rules  # noqa: F401  (importing registers)

    load_rules()
    return sorted(_RULES.values(), key=lambda r: r.id)


def get_rule(rule_id: str) -> Rule | None:
    return {r.id: r for r in all_rules()}.get(rule_id.upper())
