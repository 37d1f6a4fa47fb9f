"""`GET /leads` filters: the `filters` query object turned into one predicate over leads.

The meaning of each filter is the contract's (`LeadFilters`, `WishlistFilters`, D-23..D-25).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from . import dates
from .records import LeadRecord, ReferenceData

Predicate = Callable[[LeadRecord], bool]

_EQUAL = ("status", "source", "quality", "financial", "mortgage_status")
_SAME_TEXT = ("passport", "pobox", "city", "country", "channel")
_SUBSTRING = ("mobile", "bank", "address")
_DATES = {
    "created": "created_at",
    "updated": "updated_at",
    "passport_expire": "passport_expire",
    "time_frame_from": "time_frame_from",
}
_BOUNDS = ("price", "size", "bathroom", "bedroom")


class FilterError(ValueError):
    """A filter combination the contract refuses (400); `name` is the parameter as sent."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def custom_value_text(value: Any) -> str:
    """How a custom field value compares with a filter's text (CustomFieldFilters)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).casefold()


def _fold(value: str | None) -> str:
    return value.casefold() if value else ""


def _present(value: Any) -> bool:
    # Connexion hands an empty dict for a nested object that was not sent.
    return value is not None and value != {} and value != []


def _words(text: str) -> list[str]:
    return [w.casefold() for w in text.split()]


def _location_within(location: str, wanted: Iterable[str]) -> bool:
    return any(location == w or location.startswith(w + ".") for w in wanted)


def _fields_hold(values: Mapping[str, Any], wanted: Mapping[str, str]) -> bool:
    return all(
        key in values and custom_value_text(values[key]) == text.casefold()
        for key, text in wanted.items()
    )


def _query(text: str) -> Predicate:
    words = _words(text)

    def match(lead: LeadRecord) -> bool:
        haystack = [_fold(lead[f]) for f in ("first_name", "last_name", "mobile", "email")]
        ident = str(lead["id"])
        return all(w == ident or any(w in h for h in haystack) for w in words)

    return match


def _name(text: str) -> Predicate:
    words = _words(text)
    return lambda lead: all(
        w in _fold(lead["first_name"]) or w in _fold(lead["last_name"]) for w in words
    )


def _legal_representative(wanted: Mapping[str, str]) -> list[Predicate]:
    checks: list[Predicate] = []
    keys = {"name": ("first_name", "last_name"), "mobile": ("mobile", "phone"), "email": ("email",)}
    for key, text in wanted.items():
        folded, fields = text.casefold(), keys[key]

        def match(lead: LeadRecord, folded: str = folded, fields: tuple[str, ...] = fields) -> bool:
            rep = lead["legal_representative"]
            return rep is not None and any(folded in _fold(rep.get(f)) for f in fields)

        checks.append(match)
    return checks


def _wishlist(wanted: Mapping[str, Any]) -> list[Predicate]:
    checks: list[Predicate] = []
    for key, value in wanted.items():
        if not _present(value):
            continue
        if key == "category":
            checks.append(lambda lead, v=value: lead["preference"] is not None and lead["category"] == v)
        elif key == "locations":
            locations = [value] if isinstance(value, str) else list(value)
            checks.append(
                lambda lead, w=locations: lead["preference"] is not None
                and any(_location_within(loc, w) for loc in lead["preference"]["locations"])
            )
        elif key == "types":
            types = {int(t) for t in ([value] if isinstance(value, int | str) else value)}
            checks.append(
                lambda lead, w=types: lead["preference"] is not None
                and not w.isdisjoint(lead["preference"]["types"])
            )
        else:
            checks.append(_bound(key, int(value)))
    return checks


def _bound(key: str, value: int) -> Predicate:
    lower = key.startswith("from_")

    def match(lead: LeadRecord) -> bool:
        pref = lead["preference"]
        bound = pref.get(key) if pref is not None else None  # type: ignore[misc]
        if bound is None:
            return False
        return bool(bound >= value) if lower else bool(bound <= value)

    return match


def compile_filters(
    filters: Mapping[str, Any] | None,
    reference: ReferenceData,
    channels_belong: Callable[[str | None, str | None], bool],
    today: date,
) -> Predicate:
    """One predicate that holds when every filter given holds (AND)."""
    checks: list[Predicate] = []
    for name, value in (filters or {}).items():
        if not _present(value):
            continue
        if name in _EQUAL:
            checks.append(lambda lead, n=name, v=value: lead[n] == v)
        elif name in _SAME_TEXT:
            checks.append(lambda lead, n=name, v=value.casefold(): _fold(lead[n]) == v)
        elif name in _SUBSTRING:
            checks.append(lambda lead, n=name, v=value.casefold(): v in _fold(lead[n]))
        elif name in _DATES:
            bounds = dates.interval(value, today)
            checks.append(lambda lead, f=_DATES[name], b=bounds: dates.contains(b, lead[f]))
        elif name == "user":
            checks.append(lambda lead, v=int(value): lead["user"] == v)
        elif name == "excluded_user":
            checks.append(lambda lead, v=int(value): lead["user"] != v)
        elif name == "id":
            checks.append(lambda lead, v=int(value): lead["id"] == v)
        elif name == "property":
            checks.append(lambda lead, v=int(value): v in lead["properties"])
        elif name == "query":
            checks.append(_query(value))
        elif name == "name":
            checks.append(_name(value))
        elif name == "legal_representative":
            checks.extend(_legal_representative(value))
        elif name == "lead_fields":
            checks.append(lambda lead, w=value: _fields_hold(lead["fields"], w))
        elif name == "property_fields":
            checks.append(_property_fields(value, reference))
        elif name == "wishlist":
            checks.extend(_wishlist(value))
        else:  # the contract's schema already refused unknown filters; this is a mock bug
            raise FilterError(f"filters[{name}]", f"unsupported filter {name!r}")
    if filters and _present(filters.get("channel")) and _present(filters.get("source")):
        if not channels_belong(filters["source"], filters["channel"]):
            raise FilterError(
                "filters[channel]",
                f"channel {filters['channel']!r} does not belong to source {filters['source']!r}",
            )
    return lambda lead: all(check(lead) for check in checks)


def _property_fields(wanted: Mapping[str, str], reference: ReferenceData) -> Predicate:
    def match(lead: LeadRecord) -> bool:
        for pid in lead["properties"]:
            prop = reference.inventory(pid)
            if prop is not None and _fields_hold(prop.fields, wanted):
                return True
        return False

    return match
