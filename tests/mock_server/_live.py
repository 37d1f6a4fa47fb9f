"""Real servers on free local ports, for the tests that need real HTTP: CORS and a browser.

Every process started here is stopped when its `with` block ends, whether the test passed or not.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
PAGE_DIR = REPO / "examples" / "frontend"
START_TIMEOUT = 30.0  # seconds; importing Connexion and loading the contract takes 2-6 s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def client(base_url: str) -> httpx.Client:
    """A client that goes straight to 127.0.0.1, whatever proxy the environment names."""
    return httpx.Client(base_url=base_url, trust_env=False, timeout=10.0)


@contextmanager
def serving(argv: list[str], ready_url: str, log: Path) -> Iterator[None]:
    """Runs `argv` (output to `log`) until the block ends; enters once `ready_url` answers 200."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(process, ready_url, log)
        yield
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(trust_env=False, timeout=1.0) as http:
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{process.args!r} exited with {process.returncode}:\n"
                    f"{log.read_text(errors='replace')}"
                )
            try:
                if http.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{url} did not answer within {START_TIMEOUT:.0f} s:\n"
                    f"{log.read_text(errors='replace')}"
                )
            time.sleep(0.1)


@contextmanager
def mock_server(log_dir: Path, *options: str) -> Iterator[str]:
    """`python -m mock_server` on a free port, with `options`; yields its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "mock_server", "--host", "127.0.0.1", "--port", str(port)]
    with serving([*argv, *options], f"{base_url}/__mock/health", log_dir / f"mock-{port}.log"):
        yield base_url


@contextmanager
def static_site(folder: Path, log_dir: Path) -> Iterator[str]:
    """`python -m http.server` over `folder` on a free port: another origin than the mock's."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    argv += ["--directory", str(folder)]
    with serving(argv, f"{base_url}/", log_dir / f"site-{port}.log"):
        yield base_url
