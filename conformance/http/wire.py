"""Query parameters on the wire: PHP-style bracketed keys, arrays by repeating the key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def bracket_pairs(prefix: str, value: Any) -> list[tuple[str, str]]:
    """`{"wishlist": {"types": [1, 2]}}` under `filters` gives two `filters[wishlist][types]`."""
    if isinstance(value, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, item in value.items():
            pairs.extend(bracket_pairs(f"{prefix}[{key}]", item))
        return pairs
    if isinstance(value, list | tuple):
        # The contract's wire form for arrays is the repeated key (WishlistFilters).
        return [(prefix, scalar_text(item)) for item in value]
    return [(prefix, scalar_text(value))]


def filter_query(filters: Mapping[str, Any]) -> list[tuple[str, str]]:
    return bracket_pairs("filters", filters)


def wire_names(filters: Mapping[str, Any]) -> list[str]:
    """The bracketed names of the leaves, `filters[created]` for a named interval."""
    names: list[str] = []
    for key, _ in filter_query(filters):
        if key not in names:
            names.append(key)
    return names


def list_query(
    filters: Mapping[str, Any] | None = None,
    *,
    sort: str | None = None,
    sort_order: str | None = None,
    page: int | None = None,
    per_page: int | None = None,
) -> list[tuple[str, str]]:
    query = filter_query(filters or {})
    if sort is not None:
        query.append(("sort", sort))
    if sort_order is not None:
        query.append(("sort_order", sort_order))
    if page is not None:
        query.append(("page", str(page)))
    if per_page is not None:
        query.append(("per_page", str(per_page)))
    return query
