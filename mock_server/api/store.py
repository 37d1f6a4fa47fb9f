"""The leads of one app instance, in memory, safe under concurrent requests.

Every read-check-write sequence of an operation runs inside `transaction()`, so a request
sees and changes the store atomically even though sync handlers run in a thread pool.

Besides the leads, the store keeps what lists need, up to date on every write (`put`,
`delete`, `reset`, `replace_all`), so that no list has to look at every lead:

- equality indexes (`INDEXED`, and every wishlist location a lead lies within) as bitsets:
  for each value, one Python int whose bit `id` is set for each lead holding it. A list's
  indexed filters are an AND of ORs of them, and its count a `bit_count()`: at 100k leads
  5 us where intersecting sets of ids took 0.6 ms (measured, docs/profile-notes.md);
- ordered indexes, one per sort key a list has asked for (`OrderedIndex`), built on first
  use and then kept with every write;
- values derived from one lead (its rendered JSON), dropped whenever that lead changes.

Indexes only narrow the candidates: what a filter means stays in `filters.py`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from operator import itemgetter
from typing import Any, TypeVar

from sortedcontainers import SortedList

from .records import LeadRecord

T = TypeVar("T")
Bitset = int  # bit i set: the lead with id i
# Bit positions of each byte value, to list the ids of a bitset.
_BITS = tuple(tuple(b for b in range(8) if value >> b & 1) for value in range(256))
# Ids an ordered index hands at a time.
_CHUNK = 64
_value = itemgetter(0)


def location_prefixes(lead: LeadRecord) -> set[str]:
    """Every location the lead's wishlist lies within: `are.3.1200` -> `are`, `are.3`,
    `are.3.1200` (a location filter matches a location and every location inside it)."""
    pref = lead["preference"]
    found: set[str] = set()
    for location in pref["locations"] if pref else ():
        found.update(_prefixes(location))
    return found


@lru_cache(maxsize=4096)  # a few hundred locations, shared by 100k leads
def _prefixes(location: str) -> tuple[str, ...]:
    parts = location.split(".")
    return tuple(".".join(parts[:i]) for i in range(1, len(parts) + 1))


def bitset_ids(bits: Bitset) -> list[int]:
    """The ids in a bitset, ascending."""
    if not bits:
        return []
    if bits.bit_count() * 16 < bits.bit_length():  # sparse: find the ones in its binary text
        text = bin(bits)[:1:-1]  # reversed, so that a character's index is its bit
        found = []
        at = text.find("1")
        while at >= 0:
            found.append(at)
            at = text.find("1", at + 1)
        return found
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    dense: list[int] = []
    for at, byte in enumerate(data):
        if byte:
            base = at * 8
            dense.extend(base + b for b in _BITS[byte])
    return dense


def bitset_of(ids: Iterable[int]) -> Bitset:
    """The bitset of some ids, in one pass (setting bits one by one on an int is quadratic)."""
    data = bytearray()
    for i in ids:
        at = i >> 3
        if at >= len(data):
            data.extend(bytes(at + 1 - len(data)))
        data[at] |= 1 << (i & 7)
    return int.from_bytes(data, "little")


class SeedIndex:
    """The equality indexes of a seed, built once: bitsets are immutable ints, so every reset
    to that seed shares them (and a fixture cache can keep them)."""

    def __init__(self, leads: list[LeadRecord]) -> None:
        names = LeadStore.INDEXED
        ids: dict[str, dict[Any, bytearray]] = {name: {} for name in (*names, LeadStore.LOCATIONS)}
        columns = [ids[name] for name in names]
        locations = ids[LeadStore.LOCATIONS]
        size = max((lead["id"] for lead in leads), default=0) // 8 + 1
        # Each bit set in a bytearray (an int would be copied for each), in one pass.
        for lead in leads:
            lead_id = lead["id"]
            at, bit = lead_id >> 3, 1 << (lead_id & 7)
            for name, index in zip(names, columns, strict=True):
                value = lead[name]  # type: ignore[literal-required]
                found = index.get(value)
                if found is None:
                    found = index[value] = bytearray(size)
                found[at] |= bit
            pref = lead["preference"]
            if pref and pref["locations"]:
                for prefix in location_prefixes(lead):
                    found = locations.get(prefix)
                    if found is None:
                        found = locations[prefix] = bytearray(size)
                    found[at] |= bit
        self.bitsets: dict[str, dict[Any, Bitset]] = {
            name: {value: int.from_bytes(data, "little") for value, data in index.items()}
            for name, index in ids.items()
        }
        self.every = bitset_of(lead["id"] for lead in leads)
        last_note = last_preference = 0
        for lead in leads:
            for note in lead["notes"]:
                last_note = max(last_note, note["id"])
            if lead["preference"] is not None:
                last_preference = max(last_preference, lead["preference"]["id"])
        self.next_note_id, self.next_preference_id = last_note + 1, last_preference + 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SeedIndex) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]


class OrderedIndex:
    """The ids of the stored leads in the order of one sort key: values ascending (ties by
    id), then the leads without a value (None) by id, as `listing.sort_leads` orders them."""

    def __init__(self, key: Callable[[LeadRecord], Any], leads: Iterable[LeadRecord]) -> None:
        self.key = key
        # The value each lead was filed under, so that removing it never depends on the
        # record still holding what it held then.
        self._value_of = {lead["id"]: key(lead) for lead in leads}
        self._valued = SortedList(
            (value, lead_id) for lead_id, value in self._value_of.items() if value is not None
        )
        self._missing = SortedList(i for i, value in self._value_of.items() if value is None)

    def put(self, lead: LeadRecord) -> None:
        lead_id = lead["id"]
        value = self.key(lead)
        if lead_id in self._value_of:
            if self._value_of[lead_id] == value:
                return
            self.remove(lead_id)
        self._value_of[lead_id] = value
        if value is None:
            self._missing.add(lead_id)
        else:
            self._valued.add((value, lead_id))

    def remove(self, lead_id: int) -> None:
        value = self._value_of.pop(lead_id)
        if value is None:
            self._missing.remove(lead_id)
        else:
            self._valued.remove((value, lead_id))

    def ids(self, descending: bool) -> Iterator[int]:
        """Every id in the order: values descending with ties still by id ascending (D-17)
        when `descending`; the leads without a value last in both orders."""
        for chunk in self.chunks(descending):
            yield from chunk

    def chunks(self, descending: bool) -> Iterator[list[int]]:
        """`ids` a list at a time (a page reads a few hundred ids: one generator step per
        id cost more than the test of each)."""
        valued, missing = self._valued, self._missing
        if descending:
            yield from self._descending()
        else:
            for at in range(0, len(valued), _CHUNK):
                yield [lead_id for _, lead_id in valued.islice(at, at + _CHUNK)]
        for at in range(0, len(missing), _CHUNK):
            yield list(missing.islice(at, at + _CHUNK))

    def _descending(self) -> Iterator[list[int]]:
        # Backwards a block at a time, each run of equal values in id order. The run at the
        # start of a block may go on before it, so it is left to the next block; a block of
        # one value throughout (a status shared by thousands) is read forwards from the
        # start of its run.
        valued = self._valued
        end = len(valued)
        while end:
            low = max(0, end - _CHUNK)
            block = valued[low:end]
            cut = 0
            if low:
                first = block[0][0]
                while cut < len(block) and block[cut][0] == first:
                    cut += 1
                if cut == len(block):
                    start = valued.bisect_left((first,))
                    for at in range(start, end, _CHUNK):
                        yield [i for _, i in valued.islice(at, min(at + _CHUNK, end))]
                    end = start
                    continue
            # Sorting by value alone, descending, keeps equal values in the order they had
            # (Python's sort is stable, reversed too): ids ascending. Linear on a sorted run.
            ordered = [lead_id for _, lead_id in sorted(block[cut:], key=_value, reverse=True)]
            yield ordered
            end = low + cut

    def __len__(self) -> int:
        return len(self._value_of)


class Selection:
    """Leads of a store that a list selects: those its indexes found (a bitset), then, when
    some filter is left to check, those `where` kept. Iterating gives the records."""

    def __init__(self, store: LeadStore, bits: Bitset, leads: list[LeadRecord] | None = None):
        self._store = store
        self._bits = bits
        self._leads = leads

    def where(self, keep: Callable[[LeadRecord], bool]) -> Selection:
        return Selection(self._store, 0, [lead for lead in self if keep(lead)])

    def __len__(self) -> int:
        return len(self._leads) if self._leads is not None else self._bits.bit_count()

    def __iter__(self) -> Iterator[LeadRecord]:
        if self._leads is None:
            self._leads = self._store.leads_of(self._bits)
        return iter(self._leads)

    @property
    def stored(self) -> int:
        """How many leads the store holds: what reading an ordered index may have to pass."""
        return len(self._store)

    def first_in_order(
        self, key: Callable[[LeadRecord], Any], descending: bool, limit: int
    ) -> list[LeadRecord]:
        """The first `limit` selected leads in the order of `key` (`OrderedIndex`), read from
        the store's ordered index until that many are found."""
        found: list[LeadRecord] = []
        if limit <= 0:
            return found
        store = self._store
        with store.transaction():
            leads = store._leads
            chunks = store.ordered(key).chunks(descending)
            if self._leads is None and self._bits == store._every:
                for chunk in chunks:
                    found.extend(leads[i] for i in chunk[: limit - len(found)])
                    if len(found) == limit:
                        break
                return found
            if self._leads is not None:
                wanted = {lead["id"] for lead in self._leads}
                for chunk in chunks:
                    found.extend(leads[i] for i in chunk if i in wanted)
                    if len(found) >= limit:
                        break
                del found[limit:]
                return found
            # A bitset: each id's bit read from its bytes (an int's bits cost a copy to read).
            bits = self._bits
            data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
            size = len(data)
            for chunk in chunks:
                found.extend(
                    leads[i] for i in chunk if (i >> 3) < size and data[i >> 3] >> (i & 7) & 1
                )
                if len(found) >= limit:
                    break
            del found[limit:]
        return found


