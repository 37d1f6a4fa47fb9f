"""The conformance suite's oracle, checked on hand-made leads: a wrong oracle would pass wrong
servers or fail right ones, so each clause it implements is pinned here."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from conformance.oracle import lists
from conformance.oracle.contract import DEFAULT_SPEC_PATH, Contract

CONTRACT = Contract.load(DEFAULT_SPEC_PATH)
TODAY = date(2026, 1, 1)  # a Thursday: its ISO week starts on 2025-12-29

_BASE: dict[str, Any] = {
    "id": 7,
    "user": {"id": 1},
    "title": "mr",
    "first_name": "David",
    "middle_name": None,
    "last_name": "Parker",
    "email": "David.Parker@Example.com",
    "mobile": "+971501234567",
    "address": "Shi Sha Street, JLT",
    "pobox": "15109",
    "city": "Dubai",
    "country": "AE",
    "status": "prospect",
    "quality": "good",
    "financial": "mortgage",
    "mortgage_status": "pre-approved",
    "source": "portal",
    "channel": "dubizzle",
    "category": "residential",
    "time_frame": "1-3",
    "time_frame_from": "2025-12-29",
    "passport": "P1234567",
    "passport_expire": "2027-06-30",
    "legal_representative": {
        "first_name": "Omar",
        "last_name": "Saleh",
        "mobile": "+971509999999",
        "phone": "+97143333333",
        "email": "omar@law.example",
    },
    "bank": "Emirates NBD",
    "preferences": [
        {
            "id": 1,
            "offering_type": "sale",
            "locations": [{"id": "are.3.1200"}],
            "types": [{"id": 2, "name": "Apartment", "category": "residential"}],
            "from_price": 100,
            "to_price": 200,
            "from_size": None,
            "to_size": 900,
            "from_bathroom": 1,
            "to_bathroom": 2,
            "from_bedroom": 2,
            "to_bedroom": 3,
        }
    ],
    "amenities": [{"id": 1, "name": "pool"}],
    "fields": {"1": "2 Pets", "3": True, "4": 3.0, "5": 2.5},
    "properties": [4, 9],
    "mls": [],
    "created_at": "2025-12-31T23:59:59Z",
    "updated_at": "2026-01-01T00:00:00+00:00",
    "matching": {"count": 0, "inventory_count": 0, "mls_count": 0},
}


def lead(**changes: Any) -> dict[str, Any]:
    made = copy.deepcopy(_BASE)
    made.update(changes)
    return made


def keeps(filters: dict[str, Any], subject: dict[str, Any] | None = None) -> bool:
    return lists.matches(subject or lead(), filters, TODAY)


def test_the_oracle_knows_every_filter_of_the_contract() -> None:
    assert lists.known_filters() == set(CONTRACT.filter_names)


def test_an_unknown_filter_is_refused_loudly() -> None:
    with pytest.raises(NotImplementedError):
        keeps({"client": 1})


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        ({"user": 1}, True),
        ({"user": 2}, False),
        ({"excluded_user": 1}, False),
        ({"excluded_user": 2}, True),
        ({"id": 7}, True),
        ({"id": 8}, False),
        ({"status": "prospect"}, True),
        ({"status": "qualified"}, False),
        ({"source": "portal"}, True),
        ({"channel": "dubizzle"}, True),
        ({"channel": "bayut"}, False),
        ({"financial": "cash"}, False),
        ({"mortgage_status": "pre-approved"}, True),
        ({"quality": "good"}, True),
        ({"property": 9}, True),
        ({"property": 5}, False),
    ],
)
def test_equality_filters(filters: dict[str, Any], kept: bool) -> None:
    assert keeps(filters) is kept


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        # Substring, case-insensitive: name words, mobile, address, bank.
        ({"name": "dav"}, True),
        ({"name": "David P"}, True),  # the contract's example
        ({"name": "david parker"}, True),
        ({"name": "david smith"}, False),  # every word must match
        ({"name": "example"}, False),  # email is not a name
        ({"mobile": "50123"}, True),
        ({"mobile": "+971"}, True),
        ({"mobile": "999"}, False),
        ({"address": "shi sha"}, True),
        ({"address": "jlt"}, True),
        ({"address": "marina"}, False),
        ({"bank": "nbd"}, True),
        ({"bank": "hsbc"}, False),
        # Whole value, case-insensitive: passport, pobox, city, country.
        ({"passport": "p1234567"}, True),
        ({"passport": "P123"}, False),
        ({"pobox": "15109"}, True),
        ({"pobox": "151"}, False),
        ({"city": "DUBAI"}, True),
        ({"city": "Dub"}, False),
        ({"country": "ae"}, True),
        ({"country": "A"}, False),
    ],
)
def test_text_filters(filters: dict[str, Any], kept: bool) -> None:
    assert keeps(filters) is kept


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("7", True),  # the id, equal
        ("77", False),  # not a substring of the id
        ("parker", True),
        ("example.com", True),  # email, substring
        ("0123", True),  # mobile, substring
        ("david 7", True),
        ("david 8", False),
        ("DAVID   PARKER", True),  # split on any white space
    ],
)
def test_query_every_word_matches_id_or_a_field(value: str, kept: bool) -> None:
    assert keeps({"query": value}) is kept


def test_query_ignores_a_null_email() -> None:
    assert not keeps({"query": "example"}, lead(email=None))


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        ({"name": "oma"}, True),
        ({"name": "SALEH"}, True),
        ({"name": "david"}, False),
        ({"mobile": "99999"}, True),  # the mobile
        ({"mobile": "43333"}, True),  # or the phone
        ({"email": "LAW"}, True),
        ({"email": "gmail"}, False),
        ({"name": "omar", "email": "law"}, True),
        ({"name": "omar", "email": "gmail"}, False),
    ],
)
def test_legal_representative_filters(filters: dict[str, Any], kept: bool) -> None:
    assert keeps({"legal_representative": filters}) is kept


def test_legal_representative_filters_need_a_representative() -> None:
    assert not keeps({"legal_representative": {"name": "o"}}, lead(legal_representative=None))


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        ({"from_price": 100}, True),  # from_x keeps from_x >= value
        ({"from_price": 101}, False),
        ({"from_price": 0}, True),
        ({"to_price": 200}, True),  # to_x keeps to_x <= value
        ({"to_price": 199}, False),
        ({"from_size": 0}, False),  # a null bound never matches
        ({"to_size": 900}, True),
        ({"from_bedroom": 2, "to_bedroom": 3}, True),
        ({"from_bathroom": 2}, False),
        ({"to_bathroom": 1}, False),
        ({"locations": ["are.3"]}, True),  # contains are.3.1200
        ({"locations": ["are.3.1200"]}, True),  # equal
        ({"locations": ["are.3.12"]}, False),  # a prefix of the text, not a parent location
        ({"locations": ["are.31"]}, False),
        ({"locations": ["are.1", "are"]}, True),  # one of them suffices
        ({"types": [2]}, True),
        ({"types": [3, 2]}, True),
        ({"types": [3]}, False),
        ({"category": "residential"}, True),
        ({"category": "commercial"}, False),
    ],
)
def test_wishlist_filters(filters: dict[str, Any], kept: bool) -> None:
    assert keeps({"wishlist": filters}) is kept


@pytest.mark.parametrize("name", CONTRACT.wishlist_filter_names)
def test_no_preference_matches_no_wishlist_filter(name: str) -> None:
    value: Any = {"locations": ["are"], "types": [2], "category": "residential"}.get(name, 0)
    assert not keeps({"wishlist": {name: value}}, lead(preferences=[]))


@pytest.mark.parametrize(
    ("fields", "kept"),
    [
        ({"1": "2 pets"}, True),  # case-insensitive, whole value
        ({"1": "2"}, False),
        ({"3": "TRUE"}, True),  # booleans as true/false
        ({"3": "1"}, False),
        ({"4": "3"}, True),  # 3.0 in its shortest form
        ({"4": "3.0"}, False),
        ({"5": "2.5"}, True),
        ({"9": "x"}, False),  # a field the lead does not have
        ({"1": "2 pets", "3": "true"}, True),  # every given value
        ({"1": "2 pets", "3": "false"}, False),
    ],
)
def test_lead_fields(fields: dict[str, str], kept: bool) -> None:
    assert keeps({"lead_fields": fields}) is kept


def test_property_fields_check_only_what_is_observable() -> None:
    assert keeps({"property_fields": {"1": "sea view"}})
    assert not keeps({"property_fields": {"1": "sea view"}}, lead(properties=[]))
    assert not lists.decidable({"property_fields": {"1": "x"}, "city": "Dubai"})
    assert lists.decidable({"city": "Dubai"})


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("today", date(2026, 1, 1), date(2026, 1, 1)),
        ("yesterday", date(2025, 12, 31), date(2025, 12, 31)),
        ("current_week", date(2025, 12, 29), date(2026, 1, 4)),  # ISO: Monday to Sunday
        ("last_week", date(2025, 12, 22), date(2025, 12, 28)),
        ("current_month", date(2026, 1, 1), date(2026, 1, 31)),
        ("last_month", date(2025, 12, 1), date(2025, 12, 31)),
        ("current_year", date(2026, 1, 1), date(2026, 12, 31)),
        ("last_year", date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_named_intervals(name: str, first: date, last: date) -> None:
    assert lists.interval_days(name, TODAY) == (first, last)


def test_the_oracle_knows_every_named_interval_of_the_contract() -> None:
    for name in CONTRACT.named_intervals:
        lists.interval_days(name, TODAY)


def test_last_month_in_march_of_a_leap_year() -> None:
    assert lists.interval_days("last_month", date(2024, 3, 15)) == (
        date(2024, 2, 1),
        date(2024, 2, 29),
    )


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        ({"created": "yesterday"}, True),  # 2025-12-31T23:59:59Z
        ({"created": "today"}, False),
        ({"created": "last_year"}, True),
        ({"created": "current_week"}, True),
        ({"created": {"from": "2025-12-31"}}, True),  # bounds are whole days, inclusive
        ({"created": {"to": "2025-12-31"}}, True),  # `to` includes 23:59:59 that day
        ({"created": {"from": "2026-01-01"}}, False),
        ({"created": {"to": "2025-12-30"}}, False),
        ({"created": {"from": "2025-01-01", "to": "2025-12-31"}}, True),
        ({"updated": "today"}, True),
        ({"passport_expire": {"from": "2027-06-30", "to": "2027-06-30"}}, True),
        ({"passport_expire": "current_year"}, False),
        ({"time_frame_from": "current_week"}, True),
        ({"time_frame_from": "last_week"}, False),
    ],
)
def test_date_filters(filters: dict[str, Any], kept: bool) -> None:
    assert keeps(filters) is kept


def test_date_filters_are_read_in_utc() -> None:
    # 2026-01-01T01:30 at +03:00 is 2025-12-31T22:30Z: yesterday, in UTC.
    subject = lead(created_at="2026-01-01T01:30:00+03:00")
    assert keeps({"created": "yesterday"}, subject)
    assert not keeps({"created": "today"}, subject)


def test_a_null_date_matches_no_date_filter() -> None:
    assert not keeps({"passport_expire": {"from": "1900-01-01"}}, lead(passport_expire=None))


def test_filters_combine_with_and() -> None:
    assert keeps({"city": "dubai", "status": "prospect"})
    assert not keeps({"city": "dubai", "status": "qualified"})
    mismatches = lists.filter_mismatches(lead(), {"city": "x", "wishlist": {"types": [9]}}, TODAY)
    assert [m.filter for m in mismatches] == ["filters[city]", "filters[wishlist][types]"]


# --- sorting ------------------------------------------------------------------------------

SORTS = lists.SortOracle(CONTRACT)


def ids(leads: list[dict[str, Any]], key: str, descending: bool) -> list[int]:
    return [subject["id"] for subject in SORTS.sort(leads, key, descending)]


def test_the_oracle_knows_every_sort_key_of_the_contract() -> None:
    for key in CONTRACT.sort_keys:
        SORTS.value(lead(), key)


def test_text_keys_ignore_case_and_ties_go_by_id_ascending_in_both_orders() -> None:
    leads = [
        lead(id=3, last_name="smith"),
        lead(id=1, last_name="Smith"),
        lead(id=2, last_name="adams"),
    ]
    assert ids(leads, "last_name", descending=False) == [2, 1, 3]
    assert ids(leads, "last_name", descending=True) == [1, 3, 2]


def test_missing_values_come_last_in_both_orders() -> None:
    leads = [
        lead(id=1, email=None),
        lead(id=2, email="b@x"),
        lead(id=3, email="a@x"),
        lead(id=4, email=None),
    ]
    assert ids(leads, "email", descending=False) == [3, 2, 1, 4]
    assert ids(leads, "email", descending=True) == [2, 3, 1, 4]


def test_status_and_time_frame_follow_their_enumerations() -> None:
    order = CONTRACT.status_order
    leads = [lead(id=i + 1, status=s) for i, s in enumerate(reversed(order))]
    assert [SORTS.value(x, "status") for x in SORTS.sort(leads, "status", False)] == list(
        range(len(order))
    )
    frames = [lead(id=1, time_frame="3-6"), lead(id=2, time_frame="2"), lead(id=3, time_frame=None)]
    frames.append(lead(id=4, time_frame="0"))
    assert ids(frames, "time_frame", descending=False) == [4, 2, 1, 3]  # 0, 2, 3-6, none
    assert ids(frames, "time_frame", descending=True) == [1, 2, 4, 3]


def _with_preference(lead_id: int, **values: Any) -> dict[str, Any]:
    subject = lead(id=lead_id)
    subject["preferences"][0].update(values)
    return subject


def test_preference_keys() -> None:
    leads = [
        _with_preference(1, from_price=300),
        _with_preference(2, from_price=100),
        lead(id=3, preferences=[]),
        _with_preference(4, from_price=100),
    ]
    assert ids(leads, "price", descending=False) == [2, 4, 1, 3]
    assert ids(leads, "price", descending=True) == [1, 2, 4, 3]
    sized = [_with_preference(1, from_size=None), _with_preference(2, from_size=5)]
    assert ids(sized, "size", descending=True) == [2, 1]
    typed = [
        _with_preference(1, types=[{"id": 9, "name": "villa"}, {"id": 1, "name": "Apartment"}]),
        _with_preference(2, types=[{"id": 2, "name": "Apartment"}]),
        _with_preference(3, types=[]),
    ]
    assert ids(typed, "type", descending=False) == [2, 1, 3]  # the first type's name


def test_created_compares_instants_not_text() -> None:
    leads = [
        lead(id=1, created_at="2026-01-01T01:00:00+03:00"),
        lead(id=2, created_at="2025-12-31T23:00:00Z"),
    ]
    assert ids(leads, "created", descending=False) == [1, 2]


def test_user_and_id_keys() -> None:
    leads = [lead(id=2, user={"id": 5}), lead(id=1, user={"id": 9}), lead(id=3, user={"id": 5})]
    assert ids(leads, "user", descending=True) == [1, 2, 3]
    assert ids(leads, "id", descending=True) == [3, 2, 1]


@pytest.mark.parametrize(("order", "descending"), [("ASC", False), ("desc", True), (None, False)])
def test_sort_order_spellings(order: str | None, descending: bool) -> None:
    assert lists.is_descending(order) is descending


def test_custom_value_text() -> None:
    assert [lists.custom_value_text(v) for v in (True, False, 3, 3.0, 2.5, "X")] == [
        "true",
        "false",
        "3",
        "3",
        "2.5",
        "X",
    ]


def test_messages_show_values_as_answered() -> None:
    subject = lead(status="qualified", time_frame=None)
    assert SORTS.shown(subject, "status") == "qualified"
    assert SORTS.shown(subject, "created") == "2025-12-31T23:59:59Z"
    assert SORTS.shown(subject, "time_frame") is None
    assert SORTS.shown(subject, "price") == 100
