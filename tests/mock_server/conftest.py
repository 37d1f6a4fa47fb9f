from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mock_server.records import LeadRecord, Property, ReferenceData, User
from mock_server.records import CustomField


@pytest.fixture
def reference() -> ReferenceData:
    """A small hand-made world, so that unit tests read without the fixture files."""
    everything = frozenset({"lead.read", "lead.read.other", "lead.update", "lead.update.other",
                            "lead.delete", "lead.delete.other", "user.update", "property.read"})  # fmt: skip
    users = {
        1: User(1, "Jean", "Pac", "jean@x.example", None, "admin", everything),
        2: User(2, "Aisha", "Khan", "aisha@x.example", None, "agent", frozenset({"lead.read"})),
    }
    prop = Property(1, "inventory", "sale", "residential", 2, "are.3.1200", 120000, 1000, 2, 2,
                    {"5": "Sea", "6": True})  # fmt: skip
    mls = Property(112345, "mls", "sale", "residential", 2, "are.3.1200.1", 123000, 1100, 3, 2, {})
    return ReferenceData(
        users=users,
        locations={
            "are.3": {"id": "are.3", "city": "Dubai"},
            "are.3.1200": {"id": "are.3.1200", "city": "Dubai", "community": "JLT"},
            "are.3.1200.1": {"id": "are.3.1200.1", "city": "Dubai"},
            "are.1": {"id": "are.1", "city": "Abu Dhabi"},
        },
        types={2: {"id": 2, "name": "Apartment", "category": "residential"},
               1: {"id": 1, "name": "Villa", "category": "residential"}},  # fmt: skip
        amenities={1: {"id": 1, "name": "swimming pool"}},
        custom_fields={1: CustomField(1, "lead", "Pets", "string", False),
                       3: CustomField(3, "lead", "Cash buyer", "boolean", False),
                       5: CustomField(5, "property", "View", "string", False)},  # fmt: skip
        properties={1: prop, 112345: mls},
    )


def make_lead(lead_id: int, **changes: Any) -> LeadRecord:
    """A complete stored lead; tests change only what they are about."""
    lead: dict[str, Any] = {
        "id": lead_id, "user": 1, "title": "mr", "first_name": "Johnny", "middle_name": None,
        "last_name": "Trump", "email": "johnny.t@gmail.com", "mobile": "0478524147",
        "address": "Dubai Marina", "pobox": "15109", "city": "Dubai", "country": "AE",
        "status": "prospect", "quality": "good", "financial": "cash", "mortgage_status": None,
        "source": "portal", "channel": "dubizzle", "category": "residential", "time_frame": "0",
        "time_frame_from": None, "passport": None, "passport_expire": None,
        "legal_representative": None, "bank": None,
        "preference": {
            "id": lead_id, "offering_type": "sale", "locations": ["are.3.1200"], "types": [2],
            "amenities": [1], "from_price": 120000, "to_price": 125000, "from_size": 900,
            "to_size": 1200, "from_bathroom": 2, "to_bathroom": 3, "from_bedroom": 2,
            "to_bedroom": 3,
        },
        "properties": [], "mls": [], "fields": {}, "notes": [],
        "created_at": datetime(2016, 3, 1, 8, 0, tzinfo=UTC),
        "updated_at": datetime(2016, 3, 1, 8, 0, tzinfo=UTC),
    }  # fmt: skip
    preference = changes.pop("preference", None)
    lead.update(changes)
    if preference is not None:
        lead["preference"] = None if preference == "none" else {**lead["preference"], **preference}
    return lead  # type: ignore[return-value]
