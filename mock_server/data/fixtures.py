"""Loading a fixture set, validated at the border: a bad fixture stops start-up with the file,
the record and the field named.

A fixture set is a folder of JSON arrays: users.json (User plus `token`, `rights` and, for
users with an OAuth2 client, `client_id` and `client_secret`),
locations.json, property_types.json, amenities.json, custom_fields.json, properties.json and
leads.json (a `LeadWrite` plus the server-managed `id`, `user`, `created_at`, `updated_at`
and `notes`).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import leads_fixtures
import orjson

from ..api.records import CustomField, LeadRecord, NoteRecord, Property, ReferenceData, User
from ..api.render import timestamp
from ..api.service import build_record
from ..api.store import SeedIndex
from ..api.validation import lead_rule_errors
from . import fixture_cache
from .contract import Contract

DEFAULT_FIXTURES = leads_fixtures.DEFAULT
_SERVER_MANAGED = ("created_at", "updated_at", "notes")
# What users.json adds to a `User`: how the user authenticates, and what the user may do.
_CREDENTIALS = ("token", "rights", "client_id", "client_secret")
FILES = (
    "users.json",
    "locations.json",
    "property_types.json",
    "amenities.json",
    "custom_fields.json",
    "properties.json",
    "leads.json",
)


class FixtureError(Exception):
    """A fixture that breaks the contract; the message names file, record and field."""


@dataclass(frozen=True)
class FixtureSet:
    path: Path
    reference: ReferenceData
    leads: list[LeadRecord]
    # The store's indexes of these leads, built once with them (and kept by the fixture
    # cache: 0.5 s to build at 100k leads, 1 ms to read back).
    index: SeedIndex | None = None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading only creates objects that live on, so the cyclic collector finds nothing; left
    on, it scans the growing heap again and again (a third of the load time at 10k leads)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Only the caller that switched it off switches it back on: a load running meanwhile
        # in another thread saw it off and leaves it alone.
        if was_enabled:
            gc.enable()


def _read(folder: Path, name: str) -> list[dict[str, Any]]:
    path = folder / name
    try:
        # orjson parses the leads in half the time of `json`, and reads UTF-8 bytes as they are.
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise FixtureError(f"{path}: missing (a fixture set needs {name})") from None
    except json.JSONDecodeError as exc:  # orjson's error is a subclass
        raise FixtureError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise FixtureError(f"{path}: must hold a JSON array")
    for i, record in enumerate(data):
        if not isinstance(record, dict):
            raise FixtureError(f"{path} [{i}]: a record must be a JSON object")
    return data


def _check(contract: Contract, schema: str, record: Any, where: str) -> None:
    errors = list(contract.fast_validator(schema).iter_errors(record))
    if errors:
        first = errors[0]
        field = "/".join(str(p) for p in first.instance_path) or "(record)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise FixtureError(f"{where}, field {field}: {first.message}{more}")


def _client(raw: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    """A user's OAuth2 client (D-38): `client_id` and `client_secret` together, or neither.
    Both are printable ASCII (RFC 6749 Appendix A, VSCHAR), so that any client can send them."""
    given = {name: raw.get(name) for name in ("client_id", "client_secret")}
    if all(value is None for value in given.values()):
        return None, None
    for name, value in given.items():
        if not isinstance(value, str) or not value or not all(" " <= c <= "~" for c in value):
            raise FixtureError(
                f"{where}, field {name}: a non-empty string of printable ASCII is required "
                "(client_id and client_secret go together)"
            )
    return given["client_id"], given["client_secret"]


def _parse_time(value: Any, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))  # reads a trailing `Z` since Python 3.11
    except ValueError:
        raise FixtureError(f"{where}: {value!r} is not an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        raise FixtureError(f"{where}: {value!r} has no time zone")
    return moment


def load_fixtures(folder: Path, contract: Contract, *, cache_dir: Path | None = None) -> FixtureSet:
    """The fixture set in `folder`, checked against `contract`; with `cache_dir`, taken from
    the cache when neither the files, the contract nor the mock changed since (see
    `fixture_cache`), and stored there otherwise."""
    folder = Path(folder)
    with _collector_paused():
        if cache_dir is None:
            return _load(folder, contract)
        wanted = fixture_cache.key([folder / name for name in FILES], contract.path)
        if wanted is not None:
            cached = fixture_cache.read(cache_dir, folder, wanted)
            if isinstance(cached, FixtureSet) and cached.path == folder:
                return cached
        loaded = _load(folder, contract)
        if wanted is not None:
            fixture_cache.write(cache_dir, folder, wanted, loaded)
        return loaded


def _load(folder: Path, contract: Contract) -> FixtureSet:
    users: dict[int, User] = {}
    for i, raw in enumerate(_read(folder, "users.json")):
        where = f"{folder / 'users.json'} [{i}] (id {raw.get('id')})"
        public = {k: v for k, v in raw.items() if k not in _CREDENTIALS}
        _check(contract, "User", public, where)
        token, rights = raw.get("token"), raw.get("rights")
        if not isinstance(token, str) or not token:
            raise FixtureError(f"{where}, field token: a non-empty string is required")
        if not isinstance(rights, list) or not set(rights) <= contract.known_rights:
            raise FixtureError(
                f"{where}, field rights: a list of {sorted(contract.known_rights)} is required"
            )
        if raw["id"] in users or token in {u.token for u in users.values()}:
            raise FixtureError(f"{where}: id and token must be unique")
        client_id, client_secret = _client(raw, where)
        if client_id is not None and client_id in {u.client_id for u in users.values()}:
            raise FixtureError(f"{where}, field client_id: {client_id!r} is another user's")
        users[raw["id"]] = User(
            id=raw["id"],
            first_name=raw.get("first_name", ""),
            last_name=raw.get("last_name", ""),
            email=raw.get("email", ""),
            mobile=raw.get("mobile"),
            token=token,
            rights=frozenset(rights),
            client_id=client_id,
            client_secret=client_secret,
        )

    def by_id(name: str, schema: str) -> dict[Any, dict[str, Any]]:
        found: dict[Any, dict[str, Any]] = {}
        for i, raw in enumerate(_read(folder, name)):
            where = f"{folder / name} [{i}] (id {raw.get('id')})"
            _check(contract, schema, raw, where)
            if raw["id"] in found:
                raise FixtureError(f"{where}: duplicate id")
            found[raw["id"]] = raw
        return found

    fields = {
        k: CustomField(v["id"], v["entity"], v["name"], v["type"], v["required"])
        for k, v in by_id("custom_fields.json", "CustomField").items()
    }
    properties = {
        k: Property(
            id=v["id"],
            source=v["source"],
            offering_type=v["offering_type"],
            category=v["category"],
            type=v["type"],
            location=v["location"],
            price=v["price"],
            size=v.get("size"),
            bedrooms=v.get("bedrooms"),
            bathrooms=v.get("bathrooms"),
            fields=v.get("fields", {}),
        )
        for k, v in by_id("properties.json", "Property").items()
    }
    reference = ReferenceData(
        users=users,
        locations=by_id("locations.json", "Location"),
        types=by_id("property_types.json", "PropertyType"),
        amenities=by_id("amenities.json", "Amenity"),
        custom_fields=fields,
        properties=properties,
    )
    leads = _leads(folder, contract, reference)
    return FixtureSet(folder, reference, leads, SeedIndex(leads))


def _leads(folder: Path, contract: Contract, reference: ReferenceData) -> list[LeadRecord]:
    records = _read(folder, "leads.json")
    source = str(folder / "leads.json")
    with _collector_paused():
        return _parse_leads(records, contract, reference, source, consume=True)


def parse_leads(
    records: list[Any], contract: Contract, reference: ReferenceData, source: str
) -> list[LeadRecord]:
    """Leads in the fixture format, checked like a request body plus the server-managed keys."""
    with _collector_paused():
        return _parse_leads(records, contract, reference, source)


def _parse_leads(
    records: list[Any],
    contract: Contract,
    reference: ReferenceData,
    source: str,
    consume: bool = False,
) -> list[LeadRecord]:
    """`consume`: drop each parsed record from `records` once its lead is built (a fixture
    file's own list: at 100k leads the parsed JSON and the leads together peaked at 0.9 GiB)."""
    # One call of the compiled validator over the whole array is several times cheaper than one
    # per lead and note; only when it fails is each record checked alone, for the message.
    schema_checked = _leads_validator(contract).is_valid(records)
    leads: list[LeadRecord] = []
    seen: set[int] = set()
    note_ids: set[int] = set()
    for i, raw in enumerate(records):
        if not isinstance(raw, dict):
            raise FixtureError(f"{source} [{i}]: a lead must be a JSON object")
        where = f"{source} [{i}] (id {raw.get('id')})"
        if not schema_checked:
            body = {k: v for k, v in raw.items() if k not in _SERVER_MANAGED}
            _check(contract, "LeadWrite", body, where)
        # The rules and `build_record` read the LeadWrite keys only, so `raw` serves as the body.
        lead_id, owner = raw.get("id"), raw.get("user")
        if not isinstance(lead_id, int) or lead_id < 1 or lead_id in seen:
            raise FixtureError(f"{where}, field id: a unique positive integer is required")
        if not isinstance(owner, int):
            raise FixtureError(f"{where}, field user: the assigned user's id is required")
        errors = lead_rule_errors(raw, reference, contract.terms.channel_belongs, prefix="")
        if errors:
            first = errors[0]
            raise FixtureError(f"{where}, field {first['name'].lstrip('/')}: {first['message']}")
        notes: list[NoteRecord] = []
        for j, note in enumerate(raw.get("notes") or []):
            if not schema_checked:
                _check(contract, "Note", note, f"{where}, notes[{j}]")
            if note["id"] in note_ids:
                raise FixtureError(f"{where}, field notes/{j}/id: duplicate note id {note['id']}")
            note_ids.add(note["id"])
            moment = _parse_time(note["created_at"], f"{where}, notes[{j}]")
            notes.append(NoteRecord(id=note["id"], body=note["body"], created_at=moment))
        created = _parse_time(raw.get("created_at"), f"{where}, field created_at")
        updated = _parse_time(raw.get("updated_at"), f"{where}, field updated_at")
        seen.add(lead_id)
        leads.append(
            build_record(
                raw,
                lead_id=lead_id,
                owner=owner,
                created_at=created,
                updated_at=updated,
                notes=notes,
                preference_id=lead_id,
            )
        )
        if consume:
            records[i] = None
    return leads


def _leads_validator(contract: Contract) -> jsonschema_rs.Validator:
    """An array of fixture leads: each a LeadWrite whose server-managed keys are checked as
    `_parse_leads` checks them one by one (notes as Notes, the times parsed later), so that it
    accepts exactly the arrays the per-record checks accept, or fewer (`notes: 0` say)."""
    lead = contract.plain_schema("LeadWrite")
    if set(lead) - {"type", "additionalProperties", "required", "properties"} or set(
        lead.get("required", ())
    ) & set(_SERVER_MANAGED):
        # A LeadWrite this cannot extend faithfully: check record by record.
        return jsonschema_rs.Draft4Validator({"not": {}})
    managed = {
        "created_at": {},
        "updated_at": {},
        "notes": {"type": ["array", "null"], "items": contract.plain_schema("Note")},
    }
    items = {**lead, "properties": {**lead.get("properties", {}), **managed}}
    return jsonschema_rs.Draft4Validator({"type": "array", "items": items}, validate_formats=True)


def to_fixture(lead: LeadRecord) -> dict[str, Any]:
    """A stored lead in the fixture format: what `parse_leads` reads back to the same lead."""
    out: dict[str, Any] = {
        k: v for k, v in lead.items() if k not in ("preference", "channel", "notes")
    }
    out["source_channel"] = lead["channel"]
    for key, day in (
        ("time_frame_from", lead["time_frame_from"]),
        ("passport_expire", lead["passport_expire"]),
    ):
        out[key] = day.isoformat() if day is not None else None
    out["created_at"] = timestamp(lead["created_at"])
    out["updated_at"] = timestamp(lead["updated_at"])
    out["notes"] = [
        {"id": n["id"], "body": n["body"], "created_at": timestamp(n["created_at"])}
        for n in lead["notes"]
    ]
    pref = lead["preference"]
    if pref is not None:
        out["preference"] = {k: v for k, v in pref.items() if k != "id"}
    return out
