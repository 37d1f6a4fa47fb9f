"""A stored lead as the contract's `Lead` (mock_server/api/render.py)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from mock_server.api.records import NoteRecord, ReferenceData
from mock_server.api.render import Renderer, encode_json, timestamp
from mock_server.data.contract import Contract

from ..conftest import make_lead

DUBAI = timezone(timedelta(hours=4))


@pytest.fixture(scope="module")
def lead_schema() -> Any:
    return Contract().validator("Lead", writing=False)


def _note(note_id: int, body: str) -> NoteRecord:
    return NoteRecord(
        id=note_id, body=body, created_at=datetime(2020, 1, 2, 3, 4, 5, 678900, tzinfo=UTC)
    )


def test_without_expand_the_user_is_an_id_and_notes_are_left_out(reference: ReferenceData) -> None:
    out = Renderer(reference).lead(make_lead(7, user=2, notes=[_note(1, "hi")]), expand=False)
    assert out["user"] == {"id": 2}
    assert "notes" not in out


def test_with_expand_the_user_is_whole_and_notes_are_given(reference: ReferenceData) -> None:
    out = Renderer(reference).lead(
        make_lead(7, user=2, notes=[_note(1, "hi"), _note(2, "ho")]), expand=True
    )
    assert out["user"] == {
        "id": 2,
        "first_name": "Aisha",
        "last_name": "Khan",
        "email": "aisha@x.example",
        "mobile": None,
    }
    assert out["notes"] == [
        {"id": 1, "body": "hi", "created_at": "2020-01-02T03:04:05.678Z"},
        {"id": 2, "body": "ho", "created_at": "2020-01-02T03:04:05.678Z"},
    ]
    assert Renderer(reference).lead(make_lead(8), expand=True)["notes"] == []


def test_the_preference_is_complete_and_amenities_come_from_it(reference: ReferenceData) -> None:
    out = Renderer(reference).lead(
        make_lead(7, preference={"amenities": [1], "locations": ["are.3", "are.1"]}), expand=False
    )
    (pref,) = out["preferences"]
    assert pref["locations"] == [
        {"id": "are.3", "city": "Dubai"},
        {"id": "are.1", "city": "Abu Dhabi"},
    ]
    assert pref["types"] == [{"id": 2, "name": "Apartment", "category": "residential"}]
    assert (pref["id"], pref["offering_type"], pref["from_price"], pref["to_bedroom"]) == (
        7,
        "sale",
        120000,
        3,
    )
    assert "amenities" not in pref
    assert out["amenities"] == [{"id": 1, "name": "swimming pool"}]


def test_a_lead_without_preference(reference: ReferenceData) -> None:
    out = Renderer(reference).lead(make_lead(7, preference="none"), expand=False)
    assert (out["preferences"], out["amenities"]) == ([], [])
    assert out["matching"] == {"count": 0, "inventory_count": 0, "mls_count": 0}


def test_dates_and_times(reference: ReferenceData) -> None:
    lead = make_lead(
        7,
        created_at=datetime(2017, 1, 1, 2, 0, tzinfo=DUBAI),
        updated_at=datetime(2017, 1, 1, tzinfo=UTC),
        time_frame_from=date(2027, 3, 1),
        passport_expire=date(2030, 12, 31),
    )
    out = Renderer(reference).lead(lead, expand=False)
    assert out["created_at"] == "2016-12-31T22:00:00.000Z"  # in UTC
    assert out["updated_at"] == "2017-01-01T00:00:00.000Z"
    assert (out["time_frame_from"], out["passport_expire"]) == ("2027-03-01", "2030-12-31")
    assert Renderer(reference).lead(make_lead(8), expand=False)["passport_expire"] is None


def test_timestamps_keep_milliseconds_so_that_changes_stay_ordered() -> None:
    first = datetime(2026, 1, 1, 0, 0, 0, 1000, tzinfo=UTC)
    assert timestamp(first) == "2026-01-01T00:00:00.001Z"
    assert timestamp(first) < timestamp(first + timedelta(milliseconds=1))


def test_the_channel_and_plain_fields(reference: ReferenceData) -> None:
    out = Renderer(reference).lead(
        make_lead(7, channel="bayut", legal_representative={"first_name": "Shi"}), expand=False
    )
    assert (out["channel"], out["source"], out["mobile"]) == ("bayut", "portal", "0478524147")
    assert out["legal_representative"] == {"first_name": "Shi"}


def test_rendering_copies_so_that_callers_cannot_change_the_lead(reference: ReferenceData) -> None:
    lead = make_lead(
        7, properties=[1], fields={"1": "x"}, legal_representative={"first_name": "Shi"}
    )
    out = Renderer(reference).lead(lead, expand=False)
    out["properties"].append(2)
    out["fields"]["2"] = "y"
    out["legal_representative"]["first_name"] = "Bo"
    out["matching"]["count"] = 99
    assert (lead["properties"], lead["fields"], lead["legal_representative"]) == (
        [1],
        {"1": "x"},
        {"first_name": "Shi"},
    )
    assert Renderer(reference).lead(lead, expand=False)["matching"]["count"] != 99


def test_matching_counts_the_reference_properties(reference: ReferenceData) -> None:
    # make_lead's preference: sale, Apartment in are.3.1200, 120000-125000, 900-1200 sq ft.
    out = Renderer(reference).lead(make_lead(7), expand=False)
    assert out["matching"] == {"count": 2, "inventory_count": 1, "mls_count": 1}
    narrow = Renderer(reference).lead(make_lead(8, preference={"to_price": 121000}), expand=False)
    assert narrow["matching"] == {"count": 1, "inventory_count": 1, "mls_count": 0}


@pytest.mark.parametrize("expand", [False, True])
def test_rendered_leads_follow_the_contract(
    reference: ReferenceData, lead_schema: Any, expand: bool
) -> None:
    leads = [
        make_lead(7, notes=[_note(1, "hi")], time_frame_from=date(2027, 3, 1)),
        make_lead(8, preference="none", title=None, country=None, channel=None),
    ]
    for lead in leads:
        errors = list(lead_schema.iter_errors(Renderer(reference).lead(lead, expand=expand)))
        assert errors == []


@pytest.mark.parametrize("value", ["\ud800", 2**70, "é", {"1": "\udfff"}])
def test_what_orjson_refuses_is_still_encoded(value: Any) -> None:
    # A lone surrogate passes validation (it is valid JSON text) and must come back escaped.
    assert json.loads(encode_json({"v": value})) == {"v": value}
