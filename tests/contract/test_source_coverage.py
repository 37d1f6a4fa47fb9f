"""Everything the source document says about filters, sorts and values is in the contract."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

SOURCE = Path(__file__).resolve().parents[3] / "shared" / "source" / "leads-api.txt"

# The document's filter table, duplicates removed (D-26), as the contract's path in LeadFilters.
LEAD_FILTERS = [
    "excluded_user",
    "user",
    "query",
    "id",
    "name",
    "mobile",
    "status",
    "source",
    "channel",
    "created",
    "property",
    "updated",
    "legal_representative.name",
    "legal_representative.mobile",
    "legal_representative.email",
    "passport",
    "passport_expire",
    "time_frame_from",
    "financial",
    "mortgage_status",
    "bank",
    "quality",
    "address",
    "pobox",
    "city",
    "country",
    "property_fields",
    "lead_fields",
]
WISHLIST_FILTERS = [
    "locations",
    "from_price",
    "to_price",
    "from_size",
    "to_size",
    "from_bathroom",
    "to_bathroom",
    "from_bedroom",
    "to_bedroom",
    "category",
    "types",
]
SORT_KEYS = [
    "id",
    "last_name",
    "email",
    "mobile",
    "user",
    "status",
    "created",
    "size",
    "type",
    "time_frame",
    "price",
]
ENUMS = {
    "LeadStatus": [
        "notYetContacted",
        "calledNoReply",
        "prospect",
        "qualified",
        "viewingsInProgress",
        "contractSent",
        "contractSigned",
        "notReady",
        "notInterested",
    ],
    "LeadSource": ["propertyfinder", "portal", "socialMedia", "online", "offline", "other"],
    "LeadQuality": ["spam", "poor", "average", "good", "excellent", "hot"],
    "Financial": ["other", "cash", "mortgage"],
    "MortgageStatus": ["pre-approved", "in-process", "not-pre-approved"],
    "Title": ["mr", "ms", "miss", "mrs"],
}
DOC_CHANNELS = [
    "callTracking",
    "sms",
    "email",
    "bayut",
    "dubizzle",
    "gulfNews",
    "justProperty",
    "justRentals",
    "otherPortal",
    "facebook",
    "twitter",
    "google",
    "linkedIn",
    "otherSocialMedia",
    "ourWebsite",
    "emailMarketing",
    "onlineMarketing",
    "otherOnline",
    "phone",
    "print",
    "outdoor",
    "expo",
    "walkIn",
    "referral",
    "otherOffline",
]


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follows $ref and single-element allOf wrappers down to the schema that says something."""
    while True:
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        elif "allOf" in node and len(node["allOf"]) == 1 and "type" not in node:
            described = node.get("description")
            node = {**_resolve(spec, node["allOf"][0])}
            if described:
                node["description"] = described
            return node
        else:
            return node


def _filter_schema(spec: dict[str, Any], dotted: str, root: str = "LeadFilters") -> dict[str, Any]:
    node = spec["components"]["schemas"][root]
    for part in dotted.split("."):
        node = _resolve(spec, node)
        assert part in node.get("properties", {}), f"filter {dotted!r} is missing from {root}"
        node = node["properties"][part]
    return _resolve(spec, node)


@pytest.mark.parametrize("dotted", LEAD_FILTERS)
def test_lead_filter_is_in_the_contract_with_its_meaning(spec: dict[str, Any], dotted: str) -> None:
    schema = _filter_schema(spec, dotted)
    meaning = schema.get("description") or schema.get("enum")
    assert meaning, f"filter {dotted!r} says nothing about what it keeps"


@pytest.mark.parametrize("name", WISHLIST_FILTERS)
def test_wishlist_filter_is_in_the_contract(spec: dict[str, Any], name: str) -> None:
    schema = _filter_schema(spec, f"wishlist.{name}")
    assert schema.get("description") or schema.get("enum"), name


