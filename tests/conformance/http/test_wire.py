"""Filters on the wire: PHP brackets, arrays by repeating the key."""

from __future__ import annotations

from conformance.http.wire import filter_query, list_query


def test_nested_filters_become_bracketed_keys() -> None:
    assert filter_query(
        {
            "status": "prospect",
            "created": {"from": "2016-01-01", "to": "2016-12-31"},
            "wishlist": {"locations": ["are.3", "are.1"], "from_price": 5},
            "lead_fields": {"1": "x"},
        }
    ) == [
        ("filters[status]", "prospect"),
        ("filters[created][from]", "2016-01-01"),
        ("filters[created][to]", "2016-12-31"),
        ("filters[wishlist][locations]", "are.3"),
        ("filters[wishlist][locations]", "are.1"),
        ("filters[wishlist][from_price]", "5"),
        ("filters[lead_fields][1]", "x"),
    ]


def test_named_interval_is_a_plain_value() -> None:
    assert filter_query({"created": "current_month"}) == [("filters[created]", "current_month")]


def test_list_query_appends_sorting_and_paging() -> None:
    assert list_query({"user": 1}, sort="price", sort_order="DESC", page=2, per_page=100) == [
        ("filters[user]", "1"),
        ("sort", "price"),
        ("sort_order", "DESC"),
        ("page", "2"),
        ("per_page", "100"),
    ]
