"""Running the suite with pytest-xdist: which tests may share the server, and a lock for those
that may not.

Most tests read and write only leads their worker created (each worker has its own run tag),
so workers run them side by side. A few read every lead of the server over several pages
(totals, the order across pages, filtered counts): another worker's write between two pages
would break them with the server not at fault. Those carry the `exclusive` marker. Every test
holds the server lock shared, an exclusive one holds it alone; a gate taken before either keeps
a waiting exclusive test from being starved by the other workers' stream of shared holders.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

import pytest

EXCLUSIVE = "exclusive"
# Key of the controller's workerinput entry naming the lock's directory.
LOCK_DIR_INPUT = "leads_lock_dir"


def worker_count(config: pytest.Config) -> int:
    """How many pytest-xdist workers run the suite: 1 when this process runs it alone."""
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    return int(workerinput.get("workercount", 1)) if workerinput is not None else 1


def is_exclusive(item: pytest.Item | None) -> bool:
    return item is not None and item.get_closest_marker(EXCLUSIVE) is not None


class ServerLock:
    """A readers-writer lock between the workers of one run, on two files (POSIX `flock`)."""

    def __init__(self, directory: Path) -> None:
        import fcntl  # POSIX only: imported here so that serial runs need nothing of it

        self._fcntl = fcntl
        self._gate: IO[bytes] = (directory / "gate").open("ab")
        self._lock: IO[bytes] = (directory / "server").open("ab")
        self._held: int | None = None

    def acquire(self, exclusive: bool) -> None:
        mode = self._fcntl.LOCK_EX if exclusive else self._fcntl.LOCK_SH
        if self._held == mode:
            return
        self.release()
        self._fcntl.flock(self._gate, self._fcntl.LOCK_EX)
        try:
            self._fcntl.flock(self._lock, mode)
        finally:
            self._fcntl.flock(self._gate, self._fcntl.LOCK_UN)
        self._held = mode

    def release(self) -> None:
        if self._held is not None:
            self._fcntl.flock(self._lock, self._fcntl.LOCK_UN)
            self._held = None

    def close(self) -> None:
        self.release()
        self._gate.close()
        self._lock.close()


def make_lock_dir() -> Path:
    """On the controller: the directory of the run's lock files, handed to every worker."""
    try:
        import fcntl  # noqa: F401
    except ImportError:
        raise pytest.UsageError(
            "running the conformance suite with -n needs POSIX file locks (fcntl); "
            "run it without -n on this system"
        ) from None
    return Path(tempfile.mkdtemp(prefix="leads-conformance-"))


def remove_lock_dir(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
