"""Where a sampled stack's time goes: one category per stack.

Two passes. First, subsystems that never wrap a whole request (our filters, the JSON
encoder, validation...): the stack belongs to the first of them found anywhere in it. Then,
for the rest, the innermost frame that names a layer (our service, routing, a middleware, the
HTTP server, the event loop) decides, since outer frames of every request are wrappers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Frames = Sequence[str]


def _any(*needles: str) -> Callable[[Frames], bool]:
    return lambda frames: any(n in f for f in frames for n in needles)


def _both(first: str, second: str) -> Callable[[Frames], bool]:
    return lambda frames: _any(first)(frames) and _any(second)(frames)


ANYWHERE: tuple[tuple[str, Callable[[Frames], bool]], ...] = (
    ("imports", _any("<frozen importlib._bootstrap")),
    ("fixtures: JSON parsing", _both("mock_server/data/fixtures.py", "json/")),
    ("fixtures: reading files (read_text, UTF-8)", _any("_read (mock_server/data/fixtures.py")),
    ("fixtures: schema validation", _any("_check (mock_server/data/fixtures.py")),
    (
        "fixtures: rules (validation.py)",
        _both("mock_server/data/fixtures.py", "mock_server/api/validation.py"),
    ),
    ("fixtures: records", _any("mock_server/data/fixtures.py")),
    ("store: deepcopy of leads", _both("mock_server/api/store.py", "copy.py")),
    ("contract loading (contract.py)", _any("mock_server/data/contract.py")),
    ("Connexion: loading the spec", _any("add_api (connexion/", "connexion/spec.py")),
    ("JSON encoding of the response", _any("json/encoder.py", "dumps (json/__init__.py")),
    ("filtering (filters.py)", _any("mock_server/api/filters.py")),
    ("sorting + paging (listing.py)", _any("mock_server/api/listing.py")),
    (
        "rendering (render.py, matching.py)",
        _any("mock_server/api/render.py", "mock_server/api/matching.py"),
    ),
    ("query-string parser (query.py)", _any("mock_server/http/query.py")),
    (
        "request validation (validators.py, Connexion, jsonschema)",
        _any("mock_server/http/validators.py", "connexion/validators/", "jsonschema/"),
    ),
    ("patch (patch.py, deepcopy)", _any("mock_server/api/patch.py", "copy.py")),
    ("Connexion security (bearer)", _any("connexion/security")),
    ("Connexion: building the app", _any("create_app (mock_server/http/app.py")),
)
INNERMOST: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "service, rights, store, handlers (ours)",
        (
            "mock_server/api/service.py",
            "mock_server/http/handlers.py",
            "mock_server/api/rights.py",
            "mock_server/api/store.py",
            "mock_server/api/errors.py",
            "mock_server/api/validation.py",
            "mock_server/api/records.py",
        ),
    ),
    ("our middleware (request log, Prefer, body limit)", ("mock_server/http/behaviour.py",)),
    (
        "routing (Starlette/Connexion routers)",
        ("starlette/routing.py", "connexion/middleware/routing.py"),
    ),
    (
        "Connexion decorators (parameters, response)",
        (
            "connexion/decorators/",
            "connexion/lifecycle.py",
            "connexion/context.py",
            "connexion/middleware/context.py",
        ),
    ),
    ("other Connexion/Starlette middleware", ("connexion/", "starlette/")),
    ("HTTP server (uvicorn, httptools)", ("uvicorn/", "httptools", "h11/")),
    (
        "event loop and thread hand-off",
        ("asyncio/", "anyio/", "threading.py", "queue.py", "selectors.py"),
    ),
)
OTHER = "other"
_LIBRARIES = ("connexion/", "starlette/", "uvicorn/", "jsonschema/", "anyio/", "httptools")
# Third-party code besides the layers above: a sample inside it is not our code's own time.
_THIRD_PARTY = (*_LIBRARIES, "referencing/", "jsonschema_path/", "yaml/", "h11/", "attr/")


def _own_frame(frames: Frames) -> str | None:
    """The mock_server frame a sample's time belongs to when no third-party code lies between
    it and the leaf (the standard library counts as its caller's): our code's own time."""
    for frame in reversed(frames):
        if "mock_server/" in frame:
            return None if "__main__" in frame else frame
        if any(lib in frame for lib in _THIRD_PARTY):
            return None
    return None


def category(frames: Frames) -> str:
    for name, holds in ANYWHERE:
        if holds(frames):
            return name
    for frame in reversed(frames):
        for name, needles in INNERMOST:
            if any(needle in frame for needle in needles):
                return name
    return OTHER


@dataclass
class Profile:
    samples: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_leaf: Counter[str] = field(default_factory=Counter)
    by_our_frame: Counter[str] = field(default_factory=Counter)  # innermost mock_server frame
    by_library_frame: Counter[str] = field(default_factory=Counter)  # innermost framework frame

    def share(self, name: str) -> float:
        return self.by_category[name] / self.samples if self.samples else 0.0


def read_raw(path: Path) -> Profile:
    """A py-spy `--format raw` file: one `frame;frame;... count` line per distinct stack."""
    profile = Profile()
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        profile.samples += count
        profile.by_category[category(frames)] += count
        profile.by_leaf[frames[-1]] += count
        owner = _own_frame(frames)
        if owner is not None:
            profile.by_our_frame[owner] += count
        library = [f for f in frames if any(lib in f for lib in _LIBRARIES)]
        if library:
            profile.by_library_frame[library[-1]] += count
    return profile
