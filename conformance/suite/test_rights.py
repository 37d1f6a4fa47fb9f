"""Rights: every operation without a token is 401, with a token lacking a right 403, and a
refused request changes nothing. Expectations come from each operation's `x-rights`.

Roles: the reader holds lead.read; the no-rights token nothing; the agent lead.read,
lead.update, lead.delete, user.update and property.read, and no `.other` right.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from conformance import checks
from conformance.http.client import ApiClient, Exchange
from conformance.inputs.factory import LeadFactory
from conformance.leads import LeadsApi
from conformance.oracle.clauses import AUTH, right_clause, status_clause
from conformance.oracle.contract import Contract, Operation
from conformance.report.ledger import Cases
from conformance.settings import ROLE_RIGHTS
from conformance.stash import CONTRACT_KEY

NewLead = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any = None

    def send(self, client: ApiClient) -> Exchange:
        return client.request(self.method, self.path, body=self.body)


def build_call(
    op: Operation, lead: Mapping[str, Any], contract: Contract, body: Mapping[str, Any]
) -> Call:
    """The request of `op` aimed at `lead` (for writes) that the caller is to be refused."""
    lead_id = lead["id"]
    status = next(s for s in contract.status_order if s != lead["status"])
    calls: dict[str, Call] = {
        "list_leads": Call("GET", "/leads"),
        "create_lead": Call("POST", "/leads", body),
        "get_lead": Call("GET", f"/leads/{lead_id}"),
        "update_lead": Call("PUT", f"/leads/{lead_id}", body),
        "patch_lead": Call(
            "PATCH",
            f"/leads/{lead_id}",
            {"operations": [{"op": "replace", "path": "/status", "value": status}]},
        ),
        "bulk_patch_leads": Call(
            "PATCH",
            "/leads",
            {"operations": [{"op": "replace", "path": f"/{lead_id}/status", "value": status}]},
        ),
        # Always with ids: without, a wrongly accepted request would delete every lead.
        "bulk_delete_leads": Call("DELETE", "/leads", {"leads": [lead_id]}),
        "delete_lead": Call("DELETE", f"/leads/{lead_id}"),
        "delete_lead_alias": Call("DELETE", f"/lead/{lead_id}"),
    }
    if op.operation_id not in calls:
        raise NotImplementedError(f"the rights tests do not know how to call {op.operation_id}")
    return calls[op.operation_id]


def expected_refusal(op: Operation, rights: frozenset[str], targets_other: bool) -> int | None:
    """403 when a required right is missing, or the `.other` right for another user's lead."""
    if set(op.rights.required) - rights:
        return 403
    if op.operation_id == "list_leads":
        return None  # without lead.read.other the list holds only the caller's leads
    if targets_other and op.rights.other and op.rights.other not in rights:
        return 403
    return None


def rights_at_stake(op: Operation, rights: frozenset[str]) -> list[str]:
    """The clauses of the rights a caller holding `rights` lacks for `op` on another user's
    lead: the required ones missing, else the `.other` one."""
    missing = sorted(set(op.rights.required) - rights)
    if not missing and op.rights.other and op.rights.other not in rights:
        missing = [op.rights.other]
    return [right_clause(r) for r in missing]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    already = any(
        "operation_id" in str(m.args[0]) for m in metafunc.definition.iter_markers("parametrize")
    )
    if "operation_id" in metafunc.fixturenames and not already:
        contract = metafunc.config.stash[CONTRACT_KEY]
        metafunc.parametrize("operation_id", [op.operation_id for op in contract.operations])


@pytest.fixture
def target(new_lead: NewLead) -> dict[str, Any]:
    """A lead assigned to the admin: another user's lead for every narrower role."""
    return new_lead()


def _clause(op: Operation, what: str) -> str:
    rights = ", ".join(op.rights.required) or "none"
    other = f"; {op.rights.other} for another user's lead" if op.rights.other else ""
    return f"{op.label} ({op.operation_id}) x-rights required [{rights}]{other}: {what}"


def _assert_nothing_changed(
    api: LeadsApi,
    exchange: Exchange,
    before: Mapping[str, Any],
    clause: str,
    marker: str,
) -> None:
    get, after = api.get(before["id"])
    checks.refused_request_changes_nothing(
        [exchange, get], {before["id"]: before}, {before["id"]: after}, clause
    )
    # A refused creation created nothing: no lead carries the body's unique marker.
    listing = api.list_all({"query": marker})
    checks.listing_holds_exactly(listing.exchanges, listing.leads, [], f"filters[query]={marker}")


