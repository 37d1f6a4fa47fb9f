"""The rules a lead body must follow beyond its schema (422, the contract's `UnprocessableEntity`).

Used for request bodies and, at start-up, for fixture leads: the same rules hold for both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import field_error
from .records import BOUNDED, ReferenceData

_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


def lead_rule_errors(
    lead: Mapping[str, Any],
    reference: ReferenceData,
    channel_belongs: Callable[[str | None, str | None], bool],
    prefix: str = "/lead",
) -> list[dict[str, str]]:
    """Every broken rule of a `LeadWrite`, as problem `errors` with JSON pointers."""
    errors: list[dict[str, str]] = []

    def broken(pointer: str, message: str) -> None:
        errors.append(field_error("body", f"{prefix}/{pointer}", message))

    source, channel = lead.get("source"), lead.get("source_channel")
    if not channel_belongs(source, channel):
        broken("source_channel", f"channel {channel!r} does not belong to source {source!r}")
    user = lead.get("user")
    if user is not None and user not in reference.users:
        broken("user", f"user {user} does not exist")
    pref = lead.get("preference")
    if pref is not None:
        for i, type_id in enumerate(pref.get("types", [])):
            if type_id not in reference.types:
                broken(f"preference/types/{i}", f"property type {type_id} does not exist")
        for i, location in enumerate(pref.get("locations", [])):
            if location not in reference.locations:
                broken(f"preference/locations/{i}", f"location {location!r} does not exist")
        for i, amenity in enumerate(pref.get("amenities", [])):
            if amenity not in reference.amenities:
                broken(f"preference/amenities/{i}", f"amenity {amenity} does not exist")
        for bound in BOUNDED:
            low, high = pref.get(f"from_{bound}"), pref.get(f"to_{bound}")
            if low is not None and high is not None and high < low:
                broken(f"preference/to_{bound}", f"to_{bound} {high} is below from_{bound} {low}")
    for i, pid in enumerate(lead.get("properties") or []):
        if reference.inventory(pid) is None:
            broken(f"properties/{i}", f"inventory property {pid} does not exist")
    for i, pid in enumerate(lead.get("mls") or []):
        if reference.mls_listing(pid) is None:
            broken(f"mls/{i}", f"MLS listing {pid} does not exist")
    errors.extend(_custom_field_errors(lead.get("fields") or {}, reference, prefix))
    return errors


def _custom_field_errors(
    values: Mapping[str, Any], reference: ReferenceData, prefix: str
) -> list[dict[str, str]]:
    errors = []
    for key, value in values.items():
        definition = reference.lead_field(key)
        if definition is None:
            errors.append(
                field_error(
                    "body", f"{prefix}/fields/{key}", f"lead custom field {key} does not exist"
                )
            )
        elif not _TYPE_CHECKS[definition.type](value):
            errors.append(
                field_error(
                    "body",
                    f"{prefix}/fields/{key}",
                    f"custom field {key} ({definition.name}) takes a {definition.type}",
                )
            )
    for definition in reference.custom_fields.values():
        if definition.entity == "lead" and definition.required and str(definition.id) not in values:
            errors.append(
                field_error(
                    "body",
                    f"{prefix}/fields",
                    f"custom field {definition.id} ({definition.name}) is required",
                )
            )
    return errors
