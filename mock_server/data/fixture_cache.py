"""A cache of validated, parsed fixture sets, so that a restart with unchanged fixtures skips
parsing and checking them (five times faster at 10k leads).

An entry is used only when it was made from the same bytes: its key hashes every fixture
file, the contract, the mock's source and the versions of what shapes the result (Python,
jsonschema-rs, orjson). One entry per fixture folder, replaced when stale. The folder is the
user's own (mode 0700) since entries are pickles; an entry that cannot be read, is stale or
cannot be written is ignored: the set is then loaded and checked as without a cache.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

# The whole package: the parsed records' shape is decided in `api` as much as here.
_SOURCE = Path(__file__).resolve().parents[1]
_LIBRARIES = ("jsonschema-rs", "orjson")


def default_dir() -> Path:
    """`$XDG_CACHE_HOME/leads-mock`, else `~/.cache/leads-mock`."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "leads-mock"


def key(files: list[Path], contract: Path) -> str | None:
    """What the parsed set depends on, hashed; None when a file cannot be read (the loader
    then reports it)."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("python", sys.version.encode())
    for name in _LIBRARIES:
        try:
            add(name, metadata.version(name).encode())
        except metadata.PackageNotFoundError:
            add(name, b"?")
    try:
        for path in sorted(_SOURCE.rglob("*.py")):
            add(f"source {path.relative_to(_SOURCE)}", path.read_bytes())
        add("contract", contract.read_bytes())
        for path in files:
            add(f"fixture {path}", path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def _entry(cache_dir: Path, folder: Path) -> Path:
    name = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:32]
    return cache_dir / f"{name}.pickle"


def _private(cache_dir: Path) -> bool:
    """Whether only this user can write entries there: a pickle from anyone else could run
    code when read."""
    try:
        info = cache_dir.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & 0o077


def read(cache_dir: Path, folder: Path, wanted: str) -> Any | None:
    """The object stored for `folder` under the key `wanted`, or None."""
    if not _private(cache_dir):
        return None
    try:
        with _entry(cache_dir, folder).open("rb") as fh:
            if fh.readline().rstrip(b"\n") != wanted.encode():
                return None
            return pickle.load(fh)
    except Exception:  # a missing, truncated or corrupt entry is a miss, whatever broke
        return None


def write(cache_dir: Path, folder: Path, stored: str, value: Any) -> None:
    """Stores `value` for `folder` under the key `stored`, atomically; gives up silently."""
    try:
        cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(cache_dir):
            return
        handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")  # mode 0600
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(stored.encode() + b"\n")
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, _entry(cache_dir, folder))
    except Exception:  # a full disk or an unpicklable value: no entry, nothing else
        Path(temporary).unlink(missing_ok=True)
