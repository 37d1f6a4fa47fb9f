"""How many properties match a preference (mock_server/api/matching.py, the contract's
`Matching`)."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server.api.matching import count_matches, property_matches
from mock_server.api.records import PreferenceRecord, Property

_NO_BOUNDS = {
    f"{side}_{b}": None for b in ("price", "size", "bathroom", "bedroom") for side in ("from", "to")
}


def _pref(**changes: Any) -> PreferenceRecord:
    pref: dict[str, Any] = {
        "id": 1,
        "offering_type": "sale",
        "locations": [],
        "types": [],
        "amenities": [],
        **_NO_BOUNDS,
    }
    pref.update(changes)
    return pref  # type: ignore[return-value]


def _prop(**changes: Any) -> Property:
    fields: dict[str, Any] = {
        "id": 1,
        "source": "inventory",
        "offering_type": "sale",
        "category": "residential",
        "type": 2,
        "location": "are.3.1200",
        "price": 1000,
        "size": 100,
        "bedrooms": 2,
        "bathrooms": 1,
        "fields": {},
    }
    fields.update(changes)
    return Property(**fields)


def test_a_preference_without_bounds_matches_its_offering_type_only() -> None:
    assert property_matches(_pref(), "residential", _prop())
    assert not property_matches(_pref(), "residential", _prop(offering_type="rent"))


@pytest.mark.parametrize("bound", ["price", "size", "bedroom", "bathroom"])
def test_bounds_are_inclusive(bound: str) -> None:
    key = {"price": "price", "size": "size", "bedroom": "bedrooms", "bathroom": "bathrooms"}[bound]
    prop = _prop(**{key: 5})
    assert property_matches(_pref(**{f"from_{bound}": 5, f"to_{bound}": 5}), None, prop)
    assert not property_matches(_pref(**{f"from_{bound}": 6}), None, prop)
    assert not property_matches(_pref(**{f"to_{bound}": 4}), None, prop)
    assert property_matches(_pref(**{f"from_{bound}": 4}), None, prop)  # the other bound left null
    assert property_matches(_pref(**{f"to_{bound}": 6}), None, prop)


def test_a_property_without_a_value_meets_no_bound_on_it() -> None:
    assert not property_matches(_pref(from_size=0), None, _prop(size=None))
    assert not property_matches(_pref(to_bedroom=9), None, _prop(bedrooms=None))
    assert property_matches(
        _pref(from_price=0), None, _prop(size=None, bedrooms=None, bathrooms=None)
    )


@pytest.mark.parametrize(
    ("locations", "matches"),
    [
        (["are.3.1200"], True),
        (["are.3"], True),
        (["are.1", "are.3"], True),
        (["are.3.12"], False),
        (["are.3.1200.5"], False),
        (["are.1"], False),
        ([], True),
    ],
)
def test_a_location_matches_itself_and_the_locations_inside_it(
    locations: list[str], matches: bool
) -> None:
    assert (
        property_matches(_pref(locations=locations), None, _prop(location="are.3.1200")) is matches
    )


@pytest.mark.parametrize(
    ("types", "matches"), [([2], True), ([1, 2], True), ([1], False), ([], True)]
)
def test_types(types: list[int], matches: bool) -> None:
    assert property_matches(_pref(types=types), None, _prop(type=2)) is matches


def test_the_leads_category() -> None:
    assert property_matches(_pref(), "commercial", _prop(category="commercial"))
    assert not property_matches(_pref(), "commercial", _prop(category="residential"))
    assert property_matches(_pref(), None, _prop(category="residential"))


def test_counts_split_inventory_and_mls() -> None:
    props = [
        _prop(id=1),
        _prop(id=2, source="mls"),
        _prop(id=3, source="mls"),
        _prop(id=4, price=10**9),
        _prop(id=5, source="mls", offering_type="rent"),
    ]
    assert count_matches(_pref(to_price=5000), "residential", props) == {
        "count": 3,
        "inventory_count": 1,
        "mls_count": 2,
    }
    assert count_matches(None, "residential", props) == {
        "count": 0,
        "inventory_count": 0,
        "mls_count": 0,
    }
    assert count_matches(_pref(), "residential", []) == {
        "count": 0,
        "inventory_count": 0,
        "mls_count": 0,
    }
