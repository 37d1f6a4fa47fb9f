"""The kit installed the way a user installs it: a wheel built from a clean clone, in a fresh
virtual environment in a folder outside the checkout, run with the commands `docs/ci.md`
gives (an editable install would hide a file the wheel lacks).

Slow (two virtual environments, a build, a run of the suite: two to three minutes), so
`make test` leaves it out; `make package-test` and `.ci/run` run it (`LEADS_PACKAGE_TEST=1`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.mock_server._live import free_port, stop, wait_until_ready

from .recipes import argv, recipes

REPO = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
DISTRIBUTION = "leads-api-contract-kit"
REQUIREMENT = f"{DISTRIBUTION}[conformance]=={VERSION}"

pytestmark = pytest.mark.skipif(
    not os.environ.get("LEADS_PACKAGE_TEST"),
    reason="builds and installs the wheel (minutes): make package-test runs it",
)


def _clean_env(venv: Path | None = None) -> dict[str, str]:
    """The environment of a user's shell: nothing of this checkout, of pytest or of LEADS_*."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LEADS_", "PYTEST", "VIRTUAL_ENV")) and k != "PYTHONPATH"
    }
    if venv is not None:
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(venv)
    return env


def _run(
    command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{result.args} exited {result.returncode}:\n{output[-4000:]}"
    return output


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `python -m build` makes from a clean clone (sdist first, the wheel from it)."""
    base = tmp_path_factory.mktemp("build")
    clone = base / "clone"
    _ok(_run(["git", "clone", "--quiet", str(REPO), str(clone)], base, _clean_env()))
    _ok(
        _run(
            [sys.executable, "-m", "build", "--outdir", str(base / "dist"), str(clone)],
            base,
            _clean_env(),
        )
    )
    (found,) = (base / "dist").glob("*.whl")
    (sdist,) = (base / "dist").glob("*.tar.gz")
    assert found.name == f"leads_api_contract_kit-{VERSION}-py3-none-any.whl"
    assert sdist.name == f"leads_api_contract_kit-{VERSION}.tar.gz"
    return found


def _venv(where: Path) -> Path:
    _ok(_run([sys.executable, "-m", "venv", str(where)], where.parent, _clean_env()))
    return where


@pytest.fixture(scope="module")
def user_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of the user's, far from the checkout."""
    folder = tmp_path_factory.mktemp("user")
    assert REPO not in folder.parents
    return folder


class _Serving:
    def __init__(self, command: list[str], cwd: Path, env: dict[str, str], port: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = cwd / f"mock-{port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def __enter__(self) -> _Serving:
        wait_until_ready(self.process, f"{self.base_url}/__mock/health", self.log)
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self.process)


def _mock_line(port: int) -> list[str]:
    """The recipe's `leads-mock` line, on a free port instead of 8080."""
    (line,) = [line for line in recipes()["mock"] if line.startswith("leads-mock ")]
    words = argv(line, {})
    return [*words[: words.index("--port") + 1], str(port), *words[words.index("--port") + 2 :]]


def _installed_as_the_recipe_says(line: str, wheel: Path) -> list[str]:
    """The recipe's install line with the wheel in place of the pinned index version."""
    words = argv(line, {})
    assert REQUIREMENT in words, line
    return [f"{wheel}[conformance]" if w == REQUIREMENT else w for w in words]


@pytest.fixture(scope="module")
def with_extra(wheel: Path, user_dir: Path) -> Iterator[Path]:
    venv = _venv(user_dir / "venv-conformance")
    env = _clean_env(venv)
    install = recipes()["github"][0]
    _ok(_run(_installed_as_the_recipe_says(install, wheel), user_dir, env))
    yield venv


def test_the_recipe_checks_a_server_from_a_fresh_environment(
    with_extra: Path, user_dir: Path
) -> None:
    """docs/ci.md's commands, from the user's folder: the mock serves, the suite passes on it
    with the quick profile and writes JUnit XML and the per-clause report."""
    env = _clean_env(with_extra)
    port = free_port()
    with _Serving(_mock_line(port), user_dir, env, port) as mock:
        # As docs/ci.md's jobs: a token URL and a client id and secret per role, no token.
        env["LEADS_BASE_URL"] = mock.base_url
        env["LEADS_TOKEN_URL"] = f"{mock.base_url}/oauth/token"
        for prefix, role in (("", "admin"), ("READER_", "reader"), ("AGENT_", "agent")):
            env[f"LEADS_{prefix}CLIENT_ID"] = f"{role}-client"
            env[f"LEADS_{prefix}CLIENT_SECRET"] = f"{role}-secret"
        (run,) = [line for line in recipes()["github"] if line.startswith("leads-conformance ")]
        result = _run(argv(run, env), user_dir, env)
    output = _ok(result)
    assert "Leads API conformance, clause by clause" in output
    page = (user_dir / "reports" / "conformance.html").read_text(encoding="utf-8")
    headline = re.search(r"Conforms to (\d+) of (\d+) clauses; (\d+) broken", page)
    assert headline and headline.group(3) == "0" and int(headline.group(1)) > 150, page[:500]
    junit = (user_dir / "reports" / "conformance.xml").read_text(encoding="utf-8")
    assert 'name="leads-conformance"' in junit and 'failures="0"' in junit
    # Nothing of the checkout was used: the suite ran from the environment's site-packages.
    assert str(REPO) not in output
    assert "OAuth2 clients for" in output and "admin-secret" not in output + page + junit


def test_the_commands_say_their_version_and_every_option(with_extra: Path, user_dir: Path) -> None:
    env = _clean_env(with_extra)
    for program in ("leads-mock", "leads-conformance"):
        out = _ok(_run([program, "--version"], user_dir, env)).strip()
        assert out == f"{program} {VERSION} (contract {VERSION})"
    mock_help = _ok(_run(["leads-mock", "--help"], user_dir, env))
    for option in ("--host", "--port", "--fixtures", "--spec", "--delay", "--fault-rate",
                   "--cors-origin", "--no-response-cache", "--version"):  # fmt: skip
        assert option in mock_help
    suite_help = _ok(_run(["leads-conformance", "--help"], user_dir, env))
    for option in ("--base-url", "--token", "--profile", "--seed", "--junit-xml", "--report",
                   "--wait", "--allow-destructive", "--version"):  # fmt: skip
        assert option in suite_help


def test_the_bare_package_serves_the_mock_and_names_the_extra_for_the_suite(
    wheel: Path, user_dir: Path
) -> None:
    venv = _venv(user_dir / "venv-bare")
    env = _clean_env(venv)
    _ok(_run([str(venv / "bin" / "python"), "-m", "pip", "install", str(wheel)], user_dir, env))
    result = _run(["leads-conformance", "--base-url", "http://127.0.0.1:1"], user_dir, env)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"pip install '{REQUIREMENT}'" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    # A frontend team: a generated set of its own, served, and a page of leads from it.
    _ok(_run(["leads-fixtures", "--seed", "3", "--count", "40", "--out", "big"], user_dir, env))
    port = free_port()
    command = ["leads-mock", "--port", str(port), "--fixtures", "big"]
    with _Serving(command, user_dir, env, port) as mock:
        answer = httpx.get(
            f"{mock.base_url}/leads",
            params={"per_page": "5"},
            headers={"Authorization": "Bearer admin-token"},
            trust_env=False,
        )
        docs = httpx.get(f"{mock.base_url}/ui/", trust_env=False)
    assert answer.status_code == 200 and answer.json()["count"] == 40
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    listed = json.loads(
        _ok(
            _run(
                [str(venv / "bin" / "python"), "-m", "pip", "list", "--format", "json"],
                user_dir,
                env,
            )
        )
    )
    assert not {p["name"].lower() for p in listed} & {"pytest", "schemathesis", "hypothesis"}
