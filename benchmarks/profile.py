"""`python -m benchmarks.profile`: where the mock's time goes, per request kind and at start-up.

Parts (`--parts`, default all):

- `live`: py-spy samples the running mock (`--gil`: only the thread holding the GIL, which is
  the work of this one-process server) while wrk drives one request kind.
- `cold`: py-spy records the mock from its spawn to the first good answer; cProfile runs
  `create_app` in a fresh process; `-X importtime` times the imports.
- `plain`: `LeadService.list_leads` called directly (no HTTP), its stages timed one by one,
  and cProfile of it for call counts.
- `gc`: the app in-process (httpx's ASGI transport, no server) answering gets and creates,
  with the garbage collector's pauses timed by `gc.callbacks`, per data size.
- `inproc`: each request kind, and each page of the growth plot, answered by the app
  in-process with the response cache off (an ASGI call, no server): median ms of many, and
  cProfile of as many again, per data size (`--inproc-sizes`).

Raw profiles and each part's figures go to `benchmarks/.profiles/` (py-spy raw stacks open in
speedscope or flamegraph.pl; `.prof` files in snakeviz or `python -m pstats`); `summary.md`
is rebuilt from whatever parts are there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import json
import os
import pstats
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from .measure import buckets, datasets, inprocess, load, servers

PROFILES = Path(__file__).resolve().parent / ".profiles"
PY_SPY = Path(sys.executable).parent / "py-spy"
PARTS = ("live", "cold", "plain", "gc", "inproc")
_PLAIN_LIST = {
    "filters": {"status": "prospect", "wishlist": {"locations": ["are.3"]}},
    "sort": "created",
    "sort_order": "DESC",
    "page": 1,
    "per_page": 20,
}
Run = dict[str, Any]


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _save(out: Path, part: str, runs: list[Run]) -> None:
    (out / f"{part}.json").write_text(json.dumps(runs, indent=1) + "\n")


def _load(out: Path, part: str) -> list[Run]:
    path = out / f"{part}.json"
    return list(json.loads(path.read_text())) if path.is_file() else []


# live: under load


def live(
    size: int, kinds: list[load.Kind], duration: int, rate: int, out: Path, list_connections: int
) -> list[Run]:
    folder, _ = datasets.ensure(size)
    port = servers.free_port()
    body = load.create_body(out / "create-body.json")
    found = []
    with servers.running(
        "mock", servers.mock_command(port, folder), port, out / f"mock-{size}.log", 900
    ) as server:
        base = f"http://{servers.HOST}:{port}"
        for kind in kinds:  # warm-up: first answers fill caches (matching counts, Connexion)
            if kind.comparable:
                load.run(base, kind, load.script_args(kind, size, body), 2)
                server.wait_idle()
        for kind in kinds:
            raw = out / f"live-{kind.name}-{size}.txt"
            spy = subprocess.Popen(
                [str(PY_SPY), "record", "--pid", str(server.popen.pid), "--gil", "--nonblocking",
                 "--rate", str(rate), "--duration", str(duration + 1), "--format", "raw",
                 "-o", str(raw)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(0.5)  # py-spy attached before the load starts, and stops after it
            connections = list_connections if kind.name == "list" else load.CONNECTIONS
            result = load.run(base, kind, load.script_args(kind, size, body), duration, connections)
            spy.wait(timeout=duration + 60)
            server.wait_idle()
            samples = buckets.read_raw(raw).samples
            window = samples / rate  # seconds of GIL-holding work sampled
            found.append(
                {
                    "name": f"{kind.label}, {size} leads, under wrk -c{connections}",
                    "file": raw.name,
                    "rps": result.rps,
                    "busy": window / duration,
                    "ms_per_request": 1000 * window / result.requests if result.requests else None,
                    "errors": result.failed,
                }
            )
            _log(f"  {kind.name} at {size}: {result.rps:.1f} req/s, GIL {window / duration:.0%}")
    return found


# cold: start-up


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def cold(size: int, rate: int, out: Path) -> Run:
    """py-spy from the spawn of the mock to its first 200; then the mock is stopped."""
    folder, _ = datasets.ensure(size)
    port = servers.free_port()
    raw = out / f"cold-{size}.txt"
    command = [
        str(PY_SPY), "record", "--nonblocking", "--rate", str(rate), "--format", "raw",
        "-o", str(raw), "--", *servers.mock_command(port, folder),
    ]  # fmt: skip
    server = servers.Server.spawn("py-spy mock", command, port, out / f"cold-{size}.log")
    try:
        ready = server.wait_ready(900)
        for child in _children(server.popen.pid):  # the mock, py-spy's child: py-spy then writes
            os.kill(child, signal.SIGTERM)
        server.popen.wait(timeout=120)
    finally:
        server.stop()
    _log(f"  cold start at {size}: {ready:.2f} s under py-spy")
    return {
        "name": f"cold start, {size} leads (spawn to first 200: {ready:.2f} s under py-spy)",
        "file": raw.name,
        "ready_s": ready,
    }


def _child_start_stages(folder: str) -> Run:
    """Start-up, one stage at a time, in this fresh interpreter (seconds)."""
    stages: dict[str, float] = {}
    started = time.perf_counter()
    import uvicorn  # noqa: F401

    from mock_server.api.store import LeadStore
    from mock_server.data.contract import Contract
    from mock_server.data.fixtures import load_fixtures
    from mock_server.http.app import create_app

    stages["imports (mock_server.http.app, uvicorn)"] = time.perf_counter() - started
    path = Path(folder) / "leads.json"
    mark = time.perf_counter()
    text = path.read_text(encoding="utf-8")
    stages["leads.json: read and decode"] = time.perf_counter() - mark
    mark = time.perf_counter()
    json.loads(text)
    stages["leads.json: json.loads"] = time.perf_counter() - mark
    del text
    mark = time.perf_counter()
    contract = Contract()
    stages["Contract() (YAML)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    fixtures = load_fixtures(Path(folder), contract)
    stages["load_fixtures (read, parse, validate, build records)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    LeadStore(fixtures.leads)
    stages["LeadStore(seed) (deepcopy of every lead)"] = time.perf_counter() - mark
    del fixtures
    gc.collect()
    mark = time.perf_counter()
    create_app(fixtures=Path(folder))
    whole = time.perf_counter() - mark
    stages["create_app, whole"] = whole
    parts = ("Contract() (YAML)", "load_fixtures (read, parse, validate, build records)",
             "LeadStore(seed) (deepcopy of every lead)")  # fmt: skip
    stages["create_app minus the three above (Connexion add_api, middleware)"] = whole - sum(
        stages[p] for p in parts
    )
    return stages


def start_stages(size: int, out: Path) -> Run:
    folder, _ = datasets.ensure(size)
    env = {**os.environ, "PYTHONPATH": str(servers.ROOT)}
    subprocess.run(
        [sys.executable, "-m", "benchmarks.profile", "--child-start-stages", str(folder),
         "--out", str(out)],
        cwd=servers.SOURCE.path, env=env, check=True, timeout=1800,
    )  # fmt: skip
    stages: dict[str, float] = json.loads((out / "start-stages.json").read_text())
    total = stages["imports (mock_server.http.app, uvicorn)"] + stages["create_app, whole"]
    _log(f"  start-up stages at {size}: imports + create_app {total:.1f} s")
    return {"size": size, "stages": stages}


def _child_create_app(folder: str) -> None:
    from mock_server.http.app import create_app

    create_app(fixtures=Path(folder))


def cprofile_create_app(size: int, out: Path) -> Run:
    """cProfile of imports + `create_app` in a fresh interpreter."""
    folder, _ = datasets.ensure(size)
    prof = out / f"create_app-{size}.prof"
    started = time.perf_counter()
    # The mock from the code under test (the working directory comes first on sys.path),
    # these benchmarks from this checkout.
    env = {**os.environ, "PYTHONPATH": str(servers.ROOT)}
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "benchmarks.profile",
         "--child-create-app", str(folder)],
        cwd=servers.SOURCE.path, env=env, check=True, timeout=900,
    )  # fmt: skip
    took = time.perf_counter() - started
    (out / f"create_app-{size}.txt").write_text(_pstats_text(prof, 35))
    return {"file": prof.name, "wall_s": took, "top": _cumulative_lines(prof)}


_START_UP = (
    ("create_app", "mock_server/http/app.py"),
    ("__init__", "mock_server/data/contract.py"),
    ("load_fixtures", "mock_server/data/fixtures.py"),
    ("_read", "mock_server/data/fixtures.py"),
    ("parse_leads", "mock_server/data/fixtures.py"),
    ("_check", "mock_server/data/fixtures.py"),
    ("lead_rule_errors", "mock_server/api/validation.py"),
    ("build_record", "mock_server/api/service.py"),
    ("__init__", "mock_server/api/store.py"),
    ("deepcopy", "copy.py"),
    ("add_api", "connexion/middleware/main.py"),
    ("safe_load", "yaml/__init__.py"),
    ("loads", "json/__init__.py"),
)


def _cumulative_lines(prof: Path) -> list[tuple[str, float, int]]:
    """Cumulative seconds and calls of the functions that matter at start-up."""
    stats: Any = pstats.Stats(str(prof))
    found = []
    for (file, _, func), (cc, _nc, _tt, ct, _callers) in stats.stats.items():
        for name, where in _START_UP:
            if func == name and file.endswith(where):
                found.append((f"{func} ({where})", ct, cc))
    return sorted(found, key=lambda row: -row[1])


def _pstats_text(prof: Path, limit: int) -> str:
    buffer = io.StringIO()
    stats = pstats.Stats(str(prof), stream=buffer)
    stats.strip_dirs().sort_stats("cumulative").print_stats(limit)
    stats.sort_stats("tottime").print_stats(limit)
    return buffer.getvalue()


def import_times() -> Run:
    """`python -X importtime`: own import time (ms) summed per top-level package."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import mock_server.http.app, uvicorn"],
        cwd=servers.SOURCE.path, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    totals: dict[str, float] = {}
    line_re = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)")
    for line in done.stderr.splitlines():
        match = line_re.match(line)
        if match:
            top = match.group(3).split(".")[0]
            totals[top] = totals.get(top, 0.0) + int(match.group(1)) / 1000
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    return {"total_ms": sum(totals.values()), "modules": len(totals), "top": ranked[:15]}


