"""`matching`: how many properties match a lead's preference (the contract's `Matching`)."""

from __future__ import annotations

from collections.abc import Iterable

from .records import PreferenceRecord, Property


def _within(value: int | None, low: int | None, high: int | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or low <= value) and (high is None or value <= high)


def property_matches(pref: PreferenceRecord, category: str | None, prop: Property) -> bool:
    if prop.offering_type != pref["offering_type"]:
        return False
    if category is not None and prop.category != category:
        return False
    if pref["types"] and prop.type not in pref["types"]:
        return False
    if pref["locations"] and not any(
        prop.location == loc or prop.location.startswith(loc + ".") for loc in pref["locations"]
    ):
        return False
    return (
        _within(prop.price, pref["from_price"], pref["to_price"])
        and _within(prop.size, pref["from_size"], pref["to_size"])
        and _within(prop.bedrooms, pref["from_bedroom"], pref["to_bedroom"])
        and _within(prop.bathrooms, pref["from_bathroom"], pref["to_bathroom"])
    )


def count_matches(
    pref: PreferenceRecord | None, category: str | None, properties: Iterable[Property]
) -> dict[str, int]:
    inventory = mls = 0
    if pref is not None:
        for prop in properties:
            if property_matches(pref, category, prop):
                if prop.source == "inventory":
                    inventory += 1
                else:
                    mls += 1
    return {"count": inventory + mls, "inventory_count": inventory, "mls_count": mls}
