"""Serve the mock with one mutant applied, to run the conformance suite against it by hand:

    python -m tests.mutants.serve --mutant sort_desc_ignored --port 9001
    python -m tests.mutants.serve --tolerated seconds,gzip --port 9002
    python -m tests.mutants.serve --list

Without `--mutant` or `--tolerated` the mock is served unchanged. A mutant breaks the
contract (`variants.py`); a tolerated variant is a correct server that chose otherwise where
the contract leaves a choice (`tolerated.py`): the suite must fail the one and pass the other.
"""

from __future__ import annotations

import argparse
import shlex
import sys

import uvicorn

from . import tolerated
from .variants import MUTANTS, build


def describe(name: str, base_url: str) -> str:
    mutant = MUTANTS[name]
    command = ["python", "-m", "conformance", "--base-url", base_url, "--profile", "quick"]
    lines = [
        f"mutant {name} ({mutant.area}): {mutant.bug}",
        f"  breaks:   {mutant.clause}",
        f"  catch it: {shlex.join([*command, *mutant.suite_args()])}",
    ]
    if mutant.gap:
        lines.append(f"  suite gap: {mutant.gap}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutants.serve", description=__doc__)
    parser.add_argument("--mutant", choices=sorted(MUTANTS), help="the bug to serve")
    parser.add_argument(
        "--tolerated",
        metavar="NAME[,NAME]",
        help=f"correct variants to serve, or 'all': {', '.join(tolerated.TOLERATED)}",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, mutant in sorted(MUTANTS.items()):
            print(f"{name:<40} {mutant.area:<11} {mutant.bug}")
        for name, variant in tolerated.TOLERATED.items():
            print(f"{name:<40} {'tolerated':<11} {variant.choice}")
        return 0
    base_url = f"http://{args.host}:{args.port}"
    if args.tolerated:
        if args.mutant:
            parser.error("--mutant and --tolerated are served one at a time")
        names = list(tolerated.TOLERATED) if args.tolerated == "all" else args.tolerated.split(",")
        unknown = sorted(set(names) - set(tolerated.TOLERATED))
        if unknown:
            parser.error(f"no tolerated variant {unknown}")
        app, served = tolerated.build(names)
        print(f"tolerated: {', '.join(names)}", flush=True)
    else:
        app, served = build(args.mutant)
    if args.mutant:
        print(describe(args.mutant, base_url), flush=True)
    print(f"mock on {base_url} ({len(app.state.store)} leads)", flush=True)
    uvicorn.run(served, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