# plain: the list without HTTP


def plain_list(size: int, out: Path, repeat: int = 5) -> Run:
    """The stages of `list_leads` timed one by one on the service's own data, no HTTP."""
    from mock_server.api.filters import compile_filters
    from mock_server.api.listing import page_of, sort_leads
    from mock_server.api.rights import Principal
    from mock_server.api.service import ListQuery
    from mock_server.http.app import create_app

    folder, _ = datasets.ensure(size)
    app = create_app(fixtures=folder)
    state: Any = app.state
    service = state.service
    admin = state.fixtures.reference.tokens[load.TOKEN]
    who = Principal(user_id=admin.id, rights=admin.rights)
    query = ListQuery(**_PLAIN_LIST)  # type: ignore[arg-type]
    rights = service.terms.rights["list_leads"]
    stages: dict[str, list[float]] = {}

    def timed(name: str, func: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        value = func()
        stages.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return value

    visible: list[Any] = []
    for _ in range(repeat):
        timed("whole list_leads (service)", lambda: service.list_leads(who, query, expand=False))
        every = timed("store.all() (copy of the list)", service.store.all)
        keep = compile_filters(
            query.filters, service.reference, service.terms.channel_belongs,
            service.clock().date(),
        )  # fmt: skip
        visible = timed(
            "filter: rights + predicates over every lead",
            partial(_visible, every, who, rights.other, keep),
        )
        key = service._sort_keys[query.sort]
        ordered = timed("sort_leads (by id, then by key)", partial(sort_leads, visible, key, True))
        page = page_of(ordered, 1, 20)
        rendered = timed("render 20 leads", partial(_render, service.renderer, page))
        timed("json.dumps of the page", partial(json.dumps, rendered))
    prof = out / f"list-service-{size}.prof"
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        service.list_leads(who, query, expand=False)
    profiler.disable()
    profiler.dump_stats(str(prof))
    (out / f"list-service-{size}.txt").write_text(_pstats_text(prof, 30))
    return {
        "size": size,
        "matched": len(visible),
        "stages": {name: statistics.median(values) for name, values in stages.items()},
        "file": prof.name,
        "calls": _call_counts(prof, repeat),
    }


def in_process(size: int, out: Path, repeat: int) -> Run:
    """Each kind of request through the whole app, in this process, response cache off."""
    from mock_server.http.app import create_app

    folder, _ = datasets.ensure(size)
    gc.disable()  # as `leads-mock` loads: create_app collects and freezes when done
    try:
        app = create_app(fixtures=folder, response_cache=False)
    finally:
        gc.enable()
    body = load.create_body(datasets.CACHE / "create-body.json").read_bytes()
    statuses = ("prospect", "qualified", "calledNoReply")

    def patch(i: int) -> inprocess.Request:
        value = statuses[i % len(statuses)]
        ops = {"operations": [{"op": "replace", "path": "/status", "value": value}]}
        return "PATCH", f"/leads/{i % size + 1}", json.dumps(ops).encode()

    requests: dict[str, Callable[[int], inprocess.Request]] = {
        "get": lambda i: ("GET", load.GET_PATH, b""),
        "list": lambda i: ("GET", load.LIST_PATH, b""),
        **{
            f"page, {page.name}": (lambda i, path=page.path: ("GET", path, b""))  # type: ignore[misc]
            for page in load.GROWTH
        },
        "patch": patch,
        "create": lambda i: ("POST", "/leads", body),
    }
    found: dict[str, Any] = {}
    for name, request in requests.items():
        count = max(5, repeat // 50) if name == "page, scanning" else repeat
        prof = out / f"inproc-{name.replace(', ', '-')}-{size}.prof"
        found[name] = {**inprocess.timed(app, request, count, prof), "file": prof.name}
        _log(f"  inproc {size} {name}: {found[name]['median_ms']:.3f} ms")
    return {"size": size, "requests": found}


def _visible(every: list[Any], who: Any, other: str, keep: Callable[[Any], bool]) -> list[Any]:
    # What LeadService.list_leads keeps, as a list.
    return [lead for lead in every if who.may_touch(lead["user"], other) and keep(lead)]


def _render(renderer: Any, page: list[Any]) -> list[Any]:
    return [renderer.lead(lead, expand=False) for lead in page]


def _call_counts(prof: Path, repeat: int) -> list[tuple[str, float, float]]:
    """Per call of list_leads: calls and own milliseconds of the busiest functions."""
    stats: Any = pstats.Stats(str(prof))
    rows = []
    for (file, line, func), (cc, _nc, tt, _ct, _callers) in stats.stats.items():
        short = file.split("/site-packages/")[-1].replace(f"{servers.SOURCE.path}/", "")
        rows.append((f"{func} ({short}:{line})", cc / repeat, tt / repeat * 1000))
    return sorted(rows, key=lambda row: -row[2])[:15]


# gc: the collector's pauses


class _Pauses:
    def __init__(self) -> None:
        self.by_generation: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.by_generation[info["generation"]].append(time.perf_counter() - self._started)


def gc_pauses(size: int, gets: int, creates: int, concurrency: int) -> Run:
    """Requests through the whole app in-process, `concurrency` at a time (the sync handlers
    then run in the thread pool, as under wrk), with the collector's pauses timed."""
    import httpx

    from mock_server.http.app import create_app

    folder, _ = datasets.ensure(size)
    app = create_app(fixtures=folder)
    body = json.loads(load.create_body(PROFILES / "create-body.json").read_text())
    headers = {"Authorization": f"Bearer {load.TOKEN}"}
    gc.collect()
    figures: Run = {"size": size, "tracked_objects": len(gc.get_objects())}
    started = time.perf_counter()
    gc.collect()
    figures["full_collection_ms"] = (time.perf_counter() - started) * 1000

    async def drive() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            for _ in range(20):
                await client.get("/leads/1", headers=headers)
            for name, count, send in (
                ("get", gets, lambda: client.get("/leads/1", headers=headers)),
                ("create", creates, lambda: client.post("/leads", json=body, headers=headers)),
            ):

                async def worker(share: int, send: Callable[[], Any] = send) -> None:
                    for _ in range(share):
                        response = await send()
                        if response.status_code >= 300:
                            raise RuntimeError(f"{response.status_code} {response.text}")

                pauses = _Pauses()
                gc.callbacks.append(pauses)
                started = time.perf_counter()
                try:
                    await asyncio.gather(
                        *(worker(count // concurrency) for _ in range(concurrency))
                    )
                finally:
                    wall = time.perf_counter() - started
                    gc.callbacks.remove(pauses)
                done = count // concurrency * concurrency
                total = sum(sum(p) for p in pauses.by_generation.values())
                figures[name] = {
                    "requests": done,
                    "ms_per_request": 1000 * wall / done,
                    "gc_ms_per_request": 1000 * total / done,
                    "gc_share": total / wall,
                    "collections": {g: len(p) for g, p in pauses.by_generation.items()},
                    "gen2_max_ms": 1000 * max(pauses.by_generation[2], default=0.0),
                }

    asyncio.run(drive())
    return figures


def gc_in_child(size: int, out: Path, counts: tuple[int, int, int]) -> Run:
    """`gc_pauses` in a fresh interpreter, so that no other data set sits in memory."""
    env = {**os.environ, "PYTHONPATH": str(servers.ROOT)}
    result = out / f"gc-{size}.json"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.profile", "--child-gc", str(size), "--out", str(out),
         "--gc-gets", str(counts[0]), "--gc-creates", str(counts[1]),
         "--gc-concurrency", str(counts[2])],
        cwd=servers.SOURCE.path, env=env, check=True, timeout=1800,
    )  # fmt: skip
    figures: Run = json.loads(result.read_text())
    _log(f"  gc at {size}: " + json.dumps({k: figures[k] for k in ("get", "create")}))
    return figures


# Summary


def _profile_section(run: Run, out: Path) -> list[str]:
    if not (out / run["file"]).is_file():
        return [f"## {run['name']}", "", f"`{run['file']}` is missing.", ""]
    profile = buckets.read_raw(out / run["file"])
    per_request = run.get("ms_per_request")
    lines = [f"## {run['name']}", "", f"Raw stacks: `{run['file']}`, {profile.samples} samples."]
    if "rps" in run:
        lines.append(
            f"{run['rps']:.1f} req/s while sampled; the GIL was held {run['busy']:.0%} of the time"
            + (
                f": {per_request:.2f} ms of Python work per request."
                if per_request is not None
                else "; no request completed in the window."
            )
        )
    lines += ["", "| share | ms/request | category |", "|---:|---:|---|"]
    for name, count in profile.by_category.most_common():
        share = count / profile.samples
        ms = f"{share * per_request:.2f}" if per_request is not None else ""
        lines.append(f"| {share:.1%} | {ms} | {name} |")
    for title, counter in (
        ("Our code's own time (with the standard library it calls)", profile.by_our_frame),
        ("Innermost library frames (Connexion, Starlette, uvicorn, jsonschema, anyio)",
         profile.by_library_frame),
        ("Leaf frames (where the interpreter was)", profile.by_leaf),
    ):  # fmt: skip
        lines += ["", f"{title}:", ""]
        lines += [f"- {c / profile.samples:.1%} {frame}" for frame, c in counter.most_common(8)]
    return [*lines, ""]


def summary(out: Path) -> str:
    source = out / "source.txt"
    lines = [
        "# Profiles (generated by `python -m benchmarks.profile`)",
        "",
        f"Code under test: {source.read_text().strip() if source.is_file() else 'not recorded'}.",
        "",
    ]
    for run in _load(out, "live") + _load(out, "cold"):
        lines += _profile_section(run, out)
    for create in _load(out, "create_app"):
        title = f"cProfile of imports + create_app ({create['file']}): {create['wall_s']:.2f} s"
        lines += [f"## {title}", "", "| cumulative s | calls | function |", "|---:|---:|---|"]
        lines += [f"| {ct:.3f} | {cc} | {name} |" for name, ct, cc in create["top"]]
        lines += [""]
    for start in _load(out, "start_stages"):
        lines += [f"## Start-up at {start['size']} leads, stage by stage (no profiler)", "",
                  "| s | stage |", "|---:|---|"]  # fmt: skip
        lines += [f"| {sec:.2f} | {name} |" for name, sec in start["stages"].items()]
        lines += ["", "The two `leads.json` lines are also inside `load_fixtures`.", ""]
    for imports in _load(out, "imports"):
        lines += [
            f"## Imports (`-X importtime`): {imports['total_ms']:.0f} ms over "
            f"{imports['modules']} top-level packages; own ms of the first 15:",
            "",
        ]
        lines += [f"- {ms:.0f} ms {name}" for name, ms in imports["top"]]
        lines += [""]
    for plain in _load(out, "plain"):
        title = f"`list_leads` in plain Python at {plain['size']} leads ({plain['matched']} match)"
        lines += [f"## {title}", "", "| median ms | stage |", "|---:|---|"]
        lines += [f"| {ms:.1f} | {name} |" for name, ms in plain["stages"].items()]
        lines += ["", f"cProfile ({plain['file']}), per call of list_leads:", "",
                  "| calls | own ms | function |", "|---:|---:|---|"]  # fmt: skip
        lines += [f"| {calls:,.0f} | {ms:.1f} | {name} |" for name, calls, ms in plain["calls"]]
        lines += [""]
    pauses = _load(out, "gc")
    if pauses:
        lines += [
            "## Garbage collection (the app in-process, 32 requests at a time, `gc.callbacks`)",
            "",
            "| leads | tracked objects | full collection ms | request | ms/request | "
            "GC ms/request | GC share | collections gen 0/1/2 | longest gen-2 pause ms |",
            "|---:|---:|---:|---|---:|---:|---:|---|---:|",
        ]
        for row in pauses:
            for name in ("get", "create"):
                r = row[name]
                counts = "/".join(str(r["collections"][str(g)]) for g in range(3))
                lines.append(
                    f"| {row['size']:,} | {row['tracked_objects']:,} | "
                    f"{row['full_collection_ms']:.0f} | {name} ({r['requests']}) | "
                    f"{r['ms_per_request']:.2f} | {r['gc_ms_per_request']:.2f} | "
                    f"{r['gc_share']:.0%} | {counts} | {r['gen2_max_ms']:.0f} |"
                )
        lines += [""]
    inproc = _load(out, "inproc")
    if inproc:
        names = list(inproc[0]["requests"])
        lines += [
            "## Each request in-process, response cache off (median ms; cProfile in the files)",
            "",
            "| request | " + " | ".join(f"{r['size']:,} leads" for r in inproc) + " |",
            "|---|" + "---:|" * len(inproc),
        ]
        for name in names:
            cells = [f"{r['requests'][name]['median_ms']:.3f}" for r in inproc]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines += [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument(
        "--parts", default=",".join(PARTS), help="comma-separated, of " + ", ".join(PARTS)
    )
    parser.add_argument("--sizes", default="10000,100000", help="data sizes of `live`")
    parser.add_argument("--kinds", default="get,list,create,patch")
    parser.add_argument("--cold-size", type=int, default=10000)
    parser.add_argument("--plain-size", type=int, default=100000)
    parser.add_argument("--gc-sizes", default="1000,10000,100000")
    parser.add_argument("--inproc-sizes", default="1000,10000,100000")
    parser.add_argument("--inproc-repeat", type=int, default=300)
    parser.add_argument("--duration", type=int, default=15, help="seconds per kind")
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument(
        "--list-connections",
        type=int,
        default=1,
        help="wrk connections for the list (default 1: at 32, a 100k list answers nothing "
        "in the window, and the cost per request is what matters)",
    )
    parser.add_argument("--out", type=Path, default=PROFILES)
    parser.add_argument(
        "--source", type=Path, help="profile the mock of another checkout (default this one)"
    )
    parser.add_argument("--child-create-app", help=argparse.SUPPRESS)
    parser.add_argument("--child-gc", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-start-stages", help=argparse.SUPPRESS)
    parser.add_argument("--gc-gets", type=int, default=3200)
    parser.add_argument("--gc-creates", type=int, default=1600)
    parser.add_argument("--gc-concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    if args.child_create_app:
        _child_create_app(args.child_create_app)
        return 0
    if args.child_start_stages:
        stages = _child_start_stages(args.child_start_stages)
        (args.out / "start-stages.json").write_text(json.dumps(stages))
        return 0
    if args.child_gc:
        figures = gc_pauses(args.child_gc, args.gc_gets, args.gc_creates, args.gc_concurrency)
        (args.out / f"gc-{args.child_gc}.json").write_text(json.dumps(figures))
        return 0
    parts = [p for p in args.parts.split(",") if p]
    if set(parts) - set(PARTS):
        parser.error(f"--parts: choose among {', '.join(PARTS)}")
    if {"live", "cold"} & set(parts) and not PY_SPY.exists():
        print(f"benchmarks: {PY_SPY} missing: pip install py-spy", file=sys.stderr)
        return 2
    if args.source:
        servers.use_source(args.source)
        sys.path.insert(0, str(servers.SOURCE.path))  # for the in-process parts
    out: Path = args.out.resolve()  # subprocesses run where the code under test is
    out.mkdir(parents=True, exist_ok=True)
    (out / "source.txt").write_text(servers.describe_source() + "\n")
    if "live" in parts:
        kinds = [load.KIND_BY_NAME[name] for name in args.kinds.split(",") if name]
        runs = []
        for size in [int(s) for s in args.sizes.split(",") if s]:
            _log(f"live: {size} leads")
            runs += live(size, kinds, args.duration, args.rate, out, args.list_connections)
        _save(out, "live", runs)
    if "cold" in parts:
        _log(f"cold: {args.cold_size} leads")
        _save(out, "cold", [cold(args.cold_size, 500, out)])
        _save(out, "create_app", [cprofile_create_app(args.cold_size, out)])
        _save(out, "imports", [import_times()])
        _save(out, "start_stages", [start_stages(args.cold_size, out)])
    if "plain" in parts:
        _log(f"plain: list_leads at {args.plain_size} leads")
        _save(out, "plain", [plain_list(args.plain_size, out)])
    if "gc" in parts:
        found = []
        for size in [int(s) for s in args.gc_sizes.split(",") if s]:
            _log(f"gc: {size} leads")
            counts = (args.gc_gets, args.gc_creates, args.gc_concurrency)
            found.append(gc_in_child(size, out, counts))
        _save(out, "gc", found)
    if "inproc" in parts:
        found = []
        for size in [int(s) for s in args.inproc_sizes.split(",") if s]:
            _log(f"inproc: {size} leads")
            found.append(in_process(size, out, args.inproc_repeat))
        _save(out, "inproc", found)
    (out / "summary.md").write_text(summary(out))
    _log(f"wrote {out / 'summary.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
