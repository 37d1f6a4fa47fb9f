from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import yaml
from connexion import AsyncApp

from mock_server import create_app
from mock_server.api.records import CustomField, LeadRecord, Property, ReferenceData, User
from mock_server.api.rights import Principal
from mock_server.api.service import ListQuery
from mock_server.api.store import LeadStore
from mock_server.data.contract import DEFAULT_SPEC
from mock_server.data.fixtures import DEFAULT_FIXTURES

if TYPE_CHECKING:
    from starlette.testclient import TestClient

T = TypeVar("T")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
EXPAND = {"X-MyCRM-Expand-Data": "true"}


class FixedClock:
    """The app's clock: stands still at `now` unless a test moves it."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


# create_app takes about a second (contract, Connexion, fixtures), so one app serves the
# whole session; each test gets it in its seed state.
_CLOCK = FixedClock()


class _Seen:
    """The shared app's store as a test left it: resetting 300 leads costs 40 ms and most
    tests only read, so only a test after a change pays for a reset. The service never
    changes a stored lead in place (it stores new records), so records compared by identity,
    with the next ids, tell whether anything changed."""

    def __init__(self) -> None:
        self.store: LeadStore | None = None
        self.leads: list[LeadRecord] = []
        self.counters: dict[str, int] = {}

    def unchanged(self, store: LeadStore) -> bool:
        leads = store.all()
        return (
            store is self.store
            and store.counters() == self.counters
            and len(leads) == len(self.leads)
            and all(a is b for a, b in zip(leads, self.leads, strict=True))
        )

    def remember(self, store: LeadStore) -> None:
        self.store, self.leads, self.counters = store, store.all(), store.counters()


_SEEN = _Seen()


@pytest.fixture(scope="session")
def _shared_app() -> AsyncApp:
    return create_app(validate_responses=True, clock=_CLOCK)


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    _CLOCK.now = NOW
    yield _CLOCK
    _CLOCK.now = NOW


@pytest.fixture
def app(_shared_app: AsyncApp, clock: FixedClock) -> AsyncApp:
    """The mock with response validation on, so that it can never answer off-contract here."""
    state = _shared_app.state
    if not _SEEN.unchanged(state.store):
        state.reset()
        _SEEN.remember(state.store)
    return _shared_app


@pytest.fixture
def client(app: AsyncApp) -> TestClient:
    return app.test_client()


def layer_of(app: AsyncApp, kind: type[T]) -> T | None:
    """The app's middleware of that class, or None when the app was built without it."""
    if app.middleware.middleware_stack is None:  # Connexion builds it on the first request
        app.test_client().get("/__mock/health")
    for layer in app.middleware.middleware_stack or ():
        if isinstance(layer, kind):
            return layer
    return None


def auth(token: str = "admin-token") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@cache
def _spec() -> dict[str, Any]:
    with DEFAULT_SPEC.open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = yaml.safe_load(fh)
    return loaded


def lead_write(**changes: Any) -> dict[str, Any]:
    """The contract's `LeadWrite` example as a request body, with `changes` to its lead."""
    body: dict[str, Any] = copy.deepcopy(_spec()["components"]["examples"]["LeadWrite"]["value"])
    body["lead"].update(changes)
    return body


@cache
def _raw_fixture(name: str) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads((DEFAULT_FIXTURES / name).read_text(encoding="utf-8"))
    return loaded


def raw_fixture(name: str) -> list[dict[str, Any]]:
    """A file of the default fixture set as written (a copy: tests may change it)."""
    return copy.deepcopy(_raw_fixture(name))


def leads_of(user_id: int) -> list[int]:
    """Ids of the seed leads assigned to `user_id`, from the fixture file itself."""
    return sorted(lead["id"] for lead in _raw_fixture("leads.json") if lead["user"] == user_id)


