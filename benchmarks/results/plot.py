"""`docs/benchmarks.png`: throughput, latency under load and alone, cold start, memory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..measure import load
from . import figures
from .figures import size_label


def write(results: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    plain = FuncFormatter(lambda value, _: f"{value:g}")

    mock = results["mock"]
    sizes = [str(n) for n in results["settings"]["sizes"] if str(n) in mock]
    prism = results.get("prism", {})
    kinds = [k for k in load.KINDS if any(k.name in mock[n].get("kinds", {}) for n in sizes)]
    colours = plt.get_cmap("viridis")
    shade = {n: colours(0.15 + 0.7 * i / max(1, len(sizes) - 1)) for i, n in enumerate(sizes)}

    fig, axes = plt.subplots(2, 3, figsize=(19, 9))
    (thr, lat, seq), (cold, grow, spare) = axes
    spare.axis("off")
    width = 0.8 / (len(sizes) + 1)

    # Throughput: one group per request kind, a bar per size, Prism hatched where comparable.
    for i, n in enumerate(sizes):
        xs = [j + i * width for j, k in enumerate(kinds) if k.name in mock[n]["kinds"]]
        ys = [
            mock[n]["kinds"][k.name]["median"]["rps"] or float("nan")
            for k in kinds
            if k.name in mock[n]["kinds"]
        ]
        thr.bar(xs, ys, width, color=shade[n], label=f"mock, {size_label(int(n))} leads")
    # The reads with the response cache off, as markers on their size's bar.
    computed = results.get("mock_computed", {})
    marked = False
    for i, n in enumerate(sizes):
        for j, k in enumerate(kinds):
            med = computed.get(n, {}).get("kinds", {}).get(k.name, {}).get("median")
            if med and med["rps"]:
                label = None if marked else "mock, response cache off"
                thr.plot([j + i * width], [med["rps"]], "kx", ms=7, label=label)
                marked = True
    pk = prism.get("kinds", {})
    xs = [j + len(sizes) * width for j, k in enumerate(kinds) if k.name in pk]
    ys = [pk[k.name]["median"]["rps"] for k in kinds if k.name in pk]
    if ys:
        thr.bar(xs, ys, width, color="white", edgecolor="grey", hatch="//", label="Prism")
    for i, n in enumerate(sizes):  # a kind with no answer in a run has no bar: say so
        for j, k in enumerate(kinds):
            if mock[n]["kinds"].get(k.name, {}).get("median", {}).get("rps") == 0:
                thr.annotate(
                    f"none answered in {results['settings']['duration']:g} s",
                    (j + i * width, 0),
                    xycoords=("data", "axes fraction"),
                    rotation=90,
                    fontsize=7,
                    ha="center",
                    va="bottom",
                )
    thr.set_xticks(
        [j + width * len(sizes) / 2 for j in range(len(kinds))], [k.label for k in kinds]
    )
    thr.set_yscale("log")
    thr.set_ylabel("requests/s (log)")
    thr.set_title(f"Throughput, wrk -t{load.THREADS} -c{load.CONNECTIONS}")
    low, high = thr.get_ylim()
    thr.set_ylim(low, high * 6)  # room for the legend above the bars
    thr.legend(fontsize=8, ncol=2, loc="upper right")

    # Latency under load, of computed answers where measured (what the targets judge): p50
    # bars, p95 and p99 as markers above them.
    for i, n in enumerate(sizes):
        for j, k in enumerate(kinds):
            med = (computed.get(n) or mock[n])["kinds"].get(k.name, {}).get("median")
            if not med or med["p50_ms"] is None:
                continue
            x = j + i * width
            lat.bar(x, med["p50_ms"], width, color=shade[n])
            lat.plot([x, x], [med["p95_ms"], med["p99_ms"]], color="black", lw=1)
            lat.plot([x], [med["p95_ms"]], "k_", ms=7)
            lat.plot([x], [med["p99_ms"]], "kv", ms=4)
    for j, k in enumerate(kinds):
        med = pk.get(k.name, {}).get("median")
        if med and med["p50_ms"] is not None:
            x = j + len(sizes) * width
            lat.bar(x, med["p50_ms"], width, color="white", edgecolor="grey", hatch="//")
            lat.plot([x, x], [med["p95_ms"], med["p99_ms"]], color="black", lw=1)
            lat.plot([x], [med["p95_ms"]], "k_", ms=7)
            lat.plot([x], [med["p99_ms"]], "kv", ms=4)
    lat.set_xticks(
        [j + width * len(sizes) / 2 for j in range(len(kinds))], [k.label for k in kinds]
    )
    lat.set_yscale("log")
    lat.set_ylabel("ms (log)")
    lat.set_title(
        "Latency under load"
        + (", response cache off" if computed else "")
        + ": bar p50, dash p95, triangle p99"
    )

    # One request at a time, against size, with the 100 ms target.
    ns = [int(n) for n in sizes]
    for kind, style, place in (("list", "o-", "bottom"), ("get", "s--", "top")):
        ys = [mock[n].get("sequential", {}).get(kind, {}).get("median_ms") for n in sizes]
        if all(y is not None for y in ys):
            seq.plot(ns, ys, style, label=f"mock, {load.KIND_BY_NAME[kind].label}")
        off = [
            computed.get(n, {}).get("sequential", {}).get(kind, {}).get("median_ms") for n in sizes
        ]
        if computed and all(y is not None for y in off):
            seq.plot(ns, off, style, alpha=0.5, label=f"cache off, {load.KIND_BY_NAME[kind].label}")
        pseq = prism.get("sequential", {}).get(kind)
        if pseq:
            seq.axhline(pseq["median_ms"], ls=":", color="grey")
            seq.annotate(
                f"Prism {load.KIND_BY_NAME[kind].label}",
                (ns[0], pseq["median_ms"]),
                fontsize=7,
                va=place,
            )
    at_large = figures.LARGE in ns  # the targets are at 100k leads: drawn where measured
    if at_large:
        seq.plot([figures.LARGE], [figures.LIST_100K_ALONE_MS], "r*", ms=10)
    seq.annotate(
        f"target at 100k, page, cache off: {figures.LIST_100K_ALONE_MS:g} ms",
        (figures.LARGE, figures.LIST_100K_ALONE_MS),
        color="red",
        fontsize=7,
        ha="right",
        va="bottom",
    ) if at_large else None
    seq.set_xscale("log")
    seq.set_yscale("log")
    seq.set_xlabel("leads")
    seq.set_ylabel("median ms (log)")
    seq.set_title("One request at a time")
    seq.legend(fontsize=8)

    # Cold start and memory, against size.
    for key, style, label, target in (
        ("cold_start", "o-", "cold start, fixture cache filled, s", figures.COLD_100K_CACHED_S),
        ("cold_start_uncached", "o:", "cold start, fixture cache empty, s",
         figures.COLD_100K_UNCACHED_S),
    ):  # fmt: skip
        cs = [mock[n].get(key, {}).get("median_s") for n in sizes]
        if all(c is not None for c in cs):
            cold.plot(ns, cs, style, color="tab:blue", label=label)
        if at_large:
            cold.plot([figures.LARGE], [target], "r*", ms=10)
    if at_large:
        cold.plot([], [], "r*", ms=10, label="targets at 100k: 3 s filled, 8 s empty")
    cold.set_xscale("log")
    cold.set_ylim(bottom=0)
    cold.set_xlabel("leads")
    cold.set_ylabel("cold start, s", color="tab:blue")
    mem = cold.twinx()
    rss = [
        (computed.get(n) or mock[n]).get("memory_warm", {}).get("VmRSS", 0) / 1024 for n in sizes
    ]
    mem.plot(ns, rss, "s--", color="tab:orange", label="RSS after warm-up (cache off), MiB")
    mem.axhline(figures.RSS_100K_MIB, color="tab:orange", lw=0.6, ls=":")
    mem.set_ylabel("RSS, MiB", color="tab:orange")
    mem.set_ylim(bottom=0)
    cold.set_title("Cold start and resident memory")
    handles = cold.get_legend_handles_labels()
    more = mem.get_legend_handles_labels()
    cold.legend(handles[0] + more[0], handles[1] + more[1], fontsize=8, loc="lower right")

    # Cost of a page against the data size, log-log: the three kinds of filter.
    labels = results.get("growth_labels", {})
    exponents = {label: k for label, k, _ in figures.growth_exponents(results)}
    grown: list[int] = []
    for (name, points), style in zip(
        figures.growth_points(results).items(), ("o-", "s-", "^-"), strict=False
    ):
        label = labels.get(name, name)
        slope = exponents.get(label)
        counts, costs = [n for n, _ in points], [c for _, c in points]
        grow.plot(
            counts, costs, style, label=label + (f" (N^{slope:.2f})" if slope is not None else "")
        )
        grown += counts
    if grown:
        low, high = min(grown), max(grown)
        grow.plot([low, high], [0.5, 0.5 * high / low], color="grey", lw=0.6, ls="--",
                  label="linear, for slope")  # fmt: skip
        grow.set_xscale("log")
        grow.set_yscale("log")
        grow.set_xticks(sorted(set(grown)), [size_label(n) for n in sorted(set(grown))])
        grow.xaxis.set_minor_formatter(NullFormatter())
        grow.yaxis.set_major_formatter(plain)
        grow.yaxis.set_minor_formatter(NullFormatter())
        grow.legend(fontsize=8)
    grow.set_xlabel("leads")
    grow.set_ylabel("median ms per page (log)")
    grow.set_title("A page (20, by created) one at a time, cache off")

    for axis in (thr.yaxis, lat.yaxis, seq.yaxis):
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(NullFormatter())
    for axes in (seq, cold):
        axes.set_xticks(ns, [size_label(n) for n in ns])
        axes.xaxis.set_minor_formatter(NullFormatter())
    mem.yaxis.set_major_formatter(plain)
    fig.suptitle(f"Leads API mock benchmarks ({results['started']}, {results['machine']['cpu']}, "
                 f"{results['machine']['nproc']} CPUs)")  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
