"""After a write, every view agrees: a server keeps leads in more places than one (the lead, its
lists, their counts, an index per filter, a cache), and a write must reach all of them.

`Views.before(...)` reads what the write will change; `Views.agree(...)` reads it again through
every read path the contract offers and requires one story: `GET /leads/{id}` plain and
expanded; the suite's own leads listed (`filters[query]=<tag>`), present or absent, each entry
equal to the lead, and `count` moved by exactly the leads created and deleted; a list filtered
by each field the write changed, with the old value and the new (the oracle says which must
keep the lead); the suite's leads sorted by each sort key the write changed, in the oracle's
order; and the server's newest leads, unfiltered. Re-reads stay on the suite's own leads where
the contract allows, so a check costs a few requests per write: 2 for the count and the newest
leads, 4 per lead (plain and expanded, before and after), 1 per page of the suite's own leads,
1 per changed filter value and 1 per changed sort key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import checks
from .http.client import Exchange
from .leads import EXPAND, LeadsApi
from .oracle import lists
from .oracle.contract import Contract

Lead = Mapping[str, Any]
CLAUSE = "views-agree"
_TEXT_FILTERS = (
    "status",
    "source",
    "financial",
    "mortgage_status",
    "quality",
    "city",
    "country",
    "channel",
    "passport",
    "pobox",
)


def _filter_values(lead: Lead) -> dict[str, set[Any]]:
    """Per filter, the values with which that filter would find this lead by equality."""
    found: dict[str, set[Any]] = {
        name: {lead.get(name)} for name in _TEXT_FILTERS if lead.get(name) is not None
    }
    found["user"] = {lead["user"]["id"]}
    found["property"] = set(lead.get("properties") or [])
    return found


@dataclass
class Views:
    api: LeadsApi
    contract: Contract
    tag: str  # every lead the check looks at carries it, and only the suite writes such leads
    before: dict[int, Lead | None]
    count: int

    @classmethod
    def before_write(
        cls, api: LeadsApi, contract: Contract, tag: str, lead_ids: Iterable[int]
    ) -> Views:
        """What the write is about to change (leads it will create need not be named). Each
        lead is read expanded too, as a frontend does, so that a cache of expanded reads the
        write forgets shows."""
        found = {lead_id: api.get(lead_id)[1] for lead_id in lead_ids}
        for lead_id in found:
            api.get(lead_id, expand=True)
        _, _, count = api.list_page({"query": tag}, per_page=1)
        return cls(api, contract, tag, found, count)

    def agree(self, write: Exchange, clause: str, *, created: Sequence[int] = ()) -> None:
        """Every view of the leads named before, and of `created`, after `write`."""
        ids = [*self.before, *(i for i in created if i not in self.before)]
        after: dict[int, Lead | None] = {}
        for lead_id in ids:
            after[lead_id] = self._lead(write, lead_id, clause)
        self._own_list(write, after, clause)
        for lead_id in ids:
            self._filters(write, self.before.get(lead_id), after[lead_id], clause)
        self._sorted(write, ids, after, clause)
        self._newest(write, after, clause)

    def _violation(
        self, clause: str, exchanges: Sequence[Exchange], expected: str, received: str
    ) -> checks.ContractViolation:
        return checks.ContractViolation(
            f"{clause}; after a write every view agrees: the lead, expanded, the lists "
            "filtered and sorted by what changed, and their count (every_view_agrees_after_write)",
            exchanges,
            expected,
            received,
            clauses=[CLAUSE],
        )

    def _lead(self, write: Exchange, lead_id: int, clause: str) -> Lead | None:
        plain_exchange, plain = self.api.get(lead_id)
        expanded_exchange = self.api.client.get(f"/leads/{lead_id}", headers=EXPAND)
        if plain is None:
            if expanded_exchange.status != 404:
                raise self._violation(
                    clause,
                    [write, plain_exchange, expanded_exchange],
                    f"lead {lead_id} gone from the expanded read too (404)",
                    f"expanded read answered {expanded_exchange.status}",
                )
            return None
        checks.answers_status(expanded_exchange, 200, f"{clause}: GET /leads/{{id}} expanded")
        try:
            checks.expanded_and_plain_agree(
                [write, plain_exchange, expanded_exchange],
                plain,
                expanded_exchange.json["lead"],
                f"{clause}: GET /leads/{{id}} plain and expanded",
            )
        except checks.ContractViolation as exc:
            raise self._violation(
                clause, exc.exchanges, "the expanded lead as the plain one", exc.received
            ) from None
        return plain

    def _own_list(self, write: Exchange, after: Mapping[int, Lead | None], clause: str) -> None:
        listing = self.api.list_all({"query": self.tag})
        listed = {lead["id"]: lead for lead in listing.leads}
        for lead_id, lead in after.items():
            if (lead is None) != (lead_id not in listed):
                raise self._violation(
                    clause,
                    [write, *listing.exchanges[:2]],
                    f"lead {lead_id} {'absent' if lead is None else 'listed'} in "
                    f"filters[query]={self.tag}",
                    "listed" if lead is None else "absent",
                )
            if lead is not None:
                differences = _differences(lead, listed[lead_id])
                if differences:
                    raise self._violation(
                        clause,
                        [write, *listing.exchanges[:1]],
                        f"lead {lead_id} listed as GET /leads/{{id}} answers it",
                        "; ".join(differences),
                    )
        created = sum(
            1 for i, lead in after.items() if lead is not None and self.before.get(i) is None
        )
        deleted = sum(
            1 for i, lead in after.items() if lead is None and self.before.get(i) is not None
        )
        expected = self.count + created - deleted
        if listing.complete and listing.count != expected:
            raise self._violation(
                clause,
                [write, listing.exchanges[-1]],
                f"count {expected} ({self.count} before, {created} created, {deleted} deleted)",
                f"count {listing.count}",
            )

    def _filters(self, write: Exchange, old: Lead | None, new: Lead | None, clause: str) -> None:
        old_values = _filter_values(old) if old is not None else {}
        new_values = _filter_values(new) if new is not None else {}
        today = datetime.now(UTC).date()
        lead_id = (new or old or {}).get("id")
        for name in sorted(set(old_values) | set(new_values)):
            changed = old_values.get(name, set()) ^ new_values.get(name, set())
            for value in sorted(changed, key=str):
                filters = {"query": self.tag, name: value}
                listing = self.api.list_all(filters)
                kept = any(lead["id"] == lead_id for lead in listing.leads)
                wanted = new is not None and lists.matches(new, filters, today)
                if kept != wanted:
                    raise self._violation(
                        clause,
                        [write, *listing.exchanges[:1]],
                        f"lead {lead_id} {'found' if wanted else 'no longer found'} by "
                        f"filters[{name}]={value} (it was {_shown(old, name)}, it is "
                        f"{_shown(new, name)})",
                        "found" if kept else "not found",
                    )

    def _sorted(
        self, write: Exchange, ids: Sequence[int], after: Mapping[int, Lead | None], clause: str
    ) -> None:
        sorts = lists.SortOracle(self.contract)
        pairs = [(self.before.get(i), after[i]) for i in ids]
        both = [(old, new) for old, new in pairs if old is not None and new is not None]
        keys = [
            key
            for key in self.contract.sort_keys
            if any(sorts.value(old, key) != sorts.value(new, key) for old, new in both)
        ]
        for key in keys:
            listing = self.api.list_all({"query": self.tag}, sort=key, sort_order="ASC")
            try:
                checks.sorted_leads_equal_oracle_order(
                    sorts, listing.exchanges, listing.leads, key, "ASC"
                )
            except checks.ContractViolation as exc:
                raise self._violation(
                    clause, [write, *exc.exchanges], f"sort={key}: {exc.expected}", exc.received
                ) from None

    def _newest(self, write: Exchange, after: Mapping[int, Lead | None], clause: str) -> None:
        """The unfiltered list, newest first: a deleted lead is not on it, a lead newer than
        the page's oldest is."""
        exchange, page, _ = self.api.list_page(sort="created", sort_order="DESC", per_page=100)
        shown = {lead["id"] for lead in page}
        oldest = lists.parse_instant(page[-1]["created_at"]) if len(page) == 100 else None
        for lead_id, lead in after.items():
            if lead is None:
                wrong = lead_id in shown
            else:
                newer = oldest is None or lists.parse_instant(lead["created_at"]) > oldest
                wrong = newer and lead_id not in shown
            if wrong:
                raise self._violation(
                    clause,
                    [write, exchange],
                    f"lead {lead_id} {'absent from' if lead is None else 'on'} the first page of "
                    "the unfiltered list, newest first",
                    "listed" if lead is None else "absent",
                )


def _differences(one: Lead, other: Lead) -> list[str]:
    return [
        f"{name}: {one.get(name)!r} by id, {other.get(name)!r} listed"
        for name in sorted(set(one) | set(other))
        if one.get(name) != other.get(name)
    ][:6]


def _shown(lead: Lead | None, name: str) -> str:
    if lead is None:
        return "deleted"
    values = _filter_values(lead).get(name)
    return ", ".join(map(str, sorted(values, key=str))) if values else "none"