def _marked_body(
    factory: LeadFactory, rnd: random.Random, user: int | None
) -> tuple[dict[str, Any], str]:
    body = factory.body(rnd, user=user)
    marker = "rm" + "".join(rnd.choices("abcdefghijklmnopqrstuvwxyz", k=10))
    body["lead"]["last_name"] = marker
    return body, marker


@pytest.mark.parametrize("role", ["reader_token", "norights_token", "agent_token"])
def test_operation_without_the_right_is_403_and_changes_nothing(
    request: pytest.FixtureRequest,
    api: LeadsApi,
    contract: Contract,
    factory: LeadFactory,
    target: dict[str, Any],
    identities: dict[str, int],
    rnd: random.Random,
    operation_id: str,
    role: str,
    clauses: Cases,
) -> None:
    op = contract.operation(operation_id)
    at_stake = rights_at_stake(op, ROLE_RIGHTS[role])
    status = expected_refusal(op, ROLE_RIGHTS[role], targets_other=True)
    refused = [status_clause(op.label, status), "problem-json"] if status else []
    with clauses.case(*at_stake, *refused):
        # Here, so that a role whose token was not given is a skip of these clauses.
        client: ApiClient = request.getfixturevalue(role.replace("_token", "_client"))
        # A create or replace names the admin as the user: "another user" for this role.
        body, marker = _marked_body(factory, rnd, identities["token"])
        call = build_call(op, target, contract, body)
        exchange = call.send(client)
        if status is None:
            if op.operation_id == "list_leads":
                _list_holds_only_own_leads(exchange, op, identities, api.as_caller(client))
                return
            pytest.fail(f"{role} holds every right {op.operation_id} needs: no refusal to test")
        clause = _clause(op, f"a {role.replace('_token', '')} token gets {status}")
        checks.refusal_is_problem(exchange, status, clause)
    with clauses.case("refusal-changes-nothing"):
        _assert_nothing_changed(api, exchange, target, clause, marker)


# Every write of the contract on a lead: a token without the write rights is refused each.
_WRITES_ON_A_LEAD = [
    "update_lead",
    "patch_lead",
    "bulk_patch_leads",
    "delete_lead",
    "delete_lead_alias",
    "bulk_delete_leads",
]


@pytest.mark.parametrize("operation_id", _WRITES_ON_A_LEAD)
def test_a_read_only_token_is_refused_every_write_on_its_own_lead(
    request: pytest.FixtureRequest,
    api: LeadsApi,
    contract: Contract,
    factory: LeadFactory,
    new_lead: NewLead,
    rnd: random.Random,
    operation_id: str,
    clauses: Cases,
) -> None:
    """The lead is the reader's own, so no `.other` right is at stake: only the write right
    itself can refuse it (a server that checks the read rights instead lets it through)."""
    op = contract.operation(operation_id)
    at_stake = rights_at_stake(op, ROLE_RIGHTS["reader_token"])
    clause = _clause(op, "a read-only token is refused on a lead of its own user")
    with clauses.case(*at_stake, status_clause(op.label, 403), "problem-json"):
        reader: ApiClient = request.getfixturevalue("reader_client")
        own = new_lead(user=request.getfixturevalue("reader_identity"))
        body, marker = _marked_body(factory, rnd, None)
        exchange = build_call(op, own, contract, body).send(reader)
        checks.refusal_is_problem(exchange, 403, clause)
    with clauses.case("refusal-changes-nothing"):
        _assert_nothing_changed(api, exchange, own, clause, marker)


