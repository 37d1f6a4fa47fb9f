"""One live mock per test process, the budgets, and the write-up of the long form."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from ..mock_server._live import client, mock_server
from ._ledger import LEDGER, Part
from ._mode import BUDGET, Budget


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of `python -m mock_server` on a free port, for the whole session."""
    with mock_server(tmp_path_factory.mktemp("reliability-mock")) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def http(live: str) -> Iterator[httpx.Client]:
    with client(live) as session:
        yield session


@pytest.fixture(scope="session")
def budget() -> Budget:
    if BUDGET.long and os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.fail("LEADS_FUZZ=1 writes docs/reliability.md from one process: run with -n 0")
    return BUDGET


@pytest.fixture(scope="module")
def part(request: pytest.FixtureRequest, budget: Budget) -> Part:
    """This module's section of the write-up."""
    return LEDGER.part(request.module.__name__)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    LEDGER.record(report)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if BUDGET.long and not os.environ.get("PYTEST_XDIST_WORKER") and LEDGER.parts:
        LEDGER.write(BUDGET)
