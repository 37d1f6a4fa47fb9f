"""Plain computations over the raw results: medians, ratios, growth with size, targets."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The targets of the earlier issue (figures with the response cache on, and the first ones).
GET_LIST_VS_PRISM = 2.0
LIST_100K_MS = 100.0
COLD_START_10K_S = 1.5
# This issue's targets, every one judged with the response cache off ("computed answers as
# fast as cached ones").
LIST_VS_PRISM_SMALL = 2.0  # below 100k leads
LIST_VS_PRISM_100K = 1.0  # at 100k leads and more
LIST_100K_P99_MS = 250.0  # under wrk -c32
LIST_100K_ALONE_MS = 10.0  # one request at a time
WRITES_VS_PRISM_GET = 2.0  # create and patch, at every size
COLD_100K_CACHED_S = 3.0
COLD_100K_UNCACHED_S = 8.0
RSS_100K_MIB = 1024.0
LARGE = 100_000

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


def fitted_exponent(points: Sequence[tuple[int, float]]) -> float:
    """k in cost ∝ size^k, least squares over log(size), log(cost)."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(c) for _, c in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


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


def _rps(data: Mapping[str, Any], kind: str) -> float | None:
    found = data.get("kinds", {}).get(kind, {}).get("median", {}).get("rps")
    return float(found) if found is not None else None


def _judged(ok: list[bool]) -> str:
    return _verdict(None if not ok else all(ok))


def targets(results: Mapping[str, Any]) -> list[Target]:
    """This issue's targets, each judged with the response cache off (`mock_computed`), then
    the earlier issue's (`earlier_targets`)."""
    return [*computed_targets(results), *earlier_targets(results)]


def computed_targets(results: Mapping[str, Any]) -> list[Target]:
    mock = results.get("mock", {})
    computed = results.get("mock_computed", {})
    prism = results.get("prism", {}).get("kinds", {})
    prism_list = _rps({"kinds": prism}, "list")
    prism_get = _rps({"kinds": prism}, "get")
    found: list[Target] = []

    parts, ok = [], []
    for size, data in computed.items():
        rps = _rps(data, "list")
        if rps is None or not prism_list:
            continue
        wanted = LIST_VS_PRISM_100K if int(size) >= LARGE else LIST_VS_PRISM_SMALL
        parts.append(f"{_size(int(size))}: {rps / prism_list:.2f}x (≥ {wanted:g}x)")
        ok.append(rps / prism_list >= wanted)
    found.append(
        Target(
            "filtered + sorted page vs Prism, response cache off",
            f"≥ {LIST_VS_PRISM_SMALL:g}x below 100k leads, ≥ {LIST_VS_PRISM_100K:g}x at 100k",
            ", ".join(parts) or "—",
            _judged(ok),
        )
    )

    large = computed.get(str(LARGE), {})
    p99 = large.get("kinds", {}).get("list", {}).get("median", {}).get("p99_ms")
    found.append(
        Target(
            "that page at 100k leads under wrk -c32, p99, response cache off",
            f"≤ {LIST_100K_P99_MS:g} ms",
            f"{p99:.1f} ms (median of the runs' p99)" if p99 is not None else "—",
            _verdict(None if p99 is None else p99 <= LIST_100K_P99_MS),
        )
    )
    alone = large.get("sequential", {}).get("list")
    found.append(
        Target(
            "that page at 100k leads, one request at a time, response cache off",
            f"median ≤ {LIST_100K_ALONE_MS:g} ms",
            f"median {alone['median_ms']:.2f} ms (n={alone['n']})" if alone else "—",
            _verdict(None if alone is None else alone["median_ms"] <= LIST_100K_ALONE_MS),
        )
    )

    parts, ok = [], []
    for size, data in computed.items():
        for kind in ("create", "patch"):
            rps = _rps(data, kind)
            if rps is None or not prism_get:
                continue
            parts.append(f"{_size(int(size))} {kind}: {rps / prism_get:.2f}x")
            ok.append(rps / prism_get >= WRITES_VS_PRISM_GET)
    found.append(
        Target(
            "create and patch vs Prism's get-by-id, same run, response cache off",
            f"≥ {WRITES_VS_PRISM_GET:g}x Prism's get at every size",
            ", ".join(parts) or "—",
            _judged(ok),
        )
    )

    at_large = mock.get(str(LARGE), {})
    for key, label, limit in (
        ("cold_start", "fixture cache filled", COLD_100K_CACHED_S),
        ("cold_start_uncached", "fixture cache empty", COLD_100K_UNCACHED_S),
    ):
        cold = at_large.get(key)
        found.append(
            Target(
                f"cold start at 100k leads, {label}",
                f"median ≤ {limit:g} s",
                f"median {cold['median_s']:.2f} s (n={cold['n']}, "
                f"{min(cold['samples_s']):.2f} to {max(cold['samples_s']):.2f})"
                if cold
                else "—",
                _verdict(None if cold is None else cold["median_s"] <= limit),
            )
        )

    warm = large.get("memory_warm", {}).get("VmRSS")
    leads = large.get("leads_ready")
    measured = "—"
    if warm:
        mib = warm / 1024
        measured = f"{mib:.0f} MiB after warm-up"
        if leads:
            measured += f", {warm / leads:.1f} KiB per lead ({leads} leads)"
        after, leads_after = large.get("memory_after", {}).get("VmRSS"), large.get("leads_after")
        if after and leads_after:
            measured += (
                f"; after the load {after / 1024:.0f} MiB for {leads_after} leads "
                f"({after / leads_after:.1f} KiB per lead)"
            )
    found.append(
        Target(
            "resident memory at 100k leads, response cache off",
            f"≤ {RSS_100K_MIB / 1024:g} GiB after warm-up, stated per lead",
            measured,
            _verdict(None if not warm else warm / 1024 <= RSS_100K_MIB),
        )
    )

    lines = growth_exponents(results)
    found.append(
        Target(
            "cost growth of a page, 1k to 100k leads, log-log plot",
            "plotted; which grow linearly and why (below)",
            "; ".join(f"{label}: N^{k:.2f}" for label, k, _ in lines) or "—",
            "reported" if lines else "not measured",
        )
    )
    return found


