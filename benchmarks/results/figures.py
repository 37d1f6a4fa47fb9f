"""Plain computations over the raw results: medians, ratios, growth with size, targets."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The targets.
GET_LIST_VS_PRISM = 2.0
LIST_100K_MS = 100.0
COLD_START_10K_S = 1.5

_LATENCIES = ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "max_ms")


def median_run(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Each metric's median over repeated wrk runs; errors and requests summed."""
    out: dict[str, Any] = {"rps": statistics.median(r["rps"] for r in runs)}
    answered = [r for r in runs if r["requests"]]  # wrk's percentiles of no answer are 0
    for metric in _LATENCIES:
        out[metric] = statistics.median(r[metric] for r in answered) if answered else None
    out["n"] = len(runs)
    out["drain_s"] = max((r.get("drain_s", 0.0) for r in runs), default=0.0)
    out["requests"] = sum(r["requests"] for r in runs)
    out["failed"] = sum(sum(r["errors"].values()) for r in runs)
    out["status_errors"] = sum(r["errors"]["status"] for r in runs)
    return out


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a small sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise_samples(samples_ms: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(samples_ms),
        "median_ms": statistics.median(samples_ms),
        "p95_ms": percentile(samples_ms, 95),
        "min_ms": min(samples_ms),
        "max_ms": max(samples_ms),
        "samples_ms": list(samples_ms),
    }


def exponent(small: tuple[int, float], large: tuple[int, float]) -> float:
    """k in cost ∝ size^k between two (size, cost) points."""
    (n1, c1), (n2, c2) = small, large
    return math.log(c2 / c1) / math.log(n2 / n1)


def describe_exponent(k: float) -> str:
    if k < 0.15:
        return "flat"
    if k < 0.8:
        return "sub-linear"
    if k < 1.2:
        return "linear"
    return "super-linear"


@dataclass(frozen=True)
class Target:
    name: str
    wanted: str
    measured: str
    verdict: str  # PASS, FAIL or "not measured"


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("PASS" if ok else "FAIL")


def _vs_prism(name: str, mock: Mapping[str, Any], prism: Mapping[str, Any], kind: str) -> Target:
    ratios = {
        size: data["kinds"][kind]["median"]["rps"] / prism[kind]["median"]["rps"]
        for size, data in mock.items()
        if kind in data.get("kinds", {}) and kind in prism and prism[kind]["median"]["rps"]
    }
    worst = min(ratios.values()) if ratios else None
    return Target(
        name,
        f"≥ {GET_LIST_VS_PRISM:g}x Prism at every size",
        ", ".join(f"{_size(int(s))}: {r:.2f}x" for s, r in ratios.items()) or "—",
        _verdict(None if worst is None else worst >= GET_LIST_VS_PRISM),
    )


def targets(results: Mapping[str, Any]) -> list[Target]:
    """The issue's targets. The mock answers a repeated read from its response cache, and
    wrk repeats one request: each throughput target is also judged with the cache off
    (`mock_computed`), and the 100 ms target on the computed answer when it was measured."""
    mock = results.get("mock", {})
    computed = results.get("mock_computed", {})
    prism = results.get("prism", {}).get("kinds", {})
    found: list[Target] = []
    for kind, label in (("get", "get-by-id"), ("list", "filtered-list")):
        found.append(_vs_prism(f"{label} throughput vs Prism", mock, prism, kind))
        if computed:
            found.append(
                _vs_prism(f"{label} throughput vs Prism, response cache off", computed, prism, kind)
            )
    cached = mock.get("100000", {}).get("sequential", {}).get("list")
    alone = computed.get("100000", {}).get("sequential", {}).get("list")
    seq = alone or cached
    measured = "—"
    if seq:
        measured = f"median {seq['median_ms']:.1f} ms (n={seq['n']})"
        if alone and cached:
            measured += f" with the cache off; {cached['median_ms']:.1f} ms with it"
    found.append(
        Target(
            "filtered + sorted page at 100k leads (one request at a time"
            + (", computed each time)" if alone else ")"),
            f"median ≤ {LIST_100K_MS:g} ms",
            measured,
            _verdict(None if seq is None else seq["median_ms"] <= LIST_100K_MS),
        )
    )
    cold = mock.get("10000", {}).get("cold_start")
    found.append(
        Target(
            "cold start with 10k leads",
            f"median ≤ {COLD_START_10K_S:g} s",
            f"median {cold['median_s']:.2f} s (n={cold['n']})" if cold else "—",
            _verdict(None if cold is None else cold["median_s"] <= COLD_START_10K_S),
        )
    )
    return found


def _size(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


size_label = _size


def growth(results: Mapping[str, Any]) -> list[str]:
    """One sentence per measured cost: how it changes from the smallest to the largest set."""
    mock = results.get("mock", {})
    sizes = sorted(int(s) for s in mock)
    if len(sizes) < 2:
        return []
    lines = []
    series: dict[str, tuple[str, str, dict[int, float]]] = {}
    labels = results.get("kind_labels", {})
    for kind in ("get", "list", "patch", "create"):
        costs = {
            n: 1000.0 / mock[str(n)]["kinds"][kind]["median"]["rps"]
            for n in sizes
            if kind in mock[str(n)].get("kinds", {})
            and mock[str(n)]["kinds"][kind]["median"]["rps"]
        }
        series[kind] = (
            f"{labels.get(kind, kind)} under load",
            "ms of server time per request",
            costs,
        )
    for kind in ("list", "get"):
        costs = {
            n: mock[str(n)]["sequential"][kind]["median_ms"]
            for n in sizes
            if kind in mock[str(n)].get("sequential", {})
        }
        series[f"seq-{kind}"] = (
            f"{labels.get(kind, kind)}, one request at a time",
            "ms median latency",
            costs,
        )
    cold = {
        n: mock[str(n)]["cold_start"]["median_s"] for n in sizes if "cold_start" in mock[str(n)]
    }
    series["cold"] = ("cold start", "s", cold)
    rss = {
        n: mock[str(n)]["memory_warm"]["VmRSS"] / 1024
        for n in sizes
        if "memory_warm" in mock[str(n)]
    }
    series["rss"] = ("resident memory after warm-up", "MiB", rss)
    for label, unit, costs in series.values():
        points = sorted(costs.items())
        if len(points) < 2 or any(c <= 0 for _, c in points):
            continue
        steps = ", ".join(f"{_size(n)} {c:.3g}" for n, c in points)
        k = exponent(points[0], points[-1])
        factor = points[-1][1] / points[0][1]
        span = points[-1][0] / points[0][0]
        lines.append(
            f"**{label}** ({unit}: {steps}): x{factor:.3g} for x{span:.3g} leads, "
            f"cost ∝ N^{k:.2f}, {describe_exponent(k)}."
        )
    return lines
