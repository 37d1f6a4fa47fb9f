from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.api.listing import SortKey, page_of, sort_keys, sort_leads
from mock_server.api.records import ReferenceData

from ..conftest import make_lead

STATUSES = ["notYetContacted", "calledNoReply", "prospect", "qualified"]
TIME_FRAMES = ["0", "1", "1-3", "2", "3", "3-6", "6-9", "9-12"]


def _ids(reference: ReferenceData, leads: list, key: str, descending: bool = False) -> list[int]:
    keys = sort_keys(STATUSES, TIME_FRAMES, reference)
    return [lead["id"] for lead in sort_leads(leads, keys[key], descending)]


def test_text_sorts_case_insensitively_with_id_tie_break(reference: ReferenceData) -> None:
    leads = [make_lead(3, last_name="b"), make_lead(1, last_name="B"), make_lead(2, last_name="a")]
    assert _ids(reference, leads, "last_name") == [2, 1, 3]
    # Ties stay in id order in the descending order too.
    assert _ids(reference, leads, "last_name", descending=True) == [1, 3, 2]


def test_leads_without_a_value_come_last_in_both_orders(reference: ReferenceData) -> None:
    leads = [make_lead(1, email=None), make_lead(2, email="b@x"), make_lead(3, email="a@x")]
    assert _ids(reference, leads, "email") == [3, 2, 1]
    assert _ids(reference, leads, "email", descending=True) == [2, 3, 1]


def test_status_and_time_frame_sort_in_their_list_order(reference: ReferenceData) -> None:
    leads = [
        make_lead(1, status="qualified"),
        make_lead(2, status="notYetContacted"),
        make_lead(3, status="prospect"),
    ]
    assert _ids(reference, leads, "status") == [2, 3, 1]
    frames = [
        make_lead(1, time_frame="2"),
        make_lead(2, time_frame="1-3"),
        make_lead(3, time_frame=None),
        make_lead(4, time_frame="9-12"),
    ]
    assert _ids(reference, frames, "time_frame") == [2, 1, 4, 3]
    assert _ids(reference, frames, "time_frame", descending=True) == [4, 1, 2, 3]


def test_preference_keys(reference: ReferenceData) -> None:
    leads = [
        make_lead(1, preference={"from_price": 300, "from_size": 10, "types": [2]}),
        make_lead(2, preference={"from_price": 100, "from_size": 30, "types": [1]}),
        make_lead(3, preference="none"),
    ]
    assert _ids(reference, leads, "price") == [2, 1, 3]
    assert _ids(reference, leads, "size", descending=True) == [2, 1, 3]
    assert _ids(reference, leads, "type") == [1, 2, 3]  # Apartment before Villa


def test_other_keys(reference: ReferenceData) -> None:
    early, late = datetime(2015, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)
    leads = [make_lead(1, user=2, created_at=late), make_lead(2, user=1, created_at=early)]
    assert _ids(reference, leads, "user") == [2, 1]
    assert _ids(reference, leads, "created", descending=True) == [1, 2]
    assert _ids(reference, leads, "id", descending=True) == [2, 1]
    mobiles = [make_lead(1, mobile="+9715"), make_lead(2, mobile="0478")]
    assert _ids(reference, mobiles, "mobile") == [1, 2]


@pytest.mark.parametrize(("page", "expected"), [(1, [0, 1, 2]), (2, [3, 4, 5]), (4, [9]), (5, [])])
def test_pages_neither_overlap_nor_skip(page: int, expected: list[int]) -> None:
    assert page_of(list(range(10)), page, 3) == expected


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=0, max_size=60),
    descending=st.booleans(),
    limit=st.integers(0, 70),
)
def test_a_limited_sort_is_the_start_of_the_full_sort(
    values: list[int | None], descending: bool, limit: int
) -> None:
    leads = [make_lead(i + 1, time_frame=v) for i, v in enumerate(values)]
    key: SortKey = lambda lead: lead["time_frame"]  # noqa: E731  (ints with ties and gaps)
    full = [lead["id"] for lead in sort_leads(leads, key, descending)]
    limited = [lead["id"] for lead in sort_leads(leads, key, descending, limit=limit)]
    assert limited[:limit] == full[:limit]
    # The order itself: values in order, ties by id ascending, leads without a value last.
    expected = sorted(
        (i + 1 for i, v in enumerate(values) if v is not None),
        key=lambda i: (-values[i - 1] if descending else values[i - 1], i),  # type: ignore[operator]
    ) + [i + 1 for i, v in enumerate(values) if v is None]
    assert full == expected
