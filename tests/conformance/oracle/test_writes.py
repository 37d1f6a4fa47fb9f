"""The write model: what a lead must look like after a create, a replace or a patch."""

from __future__ import annotations

from typing import Any

from conformance.oracle import writes


def _body() -> dict[str, Any]:
    return {
        "title": "mr",
        "first_name": "Ana",
        "last_name": "Ng",
        "mobile": "0501234567",
        "category": "residential",
        "country": "AE",
        "status": "prospect",
        "source": "portal",
        "source_channel": "bayut",
        "financial": "cash",
        "legal_representative": {"first_name": "Omar", "phone": None},
        "preference": {
            "offering_type": "sale",
            "types": [3, 2],
            "locations": ["are.3"],
            "from_price": 1,
            "to_price": 2,
            "amenities": [2, 1],
        },
        "properties": [5, 4],
        "fields": {"1": "x"},
    }


def _answer() -> dict[str, Any]:
    return {
        "id": 1,
        "user": {"id": 4},
        "title": "mr",
        "first_name": "Ana",
        "middle_name": None,
        "last_name": "Ng",
        "email": None,
        "mobile": "0501234567",
        "address": None,
        "pobox": None,
        "city": None,
        "country": "AE",
        "status": "prospect",
        "quality": None,
        "financial": "cash",
        "mortgage_status": None,
        "source": "portal",
        "channel": "bayut",
        "category": "residential",
        "time_frame": None,
        "time_frame_from": None,
        "passport": None,
        "passport_expire": None,
        "legal_representative": {"first_name": "Omar", "last_name": None, "phone": None},
        "bank": None,
        "preferences": [
            {
                "id": 9,
                "offering_type": "sale",
                "locations": [{"id": "are.3"}],
                "types": [{"id": 2, "name": "A"}, {"id": 3, "name": "B"}],
                "from_price": 1,
                "to_price": 2,
                "from_size": None,
                "to_size": None,
                "from_bathroom": None,
                "to_bathroom": None,
                "from_bedroom": None,
                "to_bedroom": None,
            }
        ],
        "amenities": [{"id": 1, "name": "pool"}, {"id": 2, "name": "gym"}],
        "fields": {"1": "x"},
        "properties": [4, 5],
        "mls": [],
        "notes": [{"id": 1, "body": "n", "created_at": "2026-01-01T00:00:00Z"}],
    }


def test_a_faithful_answer_has_no_differences() -> None:
    expected = writes.expected_lead(_body(), user=4, notes=["n"])
    assert writes.differences(expected, writes.comparable(_answer(), with_notes=True)) == []


def test_a_dropped_field_is_a_difference() -> None:
    answer = _answer()
    answer["channel"] = None
    expected = writes.expected_lead(_body(), user=4, notes=None)
    assert writes.differences(expected, writes.comparable(answer, with_notes=False)) == [
        "channel: expected 'bayut', received None"
    ]


def test_patch_operations() -> None:
    view = writes.comparable(_answer(), with_notes=False)
    after = writes.apply_patch(
        view,
        [
            {"op": "replace", "path": "/status", "value": "qualified"},
            {"op": "replace", "path": "/assignment/user", "value": "7"},
            {"op": "add", "path": "/assignment/property", "value": 4},
            {"op": "add", "path": "/assignment/property", "value": 6},
            {"op": "remove", "path": "/assignment/property", "value": 5},
            {"op": "remove", "path": "/assignment/mls", "value": 1},
        ],
    )
    assert (after["status"], after["user"], after["properties"], after["mls"]) == (
        "qualified",
        7,
        [4, 6],
        [],
    )
