"""The conformance suite passes a correct server that chose otherwise where the contract leaves
a choice (`tolerated.py`): each variant alone, then all of them together. A failure here is a
false alarm the suite would raise on a backend team's correct server: the suite over-reaches,
or the contract is vague."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_mutants import _failures, _run_suite, _served_with, _summary
from .tolerated import TOLERATED

SEED = 3


@pytest.mark.parametrize("names", [[name] for name in TOLERATED] + [list(TOLERATED)],
                         ids=[*TOLERATED, "all-together"])  # fmt: skip
def test_the_suite_passes_a_server_that_chose_otherwise(names: list[str], tmp_path: Path) -> None:
    with _served_with(["--tolerated", ",".join(names)], "-".join(names)[:40], tmp_path) as url:
        status, output = _run_suite(url, ["-p", "no:randomly"], tmp_path, seed=SEED)
    summary = _summary(output)
    assert status == 0, f"{names}: exit {status}, {summary}\n" + _failures(output)[:6000]
    assert " passed" in summary and "failed" not in summary, summary
