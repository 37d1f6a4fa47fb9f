"""Cases and tallies (conformance/report/ledger.py)."""

from __future__ import annotations

import pytest

from conformance.checks import ContractViolation
from conformance.http.client import Exchange
from conformance.oracle.clauses import catalogue
from conformance.oracle.contract import DEFAULT_SPEC_PATH, Contract
from conformance.report.ledger import Cases, UnknownClause, tally, why_not_checked

CATALOGUE = catalogue(Contract.load(DEFAULT_SPEC_PATH))


def _exchange() -> Exchange:
    return Exchange(
        method="GET",
        url="http://127.0.0.1:1/leads?filters[city]=Dubai",
        request_headers={"Authorization": "Bearer s3cret"},
        request_body=None,
        status=200,
        response_headers={"content-type": "application/json"},
        response_text='{"count": 0}',
        shown_headers={"Authorization": "Bearer $LEADS_TOKEN"},
    )


def test_a_passing_case_counts_for_each_clause() -> None:
    cases = Cases(CATALOGUE, "t")
    with cases.case("filters[city]", "list-filters-and"):
        pass
    tallies = tally(CATALOGUE, cases.records)
    assert (tallies["filters[city]"].tried, tallies["filters[city]"].passed) == (1, 1)
    assert tallies["list-filters-and"].state == "conforms"
    assert tallies["filters[status]"].state == "not checked"


def test_a_violation_blames_the_clauses_it_names_and_keeps_the_curl_without_secret() -> None:
    cases = Cases(CATALOGUE, "suite/test_filters.py::t")
    violation = ContractViolation(
        "GET /leads filters[city]", [_exchange()], "lead 5", "nothing", clauses=["filters[city]"]
    )
    with pytest.raises(ContractViolation), cases.case("filters[city]", "filters[status]"):
        raise violation
    tallies = tally(CATALOGUE, cases.records)
    city, status = tallies["filters[city]"], tallies["filters[status]"]
    assert city.state == "broken" and city.failed == 1
    # The other clause of the case was tried but neither passed nor failed.
    assert (status.tried, status.passed, status.failed, status.state) == (1, 0, 0, "not checked")
    assert why_not_checked(CATALOGUE["filters[status]"], status).startswith("every case")
    failure = city.failure or {}
    assert failure["test"] == "suite/test_filters.py::t"
    assert failure["curl"].startswith("curl -g") and "$LEADS_TOKEN" in failure["curl"]
    assert "s3cret" not in str(cases.records)
    assert (failure["expected"], failure["received"]) == ("lead 5", "nothing")


def test_any_other_error_fails_every_clause_of_the_case() -> None:
    cases = Cases(CATALOGUE, "t")
    with pytest.raises(ZeroDivisionError), cases.case("list-count", "list-paging"):
        _ = 1 / 0
    tallies = tally(CATALOGUE, cases.records)
    assert tallies["list-count"].failed == tallies["list-paging"].failed == 1
    assert "ZeroDivisionError" in (tallies["list-count"].failure or {})["error"]


def test_a_skip_is_recorded_with_its_reason_and_the_first_failure_is_kept() -> None:
    cases = Cases(CATALOGUE, "t")
    with pytest.raises(pytest.skip.Exception), cases.case("right lead.read.other"):
        pytest.skip("needs a read-only token: pass --reader-token")
    tallies = tally(CATALOGUE, cases.records)
    entry = tallies["right lead.read.other"]
    assert (entry.tried, entry.state) == (0, "not checked")
    assert why_not_checked(CATALOGUE["right lead.read.other"], entry) == (
        "needs a read-only token: pass --reader-token"
    )
    first, second = Cases(CATALOGUE, "first"), Cases(CATALOGUE, "second")
    for cases_, n in ((first, 1), (second, 2)):
        with pytest.raises(ValueError), cases_.case("list-count"):
            raise ValueError(n)
    entry = tally(CATALOGUE, [*first.records, *second.records])["list-count"]
    assert entry.failed == 2 and (entry.failure or {})["test"] == "first"


def test_declared_clauses_count_the_test_once_unless_it_recorded_them() -> None:
    cases = Cases(CATALOGUE, "t")
    with cases.case("list-count"):
        pass
    cases.declared(["list-count", "list-paging"], "failed", failure={"test": "t"})
    tallies = tally(CATALOGUE, cases.records)
    assert tallies["list-count"].state == "conforms"  # its own case, not the declaration
    assert tallies["list-paging"].state == "broken"


def test_a_test_failing_outside_a_case_blames_what_its_violation_names() -> None:
    cases = Cases(CATALOGUE, "t")
    violation = ContractViolation("x", [], "later", "same", clauses=["timestamps"])
    cases.declared_failure(["PATCH replace /status"], violation)
    tallies = tally(CATALOGUE, cases.records)
    assert tallies["timestamps"].state == "broken"
    assert (tallies["PATCH replace /status"].tried, tallies["PATCH replace /status"].failed) == (
        1,
        0,
    )
    plain = Cases(CATALOGUE, "t")
    plain.declared_failure(["list-count", "list-paging"], RuntimeError("boom"))
    tallies = tally(CATALOGUE, plain.records)
    assert tallies["list-count"].failed == tallies["list-paging"].failed == 1


def test_a_clause_the_contract_lacks_is_a_suite_bug() -> None:
    with (
        pytest.raises(UnknownClause, match="filters\\[colour\\]"),
        Cases(CATALOGUE, "t").case("filters[colour]"),
    ):
        pass
