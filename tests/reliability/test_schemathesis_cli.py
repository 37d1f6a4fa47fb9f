"""schemathesis' own CLI against a running mock: every check, every phase (examples, coverage,
fuzzing, stateful), and not one failure.

The mock is disposable (reset before), so destructive operations run too; `DELETE /leads`
without ids deletes every lead, as documented (D-13). `schemathesis.toml` beside this file
holds the only exception to the defaults, with its reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from ._ledger import Part
from ._mode import Budget
from ._support import REPO, SPEC, reset

CONFIG = Path(__file__).with_name("schemathesis.toml")
PHASES = "examples,coverage,fuzzing,stateful"
_PROXIES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


def _cli() -> str:
    """The `schemathesis` script of the interpreter running the tests."""
    return str(Path(sys.executable).with_name("schemathesis"))


def _argv(base_url: str, budget: Budget, report: Path) -> list[str]:
    argv = [
        _cli(), "--config-file", str(CONFIG), "--no-color",
        "run", str(SPEC), "--url", base_url,
        "-H", "Authorization: Bearer admin-token",
        "--checks", "all", "--phases", PHASES,
        "--max-examples", str(budget.max_examples), "--seed", str(budget.seed),
        # One worker: with several, hypothesis describes lambdas from threads, and CPython
        # 3.11's ast.parse is not thread-safe ("AST constructor recursion depth mismatch").
        "--workers", "1",
        "--generation-database", "none",
        "--report", "json", "--report-json-path", str(report),
        "--output-truncate", "false",
    ]  # fmt: skip
    if budget.long:  # spend the whole budget even where a failure was already found
        argv.append("--continue-on-failure")
    return argv


def _environment() -> dict[str, str]:
    # Traffic goes to 127.0.0.1 only: no proxy from the environment.
    env = {k: v for k, v in os.environ.items() if k.lower() not in _PROXIES}
    # The hooks leave out what the query string cannot carry (schemathesis_hooks.py).
    env["SCHEMATHESIS_HOOKS"] = "tests.reliability.schemathesis_hooks"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _failures_section(output: str) -> str:
    start = output.find("=== FAILURES ===")
    start = output.find("=== ERRORS ===") if start < 0 else start
    shown = output[start:] if start >= 0 else output[-6000:]
    return shown if len(shown) <= 20_000 else shown[:20_000] + "\n[... cut ...]"


def _record(part: Part, budget: Budget, report: dict[str, Any], seconds: float) -> None:
    part.describe(
        "schemathesis CLI, every check and phase",
        f"`schemathesis run openapi/leads.yaml` against the mock with the admin token, "
        f"`--checks all --phases {PHASES}`, `--max-examples {budget.max_examples}`, "
        f"`--seed {budget.seed}`" + (", `--continue-on-failure`" if budget.long else ""),
        "Every check: no 5xx, documented statuses, content types, headers and schemas, "
        "schema-invalid input refused and schema-valid input accepted (422 accepted on the "
        "operations that document it), undeclared methods, missing auth, use after delete. "
        "Generated `filters` the query string cannot carry (a key with brackets, an empty text "
        "where an object or list is allowed: D-36) are left out by `schemathesis_hooks.py`.",
    )
    cases = report.get("test_cases", {})
    part.count("test cases generated", cases.get("generated", 0))
    part.count("test cases with failures", cases.get("with_failures", 0))
    part.count("unique failures", cases.get("unique_failures", 0))
    part.fact("operations tested", f"{report['operations']['tested']} of "
              f"{report['operations']['total']}")  # fmt: skip
    part.fact("phases", ", ".join(f"{name} {p['status']}" for name, p in report["phases"].items()))
    for failure in report.get("failures", []):
        part.fact(
            f"failure {failure['code']} {failure['title']}",
            f"{failure['count']} ({', '.join(failure['operations'])})",
        )
    for error in report.get("errors", []):
        part.fact(f"error {error['title']}", error["count"])
    part.fact("schemathesis exit code", report.get("exit_code"))
    part.fact("CLI run time", f"{seconds:.0f} s")


def test_schemathesis_cli_finds_nothing(
    live: str, http: httpx.Client, budget: Budget, part: Part, tmp_path: Path
) -> None:
    reset(http)
    report_path = tmp_path / "schemathesis.json"
    started = time.monotonic()
    done = subprocess.run(
        _argv(live, budget, report_path),
        cwd=tmp_path,  # schemathesis writes its own files (reports, caches) where it runs
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=budget.cli_timeout,
        check=False,
    )
    seconds = time.monotonic() - started
    output = done.stdout + done.stderr
    assert report_path.is_file(), f"no JSON report; exit {done.returncode}:\n{output[-4000:]}"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    _record(part, budget, report, seconds)
    found = report["test_cases"]
    summary = (
        f"exit code {done.returncode}, {found['generated']} cases, "
        f"{found['unique_failures']} unique failures, {len(report.get('errors', []))} errors"
    )
    clean = done.returncode == 0 and found["unique_failures"] == 0 and not report.get("errors")
    assert clean, f"schemathesis: {summary}\n{_failures_section(output)}"
    assert report["operations"]["tested"] == report["operations"]["total"], report["operations"]
