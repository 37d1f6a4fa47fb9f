"""What the contract says a filter keeps and how a sort key orders, over leads as answered.

An independent reading of `openapi/leads.yaml` (`LeadFilters`, `WishlistFilters`, the `sort`
parameter) and of DECISIONS D-1, D-17, D-23, D-24, D-25, written over the *response*
representation of a lead (the `Lead` schema), so it can judge any server's answers. It never
looks at how a server stores leads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .contract import Contract

Lead = Mapping[str, Any]
Filters = Mapping[str, Any]
# A filter's test: `None` when the lead passes, otherwise why it does not.
_Test = Callable[[Lead, Any, date], "str | None"]


@dataclass(frozen=True)
class Mismatch:
    """A filter a lead does not satisfy, named as on the wire, and why."""

    filter: str
    reason: str


def fold(text: str) -> str:
    # "Text comparisons are case-insensitive" (contract, Filters on the wire).
    return text.casefold()


def custom_value_text(value: Any) -> str:
    """A custom field value as text (D-25): `true`/`false`, numbers in shortest form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # `3` for 3.0; otherwise Python's repr, the shortest text that reads back the same.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def parse_instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        # RFC 3339 requires an offset; a missing one is read as UTC rather than rejected here
        # (the schema layer reports the format).
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def utc_day(value: str) -> date:
    """The UTC calendar day of a `date` or `date-time` field."""
    if len(value) == 10:
        return date.fromisoformat(value)
    return parse_instant(value).date()


def interval_days(name: str, today: date) -> tuple[date, date]:
    """First and last day (inclusive) of a named interval (D-23: UTC, ISO weeks from Monday)."""
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
        first = today.replace(day=1)
        if name == "last_month":
            first = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    if name in ("current_year", "last_year"):
        year = today.year - (1 if name == "last_year" else 0)
        return date(year, 1, 1), date(year, 12, 31)
    raise ValueError(f"the oracle does not know the named interval {name!r}")


def date_filter_days(value: Any, today: date) -> tuple[date | None, date | None]:
    """The inclusive day bounds of a `DateFilter`: a named interval or `{from, to}`."""
    if isinstance(value, str):
        return interval_days(value, today)
    start = value.get("from")
    end = value.get("to")
    return (
        date.fromisoformat(start) if start is not None else None,
        date.fromisoformat(end) if end is not None else None,
    )


def _preference(lead: Lead) -> Mapping[str, Any] | None:
    preferences = lead.get("preferences") or []
    return preferences[0] if preferences else None


def _words(value: str) -> list[str]:
    return value.split()


def _contains(field: Any, needle: str) -> bool:
    return isinstance(field, str) and fold(needle) in fold(field)


def _equals(field: Any, value: str) -> bool:
    return isinstance(field, str) and fold(field) == fold(value)


# --- one test per filter -------------------------------------------------------------------


def _equal_to(field: str) -> _Test:
    def test(lead: Lead, value: Any, _: date) -> str | None:
        if lead.get(field) == value:
            return None
        return f"{field} is {lead.get(field)!r}, not {value!r}"

    return test


def _equal_text(field: str) -> _Test:
    def test(lead: Lead, value: Any, _: date) -> str | None:
        if _equals(lead.get(field), value):
            return None
        return f"{field} is {lead.get(field)!r}, not equal to {value!r} ignoring case"

    return test


def _substring(field: str) -> _Test:
    def test(lead: Lead, value: Any, _: date) -> str | None:
        if _contains(lead.get(field), value):
            return None
        return f"{field} is {lead.get(field)!r}, which does not contain {value!r} ignoring case"

    return test


def _in_dates(field: str) -> _Test:
    def test(lead: Lead, value: Any, today: date) -> str | None:
        raw = lead.get(field)
        start, end = date_filter_days(value, today)
        if raw is None:
            return f"{field} is null"
        day = utc_day(raw)
        if (start is None or day >= start) and (end is None or day <= end):
            return None
        return f"{field} is {raw!r} (UTC day {day}), outside {start or '...'} to {end or '...'}"

    return test


def _user(lead: Lead, value: Any, _: date) -> str | None:
    user = lead["user"]["id"]
    return None if user == value else f"user.id is {user}, not {value}"


def _excluded_user(lead: Lead, value: Any, _: date) -> str | None:
    user = lead["user"]["id"]
    return None if user != value else f"user.id is {user}, the excluded user"


def _query(lead: Lead, value: Any, _: date) -> str | None:
    fields = ("first_name", "last_name", "mobile", "email")
    for word in _words(value):
        if word == str(lead["id"]) or any(_contains(lead.get(f), word) for f in fields):
            continue
        return f"the word {word!r} is not the id nor found in {', '.join(fields)}"
    return None


