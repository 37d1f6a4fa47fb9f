from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from mock_server.api.filters import FilterError, compile_filters, custom_value_text
from mock_server.api.records import ReferenceData

from ..conftest import make_lead

TODAY = date(2026, 11, 29)
CHANNELS = {"portal": {"dubizzle", "bayut"}, "socialMedia": {"facebook"}}


def _belongs(source: str | None, channel: str | None) -> bool:
    return source not in CHANNELS or channel in CHANNELS[source]


def _kept(reference: ReferenceData, filters: dict[str, Any], *leads: Any) -> list[int]:
    keep = compile_filters(filters, reference, _belongs, TODAY)
    return [lead["id"] for lead in leads if keep(lead)]


def test_no_filter_and_empty_nested_objects_keep_everything(reference: ReferenceData) -> None:
    leads = [make_lead(1), make_lead(2, preference="none")]
    assert _kept(reference, {}, *leads) == [1, 2]
    # Connexion injects {} for nested objects that were not sent.
    assert _kept(reference, {"wishlist": {}, "legal_representative": {}}, *leads) == [1, 2]


@pytest.mark.parametrize(
    ("filters", "lead", "kept"),
    [
        ({"status": "prospect"}, {}, True),
        ({"status": "qualified"}, {}, False),
        ({"user": 1}, {}, True),
        ({"user": 2}, {}, False),
        ({"excluded_user": 1}, {}, False),
        ({"excluded_user": 2}, {}, True),
        ({"id": 7}, {}, True),
        ({"id": 8}, {}, False),
        ({"query": "johnny TR"}, {}, True),
        ({"query": "7"}, {"mobile": "0500000000"}, True),  # the id, exactly
        ({"query": "77"}, {"mobile": "0500000000"}, False),
        ({"query": "0478"}, {}, True),
        ({"query": "gmail.com"}, {}, True),
        ({"query": "johnny smith"}, {}, False),
        ({"name": "ump"}, {}, True),
        ({"name": "gmail"}, {}, False),  # name looks only at first and last names
        ({"mobile": "8524"}, {}, True),
        ({"city": "DUBAI"}, {}, True),
        ({"city": "dub"}, {}, False),  # whole value
        ({"address": "marina"}, {}, True),
        ({"country": "ae"}, {}, True),
        ({"pobox": "1510"}, {}, False),
        ({"passport": "rdr7800"}, {"passport": "RDR7800"}, True),
        ({"bank": "nbd"}, {"bank": "Emirates NBD"}, True),
        ({"bank": "nbd"}, {}, False),
        ({"channel": "DUBIZZLE"}, {}, True),
        ({"property": 3}, {"properties": [1, 3]}, True),
        ({"property": 2}, {"properties": [1, 3]}, False),
        ({"created": {"from": "2016-03-01", "to": "2016-03-01"}}, {}, True),
        ({"created": {"from": "2016-03-02"}}, {}, False),
        ({"created": "current_month"}, {"created_at": datetime(2026, 11, 1, tzinfo=UTC)}, True),
        ({"created": "current_month"}, {}, False),
        ({"updated": "last_year"}, {"updated_at": datetime(2025, 6, 1, tzinfo=UTC)}, True),
        ({"passport_expire": {"to": "2027-01-01"}}, {"passport_expire": date(2026, 5, 1)}, True),
        ({"passport_expire": {"to": "2027-01-01"}}, {}, False),
        ({"time_frame_from": "current_year"}, {"time_frame_from": date(2026, 2, 1)}, True),
        (
            {"legal_representative": {"name": "sha"}},
            {"legal_representative": {"first_name": "Shi", "last_name": "Sha"}},
            True,
        ),
        (
            {"legal_representative": {"mobile": "555"}},
            {"legal_representative": {"mobile": None, "phone": "+9714555"}},
            True,
        ),
        ({"legal_representative": {"email": "x"}}, {}, False),
        ({"lead_fields": {"1": "2 PETS"}}, {"fields": {"1": "2 pets"}}, True),
        ({"lead_fields": {"3": "true"}}, {"fields": {"3": True}}, True),
        ({"lead_fields": {"3": "false"}}, {"fields": {"3": True}}, False),
        ({"lead_fields": {"9": "x"}}, {"fields": {"1": "x"}}, False),
        ({"property_fields": {"5": "sea"}}, {"properties": [1]}, True),
        ({"property_fields": {"5": "sea"}}, {"properties": []}, False),
        ({"property_fields": {"5": "garden"}}, {"properties": [1]}, False),
    ],
)
def test_each_lead_filter(
    reference: ReferenceData, filters: dict[str, Any], lead: dict[str, Any], kept: bool
) -> None:
    assert _kept(reference, filters, make_lead(7, **lead)) == ([7] if kept else [])


@pytest.mark.parametrize(
    ("wishlist", "kept"),
    [
        ({"from_price": 120000}, True),
        ({"from_price": 120001}, False),
        ({"to_price": 125000}, True),
        ({"to_price": 124999}, False),
        ({"from_size": 900, "to_size": 1200}, True),
        ({"from_bathroom": 3}, False),
        ({"to_bathroom": 3}, True),
        ({"from_bedroom": 2}, True),
        ({"to_bedroom": 2}, False),
        ({"category": "residential"}, True),
        ({"category": "commercial"}, False),
        ({"locations": ["are.3"]}, True),  # are.3.1200 is inside Dubai
        ({"locations": ["are.3.1200"]}, True),
        ({"locations": ["are.3.12"]}, False),  # a prefix of digits is not containment
        ({"locations": ["are.1", "are.3.1200"]}, True),
        ({"locations": ["are.1"]}, False),
        ({"types": [2]}, True),
        ({"types": [1, 5]}, False),
    ],
)
def test_each_wishlist_filter(
    reference: ReferenceData, wishlist: dict[str, Any], kept: bool
) -> None:
    assert _kept(reference, {"wishlist": wishlist}, make_lead(7)) == ([7] if kept else [])


def test_a_lead_without_preference_or_bound_matches_no_wishlist_filter(
    reference: ReferenceData,
) -> None:
    assert (
        _kept(reference, {"wishlist": {"category": "residential"}}, make_lead(1, preference="none"))
        == []
    )
    lead = make_lead(2, preference={"from_size": None})
    assert _kept(reference, {"wishlist": {"from_size": 0}}, lead) == []


def test_filters_combine_with_and(reference: ReferenceData) -> None:
    leads = [make_lead(1), make_lead(2, status="qualified"), make_lead(3, user=2)]
    assert _kept(reference, {"status": "prospect", "user": 1}, *leads) == [1]


def test_a_channel_of_another_source_is_refused(reference: ReferenceData) -> None:
    with pytest.raises(FilterError) as raised:
        compile_filters({"source": "portal", "channel": "facebook"}, reference, _belongs, TODAY)
    assert raised.value.name == "filters[channel]"
    compile_filters({"source": "portal", "channel": "bayut"}, reference, _belongs, TODAY)


@pytest.mark.parametrize(
    ("value", "text"), [(True, "true"), (False, "false"), (3.0, "3"), (2.5, "2.5"), ("Sea", "sea")]
)
def test_custom_values_compare_as_text(value: Any, text: str) -> None:
    assert custom_value_text(value) == text
