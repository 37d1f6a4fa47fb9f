"""Valid leads to create, built from the contract and the ids the server already uses.

The API has no endpoints for users, property types, locations, amenities, properties or
custom fields (D-31), so a create body can only name ids the suite has seen on the server's
leads, falling back to the ids of the contract's own create example.
"""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..oracle.contract import Contract
from ..oracle.lists import custom_value_text

Lead = Mapping[str, Any]

# Varied on purpose: mixed case and shared values give the sort tie-breaks and the
# case-insensitive filters something to get wrong.
_GIVEN_NAMES = ("Amira", "amir", "Bruno", "Chen", "dana", "Elif", "Farid", "Grace", "hugo", "Ines")
_LAST_NAMES = ("Haddad", "haddad", "Okafor", "van Dijk", "Ng", "ng", "Zayed", "Alvarez", "Brown")
_CITIES = ("Dubai", "dubai", "Abu Dhabi", "Sharjah", "Mumbai")
_COUNTRIES = ("AE", "IN", "GB")
_BANKS = ("Emirates NBD", "Abu Dhabi Commercial Bank", "HSBC Bank Middle East")
_ADDRESSES = ("Dubai Marina, Tower 4", "JLT Cluster D", "Shi Sha Street 12", "Palm Jumeirah")


@dataclass(frozen=True)
class ReferenceData:
    """Ids that exist on the server, as seen on its leads (or the contract's example)."""

    type_ids: tuple[int, ...]
    location_ids: tuple[str, ...]
    amenity_ids: tuple[int, ...]
    user_ids: tuple[int, ...]
    property_ids: tuple[int, ...]
    mls_ids: tuple[int, ...]
    # Custom field id -> values seen for it (all of one JSON type, as the server typed them).
    field_values: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    @classmethod
    def observe(cls, leads: Iterable[Lead], contract: Contract) -> ReferenceData:
        types: set[int] = set()
        locations: set[str] = set()
        amenities: set[int] = set()
        users: set[int] = set()
        properties: set[int] = set()
        mls: set[int] = set()
        fields: dict[str, dict[str, Any]] = {}
        for lead in leads:
            users.add(lead["user"]["id"])
            for preference in lead.get("preferences") or []:
                types.update(t["id"] for t in preference.get("types") or [])
                locations.update(loc["id"] for loc in preference.get("locations") or [])
            amenities.update(a["id"] for a in lead.get("amenities") or [])
            properties.update(lead.get("properties") or [])
            mls.update(lead.get("mls") or [])
            for key, value in (lead.get("fields") or {}).items():
                fields.setdefault(key, {})[custom_value_text(value)] = value
        example = contract.document["components"]["examples"]["LeadWrite"]["value"]["lead"]
        preference = example["preference"]
        return cls(
            type_ids=tuple(sorted(types)) or tuple(preference["types"]),
            location_ids=tuple(sorted(locations)) or tuple(preference["locations"]),
            amenity_ids=tuple(sorted(amenities)) or tuple(preference["amenities"]),
            user_ids=tuple(sorted(users)),
            property_ids=tuple(sorted(properties)),
            mls_ids=tuple(sorted(mls)),
            field_values={
                key: tuple(values[k] for k in sorted(values))
                for key, values in sorted(fields.items())
            },
        )


def _some(rnd: random.Random, pool: Sequence[Any], most: int) -> list[Any]:
    if not pool:
        return []
    return rnd.sample(list(pool), rnd.randint(0, min(most, len(pool))))


def _maybe(rnd: random.Random, value: Any, chance: float = 0.7) -> Any:
    return value if rnd.random() < chance else None


