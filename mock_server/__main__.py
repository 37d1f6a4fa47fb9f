"""`leads-mock`: serve the Leads API mock on a local port."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from leads_contract import VersionAction

from .api.tokens import DEFAULT_TTL
from .data import fixture_cache
from .data.contract import DEFAULT_SPEC
from .data.fixtures import DEFAULT_FIXTURES, FixtureError
from .http.behaviour import Behaviour
from .http.oauth import TOKEN_PATH, check_token_path

if TYPE_CHECKING:
    from .http.state import MockState


def banner(
    state: MockState, base_url: str, behaviour: Behaviour, token_path: str = TOKEN_PATH
) -> str:
    users = sorted(state.fixtures.reference.users.values(), key=lambda u: u.id)
    width = max(len(u.token) for u in users)
    clients = [u for u in users if u.client_id is not None]
    client_width = max((len(f"{u.client_id}:{u.client_secret}") for u in clients), default=0)
    lines = [
        f"Leads API mock on {base_url}  ({len(state.store)} leads from {state.fixtures.path})",
        f"  fixtures:    checked, kept checked in {state.fixture_cache} (--no-fixture-cache: "
        "check at every start)"
        if state.fixture_cache
        else "  fixtures:    checked at every start (no cache)",
        f"  docs UI:     {base_url}/ui/    (control API: {base_url}/__mock/ui/)",
        f"  contract:    {base_url}/openapi.json",
        f"  reset:       curl -X POST {base_url}/__mock/reset",
        *(f"  {line}" for line in behaviour.describe()),
        f"  token URL:   {base_url}{token_path}  (OAuth2 client credentials, tokens live "
        f"{state.tokens.ttl} s)",
        f"  revoke them: curl -X DELETE {base_url}/__mock/tokens",
        "  tokens (send 'Authorization: Bearer <token>'; fixture tokens never expire) and "
        "clients (id:secret):",
        *(
            f"    {u.token:<{width}}  "
            + (f"{u.client_id}:{u.client_secret}" if u.client_id else "(no client)").ljust(
                client_width
            )
            + f"  user {u.id:<2} {u.first_name} {u.last_name}: "
            f"{', '.join(sorted(u.rights)) or 'no rights'}"
            for u in users
        ),
        "  try (curl needs -g for the brackets):",
        f"    curl -g -H 'Authorization: Bearer {users[0].token}' "
        f"'{base_url}/leads?filters[status]=prospect&sort=created&sort_order=DESC&per_page=5'",
    ]
    if clients:
        lines.append(
            f"    curl -s -u {clients[0].client_id}:{clients[0].client_secret} "
            f"-d grant_type=client_credentials {base_url}{token_path}"
        )
    return "\n".join(lines)


def _delay(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    try:
        bounds = (int(low), int(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give milliseconds, 200 or 100-800") from None
    if not 0 <= bounds[0] <= bounds[1] <= 60_000:
        raise argparse.ArgumentTypeError(f"{text!r}: 0 <= low <= high <= 60000")
    return bounds


def _ttl(text: str) -> int:
    try:
        seconds = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give whole seconds, e.g. 1800") from None
    if not 1 <= seconds <= 86_400 * 365:
        raise argparse.ArgumentTypeError(f"{text!r}: from 1 second to a year (31536000)")
    return seconds


def _token_path(text: str) -> str:
    try:
        return check_token_path(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _rate(text: str) -> float:
    rate = float(text)
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: a fraction from 0 to 1")
    return rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="leads-mock", description=__doc__)
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for every interface)"
    )
    parser.add_argument("--port", type=int, default=8080, help="port (default: %(default)s)")
    parser.add_argument(
        "--fixtures",
        type=Path,
        default=DEFAULT_FIXTURES,
        help="fixture set folder (default: the kit's own, 300 leads)",
    )
    parser.add_argument(
        "--spec",
        type=Path,
        default=DEFAULT_SPEC,
        help="the contract, OpenAPI 3.0.x (default: the one this kit ships)",
    )
    parser.add_argument(
        "--delay",
        type=_delay,
        default=(0, 0),
        metavar="MS[-MS]",
        help="latency of every answer, fixed (200) or ranged (100-800)",
    )
    parser.add_argument(
        "--delay-operations",
        default="",
        metavar="OP[,OP]",
        help="operationIds the delay applies to (default: all)",
    )
    parser.add_argument(
        "--fault-rate", type=_rate, default=0.0, help="fraction of requests answered 503 (0 to 1)"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of the latency and fault draws"
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=None,
        metavar="ORIGIN",
        help="allow this browser origin (repeat; '*' for any); default any localhost "
        "port; 'none' switches CORS off",
    )
    parser.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every answer against the contract (slower)",
    )
    parser.add_argument(
        "--no-fixture-cache",
        dest="fixture_cache",
        action="store_false",
        help=f"parse and check the fixtures at every start, without the cache in "
        f"{fixture_cache.default_dir()}",
    )
    parser.add_argument(
        "--no-response-cache",
        dest="response_cache",
        action="store_false",
        help="compute every read again, even one answered before with no write since",
    )
    parser.add_argument(
        "--token-ttl",
        type=_ttl,
        default=DEFAULT_TTL,
        metavar="SECONDS",
        help=f"lifetime of the tokens the token endpoint issues (default {DEFAULT_TTL}, as the "
        "deployed API's); fixture tokens never expire",
    )
    parser.add_argument(
        "--token-path",
        type=_token_path,
        default=TOKEN_PATH,
        metavar="PATH",
        help=f"where the OAuth2 token endpoint answers (default {TOKEN_PATH})",
    )
    args = parser.parse_args(argv)
    operations = frozenset(filter(None, args.delay_operations.split(","))) or None
    behaviour = Behaviour(args.delay, operations, args.fault_rate, args.seed)
    origins = args.cors_origin
    if origins == ["none"]:
        origins = []
    # Start-up only makes objects that live on, and create_app collects once when it has
    # loaded the fixtures: collections before that would scan the growing heap for nothing.
    # Connexion is imported here, after the pause, for the same reason (a fifth of its cost).
    gc.disable()
    try:
        import uvicorn

        from .http.app import create_app

        app = create_app(
            args.spec,
            args.fixtures,
            validate_responses=args.validate_responses,
            behaviour=behaviour,
            cors_origins=origins,
            response_cache=args.response_cache,
            fixture_cache=fixture_cache.default_dir() if args.fixture_cache else None,
            token_ttl=args.token_ttl,
            token_path=args.token_path,
        )
    except FixtureError as exc:
        print(f"leads-mock: bad fixture: {exc}", file=sys.stderr)
        return 2
    finally:
        gc.enable()
    unknown = (operations or frozenset()) - set(app.state.contract.operations)
    if unknown:
        print(
            f"leads-mock: unknown operationIds in --delay-operations: {', '.join(sorted(unknown))}",
            file=sys.stderr,
        )
        return 2
    base_url = f"http://{args.host}:{args.port}"
    print(banner(app.state, base_url, behaviour, args.token_path), flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
