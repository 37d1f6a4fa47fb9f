"""The rules a lead body follows beyond its schema (mock_server/api/validation.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from mock_server.api.records import CustomField, ReferenceData
from mock_server.api.validation import lead_rule_errors

from ..conftest import lead_write

CHANNELS = {"portal": {"dubizzle", "bayut"}}


def _belongs(source: str | None, channel: str | None) -> bool:
    return source not in CHANNELS or channel in CHANNELS[source]


def _lead(**changes: Any) -> dict[str, Any]:
    lead: dict[str, Any] = lead_write(properties=[1], **changes)["lead"]
    lead["preference"].update(locations=["are.3.1200"], types=[2], amenities=[1])
    return lead


def _names(reference: ReferenceData, lead: dict[str, Any]) -> list[str]:
    return [e["name"] for e in lead_rule_errors(lead, reference, _belongs)]


def test_a_lead_that_follows_every_rule(reference: ReferenceData) -> None:
    assert _names(reference, _lead()) == []
    assert _names(reference, _lead(source="other", source_channel="anything at all")) == []


def test_a_required_custom_field_must_be_given(reference: ReferenceData) -> None:
    fields = {**reference.custom_fields, 1: CustomField(1, "lead", "Pets", "string", True)}
    strict = replace(reference, custom_fields=fields)
    assert _names(strict, _lead(fields={})) == ["/lead/fields"]
    assert _names(strict, _lead(fields={"1": "a cat"})) == []
    # A required field of properties is no lead's business.
    fields[5] = CustomField(5, "property", "View", "string", True)
    assert _names(replace(reference, custom_fields=fields), _lead(fields={"1": "x"})) == []


@pytest.mark.parametrize(
    ("value", "broken"),
    [(True, False), ("true", True), (1, True), ("x", True)],
)
def test_a_boolean_custom_field(reference: ReferenceData, value: Any, broken: bool) -> None:
    assert _names(reference, _lead(fields={"3": value})) == (["/lead/fields/3"] if broken else [])


def test_a_number_custom_field_takes_numbers_but_not_booleans(reference: ReferenceData) -> None:
    fields = {**reference.custom_fields, 4: CustomField(4, "lead", "Budget", "number", False)}
    numbers = replace(reference, custom_fields=fields)
    assert _names(numbers, _lead(fields={"4": 2})) == []
    assert _names(numbers, _lead(fields={"4": 2.5})) == []
    assert _names(numbers, _lead(fields={"4": True})) == ["/lead/fields/4"]
    assert _names(numbers, _lead(fields={"4": "2"})) == ["/lead/fields/4"]


def test_equal_bounds_are_fine_and_null_bounds_are_not_compared(reference: ReferenceData) -> None:
    lead = _lead()
    lead["preference"].update(from_price=5, to_price=5, from_size=None, to_size=1)
    assert _names(reference, lead) == []


def test_the_prefix_names_where_the_lead_is(reference: ReferenceData) -> None:
    errors = lead_rule_errors(_lead(user=9), reference, _belongs, prefix="")
    assert [e["name"] for e in errors] == ["/user"]
