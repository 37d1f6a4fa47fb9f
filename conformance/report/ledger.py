"""Cases per clause: what each test tried, and how each clause of the contract fared.

A test records its cases through `Cases.case(*clause_ids)`, a block that passes, fails
(a `ContractViolation`, or any other error) or is skipped. A test that records nothing counts
as one case of the clauses its `clauses` marker names. Records are plain dicts, so that
pytest-xdist carries them from the workers to the controller on the test reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from ..checks import ContractViolation
from ..oracle.clauses import Clause

Record = dict[str, Any]
PASSED, FAILED, SKIPPED, OPEN = "passed", "failed", "skipped", "open"
_MAX_TEXT = 600


class UnknownClause(KeyError):
    """A test names a clause the contract does not have: a bug of the suite."""


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + " ..."


def failure_of(error: BaseException, test: str) -> dict[str, str]:
    """What the report shows of a failure: the clause broken, the request as curl (tokens
    as `$LEADS_TOKEN`, never their value), expected against received."""
    if isinstance(error, ContractViolation):
        return {
            "test": test,
            "clause": error.clause,
            "curl": error.exchanges[0].curl() if error.exchanges else "",
            "answered": error.exchanges[0].describe_response() if error.exchanges else "",
            "expected": _cut(error.expected),
            "received": _cut(error.received),
        }
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return {"test": test, "clause": "", "error": _cut(f"{type(error).__name__}: {first}")}


def skip_reason(error: BaseException) -> str:
    return str(getattr(error, "msg", "") or error) or "skipped"


class Cases:
    """The cases one test records."""

    def __init__(self, known: Mapping[str, Clause], test: str) -> None:
        self._known = known
        self.test = test
        self.records: list[Record] = []

    def _checked(self, clauses: Iterable[str]) -> tuple[str, ...]:
        ids = tuple(dict.fromkeys(clauses))
        unknown = [c for c in ids if c not in self._known]
        if unknown:
            raise UnknownClause(f"the contract has no clause {unknown}: the suite names it wrongly")
        return ids

    @contextmanager
    def case(self, *clauses: str) -> Iterator[None]:
        ids = self._checked(clauses)
        try:
            yield
        except ContractViolation as error:
            blamed = list(self._checked(error.clauses)) or list(ids)
            failure = failure_of(error, self.test)
            self.records += [{"clause": c, "outcome": FAILED, "failure": failure} for c in blamed]
            self.records += [{"clause": c, "outcome": OPEN} for c in ids if c not in blamed]
            raise
        except pytest.skip.Exception as error:
            reason = skip_reason(error)
            self.records += [{"clause": c, "outcome": SKIPPED, "reason": reason} for c in ids]
            raise
        except BaseException as error:
            failure = failure_of(error, self.test)
            self.records += [{"clause": c, "outcome": FAILED, "failure": failure} for c in ids]
            raise
        self.records += [{"clause": c, "outcome": PASSED} for c in ids]

    def declared(self, clauses: Iterable[str], outcome: str, **detail: Any) -> None:
        """The test as one case of each clause it declares and recorded nothing of."""
        touched = {record["clause"] for record in self.records}
        for clause in self._checked(clauses):
            if clause not in touched:
                self.records.append({"clause": clause, "outcome": outcome, **detail})

    def declared_failure(self, clauses: Iterable[str], error: BaseException | None) -> None:
        """The test failed outside any case: the clauses the violation names, when it names
        some, are the broken ones (the declared others tried but not concluded); else every
        declared clause."""
        declared = list(clauses)
        named = list(error.clauses) if isinstance(error, ContractViolation) else []
        blamed = named or declared
        failure = failure_of(error, self.test) if error is not None else {"test": self.test}
        self.declared(blamed, FAILED, failure=failure)
        self.declared([c for c in declared if c not in blamed], OPEN)


@dataclass
class Tally:
    """How one clause fared over the run."""

    tried: int = 0
    passed: int = 0
    failed: int = 0
    failure: dict[str, str] | None = None  # the first
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> tests

    @property
    def state(self) -> str:
        if self.failed:
            return "broken"
        return "conforms" if self.passed else "not checked"


def tally(clauses: Mapping[str, Clause], records: Iterable[Record]) -> dict[str, Tally]:
    found = {clause_id: Tally() for clause_id in clauses}
    for record in records:
        entry = found.get(record["clause"])
        if entry is None:
            continue  # recorded against another contract (`--spec`): not this report's
        outcome = record["outcome"]
        if outcome == SKIPPED:
            reason = record.get("reason") or "skipped"
            entry.skipped[reason] = entry.skipped.get(reason, 0) + 1
            continue
        entry.tried += 1
        if outcome == PASSED:
            entry.passed += 1
        elif outcome == FAILED:
            entry.failed += 1
            if entry.failure is None:
                entry.failure = record.get("failure")
    return found


def why_not_checked(clause: Clause, entry: Tally) -> str:
    if entry.skipped:
        return "; ".join(sorted(entry.skipped))
    if clause.unprovokable:
        return clause.unprovokable
    if entry.tried:
        return "every case that reached it failed first on another clause"
    return "no test of this run reached it"
