"""The load generator: wrk at a fixed concurrency, one request kind per run, and its figures."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

LUA = Path(__file__).resolve().parent / "lua"
SPEC = Path(__file__).resolve().parents[2] / "openapi" / "leads.yaml"
TOKEN = "admin-token"
THREADS = 2
CONNECTIONS = 32
# wrk's default (2 s) would drop the slow answers of a large list from the latency figures
# and count them as errors; a closed loop of 32 connections queues that long and more.
TIMEOUT_S = 60

_BENCH_LINE = re.compile(r"^BENCH-JSON (\{.*\})$", re.MULTILINE)
_RPS_LINE = re.compile(r"^Requests/sec:\s+([0-9.]+)", re.MULTILINE)

# The filtered + sorted page of the issue; brackets percent-encoded as a client would send them.
LIST_QUERY = {
    "filters[status]": "prospect",
    "filters[wishlist][locations]": "are.3",
    "sort": "created",
    "sort_order": "DESC",
    "per_page": "20",
}
LIST_PATH = "/leads?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in LIST_QUERY.items())
GET_PATH = "/leads/1"


def _page(filters: dict[str, str]) -> str:
    query = {**filters, "sort": "created", "sort_order": "DESC", "per_page": "20"}
    return "/leads?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())


@dataclass(frozen=True)
class Growth:
    """A page whose cost against the data size the report plots (one request at a time)."""

    name: str
    label: str
    path: str


# The same sorted page with an indexed filter (the page above), a filter every candidate is
# checked against (`filters[query]`: 3% of the leads match `ali`), and no filter.
GROWTH = (
    Growth("indexed", "indexed filter (status, wishlist location)", LIST_PATH),
    Growth("scanning", "scanning filter (filters[query]=ali)", _page({"filters[query]": "ali"})),
    Growth("none", "no filter", _page({})),
)


@dataclass(frozen=True)
class Kind:
    """One request kind: how wrk sends it, and whether Prism can answer it comparably."""

    name: str
    label: str
    method: str
    path: str
    script: str
    comparable: bool  # Prism is stateless: only reads answer the same question


KINDS = (
    Kind("get", "get by id", "GET", GET_PATH, "get.lua", True),
    Kind("list", "filtered + sorted page", "GET", LIST_PATH, "get.lua", True),
    Kind("patch", "patch status", "PATCH", "/leads/{1..N}", "patch.lua", False),
    Kind("create", "create", "POST", "/leads", "create.lua", False),
)
KIND_BY_NAME = {kind.name: kind for kind in KINDS}


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: dict[str, int]  # connect, read, write, status (non-2xx/3xx), timeout

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def create_body(path: Path) -> Path:
    """The contract's `components.examples.LeadWrite`, written as the body of every create."""
    import yaml

    with SPEC.open(encoding="utf-8") as fh:
        example = yaml.safe_load(fh)["components"]["examples"]["LeadWrite"]["value"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(example))
    return path


def script_args(kind: Kind, size: int, body: Path) -> list[str]:
    """What the kind's Lua script takes after `--`: the token, then the body or the id range."""
    if kind.name == "create":
        return [TOKEN, str(body)]
    if kind.name == "patch":
        return [TOKEN, str(size)]
    return [TOKEN]


def available() -> str | None:
    return shutil.which("wrk")


def command(
    base_url: str,
    kind: Kind,
    script_args: list[str],
    duration_s: float,
    connections: int = CONNECTIONS,
) -> list[str]:
    """wrk's command line; wrk takes whole seconds."""
    path = "/leads/1" if kind.name == "patch" else kind.path  # patch.lua picks its own paths
    threads = min(THREADS, connections)
    return [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration_s))}s", "--latency",
        f"--timeout={TIMEOUT_S}s", "-s", str(LUA / kind.script), base_url + path,
        "--", *script_args,
    ]  # fmt: skip


def parse(output: str) -> WrkResult:
    """The figures of one wrk run, from the line `lua/common.lua` prints when done."""
    match = _BENCH_LINE.search(output)
    if match is None:
        raise ValueError(f"no BENCH-JSON line in wrk's output:\n{output[-2000:]}")
    raw = json.loads(match.group(1))
    duration_s = raw["duration_us"] / 1e6
    rps_line = _RPS_LINE.search(output)
    rps = float(rps_line.group(1)) if rps_line else raw["requests"] / duration_s
    return WrkResult(
        requests=raw["requests"],
        duration_s=duration_s,
        rps=rps,
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        mean_ms=raw["mean_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors={k: raw[k] for k in ("connect", "read", "write", "status", "timeout")},
    )


def run(
    base_url: str,
    kind: Kind,
    script_args: list[str],
    duration_s: float,
    connections: int = CONNECTIONS,
) -> WrkResult:
    cmd = command(base_url, kind, script_args, duration_s, connections)
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration_s + TIMEOUT_S + 30, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr[-2000:]}")
    return parse(done.stdout)
