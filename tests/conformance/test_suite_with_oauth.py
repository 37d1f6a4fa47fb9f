"""The conformance suite on OAuth2 client credentials alone (D-38): it fetches its own tokens,
renews them as the mock's short-lived ones expire, passes, and prints no secret or token,
passing or failing.

Servers run on free local ports (`tests/mock_server/_live.py`); the suite in a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.mock_server._live import free_port, mock_server, serving

REPO = Path(__file__).resolve().parents[2]
SEED = 20261129
SUITE_TIMEOUT = 420
# Each role's client in the default fixtures; secrets shown only as $LEADS_*_SECRET.
CLIENTS = {
    "": ("admin-client", "admin-secret"),
    "READER_": ("reader-client", "reader-secret"),
    "NORIGHTS_": ("norights-client", "norights-secret"),
    "AGENT_": ("agent-client", "agent-secret"),
}
SECRETS = [secret for _, secret in CLIENTS.values()]
# What the mock's issued tokens start with (mock_server.api.tokens.TOKEN_PREFIX), to find a leak.
TOKEN_PREFIX = "mock_at_"


def _environment(roles: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Only these clients, as CI would pass them: by environment, not on the command line."""
    ignored = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADS_") and k not in ignored}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    for prefix, (client_id, secret) in roles.items():
        env[f"LEADS_{prefix}CLIENT_ID"] = client_id
        env[f"LEADS_{prefix}CLIENT_SECRET"] = secret
    return env


def _run(base_url: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    junit = tmp_path / "conformance.xml"
    command = [sys.executable, "-m", "conformance", "--base-url", base_url, "--profile", "quick"]
    command += ["--seed", str(SEED), "--token-url", f"{base_url}/oauth/token"]
    result = subprocess.run(
        [*command, "--junit-xml", str(junit), *args],
        cwd=tmp_path,
        env=_environment(CLIENTS),
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )
    report = junit.read_text(encoding="utf-8") if junit.exists() else ""
    return result.returncode, result.stdout + result.stderr, report


def _assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert TOKEN_PREFIX not in text, "an issued token was printed"
        for secret in SECRETS:
            assert secret not in text, f"the client secret {secret!r} was printed"


def test_quick_profile_passes_on_client_credentials_with_tokens_of_15_seconds(
    tmp_path: Path,
) -> None:
    """Tokens live 15 s; every answer is delayed 25 ms, so that the run's ~1500 requests last
    over two lifetimes on any machine and the suite must renew the admin's token several
    times (it is renewed at 13.5 s of age)."""
    with mock_server(tmp_path, "--token-ttl", "15", "--delay", "25") as base_url:
        code, output, report = _run(base_url, tmp_path, "--report", str(tmp_path / "r.json"))
    clauses = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["clauses"]
    flow_clauses = {c["id"]: c["state"] for c in clauses if c["id"].startswith("token-")}
    assert flow_clauses == dict.fromkeys(
        ("token-wrong-secret", "token-issued-works", "token-unknown-invalid"), "conforms"
    )
    _assert_no_secret((tmp_path / "r.json").read_text(encoding="utf-8"))
    summary = output.strip().splitlines()[-1]
    assert code == 0, output[-6000:]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) > 100, summary
    suite = ET.fromstring(report)
    suite = suite if suite.tag == "testsuite" else suite[0]
    flow = [c for c in suite.iter("testcase") if c.get("classname", "").endswith("test_oauth")]
    assert len(flow) == 3 and not any(c.find("skipped") is not None for c in flow), report[:2000]
    # The roles all ran on fetched tokens, and the admin's was renewed before it expired.
    assert (
        "tokens for none" in output and "OAuth2 clients for agent_token, norights_token" in output
    )
    tokens = re.search(r"[:;] token (\d+) fetched, (\d+) renewed before expiry", output)
    assert tokens and int(tokens.group(2)) >= 2, output[-3000:]
    _assert_no_secret(output, report)


def test_a_failing_run_on_client_credentials_prints_references_not_secrets(
    tmp_path: Path,
) -> None:
    """Against a broken mock (leads without `matching`): schemathesis' report, the suite's own
    clauses and the JUnit report all show `$LEADS_TOKEN`, never a token or a secret."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "tests.mutants.serve", "--port", str(port)]
    argv += ["--mutant", "schema_matching_missing"]
    with serving(argv, f"{base_url}/__mock/health", tmp_path / "mutant.log"):
        code, output, report = _run(
            base_url,
            tmp_path,
            "-k",
            "(conforms_to_contract and GET and leads/) or lifecycle",
            "-p",
            "no:xdist",
        )
    assert code == 1, output[-3000:]
    assert re.search(r"\d+ failed", output.strip().splitlines()[-1]), output[-3000:]
    assert '-H "Authorization: Bearer $LEADS_TOKEN"' in output
    assert '-H "Authorization: Bearer $LEADS_TOKEN"' in report
    _assert_no_secret(output, report)