def _name(lead: Lead, value: Any, _: date) -> str | None:
    for word in _words(value):
        if not (_contains(lead.get("first_name"), word) or _contains(lead.get("last_name"), word)):
            return (
                f"the word {word!r} is in neither first_name {lead.get('first_name')!r} "
                f"nor last_name {lead.get('last_name')!r}"
            )
    return None


def _property(lead: Lead, value: Any, _: date) -> str | None:
    properties = lead.get("properties") or []
    return None if value in properties else f"properties {properties} lack {value}"


def _property_fields(lead: Lead, value: Any, _: date) -> str | None:
    # Properties' custom fields are not exposed by this API, so only the necessary condition is
    # observable: a kept lead selected at least one property. `decidable` reports the rest.
    return None if lead.get("properties") else "the lead selected no property"


def _lead_fields(lead: Lead, value: Any, _: date) -> str | None:
    fields = lead.get("fields") or {}
    for key, wanted in value.items():
        if key not in fields:
            return f"fields has no {key!r}"
        text = custom_value_text(fields[key])
        if fold(text) != fold(wanted):
            return f"fields[{key!r}] is {fields[key]!r} ({text!r} as text), not {wanted!r}"
    return None


def _legal_representative(lead: Lead, value: Any, _: date) -> str | None:
    rep = lead.get("legal_representative")
    if rep is None:
        return "legal_representative is null"
    for key, needle in value.items():
        if key == "name":
            fields: tuple[str, ...] = ("first_name", "last_name")
        elif key == "mobile":
            fields = ("mobile", "phone")
        elif key == "email":
            fields = ("email",)
        else:
            raise NotImplementedError(
                f"the oracle does not know filters[legal_representative][{key}]"
            )
        if not any(_contains(rep.get(f), needle) for f in fields):
            shown = {f: rep.get(f) for f in fields}
            return f"legal_representative {shown} does not contain {needle!r} ignoring case"
    return None


def _wishlist(lead: Lead, value: Any, _: date) -> str | None:
    preference = _preference(lead)
    for key, wanted in value.items():
        # "A lead without preference ... matches none of them" (WishlistFilters), `category`
        # included: the strict reading of a filter that also "compares the lead's category".
        if preference is None:
            return f"wishlist[{key}]: the lead has no preference"
        if key == "category":
            if lead.get("category") != wanted:
                return f"category is {lead.get('category')!r}, not {wanted!r}"
        elif key == "locations":
            ids = [loc["id"] for loc in preference.get("locations") or []]
            if not any(i == w or i.startswith(w + ".") for i in ids for w in wanted):
                return f"preference locations {ids} are neither equal to nor inside any of {wanted}"
        elif key == "types":
            ids = [t["id"] for t in preference.get("types") or []]
            if not set(ids) & set(wanted):
                return f"preference types {ids} include none of {wanted}"
        elif key.startswith("from_"):
            bound = preference.get(key)
            if bound is None or bound < wanted:
                return f"preferences[0].{key} is {bound}, not >= {wanted}"
        elif key.startswith("to_"):
            bound = preference.get(key)
            if bound is None or bound > wanted:
                return f"preferences[0].{key} is {bound}, not <= {wanted}"
        else:
            raise NotImplementedError(f"the oracle does not know filters[wishlist][{key}]")
    return None


_TESTS: Mapping[str, _Test] = {
    "excluded_user": _excluded_user,
    "user": _user,
    "query": _query,
    "id": _equal_to("id"),
    "name": _name,
    "mobile": _substring("mobile"),
    "status": _equal_to("status"),
    "source": _equal_to("source"),
    # Channels are compared as given: enumerated names, or an agency's own text for `other`.
    "channel": _equal_to("channel"),
    "created": _in_dates("created_at"),
    "updated": _in_dates("updated_at"),
    "property": _property,
    "legal_representative": _legal_representative,
    "passport": _equal_text("passport"),
    "passport_expire": _in_dates("passport_expire"),
    "time_frame_from": _in_dates("time_frame_from"),
    "financial": _equal_to("financial"),
    "mortgage_status": _equal_to("mortgage_status"),
    "bank": _substring("bank"),
    "quality": _equal_to("quality"),
    "address": _substring("address"),
    "pobox": _equal_text("pobox"),
    "city": _equal_text("city"),
    "country": _equal_text("country"),
    "property_fields": _property_fields,
    "lead_fields": _lead_fields,
    "wishlist": _wishlist,
}