def _list_holds_only_own_leads(
    exchange: Exchange, op: Operation, identities: Mapping[str, int], caller: LeadsApi
) -> None:
    clause = _clause(op, "without lead.read.other the list holds only the caller's leads")
    checks.answers_status(exchange, 200, clause)
    listing = caller.list_all()  # every page: `count` must count the caller's leads only
    users = {lead["user"]["id"] for lead in [*exchange.json["leads"], *listing.leads]}
    if len(users) > 1 or users & {identities.get("token")}:
        raise checks.ContractViolation(
            clause,
            [exchange],
            "leads of one user, the caller",
            f"leads of users {sorted(users)} (the admin is user {identities.get('token')})",
        )
    if listing.complete:
        checks.count_is_total(
            listing.exchanges[-1], len(listing.leads), " (without lead.read.other: own leads)"
        )


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token-{tag}", "Basic YWRtaW46YWRtaW4=", "Bearer"],
    ids=["no-header", "unknown-token", "basic-scheme", "empty-bearer"],
)
def test_operation_without_valid_credentials_is_401_and_changes_nothing(
    api: LeadsApi,
    anonymous: ApiClient,
    contract: Contract,
    factory: LeadFactory,
    target: dict[str, Any],
    rnd: random.Random,
    run_tag: str,
    operation_id: str,
    authorization: str | None,
    clauses: Cases,
) -> None:
    op = contract.operation(operation_id)
    body, marker = _marked_body(factory, rnd, None)
    call = build_call(op, target, contract, body)
    headers = {} if authorization is None else {"Authorization": authorization.format(tag=run_tag)}
    clause = (
        f"{op.label}: no token, a malformed header or an unknown token is 401 "
        "with WWW-Authenticate: Bearer (D-20)"
    )
    with clauses.case(AUTH, status_clause(op.label, 401), "problem-json"):
        exchange = anonymous.request(call.method, call.path, body=call.body, headers=headers)
        checks.refusal_is_problem(exchange, 401, clause)
    with clauses.case("refusal-changes-nothing"):
        _assert_nothing_changed(api, exchange, target, clause, marker)


def test_agent_may_act_on_its_own_leads(
    request: pytest.FixtureRequest,
    api: LeadsApi,
    contract: Contract,
    factory: LeadFactory,
    new_lead: NewLead,
    rnd: random.Random,
    operation_id: str,
    clauses: Cases,
) -> None:
    """The rights named are enough: the agent's own lead needs no `.other` right."""
    op = contract.operation(operation_id)
    with clauses.case(*(right_clause(r) for r in op.rights.required)):
        agent_client: ApiClient = request.getfixturevalue("agent_client")
        agent = api.as_caller(agent_client)
        own = new_lead(caller=agent)
        call = build_call(op, own, contract, factory.body(rnd))
        exchange = call.send(agent_client)
        if exchange.status == 201:
            agent.created.add(exchange.json["lead"]["id"])
        success = {"GET": 200, "POST": 201, "PUT": 200, "PATCH": 204, "DELETE": 204}[call.method]
        checks.answers_status(
            exchange,
            success,
            _clause(op, "an agent holding the required rights acts on its own lead"),
        )


@pytest.mark.parametrize("operation_id", ["create_lead", "update_lead", "patch_lead"])
def test_agent_may_not_assign_a_lead_to_another_user(
    request: pytest.FixtureRequest,
    api: LeadsApi,
    contract: Contract,
    factory: LeadFactory,
    new_lead: NewLead,
    identities: dict[str, int],
    rnd: random.Random,
    operation_id: str,
    clauses: Cases,
) -> None:
    """D-14, D-10: naming another user than the caller needs lead.update.other."""
    op = contract.operation(operation_id)
    assert op.rights.other is not None
    clause = _clause(op, "assigning a lead to another user than the caller needs lead.update.other")
    with clauses.case(right_clause(op.rights.other), status_clause(op.label, 403)):
        agent_client: ApiClient = request.getfixturevalue("agent_client")
        agent = api.as_caller(agent_client)
        own = new_lead(caller=agent)
        admin = identities["token"]
        body, marker = _marked_body(factory, rnd, admin)
        call = {
            "create_lead": Call("POST", "/leads", body),
            "update_lead": Call("PUT", f"/leads/{own['id']}", body),
            "patch_lead": Call(
                "PATCH",
                f"/leads/{own['id']}",
                {"operations": [{"op": "replace", "path": "/assignment/user", "value": admin}]},
            ),
        }[operation_id]
        exchange = call.send(agent_client)
        if exchange.status == 201:
            agent.created.add(exchange.json["lead"]["id"])
        checks.refusal_is_problem(exchange, 403, clause)
    with clauses.case("refusal-changes-nothing"):
        _assert_nothing_changed(api, exchange, own, clause, marker)
