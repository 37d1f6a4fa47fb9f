"""Quick or long: the budgets of the reliability suite.

The quick form runs in `make test`; `LEADS_FUZZ=1` (what `make fuzz` sets) raises every budget
and has the run written up in `docs/reliability.md`. `LEADS_FUZZ_SEED` changes the seed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_SEED = 20261129


@dataclass(frozen=True)
class Budget:
    long: bool
    seed: int
    # schemathesis CLI: examples per operation and phase, and a hard limit on the whole run
    max_examples: int
    cli_timeout: float
    # concurrency: rounds (each on a reset mock), client threads, requests per thread
    rounds: int
    threads: int
    steps: int
    # hostile input: hypothesis examples per generated family
    hostile_examples: int


def budget(environ: Mapping[str, str] = os.environ) -> Budget:
    long = environ.get("LEADS_FUZZ", "") not in ("", "0")
    seed = int(environ.get("LEADS_FUZZ_SEED") or DEFAULT_SEED)
    if long:
        return Budget(True, seed, 1000, 900.0, rounds=10, threads=8, steps=100,
                      hostile_examples=800)  # fmt: skip
    return Budget(False, seed, 8, 240.0, rounds=1, threads=8, steps=30, hostile_examples=25)


BUDGET = budget()
