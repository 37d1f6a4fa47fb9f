"""Sorting and pagination: every sort key in both orders; pages neither overlap nor skip.

The tests over every lead of the server are `exclusive`: with -n, another worker's lead
created between two pages would shift them. The tests over the suite's own leads are not.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance import checks
from conformance.leads import LeadsApi
from conformance.oracle import lists
from conformance.oracle.clauses import sort_clause
from conformance.oracle.contract import Contract
from conformance.report.ledger import Cases
from conformance.settings import Settings
from conformance.stash import CONTRACT_KEY


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "sort_key" in metafunc.fixturenames:
        contract = metafunc.config.stash[CONTRACT_KEY]
        metafunc.parametrize("sort_key", contract.sort_keys)
    if "sort_order" in metafunc.fixturenames:
        contract = metafunc.config.stash[CONTRACT_KEY]
        metafunc.parametrize("sort_order", contract.sort_orders)


@pytest.fixture(scope="module")
def sorts(contract: Contract) -> lists.SortOracle:
    return lists.SortOracle(contract)


def test_own_leads_come_in_the_exact_order_of_the_key(
    api: LeadsApi,
    corpus: list[dict[str, Any]],
    corpus_tag: str,
    sorts: lists.SortOracle,
    sort_key: str,
    sort_order: str,
    clauses: Cases,
) -> None:
    """The suite's leads (with ties and missing values built in) in exactly the oracle's order."""
    listing = api.list_all({"query": corpus_tag}, sort=sort_key, sort_order=sort_order)
    with clauses.case("filters[query]"):
        checks.listing_holds_exactly(
            listing.exchanges,
            listing.leads,
            [lead["id"] for lead in corpus],
            f"filters[query]={corpus_tag}",
        )
    with clauses.case(sort_clause(sort_key, sort_order)):
        checks.sorted_leads_equal_oracle_order(
            sorts, listing.exchanges, listing.leads, sort_key, sort_order
        )


@pytest.mark.exclusive
def test_every_lead_follows_the_key(
    api: LeadsApi,
    sorts: lists.SortOracle,
    sort_key: str,
    sort_order: str,
    settings: Settings,
    clauses: Cases,
) -> None:
    """The server's leads, page after page, in the key's order (checked pair by pair)."""
    with clauses.case(sort_clause(sort_key, sort_order)):
        listing = api.list_all(
            sort=sort_key, sort_order=sort_order, max_pages=settings.profile.max_pages
        )
        checks.sorted_leads_follow_sort_key(
            sorts, listing.exchanges, listing.leads, sort_key, sort_order
        )


@pytest.mark.exclusive
@pytest.mark.clauses("list-default-order")
def test_default_order_is_id_ascending(
    api: LeadsApi, sorts: lists.SortOracle, settings: Settings
) -> None:
    listing = api.list_all(max_pages=min(2, settings.profile.max_pages))
    checks.sorted_leads_follow_sort_key(sorts, listing.exchanges, listing.leads, "id", "ASC")


@pytest.mark.parametrize("per_page", [1, 3, 7])
def test_pages_neither_overlap_nor_skip(
    api: LeadsApi,
    contract: Contract,
    corpus: list[dict[str, Any]],
    corpus_tag: str,
    per_page: int,
    rnd: Any,
    clauses: Cases,
) -> None:
    """Small pages of the suite's leads, read one by one, are the one-page list cut in order."""
    sort_key = rnd.choice(contract.sort_keys)
    sort_order = rnd.choice(contract.sort_orders)
    filters = {"query": corpus_tag}
    with clauses.case("list-paging"):
        whole = api.list_all(filters, sort=sort_key, sort_order=sort_order)
        paged = api.list_all(filters, sort=sort_key, sort_order=sort_order, per_page=per_page)
        pages = [exchange.json["leads"] for exchange in paged.exchanges]
        checks.pages_neither_overlap_nor_skip(paged.exchanges, pages, whole.leads)
    with clauses.case("list-count"):
        for exchange in paged.exchanges:
            checks.count_is_total(
                exchange, len(corpus), f" (every page, with filters[query]={corpus_tag})"
            )
    # D-18: a page past the last one is 200 with no leads, and still counts all of them.
    with clauses.case("list-page-past-end"):
        last = len(corpus) // per_page + 2
        exchange, leads, _ = api.list_page(
            filters, sort=sort_key, sort_order=sort_order, page=last, per_page=per_page
        )
        checks.page_past_the_end_is_empty(exchange, leads)
        checks.count_is_total(exchange, len(corpus), " (a page past the end too)")


@pytest.mark.exclusive
@pytest.mark.clauses("list-count")
def test_count_agrees_with_every_page_of_the_server(api: LeadsApi, settings: Settings) -> None:
    """Every page of the unfiltered list: `count` covers the leads up to it, and is exactly
    them on the last (checked answer by answer, `count_agrees_with_its_page`, since a live
    server has other clients writing between two pages; the exact total over all pages is
    checked on the suite's own leads, in `test_pages_neither_overlap_nor_skip`)."""
    listing = api.list_all(per_page=50, max_pages=settings.profile.max_pages * 2)
    assert listing.exchanges


@pytest.mark.clauses("list-per-page")
@pytest.mark.parametrize("per_page", [None, 1, 100])
def test_per_page_is_honoured(api: LeadsApi, contract: Contract, per_page: int | None) -> None:
    query = [] if per_page is None else [("per_page", str(per_page))]
    exchange = api.client.get("/leads", query)
    checks.answers_status(exchange, 200, "GET /leads: per_page from 1 to 100 (D-18)")
    checks.page_is_well_formed(exchange, 1, per_page or contract.per_page_default)


@pytest.mark.clauses("list-per-page", "GET /leads 400", "errors-list-fields")
@pytest.mark.parametrize(
    "query",
    [
        [("per_page", "0")],
        [("per_page", "101")],
        [("page", "0")],
        [("sort", "first_name")],
        [("sort_order", "up")],
    ],
    ids=["per_page=0", "per_page=101", "page=0", "sort=first_name", "sort_order=up"],
)
def test_out_of_range_paging_and_sorting_are_refused(
    api: LeadsApi, query: list[tuple[str, str]]
) -> None:
    exchange = api.client.get("/leads", query)
    clause = "GET /leads: page >= 1, per_page 1 to 100, sort and sort_order from their enums"
    checks.refusal_is_problem(exchange, 400, clause)
    checks.errors_name_each_invalid_field_once(
        exchange, clause, wrong=[name for name, _ in query], query=query
    )
