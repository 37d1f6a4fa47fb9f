"""Loading a fixture set, validated at the border (mock_server/data/fixtures.py)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mock_server import create_app
from mock_server.data.contract import Contract
from mock_server.data.fixtures import (
    DEFAULT_FIXTURES,
    FixtureError,
    _leads_validator,
    load_fixtures,
)

from ..conftest import raw_fixture

Records = list[Any]


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract()


def _broken(tmp_path: Path, name: str, change: Callable[[Records], Any]) -> Path:
    """A copy of the default set with one file changed (`change` edits it, or returns new text)."""
    folder = tmp_path / "broken"
    shutil.copytree(DEFAULT_FIXTURES, folder)
    path = folder / name
    records = json.loads(path.read_text(encoding="utf-8"))
    replaced = change(records)
    path.write_text(
        replaced if isinstance(replaced, str) else json.dumps(records), encoding="utf-8"
    )
    return folder


def test_the_default_set_loads(contract: Contract) -> None:
    loaded = load_fixtures(DEFAULT_FIXTURES, contract)
    raw_leads = raw_fixture("leads.json")
    assert [lead["id"] for lead in loaded.leads] == [lead["id"] for lead in raw_leads]
    assert {u.token: u.id for u in loaded.reference.users.values()} == {
        u["token"]: u["id"] for u in raw_fixture("users.json")
    }
    assert loaded.reference.tokens["agent-token"].rights == frozenset(
        {"lead.read", "lead.update", "lead.delete", "user.update", "property.read"}
    )
    first, raw = loaded.leads[0], raw_leads[0]
    expire = first["passport_expire"]
    assert (first["user"], first["channel"], expire and expire.isoformat()) == (
        raw["user"],
        raw["source_channel"],
        raw["passport_expire"],
    )
    assert first["created_at"] == datetime.fromisoformat(raw["created_at"]).astimezone(UTC)
    assert [n["id"] for n in first["notes"]] == [n["id"] for n in raw["notes"]]
    assert (
        first["preference"] is not None
        and first["preference"]["locations"] == raw["preference"]["locations"]
    )
    assert len(loaded.reference.properties) == len(raw_fixture("properties.json"))


def _set(index: int, key: str, value: Any) -> Callable[[Records], None]:
    return lambda records: records[index].__setitem__(key, value)


def _drop(index: int, key: str) -> Callable[[Records], None]:
    def drop(records: Records) -> None:
        del records[index][key]

    return drop


def _set_in(index: int, outer: str, key: str, value: Any) -> Callable[[Records], None]:
    return lambda records: records[index][outer].__setitem__(key, value)


# Lead 1 (index 0) has source socialMedia; user 2 is at index 1 of users.json.
_LAST = len(raw_fixture("leads.json")) - 1


@pytest.mark.parametrize(
    ("name", "change", "names"),
    [
        (
            "leads.json",
            _set(0, "source_channel", "bayut"),
            ["[0]", "id 1", "source_channel", "socialMedia"],
        ),
        ("leads.json", _drop(0, "mobile"), ["[0]", "id 1", "mobile", "required"]),
        (
            "leads.json",
            _set_in(0, "preference", "from_price", "cheap"),
            ["[0]", "id 1", "preference/from_price"],
        ),
        ("leads.json", _set(0, "user", 999), ["[0]", "id 1", "field user", "999"]),
        ("leads.json", _set(0, "channel", "twitter"), ["[0]", "id 1", "channel"]),
        ("leads.json", _set(1, "id", 1), ["[1]", "id 1", "field id"]),
        (
            "leads.json",
            _set(0, "created_at", "yesterday"),
            ["[0]", "id 1", "created_at", "yesterday"],
        ),
        ("leads.json", _set(0, "fields", {"99": "x"}), ["[0]", "id 1", "fields/99"]),
        (
            "leads.json",
            lambda records: records[0]["notes"][0].__delitem__("body"),
            ["[0]", "id 1", "notes[0]", "body"],
        ),
        (
            "leads.json",
            lambda records: records[-1].__setitem__("notes", [{"id": 1, "body": "x"}]),
            [f"[{_LAST}]", "notes[0]", "created_at"],
        ),
        ("leads.json", _set(_LAST, "status", "sold"), [f"[{_LAST}]", "field status", "sold"]),
        ("leads.json", lambda records: records.__setitem__(0, 42), ["[0]", "object"]),
        ("users.json", _drop(1, "token"), ["[1]", "id 2", "field token"]),
        ("users.json", _set(1, "rights", ["lead.fly"]), ["[1]", "id 2", "field rights"]),
        ("users.json", _set(2, "token", "admin-token"), ["[2]", "id 3", "unique"]),
        ("users.json", _drop(0, "id"), ["[0]", "id"]),
        ("users.json", _drop(1, "client_secret"), ["[1]", "id 2", "field client_secret"]),
        ("users.json", _drop(1, "client_id"), ["[1]", "id 2", "field client_id"]),
        ("users.json", _set(1, "client_secret", ""), ["[1]", "id 2", "field client_secret"]),
        ("users.json", _set(1, "client_id", 7), ["[1]", "id 2", "field client_id"]),
        ("users.json", _set(1, "client_secret", "s\u00e9cret"), ["[1]", "field client_secret"]),
        ("users.json", _set(2, "client_id", "admin-client"), ["[2]", "id 3", "another user"]),
        ("users.json", lambda records: records.__setitem__(1, "sara"), ["[1]", "object"]),
        ("properties.json", lambda records: records.__setitem__(0, 42), ["[0]", "object"]),
        ("properties.json", _set(0, "source", "attic"), ["[0]", "id 1", "field source"]),
        ("custom_fields.json", _set(0, "type", "colour"), ["[0]", "id 1", "field type"]),
        ("locations.json", _set(1, "id", "Dubai!"), ["[1]", "field id"]),
    ],
)
def test_a_broken_fixture_is_named_by_file_record_and_field(
    tmp_path: Path,
    contract: Contract,
    name: str,
    change: Callable[[Records], Any],
    names: list[str],
) -> None:
    folder = _broken(tmp_path, name, change)
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder, contract)
    message = str(raised.value)
    assert str(folder / name) in message
    for part in names:
        assert part in message, (part, message)


def test_every_default_user_has_a_client_of_their_own(contract: Contract) -> None:
    reference = load_fixtures(DEFAULT_FIXTURES, contract).reference
    raw = {u["id"]: u for u in raw_fixture("users.json")}
    assert len(reference.clients) == len(reference.users) == len(raw)
    for client_id, user in reference.clients.items():
        assert (client_id, user.client_secret) == (
            raw[user.id]["client_id"],
            raw[user.id]["client_secret"],
        )


def test_a_user_without_a_client_loads(tmp_path: Path, contract: Contract) -> None:
    def no_client(records: Records) -> None:
        del records[1]["client_id"], records[1]["client_secret"]

    reference = load_fixtures(_broken(tmp_path, "users.json", no_client), contract).reference
    assert reference.users[2].client_id is None and reference.users[2].token == "reader-token"
    assert "reader-client" not in reference.clients and "admin-client" in reference.clients


def test_the_whole_array_check_passes_the_default_leads(contract: Contract) -> None:
    # Otherwise every start falls back to the slower record-by-record check.
    assert _leads_validator(contract).is_valid(raw_fixture("leads.json"))


def test_leads_without_notes_load(tmp_path: Path, contract: Contract) -> None:
    def strip(records: Records) -> None:
        records[0]["notes"] = None
        records[1]["notes"] = []
        del records[2]["notes"]

    loaded = load_fixtures(_broken(tmp_path, "leads.json", strip), contract)
    assert [lead["notes"] for lead in loaded.leads[:3]] == [[], [], []]


def test_a_file_that_is_not_json(tmp_path: Path, contract: Contract) -> None:
    folder = _broken(tmp_path, "leads.json", lambda records: '[{"id": 1,')
    with pytest.raises(FixtureError, match=r"leads\.json: not valid JSON"):
        load_fixtures(folder, contract)


def test_a_file_that_is_not_an_array(tmp_path: Path, contract: Contract) -> None:
    folder = _broken(tmp_path, "users.json", lambda records: '{"users": []}')
    with pytest.raises(FixtureError, match=r"users\.json: must hold a JSON array"):
        load_fixtures(folder, contract)


def test_a_missing_file(tmp_path: Path, contract: Contract) -> None:
    folder = _broken(tmp_path, "amenities.json", lambda records: None)
    (folder / "amenities.json").unlink()
    with pytest.raises(FixtureError, match=r"amenities\.json: missing"):
        load_fixtures(folder, contract)


def test_a_broken_fixture_stops_the_app(tmp_path: Path) -> None:
    folder = _broken(tmp_path, "leads.json", _set(0, "source_channel", "bayut"))
    with pytest.raises(FixtureError, match="source_channel"):
        create_app(fixtures=folder)