def test_filters_are_closed_so_a_misspelled_filter_is_refused(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["LeadFilters"]["additionalProperties"] is False
    assert schemas["WishlistFilters"]["additionalProperties"] is False
    assert len(schemas["LeadFilters"]["properties"]) == len(
        {f.split(".")[0] for f in LEAD_FILTERS} | {"wishlist"}
    )


def test_sort_keys_and_orders(spec: dict[str, Any]) -> None:
    params = spec["components"]["parameters"]
    assert sorted(params["Sort"]["schema"]["enum"]) == sorted(SORT_KEYS)
    assert set(params["SortOrder"]["schema"]["enum"]) == {"ASC", "DESC", "asc", "desc"}
    assert params["SortOrder"]["schema"]["default"] == "ASC"


@pytest.mark.parametrize(("schema_name", "values"), ENUMS.items())
def test_enumerations_match_the_document(
    spec: dict[str, Any], schema_name: str, values: list[str]
) -> None:
    assert sorted(spec["components"]["schemas"][schema_name]["enum"]) == sorted(values)


def test_every_documented_channel_belongs_to_one_source(spec: dict[str, Any]) -> None:
    by_source = spec["components"]["schemas"]["LeadChannel"]["x-channels-by-source"]
    listed = [c for channels in by_source.values() for c in channels]
    assert sorted(listed) == sorted(DOC_CHANNELS)
    assert len(listed) == len(set(listed))
    assert set(by_source) == set(ENUMS["LeadSource"]) - {"other"}


def test_every_operation_of_the_document_is_in_the_contract(spec: dict[str, Any]) -> None:
    documented = {
        ("get", "/leads/{id}"),
        ("get", "/leads"),
        ("post", "/leads"),
        ("put", "/leads/{id}"),
        ("delete", "/leads/{id}"),
        ("delete", "/lead/{id}"),
        ("patch", "/leads/{id}"),
        ("patch", "/leads"),
        ("delete", "/leads"),
    }
    present = {(m, p) for p, item in spec["paths"].items() for m in item if m != "parameters"}
    assert present == documented
    assert spec["paths"]["/lead/{id}"]["delete"]["deprecated"] is True


def test_every_operation_states_its_rights_and_refusals(spec: dict[str, Any]) -> None:
    known = {
        "lead.read",
        "lead.read.other",
        "lead.update",
        "lead.update.other",
        "lead.delete",
        "lead.delete.other",
        "user.update",
        "property.read",
    }
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            rights = op["x-rights"]
            named = set(rights["required"]) | {rights["other"]}
            for extra in rights.get("by_path", {}).values():
                named |= set(extra)
            assert named <= known, (method, path, named - known)
            for right in named:
                assert right in op["description"], f"{method} {path}: {right} not in prose"
            assert {"400", "401", "403"} <= set(op["responses"]), (method, path)
            for status, response in op["responses"].items():
                if status[0] in "45":
                    assert response["$ref"].startswith("#/components/responses/")


def _document_table(text: str, start: str, stop: str) -> list[str]:
    section = text[text.index(start) : text.index(stop, text.index(start))]
    names = []
    for line in section.splitlines()[1:]:
        match = re.match(r"^([a-z_]+(?:\[[a-z]+\])?) ", line)
        if match:
            names.append(match.group(1).replace("[", ".").rstrip("]"))
    return names


@pytest.mark.skipif(not SOURCE.exists(), reason=f"source document not found at {SOURCE}")
def test_the_tables_above_are_the_documents() -> None:
    text = SOURCE.read_text(encoding="utf-8")
    lead = _document_table(text, "Name Comment Value", "You also can filter")
    wishlist = _document_table(text, "You also can filter", "Curl example")
    assert sorted(set(lead)) == sorted(LEAD_FILTERS)
    assert len(lead) == len(LEAD_FILTERS) + 2  # `created` and `user` are listed twice (D-26)
    assert wishlist == WISHLIST_FILTERS
