"""Wall time of the conformance suite against a fresh mock, per profile, serial and with xdist."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import servers

DEFAULT_FIXTURES = servers.ROOT / "fixtures" / "default"  # the suite's tokens are these
SEED = 1  # the same generated inputs in every run, so that runs compare
_SUMMARY = re.compile(r"^=+ (.+ in [0-9.]+s.*) =+$", re.MULTILINE)
# pytest's exit codes that mean "the suite ran": 0 all passed, 1 some failed.
_RAN = (0, 1)


def available() -> bool:
    """Whether the suite is there (`python -m conformance --help` answers)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "--help"],
            cwd=servers.ROOT,
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def command(base_url: str, profile: str, workers: int) -> list[str]:
    cmd = [
        sys.executable, "-m", "conformance", "--base-url", base_url,
        "--profile", profile, "--seed", str(SEED), "-q",
    ]  # fmt: skip
    return [*cmd, "-n", str(workers)] if workers > 1 else cmd


def measure(profile: str, workers: int, log_dir: Path, timeout_s: float) -> dict[str, Any]:
    """One run against a mock on the default fixtures; `wall_s` is None when not measured."""
    port = servers.free_port()
    mock = servers.mock_command(port, DEFAULT_FIXTURES)
    log = log_dir / f"conformance-{profile}-n{workers}"
    cmd = command(f"http://{servers.HOST}:{port}", profile, workers)
    result: dict[str, Any] = {"command": cmd, "wall_s": None, "exit": None, "summary": ""}
    # The mock under test (--source) against this checkout's suite.
    with servers.running("mock", mock, port, log.with_suffix(".mock.log"), deadline_s=300):
        started = time.perf_counter()
        try:
            done = subprocess.run(
                cmd,
                cwd=servers.ROOT,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            result["summary"] = f"not measured: timed out after {timeout_s:.0f} s"
            return result
        wall = time.perf_counter() - started
    log.with_suffix(".log").write_text(done.stdout + done.stderr)
    found = _SUMMARY.findall(done.stdout)
    summary = found[-1] if found else (done.stdout.strip().splitlines() or ["no output"])[-1]
    result.update(exit=done.returncode, summary=summary)
    if done.returncode in _RAN:
        result["wall_s"] = wall
    else:
        result["summary"] = f"not measured: pytest exit {done.returncode} ({summary})"
    return result
