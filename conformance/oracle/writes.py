"""What a lead must look like after a create, replace or patch, in the response's terms.

The contract's write semantics (D-3, D-5, D-8, D-14, D-15, D-10) as a function from the body
sent (`LeadWrite`) to the fields a `GET` must then answer. Server-computed fields (`id`,
`created_at`, `updated_at`, `matching`) and the full objects behind ids (locations, types,
amenities) are checked elsewhere or only by id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Lead = Mapping[str, Any]

# Fields copied as is from the body; left out means null (creation) or cleared (PUT, D-15).
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
    "category",
    "time_frame",
    "time_frame_from",
    "passport",
    "passport_expire",
    "bank",
)
_PREFERENCE_BOUNDS = (
    "from_price",
    "to_price",
    "from_size",
    "to_size",
    "from_bathroom",
    "to_bathroom",
    "from_bedroom",
    "to_bedroom",
)


def expected_lead(body: Mapping[str, Any], *, user: int, notes: list[str] | None) -> dict[str, Any]:
    """The comparable view (see `comparable`) of a lead written with `body` (`LeadWrite`).

    `user` is the id the lead must be assigned to; `notes` the note bodies it must hold.
    """
    view: dict[str, Any] = {name: body.get(name) for name in _PLAIN}
    view["channel"] = body.get("source_channel")  # D-5: requests say source_channel
    rep = body.get("legal_representative")
    view["legal_representative"] = (
        None if rep is None else {k: v for k, v in rep.items() if v is not None}
    )
    preference = body.get("preference")
    if preference is None:
        view["preference"] = None
        view["amenities"] = []
    else:
        view["preference"] = {
            "offering_type": preference.get("offering_type"),
            "locations": sorted(preference.get("locations") or []),
            "types": sorted(preference.get("types") or []),
            **{bound: preference.get(bound) for bound in _PREFERENCE_BOUNDS},
        }
        view["amenities"] = sorted(preference.get("amenities") or [])  # D-8
    view["fields"] = dict(body.get("fields") or {})
    view["properties"] = sorted(set(body.get("properties") or []))
    view["mls"] = sorted(set(body.get("mls") or []))
    view["user"] = user
    view["notes"] = None if notes is None else sorted(notes)
    return view


def comparable(lead: Lead, *, with_notes: bool) -> dict[str, Any]:
    """The same view of a lead as answered (ids instead of objects, sets sorted)."""
    view: dict[str, Any] = {name: lead.get(name) for name in _PLAIN}
    view["channel"] = lead.get("channel")
    rep = lead.get("legal_representative")
    view["legal_representative"] = (
        None if rep is None else {k: v for k, v in rep.items() if v is not None}
    )
    preferences = lead.get("preferences") or []
    if preferences:
        preference = preferences[0]
        view["preference"] = {
            "offering_type": preference.get("offering_type"),
            "locations": sorted(loc["id"] for loc in preference.get("locations") or []),
            "types": sorted(t["id"] for t in preference.get("types") or []),
            **{bound: preference.get(bound) for bound in _PREFERENCE_BOUNDS},
        }
    else:
        view["preference"] = None
    view["amenities"] = sorted(a["id"] for a in lead.get("amenities") or [])
    view["fields"] = dict(lead.get("fields") or {})
    view["properties"] = sorted(set(lead.get("properties") or []))
    view["mls"] = sorted(set(lead.get("mls") or []))
    view["user"] = lead["user"]["id"]
    view["notes"] = sorted(n["body"] for n in lead.get("notes") or []) if with_notes else None
    return view


def differences(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    return [
        f"{name}: expected {expected.get(name)!r}, received {actual.get(name)!r}"
        for name in sorted(set(expected) | set(actual))
        if expected.get(name) != actual.get(name)
    ]


def note_bodies(body: Mapping[str, Any]) -> list[str] | None:
    notes = body.get("notes")
    return None if notes is None else [n["body"] for n in notes]


def apply_patch(view: Mapping[str, Any], operations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The comparable view after `PATCH /leads/{id}` operations (the operation table, D-10)."""
    result = dict(view)
    for op in operations:
        path, value = op["path"], op["value"]
        if path == "/status":
            result["status"] = value
        elif path == "/assignment/user":
            result["user"] = int(value)
        elif path in ("/assignment/property", "/assignment/mls"):
            key = "properties" if path.endswith("property") else "mls"
            ids = set(result[key])
            if op["op"] == "add":
                ids.add(value)
            else:
                ids.discard(value)
            result[key] = sorted(ids)
        else:
            raise ValueError(f"the model does not know the patch path {path!r}")
    return result
