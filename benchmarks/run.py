"""`python -m benchmarks.run`: benchmark the mock (and Prism for reference), write the report.

For each data size: cold starts, memory, wrk load per request kind, sequential latency; Prism
once in the same run; the conformance suite's wall time; then `<out>/benchmarks.md`,
`benchmarks.png` and `benchmarks.json`. Needs `wrk` and the npm tools (`npm ci`).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import shlex
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .measure import datasets, load, machine, servers, suite_timing
from .results import figures, plot, report

ROOT = servers.ROOT
RESULTS = Path(__file__).resolve().parent / ".results"
PROFILES = ("quick", "thorough")


def _log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give counts like 1000,10000") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: counts of 1 or more")
    return sizes


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    p.add_argument("--sizes", type=_sizes, help="lead counts (default 1000,10000,100000)")
    p.add_argument("--repeat", type=int, help="wrk runs per request kind and size (default 3)")
    p.add_argument("--duration", type=float, help="seconds per wrk run (default 10)")
    p.add_argument(
        "--starts", type=int, help="cold starts per size, fixture cache filled (default 3)"
    )
    p.add_argument(
        "--uncached-starts",
        type=int,
        help="cold starts per size with an empty fixture cache, before those (default 2)",
    )
    p.add_argument(
        "--growth-sizes",
        type=_sizes,
        help="more lead counts for the cost-growth plot only (default 3000,30000; none with "
        "--quick)",
    )
    p.add_argument("--warmup", type=float, help="seconds of wrk warm-up per read kind (default 2)")
    p.add_argument("--sequential", type=int, help="requests one at a time per kind (default 30)")
    p.add_argument(
        "--slow-start",
        type=float,
        default=60.0,
        help="after a cold start slower than this (s), do not start that size again",
    )
    p.add_argument(
        "--start-timeout", type=float, default=900.0, help="give up on a start after this (s)"
    )
    p.add_argument(
        "--profiles",
        help="conformance profiles to time, comma-separated, or 'none' "
        "(default quick,thorough; none with --quick)",
    )
    p.add_argument("--conformance-timeout", type=float, default=3600.0, help="per suite run (s)")
    p.add_argument("--no-prism", action="store_true", help="skip Prism (no ratios)")
    p.add_argument(
        "--source",
        type=Path,
        help="benchmark the mock of another checkout (e.g. `git worktree add /tmp/before "
        "COMMIT`); default this one",
    )
    p.add_argument("--baseline", type=Path, help="an earlier benchmarks.json: adds before/after")
    p.add_argument(
        "--render-only",
        type=Path,
        metavar="JSON",
        help="measure nothing: write the report and plot again from a benchmarks.json",
    )
    p.add_argument("--out", type=Path, help="output folder (default docs; with --quick, "
                   "benchmarks/.results/quick)")  # fmt: skip
    p.add_argument(
        "--quick", action="store_true", help="smoke run: sizes 300,2000, 1 run of 2 s, ~1 min"
    )
    return p


def _settings(args: argparse.Namespace) -> argparse.Namespace:
    quick = args.quick
    defaults: dict[str, Any] = {
        "sizes": [300, 2000] if quick else [1000, 10000, 100000],
        "repeat": 1 if quick else 3,
        "duration": 2.0 if quick else 10.0,
        "starts": 1 if quick else 3,
        "uncached_starts": 1 if quick else 2,
        "growth_sizes": [] if quick else [3000, 30000],
        "warmup": 1.0 if quick else 2.0,
        "sequential": 10 if quick else 30,
        "profiles": "none" if quick else ",".join(PROFILES),
        "out": RESULTS / "quick" if quick else ROOT / "docs",
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.profiles = [] if args.profiles == "none" else args.profiles.split(",")
    unknown = set(args.profiles) - set(PROFILES)
    if unknown:
        raise SystemExit(f"unknown profiles: {', '.join(sorted(unknown))}")
    return args


def _sequential(port: int, path: str, count: int) -> dict[str, Any]:
    """`count` requests one after another on one kept-alive connection."""
    conn = http.client.HTTPConnection(servers.HOST, port, timeout=600)
    samples = []
    try:
        servers.request(port, "GET", path, conn=conn)  # connect, and one more warm-up
        for _ in range(count):
            started = time.perf_counter()
            status, _ = servers.request(port, "GET", path, conn=conn)
            samples.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
    finally:
        conn.close()
    return figures.summarise_samples(samples)


def _cold_starts(
    name: str,
    command: Callable[[int], list[str]],
    args: argparse.Namespace,
    log_dir: Path,
    cwd: Path,
    starts: int,
    uncached: int,
    cache_root: Path,
) -> tuple[servers.Server, dict[str, Any], dict[str, Any] | None]:
    """Starts the server `uncached` times with an empty fixture cache each (the first start
    on a set of fixtures), then `starts` times with the cache the last of those filled; the
    last one is left running for the load. Cold starts of each kind, as `figures`' dicts."""

    def spawn(attempt: str, cache: Path) -> tuple[servers.Server, float]:
        port = servers.free_port()
        log = log_dir / f"{name}-{attempt}.log"
        server = servers.Server.spawn(name, command(port), port, log, cwd, fixture_cache=cache)
        try:
            took = server.wait_ready(args.start_timeout)
        except BaseException:
            server.stop()
            raise
        _log(f"  {name}: cold start {took:.2f} s ({attempt})")
        return server, took

    # The starts with the cache filled use `kept`, which the last start without fills.
    kept = cache_root / "kept"
    empty: list[float] = []
    for attempt in range(uncached):
        cache = kept if attempt == uncached - 1 else cache_root / f"uncached-{attempt}"
        if cache.exists():
            shutil.rmtree(cache)
        server, took = spawn(f"empty fixture cache {attempt + 1}", cache)
        server.stop()
        empty.append(took)
        if took > args.slow_start:
            kept = cache  # the next starts still find what this one kept
            break
    samples: list[float] = []
    running: servers.Server | None = None
    for attempt in range(starts):
        if running is not None:
            running.stop()
        running, took = spawn(f"fixture cache filled {attempt + 1}", kept)
        samples.append(took)
        if took > args.slow_start:
            break
    assert running is not None
    cold = {"samples_s": samples, "median_s": statistics.median(samples), "n": len(samples)}
    uncached_cold = (
        {"samples_s": empty, "median_s": statistics.median(empty), "n": len(empty)}
        if empty
        else None
    )
    return running, cold, uncached_cold


