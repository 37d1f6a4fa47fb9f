"""Sorting and pagination of `GET /leads` (the `sort` parameter's table, D-17, D-18)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .records import LeadRecord, ReferenceData

SortKey = Callable[[LeadRecord], Any]


def _text(field: str) -> SortKey:
    return lambda lead: lead[field].casefold() if lead[field] else None  # type: ignore[literal-required]


def _preference(field: str) -> SortKey:
    return lambda lead: lead["preference"][field] if lead["preference"] else None  # type: ignore[literal-required]


def sort_keys(
    status_order: Sequence[str], time_frame_order: Sequence[str], reference: ReferenceData
) -> dict[str, SortKey]:
    """What each `sort` value compares; None means "no value" (sorted last)."""
    status_rank = {s: i for i, s in enumerate(status_order)}
    time_frame_rank = {t: i for i, t in enumerate(time_frame_order)}

    def first_type_name(lead: LeadRecord) -> str | None:
        pref = lead["preference"]
        if not pref or not pref["types"]:
            return None
        found = reference.types.get(pref["types"][0])
        return str(found["name"]).casefold() if found else None

    return {
        "id": lambda lead: lead["id"],
        "last_name": _text("last_name"),
        "email": _text("email"),
        "mobile": _text("mobile"),
        "user": lambda lead: lead["user"],
        "status": lambda lead: status_rank.get(lead["status"]),
        "created": lambda lead: lead["created_at"],
        "size": _preference("from_size"),
        "price": _preference("from_price"),
        "type": first_type_name,
        "time_frame": lambda lead: time_frame_rank.get(lead["time_frame"] or ""),
    }


def sort_leads(leads: list[LeadRecord], key: SortKey, descending: bool) -> list[LeadRecord]:
    """Sorted by `key`, ties by id ascending in both orders, leads without a value last."""
    by_id = sorted(leads, key=lambda lead: lead["id"])
    valued = [(key(lead), lead) for lead in by_id]
    present = [pair for pair in valued if pair[0] is not None]
    # Python's sort is stable, also with reverse=True, so equal keys keep the id order.
    present.sort(key=lambda pair: pair[0], reverse=descending)
    return [lead for _, lead in present] + [lead for value, lead in valued if value is None]


def page_of(items: list[Any], page: int, per_page: int) -> list[Any]:
    start = (page - 1) * per_page
    return items[start : start + per_page]
