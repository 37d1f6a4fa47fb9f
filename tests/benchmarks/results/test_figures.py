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


def test_earlier_targets_pass_and_fail_on_that_issues_thresholds() -> None:
    verdicts = [t.verdict for t in figures.earlier_targets(_results(99.0, 1.4, 2000, 1000))]
    assert verdicts == ["PASS", "PASS", "PASS", "PASS"]
    verdicts = [t.verdict for t in figures.earlier_targets(_results(101.0, 1.6, 1999, 1000))]
    assert verdicts == ["FAIL", "FAIL", "FAIL", "FAIL"]


def _computed(good: bool) -> dict[str, Any]:
    """A run that meets every target of this issue (cache off), or just misses each."""
    f = 1.0 if good else 0.99

    def kinds(list_rps: float, p99: float) -> dict[str, Any]:
        return {
            "list": {"median": {"rps": list_rps, "p99_ms": p99}},
            "create": {"median": {"rps": 2000 * f}},
            "patch": {"median": {"rps": 2000 * f}},
        }

    def sized(list_rps: float, p99: float = 10.0) -> dict[str, Any]:
        return {"kinds": kinds(list_rps, p99), "growth": {"none": {"median_ms": 1.0}}}

    large = sized(1000 * f, 250 / f)
    large["sequential"] = {"list": {"median_ms": 10 / f, "n": 30}}
    large["memory_warm"] = {"VmRSS": 1024 * 1024 / f}
    large["leads_ready"] = 100_000
    cold = {"median_s": 3 / f, "n": 3, "samples_s": [3 / f]}
    uncached = {"median_s": 8 / f, "n": 2, "samples_s": [8 / f]}
    return {
        "mock": {"100000": {"cold_start": cold, "cold_start_uncached": uncached}},
        "mock_computed": {"1000": sized(2000 * f), "10000": sized(2000 * f), "100000": large},
        "prism": {"kinds": {k: {"median": {"rps": 1000}} for k in ("get", "list")}},
    }


def test_this_issues_targets_are_judged_with_the_cache_off() -> None:
    passed = [t.verdict for t in figures.computed_targets(_computed(True))]
    assert passed == ["PASS"] * 7 + ["reported"]
    failed = [t.verdict for t in figures.computed_targets(_computed(False))]
    assert failed == ["FAIL"] * 7 + ["reported"]


def test_targets_not_measured_without_prism_or_sizes() -> None:
    verdicts = [t.verdict for t in figures.targets({"mock": {}, "prism": {}})]
    assert set(verdicts) == {"not measured"}


def test_growth_exponent_is_fitted_over_every_size() -> None:
    results = {
        "mock_computed": {
            "1000": {"growth": {"scan": {"median_ms": 1.0}}},
            "100000": {"growth": {"scan": {"median_ms": 100.0}}},
        },
        "growth_only": {"10000": {"growth": {"scan": {"median_ms": 10.0}}}},
        "growth_labels": {"scan": "scanning"},
    }
    [(label, k, kind)] = figures.growth_exponents(results)
    assert (label, kind) == ("scanning", "linear") and k == pytest.approx(1.0)