def _measure_kinds(
    server: servers.Server,
    kinds: list[load.Kind],
    size: int,
    body: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    base = f"http://{servers.HOST}:{server.port}"
    measured: dict[str, Any] = {}
    for kind in kinds:
        runs = []
        for i in range(args.repeat):
            result = load.run(base, kind, load.script_args(kind, size, body), args.duration)
            runs.append({**result.as_dict(), "drain_s": server.wait_idle()})
            _log(
                f"  {server.name} {kind.name} run {i + 1}/{args.repeat}: {result.rps:.1f} req/s, "
                f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, errors {result.failed}"
            )
        measured[kind.name] = {"runs": runs, "median": figures.median_run(runs)}
    return measured


def _warm_up(server: servers.Server, args: argparse.Namespace, body: Path) -> None:
    base = f"http://{servers.HOST}:{server.port}"
    for kind in load.KINDS:
        if kind.comparable:  # reads only: the measured writes come after the reads
            load.run(base, kind, load.script_args(kind, 1, body), args.warmup)
            server.wait_idle()


def bench_server(
    name: str,
    command: Callable[[int], list[str]],
    kinds: list[load.Kind],
    size: int,
    args: argparse.Namespace,
    body: Path,
    log_dir: Path,
    cache_root: Path,
    starts: int | None = None,
    uncached: int = 0,
    growth: bool = False,
) -> dict[str, Any]:
    # Prism serves this checkout's contract; the mock is the code under test (--source).
    cwd = ROOT if name == "prism" else servers.SOURCE.path
    server, cold, uncached_cold = _cold_starts(
        name, command, args, log_dir, cwd, starts or args.starts, uncached, cache_root
    )
    data: dict[str, Any] = {"cold_start": cold}
    if uncached_cold:
        data["cold_start_uncached"] = uncached_cold
    try:
        data["memory_ready"] = server.memory_kib()
        if name.startswith("mock"):
            data["leads_ready"] = servers.health(server.port).get("leads")
        _warm_up(server, args, body)
        data["memory_warm"] = server.memory_kib()
        data["sequential"] = {
            kind.name: _sequential(server.port, kind.path, args.sequential)
            for kind in kinds
            if kind.comparable
        }
        _log(
            f"  {name}: sequential "
            + ", ".join(f"{k} {v['median_ms']:.1f} ms" for k, v in data["sequential"].items())
        )
        if growth:
            data["growth"] = _growth(server, args)
        data["kinds"] = _measure_kinds(server, kinds, size, body, args)
        data["memory_after"] = server.memory_kib()
        if name.startswith("mock"):
            data["leads_after"] = servers.health(server.port).get("leads")
    finally:
        server.stop()
    return data


def _growth(server: servers.Server, args: argparse.Namespace) -> dict[str, Any]:
    """The cost of a page with each kind of filter, one request at a time."""
    found = {
        page.name: _sequential(server.port, page.path, args.sequential) for page in load.GROWTH
    }
    _log(
        f"  {server.name}: pages "
        + ", ".join(f"{k} {v['median_ms']:.2f} ms" for k, v in found.items())
    )
    return found


def growth_only(size: int, args: argparse.Namespace, log_dir: Path, cache_root: Path) -> Any:
    """A size measured for the cost-growth plot alone: start, memory, the pages."""
    folder = datasets.CACHE / str(size)
    command = lambda port: servers.mock_command(port, folder, servers.NO_CACHE)  # noqa: E731
    server, cold, _ = _cold_starts(
        "mock-growth", command, args, log_dir, servers.SOURCE.path, 1, 0, cache_root
    )
    try:
        data = {
            "cold_start": cold,
            "memory_ready": server.memory_kib(),
            "leads_ready": servers.health(server.port).get("leads"),
        }
        # A page of each kind before measuring, as the warm-up does for the other sizes.
        for page in load.GROWTH:
            servers.request(server.port, "GET", page.path)
        data["growth"] = _growth(server, args)
    finally:
        server.stop()
    return data


def _conformance(args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    if not args.profiles:
        return {"skipped": "no profile asked (`--profiles`; `--quick` asks none)"}
    if not suite_timing.available():
        return {"skipped": "the suite is not there (`python -m conformance --help` fails)"}
    out: dict[str, Any] = {"seed": suite_timing.SEED, "profiles": {}}
    for profile in args.profiles:
        runs = {}
        for workers, label in ((1, "serial"), (2, "-n 2")):
            # The thorough profile is long: one run each; the quick one as often as wrk runs.
            repeat = args.repeat if profile == "quick" else 1
            walls, last = [], {}
            for _ in range(repeat):
                _log(f"conformance {profile} {label}")
                last = suite_timing.measure(profile, workers, log_dir, args.conformance_timeout)
                _log(
                    f"  {last['summary']}"
                    + (f" ({last['wall_s']:.1f} s)" if last["wall_s"] else "")
                )
                if last["wall_s"] is None:
                    break
                walls.append(last["wall_s"])
            runs[label] = {
                "command": last.get("command"),
                "summary": last.get("summary", ""),
                "wall_s": {"samples": walls, "median": statistics.median(walls), "n": len(walls)}
                if walls
                else None,
            }
        out["profiles"][profile] = runs
    return out


def _baseline_rows(before: dict[str, Any], after: dict[str, Any]) -> list[list[str]]:
    """Before / after rows: every figure of this issue's targets, then the other ones."""
    rows = []

    def add(label: str, old: float | None, new: float | None, unit: str) -> None:
        if old is None or new is None or not old:
            return
        suffix = f" {unit}" if unit else ""
        rows.append(
            [label, report.number(old) + suffix, report.number(new) + suffix, f"x{new / old:.3g}"]
        )

    def rps(data: dict[str, Any] | None, kind: str) -> float | None:
        return (data or {}).get("kinds", {}).get(kind, {}).get("median", {}).get("rps")

    def p99(data: dict[str, Any] | None, kind: str) -> float | None:
        return (data or {}).get("kinds", {}).get(kind, {}).get("median", {}).get("p99_ms")

    def alone(data: dict[str, Any] | None, kind: str) -> float | None:
        return (data or {}).get("sequential", {}).get(kind, {}).get("median_ms")

    def rss(data: dict[str, Any] | None) -> float | None:
        found = (data or {}).get("memory_warm", {}).get("VmRSS")
        return found / 1024 if found else None

    # Computed answers: the code before measured its reads with the cache off too (and had
    # no cache before that); its writes were measured on the cached server only, which a
    # write never meets.
    for size, data in after.get("mock_computed", {}).items():
        old_cached = before.get("mock", {}).get(size)
        old = before.get("mock_computed", {}).get(size) or old_cached
        if not old:
            continue
        tag = figures.size_label(int(size))
        add(
            f"{tag} filtered + sorted page, cache off, req/s",
            rps(old, "list"),
            rps(data, "list"),
            "",
        )
        add(f"{tag} filtered + sorted page, cache off, p99 under -c32", p99(old, "list"),
            p99(data, "list"), "ms")  # fmt: skip
        add(f"{tag} filtered + sorted page, cache off, one at a time", alone(old, "list"),
            alone(data, "list"), "ms")  # fmt: skip
        for kind in ("create", "patch"):
            add(f"{tag} {load.KIND_BY_NAME[kind].label}, cache off, req/s",
                rps(old_cached, kind), rps(data, kind), "")  # fmt: skip
        add(f"{tag} get by id, cache off, req/s", rps(old, "get"), rps(data, "get"), "")
        add(f"{tag} RSS after warm-up, cache off", rss(old), rss(data), "MiB")
    for size, data in after["mock"].items():
        old = before.get("mock", {}).get(size)
        if not old:
            continue
        tag = figures.size_label(int(size))
        old_cold = old.get("cold_start", {})
        new_cold = data.get("cold_start", {})
        # The code before measured its starts in a row: the first one of a size ever found
        # no fixture cache (the range's top), the others found it.
        samples = old_cold.get("samples_s") or []
        add(f"{tag} cold start, fixture cache filled (before: median of the later starts)",
            statistics.median(samples[1:]) if len(samples) > 1 else None,
            new_cold.get("median_s"), "s")  # fmt: skip
        add(f"{tag} cold start, fixture cache empty (before: the first start)",
            samples[0] if samples else None,
            data.get("cold_start_uncached", {}).get("median_s"), "s")  # fmt: skip
        for each in load.KINDS:
            add(f"{tag} {each.label}, req/s (cache on)", rps(old, each.name),
                rps(data, each.name), "")  # fmt: skip
    return rows


def _write(results: dict[str, Any], args: argparse.Namespace, run_dir: Path | None) -> None:
    if args.baseline:
        before = json.loads(args.baseline.read_text())
        results["baseline"] = {
            "path": str(args.baseline),
            "started": before.get("started"),
            "source": before.get("source", "not recorded"),
            "load_during": before.get("load_during", "not sampled"),
            "rows": _baseline_rows(before, results),
        }
    args.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=1) + "\n"
    (args.out / "benchmarks.json").write_text(text)
    if run_dir is not None:
        (run_dir / "benchmarks.json").write_text(text)
    plot_name: str | None = "benchmarks.png"
    try:
        plot.write(results, args.out / "benchmarks.png")
    except ImportError as exc:
        _log(f"no plot ({exc}): install matplotlib")
        plot_name = None
    notes = "profile-notes.md" if (args.out / "profile-notes.md").is_file() else None
    (args.out / "benchmarks.md").write_text(report.render(results, plot_name, notes))
    _log(f"wrote {args.out / 'benchmarks.md'}")
    for target in figures.targets(results):
        _log(f"  {target.verdict:<12} {target.name}: {target.measured}")


def main(argv: list[str] | None = None) -> int:
    args = _settings(_parser().parse_args(argv))
    if args.render_only:
        _write(json.loads(args.render_only.read_text()), args, None)
        return 0
    if load.available() is None:
        print("benchmarks: wrk not found (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    if not args.no_prism and not (ROOT / "node_modules" / ".bin" / "prism").exists():
        print("benchmarks: Prism not installed: run `npm ci` (or pass --no-prism)", file=sys.stderr)
        return 2
    if args.source:
        servers.use_source(args.source)
    started = time.perf_counter()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    run_dir = RESULTS / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_dir = run_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    body = load.create_body(datasets.CACHE / "create-body.json")
    _log(f"benchmark run, raw output in {run_dir}")
    results: dict[str, Any] = {
        "invocation": shlex.join(
            ["python", "-m", "benchmarks.run", *(argv if argv is not None else sys.argv[1:])]
        ),
        "started": stamp,
        "source": servers.describe_source(),
        "machine": machine.describe(),
        "load_before": machine.load_average(),
        "settings": {
            "sizes": args.sizes,
            "repeat": args.repeat,
            "duration": args.duration,
            "starts": args.starts,
            "uncached_starts": args.uncached_starts,
            "growth_sizes": args.growth_sizes,
            "warmup": args.warmup,
            "sequential": args.sequential,
            "slow_start_s": args.slow_start,
            "threads": load.THREADS,
            "connections": load.CONNECTIONS,
            "wrk_timeout_s": load.TIMEOUT_S,
            "quick": args.quick,
        },
        "kind_labels": {kind.name: kind.label for kind in load.KINDS},
        "growth_labels": {page.name: page.label for page in load.GROWTH},
        "datasets_seed": datasets.SEED,
        "datasets": {},
        "mock": {},
    }
    cache = datasets.CACHE
    results["commands"] = {
        "generate": [datasets.command(n, cache / str(n)) for n in args.sizes],
        "mock": servers.mock_command(0, cache / "SIZE"),
        "mock_computed": servers.mock_command(0, cache / "SIZE", servers.NO_CACHE),
        "prism": servers.prism_command(0),
        "wrk": [
            load.command(
                "http://127.0.0.1:PORT", kind, load.script_args(kind, 1000, body), args.duration
            )
            for kind in load.KINDS
        ],
    }

    for size in sorted({*args.sizes, *args.growth_sizes}):
        folder, took = datasets.ensure(size)
        results["datasets"][str(size)] = {"path": str(folder), "generated_s": took}
        _log(
            f"data set {size}: {folder}" + (f" generated in {took:.1f} s" if took else " (cached)")
        )

    with machine.LoadSampler() as sampler:
        if args.no_prism:
            results["prism"] = {}
        else:
            _log("Prism")
            results["prism"] = bench_server(
                "prism",
                servers.prism_command,
                [k for k in load.KINDS if k.comparable],
                0,
                args,
                body,
                log_dir,
                run_dir / "fixture-cache" / "prism",
            )

        # The reads again with the response cache off: what computing each answer costs.
        computed = servers.mock_has_option(servers.NO_CACHE)
        results["mock_computed"] = {}
        for size in args.sizes:
            _log(f"mock with {size} leads")
            folder = cache / str(size)
            # A fixture cache of this run's own, so that it decides which starts find the
            # checked set (not what a developer's ~/.cache holds).
            cache_root = run_dir / "fixture-cache" / str(size)
            results["mock"][str(size)] = bench_server(
                "mock",
                lambda port, folder=folder: servers.mock_command(port, folder),  # type: ignore[misc]
                list(load.KINDS),
                size,
                args,
                body,
                log_dir,
                cache_root,
                uncached=args.uncached_starts,
            )
            if computed:
                # Every kind again, computing each answer: what the targets judge.
                _log(f"mock with {size} leads, response cache off")
                results["mock_computed"][str(size)] = bench_server(
                    "mock-computed",
                    lambda port, folder=folder: servers.mock_command(  # type: ignore[misc]
                        port, folder, servers.NO_CACHE
                    ),
                    list(load.KINDS),
                    size,
                    args,
                    body,
                    log_dir,
                    cache_root,
                    starts=1,
                    growth=True,
                )
        results["growth_only"] = {}
        if computed:
            for size in args.growth_sizes:
                _log(f"mock with {size} leads, response cache off: the pages of the growth plot")
                cache_root = run_dir / "fixture-cache" / str(size)
                results["growth_only"][str(size)] = growth_only(size, args, log_dir, cache_root)

        results["conformance"] = _conformance(args, log_dir)
        results["commands"]["conformance"] = [
            suite_timing.command("http://127.0.0.1:PORT", profile, workers)
            for profile in args.profiles
            for workers in (1, 2)
        ]
    results["load_during"] = sampler.summary()
    results["load_after"] = machine.load_average()
    results["wall_s"] = time.perf_counter() - started
    _log(f"measured in {results['wall_s'] / 60:.1f} min")
    _write(results, args, run_dir)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
