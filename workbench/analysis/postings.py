"""`Postings`: what each schema's facts list under a key (a field name, a sub-schema's key), gathered over a
workspace and kept between snapshots of it: a re-check reads again only the schemas whose facts changed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

from .. import cache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
F = TypeVar("F")  # the facts of one schema (what `items` reads): compared by identity, never by value

_KEPT: dict[Hashable, Postings] = cache.memo("postings", 32)  # type: ignore[type-arg]
_LOCK = threading.Lock()  # guards _KEPT; each index has its own lock for its contents


class Postings(Generic[F, K, V]):
    """key -> [(schema path, a value its facts list under that key), ...], and the keys
    `selected` (by `wanted`, judged again only for keys an update touched; a key listed once never is: one
    definition cannot disagree, nor one place be copied). Hold `lock` while updating and
    reading: checks of two snapshots may run at once."""

    def __init__(self, items: Callable[[F], Iterable[tuple[K, V]]],
                 wanted: Callable[[K, list[tuple[str, V]]], bool]):
        self.items, self.wanted = items, wanted
        self.lock = threading.Lock()
        self.facts: dict[str, F] = {}  # schema path (or any name) -> the facts read from it, in the given order
        self.by_key: dict[K, list[tuple[str, V]]] = {}  # a list, not a dict per key: most keys have one
        self.selected: set[K] = set()
        self.read = 0  # schemas whose facts the last `update` read (every one the first time)

    def update(self, facts: dict[str, F]) -> None:
        """Make the postings those of `facts` (schema path -> facts), reading only what changed."""
        by_key, items = self.by_key, self.items
        first = not self.facts
        touched: set[K] = set()
        self.read = 0
        for path in [p for p in self.facts if p not in facts]:
            touched.update(self._drop(path))
        for path, current in facts.items():
            old = self.facts.get(path)
            if old is current:
                continue
            if old is not None:
                touched.update(self._drop(path))
            self.read += 1
            for key, value in items(current):
                posted = by_key.get(key)
                if posted is None:
                    by_key[key] = [(path, value)]
                else:
                    posted.append((path, value))
                if not first:
                    touched.add(key)
        self.facts = dict(facts)  # in the given order
        if first:
            self.selected = {key for key, posted in by_key.items() if len(posted) > 1 and self.wanted(key, posted)}
            return
        for key in touched:
            posted = by_key.get(key)
            if posted and len(posted) > 1 and self.wanted(key, posted):
                self.selected.add(key)
            else:
                self.selected.discard(key)

    def _drop(self, path: str) -> set[K]:
        keys = {key for key, _ in self.items(self.facts.pop(path))}
        for key in keys:
            kept = [entry for entry in self.by_key[key] if entry[0] != path]
            if kept:
                self.by_key[key] = kept
            else:
                del self.by_key[key]
        return keys

    def current(self, facts: dict[str, F], also: Iterable[K] = ()) -> dict[K, list[tuple[str, V]]]:
        """`update` to `facts`, then the postings (`listed`) of the selected keys and of those of `also`."""
        with self.lock:
            self.update(facts)
            return self.listed(self.selected.union(also))

    def listed(self, keys: Iterable[K]) -> dict[K, list[tuple[str, V]]]:
        """The postings of each of `keys` the index has: [(path, value), ...] in the order of the facts given
        to the last `update`."""
        order = {path: i for i, path in enumerate(self.facts)}
        return {key: sorted(self.by_key[key], key=lambda entry: order[entry[0]]) for key in keys if key in self.by_key}


def kept(name: Hashable, items: Callable[[F], Iterable[tuple[K, V]]],
         wanted: Callable[[K, list[tuple[str, V]]], bool]) -> Postings[F, K, V]:
    """The postings `name` (a workspace root and every setting `items` and `wanted` read) this process keeps
    (new ones the first time): bring them to a snapshot's facts with `current` (or `update`, under `lock`)."""
    with _LOCK:
        found: Postings[F, K, V] | None = _KEPT.get(name)
        if found is None:
            found = _KEPT[name] = Postings(items, wanted)
        return found