def problem(response: Any, status: int) -> dict[str, Any]:
    """The problem+json body of an error response, after checking its envelope."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def error_names(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["in"], e["name"]) for e in body.get("errors", [])}


def full_listing(app: AsyncApp) -> list[dict[str, Any]]:
    """Every lead as an all-seeing caller would read it (expanded), in id order."""
    admin = Principal(user_id=1, rights=frozenset(EVERY_RIGHT))
    query = ListQuery(per_page=1_000_000)
    listed: list[dict[str, Any]] = app.state.service.list_leads(admin, query, expand=True)["leads"]
    return listed


EVERY_RIGHT = (
    "lead.read",
    "lead.read.other",
    "lead.update",
    "lead.update.other",
    "lead.delete",
    "lead.delete.other",
    "user.update",
    "property.read",
)


@pytest.fixture
def reference() -> ReferenceData:
    """A small hand-made world, so that unit tests read without the fixture files."""
    everything = frozenset(EVERY_RIGHT)
    users = {
        1: User(1, "Jean", "Pac", "jean@x.example", None, "admin", everything),
        2: User(2, "Aisha", "Khan", "aisha@x.example", None, "agent", frozenset({"lead.read"})),
    }
    prop = Property(
        1,
        "inventory",
        "sale",
        "residential",
        2,
        "are.3.1200",
        120000,
        1000,
        2,
        2,
        {"5": "Sea", "6": True},
    )
    mls = Property(112345, "mls", "sale", "residential", 2, "are.3.1200.1", 123000, 1100, 3, 2, {})
    return ReferenceData(
        users=users,
        locations={
            "are.3": {"id": "are.3", "city": "Dubai"},
            "are.3.1200": {"id": "are.3.1200", "city": "Dubai", "community": "JLT"},
            "are.3.1200.1": {"id": "are.3.1200.1", "city": "Dubai"},
            "are.1": {"id": "are.1", "city": "Abu Dhabi"},
        },
        types={
            2: {"id": 2, "name": "Apartment", "category": "residential"},
            1: {"id": 1, "name": "Villa", "category": "residential"},
        },
        amenities={1: {"id": 1, "name": "swimming pool"}},
        custom_fields={
            1: CustomField(1, "lead", "Pets", "string", False),
            3: CustomField(3, "lead", "Cash buyer", "boolean", False),
            5: CustomField(5, "property", "View", "string", False),
        },
        properties={1: prop, 112345: mls},
    )


def make_lead(lead_id: int, **changes: Any) -> LeadRecord:
    """A complete stored lead; tests change only what they are about."""
    lead: dict[str, Any] = {
        "id": lead_id,
        "user": 1,
        "title": "mr",
        "first_name": "Johnny",
        "middle_name": None,
        "last_name": "Trump",
        "email": "johnny.t@gmail.com",
        "mobile": "0478524147",
        "address": "Dubai Marina",
        "pobox": "15109",
        "city": "Dubai",
        "country": "AE",
        "status": "prospect",
        "quality": "good",
        "financial": "cash",
        "mortgage_status": None,
        "source": "portal",
        "channel": "dubizzle",
        "category": "residential",
        "time_frame": "0",
        "time_frame_from": None,
        "passport": None,
        "passport_expire": None,
        "legal_representative": None,
        "bank": None,
        "preference": {
            "id": lead_id,
            "offering_type": "sale",
            "locations": ["are.3.1200"],
            "types": [2],
            "amenities": [1],
            "from_price": 120000,
            "to_price": 125000,
            "from_size": 900,
            "to_size": 1200,
            "from_bathroom": 2,
            "to_bathroom": 3,
            "from_bedroom": 2,
            "to_bedroom": 3,
        },
        "properties": [],
        "mls": [],
        "fields": {},
        "notes": [],
        "created_at": datetime(2016, 3, 1, 8, 0, tzinfo=UTC),
        "updated_at": datetime(2016, 3, 1, 8, 0, tzinfo=UTC),
    }
    preference = changes.pop("preference", None)
    lead.update(changes)
    if preference is not None:
        lead["preference"] = None if preference == "none" else {**lead["preference"], **preference}
    return lead  # type: ignore[return-value]