class LeadStore:
    # Fields with an index (value -> ids), for the equality filters of a list.
    INDEXED = ("status", "source", "quality", "financial", "mortgage_status", "user")
    # And the index of wishlist locations (every prefix, `location_prefixes`).
    LOCATIONS = "wishlist_location"

    def __init__(self, seed: list[LeadRecord], seed_index: SeedIndex | None = None) -> None:
        self._lock = threading.RLock()
        self._seed = seed
        self._seed_index = seed_index
        self._leads: dict[int, LeadRecord] = {}
        self._index: dict[str, dict[Any, Bitset]] = {}
        self._every: Bitset = 0
        self._ordered: dict[Callable[[LeadRecord], Any], OrderedIndex] = {}
        self._derived: dict[Hashable, dict[int, tuple[LeadRecord, Any]]] = {}
        self._next_id = self._next_note_id = self._next_preference_id = 1
        # Changes with every change of the leads, so that a cached answer knows it is stale.
        self.version = 0
        self.reset()

    def reset(self, seed: list[LeadRecord] | None = None) -> None:
        """Back to the seed leads (or to a new seed); ids continue above the seed's."""
        with self._lock:
            if seed is not None:
                self._seed = seed
                self._seed_index = None
            if self._seed_index is None:
                self._seed_index = SeedIndex(self._seed)
            self.version += 1
            # Records are never changed in place (writers put a changed copy), so a shallow
            # copy guards the seed enough: a deep copy of 10k leads was a third of start-up.
            self._leads = {lead["id"]: lead.copy() for lead in self._seed}
            self._index = {name: dict(i) for name, i in self._seed_index.bitsets.items()}
            self._every = self._seed_index.every
            self._ordered = {}  # rebuilt when a list asks for them
            self._derived = {}
            self._next_id = max(self._leads, default=0) + 1
            self._next_note_id = self._seed_index.next_note_id
            self._next_preference_id = self._seed_index.next_preference_id

    def replace_all(self, leads: list[LeadRecord], counters: dict[str, int] | None = None) -> None:
        """Every lead replaced (an imported state); `reset` still goes back to the seed.
        `counters` (from `counters()`) restores the next ids, so that an imported state
        hands out the same ids as where it was exported."""
        with self._lock:
            seed, seed_index = self._seed, self._seed_index
            self.reset(leads)
            self._seed, self._seed_index = seed, seed_index
            if counters:
                self._next_id = max(self._next_id, counters["lead"])
                self._next_note_id = max(self._next_note_id, counters["note"])
                self._next_preference_id = max(self._next_preference_id, counters["preference"])

    def counters(self) -> dict[str, int]:
        """The next ids the store will hand out."""
        with self._lock:
            return {
                "lead": self._next_id,
                "note": self._next_note_id,
                "preference": self._next_preference_id,
            }

    @contextmanager
    def transaction(self) -> Iterator[LeadStore]:
        with self._lock:
            yield self

    def all(self) -> list[LeadRecord]:
        with self._lock:
            return list(self._leads.values())

    def get(self, lead_id: int) -> LeadRecord | None:
        with self._lock:
            return self._leads.get(lead_id)

    def select(self, conditions: Mapping[str, Collection[Any]]) -> Selection:
        """The leads whose indexed fields hold one of the values given for each index name
        (`INDEXED`, `LOCATIONS`); every lead for no condition."""
        with self._lock:
            bits = self._every
            for name, values in conditions.items():
                index = self._index[name]
                either = 0
                for value in values:
                    either |= index.get(value, 0)
                bits &= either
            return Selection(self, bits)

    def candidates(self, conditions: Mapping[str, Collection[Any]]) -> list[LeadRecord]:
        """`select` as a list of records."""
        return list(self.select(conditions))

    def leads_of(self, bits: Bitset) -> list[LeadRecord]:
        with self._lock:
            if bits == self._every:
                return list(self._leads.values())
            leads = self._leads
            return [leads[i] for i in bitset_ids(bits)]

    def ordered(self, key: Callable[[LeadRecord], Any]) -> OrderedIndex:
        """The ordered index of `key`, built on first use and kept up to date from then on."""
        with self._lock:
            found = self._ordered.get(key)
            if found is None:
                found = self._ordered[key] = OrderedIndex(key, self._leads.values())
            return found

    def derived(
        self, leads: Iterable[LeadRecord], name: Hashable, compute: Callable[[LeadRecord], T]
    ) -> list[T]:
        """For each lead, a value computed from it alone (its rendered JSON, say), kept under
        `name` until that lead changes or goes. Computed but not kept for a record the store
        no longer holds."""
        with self._lock:
            kept = self._derived.setdefault(name, {})
            stored = self._leads
            found: list[T] = []
            for lead in leads:
                lead_id = lead["id"]
                entry = kept.get(lead_id)
                if entry is not None and entry[0] is lead:
                    found.append(entry[1])
                    continue
                value = compute(lead)
                if stored.get(lead_id) is lead:
                    kept[lead_id] = (lead, value)
                found.append(value)
            return found

    def put(self, lead: LeadRecord) -> None:
        with self._lock:
            lead_id = lead["id"]
            old = self._leads.get(lead_id)
            self._leads[lead_id] = lead
            for kept in self._derived.values():
                kept.pop(lead_id, None)
            bit = 1 << lead_id
            for name in self.INDEXED:
                value = lead[name]  # type: ignore[literal-required]
                if old is None:
                    self._add(name, value, bit)
                elif old[name] != value:  # type: ignore[literal-required]
                    self._remove(name, old[name], bit)  # type: ignore[literal-required]
                    self._add(name, value, bit)
            if old is None or old["preference"] != lead["preference"]:
                before = location_prefixes(old) if old is not None else set()
                after = location_prefixes(lead)
                for prefix in before - after:
                    self._remove(self.LOCATIONS, prefix, bit)
                for prefix in after - before:
                    self._add(self.LOCATIONS, prefix, bit)
            self._every |= bit
            for ordered in self._ordered.values():
                ordered.put(lead)
            self.version += 1

    def delete(self, lead_ids: list[int]) -> None:
        with self._lock:
            for lead_id in lead_ids:
                old = self._leads.pop(lead_id, None)
                if old is None:
                    continue
                for kept in self._derived.values():
                    kept.pop(lead_id, None)
                bit = 1 << lead_id
                for name in self.INDEXED:
                    self._remove(name, old[name], bit)  # type: ignore[literal-required]
                for prefix in location_prefixes(old):
                    self._remove(self.LOCATIONS, prefix, bit)
                self._every ^= bit
                for ordered in self._ordered.values():
                    ordered.remove(lead_id)
            self.version += 1

    def _add(self, name: str, value: Any, bit: Bitset) -> None:
        index = self._index[name]
        index[value] = index.get(value, 0) | bit

    def _remove(self, name: str, value: Any, bit: Bitset) -> None:
        index = self._index[name]
        left = index.get(value, 0) & ~bit  # not `^`: safe even if the bit was not set
        if left:
            index[value] = left
        else:
            del index[value]

    def new_lead_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id - 1

    def new_note_id(self) -> int:
        with self._lock:
            self._next_note_id += 1
            return self._next_note_id - 1

    def new_preference_id(self) -> int:
        with self._lock:
            self._next_preference_id += 1
            return self._next_preference_id - 1

    def __len__(self) -> int:
        return len(self._leads)
