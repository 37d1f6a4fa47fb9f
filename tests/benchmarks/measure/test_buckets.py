from __future__ import annotations

from pathlib import Path

from benchmarks.measure import buckets

_SERVER = (
    "run (uvicorn/main.py:632);RequestLogMiddleware.__call__ (mock_server/http/behaviour.py:237)"
)


def test_a_subsystem_anywhere_in_the_stack_wins_over_wrappers() -> None:
    frames = [*_SERVER.split(";"), "list_leads (mock_server/api/service.py:99)",
              "match (mock_server/api/filters.py:150)", "str.startswith (<builtin>)"]  # fmt: skip
    assert buckets.category(frames) == "filtering (filters.py)"


def test_otherwise_the_innermost_layer_decides() -> None:
    frames = [*_SERVER.split(";"), "Router.app (starlette/routing.py:704)", "Mapping.get (x)"]
    assert buckets.category(frames) == "routing (Starlette/Connexion routers)"


def test_read_raw_counts_samples_per_category(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(
        f"{_SERVER};dumps (json/__init__.py:238);iterencode (json/encoder.py:258) 3\n"
        f"{_SERVER};Router.app (starlette/routing.py:704) 1\n"
    )
    profile = buckets.read_raw(raw)
    assert profile.samples == 4
    assert profile.share("JSON encoding of the response") == 0.75


def test_own_time_stops_at_third_party_code(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(
        f"{_SERVER};match (mock_server/api/filters.py:150);str.startswith (<builtin>) 2\n"
        f"{_SERVER};_check (mock_server/http/validators.py:121);"
        "descend (jsonschema/validators.py:1) 1\n"
    )
    profile = buckets.read_raw(raw)
    assert profile.by_our_frame == {"match (mock_server/api/filters.py:150)": 2}
