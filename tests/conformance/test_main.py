"""`leads-conformance` itself (conformance/__main__.py): waiting for a server."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from conformance.__main__ import _wait_for
from tests.mock_server._live import free_port


class _Refusing(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(401)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_server_that_answers_at_all_is_up(refusing_server: str) -> None:
    assert _wait_for(refusing_server, 5.0)


def test_a_closed_port_is_not_up_once_the_wait_is_over() -> None:
    assert not _wait_for(f"http://127.0.0.1:{free_port()}", 0.6)


def test_waiting_imports_no_pytest_plugin_before_pytest_does() -> None:
    """pytest refuses to start when a plugin of its (anyio, which an httpx request loads) was
    imported first."""
    code = (
        "import sys; from conformance.__main__ import _wait_for; "
        "_wait_for('http://127.0.0.1:9', 0); print('anyio' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
