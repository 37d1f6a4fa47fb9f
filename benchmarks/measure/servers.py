"""The servers under test as child processes: the mock and Prism, on free local ports.

Each runs in its own session, so that stopping it stops its children too (npx starts node).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .load import TOKEN

ROOT = Path(__file__).resolve().parents[2]


class _Source:
    """Where the mock under test is imported from: this checkout, or another one given with
    `--source` (a `git worktree` or `git archive` of an earlier commit, for before/after)."""

    path: Path = ROOT


SOURCE = _Source()


def use_source(path: Path) -> None:
    path = path.resolve()
    if not (path / "mock_server" / "__main__.py").is_file():
        raise SystemExit(f"{path}: no mock_server/ there")
    SOURCE.path = path


def describe_source() -> str:
    """The commit of the code under test, and whether the mock had uncommitted changes."""
    if SOURCE.path != ROOT:
        return f"{SOURCE.path} (given with --source)"
    git = ["git", "-C", str(ROOT)]
    try:
        commit = subprocess.run(
            [*git, "log", "-1", "--format=%h %s"], capture_output=True, text=True, timeout=30
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "mock_server", "openapi"],
            capture_output=True, text=True, timeout=30,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (no git)"
    return commit + (" + uncommitted changes in mock_server/ or openapi/" if dirty else "")


HOST = "127.0.0.1"
PROBE = "/leads/1"
_TICKS = os.sysconf(
    "SC_CLK_TCK"
)  # the first good answer: a read through security, validation and the store


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def mock_command(port: int, fixtures: Path, *options: str) -> list[str]:
    cmd = [sys.executable, "-m", "mock_server", "--port", str(port), "--fixtures", str(fixtures)]
    return [*cmd, *options]


NO_CACHE = "--no-response-cache"


def mock_has_option(option: str) -> bool:
    """Whether the mock under test (`--source`) takes `option` (older code may not)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mock_server", "--help"],
            cwd=SOURCE.path, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option in done.stdout


def prism_command(port: int) -> list[str]:
    # `-v error`: Prism logs every request at `info`; the mock logs only warnings.
    return ["npx", "prism", "mock", "openapi/leads.yaml", "-p", str(port), "-v", "error"]


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    timeout: float = 600.0,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, bytes]:
    """One request with the admin token; `conn` keeps the connection alive across calls."""
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=timeout)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    log_path: Path
    popen: subprocess.Popen[bytes]
    started_at: float  # perf_counter() just before the spawn
    ready_s: float | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @classmethod
    def spawn(
        cls,
        name: str,
        command: list[str],
        port: int,
        log_path: Path,
        cwd: Path | None = None,
        fixture_cache: Path | None = None,
    ) -> Server:
        """Starts `command` in `cwd`, by default where the mock under test is (`SOURCE`).
        `fixture_cache`: the folder the mock keeps its checked fixture sets in (through
        `XDG_CACHE_HOME`), so that a run decides which starts find them and which do not."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("wb")
        started = time.perf_counter()
        env = dict(os.environ)
        if fixture_cache is not None:
            fixture_cache.mkdir(parents=True, exist_ok=True)
            env["XDG_CACHE_HOME"] = str(fixture_cache)
        popen = subprocess.Popen(
            command,
            cwd=cwd or SOURCE.path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return cls(name, command, port, log_path, popen, started, None, log)

    def wait_ready(self, deadline_s: float) -> float:
        """Seconds from the spawn to the first 200 of `GET /leads/1`; polls every 10 ms."""
        while True:
            elapsed = time.perf_counter() - self.started_at
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.popen.returncode}: {self._tail()}")
            if elapsed > deadline_s:
                raise TimeoutError(
                    f"{self.name} not ready after {deadline_s:.0f} s: {self._tail()}"
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _ = request(self.port, "GET", PROBE, timeout=5.0)
                if status == 200:
                    self.ready_s = time.perf_counter() - self.started_at
                    return self.ready_s
            time.sleep(0.01)

    def pids(self) -> list[int]:
        """The processes of the server's session (the server and any children)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if os.getsid(int(entry.name)) == self.popen.pid:
                        found.append(int(entry.name))
        return found

    def memory_kib(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak) of the largest process of the session, in KiB."""
        best: dict[str, int] = {"VmRSS": 0, "VmHWM": 0}
        for pid in self.pids():
            status = _proc_status(pid)
            if status.get("VmRSS", 0) > best["VmRSS"]:
                best = {"VmRSS": status.get("VmRSS", 0), "VmHWM": status.get("VmHWM", 0)}
        return best

    def cpu_seconds(self) -> float:
        """User + system CPU time of the session's processes so far."""
        ticks = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / _TICKS

    def wait_idle(self, timeout_s: float = 900.0, window_s: float = 0.25) -> float:
        """Waits until the server uses under 5% of a CPU over a window; returns the wait.

        When wrk stops, up to one request per connection is still being worked on (the
        mock's thread pool takes 40 at once); their answers must not count against the next
        measurement.
        """
        started = time.perf_counter()
        while time.perf_counter() - started < timeout_s:
            before = self.cpu_seconds()
            time.sleep(window_s)
            if self.cpu_seconds() - before < 0.05 * window_s:
                break
        return time.perf_counter() - started

    def stop(self) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=15)
        # npx's node child may outlive npx itself: end what is left of the session.
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()

    def _tail(self) -> str:
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-2000:]


def _proc_status(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


@contextlib.contextmanager
def running(
    name: str, command: list[str], port: int, log_path: Path, deadline_s: float
) -> Iterator[Server]:
    server = Server.spawn(name, command, port, log_path)
    try:
        server.wait_ready(deadline_s)
        yield server
    finally:
        server.stop()


def health(port: int) -> dict[str, Any]:
    status, body = request(port, "GET", "/__mock/health", timeout=30)
    return dict(json.loads(body)) if status == 200 else {}
