"""Serve the mock with one mutant applied, to run the conformance suite against it by hand:

    python -m tests.mutants.serve --mutant sort_desc_ignored --port 9001
    python -m tests.mutants.serve --list

Without `--mutant` the mock is served unchanged.
"""

from __future__ import annotations

import argparse
import shlex
import sys

import uvicorn

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
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, mutant in sorted(MUTANTS.items()):
            print(f"{name:<40} {mutant.area:<11} {mutant.bug}")
        return 0
    base_url = f"http://{args.host}:{args.port}"
    app, served = build(args.mutant)
    if args.mutant:
        print(describe(args.mutant, base_url), flush=True)
    print(f"mock on {base_url} ({len(app.state.store)} leads)", flush=True)
    uvicorn.run(served, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
