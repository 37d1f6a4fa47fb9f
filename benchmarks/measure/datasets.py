"""The benchmark's fixture sets, generated once by `fixtures/generate.py` and cached."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "benchmarks" / ".data"  # as the README and `make clean` say
SEED = 1
# Written last: a folder without it is an interrupted generation and is made again.
_MARKER = "benchmark-dataset.json"


def command(size: int, out: Path, seed: int = SEED) -> list[str]:
    return [
        sys.executable, "-m", "leads_fixtures.generate",
        "--seed", str(seed), "--count", str(size), "--out", str(out),
    ]  # fmt: skip


def ensure(size: int, cache: Path = CACHE, seed: int = SEED) -> tuple[Path, float | None]:
    """The folder of the set of `size` leads, and the seconds its generation took (None: cached)."""
    out = cache / str(size)
    marker = out / _MARKER
    if marker.is_file() and json.loads(marker.read_text()) == {"seed": seed, "count": size}:
        return out, None
    if out.exists():
        shutil.rmtree(out)
    started = time.perf_counter()
    subprocess.run(command(size, out, seed), cwd=ROOT, check=True, timeout=1800)
    took = time.perf_counter() - started
    marker.write_text(json.dumps({"seed": seed, "count": size}))
    return out, took
