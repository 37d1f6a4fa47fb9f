"""Filter semantics: every lead returned satisfies the filters (soundness), and every lead the
suite created that satisfies them is returned (completeness), over all pages.

Judged by `conformance.oracle`, the contract's meaning of each filter over leads as answered.
Filtered lists read every matching lead of the server, so those tests are `exclusive`: with -n,
another worker's write between two pages would change `count` and shift the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from conformance import checks
from conformance.http.wire import list_query, wire_names
from conformance.inputs import strategies
from conformance.leads import LeadsApi
from conformance.oracle import lists
from conformance.oracle.clauses import filter_clauses
from conformance.oracle.contract import Contract
from conformance.report.ledger import Cases
from conformance.settings import Settings
from conformance.stash import CONTRACT_KEY

Lead = Mapping[str, Any]
_CHANNEL_OF_SOURCE = (
    "GET /leads filters[channel]: with `source` also given, the channel must belong to that "
    "source, or the request is refused (422: valid in form, impossible in meaning)"
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # One test per filter of the contract (and per wishlist and legal representative part),
    # so a report names the filter that is broken.
    if "filter_name" in metafunc.fixturenames:
        contract = metafunc.config.stash[CONTRACT_KEY]
        names = [
            *(n for n in contract.filter_names if n not in ("wishlist", "legal_representative")),
            *(f"wishlist.{n}" for n in contract.wishlist_filter_names),
            *(
                f"legal_representative.{n}"
                for n in contract.schema("LegalRepresentativeFilters")["properties"]
            ),
        ]
        metafunc.parametrize("filter_name", names)


def _today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture(scope="module")
def pool(api: LeadsApi, corpus: list[dict[str, Any]]) -> list[Lead]:
    """Leads to draw filter values from: the suite's own and the server's first page."""
    _, others, _ = api.list_page(per_page=100)
    return [*corpus, *others]


@pytest.fixture(scope="module")
def values(contract: Contract, pool: list[Lead]) -> dict[str, strategies.Strategy]:
    return strategies.filter_values(contract, pool)


@pytest.fixture
def check_filters(
    api: LeadsApi,
    contract: Contract,
    corpus: list[dict[str, Any]],
    corpus_tag: str,
    settings: Settings,
    clauses: Cases,
) -> Callable[[Mapping[str, Any]], None]:
    """Runs one filtered list and checks soundness, count and completeness."""

    def run(filters: Mapping[str, Any]) -> None:
        given = filter_clauses(wire_names(filters))
        source, channel = filters.get("source"), filters.get("channel")
        channels = contract.channels_by_source.get(source) if isinstance(source, str) else None
        if channel is not None and channels is not None and channel not in channels:
            with clauses.case("list-channel-of-source"):
                exchange = api.client.get("/leads", list_query(filters, per_page=100))
                checks.refusal_is_problem(exchange, 422, _CHANNEL_OF_SOURCE)
            return
        combined = ["list-filters-and"] if len(given) > 1 else []
        with clauses.case(*given, *combined):
            before = _today()
            listing = api.list_all(filters, max_pages=settings.profile.max_pages)
            today = _today()
            if today != before:
                return  # the UTC day changed during the request: named intervals are ambiguous
            checks.filtered_leads_match_filter(
                contract, listing.exchanges, listing.leads, filters, today
            )
        # Each page's `count` agrees with it (`LeadsApi.list_page`); equal to what all the pages
        # hold only within one answer: other clients of a live server write between two.
        if len(listing.exchanges) == 1:
            with clauses.case("list-count"):
                checks.count_is_total(listing.exchanges[0], len(listing.leads), " (filtered)")
        if not lists.decidable(filters):
            # `property_fields` depends on properties' custom fields, which this API does not
            # expose: only soundness's observable part (the lead selected a property) is checked.
            return
        with clauses.case(*given, *combined):
            own: Sequence[Lead] = listing.leads
            exchanges = listing.exchanges
            if not listing.complete:
                # Too many matches to read: narrow to the suite's leads (query words AND).
                words = f"{filters['query']} {corpus_tag}" if "query" in filters else corpus_tag
                narrowed = {**filters, "query": words}
                tagged = api.list_all(narrowed)
                checks.filtered_leads_match_filter(
                    contract, tagged.exchanges, tagged.leads, narrowed, today
                )
                own, exchanges = tagged.leads, tagged.exchanges
            checks.filtered_leads_include_every_match(
                contract, exchanges, own, corpus, filters, today
            )

    return run


def _hypothesis(settings_: Settings, examples: int) -> Callable[[Any], Any]:
    def decorate(test: Any) -> Any:
        configured = settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=settings_.hypothesis_phases,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )(test)
        return seed(settings_.seed)(configured)

    return decorate


@pytest.mark.exclusive
def test_each_filter_alone_is_sound_and_complete(
    filter_name: str,
    values: dict[str, strategies.Strategy],
    contract: Contract,
    pool: list[Lead],
    check_filters: Callable[[Mapping[str, Any]], None],
    settings: Settings,
) -> None:
    top, _, part = filter_name.partition(".")
    if part:
        parts = (
            strategies.wishlist_values(contract, pool)
            if top == "wishlist"
            else strategies.legal_representative_values(pool)
        )
        strategy = parts[part].map(lambda v: {top: {part: v}})
    else:
        strategy = values[top].map(lambda v: {top: v})
    examples = max(3, settings.profile.filter_examples // 6)

    @_hypothesis(settings, examples)
    @given(strategy)
    def run(filters: dict[str, Any]) -> None:
        check_filters(filters)

    run()


@pytest.mark.exclusive
def test_combined_filters_are_sound_and_complete(
    values: dict[str, strategies.Strategy],
    check_filters: Callable[[Mapping[str, Any]], None],
    settings: Settings,
) -> None:
    @_hypothesis(settings, settings.profile.filter_examples)
    @given(strategies.filters(values, most=3))
    def run(filters: dict[str, Any]) -> None:
        check_filters(filters)

    run()


@pytest.mark.exclusive
def test_filters_keep_the_suites_own_leads(
    api: LeadsApi,
    contract: Contract,
    corpus: list[dict[str, Any]],
    corpus_tag: str,
    check_filters: Callable[[Mapping[str, Any]], None],
    settings: Settings,
) -> None:
    """Filters built from one created lead's own values must keep that lead (and be sound)."""

    @_hypothesis(settings, max(5, settings.profile.filter_examples // 3))
    @given(st.sampled_from(corpus), st.data())
    def run(lead: dict[str, Any], data: st.DataObject) -> None:
        own = strategies.filter_values(contract, [lead])
        chosen = data.draw(strategies.filters(own, most=4))
        if not lists.matches(lead, chosen, _today()):
            return  # e.g. a date range drawn around the value but missing it
        check_filters(chosen)

    run()


@pytest.mark.clauses("list-unknown-filter", "GET /leads 400", "errors-list-fields")
def test_unknown_filter_is_refused(api: LeadsApi) -> None:
    """D-27: a misspelled filter is a 400, never silently ignored."""
    query = [("filters[client]", "1"), ("filters[status]", "prospect")]
    exchange = api.client.get("/leads", query)
    clause = (
        "GET /leads: LeadFilters has additionalProperties false; unknown filters are 400 (D-27)"
    )
    checks.refusal_is_problem(exchange, 400, clause)
    checks.errors_name_each_invalid_field_once(
        exchange, clause, wrong=["filters[client]"], query=query
    )


@pytest.mark.clauses("list-channel-of-source", "GET /leads 422")
def test_a_channel_of_another_source_is_refused(api: LeadsApi, contract: Contract) -> None:
    """D-5: a channel belongs to one source; asked together with another source, the filters
    are refused rather than answered with an empty list."""
    table = sorted(contract.channels_by_source.items())
    source, own = table[0]
    channel = next(c for s, channels in table if s != source for c in channels if c not in own)
    exchange = api.client.get("/leads", list_query({"source": source, "channel": channel}))
    checks.refusal_is_problem(exchange, 422, _CHANNEL_OF_SOURCE)


@pytest.mark.clauses("filters[created]")
@pytest.mark.parametrize("interval", ["tomorrow", "this_week"])
def test_unknown_interval_is_refused(api: LeadsApi, interval: str) -> None:
    """D-23: any other interval name than the eight named is a 400."""
    exchange = api.client.get("/leads", [("filters[created]", interval)])
    checks.refusal_is_problem(
        exchange,
        400,
        "GET /leads filters[created]: NamedInterval lists eight names; any other is 400 (D-23)",
    )
