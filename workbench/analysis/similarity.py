"""Structural similarity between schemas, for the overlap rule (O001/O002).

Each schema is a set of leaves (instance path, type signature after `$ref`
resolution; see `fields.own_leaves`). Two schemas are compared by aligning their
leaves the way a reviewer would:

1. same name and same signature (quality 1.0), wherever they are nested;
2. same *distinctive* signature (a pattern, enum, const or non-timestamp format)
   under another name: a renamed field (0.9); two references to shared library
   definitions are not renames of each other (`strategy_id` is not `profile_id`);
3. same name, different signature: the same concept, drifted (0.5);
4. inside two objects already paired by at least two matches above (or by a
   paired parent), remaining fields with equal signatures: renamed fields of a
   corresponding object (0.7); such objects are paired themselves (0.7).

Every leaf weighs its inverse document frequency across the workspace's units
(families, or undecided schemas), so fields many units share weigh ~0; generic
names (id, name, status, version, timestamps, ...) and identifiers taken from a
shared `$defs` library are damped further. The score is the mean of weighted
Jaccard and weighted containment. Only candidate pairs are scored: units that
share at least two rare features in an inverted index; never all pairs.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict, deque
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations
from operator import itemgetter
from typing import Any, TypeVar

from .. import cache
from ..model import SchemaDoc
from . import postings
from .fields import Facts, Feature, Leaf, Structure
from .postings import Postings

GENERIC_WEIGHT, SHARED_WEIGHT = 0.1, 0.3
EXACT, RENAMED, DRIFTED, STRUCTURAL = 1.0, 0.9, 0.5, 0.7
MIN_CAP = 8  # features shared by more than max(MIN_CAP, 2*sqrt(units)) units are too common to propose pairs


@dataclass
class Prepared:
    """One schema's leaves with per-check weights and lookup tables for alignment."""

    schema: SchemaDoc
    unit: str
    leaves: tuple[Leaf, ...]
    weights: list[float]
    total: float
    # leaf indexes by (name, signature), distinctive core, non-generic name, parent path; first leaf per path
    by_exact: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    by_core: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_parent: dict[tuple[str, ...], list[int]] = field(default_factory=lambda: defaultdict(list))
    by_path: dict[tuple[str, ...], int] = field(default_factory=dict)
    # leaf index -> (its owner field, its containers: itself, its items, its values; which hold leaves),
    # filled as leaves get matched (a schema is aligned with many others in one check)
    containers: dict[int, tuple[int | None, tuple[tuple[str, ...], ...], tuple[bool, ...]]] = field(
        default_factory=dict)

    def __post_init__(self) -> None:
        for i, leaf in enumerate(self.leaves):
            self.by_exact[(leaf.name, leaf.sig)].append(i)
            if leaf.distinctive:
                self.by_core[leaf.core].append(i)
            if not leaf.generic:
                self.by_name[leaf.name].append(i)
            self.by_parent[leaf.parent].append(i)
            self.by_path.setdefault(leaf.path, i)

    @cached_property
    def digest(self) -> str:
        """Its leaves' content hash: an alignment depends on the two schemas' leaves alone (the disk cache key)."""
        return hashlib.sha256(repr(self.leaves).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Match:
    a: Leaf
    b: Leaf
    quality: float


@dataclass(frozen=True)
class Overlap:
    """The best-overlapping schema pair of two units."""

    unit_a: str
    unit_b: str
    schema_a: SchemaDoc
    schema_b: SchemaDoc
    score: float
    leaves_a: tuple[Leaf, ...]
    leaves_b: tuple[Leaf, ...]
    pairs: list[tuple[int, int, float]]  # (leaf of a, leaf of b, quality) as aligned

    @cached_property
    def matches(self) -> tuple[Match, ...]:
        """The aligned leaves, by path in `schema_a` (built only for the overlaps reported)."""
        la, lb = self.leaves_a, self.leaves_b
        return tuple(sorted((Match(la[i], lb[j], q) for i, j, q in self.pairs), key=lambda m: m.a.path))

    @property
    def shared(self) -> int:
        """Aligned fields that are not generic on either side."""
        la, lb = self.leaves_a, self.leaves_b
        return sum(1 for i, j, _ in self.pairs if not (la[i].generic or lb[j].generic))


# a unit's overlap features, and the signatures of its generic fields (not features, but weighed too)
UnitFeatures = tuple[frozenset[Feature], frozenset[Feature]]
_UNITS: dict[str, tuple[tuple[Facts, ...], UnitFeatures]] = cache.memo("similarity.units", 200_000)


def _unit_features(key: str, facts: tuple[Facts, ...]) -> UnitFeatures:
    """The features of a unit made of schemas with these facts (the same object while they are unchanged)."""
    hit = _UNITS.get(key)
    if hit is not None and len(hit[0]) == len(facts) and all(a is b for a, b in zip(hit[0], facts, strict=True)):
        return hit[1]
    found = (facts[0].features if len(facts) == 1 else frozenset().union(*(f.features for f in facts)),
             frozenset(("f", x.name, x.sig) for f in facts for x in f.leaves if x.generic))
    _UNITS[key] = (facts, found)
    return found


def _posted(unit: UnitFeatures) -> Iterator[tuple[Feature, None]]:
    """Its features, then its generic fields' signatures as ("g", "f", name, signature): counted, never paired."""
    for feat in unit[0]:
        yield feat, None
    for feat in unit[1]:
        yield ("g", *feat), None


class Scorer:
    """Weights and candidate pairs for one workspace's units. `kept` names the feature index this process
    keeps for the workspace (a re-check then reads only the units whose facts changed); None builds one."""

    def __init__(self, st: Structure, units: Iterable[tuple[str, Sequence[SchemaDoc]]],
                 kept: tuple[Hashable, ...] | None = None):
        self.units = {key: list(schemas) for key, schemas in units}
        facts = {s.path: st.facts(s) for schemas in self.units.values() for s in schemas}
        self.leaves = {path: f.leaves for path, f in facts.items()}
        self.n = len(self.units)
        cap = max(MIN_CAP, int(2 * math.sqrt(self.n)))
        by_unit = {key: _unit_features(key, tuple(facts[s.path] for s in self.units[key]))
                   for key in sorted(self.units)}

        def few(key: Feature, posted: list[tuple[str, None]]) -> bool:  # (a unit lists a feature once)
            return key[0] != "g" and 1 < len(posted) <= cap

        index: Postings[UnitFeatures, Feature, None] = (
            postings.kept((*kept, cap), _posted, few) if kept is not None else Postings(_posted, few))
        with index.lock:
            index.update(by_unit)
            pairs: Counter[tuple[str, str]] = Counter()
            for feat in index.selected:
                pairs.update(combinations(sorted(unit for unit, _ in index.by_key[feat]), 2))
            self._candidates = sorted(pair for pair, count in pairs.items() if count >= 2)
            # document frequencies of the leaves the candidates weigh: units with the feature
            paired = {key for pair in self._candidates for key in pair}
            wanted = {("f", x.name, x.sig) for key in paired for s in self.units[key] for x in self.leaves[s.path]}
            self.df = {f: len(index.by_key.get(f, ())) + len(index.by_key.get(("g", *f), ())) for f in wanted}
        self._prepared: dict[str, Prepared] = {}

    def weight(self, leaf: Leaf) -> float:
        idf = math.log((self.n + 1) / max(1, self.df[("f", leaf.name, leaf.sig)]))
        return idf * (GENERIC_WEIGHT if leaf.generic else SHARED_WEIGHT if leaf.shared_ref else 1.0)

    def prepared(self, schema: SchemaDoc, unit: str) -> Prepared:
        if schema.path not in self._prepared:
            leaves = self.leaves[schema.path]
            weights = [self.weight(leaf) for leaf in leaves]
            self._prepared[schema.path] = Prepared(schema, unit, leaves, weights, sum(weights))
        return self._prepared[schema.path]

    def candidates(self) -> list[tuple[str, str]]:
        """Unit pairs sharing at least two rare features (inverted index; never all pairs)."""
        return self._candidates

    def best(self, unit_a: str, unit_b: str) -> Overlap | None:
        """The highest-scoring schema pair between two units."""
        best = None
        for sa in self.units[unit_a]:
            for sb in self.units[unit_b]:
                got = compare(self.prepared(sa, unit_a), self.prepared(sb, unit_b))
                if got and (best is None or got.score > best.score):
                    best = got
        return best


def _greedy(used_a: set[int], used_b: set[int], pairs: Iterable[tuple[int, list[int]]], quality: float,
            out: list[tuple[int, int, float]]) -> None:
    """Match each `i` with its first still-free option.

    Many `i` share one options list (every `text` leaf of a large schema has the same
    `by_exact` entry): a cursor per list skips the options already found taken (`used_b`
    only grows), so a list is scanned once per pass, not once per `i`."""
    # id(options) -> [options (kept alive: ids stay unique), first maybe-free index]
    cursors: dict[int, list[Any]] = {}
    for i, options in pairs:
        if i in used_a or not options:
            continue
        cursor = cursors.get(id(options))
        if cursor is None or cursor[0] is not options:
            cursor = cursors[id(options)] = [options, 0]
        k, n = cursor[1], len(options)
        while k < n and options[k] in used_b:
            k += 1
        cursor[1] = k
        if k < n:
            j = options[k]
            used_a.add(i)
            used_b.add(j)
            out.append((i, j, quality))


_K = TypeVar("_K")


def _meeting(a: dict[_K, list[int]], b: dict[_K, list[int]]) -> list[tuple[int, list[int]]]:
    """(i, b's leaves with i's key) for each leaf i of `a` whose key `b` also has, in leaf order: what a
    `_greedy` pass over every leaf of `a` would act on (the others have no option), found by a set
    intersection of the keys rather than a lookup per leaf (two schemas share few keys)."""
    return sorted(((i, b[k]) for k in a.keys() & b.keys() for i in a[k]), key=itemgetter(0))


def _containers(path: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [path, path + ("[]",), path + ("*",)]


def align(A: Prepared, B: Prepared) -> list[tuple[int, int, float]]:
    """Leaf alignment in the four passes described in the module docstring."""
    used_a: set[int] = set()
    used_b: set[int] = set()
    out: list[tuple[int, int, float]] = []
    la, lb = A.leaves, B.leaves
    _greedy(used_a, used_b, _meeting(A.by_exact, B.by_exact), EXACT, out)
    _greedy(used_a, used_b, ((i, [j for j in options if not lb[j].shared_ref] if la[i].shared_ref else options)
                             for i, options in _meeting(A.by_core, B.by_core)), RENAMED, out)
    _greedy(used_a, used_b, _meeting(A.by_name, B.by_name), DRIFTED, out)
    strong = [(i, j, q) for i, j, q in out if not (la[i].generic or la[i].shared_ref)]  # generic fields anchor nothing
    anchors = Counter((la[i].parent, lb[j].parent) for i, j, _ in strong)
    queue = deque(pair for pair, n in sorted(anchors.items()) if n >= 2)
    for i, j, q in strong:
        if q >= RENAMED:
            _follow(queue, A, B, used_a, used_b, i, j)
    seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    while queue:
        pa, pb = queue.popleft()
        if (pa, pb) in seen:
            continue
        seen.add((pa, pb))
        before = len(out)
        ia, ib = _owner(A, pa), _owner(B, pb)  # the container fields themselves correspond
        if ia is not None and ib is not None and ia not in used_a and ib not in used_b and pa and pb:
            used_a.add(ia)
            used_b.add(ib)
            out.append((ia, ib, STRUCTURAL))
        under_a, under_b = A.by_parent.get(pa), B.by_parent.get(pb)
        if under_a and under_b:  # most container pairs have children on one side at most
            by_sig: dict[str, list[int]] = defaultdict(list)
            for j in under_b:
                if not lb[j].generic:
                    by_sig[lb[j].sig].append(j)
            _greedy(used_a, used_b, ((i, by_sig.get(la[i].sig, [])) for i in under_a if not la[i].generic),
                    STRUCTURAL, out)
        for i, j, _ in out[before:]:
            _follow(queue, A, B, used_a, used_b, i, j)
    return out


def _follow(queue: deque[tuple[tuple[str, ...], tuple[str, ...]]], A: Prepared, B: Prepared, used_a: set[int],
            used_b: set[int], i: int, j: int) -> None:
    """Queue the containers of matched fields `i` and `j` (the field, its items, its values) that can still
    add a match: leaves under both, or (once, with the field itself) owner fields both still free. The
    others would do nothing when taken: the used sets only grow, and all three share one owner pair."""
    ia, conts_a, full_a = _containers_of(A, i)
    ib, conts_b, full_b = _containers_of(B, j)
    free = ia is not None and ib is not None and ia not in used_a and ib not in used_b
    for k in range(3):
        if free or (full_a[k] and full_b[k]):
            queue.append((conts_a[k], conts_b[k]))
        free = False


def _containers_of(P: Prepared, i: int) -> tuple[int | None, tuple[tuple[str, ...], ...], tuple[bool, ...]]:
    """`P.containers[i]`, computed on first use."""
    found = P.containers.get(i)
    if found is None:
        conts = tuple(_containers(P.leaves[i].path))
        found = P.containers[i] = (_owner(P, conts[0]), conts, tuple(c in P.by_parent for c in conts))
    return found


def _owner(P: Prepared, parent: tuple[str, ...]) -> int | None:
    """Index of the field whose value holds the leaves under `parent`."""
    while parent and parent[-1] in ("[]", "*"):
        parent = parent[:-1]
    return P.by_path.get(parent) if parent else None


# alignments by the leaves they align (kept alive, so their ids stay theirs): weights move with every
# edit (document frequencies), an alignment only with the facts of its two schemas
_ALIGNED: dict[tuple[int, int], tuple[tuple[Leaf, ...], tuple[Leaf, ...], list[tuple[int, int, float]]]] = (
    cache.memo("similarity.aligned", 200_000))


def aligned(A: Prepared, B: Prepared) -> list[tuple[int, int, float]]:
    """`align(A, B)`, reused while both schemas' facts are (the TUI re-checks after every save), and between
    runs through the disk cache, by the two leaf sets' content."""
    key = (id(A.leaves), id(B.leaves))
    hit = _ALIGNED.get(key)
    if hit is not None and hit[0] is A.leaves and hit[1] is B.leaves:
        return hit[2]
    store = cache.active()
    stored = store.get("aligned", (A.digest, B.digest)) if store is not None else None
    pairs = _pairs(stored, len(A.leaves), len(B.leaves))
    if pairs is None:
        pairs = align(A, B)
        if store is not None:
            store.put("aligned", (A.digest, B.digest), tuple(pairs))
    _ALIGNED[key] = (A.leaves, B.leaves, pairs)
    return pairs


def _pairs(stored: Any, na: int, nb: int) -> list[tuple[int, int, float]] | None:
    """A stored alignment as `align` returns it; None for a miss or anything that does not fit the leaves."""
    if not isinstance(stored, tuple):
        return None
    pairs = [tuple(p) for p in stored]
    ok = all(len(p) == 3 and 0 <= p[0] < na and 0 <= p[1] < nb for p in pairs)
    return pairs if ok else None


def compare(A: Prepared, B: Prepared) -> Overlap | None:
    """Score two schemas: mean of weighted Jaccard and weighted containment of aligned leaves."""
    if not A.leaves or not B.leaves:
        return None
    pairs = aligned(A, B)
    shared = sum(q * (A.weights[i] + B.weights[j]) / 2 for i, j, q in pairs)
    if shared <= 0 or A.total <= 0 or B.total <= 0:
        return None
    jaccard = shared / max(A.total + B.total - shared, 1e-9)
    containment = shared / min(A.total, B.total)
    score = round(min(1.0, (jaccard + min(containment, 1.0)) / 2), 2)
    return Overlap(A.unit, B.unit, A.schema, B.schema, score, A.leaves, B.leaves, pairs)
