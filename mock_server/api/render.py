"""A stored lead as the contract's `Lead` (with or without `X-MyCRM-Expand-Data`, D-6)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

import orjson

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


def encode_json(value: Any) -> bytes:
    """The mock's JSON: compact UTF-8, by orjson; by the standard library, as compact, for
    what orjson refuses (integers past 64 bits, a lone surrogate, which only an escape can
    carry: hence ASCII there)."""
    try:
        # Copied to a bytes object of its own size: orjson's keeps the buffer it wrote into
        # (8 KiB for a 0.6 KiB lead, measured with tracemalloc), and rendered leads are kept.
        return bytes(memoryview(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)))
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, separators=(",", ":")).encode()


class RenderedLead(Mapping[str, Any]):
    """A rendered lead as its encoded JSON (`encoded`): what an answer is made of, joined
    as bytes. Read as a mapping, it is the `Lead` those bytes hold."""

    __slots__ = ("_decoded", "encoded", "id")

    def __init__(self, encoded: bytes, lead_id: int) -> None:
        self.encoded = encoded
        self.id = lead_id  # what a handler needs (a Location), without decoding
        self._decoded: dict[str, Any] | None = None

    def _data(self) -> dict[str, Any]:
        if self._decoded is None:
            try:
                self._decoded = orjson.loads(self.encoded)
            except orjson.JSONDecodeError:  # an escaped lone surrogate, which orjson refuses
                self._decoded = json.loads(self.encoded)
        return self._decoded

    def __getitem__(self, key: str) -> Any:
        if key == "id":
            return self.id
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RenderedLead):
            return self.encoded == other.encoded
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RenderedLead({self.encoded[:60]!r}...)"


def _encoded(lead: Any) -> bytes:
    return lead.encoded if isinstance(lead, RenderedLead) else encode_json(lead)


def lead_document(lead: Mapping[str, Any]) -> bytes:
    """`{"lead": ...}`, the answer of a get, create or replace, from the lead's bytes."""
    return b'{"lead":' + _encoded(lead) + b"}"


def list_document(answer: Mapping[str, Any]) -> bytes:
    """A `LeadList` answer as `encode_json` would write it, the leads joined as bytes."""
    parts = []
    for key, value in answer.items():
        if key == "leads":
            encoded = b"[" + b",".join(_encoded(lead) for lead in value) + b"]"
        else:
            encoded = encode_json(value)
        parts.append(encode_json(key) + b":" + encoded)
    return b"{" + b",".join(parts) + b"}"


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
