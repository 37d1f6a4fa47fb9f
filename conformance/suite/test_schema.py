"""Schema and status conformance of every operation, with schemathesis' examples, coverage and
fuzzing phases: answers are documented and match their schema, invalid input is refused with
a documented 4xx, nothing answers 5xx.

schemathesis builds these tests while pytest collects, before fixtures exist, so the schema is
loaded here from the settings the conftest exported (`LEADS_SPEC`, `LEADS_SEED`, ...).
"""

from __future__ import annotations

import copy
import os
import random
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from conformance.http.client import BearerToken
from conformance.http.tokens import renewing_call, schemathesis_auth
from conformance.inputs.factory import LeadFactory
from conformance.inputs.guard import CaseGuard
from conformance.leads import LeadsApi
from conformance.oracle.clauses import answered_clauses
from conformance.oracle.contract import Contract
from conformance.report.plugin import cases_of
from conformance.settings import Settings, resolve

_SETTINGS = resolve({}, os.environ)


def _schema(settings: Settings) -> Any:
    config = SchemathesisConfig.from_dict(
        {
            "seed": settings.seed,
            "generation": {
                "max-examples": settings.profile.fuzz_examples,
                "database": "none",
                "no-shrink": not settings.profile.shrink,
            },
            "phases": {
                "examples": {"enabled": True},
                # Undeclared methods (405, `Allow`) are HTTP conventions, not the contract's.
                "coverage": {
                    "enabled": True,
                    "unexpected-methods": [],
                    "generation": {"mode": settings.profile.coverage_modes},
                },
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
        }
    )
    # schemathesis gets its own copy of the contract: it may annotate what it is given.
    document = copy.deepcopy(dict(Contract.load(settings.spec_path).document))
    return schemathesis.openapi.from_dict(document, config=config)


schema = _schema(_SETTINGS)


@pytest.fixture(scope="module")
def guard(api: LeadsApi, factory: LeadFactory, settings: Settings) -> Iterator[CaseGuard]:
    guard = CaseGuard(
        api, factory, random.Random(settings.seed), allow_destructive=settings.allow_destructive
    )
    yield guard
    guard.cleanup()


@pytest.fixture(scope="module", autouse=True)
def auth(admin_credentials: BearerToken) -> Iterator[BearerToken]:
    """schemathesis sends each generated case with the admin's current token, through an auth
    provider (fetched and renewed when the run has a client), not a token fixed at start."""
    schema.auth(refresh_interval=None)(schemathesis_auth(admin_credentials))
    yield admin_credentials
    schema.auth.unregister()


def _sampled_out(case: Any, settings: Settings) -> bool:
    """The quick profile sends a seeded share of the (large, deterministic) coverage phase."""
    share = settings.profile.coverage_share
    phase = getattr(getattr(case, "meta", None), "phase", None)
    if share >= 1.0 or phase is None or getattr(phase.name, "value", phase.name) != "coverage":
        return False
    # schemathesis masks the Authorization header in curl commands, so the token the auth
    # provider set (which changes from run to run) does not change the sample.
    key = f"{settings.seed}:{case.operation.label}:{case.as_curl_command()}"
    return (zlib.crc32(key.encode()) % 10_000) / 10_000 >= share


@schema.parametrize()
def test_operation_conforms_to_contract(
    case: Any,
    guard: CaseGuard,
    auth: BearerToken,
    settings: Settings,
    contract: Contract,
    request: pytest.FixtureRequest,
) -> None:
    # Not the `clauses` fixture: Hypothesis refuses function-scoped fixtures in a @given test
    # (schemathesis makes one), and the cases are meant to add up over its examples anyway.
    clauses = cases_of(request.node)
    if _sampled_out(case, settings):
        return
    if not guard.make_safe(case):
        return
    response = renewing_call(case, auth, base_url=settings.base_url)
    guard.after_call(case, response)
    label = f"{case.operation.method.upper()} {case.operation.path}"
    with clauses.case(*answered_clauses(contract, label, response.status_code)):
        guard.validate(case, response)
