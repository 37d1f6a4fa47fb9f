"""The bracket query parser (mock_server/http/query.py): every wire form of the contract,
through HTTP, and its two pure functions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from mock_server.http.query import coerce, split_key

from ..conftest import auth, error_names, problem, raw_fixture

if TYPE_CHECKING:
    from starlette.testclient import TestClient

TODAY = date(2026, 11, 29)  # the test app's clock
Lead = dict[str, Any]


PAGE = 25  # the response is validated against the contract, which takes time per lead


def _listed(client: TestClient, query: str, token: str = "admin-token") -> tuple[int, list[int]]:
    """(count, ids of the first page) for a query string."""
    response = client.get(f"/leads?per_page={PAGE}&{query}", headers=auth(token))
    assert response.status_code == 200, response.text
    page = response.json()
    return page["count"], [lead["id"] for lead in page["leads"]]


def _oracle(keep: Callable[[Lead], bool]) -> tuple[int, list[int]]:
    """The listing expected: the fixture file filtered by a predicate written from the contract."""
    ids = sorted(lead["id"] for lead in raw_fixture("leads.json") if keep(lead))
    assert 0 < len(ids) < 300, "the filter must keep some leads and drop others to test anything"
    return len(ids), ids[:PAGE]


def _inside(location: str, wanted: list[str]) -> bool:
    return any(location == w or location.startswith(w + ".") for w in wanted)


def _wish_in(*wanted: str) -> Callable[[Lead], bool]:
    return lambda lead: (
        lead["preference"] is not None
        and any(_inside(loc, list(wanted)) for loc in lead["preference"]["locations"])
    )


_INVENTORY = {p["id"]: p for p in raw_fixture("properties.json") if p["source"] == "inventory"}


# One wire form, one oracle


def test_a_plain_filter(client: TestClient) -> None:
    expected = _oracle(lambda lead: lead["status"] == "prospect")
    assert _listed(client, "filters[status]=prospect") == expected


def test_a_percent_encoded_filter(client: TestClient) -> None:
    expected = _oracle(lambda lead: lead["status"] == "prospect")
    assert _listed(client, "filters%5Bstatus%5D=prospect") == expected


def test_a_date_range(client: TestClient) -> None:
    expected = _oracle(lambda lead: "2024-01-01" <= lead["created_at"][:10] <= "2024-12-31")
    query = "filters[created][from]=2024-01-01&filters[created][to]=2024-12-31"
    assert _listed(client, query) == expected
    encoded = "filters%5Bcreated%5D%5Bfrom%5D=2024-01-01&filters%5Bcreated%5D%5Bto%5D=2024-12-31"
    assert _listed(client, encoded) == expected


def test_a_one_sided_date_range(client: TestClient) -> None:
    expected = _oracle(lambda lead: lead["updated_at"][:10] >= "2026-06-01")
    assert _listed(client, "filters[updated][from]=2026-06-01") == expected


def test_a_named_interval(client: TestClient) -> None:
    month = TODAY.isoformat()[:7]
    expected = _oracle(lambda lead: lead["created_at"].startswith(month))
    assert _listed(client, "filters[created]=current_month") == expected


def test_a_lead_custom_field(client: TestClient) -> None:
    expected = _oracle(lambda lead: lead["fields"].get("1", "").lower() == "2 pets")
    assert _listed(client, "filters[lead_fields][1]=2%20PETS") == expected
    assert _listed(client, "filters[lead_fields][1]=x") == (0, [])


def test_a_property_custom_field(client: TestClient) -> None:
    def selected_sea_view(lead: Lead) -> bool:
        props = [_INVENTORY[p] for p in lead["properties"]]
        return any(str(p["fields"].get("5", "")).lower() == "sea" for p in props)

    assert _listed(client, "filters[property_fields][5]=sea") == _oracle(selected_sea_view)


@pytest.mark.parametrize(
    "query",
    [
        "filters[wishlist][locations]=are.1&filters[wishlist][locations]=are.3.50",
        "filters[wishlist][locations][]=are.1&filters[wishlist][locations][]=are.3.50",
        "filters[wishlist][locations][0]=are.1&filters[wishlist][locations][1]=are.3.50",
        "filters[wishlist][locations][1]=are.3.50&filters[wishlist][locations][0]=are.1",
        "filters[wishlist][locations]=are.1,are.3.50",
        "filters%5Bwishlist%5D%5Blocations%5D%5B%5D=are.1&filters%5Bwishlist%5D%5Blocations%5D%5B%5D=are.3.50",
    ],
)
def test_every_list_form_gives_the_same_list(client: TestClient, query: str) -> None:
    assert _listed(client, query) == _oracle(_wish_in("are.1", "are.3.50"))


def test_a_single_location(client: TestClient) -> None:
    assert _listed(client, "filters[wishlist][locations]=are.1") == _oracle(_wish_in("are.1"))


@pytest.mark.parametrize(
    ("query", "types"),
    [
        ("filters[wishlist][types]=2", {2}),
        ("filters[wishlist][types]=2,3", {2, 3}),
        ("filters[wishlist][types][]=2&filters[wishlist][types][]=3", {2, 3}),
    ],
)
def test_wishlist_types(client: TestClient, query: str, types: set[int]) -> None:
    expected = _oracle(
        lambda lead: (
            lead["preference"] is not None and bool(types & set(lead["preference"]["types"]))
        )
    )
    assert _listed(client, query) == expected


def test_a_wishlist_bound_is_cast_to_an_integer(client: TestClient) -> None:
    def keep(lead: Lead) -> bool:
        pref = lead["preference"]
        return (
            pref is not None and pref["from_price"] is not None and pref["from_price"] >= 1_000_000
        )

    assert _listed(client, "filters[wishlist][from_price]=1000000") == _oracle(keep)


def test_a_legal_representative_filter(client: TestClient) -> None:
    def keep(lead: Lead) -> bool:
        rep = lead.get("legal_representative") or {}
        return any("al" in (rep.get(k) or "").lower() for k in ("first_name", "last_name"))

    assert _listed(client, "filters[legal_representative][name]=AL") == _oracle(keep)


def test_the_documents_sort_example(client: TestClient) -> None:
    # `$ curl -X GET 'http://api-v2.mycrm.com/leads?sort=id&sort_order=DESC'`
    count, ids = _listed(client, "sort=id&sort_order=DESC")
    every = sorted((lead["id"] for lead in raw_fixture("leads.json")), reverse=True)
    assert (count, ids) == (len(every), every[:PAGE])


def test_the_documents_custom_field_example_repaired(client: TestClient) -> None:
    # D-28: `filters[property_fields]['1']=test&$filters[lead_fields]['2']=test`, repaired.
    # Field 1 is a lead field, not a property one, so it matches nothing; it is not an error.
    assert _listed(client, "filters[property_fields][1]=test&filters[lead_fields][2]=test") == (
        0,
        [],
    )


def test_filters_combine(client: TestClient) -> None:
    expected = _oracle(lambda lead: lead["status"] == "prospect" and _wish_in("are.3")(lead))
    assert (
        _listed(client, "filters[status]=prospect&filters[wishlist][locations]=are.3") == expected
    )


# Refusals


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("page=1&page=2", "page"),
        ("filters[status]=prospect&filters[status]=qualified", "filters[status]"),
        (
            "filters[created][from]=2016-01-01&filters[created][from]=2016-02-01",
            "filters[created][from]",
        ),
        ("filters[created][from]=yesterday-ish", "filters[created][from]"),
        ("filters[created][from]=2016-02-30", "filters[created][from]"),
        ("filters[updated][to]=01/02/2016", "filters[updated][to]"),
        ("filters[created]=fortnight", "filters[created]"),
        ("filters[created][since]=2016-01-01", "filters[created]"),
        ("filters[wishlist][from_price]=cheap", "filters[wishlist][from_price]"),
        ("filters[wishlist][colour]=blue", "filters[wishlist][colour]"),
        ("filters[user]=me", "filters[user]"),
        ("filters=prospect", "filters"),
        ("sort[id]=1", "sort[id]"),
    ],
)
def test_a_malformed_query_is_400_naming_the_parameter(
    client: TestClient, query: str, name: str
) -> None:
    body = problem(client.get(f"/leads?{query}", headers=auth()), 400)
    assert {n for _, n in error_names(body)} and all(
        n.startswith(name) for _, n in error_names(body)
    )
    assert {where for where, _ in error_names(body)} == {"query"}


@pytest.mark.parametrize(
    "query",
    [
        "filters[created]=current_month&filters[created][from]=2016-01-01",
        "filters[created][from]=2016-01-01&filters[created]=current_month",
        "filters[wishlist][locations]=are.1&filters[wishlist][locations][0]=are.3",
    ],
)
def test_a_key_that_is_both_a_value_and_an_object_is_400(client: TestClient, query: str) -> None:
    body = problem(client.get(f"/leads?{query}", headers=auth()), 400)
    assert all(
        where == "query" and name.startswith("filters[") for where, name in error_names(body)
    )


# Units


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("filters[status]", ("filters", ["status"])),
        ("filters[created][from]", ("filters", ["created", "from"])),
        ("filters[wishlist][locations][]", ("filters", ["wishlist", "locations", ""])),
        ("filters[wishlist][locations][0]", ("filters", ["wishlist", "locations", "0"])),
        ("page", ("page", [])),
        ("filters[status", ("filters[status", [])),
        ("filters[a]b", ("filters[a]b", [])),
        ("filters[a[b]]", ("filters[a[b]]", [])),
    ],
)
def test_split_key(key: str, expected: tuple[str, list[str]]) -> None:
    assert split_key(key) == expected


_DATE_FILTER = {
    "oneOf": [
        {"type": "string", "enum": ["today"]},
        {"type": "object", "properties": {"from": {"type": "string"}}},
    ]
}
_LIST = {"type": "array", "items": {"type": "integer"}}


@pytest.mark.parametrize(
    ("value", "schema", "expected"),
    [
        (["5"], {"type": "integer"}, 5),
        (["-5"], {"type": "integer"}, -5),
        (["5.0"], {"type": "integer"}, "5.0"),  # left for validation to refuse
        (["x"], {"type": "integer"}, "x"),
        (["2.5"], {"type": "number"}, 2.5),
        (["3"], {"type": "number"}, 3),
        (["1e3"], {"type": "number"}, 1000.0),
        (["TRUE"], {"type": "boolean"}, True),
        (["false"], {"type": "boolean"}, False),
        (["yes"], {"type": "boolean"}, "yes"),
        (["5"], {"type": "string"}, "5"),
        (["1", "2"], {"type": "integer"}, ["1", "2"]),  # a scalar twice: validation refuses
        (["1", "2,3"], _LIST, [1, 2, 3]),
        ({"1": ["b"], "0": ["a"]}, {"type": "array", "items": {"type": "string"}}, ["a", "b"]),
        ({"x": ["a"]}, _LIST, {"x": ["a"]}),
        (["today"], _DATE_FILTER, "today"),
        ({"from": ["2016-01-01"]}, _DATE_FILTER, {"from": "2016-01-01"}),
        (
            {"1": ["x"], "2": ["3"]},
            {"type": "object", "additionalProperties": {"type": "string"}},
            {"1": "x", "2": "3"},
        ),
        (
            {"a": {"b": ["4"]}},
            {
                "type": "object",
                "properties": {
                    "a": {"allOf": [{"type": "object", "properties": {"b": {"type": "integer"}}}]}
                },
            },
            {"a": {"b": 4}},
        ),
        ({"unknown": ["4"]}, {"type": "object", "properties": {}}, {"unknown": "4"}),
    ],
)
def test_coerce(value: Any, schema: dict[str, Any], expected: Any) -> None:
    assert coerce(value, schema) == expected
