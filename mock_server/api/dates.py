"""Date filters: `[from]`/`[to]` ranges and the named intervals of D-23, all in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

# An interval is a pair of inclusive day bounds; None leaves that side open.
DayInterval = tuple[date | None, date | None]


def _month_start(day: date, months_back: int = 0) -> date:
    month_index = day.year * 12 + day.month - 1 - months_back
    return date(month_index // 12, month_index % 12 + 1, 1)


def named_interval(name: str, today: date) -> DayInterval:
    """The inclusive days of a named interval; weeks start on Monday."""
    if name == "today":
        return today, today
    if name == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if name in ("current_week", "last_week"):
        monday = today - timedelta(days=today.weekday())
        if name == "last_week":
            monday -= timedelta(days=7)
        return monday, monday + timedelta(days=6)
    if name in ("current_month", "last_month"):
        start = _month_start(today, 1 if name == "last_month" else 0)
        return start, _month_start(today, -1 if name == "current_month" else 0) - timedelta(days=1)
    if name in ("current_year", "last_year"):
        year = today.year - (1 if name == "last_year" else 0)
        return date(year, 1, 1), date(year, 12, 31)
    raise ValueError(f"unknown interval {name!r}")


def interval(value: str | dict[str, Any], today: date) -> DayInterval:
    """The days a date filter's value covers: a named interval or a `{from, to}` range."""
    if isinstance(value, str):
        return named_interval(value, today)
    return _as_date(value.get("from")), _as_date(value.get("to"))


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def contains(bounds: DayInterval, moment: date | datetime | None) -> bool:
    if moment is None:
        return False
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    low, high = bounds
    return (low is None or low <= day) and (high is None or day <= high)