def _bounds(
    rnd: random.Random, low: int, high: int, nullable: bool
) -> tuple[int | None, int | None]:
    if nullable and rnd.random() < 0.25:
        return None, None
    start = rnd.randint(low, high)
    # Whole steps so equal bounds (ties for `sort=price`, `sort=size`) happen often.
    step = max(1, (high - low) // 8)
    start -= start % step
    return start, start + step * rnd.randint(0, 3)


class LeadFactory:
    """Create bodies (`LeadWriteEnvelope`) for leads tagged with the run's tag."""

    def __init__(self, contract: Contract, reference: ReferenceData, tag: str) -> None:
        self.contract = contract
        self.reference = reference
        self.tag = tag
        self._serial = itertools.count(1)

    def body(self, rnd: random.Random, *, user: int | None = None) -> dict[str, Any]:
        """A valid create/replace body. `user` is set only when given (D-14: else the caller)."""
        n = next(self._serial)
        contract = self.contract
        source = rnd.choice(contract.sources)
        channels = contract.channels_by_source.get(source)
        # `other` takes the agency's own text (D-5); one that no listed source uses.
        channel = rnd.choice(channels) if channels else f"fair {rnd.choice('ABC')}"
        given = rnd.choice(_GIVEN_NAMES)
        lead: dict[str, Any] = {
            "title": rnd.choice(contract.enum("Title")),
            # The tag makes the lead findable with `filters[query]=<tag>` and `filters[name]`.
            "first_name": f"{given} {self.tag}",
            "middle_name": _maybe(rnd, rnd.choice(("J", "Lee", "de la")), 0.3),
            "last_name": rnd.choice(_LAST_NAMES),
            "email": _maybe(rnd, f"{given}.{self.tag}-{n}@conformance.example", 0.8),
            "mobile": rnd.choice(("+9715", "05", "+4477"))
            + "".join(rnd.choices(string.digits, k=8)),
            "category": rnd.choice(contract.enum("Category")),
            "address": _maybe(rnd, rnd.choice(_ADDRESSES), 0.5),
            "pobox": _maybe(rnd, str(rnd.randint(1000, 99999)), 0.5),
            "city": _maybe(rnd, rnd.choice(_CITIES)),
            "country": rnd.choice(_COUNTRIES),
            "status": rnd.choice(contract.status_order),
            "quality": _maybe(rnd, rnd.choice(contract.enum("LeadQuality"))),
            "source": source,
            "source_channel": channel,
            "financial": rnd.choice(contract.enum("Financial")),
            "mortgage_status": _maybe(rnd, rnd.choice(contract.enum("MortgageStatus")), 0.5),
            "time_frame": _maybe(rnd, rnd.choice(contract.time_frame_order)),
            "time_frame_from": _maybe(rnd, _random_day(rnd), 0.5),
            "passport": _maybe(rnd, rnd.choice("PKJ") + str(rnd.randint(1000000, 9999999)), 0.5),
            "passport_expire": _maybe(rnd, _random_day(rnd), 0.5),
            "legal_representative": _maybe(rnd, _legal_representative(rnd), 0.4),
            "bank": _maybe(rnd, rnd.choice(_BANKS), 0.5),
            "preference": self.preference(rnd),
            "notes": [{"body": f"note {i} of lead {n}"} for i in range(rnd.randint(0, 2))],
            "properties": sorted(_some(rnd, self.reference.property_ids, 2)),
            "mls": sorted(_some(rnd, self.reference.mls_ids, 1)),
            "fields": {k: rnd.choice(v) for k, v in self.reference.field_values.items()},
        }
        if user is not None:
            lead["user"] = user
        return {"lead": lead}

    def preference(self, rnd: random.Random) -> dict[str, Any]:
        ref = self.reference
        from_price, to_price = _bounds(rnd, 10_000, 2_000_000, nullable=False)
        from_size, to_size = _bounds(rnd, 300, 9_000, nullable=True)
        from_bed, to_bed = _bounds(rnd, 0, 6, nullable=True)
        from_bath, to_bath = _bounds(rnd, 1, 5, nullable=True)
        return {
            "offering_type": rnd.choice(self.contract.enum("OfferingType")),
            "types": _some(rnd, ref.type_ids, 2),
            "locations": _some(rnd, ref.location_ids, 2),
            "from_price": from_price,
            "to_price": to_price,
            "from_size": from_size,
            "to_size": to_size,
            "from_bedroom": from_bed,
            "to_bedroom": to_bed,
            "from_bathroom": from_bath,
            "to_bathroom": to_bath,
            "amenities": sorted(_some(rnd, ref.amenity_ids, 2)),
        }


def _random_day(rnd: random.Random) -> str:
    return (date(2015, 1, 1) + timedelta(days=rnd.randint(0, 365 * 15))).isoformat()


def _legal_representative(rnd: random.Random) -> dict[str, Any]:
    rep = {
        "first_name": rnd.choice(("Omar", "Lina", "Paul")),
        "last_name": rnd.choice(("Saleh", "Kim", "Durand")),
        "mobile": "+9715" + "".join(rnd.choices(string.digits, k=8)),
        "phone": _maybe(rnd, "+9714" + "".join(rnd.choices(string.digits, k=7)), 0.5),
        "email": _maybe(rnd, f"rep{rnd.randint(1, 99)}@law.example", 0.6),
    }
    return rep
