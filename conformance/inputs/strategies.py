"""Hypothesis strategies for list filters: every filter of the contract, with values that hit.

Values are drawn mostly from leads the server holds (the suite's own and a sample of the
others), so that filters keep something and completeness is put to the test; some are
arbitrary, so that filters that keep nothing are tried too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from ..oracle.contract import Contract
from ..oracle.lists import custom_value_text, utc_day

Lead = Mapping[str, Any]
Strategy = st.SearchStrategy[Any]

_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)


def _cased(value: str) -> Strategy:
    # Text filters are case-insensitive: try the value as stored and in other cases.
    return st.sampled_from(sorted({value, value.upper(), value.lower(), value.swapcase()}))


def _substrings(values: Sequence[str], *, min_size: int = 1) -> Strategy:
    """A piece of one of the values (no white space at its ends), in any case."""
    usable = sorted({v for v in values if len(v.strip()) >= min_size})
    if not usable:
        return _TEXT

    @st.composite
    def piece(draw: st.DrawFn) -> str:
        value = draw(st.sampled_from(usable))
        start = draw(st.integers(0, len(value) - min_size))
        end = draw(st.integers(start + min_size, len(value)))
        text = value[start:end].strip() or value.strip()
        return draw(_cased(text))

    return piece()


def _words(values: Sequence[str]) -> Strategy:
    """One or two pieces of words of the values, joined by a space (`David P`)."""
    pieces = _substrings([w for v in values for w in v.split()])
    return st.lists(pieces, min_size=1, max_size=2).map(" ".join)


def _whole(values: Sequence[str]) -> Strategy:
    usable = sorted({v for v in values if v})
    seen = st.sampled_from(usable).flatmap(_cased) if usable else _TEXT
    return st.one_of(seen, seen, _TEXT)


def _ints(values: Sequence[int], low: int, high: int) -> Strategy:
    seen = st.sampled_from(sorted(set(values))) if values else st.integers(low, high)
    return st.one_of(seen, seen, st.integers(low, high))


def _date_filter(contract: Contract, days: Sequence[date]) -> Strategy:
    named = st.sampled_from(contract.named_intervals)
    around = sorted(set(days)) or [date.today()]
    day = st.builds(
        lambda d, shift: (d + timedelta(days=shift)).isoformat(),
        st.sampled_from(around),
        st.integers(-40, 40),
    )
    bounds = st.one_of(
        st.fixed_dictionaries({"from": day}),
        st.fixed_dictionaries({"to": day}),
        st.fixed_dictionaries({"from": day, "to": day}),
    )
    return st.one_of(named, bounds)


def _field(leads: Sequence[Lead], name: str) -> list[Any]:
    return [lead[name] for lead in leads if lead.get(name) is not None]


def _preference_values(leads: Sequence[Lead], name: str) -> list[Any]:
    found = []
    for lead in leads:
        for preference in lead.get("preferences") or []:
            if preference.get(name) is not None:
                found.append(preference[name])
    return found


def _location_prefixes(leads: Sequence[Lead]) -> list[str]:
    """Every location id seen and every location containing it (`are.3` for `are.3.1200`)."""
    found: set[str] = set()
    for lead in leads:
        for preference in lead.get("preferences") or []:
            for location in preference.get("locations") or []:
                parts = location["id"].split(".")
                found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return sorted(found)


def _dict_of(options: Mapping[str, Strategy], *, max_size: int = 3) -> Strategy:
    names = sorted(options)
    return st.lists(
        st.sampled_from(names), min_size=1, max_size=min(max_size, len(names)), unique=True
    ).flatmap(lambda chosen: st.fixed_dictionaries({n: options[n] for n in sorted(chosen)}))


def wishlist_values(contract: Contract, leads: Sequence[Lead]) -> dict[str, Strategy]:
    found: dict[str, Strategy] = {}
    for name in contract.wishlist_filter_names:
        if name == "locations":
            prefixes = _location_prefixes(leads) or ["are"]
            found[name] = st.lists(st.sampled_from(prefixes), min_size=1, max_size=2, unique=True)
        elif name == "types":
            ids = sorted({t["id"] for p in _all_preferences(leads) for t in p.get("types") or []})
            found[name] = st.lists(_ints(ids, 1, 50), min_size=1, max_size=2, unique=True)
        elif name == "category":
            found[name] = st.sampled_from(contract.enum("Category"))
        elif name.startswith(("from_", "to_")):
            seen = _preference_values(leads, name)
            high = max(seen, default=1000) + 10
            found[name] = _ints(seen, 0, high)
        else:
            raise NotImplementedError(f"no strategy for filters[wishlist][{name}]")
    return found


def _all_preferences(leads: Sequence[Lead]) -> list[Mapping[str, Any]]:
    return [p for lead in leads for p in lead.get("preferences") or []]


def filter_values(contract: Contract, leads: Sequence[Lead]) -> dict[str, Strategy]:
    """One strategy per filter of `LeadFilters`; a filter without one is an error."""
    users = [lead["user"]["id"] for lead in leads]
    texts: dict[str, Callable[[], Strategy]] = {
        "query": lambda: _words(
            [
                *(_field(leads, "first_name") + _field(leads, "last_name")),
                *_field(leads, "email"),
                *_field(leads, "mobile"),
                *(str(lead["id"]) for lead in leads),
            ]
        ),
        "name": lambda: _words(_field(leads, "first_name") + _field(leads, "last_name")),
        "mobile": lambda: _substrings(_field(leads, "mobile"), min_size=2),
        "address": lambda: _substrings(_field(leads, "address"), min_size=2),
        "bank": lambda: _substrings(_field(leads, "bank"), min_size=2),
        "passport": lambda: _whole(_field(leads, "passport")),
        "pobox": lambda: _whole(_field(leads, "pobox")),
        "city": lambda: _whole(_field(leads, "city")),
        "country": lambda: st.one_of(
            st.sampled_from(sorted(set(_field(leads, "country"))) or ["AE"]).flatmap(_cased),
            st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
        ),
    }
    found: dict[str, Strategy] = {}
    for name in contract.filter_names:
        if name in texts:
            found[name] = texts[name]()
        elif name in ("user", "excluded_user"):
            found[name] = _ints(users, 1, 20)
        elif name == "id":
            found[name] = _ints([lead["id"] for lead in leads], 1, 400)
        elif name in ("status", "source", "financial", "mortgage_status", "quality"):
            schema = {
                "status": "LeadStatus",
                "source": "LeadSource",
                "financial": "Financial",
                "mortgage_status": "MortgageStatus",
                "quality": "LeadQuality",
            }[name]
            found[name] = st.sampled_from(contract.enum(schema))
        elif name == "channel":
            listed = [c for cs in contract.channels_by_source.values() for c in cs]
            found[name] = st.sampled_from(sorted(set(listed) | set(_field(leads, "channel"))))
        elif name in ("created", "updated", "passport_expire", "time_frame_from"):
            field = {"created": "created_at", "updated": "updated_at"}.get(name, name)
            found[name] = _date_filter(contract, [utc_day(v) for v in _field(leads, field)])
        elif name == "property":
            found[name] = _ints([p for lead in leads for p in lead.get("properties") or []], 1, 50)
        elif name == "legal_representative":
            found[name] = _dict_of(legal_representative_values(leads))
        elif name in ("lead_fields", "property_fields"):
            found[name] = _custom_fields(leads)
        elif name == "wishlist":
            found[name] = _dict_of(wishlist_values(contract, leads))
        else:
            raise NotImplementedError(
                f"no strategy for filters[{name}]: the contract grew a filter"
            )
    return found


def legal_representative_values(leads: Sequence[Lead]) -> dict[str, Strategy]:
    reps = [lead["legal_representative"] for lead in leads if lead.get("legal_representative")]

    def seen(*keys: str) -> list[str]:
        return [r[k] for r in reps for k in keys if r.get(k)]

    return {
        "name": _words(seen("first_name", "last_name")),
        "mobile": _substrings(seen("mobile", "phone"), min_size=2),
        "email": _substrings(seen("email"), min_size=2),
    }


def _custom_fields(leads: Sequence[Lead]) -> Strategy:
    seen: dict[str, set[str]] = {}
    for lead in leads:
        for key, value in (lead.get("fields") or {}).items():
            seen.setdefault(key, set()).add(custom_value_text(value))
    if not seen:
        return st.fixed_dictionaries({"1": _TEXT})
    options = {key: st.sampled_from(sorted(values)).flatmap(_cased) for key, values in seen.items()}
    return _dict_of(options, max_size=2)


def filters(
    values: Mapping[str, Strategy], *, names: Sequence[str] | None = None, most: int = 3
) -> Strategy:
    """Filters combining 1 to `most` of `names` (all filters by default)."""
    return _dict_of({n: values[n] for n in (names or sorted(values))}, max_size=most)
