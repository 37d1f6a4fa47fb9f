"""`leads-mock`: serve the mock on a local port."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from .app import create_app
from .contract import DEFAULT_SPEC
from .fixtures import DEFAULT_FIXTURES, FixtureError


def banner(app_state: object, base_url: str) -> str:
    users = sorted(app_state.fixtures.reference.users.values(), key=lambda u: u.id)  # type: ignore[attr-defined]
    width = max(len(u.token) for u in users)
    lines = [
        f"Leads API mock on {base_url}  ({len(app_state.store)} leads)",  # type: ignore[attr-defined]
        f"  docs UI:  {base_url}/ui/      spec: {base_url}/openapi.json",
        f"  reset:    curl -X POST {base_url}/__mock/reset",
        "  tokens (Authorization: Bearer <token>):",
        *(f"    {u.token:<{width}}  user {u.id} {u.first_name} {u.last_name}: "
          f"{', '.join(sorted(u.rights)) or 'no rights'}" for u in users),  # fmt: skip
        "  try:",
        f"    curl -g -H 'Authorization: Bearer {users[0].token}' "
        f"'{base_url}/leads?filters[status]=prospect&sort=created&sort_order=DESC&per_page=5'",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="leads-mock", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES, help="fixture set folder")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="contract (OpenAPI 3.0.x)")
    parser.add_argument("--validate-responses", action="store_true", help="check every answer against the contract")
    args = parser.parse_args(argv)
    try:
        app = create_app(args.spec, args.fixtures, validate_responses=args.validate_responses)
    except FixtureError as exc:
        print(f"leads-mock: bad fixture: {exc}", file=sys.stderr)
        return 2
    print(banner(app.state, f"http://{args.host}:{args.port}"), flush=True)  # type: ignore[attr-defined]
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
