"""The calls the suite makes again and again, and its record of the leads it created."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import checks
from .http.client import ApiClient, Exchange
from .http.wire import list_query

Lead = Mapping[str, Any]
EXPAND = {"X-MyCRM-Expand-Data": "true"}


class CreatedLeads:
    """Ids of the leads this run created: the only ones it may change without opt-in."""

    def __init__(self) -> None:
        self._ids: dict[int, None] = {}

    def add(self, lead_id: int) -> None:
        self._ids[lead_id] = None

    def discard(self, lead_id: int) -> None:
        self._ids.pop(lead_id, None)

    def __contains__(self, lead_id: object) -> bool:
        return lead_id in self._ids

    def ids(self) -> list[int]:
        return list(self._ids)

    def delete_all(self, client: ApiClient) -> list[str]:
        """Deletes every registered lead; returns what could not be deleted (404 is fine)."""
        problems = []
        for lead_id in self.ids():
            try:
                exchange = client.delete(f"/leads/{lead_id}")
            except Exception as exc:  # a dead server must not hide the other leads' cleanup
                problems.append(f"lead {lead_id}: {exc}")
                continue
            if exchange.status in (204, 404):
                self.discard(lead_id)
            else:
                problems.append(f"lead {lead_id}: {exchange.describe_response()}")
        return problems


@dataclass(frozen=True)
class Listing:
    exchanges: Sequence[Exchange]
    leads: Sequence[Lead]
    count: int
    complete: bool  # every page was read (not cut by the page budget)


class LeadsApi:
    """One caller's view of the leads; every creation it makes is registered for cleanup."""

    def __init__(self, client: ApiClient, created: CreatedLeads) -> None:
        self.client = client
        self.created = created

    def as_caller(self, client: ApiClient) -> LeadsApi:
        return LeadsApi(client, self.created)

    def create(self, body: Mapping[str, Any], *, expand: bool = False) -> tuple[Exchange, Lead]:
        exchange = self.client.post("/leads", body, headers=EXPAND if expand else None)
        if exchange.status == 201:
            # Registered before any check, so that a malformed answer is still cleaned up.
            lead_id = _created_id(exchange)
            if lead_id is not None:
                self.created.add(lead_id)
        checks.answers_status(
            exchange, 201, "POST /leads: a valid body creates the lead (201 Created)"
        )
        lead = exchange.json["lead"]
        return exchange, lead

    def get(self, lead_id: int, *, expand: bool = False) -> tuple[Exchange, Lead | None]:
        exchange = self.client.get(f"/leads/{lead_id}", headers=EXPAND if expand else None)
        if exchange.status == 404:
            return exchange, None
        checks.answers_status(exchange, 200, "GET /leads/{id}: answers the lead")
        return exchange, exchange.json["lead"]

    def snapshot(self, ids: Sequence[int]) -> tuple[list[Exchange], dict[int, Lead | None]]:
        exchanges = []
        found: dict[int, Lead | None] = {}
        for lead_id in ids:
            exchange, lead = self.get(lead_id)
            exchanges.append(exchange)
            found[lead_id] = lead
        return exchanges, found

    def list_page(
        self,
        filters: Mapping[str, Any] | None = None,
        *,
        sort: str | None = None,
        sort_order: str | None = None,
        page: int = 1,
        per_page: int = 100,
        expand: bool = False,
    ) -> tuple[Exchange, list[Lead], int]:
        query = list_query(filters, sort=sort, sort_order=sort_order, page=page, per_page=per_page)
        exchange = self.client.get("/leads", query, headers=EXPAND if expand else None)
        checks.answers_status(exchange, 200, "GET /leads: a valid query answers 200")
        checks.page_is_well_formed(exchange, page, per_page)
        checks.count_agrees_with_its_page(exchange)
        body = exchange.json
        return exchange, body["leads"], body["count"]

    def list_all(
        self,
        filters: Mapping[str, Any] | None = None,
        *,
        sort: str | None = None,
        sort_order: str | None = None,
        per_page: int = 100,
        max_pages: int = 1_000,
    ) -> Listing:
        """Reads page after page until a short page, or `max_pages`."""
        exchanges: list[Exchange] = []
        leads: list[Lead] = []
        count = 0
        for page in range(1, max_pages + 1):
            exchange, page_leads, count = self.list_page(
                filters, sort=sort, sort_order=sort_order, page=page, per_page=per_page
            )
            exchanges.append(exchange)
            leads.extend(page_leads)
            # A short page is the last one; `count` is checked, not trusted, by the callers.
            if len(page_leads) < per_page:
                return Listing(exchanges, leads, count, complete=True)
        return Listing(exchanges, leads, count, complete=False)


def _created_id(exchange: Exchange) -> int | None:
    try:
        lead_id = exchange.json["lead"]["id"]
    except (ValueError, KeyError, TypeError):
        location = exchange.response_headers.get("location", "")
        tail = location.rstrip("/").rsplit("/", 1)[-1]
        return int(tail) if tail.isdigit() else None
    return lead_id if isinstance(lead_id, int) else None
