"""The conformance suite proves its strength: run against each broken variant of the mock
(`variants.py`), the part of it meant to catch the bug fails, naming the clause broken; run
against the correct mock, the same parts pass.

Each mutant is served by `serve.py` on a free port; the suite runs in a subprocess (quick
profile, fixed seed), only its targeted part, and stops at the first failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mock_server.api.rights import Principal
from mock_server.api.service import ListQuery
from tests.mock_server._live import free_port, serving

from .variants import MUTANTS, Mutant, build, calling, targeted_args

REPO = Path(__file__).resolve().parents[2]
SEED = 1
RUN_TIMEOUT = 240  # seconds; a targeted run takes 5 to 30 s on two idle cores


def _environment() -> dict[str, str]:
    # The suite must see only what this test passes, not a developer's LEADS_* settings nor
    # the options of the pytest run around it.
    ignored = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADS_") and k not in ignored}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


@contextmanager
def _served_with(options: list[str], label: str, log_dir: Path) -> Iterator[str]:
    """`python -m tests.mutants.serve` with `options`, on a free port."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "tests.mutants.serve", "--port", str(port), *options]
    with serving(argv, f"{base_url}/__mock/health", log_dir / f"{label}.log"):
        yield base_url


@contextmanager
def _served(mutant: str | None, log_dir: Path) -> Iterator[str]:
    options = ["--mutant", mutant] if mutant is not None else []
    with _served_with(options, mutant or "mock", log_dir) as base_url:
        yield base_url


def _run_suite(base_url: str, args: list[str], cwd: Path, seed: int = SEED) -> tuple[int, str]:
    command = [sys.executable, "-m", "conformance", "--base-url", base_url]
    command += ["--profile", "quick", "--seed", str(seed), *args]
    result = subprocess.run(
        command,
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def _summary(output: str) -> str:
    """pytest's last line: `1 failed, 3 passed, 280 deselected in 4.2s`."""
    lines = [line.strip("= ") for line in output.splitlines() if re.search(r" in [0-9.]+s", line)]
    return lines[-1] if lines else "(no summary line)"


def _failures(output: str) -> str:
    """The failure reports (not the header nor the list of tests run)."""
    _, _, after = output.partition(" FAILURES ")
    return after or output.partition(" ERRORS ")[2]


class MutantNotCaught(AssertionError):
    """The targeted part of the suite ran and passed against a broken mock."""


def _mutant_params() -> list[object]:
    # Slowest first (collecting test_schema takes seconds), so that two workers end together.
    ordered = sorted(MUTANTS.values(), key=lambda mutant: "test_schema" not in mutant.modules)
    params: list[object] = []
    for mutant in ordered:
        marks = []
        if mutant.gap:
            reason = f"suite gap: {mutant.gap}"
            marks.append(pytest.mark.xfail(strict=True, raises=MutantNotCaught, reason=reason))
        params.append(pytest.param(mutant.name, marks=marks, id=mutant.name))
    return params


def test_targeted_runs_pass_against_the_correct_mock(tmp_path: Path) -> None:
    """Every mutant's targeted part of the suite, in one run, is green on the real mock: a
    mutant is caught by its bug, not by a suite that fails whatever it is pointed at."""
    args = targeted_args(list(MUTANTS.values()), stop_at_first=False)
    with _served(None, tmp_path) as base_url:
        status, output = _run_suite(base_url, args, tmp_path)
    summary = _summary(output)
    assert status == 0, f"exit {status}: {summary}\n" + _failures(output)[:6000]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= len(MUTANTS), summary


@pytest.mark.parametrize("name", _mutant_params())
def test_suite_fails_against_the_mutant_naming_the_clause(name: str, tmp_path: Path) -> None:
    mutant: Mutant = MUTANTS[name]
    started = time.monotonic()
    with _served(name, tmp_path) as base_url:
        status, output = _run_suite(base_url, mutant.suite_args(), tmp_path)
    took = time.monotonic() - started
    summary = _summary(output)
    context = f"{mutant.bug}\n(breaks: {mutant.clause}; {took:.0f} s) {summary}"
    if status == 0:
        raise MutantNotCaught(f"the suite passed against {name}: {context}")
    # 1: tests failed. 2 (interrupted, e.g. a collection error), 3 (internal error, or the
    # suite could not reach the server), 4 (usage) and 5 (no test selected) catch nothing.
    assert status == 1, f"exit {status}, not a failed test: {context}\n" + output[-3000:]
    failed = re.search(r"(\d+) (failed|errors?)\b", summary)
    assert failed and int(failed.group(1)) >= 1, f"no failure counted: {context}"
    failures = _failures(output)
    missing = [words for words in mutant.expect if words not in failures]
    assert not missing, (
        f"the failure does not name the clause ({missing} not found): {context}\n" + failures[:4000]
    )
    caught_by = re.findall(r"^FAILED \S*?(test_\w+\.py::.+?)(?: - .*)?$", output, re.MULTILINE)
    print(f"{name}: caught by {', '.join(caught_by) or summary} in {took:.1f} s")


def test_calling_clones_a_method_with_one_function_replaced() -> None:
    app, _ = build(None)
    service = app.state.service
    admin = service.reference.tokens["admin-token"]
    who = Principal(user_id=admin.id, rights=admin.rights)
    query = ListQuery({"status": "prospect"}, "last_name", "DESC", 2, 7)
    same = calling(service.list_leads)
    assert same(who, query, expand=False) == service.list_leads(who, query, expand=False)
    empty = calling(service.list_leads, page_of=lambda items, page, per_page: [])
    assert empty(who, query, expand=False)["leads"] == []
    assert service.list_leads(who, query, expand=False)["leads"]  # the service is untouched
    with pytest.raises(LookupError, match="no longer calls"):
        calling(service.list_leads, compile_filter=lambda *args: None)
