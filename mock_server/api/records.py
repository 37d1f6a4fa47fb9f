"""The mock's data: leads as stored, and the reference data they point to.

A stored lead keeps ids where the API answers objects (user, locations, types, amenities);
`render` turns it into the contract's `Lead`. Dates are parsed once, at the border.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypedDict

# What a preference bounds, each with a `from_` and a `to_` field.
BOUNDED = ("price", "size", "bathroom", "bedroom")
PREFERENCE_BOUNDS = tuple(f"{side}_{name}" for name in BOUNDED for side in ("from", "to"))


class PreferenceRecord(TypedDict):
    id: int
    offering_type: str
    locations: list[str]
    types: list[int]
    amenities: list[int]
    from_price: int | None
    to_price: int | None
    from_size: int | None
    to_size: int | None
    from_bathroom: int | None
    to_bathroom: int | None
    from_bedroom: int | None
    to_bedroom: int | None


class NoteRecord(TypedDict):
    id: int
    body: str
    created_at: datetime


class LeadRecord(TypedDict):
    id: int
    user: int
    title: str | None
    first_name: str
    middle_name: str | None
    last_name: str
    email: str | None
    mobile: str
    address: str | None
    pobox: str | None
    city: str | None
    country: str | None
    status: str
    quality: str | None
    financial: str | None
    mortgage_status: str | None
    source: str | None
    channel: str | None
    category: str | None
    time_frame: str | None
    time_frame_from: date | None
    passport: str | None
    passport_expire: date | None
    legal_representative: dict[str, str | None] | None
    bank: str | None
    preference: PreferenceRecord | None
    properties: list[int]
    mls: list[int]
    fields: dict[str, str | int | float | bool]
    notes: list[NoteRecord]
    created_at: datetime
    updated_at: datetime


def copy_record(lead: LeadRecord) -> LeadRecord:
    """A copy of a stored lead that a writer may change: every list and dict in it is new
    (`copy.deepcopy` did the same at ten times the cost: most of a patch, measured)."""
    pref = lead["preference"]
    rep = lead["legal_representative"]
    copied = lead.copy()
    if pref is not None:
        pref = pref.copy()
        pref["locations"] = list(pref["locations"])
        pref["types"] = list(pref["types"])
        pref["amenities"] = list(pref["amenities"])
    copied["preference"] = pref
    copied["legal_representative"] = dict(rep) if rep is not None else None
    copied["properties"] = list(lead["properties"])
    copied["mls"] = list(lead["mls"])
    copied["fields"] = dict(lead["fields"])
    copied["notes"] = [note.copy() for note in lead["notes"]]
    return copied


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    last_name: str
    email: str
    mobile: str | None
    token: str
    rights: frozenset[str]
    # OAuth2 client credentials of the user's client (D-38), when the fixture gives one.
    client_id: str | None = None
    client_secret: str | None = None

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "mobile": self.mobile,
        }


@dataclass(frozen=True)
class Property:
    id: int
    source: str  # "inventory" or "mls"
    offering_type: str
    category: str
    type: int
    location: str
    price: int
    size: int | None
    bedrooms: int | None
    bathrooms: int | None
    fields: dict[str, Any]


@dataclass(frozen=True)
class CustomField:
    id: int
    entity: str  # "lead" or "property"
    name: str
    type: str  # "string", "number" or "boolean"
    required: bool


@dataclass(frozen=True)
class ReferenceData:
    """Everything a lead refers to; fixed for the life of a fixture set."""

    users: dict[int, User]
    locations: dict[str, dict[str, Any]]
    types: dict[int, dict[str, Any]]
    amenities: dict[int, dict[str, Any]]
    custom_fields: dict[int, CustomField]
    properties: dict[int, Property]
    tokens: dict[str, User] = field(init=False)
    clients: dict[str, User] = field(init=False)  # by client id

    def __post_init__(self) -> None:
        object.__setattr__(self, "tokens", {u.token: u for u in self.users.values()})
        clients = {u.client_id: u for u in self.users.values() if u.client_id is not None}
        object.__setattr__(self, "clients", clients)

    def lead_field(self, key: str) -> CustomField | None:
        found = self.custom_fields.get(int(key)) if key.isdigit() else None
        return found if found is not None and found.entity == "lead" else None

    def inventory(self, property_id: int) -> Property | None:
        found = self.properties.get(property_id)
        return found if found is not None and found.source == "inventory" else None

    def mls_listing(self, property_id: int) -> Property | None:
        found = self.properties.get(property_id)
        return found if found is not None and found.source == "mls" else None
