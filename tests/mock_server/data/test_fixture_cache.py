"""The cache of checked fixture sets (mock_server/data/fixture_cache.py, through
`load_fixtures`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mock_server.data import fixtures
from mock_server.data.contract import DEFAULT_SPEC, Contract
from mock_server.data.fixture_cache import default_dir
from mock_server.data.fixtures import DEFAULT_FIXTURES, FixtureError, FixtureSet, load_fixtures


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "set"
    shutil.copytree(DEFAULT_FIXTURES, copy)
    return copy


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders actually parsed and checked, as opposed to taken from the cache."""
    parsed: list[Path] = []
    real = fixtures._load

    def counting(folder: Path, contract: Contract) -> FixtureSet:
        parsed.append(folder)
        return real(folder, contract)

    monkeypatch.setattr(fixtures, "_load", counting)
    return parsed


def _entries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("*.pickle"))


def _rename_first_lead(folder: Path, name: str) -> None:
    path = folder / "leads.json"
    records: list[Any] = json.loads(path.read_text(encoding="utf-8"))
    records[0]["first_name"] = name
    path.write_text(json.dumps(records), encoding="utf-8")


def test_a_second_load_is_a_hit_equal_to_a_fresh_load(
    folder: Path, cache_dir: Path, contract: Contract, loads: list[Path]
) -> None:
    first = load_fixtures(folder, contract, cache_dir=cache_dir)
    second = load_fixtures(folder, contract, cache_dir=cache_dir)
    assert loads == [folder]
    assert second == first == load_fixtures(folder, contract)
    assert second.reference.tokens["admin-token"] == first.reference.tokens["admin-token"]
    assert [p.stat().st_mode & 0o777 for p in _entries(cache_dir)] == [0o600]
    assert cache_dir.stat().st_mode & 0o777 == 0o700


def test_a_changed_fixture_file_is_a_miss(
    folder: Path, cache_dir: Path, contract: Contract, loads: list[Path]
) -> None:
    load_fixtures(folder, contract, cache_dir=cache_dir)
    _rename_first_lead(folder, "Renamed")
    changed = load_fixtures(folder, contract, cache_dir=cache_dir)
    assert changed.leads[0]["first_name"] == "Renamed"
    assert loads == [folder, folder]
    assert len(_entries(cache_dir)) == 1  # the stale entry was replaced, not kept beside
    assert load_fixtures(folder, contract, cache_dir=cache_dir) == changed
    assert len(loads) == 2


def test_a_changed_contract_is_a_miss(
    tmp_path: Path, folder: Path, cache_dir: Path, contract: Contract, loads: list[Path]
) -> None:
    load_fixtures(folder, contract, cache_dir=cache_dir)
    spec = tmp_path / "leads.yaml"
    spec.write_text(DEFAULT_SPEC.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    load_fixtures(folder, Contract(spec), cache_dir=cache_dir)
    assert loads == [folder, folder]


@pytest.mark.parametrize("garbage", [b"", b"not a key\n", b"x" * 64 + b"\n\x80\x05truncated"])
def test_a_corrupt_entry_is_ignored_and_replaced(
    folder: Path, cache_dir: Path, contract: Contract, loads: list[Path], garbage: bytes
) -> None:
    expected = load_fixtures(folder, contract, cache_dir=cache_dir)
    (entry,) = _entries(cache_dir)
    key = entry.read_bytes().split(b"\n", 1)[0]
    entry.write_bytes(key + b"\n" + garbage)  # the right key, a broken pickle
    assert load_fixtures(folder, contract, cache_dir=cache_dir) == expected
    entry.write_bytes(garbage)
    assert load_fixtures(folder, contract, cache_dir=cache_dir) == expected
    assert loads == [folder] * 3
    assert load_fixtures(folder, contract, cache_dir=cache_dir) == expected  # rewritten
    assert len(loads) == 3


def test_a_cache_folder_others_can_write_is_not_used(
    folder: Path, cache_dir: Path, contract: Contract, loads: list[Path]
) -> None:
    cache_dir.mkdir(mode=0o777)
    cache_dir.chmod(0o777)
    load_fixtures(folder, contract, cache_dir=cache_dir)
    load_fixtures(folder, contract, cache_dir=cache_dir)
    assert loads == [folder, folder]
    assert _entries(cache_dir) == []


def test_an_unwritable_cache_is_ignored(
    tmp_path: Path, folder: Path, contract: Contract, loads: list[Path]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    loaded = load_fixtures(folder, contract, cache_dir=blocker / "cache")
    assert loaded == load_fixtures(folder, contract)


def test_a_broken_fixture_is_reported_and_not_cached(
    folder: Path, cache_dir: Path, contract: Contract
) -> None:
    load_fixtures(folder, contract, cache_dir=cache_dir)
    path = folder / "leads.json"
    records: list[Any] = json.loads(path.read_text(encoding="utf-8"))
    records[0]["source_channel"] = "bayut"
    path.write_text(json.dumps(records), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(FixtureError, match="source_channel"):
            load_fixtures(folder, contract, cache_dir=cache_dir)


def test_the_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_dir() == tmp_path / "leads-mock"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_dir() == Path.home() / ".cache" / "leads-mock"
