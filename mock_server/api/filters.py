"""`GET /leads` filters: the `filters` query object turned into one predicate over leads.

The meaning of each filter is the contract's (`LeadFilters`, `WishlistFilters`, D-23..D-25).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date
from typing import Any

from . import dates
from .records import LeadRecord, ReferenceData
from .store import LeadStore

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


def _field(lead: LeadRecord, name: str) -> Any:
    # Filters name fields at run time; a TypedDict only admits literal keys to the checker.
    return lead[name]  # type: ignore[literal-required]


def _equal(name: str, value: Any) -> Predicate:
    return lambda lead: _field(lead, name) == value


def _same_text(name: str, text: str) -> Predicate:
    folded = text.casefold()
    return lambda lead: _fold(_field(lead, name)) == folded


def _substring(name: str, text: str) -> Predicate:
    folded = text.casefold()
    return lambda lead: folded in _fold(_field(lead, name))


def _within_dates(name: str, bounds: dates.DayInterval) -> Predicate:
    return lambda lead: dates.contains(bounds, _field(lead, name))


def _wishlist(wanted: Mapping[str, Any]) -> list[Predicate]:
    checks: list[Predicate] = []
    for key, value in wanted.items():
        if not _present(value):
            continue
        if key == "category":
            checks.append(_with_preference(_equal("category", value)))
        elif key == "locations":
            locations = [value] if isinstance(value, str) else list(value)
            checks.append(_preference_locations(locations))
        elif key == "types":
            types = {int(t) for t in ([value] if isinstance(value, int | str) else value)}
            checks.append(_preference_types(types))
        else:
            checks.append(_bound(key, int(value)))
    return checks


def _with_preference(check: Predicate) -> Predicate:
    return lambda lead: lead["preference"] is not None and check(lead)


def _preference_locations(wanted: list[str]) -> Predicate:
    def match(lead: LeadRecord) -> bool:
        pref = lead["preference"]
        return pref is not None and any(_location_within(loc, wanted) for loc in pref["locations"])

    return match


def _preference_types(wanted: set[int]) -> Predicate:
    def match(lead: LeadRecord) -> bool:
        pref = lead["preference"]
        return pref is not None and not wanted.isdisjoint(pref["types"])

    return match


def _bound(key: str, value: int) -> Predicate:
    lower = key.startswith("from_")

    def match(lead: LeadRecord) -> bool:
        pref = lead["preference"]
        bound: int | None = pref.get(key) if pref is not None else None  # type: ignore[assignment]
        if bound is None:
            return False
        return bound >= value if lower else bound <= value

    return match


def compile_filters(
    filters: Mapping[str, Any] | None,
    reference: ReferenceData,
    channels_belong: Callable[[str | None, str | None], bool],
    today: date,
    decided: Collection[str] = (),
) -> Predicate:
    """One predicate that holds when every filter given holds (AND). `decided`: index names
    (`index_conditions`) whose filters the candidates already satisfy, left unchecked."""
    checks: list[Predicate] = []
    for name, value in (filters or {}).items():
        if not _present(value) or name in decided:
            continue
        if name in _EQUAL:
            checks.append(_equal(name, value))
        elif name in _SAME_TEXT:
            checks.append(_same_text(name, value))
        elif name in _SUBSTRING:
            checks.append(_substring(name, value))
        elif name in _DATES:
            checks.append(_within_dates(_DATES[name], dates.interval(value, today)))
        elif name in ("user", "id"):
            checks.append(_equal(name, int(value)))
        elif name == "excluded_user":
            checks.append(_not_assigned_to(int(value)))
        elif name == "property":
            checks.append(_selected(int(value)))
        elif name == "query":
            checks.append(_query(value))
        elif name == "name":
            checks.append(_name(value))
        elif name == "legal_representative":
            checks.extend(_legal_representative(value))
        elif name == "lead_fields":
            checks.append(_lead_fields(value))
        elif name == "property_fields":
            checks.append(_property_fields(value, reference))
        elif name == "wishlist":
            skipped = ("locations",) if LeadStore.LOCATIONS in decided else ()
            checks.extend(_wishlist({k: v for k, v in value.items() if k not in skipped}))
        else:  # the contract's schema already refused unknown filters; this is a mock bug
            raise FilterError(f"filters[{name}]", f"unsupported filter {name!r}")
    given = filters or {}
    source, channel = given.get("source"), given.get("channel")
    if _present(source) and _present(channel) and not channels_belong(source, channel):
        raise FilterError(
            "filters[channel]", f"channel {channel!r} does not belong to source {source!r}"
        )
    return _all_of(tuple(checks))


def keep_all(lead: LeadRecord) -> bool:
    """The predicate of no filter left to check: a list then needs only the indexes."""
    return True


def _all_of(checks: tuple[Predicate, ...]) -> Predicate:
    if not checks:
        return keep_all

    # A plain loop: this runs once per stored lead on every list request.
    def keep(lead: LeadRecord) -> bool:
        for check in checks:  # noqa: SIM110 (all() over a generator is slower here)
            if not check(lead):
                return False
        return True

    return keep


def index_conditions(filters: Mapping[str, Any] | None) -> dict[str, frozenset[Any]]:
    """The filters the store's indexes can answer (equalities on `LeadStore.INDEXED`, the
    wishlist's locations), as index name -> the values a lead may hold: the store finds the
    leads that satisfy them, and the predicate checks only the other filters."""
    given = filters or {}
    found = {name: frozenset({given[name]}) for name in _EQUAL if _present(given.get(name))}
    if _present(given.get("user")):
        found["user"] = frozenset({int(given["user"])})
    wishlist = given.get("wishlist")
    locations: Any = wishlist.get("locations") if isinstance(wishlist, Mapping) else None
    if _present(locations):
        wanted = [locations] if isinstance(locations, str) else list(locations)
        found[LeadStore.LOCATIONS] = frozenset(wanted)
    return found


def _not_assigned_to(user: int) -> Predicate:
    return lambda lead: lead["user"] != user


def _selected(property_id: int) -> Predicate:
    return lambda lead: property_id in lead["properties"]


def _lead_fields(wanted: Mapping[str, str]) -> Predicate:
    return lambda lead: _fields_hold(lead["fields"], wanted)


def _property_fields(wanted: Mapping[str, str], reference: ReferenceData) -> Predicate:
    def match(lead: LeadRecord) -> bool:
        for pid in lead["properties"]:
            prop = reference.inventory(pid)
            if prop is not None and _fields_hold(prop.fields, wanted):
                return True
        return False

    return match
