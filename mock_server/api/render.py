"""A stored lead as the contract's `Lead` (with or without `X-MyCRM-Expand-Data`, D-6)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from .matching import count_matches
from .records import PREFERENCE_BOUNDS, LeadRecord, PreferenceRecord, ReferenceData

_PLAIN = (
    "title",
    "first_name",
    "middle_name",
    "last_name",
    "email",
    "mobile",
    "address",
    "pobox",
    "city",
    "country",
    "status",
    "quality",
    "financial",
    "mortgage_status",
    "source",
    "channel",
    "category",
    "time_frame",
    "passport",
    "bank",
)


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, so that successive changes stay ordered."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


class Renderer:
    """Renders leads; caches `matching` by preference, since properties never change."""

    def __init__(self, reference: ReferenceData) -> None:
        self._reference = reference
        self._properties = list(reference.properties.values())
        self._matching: dict[tuple[Any, ...], dict[str, int]] = {}

    def matching(self, pref: PreferenceRecord | None, category: str | None) -> dict[str, int]:
        if pref is None:
            return {"count": 0, "inventory_count": 0, "mls_count": 0}
        key = (
            category,
            pref["offering_type"],
            tuple(pref["locations"]),
            tuple(pref["types"]),
            *(pref[b] for b in PREFERENCE_BOUNDS),  # type: ignore[literal-required]
        )
        found = self._matching.get(key)
        if found is None:
            found = count_matches(pref, category, self._properties)
            self._matching[key] = found
        return dict(found)

    def _preference(self, pref: PreferenceRecord) -> dict[str, Any]:
        ref = self._reference
        return {
            "id": pref["id"],
            "offering_type": pref["offering_type"],
            "locations": [dict(ref.locations.get(loc, {"id": loc})) for loc in pref["locations"]],
            "types": [dict(ref.types[t]) for t in pref["types"] if t in ref.types],
            **{b: pref[b] for b in PREFERENCE_BOUNDS},  # type: ignore[literal-required]
        }

    def lead(self, lead: LeadRecord, *, expand: bool) -> dict[str, Any]:
        ref = self._reference
        pref = lead["preference"]
        user = ref.users.get(lead["user"])
        out: dict[str, Any] = {"id": lead["id"]}
        out["user"] = user.public() if expand and user is not None else {"id": lead["user"]}
        out.update({name: lead[name] for name in _PLAIN})  # type: ignore[literal-required]
        rep = lead["legal_representative"]
        out.update(
            time_frame_from=_day(lead["time_frame_from"]),
            passport_expire=_day(lead["passport_expire"]),
            legal_representative=dict(rep) if rep is not None else None,
            preferences=[self._preference(pref)] if pref is not None else [],
            amenities=[dict(ref.amenities[a]) for a in pref["amenities"] if a in ref.amenities]
            if pref is not None
            else [],
            fields=dict(lead["fields"]),
            properties=list(lead["properties"]),
            mls=list(lead["mls"]),
            created_at=timestamp(lead["created_at"]),
            updated_at=timestamp(lead["updated_at"]),
            matching=self.matching(pref, lead["category"]),
        )
        if expand:
            out["notes"] = [
                {"id": n["id"], "body": n["body"], "created_at": timestamp(n["created_at"])}
                for n in lead["notes"]
            ]
        return out
