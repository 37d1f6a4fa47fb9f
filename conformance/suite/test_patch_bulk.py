"""Patch and bulk semantics: each operation takes effect on exactly the leads it names, leaves
every other field and lead alone, and an invalid request changes nothing.

Only leads this test module creates are touched, except by the tests marked `destructive`
(the `*` wildcard, deleting every lead), which run only with --allow-destructive.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import httpx
import pytest

from conformance import checks
from conformance.http.client import ApiClient, Exchange
from conformance.inputs.factory import LeadFactory
from conformance.leads import CreatedLeads, LeadsApi
from conformance.oracle import writes
from conformance.oracle.clauses import patch_clause, rule_clause, status_clause
from conformance.oracle.contract import Contract
from conformance.report.ledger import Cases
from conformance.settings import Settings
from conformance.views import Views

NewLead = Callable[..., dict[str, Any]]
# Ids no server is expected to hold; a missing user, property or lead must be refused.
ABSENT_ID = 987_654_321


def _other_status(contract: Contract, lead: Mapping[str, Any], rnd: random.Random) -> str:
    return rnd.choice([s for s in contract.status_order if s != lead["status"]])


def _other_user(identities: Mapping[str, int], reference: Any, lead: Mapping[str, Any]) -> int:
    users = sorted({*reference.user_ids, *identities.values()} - {lead["user"]["id"]})
    if not users:
        pytest.skip("needs a second user id on the server to reassign a lead to")
    return users[0]


def _patch(api: LeadsApi, lead_id: int, operations: list[dict[str, Any]]) -> Exchange:
    return api.client.patch(f"/leads/{lead_id}", {"operations": operations})


def _check_applied(
    api: LeadsApi,
    exchange: Exchange,
    before: Mapping[str, Any],
    operations: list[dict[str, Any]],
    clause: str,
    bystanders: Sequence[Mapping[str, Any]] = (),
    seen: Views | None = None,
) -> None:
    """The patch took effect on the lead, nothing else changed, and (with `seen`, read before
    the patch) every view of the lead agrees."""
    checks.answers_status(exchange, 204, clause)
    get, after = api.get(before["id"])
    checks.lead_still_exists([exchange, get], before["id"], after, clause)
    assert after is not None
    old = writes.comparable(before, with_notes=False)
    expected = writes.apply_patch(old, operations)
    targets = ("status", "user", "properties", "mls")
    checks.patch_takes_effect([exchange, get], after, {k: expected[k] for k in targets}, clause)
    changed = {k for k in targets if expected[k] != old[k]}
    checks.patch_leaves_other_fields_alone([exchange, get], before, after, changed, clause)
    checks.timestamps_are_consistent(get, before, after, clause)
    if changed:
        checks.change_moves_updated_at(exchange, get, before, after, clause)
    _check_untouched(api, exchange, bystanders, clause)
    if seen is not None:
        seen.agree(exchange, clause)


def _check_untouched(
    api: LeadsApi, exchange: Exchange, leads: Sequence[Mapping[str, Any]], clause: str
) -> None:
    for lead in leads:
        get, after = api.get(lead["id"])
        checks.lead_is_unchanged(
            [exchange, get], lead, after, f"{clause}; other leads are left alone"
        )


# --- PATCH /leads/{id} -----------------------------------------------------------------------


@pytest.mark.clauses(patch_clause("replace", "/status"), "views-agree")
def test_patch_status_takes_effect_and_touches_nothing_else(
    api: LeadsApi,
    contract: Contract,
    new_lead: NewLead,
    rnd: random.Random,
    views: Callable[..., Views],
) -> None:
    lead, bystander = new_lead(), new_lead()
    operations = [{"op": "replace", "path": "/status", "value": _other_status(contract, lead, rnd)}]
    seen = views([lead["id"], bystander["id"]])
    exchange = _patch(api, lead["id"], operations)
    _check_applied(
        api,
        exchange,
        lead,
        operations,
        "PATCH /leads/{id} replace /status: sets `status`",
        [bystander],
        seen,
    )


@pytest.mark.clauses(patch_clause("replace", "/assignment/user"), "views-agree")
@pytest.mark.parametrize("as_text", [False, True], ids=["integer", "digits-string"])
def test_patch_assignment_user_takes_effect(
    api: LeadsApi,
    new_lead: NewLead,
    identities: dict[str, int],
    factory: LeadFactory,
    as_text: bool,
    views: Callable[..., Views],
) -> None:
    lead, bystander = new_lead(), new_lead()
    user = _other_user(identities, factory.reference, lead)
    value: int | str = str(user) if as_text else user
    operations = [{"op": "replace", "path": "/assignment/user", "value": value}]
    seen = views([lead["id"]])
    exchange = _patch(api, lead["id"], operations)
    _check_applied(
        api,
        exchange,
        lead,
        operations,
        "PATCH /leads/{id} replace /assignment/user: sets `user` (integer, or digits as a string)",
        [bystander],
        seen,
    )


@pytest.mark.parametrize("target", ["property", "mls"])
def test_patch_add_and_remove_assignments(
    api: LeadsApi,
    new_lead: NewLead,
    factory: LeadFactory,
    target: str,
    clauses: Cases,
    views: Callable[..., Views],
) -> None:
    pool = factory.reference.property_ids if target == "property" else factory.reference.mls_ids
    path = f"/assignment/{target}"
    if not pool:
        with clauses.case(patch_clause("add", path), patch_clause("remove", path)):
            pytest.skip(f"no {target} id seen on the server's leads to assign")
    lead, bystander = new_lead(), new_lead()
    key = "properties" if target == "property" else "mls"
    present = lead[key][0] if lead[key] else None
    absent = next((i for i in pool if i not in lead[key]), None)
    steps: list[tuple[str, list[dict[str, Any]]]] = []
    if absent is not None:
        steps.append(("adds it", [{"op": "add", "path": path, "value": absent}]))
        # Adding a present id is a no-op, not an error (D-10).
        steps.append(("no-op if present", [{"op": "add", "path": path, "value": absent}]))
        steps.append(("removes it", [{"op": "remove", "path": path, "value": absent}]))
        steps.append(("no-op if absent", [{"op": "remove", "path": path, "value": absent}]))
    if present is not None:
        steps.append(("removes it", [{"op": "remove", "path": path, "value": present}]))
    for effect, operations in steps:
        with clauses.case(patch_clause(operations[0]["op"], path), "views-agree"):
            _, before = api.get(lead["id"])
            assert before is not None
            seen = views([lead["id"]])
            exchange = _patch(api, lead["id"], operations)
            _check_applied(
                api,
                exchange,
                before,
                operations,
                f"PATCH /leads/{{id}} {operations[0]['op']} {path}: {effect} ({key})",
                [bystander],
                seen,
            )


@pytest.mark.clauses("patch-in-order")
def test_patch_operations_apply_in_order(
    api: LeadsApi, contract: Contract, new_lead: NewLead, rnd: random.Random
) -> None:
    lead = new_lead()
    first, last = rnd.sample([s for s in contract.status_order if s != lead["status"]], 2)
    operations = [
        {"op": "replace", "path": "/status", "value": first},
        {"op": "replace", "path": "/status", "value": last},
    ]
    exchange = _patch(api, lead["id"], operations)
    _check_applied(api, exchange, lead, operations, "PATCH /leads/{id}: operations apply in order")


def _valid(status: str) -> dict[str, Any]:
    return {"op": "replace", "path": "/status", "value": status}


# name -> (operations, given a valid status; the refusal's status)
_INVALID_PATCHES: dict[str, tuple[Callable[[str], list[dict[str, Any]]], int]] = {
    "unknown-path": (lambda s: [{"op": "replace", "path": "/first_name", "value": "X"}], 400),
    "wrong-op": (lambda s: [{"op": "add", "path": "/status", "value": s}], 400),
    "bad-status": (lambda s: [{"op": "replace", "path": "/status", "value": s + "x"}], 400),
    "id-in-path": (lambda s: [{"op": "replace", "path": "/1/status", "value": s}], 400),
    "no-operations": (lambda s: [], 400),
    "valid-then-invalid": (
        lambda s: [_valid(s), {"op": "replace", "path": "/status", "value": s + "x"}],
        400,
    ),
    "unknown-user": (
        lambda s: [_valid(s), {"op": "replace", "path": "/assignment/user", "value": ABSENT_ID}],
        422,
    ),
    "unknown-property": (
        lambda s: [_valid(s), {"op": "add", "path": "/assignment/property", "value": ABSENT_ID}],
        422,
    ),
    "unknown-mls": (
        lambda s: [_valid(s), {"op": "add", "path": "/assignment/mls", "value": ABSENT_ID}],
        422,
    ),
}


# The rule beyond the schema a 422 case breaks.
_RULE_OF = {
    "unknown-user": "user-exists",
    "unknown-property": "properties-exist",
    "unknown-mls": "properties-exist",
}


@pytest.mark.parametrize("case", sorted(_INVALID_PATCHES))
def test_invalid_patch_changes_nothing(
    api: LeadsApi, contract: Contract, new_lead: NewLead, case: str, clauses: Cases
) -> None:
    build, status = _INVALID_PATCHES[case]
    lead = new_lead()
    target = next(s for s in contract.status_order if s != lead["status"])
    clause = (
        "PATCH /leads/{id}: any other op/path pair is 400; an unknown user, property or MLS id "
        "422; atomic: one invalid operation and nothing changes"
    )
    rule = [rule_clause(_RULE_OF[case])] if case in _RULE_OF else []
    with clauses.case(status_clause("PATCH /leads/{id}", status), *rule):
        exchange = _patch(api, lead["id"], build(target))
        checks.refusal_is_problem(exchange, status, clause)
    with clauses.case("patch-atomic", "refusal-changes-nothing"):
        get, after = api.get(lead["id"])
        checks.refused_request_changes_nothing(
            [exchange, get], {lead["id"]: lead}, {lead["id"]: after}, clause
        )


@pytest.mark.clauses("PATCH /leads/{id} 404")
def test_patch_of_a_missing_lead_is_404(api: LeadsApi, new_lead: NewLead) -> None:
    lead = new_lead()
    api.client.delete(f"/leads/{lead['id']}")
    exchange = _patch(api, lead["id"], [{"op": "replace", "path": "/status", "value": "prospect"}])
    checks.refusal_is_problem(exchange, 404, "PATCH /leads/{id}: a lead that does not exist is 404")


# --- PATCH /leads (bulk) ----------------------------------------------------------------------


@pytest.mark.clauses("bulk-patch-by-ids", "views-agree")
def test_bulk_patch_touches_exactly_the_listed_leads(
    api: LeadsApi,
    contract: Contract,
    new_lead: NewLead,
    identities: dict[str, int],
    factory: LeadFactory,
    rnd: random.Random,
    views: Callable[..., Views],
) -> None:
    first, second, bystander = new_lead(), new_lead(), new_lead()
    user = _other_user(identities, factory.reference, second)
    status = _other_status(contract, first, rnd)
    operations = [
        {"op": "replace", "path": f"/{first['id']}/status", "value": status},
        {"op": "replace", "path": f"/{second['id']}/assignment/user", "value": str(user)},
    ]
    seen = views([first["id"], second["id"], bystander["id"]])
    exchange = api.client.patch("/leads", {"operations": operations})
    clause = "PATCH /leads: operations name their lead in the path, `/{id}/...` (D-11)"
    _check_applied(
        api,
        exchange,
        first,
        [{"op": "replace", "path": "/status", "value": status}],
        clause,
        [bystander],
    )
    get, after = api.get(second["id"])
    assert after is not None
    checks.patch_takes_effect([exchange, get], after, {"user": user}, clause)
    checks.patch_leaves_other_fields_alone([exchange, get], second, after, {"user"}, clause)
    seen.agree(exchange, clause)


@pytest.mark.clauses("bulk-patch-by-ids")
def test_bulk_patch_applies_in_order_across_leads(
    api: LeadsApi, contract: Contract, new_lead: NewLead, rnd: random.Random
) -> None:
    lead = new_lead()
    first, last = rnd.sample([s for s in contract.status_order if s != lead["status"]], 2)
    operations = [
        {"op": "replace", "path": f"/{lead['id']}/status", "value": first},
        {"op": "replace", "path": f"/{lead['id']}/status", "value": last},
    ]
    exchange = api.client.patch("/leads", {"operations": operations})
    _check_applied(
        api,
        exchange,
        lead,
        [{"op": "replace", "path": "/status", "value": last}],
        "PATCH /leads: operations apply in order, a later one sees the effect of an earlier one",
    )


@pytest.mark.parametrize("problem", ["unknown-lead", "invalid-operation", "unknown-user"])
def test_invalid_bulk_patch_changes_nothing(
    api: LeadsApi,
    contract: Contract,
    new_lead: NewLead,
    problem: str,
    rnd: random.Random,
    clauses: Cases,
) -> None:
    lead, other = new_lead(), new_lead()
    valid = {
        "op": "replace",
        "path": f"/{lead['id']}/status",
        "value": _other_status(contract, lead, rnd),
    }
    bad, status = {
        "unknown-lead": (
            {"op": "replace", "path": f"/{ABSENT_ID}/status", "value": "prospect"},
            404,
        ),
        "invalid-operation": (
            {"op": "replace", "path": f"/{other['id']}/status", "value": "won"},
            400,
        ),
        "unknown-user": (
            {"op": "replace", "path": f"/{other['id']}/assignment/user", "value": ABSENT_ID},
            422,
        ),
    }[problem]
    clause = (
        "PATCH /leads: atomic; an unknown lead (404) or an invalid operation (400/422) and "
        "nothing is applied"
    )
    rule = [rule_clause(_RULE_OF[problem])] if problem in _RULE_OF else []
    with clauses.case(status_clause("PATCH /leads", status), *rule):
        exchange = api.client.patch("/leads", {"operations": [valid, bad]})
        checks.refusal_is_problem(exchange, status, clause)
    with clauses.case("bulk-patch-atomic", "refusal-changes-nothing"):
        gets, after = api.snapshot([lead["id"], other["id"]])
        checks.refused_request_changes_nothing(
            [exchange, *gets], {lead["id"]: lead, other["id"]: other}, after, clause
        )


# --- DELETE /leads (bulk) ---------------------------------------------------------------------


@pytest.mark.clauses("bulk-delete-by-ids", "views-agree")
def test_bulk_delete_deletes_exactly_the_listed_ids(
    api: LeadsApi, new_lead: NewLead, views: Callable[..., Views]
) -> None:
    doomed = [new_lead(), new_lead()]
    kept = new_lead()
    ids = [lead["id"] for lead in doomed]
    seen = views([*ids, kept["id"]])
    # Repeated ids count once (D-13).
    exchange = api.client.delete("/leads", {"leads": [*ids, ids[0]]})
    clause = "DELETE /leads: deletes the leads whose ids are listed in `leads`"
    checks.answers_status(exchange, 204, clause)
    for lead_id in ids:
        api.created.discard(lead_id)
        checks.deleted_lead_is_gone(api.client.get(f"/leads/{lead_id}"), lead_id, clause)
    _check_untouched(api, exchange, [kept], clause)
    seen.agree(exchange, clause)


@pytest.mark.clauses("bulk-delete-atomic", "DELETE /leads 404")
@pytest.mark.parametrize("problem", ["unknown-id"])
def test_invalid_bulk_delete_deletes_nothing(
    api: LeadsApi, new_lead: NewLead, problem: str
) -> None:
    lead = new_lead()
    exchange = api.client.delete("/leads", {"leads": [lead["id"], ABSENT_ID]})
    clause = "DELETE /leads: atomic; if an id does not exist (404) nothing is deleted"
    checks.refusal_is_problem(exchange, 404, clause)
    get, after = api.get(lead["id"])
    checks.refused_request_changes_nothing(
        [exchange, get], {lead["id"]: lead}, {lead["id"]: after}, clause
    )


# --- destructive: the wildcard and "delete every lead" ------------------------------------------


def _reset_mock(client: ApiClient, request: pytest.FixtureRequest) -> None:
    """Puts a mock back on its fixtures after a destructive test, when it has the endpoint."""
    try:
        exchange = client.with_credentials(None).post("/__mock/reset")
    except httpx.HTTPError:
        return  # no such endpoint, or no answer: not a mock, nothing to restore
    if exchange.status < 300:
        # Said on the terminal, not in captured output: the server's data was replaced.
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if capture is not None and reporter is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(
                    f"\n  reset the mock to its fixtures after {request.node.name} "
                    "(POST /__mock/reset)"
                )


@pytest.fixture
def restore_mock(api: LeadsApi, request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    _reset_mock(api.client, request)


@pytest.mark.destructive
@pytest.mark.clauses("bulk-patch-wildcard")
@pytest.mark.usefixtures("restore_mock")
def test_wildcard_patch_reaches_every_lead_the_caller_may_update(
    api: LeadsApi, contract: Contract, new_lead: NewLead, settings: Settings
) -> None:
    new_lead()
    status = contract.status_order[-1]
    before = api.list_all(max_pages=settings.profile.max_pages * 20)
    exchange = api.client.patch(
        "/leads", {"operations": [{"op": "replace", "path": "/*/status", "value": status}]}
    )
    clause = (
        "PATCH /leads /*/status: `*` is every lead the caller may update "
        "(all of them, with lead.update.other)"
    )
    checks.answers_status(exchange, 204, clause)
    after = api.list_all(max_pages=settings.profile.max_pages * 20)
    checks.listing_holds_exactly(
        after.exchanges, after.leads, [lead["id"] for lead in before.leads], "(no filter)"
    )
    for lead in after.leads:
        old = next(b for b in before.leads if b["id"] == lead["id"])
        checks.patch_takes_effect(
            [exchange, *after.exchanges[:1]], lead, {"status": status}, clause
        )
        checks.patch_leaves_other_fields_alone([exchange], old, lead, {"status"}, clause)


@pytest.mark.destructive
@pytest.mark.clauses("bulk-patch-wildcard", "right lead.update.other", "views-agree")
@pytest.mark.usefixtures("restore_mock")
def test_wildcard_patch_of_an_agent_reaches_only_its_own_leads(
    api: LeadsApi,
    agent_client: ApiClient,
    contract: Contract,
    new_lead: NewLead,
    identities: dict[str, int],
    views: Callable[..., Views],
) -> None:
    agent = api.as_caller(agent_client)
    own = new_lead(caller=agent)
    others = new_lead()
    status = next(s for s in contract.status_order if s not in (own["status"], others["status"]))
    seen = views([own["id"], others["id"]])
    exchange = agent_client.patch(
        "/leads", {"operations": [{"op": "replace", "path": "/*/status", "value": status}]}
    )
    clause = "PATCH /leads /*/status: without lead.update.other, `*` is the caller's own leads"
    checks.answers_status(exchange, 204, clause)
    get, after = api.get(own["id"])
    assert after is not None
    checks.patch_takes_effect([exchange, get], after, {"status": status}, clause)
    _check_untouched(api, exchange, [others], clause)
    seen.agree(exchange, clause)


@pytest.mark.destructive
@pytest.mark.clauses("bulk-delete-all", "right lead.delete.other")
@pytest.mark.usefixtures("restore_mock")
def test_bulk_delete_without_ids_deletes_every_lead_of_an_agent(
    api: LeadsApi, agent_client: ApiClient, new_lead: NewLead
) -> None:
    agent = api.as_caller(agent_client)
    own = new_lead(caller=agent)
    others = new_lead()
    exchange = agent_client.delete("/leads")
    clause = (
        "DELETE /leads: no body deletes every lead the caller may delete (its own, without .other)"
    )
    checks.answers_status(exchange, 204, clause)
    checks.deleted_lead_is_gone(api.client.get(f"/leads/{own['id']}"), own["id"], clause)
    _check_untouched(api, exchange, [others], clause)
    listing = agent.list_all()
    checks.listing_holds_exactly(listing.exchanges, listing.leads, [], "(the agent's leads)")


@pytest.mark.destructive
@pytest.mark.clauses("bulk-delete-all")
@pytest.mark.usefixtures("restore_mock")
@pytest.mark.parametrize(
    "body", [None, {}, {"leads": []}], ids=["no-body", "empty-object", "empty-list"]
)
def test_bulk_delete_without_ids_deletes_every_lead(
    api: LeadsApi, new_lead: NewLead, created: CreatedLeads, body: Any
) -> None:
    new_lead()
    exchange = api.client.delete("/leads", body)
    clause = "DELETE /leads: an empty list, an empty object or no body deletes every lead (D-13)"
    checks.answers_status(exchange, 204, clause)
    listing = api.list_all()
    checks.listing_holds_exactly(listing.exchanges, listing.leads, [], "(no filter)")
    checks.count_is_total(listing.exchanges[0], 0, " (after deleting every lead)")
