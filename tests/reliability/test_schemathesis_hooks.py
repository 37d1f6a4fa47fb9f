"""What the schemathesis hook leaves out: what the query string cannot carry (`_wire.py`)."""

from __future__ import annotations

from typing import Any

import pytest

from ._wire import filters_carried


@pytest.mark.parametrize(
    "filters",
    [
        {"status": "prospect", "city": "Dubai"},
        {"created": "today", "wishlist": {"types": [1, 2], "locations": ["are.3"]}},
        {"lead_fields": {"5": "Sea"}, "created": {"from": "2016-01-01"}},
        {"city": ""},  # an empty text where only text is allowed is what it says
    ],
)
def test_what_the_wire_carries_is_kept(filters: dict[str, Any]) -> None:
    assert filters_carried({"filters": filters, "page": 1})


@pytest.mark.parametrize(
    "filters",
    [
        {"property_fields": {"a[b": "x"}},  # brackets in a key
        {"lead_fields": {"a]": "x"}},
        {"updated": ""},  # a date filter may be an object: "" is the empty one (D-36)
        {"wishlist": {"types": ""}},  # a list: "" is the empty one
        {"wishlist": ""},
    ],
)
def test_what_the_wire_cannot_carry_is_left_out(filters: dict[str, Any]) -> None:
    assert not filters_carried({"filters": filters})


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        # As schemathesis hands them to hooks: the deepObject already flattened.
        ({"filters[status]": "prospect", "filters[wishlist][types]": [1]}, True),
        ({"filters[wishlist][locations][]": "are.3", "page": 2}, True),
        ({"filters[city]": ""}, True),
        ({"filters[updated]": "", "filters[city]": "l"}, False),
        ({"filters[wishlist][types]": ""}, False),
        ({"filters[property_fields][f[X]": "", "filters[city]": "Ajman"}, False),
        ({"filters[lead_fields][a]b]": "x"}, False),
    ],
)
def test_flattened_filters(query: dict[str, Any], kept: bool) -> None:
    assert filters_carried(query) is kept


def test_queries_without_filters_are_kept() -> None:
    assert filters_carried(None)
    assert filters_carried({"page": 1})
