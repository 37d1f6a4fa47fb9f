from __future__ import annotations

from typing import Any

import pytest

from benchmarks.results import figures


def _run(rps: float, p50: float, requests: int = 100) -> dict[str, Any]:
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    return {"rps": rps, "requests": requests, "errors": errors, "p50_ms": p50, "p95_ms": p50,
            "p99_ms": p50, "mean_ms": p50, "max_ms": p50}  # fmt: skip


def test_median_run_takes_each_metric_median() -> None:
    median = figures.median_run([_run(10, 5), _run(30, 1), _run(20, 3)])
    assert (median["rps"], median["p50_ms"], median["n"]) == (20, 3, 3)


def test_median_run_has_no_latency_when_nothing_was_answered() -> None:
    median = figures.median_run([_run(0, 0, requests=0)])
    assert median["rps"] == 0
    assert median["p50_ms"] is None


def test_exponent_is_one_for_linear_cost() -> None:
    assert figures.exponent((1000, 2.0), (100_000, 200.0)) == pytest.approx(1.0)
    assert figures.describe_exponent(0.02) == "flat"


def test_percentile_is_nearest_rank() -> None:
    assert figures.percentile(list(range(1, 101)), 95) == 95


def _results(list_ms: float, cold_s: float, mock_rps: float, prism_rps: float) -> dict[str, Any]:
    kinds = {k: {"median": {"rps": mock_rps}} for k in ("get", "list")}
    return {
        "mock": {
            "10000": {"kinds": kinds, "cold_start": {"median_s": cold_s, "n": 3}},
            "100000": {"kinds": kinds, "sequential": {"list": {"median_ms": list_ms, "n": 30}}},
        },
        "prism": {"kinds": {k: {"median": {"rps": prism_rps}} for k in ("get", "list")}},
    }


def test_targets_pass_and_fail_on_the_issues_thresholds() -> None:
    verdicts = [t.verdict for t in figures.targets(_results(99.0, 1.4, 2000, 1000))]
    assert verdicts == ["PASS", "PASS", "PASS", "PASS"]
    verdicts = [t.verdict for t in figures.targets(_results(101.0, 1.6, 1999, 1000))]
    assert verdicts == ["FAIL", "FAIL", "FAIL", "FAIL"]


def test_targets_not_measured_without_prism_or_sizes() -> None:
    verdicts = [t.verdict for t in figures.targets({"mock": {}, "prism": {}})]
    assert verdicts == ["not measured"] * 4
