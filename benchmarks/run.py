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
    p.add_argument("--starts", type=int, help="cold starts per size (default 3)")
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
) -> tuple[servers.Server, dict[str, Any]]:
    """Starts the server up to `starts` times; the last one is left running for the load."""
    samples: list[float] = []
    server: servers.Server | None = None
    for attempt in range(starts):
        if server is not None:
            server.stop()
        port = servers.free_port()
        log = log_dir / f"{name}-{attempt}.log"
        server = servers.Server.spawn(name, command(port), port, log, cwd)
        try:
            samples.append(server.wait_ready(args.start_timeout))
        except BaseException:
            server.stop()
            raise
        _log(f"  {name}: cold start {samples[-1]:.2f} s")
        if samples[-1] > args.slow_start:
            break
    assert server is not None
    cold = {"samples_s": samples, "median_s": statistics.median(samples), "n": len(samples)}
    return server, cold


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
    starts: int | None = None,
) -> dict[str, Any]:
    # Prism serves this checkout's contract; the mock is the code under test (--source).
    cwd = ROOT if name == "prism" else servers.SOURCE.path
    server, cold = _cold_starts(name, command, args, log_dir, cwd, starts or args.starts)
    data: dict[str, Any] = {"cold_start": cold}
    try:
        data["memory_ready"] = server.memory_kib()
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
        data["kinds"] = _measure_kinds(server, kinds, size, body, args)
        data["memory_after"] = server.memory_kib()
        if name.startswith("mock"):
            data["leads_after"] = servers.health(server.port).get("leads")
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
    rows = []

    def add(label: str, old: float | None, new: float | None, unit: str) -> None:
        if old is None or new is None or not old:
            return
        suffix = f" {unit}" if unit else ""
        rows.append(
            [label, report.number(old) + suffix, report.number(new) + suffix, f"x{new / old:.3g}"]
        )

    # The code before had no response cache: its reads compare with the computed ones too.
    for size, data in after.get("mock_computed", {}).items():
        old = before.get("mock", {}).get(size)
        if not old:
            continue
        tag = figures.size_label(int(size))
        for name in ("get", "list"):
            label = load.KIND_BY_NAME[name].label
            add(
                f"{tag} {label}, cache off, req/s",
                old.get("kinds", {}).get(name, {}).get("median", {}).get("rps"),
                data.get("kinds", {}).get(name, {}).get("median", {}).get("rps"),
                "",
            )
            add(
                f"{tag} {label}, cache off, one at a time",
                old.get("sequential", {}).get(name, {}).get("median_ms"),
                data.get("sequential", {}).get(name, {}).get("median_ms"),
                "ms",
            )
    for size, data in after["mock"].items():
        old = before.get("mock", {}).get(size)
        if not old:
            continue
        tag = figures.size_label(int(size))
        for kind in load.KINDS:
            add(
                f"{tag} {kind.label}, req/s",
                old.get("kinds", {}).get(kind.name, {}).get("median", {}).get("rps"),
                data.get("kinds", {}).get(kind.name, {}).get("median", {}).get("rps"),
                "",
            )
        for name in ("list", "get"):
            add(
                f"{tag} {load.KIND_BY_NAME[name].label}, one at a time",
                old.get("sequential", {}).get(name, {}).get("median_ms"),
                data.get("sequential", {}).get(name, {}).get("median_ms"),
                "ms",
            )
        add(
            f"{tag} cold start",
            old.get("cold_start", {}).get("median_s"),
            data.get("cold_start", {}).get("median_s"),
            "s",
        )
        add(
            f"{tag} RSS after warm-up",
            old.get("memory_warm", {}).get("VmRSS", 0) / 1024 or None,
            data.get("memory_warm", {}).get("VmRSS", 0) / 1024 or None,
            "MiB",
        )
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
            "warmup": args.warmup,
            "sequential": args.sequential,
            "slow_start_s": args.slow_start,
            "threads": load.THREADS,
            "connections": load.CONNECTIONS,
            "wrk_timeout_s": load.TIMEOUT_S,
            "quick": args.quick,
        },
        "kind_labels": {kind.name: kind.label for kind in load.KINDS},
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

    for size in args.sizes:
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
            )

        # The reads again with the response cache off: what computing each answer costs.
        computed = servers.mock_has_option(servers.NO_CACHE)
        results["mock_computed"] = {}
        for size in args.sizes:
            _log(f"mock with {size} leads")
            folder = cache / str(size)
            results["mock"][str(size)] = bench_server(
                "mock",
                lambda port, folder=folder: servers.mock_command(port, folder),  # type: ignore[misc]
                list(load.KINDS),
                size,
                args,
                body,
                log_dir,
            )
            if computed:
                _log(f"mock with {size} leads, response cache off")
                results["mock_computed"][str(size)] = bench_server(
                    "mock-computed",
                    lambda port, folder=folder: servers.mock_command(  # type: ignore[misc]
                        port, folder, servers.NO_CACHE
                    ),
                    [k for k in load.KINDS if k.comparable],
                    size,
                    args,
                    body,
                    log_dir,
                    starts=1,
                )

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
