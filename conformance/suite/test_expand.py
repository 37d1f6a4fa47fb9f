"""The expand header (D-6): expanded and plain answers agree on every shared field; expanded
ones carry the full user and the notes."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from conformance import checks
from conformance.inputs.factory import LeadFactory
from conformance.leads import EXPAND, LeadsApi
from conformance.oracle import writes
from conformance.oracle.clauses import EXPAND as EXPAND_CLAUSE

NewLead = Callable[..., dict[str, Any]]
# Every test of this module is a case of the expand header's clause.
pytestmark = pytest.mark.clauses(EXPAND_CLAUSE)
CLAUSE = "X-MyCRM-Expand-Data (D-6): `true` turns `user` into the full User and adds `notes`"


def test_get_expanded_and_plain_agree(api: LeadsApi, new_lead: NewLead) -> None:
    lead = new_lead()
    plain_exchange, plain = api.get(lead["id"])
    expanded_exchange, expanded = api.get(lead["id"], expand=True)
    assert plain is not None and expanded is not None
    checks.expanded_and_plain_agree(
        [plain_exchange, expanded_exchange], plain, expanded, f"GET /leads/{{id}} {CLAUSE}"
    )


def test_notes_written_are_the_notes_expanded(
    api: LeadsApi, factory: LeadFactory, rnd: random.Random
) -> None:
    body = factory.body(rnd)
    body["lead"]["notes"] = [{"body": "first note"}, {"body": "second note"}]
    _, lead = api.create(body)
    exchange, expanded = api.get(lead["id"], expand=True)
    assert expanded is not None
    checks.lead_matches_model(
        [exchange],
        expanded,
        writes.expected_lead(
            body["lead"], user=lead["user"]["id"], notes=writes.note_bodies(body["lead"])
        ),
        "POST /leads then GET /leads/{id} expanded: `notes` holds the notes written",
        with_notes=True,
    )


def test_list_expanded_and_plain_agree(
    api: LeadsApi, corpus: list[dict[str, Any]], corpus_tag: str
) -> None:
    filters = {"query": corpus_tag}
    plain_exchange, plain, _ = api.list_page(filters, per_page=100)
    expanded_exchange, expanded, _ = api.list_page(filters, per_page=100, expand=True)
    by_id = {lead["id"]: lead for lead in expanded}
    checks.listing_holds_exactly(
        [expanded_exchange], expanded, [lead["id"] for lead in plain], str(filters)
    )
    for lead in plain:
        checks.expanded_and_plain_agree(
            [plain_exchange, expanded_exchange], lead, by_id[lead["id"]], f"GET /leads {CLAUSE}"
        )


@pytest.mark.parametrize("value", ["TRUE", "True", "true"])
def test_header_value_is_case_insensitive(api: LeadsApi, new_lead: NewLead, value: str) -> None:
    lead = new_lead()
    plain_exchange, plain = api.get(lead["id"])
    exchange = api.client.get(f"/leads/{lead['id']}", headers={"X-MyCRM-Expand-Data": value})
    checks.answers_status(exchange, 200, "GET /leads/{id}")
    assert plain is not None
    checks.expanded_and_plain_agree(
        [plain_exchange, exchange],
        plain,
        exchange.json["lead"],
        f"GET /leads/{{id}} {CLAUSE} (any case)",
    )


@pytest.mark.parametrize("value", ["false", "False"])
def test_header_false_is_plain(api: LeadsApi, new_lead: NewLead, value: str) -> None:
    lead = new_lead()
    plain_exchange, plain = api.get(lead["id"])
    exchange = api.client.get(f"/leads/{lead['id']}", headers={"X-MyCRM-Expand-Data": value})
    checks.answers_status(exchange, 200, "GET /leads/{id}")
    assert plain is not None
    checks.lead_is_unchanged(
        [plain_exchange, exchange],
        plain,
        exchange.json["lead"],
        "X-MyCRM-Expand-Data: any other value than `true` means not expanded",
    )


def test_writes_answer_expanded_when_asked(
    api: LeadsApi, factory: LeadFactory, rnd: random.Random
) -> None:
    body = factory.body(rnd)
    created, lead = api.create(body, expand=True)
    plain_exchange, plain = api.get(lead["id"])
    assert plain is not None
    checks.expanded_and_plain_agree([created, plain_exchange], plain, lead, f"POST /leads {CLAUSE}")
    replaced = api.client.put(f"/leads/{lead['id']}", factory.body(rnd), headers=EXPAND)
    checks.answers_status(replaced, 200, "PUT /leads/{id}: a valid body replaces the lead")
    plain_exchange, plain = api.get(lead["id"])
    assert plain is not None
    checks.expanded_and_plain_agree(
        [replaced, plain_exchange], plain, replaced.json["lead"], f"PUT /leads/{{id}} {CLAUSE}"
    )
