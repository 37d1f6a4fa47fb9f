from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from mock_server.api.dates import contains, interval, named_interval

THURSDAY = date(2026, 3, 12)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("today", (date(2026, 3, 12), date(2026, 3, 12))),
        ("yesterday", (date(2026, 3, 11), date(2026, 3, 11))),
        ("current_week", (date(2026, 3, 9), date(2026, 3, 15))),
        ("last_week", (date(2026, 3, 2), date(2026, 3, 8))),
        ("current_month", (date(2026, 3, 1), date(2026, 3, 31))),
        ("last_month", (date(2026, 2, 1), date(2026, 2, 28))),
        ("current_year", (date(2026, 1, 1), date(2026, 12, 31))),
        ("last_year", (date(2025, 1, 1), date(2025, 12, 31))),
    ],
)
def test_named_intervals(name: str, expected: tuple[date, date]) -> None:
    assert named_interval(name, THURSDAY) == expected


def test_last_month_in_january_is_last_december() -> None:
    assert named_interval("last_month", date(2026, 1, 5)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert named_interval("current_month", date(2025, 12, 5)) == (
        date(2025, 12, 1),
        date(2025, 12, 31),
    )


def test_unknown_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="fortnight"):
        named_interval("fortnight", THURSDAY)


def test_range_bounds_are_inclusive_whole_days() -> None:
    bounds = interval({"from": "2016-01-01", "to": "2016-12-31"}, THURSDAY)
    assert contains(bounds, datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert contains(bounds, datetime(2016, 1, 1, 0, 0, tzinfo=UTC))
    assert not contains(bounds, datetime(2017, 1, 1, 0, 0, tzinfo=UTC))
    assert not contains(bounds, datetime(2015, 12, 31, 23, 59, tzinfo=UTC))


def test_open_bounds_and_missing_values() -> None:
    assert contains(interval({"from": "2016-01-01"}, THURSDAY), date(2030, 1, 1))
    assert not contains(interval({"to": "2016-01-01"}, THURSDAY), date(2030, 1, 1))
    assert not contains(interval({}, THURSDAY), None)


def test_times_compare_in_utc() -> None:
    dubai = timezone(timedelta(hours=4))
    # 02:00 on Jan 1st in Dubai is still Dec 31st in UTC.
    moment = datetime(2017, 1, 1, 2, 0, tzinfo=dubai)
    assert contains(interval({"to": "2016-12-31"}, THURSDAY), moment)