# Filters whose meaning cannot be fully observed through this API (see `_property_fields`).
UNDECIDABLE_FILTERS = frozenset({"property_fields"})


def known_filters() -> frozenset[str]:
    return frozenset(_TESTS)


def filter_mismatches(lead: Lead, filters: Filters, today: date) -> list[Mismatch]:
    """Every filter the lead does not satisfy (empty: the lead is kept), `today` in UTC."""
    found = []
    for name, value in filters.items():
        test = _TESTS.get(name)
        if test is None:
            raise NotImplementedError(f"the oracle does not know filters[{name}]")
        if name in ("wishlist", "legal_representative"):
            # One mismatch per sub-filter, so a message names the exact clause.
            for key, item in value.items():
                reason = test(lead, {key: item}, today)
                if reason is not None:
                    found.append(Mismatch(f"filters[{name}][{key}]", reason))
            continue
        reason = test(lead, value, today)
        if reason is not None:
            found.append(Mismatch(f"filters[{name}]", reason))
    return found


def matches(lead: Lead, filters: Filters, today: date) -> bool:
    return not filter_mismatches(lead, filters, today)


def decidable(filters: Filters) -> bool:
    """Whether `matches` is the whole meaning of the filters (so completeness can be checked)."""
    return not UNDECIDABLE_FILTERS & set(filters)


# --- sorting -------------------------------------------------------------------------------


def is_descending(sort_order: str | None) -> bool:
    # D-16: `ASC`/`DESC`, lower case accepted; ASC by default.
    return (sort_order or "ASC").upper() == "DESC"


class SortOracle:
    """The order of each sort key (the `sort` parameter's table, D-17)."""

    def __init__(self, contract: Contract) -> None:
        self._status = {s: i for i, s in enumerate(contract.status_order)}
        self._time_frame = {t: i for i, t in enumerate(contract.time_frame_order)}
        self._keys = contract.sort_keys
        unknown = set(self._keys) - set(_SORT_VALUES)
        if unknown:
            raise NotImplementedError(f"the oracle does not know the sort keys {sorted(unknown)}")

    def value(self, lead: Lead, key: str) -> Any:
        """The compared value, or `None` when the lead has none (it then sorts last)."""
        if key == "status":
            return self._status.get(lead.get("status"))  # type: ignore[arg-type]
        if key == "time_frame":
            frame = lead.get("time_frame")
            return None if frame is None else self._time_frame.get(frame)
        return _SORT_VALUES[key](lead)

    def shown(self, lead: Lead, key: str) -> Any:
        """The compared value as the lead answers it (for messages)."""
        field = {"status": "status", "time_frame": "time_frame", "created": "created_at"}.get(key)
        return lead.get(field) if field else self.value(lead, key)

    def compare(self, a: Lead, b: Lead, key: str, descending: bool) -> int:
        """Negative when `a` comes first. Missing values last, ties by id ascending, both orders."""
        va, vb = self.value(a, key), self.value(b, key)
        if va is None and vb is not None:
            return 1
        if vb is None and va is not None:
            return -1
        if va is not None and vb is not None and va != vb:
            result = -1 if va < vb else 1
            return -result if descending else result
        return (a["id"] > b["id"]) - (a["id"] < b["id"])

    def sort(self, leads: Sequence[Lead], key: str, descending: bool) -> list[Lead]:
        def order(a: Lead, b: Lead) -> int:
            return self.compare(a, b, key, descending)

        return sorted(leads, key=functools.cmp_to_key(order))


def _text(field: str) -> Callable[[Lead], Any]:
    def value(lead: Lead) -> Any:
        raw = lead.get(field)
        return None if raw is None else fold(raw)

    return value


def _preference_bound(field: str) -> Callable[[Lead], Any]:
    def value(lead: Lead) -> Any:
        preference = _preference(lead)
        return None if preference is None else preference.get(field)

    return value


def _first_type_name(lead: Lead) -> Any:
    preference = _preference(lead)
    if preference is None or not preference.get("types"):
        return None
    return fold(preference["types"][0]["name"])


_SORT_VALUES: Mapping[str, Callable[[Lead], Any]] = {
    "id": lambda lead: lead["id"],
    "last_name": _text("last_name"),
    "email": _text("email"),
    "mobile": _text("mobile"),
    "user": lambda lead: lead["user"]["id"],
    "status": lambda lead: lead.get("status"),
    "created": lambda lead: parse_instant(lead["created_at"]),
    "size": _preference_bound("from_size"),
    "price": _preference_bound("from_price"),
    "type": _first_type_name,
    "time_frame": lambda lead: lead.get("time_frame"),
}
