"""Rules beyond the schema (422) and misspelled fields (400): refused, and nothing written.

schemathesis judges schema-invalid input; these are the contract's other rules for a lead's
body (`POST /leads`, "Checks beyond the schema"), which random input rarely breaks one at a
time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from conformance import checks
from conformance.inputs.factory import LeadFactory
from conformance.leads import LeadsApi
from conformance.oracle.clauses import rule_clause, status_clause
from conformance.oracle.contract import Contract
from conformance.report.ledger import Cases

ABSENT_ID = 987_654_321
Body = dict[str, Any]


def _other_sources_channel(contract: Contract, body: Body) -> None:
    # Between two sources with listed channels (`other` takes any text, D-5).
    lead = body["lead"]
    listed = list(contract.channels_by_source)
    source = lead["source"] if lead["source"] in listed else listed[0]
    other = next(s for s in listed if s != source)
    lead["source"] = source
    lead["source_channel"] = contract.channels_by_source[other][0]


def _set(path: str, value: Any) -> Callable[[Contract, Body], None]:
    def change(_: Contract, body: Body) -> None:
        node = body["lead"]
        *parents, last = path.split(".")
        for part in parents:
            node = node[part]
        node[last] = value

    return change


def _bounds_reversed(_: Contract, body: Body) -> None:
    preference = body["lead"]["preference"]
    preference["from_price"], preference["to_price"] = 500, 100


def _rename(old: str, new: str) -> Callable[[Contract, Body], None]:
    def change(_: Contract, body: Body) -> None:
        lead = body["lead"]
        lead[new] = lead.pop(old)

    return change


def _remove(*names: str) -> Callable[[Contract, Body], None]:
    def change(_: Contract, body: Body) -> None:
        for name in names:
            body["lead"].pop(name, None)

    return change


def _both(*changes: Callable[[Contract, Body], None]) -> Callable[[Contract, Body], None]:
    def change(contract: Contract, body: Body) -> None:
        for one in changes:
            one(contract, body)

    return change


def _empty_lead(_: Contract, body: Body) -> None:
    body["lead"] = {}


def _everything_required(contract: Contract) -> list[checks.Field]:
    return [f"/lead/{name}" for name in contract.schema("LeadWrite")["required"]]


Wrong = Callable[[Contract], list[checks.Field]]


def _fields(*fields: checks.Field) -> Wrong:
    return lambda _: list(fields)


# name -> (how to break a valid body, the refusal, the rule of the contract's `x-rules` it
# breaks, the fields the refusal must name: each once, and no other)
BROKEN: dict[str, tuple[Callable[[Contract, Body], None], int, str | None, Wrong]] = {
    "channel-of-another-source": (
        _other_sources_channel,
        422,
        "channel-of-source",
        _fields(("/lead/source_channel", "/lead/source")),
    ),
    "unknown-user": (_set("user", ABSENT_ID), 422, "user-exists", _fields("/lead/user")),
    "unknown-type": (
        _set("preference.types", [ABSENT_ID]),
        422,
        "types-exist",
        _fields("/lead/preference/types"),
    ),
    "unknown-location": (
        _set("preference.locations", ["zzz.987654321"]),
        422,
        "locations-exist",
        _fields("/lead/preference/locations"),
    ),
    "unknown-amenity": (
        _set("preference.amenities", [ABSENT_ID]),
        422,
        "amenities-exist",
        _fields("/lead/preference/amenities"),
    ),
    "unknown-property": (
        _set("properties", [ABSENT_ID]),
        422,
        "properties-exist",
        _fields("/lead/properties"),
    ),
    "unknown-custom-field": (
        _set("fields", {str(ABSENT_ID): "x"}),
        422,
        "custom-fields",
        _fields("/lead/fields"),
    ),
    "to-below-from": (
        _bounds_reversed,
        422,
        "bounds",
        _fields(("/lead/preference/to_price", "/lead/preference/from_price")),
    ),
    "preferences-for-preference": (
        _rename("preference", "preferences"),
        400,
        None,
        _fields("/lead/preferences", "/lead/preference"),
    ),
    "channel-for-source_channel": (
        _rename("source_channel", "channel"),
        400,
        None,
        _fields("/lead/channel", "/lead/source_channel"),
    ),
    "three-required-missing": (
        _remove("first_name", "mobile", "financial"),
        400,
        None,
        _fields("/lead/first_name", "/lead/mobile", "/lead/financial"),
    ),
    "two-mistyped": (
        _both(_set("first_name", 5), _set("preference.from_price", "x")),
        400,
        None,
        _fields("/lead/first_name", "/lead/preference/from_price"),
    ),
    "unknown-field-in-the-preference": (
        _set("preference.colour", "blue"),
        400,
        None,
        _fields("/lead/preference/colour"),
    ),
    "empty-lead": (_empty_lead, 400, None, _everything_required),
}


def _marked(factory: LeadFactory, rnd: random.Random) -> tuple[Body, str]:
    body = factory.body(rnd)
    marker = "vm" + "".join(rnd.choices("abcdefghijklmnopqrstuvwxyz", k=10))
    body["lead"]["last_name"] = marker
    return body, marker


def _refusal_clauses(label: str, status: int, rule: str | None) -> list[str]:
    return [status_clause(label, status), "problem-json", *([rule_clause(rule)] if rule else [])]


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_create_breaking_a_rule_is_refused_and_creates_nothing(
    api: LeadsApi,
    contract: Contract,
    factory: LeadFactory,
    rnd: random.Random,
    case: str,
    clauses: Cases,
) -> None:
    breaks, status, rule, wrong = BROKEN[case]
    body, marker = _marked(factory, rnd)
    breaks(contract, body)
    clause = f"POST /leads: {case} is refused with {status} (checks beyond the schema, D-3, D-5)"
    with clauses.case(*_refusal_clauses("POST /leads", status, rule)):
        exchange = api.client.post("/leads", body)
        if exchange.status == 201:
            api.created.add(exchange.json["lead"]["id"])
        checks.refusal_is_problem(exchange, status, clause)
    with clauses.case("errors-list-fields"):
        checks.errors_name_each_invalid_field_once(
            exchange, clause, wrong=wrong(contract), body=body
        )
    with clauses.case("refusal-changes-nothing"):
        listing = api.list_all({"query": marker})
        checks.listing_holds_exactly(
            listing.exchanges, listing.leads, [], f"filters[query]={marker}"
        )


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_replace_breaking_a_rule_is_refused_and_changes_nothing(
    api: LeadsApi,
    contract: Contract,
    factory: LeadFactory,
    new_lead: Callable[..., dict[str, Any]],
    rnd: random.Random,
    case: str,
    clauses: Cases,
) -> None:
    breaks, status, rule, wrong = BROKEN[case]
    lead = new_lead()
    body, _ = _marked(factory, rnd)
    breaks(contract, body)
    clause = f"PUT /leads/{{id}}: {case} is refused with {status}, as on creation"
    with clauses.case(*_refusal_clauses("PUT /leads/{id}", status, rule)):
        exchange = api.client.put(f"/leads/{lead['id']}", body)
        checks.refusal_is_problem(exchange, status, clause)
    with clauses.case("errors-list-fields"):
        checks.errors_name_each_invalid_field_once(
            exchange, clause, wrong=wrong(contract), body=body
        )
    with clauses.case("refusal-changes-nothing"):
        get, after = api.get(lead["id"])
        checks.refused_request_changes_nothing(
            [exchange, get], {lead["id"]: lead}, {lead["id"]: after}, clause
        )


@pytest.mark.clauses(rule_clause("custom-fields"))
def test_wrongly_typed_custom_field_is_refused(
    api: LeadsApi, factory: LeadFactory, rnd: random.Random
) -> None:
    """D-9: a value of the wrong type for a custom field is a 422."""
    typed = {
        key: values[0]
        for key, values in factory.reference.field_values.items()
        if values and not isinstance(values[0], str)
    }
    if not typed:
        pytest.skip("no number or boolean custom field seen on the server's leads")
    key = sorted(typed)[0]
    body, _ = _marked(factory, rnd)
    body["lead"]["fields"][key] = "not a " + type(typed[key]).__name__
    exchange = api.client.post("/leads", body)
    if exchange.status == 201:
        api.created.add(exchange.json["lead"]["id"])
    clause = (
        f"POST /leads: custom field {key} holds a {type(typed[key]).__name__}; text is 422 (D-9)"
    )
    checks.refusal_is_problem(exchange, 422, clause)


@pytest.mark.clauses("path-id")
@pytest.mark.parametrize("lead_id", ["abc", "1.5"])
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_path_id_that_is_not_a_positive_integer_is_404(
    api: LeadsApi, method: str, lead_id: str
) -> None:
    """D-20: a lead id in a path that is not a positive integer names no resource."""
    exchange = api.client.request(method, f"/leads/{lead_id}")
    checks.refusal_is_problem(
        exchange, 404, f"{method} /leads/{{id}}: an id that is not a positive integer is 404 (D-20)"
    )
