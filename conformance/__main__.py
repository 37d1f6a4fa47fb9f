"""`leads-conformance`: run the conformance suite against a server.

Options also come from `LEADS_*` environment variables; the defaults are the mock started by
`make mock` (http://127.0.0.1:8080) and its fixture tokens. Arguments it does not know are
passed to pytest (`-k filters`, `-x`, `-n 2`, ...).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

from leads_contract import DISTRIBUTION, VersionAction

from .settings import CLIENT_OPTIONS, ENV_NAMES, PROFILES, ROLE_DESCRIPTIONS, flag, resolve

PACKAGE_DIR = Path(__file__).parent
# What the `[conformance]` extra brings besides the bare package (pyproject.toml).
_EXTRA = ("pytest", "schemathesis", "hypothesis")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leads-conformance",
        allow_abbrev=False,
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        epilog="Unknown arguments go to pytest. Environment: "
        + ", ".join(sorted(set(ENV_NAMES.values()))),
    )
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument("--base-url", help=f"server under test [{ENV_NAMES['base_url']}]")
    parser.add_argument("--token", help=f"bearer token with every right [{ENV_NAMES['token']}]")
    parser.add_argument(
        "--reader-token", help=f"token with lead.read only [{ENV_NAMES['reader_token']}]"
    )
    parser.add_argument(
        "--norights-token", help=f"token with no right [{ENV_NAMES['norights_token']}]"
    )
    parser.add_argument(
        "--agent-token",
        help="token with lead.read, lead.update, lead.delete, user.update, property.read and "
        f"no .other right [{ENV_NAMES['agent_token']}]",
    )
    parser.add_argument(
        "--profile", choices=sorted(PROFILES), help=f"test budget [{ENV_NAMES['profile']}]"
    )
    parser.add_argument("--seed", type=int, help=f"replay a run [{ENV_NAMES['seed']}]")
    parser.add_argument(
        "--allow-destructive",
        action="store_true",
        help="also run the tests that change or delete leads the suite did not create "
        "(bulk wildcard patch, delete of all leads); never on a server with data you need",
    )
    parser.add_argument(
        "--token-url",
        help="OAuth2 token URL the clients' ids and secrets are posted to (default: the "
        f"contract's tokenUrl, resolved against --base-url) [{ENV_NAMES['token_url']}]",
    )
    for role, (id_name, secret_name) in CLIENT_OPTIONS.items():
        who = ROLE_DESCRIPTIONS.get(role, "the admin role (every right)")
        parser.add_argument(
            flag(id_name),
            metavar="ID",
            help=f"OAuth2 client of {who}, instead of a token: the suite fetches and renews "
            f"its tokens [{ENV_NAMES[id_name]}]",
        )
        parser.add_argument(
            flag(secret_name),
            metavar="SECRET",
            help=f"its secret (prefer {ENV_NAMES[secret_name]}: an option shows in `ps`)",
        )
    parser.add_argument("--junit-xml", metavar="PATH", help="write a JUnit XML report")
    parser.add_argument(
        "--report",
        metavar="PATH",
        help="write the per-clause conformance report: Markdown, HTML when PATH ends in .html "
        "(self-contained), JSON when it ends in .json",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait up to SECONDS for the server to answer first (a server started in the "
        "background in CI)",
    )
    parser.add_argument("--spec", help="the contract (default: the one this kit ships)")
    return parser


def _wait_for(base_url: str, seconds: float) -> bool:
    """Whether the server answers any HTTP at all within `seconds` (it may refuse: it is up).
    With the standard library: pytest must import httpx and anyio itself, as plugins."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/leads", timeout=2.0):
                return True
        except urllib.error.HTTPError as refusal:
            refusal.close()
            return True  # a 401 without a token: the server is up
        except (OSError, ValueError):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.5)


def _missing_extra() -> list[str]:
    return [name for name in _EXTRA if importlib.util.find_spec(name) is None]


def _requirement() -> str:
    """What to install for the extra, at the version installed (the suite and the mock agree)."""
    try:
        return f"{DISTRIBUTION}[conformance]=={metadata.version(DISTRIBUTION)}"
    except metadata.PackageNotFoundError:
        return f"{DISTRIBUTION}[conformance]"


def main(argv: list[str] | None = None) -> int:
    args, pytest_args = _parser().parse_known_args(argv)
    missing = _missing_extra()
    if missing:
        print(
            f"leads-conformance: the suite needs the conformance extra ({', '.join(missing)} "
            f"missing): pip install '{_requirement()}'",
            file=sys.stderr,
        )
        return 2
    import pytest  # only now: the bare package has no pytest

    options = {
        "base_url": args.base_url,
        "token": args.token,
        "reader_token": args.reader_token,
        "norights_token": args.norights_token,
        "agent_token": args.agent_token,
        "profile": args.profile,
        "seed": args.seed,
        "allow_destructive": args.allow_destructive,
        "spec": args.spec,
        "token_url": args.token_url,
        **{name: getattr(args, name) for names in CLIENT_OPTIONS.values() for name in names},
    }
    try:
        settings = resolve(options)
    except ValueError as exc:
        print(f"leads-conformance: {exc}", file=sys.stderr)
        return 4
    # Tokens and client credentials travel by environment rather than command line, so they
    # stay out of pytest's command line and of its output.
    secrets = ["token", "reader_token", "norights_token", "agent_token", "token_url"]
    secrets += [name for names in CLIENT_OPTIONS.values() for name in names]
    for name in secrets:
        if options[name]:
            os.environ[ENV_NAMES[name]] = str(options[name])
    replay = f"leads-conformance --base-url {settings.base_url}"
    if settings.clients:
        replay += f" --token-url {settings.token_url}"
    replay += f" --profile {settings.profile.name} --seed {settings.seed}"
    if settings.clients or options["token"]:
        replay += "  (with the same LEADS_* credentials)"
    if args.wait and not _wait_for(settings.base_url, args.wait):
        print(
            f"leads-conformance: {settings.base_url} did not answer within {args.wait:g} s",
            file=sys.stderr,
        )
        return 3
    print(
        f"Leads API conformance: {settings.base_url}, profile {settings.profile.name}, "
        f"seed {settings.seed}\n  replay: {replay}",
        flush=True,
    )
    argv_pytest = [
        "-c",
        str(PACKAGE_DIR / "pytest.ini"),
        "--rootdir",
        str(PACKAGE_DIR),
        "--base-url",
        settings.base_url,
        "--profile",
        settings.profile.name,
        "--seed",
        str(settings.seed),
        "--spec",
        str(settings.spec_path),
    ]
    if settings.allow_destructive:
        argv_pytest.append("--allow-destructive")
    if args.junit_xml:
        argv_pytest += [f"--junitxml={args.junit_xml}", "-o", "junit_suite_name=leads-conformance"]
    if args.report:
        argv_pytest += ["--leads-report", args.report]
    # The suite directory is always the target; select within it with `-k`.
    argv_pytest.append(str(PACKAGE_DIR / "suite"))
    return int(pytest.main([*argv_pytest, *pytest_args]))


if __name__ == "__main__":
    sys.exit(main())