def growth_points(results: Mapping[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """ms per page (median, one at a time, cache off) by size, for each page of `GROWTH`."""
    found: dict[str, list[tuple[int, float]]] = {}
    for source in ("mock_computed", "growth_only"):
        for size, data in results.get(source, {}).items():
            for name, seq in data.get("growth", {}).items():
                found.setdefault(name, []).append((int(size), seq["median_ms"]))
    return {name: sorted(points) for name, points in found.items()}


def growth_exponents(results: Mapping[str, Any]) -> list[tuple[str, float, str]]:
    """(label, fitted k, description) for each page measured at two sizes or more."""
    labels = results.get("growth_labels", {})
    out = []
    for name, points in growth_points(results).items():
        if len(points) >= 2 and all(c > 0 for _, c in points):
            k = fitted_exponent(points)
            out.append((labels.get(name, name), k, describe_exponent(k)))
    return out


def earlier_targets(results: Mapping[str, Any]) -> list[Target]:
    """The earlier issue's targets, as that issue judged them (with and without the cache)."""
    mock = results.get("mock", {})
    computed = results.get("mock_computed", {})
    prism = results.get("prism", {}).get("kinds", {})
    found: list[Target] = []
    for kind, label in (("get", "get-by-id"), ("list", "filtered-list")):
        found.append(_vs_prism(f"(earlier) {label} throughput vs Prism", mock, prism, kind))
        if computed:
            found.append(
                _vs_prism(
                    f"(earlier) {label} throughput vs Prism, response cache off",
                    computed,
                    prism,
                    kind,
                )
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
            "(earlier) filtered + sorted page at 100k leads (one request at a time"
            + (", computed each time)" if alone else ")"),
            f"median ≤ {LIST_100K_MS:g} ms",
            measured,
            _verdict(None if seq is None else seq["median_ms"] <= LIST_100K_MS),
        )
    )
    cold = mock.get("10000", {}).get("cold_start")
    found.append(
        Target(
            "(earlier) cold start with 10k leads",
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
    computed = results.get("mock_computed", {})
    for source, tag in ((mock, ""), (computed, ", response cache off")):
        for kind in ("get", "list", "patch", "create"):
            costs = {
                n: 1000.0 / source[str(n)]["kinds"][kind]["median"]["rps"]
                for n in sizes
                if kind in source.get(str(n), {}).get("kinds", {})
                and source[str(n)]["kinds"][kind]["median"]["rps"]
            }
            series[f"{kind}{tag}"] = (
                f"{labels.get(kind, kind)} under load{tag}",
                "ms of server time per request",
                costs,
            )
        for kind in ("list", "get"):
            costs = {
                n: source[str(n)]["sequential"][kind]["median_ms"]
                for n in sizes
                if kind in source.get(str(n), {}).get("sequential", {})
            }
            series[f"seq-{kind}{tag}"] = (
                f"{labels.get(kind, kind)}, one request at a time{tag}",
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
