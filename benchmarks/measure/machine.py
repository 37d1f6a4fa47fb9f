"""What the figures were measured on: the machine, its load, and the versions of the tools."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

from .servers import ROOT

PACKAGES = ("connexion", "uvicorn", "starlette", "jsonschema", "pytest-xdist", "matplotlib")


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({type(exc).__name__})"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else f"unavailable (exit {done.returncode})"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def _memory() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _os() -> str:
    release = Path("/etc/os-release")
    name = platform.system()
    if release.is_file():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                name = line.partition("=")[2].strip('"')
    return f"{name}, kernel {platform.release()}"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class LoadSampler:
    """The 1-minute load average every `every_s` seconds while the run lasts: what else ran."""

    def __init__(self, every_s: float = 15.0) -> None:
        self.samples: list[float] = []
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.samples.append(float(load_average().split()[0]))
            self._stop.wait(self._every)

    def summary(self) -> str:
        if not self.samples:
            return "not sampled"
        return (
            f"median {statistics.median(self.samples):.2f}, max {max(self.samples):.2f} "
            f"({len(self.samples)} samples, every {self._every:g} s)"
        )


def describe() -> dict[str, Any]:
    versions = {"Python": sys.version.split()[0]}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    versions["wrk"] = _first_line(["wrk", "-v"]).split(" [")[0]
    versions["node"] = _first_line(["node", "--version"])
    versions["Prism"] = _first_line(["npx", "prism", "--version"])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "memory": _memory(),
        "os": _os(),
        "versions": versions,
    }
