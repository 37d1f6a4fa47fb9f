"""Lifecycle: create -> get -> update -> patch -> list -> delete -> 404.

Three ways: one scripted walk; a Hypothesis state machine that keeps a model of the leads it
created and compares every answer with it; schemathesis' state machine following the
contract's OpenAPI links from `POST /leads`.
"""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    get_state_machine_test,
    invariant,
    precondition,
    rule,
)
from schemathesis.config import SchemathesisConfig

from conformance import checks
from conformance.http.client import ApiClient, BearerToken, Exchange
from conformance.http.tokens import renewing_call, schemathesis_auth
from conformance.inputs.factory import LeadFactory
from conformance.inputs.guard import CaseGuard
from conformance.leads import LeadsApi
from conformance.oracle import writes
from conformance.oracle.clauses import answered_clauses, patch_clause, status_clause
from conformance.oracle.contract import Contract
from conformance.report.ledger import Cases
from conformance.settings import Settings
from conformance.views import Views

ABSENT_ID = 987_654_321


def _hypothesis_settings(run: Settings, examples: int, steps: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        phases=run.hypothesis_phases,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def test_scripted_lifecycle(
    api: LeadsApi,
    factory: LeadFactory,
    contract: Contract,
    rnd: random.Random,
    clauses: Cases,
    views: Callable[..., Views],
) -> None:
    body = factory.body(rnd)
    admin, notes = None, writes.note_bodies(body["lead"])
    seen = views()
    with clauses.case("create-as-sent", "POST /leads 201"):
        created, lead = api.create(body)
        admin = lead["user"]["id"]
        expected = writes.expected_lead(body["lead"], user=admin, notes=notes)
        clause = (
            "POST /leads: creates the lead as sent, assigned to the caller without `user` (D-14)"
        )
        checks.lead_matches_model(
            [created], lead, {**expected, "notes": None}, clause, with_notes=False
        )
        location = created.response_headers.get("location", "")
        if not location.endswith(f"/leads/{lead['id']}"):
            raise checks.ContractViolation(
                "POST /leads: 201 with `Location: /leads/{id}` (D-30)",
                [created],
                f"Location ending /leads/{lead['id']}",
                repr(location),
            )
        got, read = api.get(lead["id"], expand=True)
        assert read is not None
        checks.lead_matches_model(
            [got, created], read, expected, "GET /leads/{id}: the lead as created", with_notes=True
        )
    with clauses.case("views-agree"):
        seen.agree(created, "POST /leads", created=[lead["id"]])

    replacement = factory.body(rnd)
    replacement["lead"].pop("notes")  # D-15: notes left out are kept
    seen = views([lead["id"]])
    with clauses.case("replace-semantics", "PUT /leads/{id} 200"):
        put = api.client.put(f"/leads/{lead['id']}", replacement)
        checks.answers_status(put, 200, "PUT /leads/{id}: a valid body replaces the lead")
        expected = writes.expected_lead(replacement["lead"], user=admin, notes=notes)
        got, read_after = api.get(lead["id"], expand=True)
        assert read_after is not None
        checks.lead_matches_model(
            [got, put],
            read_after,
            expected,
            "PUT /leads/{id}: replaces writable fields; notes kept (D-15)",
            with_notes=True,
        )
    with clauses.case("timestamps"):
        checks.timestamps_are_consistent(
            got, read, read_after, "PUT /leads/{id}: id and created_at never change"
        )
        checks.change_moves_updated_at(put, got, read, read_after, "PUT /leads/{id}")
    with clauses.case("views-agree"):
        seen.agree(put, "PUT /leads/{id}")

    status = next(s for s in contract.status_order if s != replacement["lead"]["status"])
    seen = views([lead["id"]])
    with clauses.case(patch_clause("replace", "/status"), "PATCH /leads/{id} 204"):
        patch = api.client.patch(
            f"/leads/{lead['id']}",
            {"operations": [{"op": "replace", "path": "/status", "value": status}]},
        )
        checks.answers_status(patch, 204, "PATCH /leads/{id}: every operation applied")
        got, patched = api.get(lead["id"], expand=True)
        assert patched is not None
        checks.lead_matches_model(
            [got, patch],
            patched,
            {**expected, "status": status},
            "PATCH /leads/{id} replace /status",
            with_notes=True,
        )
    with clauses.case("views-agree"):
        seen.agree(patch, "PATCH /leads/{id} replace /status")

    with clauses.case("filters[id]"):
        listing = api.list_all({"id": lead["id"]})
        checks.listing_holds_exactly(
            listing.exchanges, listing.leads, [lead["id"]], f"filters[id]={lead['id']}"
        )
    seen = views([lead["id"]])
    with clauses.case("delete-gone", "DELETE /leads/{id} 204", "DELETE /leads/{id} 404"):
        deleted = api.client.delete(f"/leads/{lead['id']}")
        checks.answers_status(deleted, 204, "DELETE /leads/{id}: deletes the lead")
        checks.deleted_lead_is_gone(
            api.client.get(f"/leads/{lead['id']}"), lead["id"], "DELETE /leads/{id}"
        )
        again = api.client.delete(f"/leads/{lead['id']}")
        checks.refusal_is_problem(
            again, 404, "DELETE /leads/{id}: a lead that does not exist is 404"
        )
    with clauses.case("views-agree"):
        seen.agree(deleted, "DELETE /leads/{id}")


@pytest.mark.clauses(
    "delete-alias", "DELETE /lead/{id} 204", "DELETE /lead/{id} 404", "views-agree"
)
def test_deprecated_delete_alias_deletes_like_the_plural(
    api: LeadsApi, factory: LeadFactory, rnd: random.Random, views: Callable[..., Views]
) -> None:
    """D-2: `DELETE /lead/{id}` (singular, as the document prints it) deletes the lead."""
    _, lead = api.create(factory.body(rnd))
    seen = views([lead["id"]])
    deleted = api.client.delete(f"/lead/{lead['id']}")
    checks.answers_status(deleted, 204, "DELETE /lead/{id}: deletes the lead, as the plural does")
    api.created.discard(lead["id"])
    checks.deleted_lead_is_gone(
        api.client.get(f"/leads/{lead['id']}"), lead["id"], "DELETE /lead/{id}"
    )
    again = api.client.delete(f"/lead/{lead['id']}")
    checks.refusal_is_problem(again, 404, "DELETE /lead/{id}: a lead that does not exist is 404")
    seen.agree(deleted, "DELETE /lead/{id}")


def _letters(n: int) -> str:
    letters = []
    for _ in range(4):
        n, r = divmod(n, 26)
        letters.append(string.ascii_lowercase[r])
    return "".join(letters)


def _assignment_operations(path: str, pool: Sequence[int]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda op, value: {"op": op, "path": path, "value": value},
        st.sampled_from(["add", "remove"]),
        st.sampled_from(pool),
    )


def make_model_machine(
    api: LeadsApi,
    factory: LeadFactory,
    contract: Contract,
    users: list[int],
    caller: int,
    run_tag: str,
    clauses: Cases,
) -> type[RuleBasedStateMachine]:
    """A state machine over the leads it creates, with the contract's write semantics as model."""
    instances = itertools.count()
    statuses = st.sampled_from(contract.status_order)
    ref = factory.reference
    patch_ops = [
        statuses.map(lambda s: {"op": "replace", "path": "/status", "value": s}),
        st.tuples(st.sampled_from(users), st.booleans()).map(
            lambda u: {
                "op": "replace",
                "path": "/assignment/user",
                "value": str(u[0]) if u[1] else u[0],
            }
        ),
    ]
    for path, pool in (
        ("/assignment/property", ref.property_ids),
        ("/assignment/mls", ref.mls_ids),
    ):
        if pool:
            patch_ops.append(_assignment_operations(path, pool))
    operations = st.lists(st.one_of(patch_ops), min_size=1, max_size=3)

    class LeadsModel(RuleBasedStateMachine):
        leads = Bundle("leads")

        def __init__(self) -> None:
            super().__init__()
            # Leads of one machine run carry their own tag, so `list` can find exactly them.
            self.tag = f"{run_tag}m{_letters(next(instances))}"
            self.factory = LeadFactory(factory.contract, factory.reference, self.tag)
            self.expected: dict[int, dict[str, Any]] = {}
            self.answered: dict[int, Mapping[str, Any]] = {}
            self.gone: set[int] = set()
            # The writes since the lead was last read, shown when a read disagrees.
            self.writes: dict[int, list[Exchange]] = {}

        @rule(
            target=leads,
            rnd=st.randoms(use_true_random=False),
            user=st.sampled_from([None, *users]),
        )
        def create(self, rnd: random.Random, user: int | None) -> int:
            body = self.factory.body(rnd, user=user)
            with clauses.case("create-as-sent"):
                exchange, lead = api.create(body)
                expected = writes.expected_lead(
                    body["lead"], user=user or caller, notes=writes.note_bodies(body["lead"])
                )
                checks.lead_matches_model(
                    [exchange],
                    lead,
                    {**expected, "notes": None},
                    "POST /leads: answers the lead as created",
                    with_notes=False,
                )
            with clauses.case("POST /leads 201"):
                checks.matching_count_adds_up(exchange, lead)
            self.expected[lead["id"]] = expected
            self.answered[lead["id"]] = lead
            self.writes[lead["id"]] = [exchange]
            return int(lead["id"])

        @rule(lead_id=leads)
        def get(self, lead_id: int) -> None:
            exchange, lead = api.get(lead_id, expand=True)
            if lead_id in self.gone:
                with clauses.case("delete-gone"):
                    checks.deleted_lead_is_gone(exchange, lead_id, "DELETE /leads/{id}")
                return
            with clauses.case("GET /leads/{id} 200"):
                checks.lead_still_exists(
                    [exchange], lead_id, lead, "GET /leads/{id}: answers the lead"
                )
                assert lead is not None
                checks.lead_matches_model(
                    [exchange, *self.writes[lead_id][-3:]],
                    lead,
                    self.expected[lead_id],
                    "GET /leads/{id}: the lead as last written",
                    with_notes=True,
                )
            with clauses.case("timestamps"):
                checks.timestamps_are_consistent(
                    exchange, self.answered[lead_id], lead, "GET /leads/{id}"
                )
            self.answered[lead_id] = lead

        @rule(
            lead_id=leads,
            rnd=st.randoms(use_true_random=False),
            user=st.sampled_from([None, *users]),
            keep_notes=st.booleans(),
        )
        def replace(
            self, lead_id: int, rnd: random.Random, user: int | None, keep_notes: bool
        ) -> None:
            body = self.factory.body(rnd, user=user)
            if keep_notes:
                body["lead"].pop("notes")
            exchange = api.client.put(f"/leads/{lead_id}", body)
            if lead_id in self.gone:
                with clauses.case("PUT /leads/{id} 404"):
                    checks.refusal_is_problem(
                        exchange, 404, "PUT /leads/{id}: a missing lead is 404"
                    )
                return
            old = self.expected[lead_id]
            expected = writes.expected_lead(
                body["lead"],
                user=old["user"] if user is None else user,  # D-15: left out, kept
                notes=old["notes"] if keep_notes else writes.note_bodies(body["lead"]),
            )
            with clauses.case("replace-semantics"):
                checks.answers_status(
                    exchange, 200, "PUT /leads/{id}: a valid body replaces the lead"
                )
                checks.lead_matches_model(
                    [exchange],
                    exchange.json["lead"],
                    {**expected, "notes": None},
                    "PUT /leads/{id}: optional fields left out are cleared, user and notes kept "
                    "(D-15)",
                    with_notes=False,
                )
            self.expected[lead_id] = expected
            self.writes[lead_id].append(exchange)

        @rule(lead_id=leads, ops=operations)
        def patch(self, lead_id: int, ops: list[dict[str, Any]]) -> None:
            exchange = api.client.patch(f"/leads/{lead_id}", {"operations": ops})
            if lead_id in self.gone:
                with clauses.case("PATCH /leads/{id} 404"):
                    checks.refusal_is_problem(
                        exchange, 404, "PATCH /leads/{id}: a missing lead is 404"
                    )
                return
            with clauses.case("PATCH /leads/{id} 204"):
                checks.answers_status(
                    exchange, 204, "PATCH /leads/{id}: every operation was applied"
                )
            self.expected[lead_id] = writes.apply_patch(self.expected[lead_id], ops)
            self.writes[lead_id].append(exchange)

        @rule(lead_id=leads, ops=operations)
        def bulk_patch(self, lead_id: int, ops: list[dict[str, Any]]) -> None:
            bulk = [{**op, "path": f"/{lead_id}{op['path']}"} for op in ops]
            exchange = api.client.patch("/leads", {"operations": bulk})
            if lead_id in self.gone:
                with clauses.case("bulk-patch-atomic", "PATCH /leads 404"):
                    checks.refusal_is_problem(exchange, 404, "PATCH /leads: an unknown lead is 404")
                return
            with clauses.case("bulk-patch-by-ids"):
                checks.answers_status(exchange, 204, "PATCH /leads: every operation was applied")
            self.expected[lead_id] = writes.apply_patch(self.expected[lead_id], ops)
            self.writes[lead_id].append(exchange)

        @rule(lead_id=leads, value=statuses)
        def refused_patch(self, lead_id: int, value: str) -> None:
            ops = [
                {"op": "replace", "path": "/status", "value": value},
                {"op": "replace", "path": "/assignment/user", "value": ABSENT_ID},
            ]
            exchange = api.client.patch(f"/leads/{lead_id}", {"operations": ops})
            status = 404 if lead_id in self.gone else 422
            rule = ["rule user-exists"] if status == 422 else []
            with clauses.case(status_clause("PATCH /leads/{id}", status), *rule):
                checks.refusal_is_problem(
                    exchange,
                    status,
                    "PATCH /leads/{id}: an unknown user is 422 and nothing is applied",
                )

        @rule(lead_id=leads)
        def delete(self, lead_id: int) -> None:
            exchange = api.client.delete(f"/leads/{lead_id}")
            if lead_id in self.gone:
                with clauses.case("delete-gone"):
                    checks.refusal_is_problem(
                        exchange, 404, "DELETE /leads/{id}: a missing lead is 404"
                    )
                return
            with clauses.case("DELETE /leads/{id} 204"):
                checks.answers_status(exchange, 204, "DELETE /leads/{id}: deletes the lead")
            self.gone.add(lead_id)

        @precondition(lambda self: bool(self.expected))
        @rule()
        def list_own(self) -> None:
            listing = api.list_all({"query": self.tag})
            live = [i for i in self.expected if i not in self.gone]
            with clauses.case("filters[query]"):
                checks.listing_holds_exactly(
                    listing.exchanges, listing.leads, live, f"filters[query]={self.tag}"
                )
            with clauses.case("GET /leads 200"):
                for lead in listing.leads:
                    checks.lead_matches_model(
                        [listing.exchanges[0], *self.writes[lead["id"]][-3:]],
                        lead,
                        {**self.expected[lead["id"]], "notes": None},
                        "GET /leads: each lead as last written",
                        with_notes=False,
                    )

        @invariant()
        def nothing_unexpected(self) -> None:
            # The model only ever holds leads this machine created and registered.
            assert all(i in api.created for i in self.expected if i not in self.gone)

        @invariant()
        def listed_leads_are_the_models(self) -> None:
            """After any step, the machine's leads found by listing are the model's, no more
            and no fewer (the list and the lead must not tell different stories)."""
            if not self.expected:
                return
            with clauses.case("views-agree"):
                listing = api.list_all({"query": self.tag})
                live = sorted(i for i in self.expected if i not in self.gone)
                listed = sorted(lead["id"] for lead in listing.leads)
                if listed != live:
                    raise checks.ContractViolation(
                        "after any write, the leads listed are the leads that exist "
                        "(every_view_agrees_after_write)",
                        listing.exchanges[:2],
                        f"exactly the leads {live}",
                        f"the leads {listed}",
                        clauses=["views-agree"],
                    )

    return LeadsModel


def test_model_based_lifecycle(
    api: LeadsApi,
    factory: LeadFactory,
    contract: Contract,
    identities: dict[str, int],
    run_tag: str,
    settings: Settings,
    clauses: Cases,
) -> None:
    users = sorted({*factory.reference.user_ids, *identities.values()})[:6]
    machine = make_model_machine(
        api, factory, contract, users, identities["token"], run_tag, clauses
    )
    profile = settings.profile
    test = get_state_machine_test(
        machine,
        settings=_hypothesis_settings(settings, profile.model_examples, profile.model_steps),
    )
    seed(settings.seed)(test)()


def test_openapi_links_lifecycle(
    api: LeadsApi,
    admin_client: ApiClient,
    admin_credentials: BearerToken,
    factory: LeadFactory,
    settings: Settings,
    rnd: random.Random,
    contract: Contract,
    clauses: Cases,
) -> None:
    """schemathesis follows the links of `POST /leads` (get, update, patch, delete the new lead)."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": settings.seed,
            "generation": {"database": "none"},
            "phases": {"stateful": {"max-steps": settings.profile.stateful_steps}},
        }
    )
    schema = schemathesis.openapi.from_path(settings.spec_path, config=config).include(
        operation_id=["create_lead", "get_lead", "update_lead", "patch_lead", "delete_lead"]
    )
    guard = CaseGuard(api, factory, rnd, allow_destructive=False)
    # Each step's case gets the admin's current token from an auth provider (renewed when the
    # run has a client), not a token fixed at start.
    schema.auth(refresh_interval=None)(schemathesis_auth(admin_credentials))
    base_url = settings.base_url

    class Links(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": base_url}

        def call(self, case: Any, **kwargs: Any) -> Any:
            if not guard.make_safe(case):
                raise AssertionError(
                    f"unsafe request in the link-driven lifecycle: "
                    f"{admin_credentials.redact(repr(case))}"
                )
            response = renewing_call(case, admin_credentials, **kwargs)
            guard.after_call(case, response)
            return response

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            label = f"{case.operation.method.upper()} {case.operation.path}"
            with clauses.case(*answered_clauses(contract, label, response.status_code)):
                guard.validate(case, response)

    profile = settings.profile
    test = get_state_machine_test(
        Links,
        settings=_hypothesis_settings(settings, profile.stateful_examples, profile.stateful_steps),
    )
    try:
        seed(settings.seed)(test)()
    finally:
        guard.cleanup()
