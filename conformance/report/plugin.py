"""The report's pytest hooks: the `clauses` fixture tests record their cases with, the records
carried on each test report (so that pytest-xdist brings them to the controller), the summary
at the end of every run, and `--leads-report PATH` (`leads-conformance --report PATH`).
"""

from __future__ import annotations

import time
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from leads_contract import version_line

from ..oracle.clauses import Clause, catalogue
from ..stash import CONTRACT_KEY, SETTINGS_KEY
from .ledger import FAILED, PASSED, SKIPPED, Cases, Record, failure_of, tally
from .render import RunInfo, renderer, terminal

_CASES = pytest.StashKey[Cases]()
_CATALOGUE = pytest.StashKey[dict[str, Clause]]()
_PLUGIN = "leads-conformance-report"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("leads").addoption(
        "--leads-report",
        dest="leads_report",
        metavar="PATH",
        default=None,
        help="write the per-clause report: Markdown, HTML (.html) or JSON (.json)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_Collector(config), _PLUGIN)


def known_clauses(config: pytest.Config) -> dict[str, Clause]:
    if _CATALOGUE not in config.stash:
        config.stash[_CATALOGUE] = catalogue(config.stash[CONTRACT_KEY])
    return config.stash[_CATALOGUE]


def cases_of(item: pytest.Item) -> Cases:
    if _CASES not in item.stash:
        item.stash[_CASES] = Cases(known_clauses(item.config), item.nodeid)
    return item.stash[_CASES]


@pytest.fixture
def clauses(request: pytest.FixtureRequest) -> Cases:
    """Records the test's cases: `with clauses.case("filters[status]"): ...`."""
    return cases_of(request.node)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return str(text).removeprefix("Skipped: ")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # A test's last word: its call, or a setup that failed or skipped (then there is no call).
    if report.when == "call" or (report.when == "setup" and not report.passed):
        cases = cases_of(item)
        declared = [c for marker in item.iter_markers("clauses") for c in marker.args]
        error = call.excinfo.value if call.excinfo else None
        failure = failure_of(error, item.nodeid) if error is not None else None
        if report.skipped:
            cases.declared(declared, SKIPPED, reason=_skip_reason(report))
        elif report.failed:
            cases.declared_failure(declared, error)
        elif report.passed:
            cases.declared(declared, PASSED)
        report.leads_clauses = list(cases.records)  # type: ignore[attr-defined]
        if report.failed and not any(r["outcome"] == FAILED for r in cases.records):
            # A failure no clause took (a fixture that broke, an error of the suite itself):
            # the report must not hide it behind "conforms".
            report.leads_outside = failure or {"test": item.nodeid}  # type: ignore[attr-defined]
    return report


class _Collector:
    """Gathers every test's records (on the controller, under pytest-xdist), then reports."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.records: list[Record] = []
        self.outside: list[dict[str, str]] = []
        self.started = time.monotonic()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.records += getattr(report, "leads_clauses", None) or []
        outside = getattr(report, "leads_outside", None)
        if outside:
            self.outside.append(outside)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if hasattr(self.config, "workerinput") or CONTRACT_KEY not in self.config.stash:
            return
        clauses = known_clauses(self.config)
        tallies = tally(clauses, self.records)
        terminalreporter.write_sep("=", "Leads API conformance, clause by clause")
        for line in terminal(clauses, tallies, self.outside):
            terminalreporter.write_line(line)
        target = self.config.getoption("leads_report")
        if target:
            path = Path(target)
            settings = self.config.stash[SETTINGS_KEY]
            info = self.config.stash[CONTRACT_KEY].document.get("info", {})
            run = RunInfo(
                base_url=settings.base_url,
                profile=settings.profile.name,
                seed=settings.seed,
                finished=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                contract=f"{info.get('title', '?')} {info.get('version', '?')}",
                kit=version_line("leads-conformance"),
                duration_s=time.monotonic() - self.started,
            )
            render = renderer(path.suffix)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(run, clauses, tallies, self.outside), encoding="utf-8")
            terminalreporter.write_line(f"report: {path}")
