"""The leads of one app instance, in memory, safe under concurrent requests.

Every read-check-write sequence of an operation runs inside `transaction()`, so a request
sees and changes the store atomically even though sync handlers run in a thread pool.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .records import LeadRecord


def location_prefixes(lead: LeadRecord) -> set[str]:
    """Every location the lead's wishlist lies within: `are.3.1200` -> `are`, `are.3`,
    `are.3.1200` (a location filter matches a location and every location inside it)."""
    pref = lead["preference"]
    found: set[str] = set()
    for location in pref["locations"] if pref else ():
        parts = location.split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return found


class LeadStore:
    # Fields with an index (value -> ids), for the equality filters of a list.
    INDEXED = ("status", "source", "quality", "financial", "mortgage_status", "user")
    # And the index of wishlist locations (every prefix, `location_prefixes`).
    LOCATIONS = "wishlist_location"

    def __init__(self, seed: list[LeadRecord]) -> None:
        self._lock = threading.RLock()
        self._seed = seed
        self._leads: dict[int, LeadRecord] = {}
        self._index: dict[str, dict[Any, set[int]]] = {}
        self._next_id = self._next_note_id = self._next_preference_id = 1
        # Changes with every change of the leads, so that a cached answer knows it is stale.
        self.version = 0
        self.reset()

    def reset(self, seed: list[LeadRecord] | None = None) -> None:
        """Back to the seed leads (or to a new seed); ids continue above the seed's."""
        with self._lock:
            if seed is not None:
                self._seed = seed
            self.version += 1
            # Records are never changed in place (writers put a changed copy), so a shallow
            # copy guards the seed enough: a deep copy of 10k leads was a third of start-up.
            self._leads = {lead["id"]: lead.copy() for lead in self._seed}
            self._index = self._indexes(list(self._leads.values()))
            self._next_id = max(self._leads, default=0) + 1
            notes = [n["id"] for lead in self._leads.values() for n in lead["notes"]]
            self._next_note_id = max(notes, default=0) + 1
            prefs = [
                lead["preference"]["id"] for lead in self._leads.values() if lead["preference"]
            ]
            self._next_preference_id = max(prefs, default=0) + 1

    def replace_all(self, leads: list[LeadRecord], counters: dict[str, int] | None = None) -> None:
        """Every lead replaced (an imported state); `reset` still goes back to the seed.
        `counters` (from `counters()`) restores the next ids, so that an imported state
        hands out the same ids as where it was exported."""
        with self._lock:
            seed = self._seed
            self.reset(leads)
            self._seed = seed
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

    def candidates(self, conditions: Mapping[str, Collection[Any]]) -> list[LeadRecord]:
        """The leads whose indexed fields hold one of the values given for each index name
        (`INDEXED`, `LOCATIONS`); every lead for no condition."""
        with self._lock:
            if not conditions:
                return list(self._leads.values())
            sets = []
            for name, values in conditions.items():
                index = self._index[name]
                found = [index[value] for value in values if value in index]
                sets.append(found[0] if len(found) == 1 else set().union(*found))
            sets.sort(key=len)
            ids = sets[0].intersection(*sets[1:])
            return [self._leads[i] for i in ids]

    def put(self, lead: LeadRecord) -> None:
        with self._lock:
            old = self._leads.get(lead["id"])
            if old is not None:
                self._remove_from_index(old)
            self._leads[lead["id"]] = lead
            self._add_to_index(lead)
            self.version += 1

    def delete(self, lead_ids: list[int]) -> None:
        with self._lock:
            for lead_id in lead_ids:
                old = self._leads.pop(lead_id, None)
                if old is not None:
                    self._remove_from_index(old)
            self.version += 1

    def _indexes(self, leads: list[LeadRecord]) -> dict[str, dict[Any, set[int]]]:
        # One plain loop per index: adding lead by lead (`_add_to_index`) took a quarter of
        # the start-up at 10k leads.
        built: dict[str, dict[Any, set[int]]] = {}
        for name in self.INDEXED:
            index: dict[Any, set[int]] = {}
            for lead in leads:
                value = lead[name]  # type: ignore[literal-required]
                if value in index:
                    index[value].add(lead["id"])
                else:
                    index[value] = {lead["id"]}
            built[name] = index
        locations: dict[Any, set[int]] = {}
        for lead in leads:
            for prefix in location_prefixes(lead):
                locations.setdefault(prefix, set()).add(lead["id"])
        built[self.LOCATIONS] = locations
        return built

    def _index_keys(self, lead: LeadRecord) -> Iterator[tuple[dict[Any, set[int]], Any]]:
        for name in self.INDEXED:
            yield self._index[name], lead[name]  # type: ignore[literal-required]
        locations = self._index[self.LOCATIONS]
        for prefix in location_prefixes(lead):
            yield locations, prefix

    def _add_to_index(self, lead: LeadRecord) -> None:
        for index, value in self._index_keys(lead):
            index.setdefault(value, set()).add(lead["id"])

    def _remove_from_index(self, lead: LeadRecord) -> None:
        for index, value in self._index_keys(lead):
            index[value].discard(lead["id"])

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
