"""The in-memory store (mock_server/api/store.py): reset, ids, and concurrent writes."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.api.listing import sort_leads
from mock_server.api.rights import Principal
from mock_server.api.store import LeadStore, OrderedIndex, bitset_ids, bitset_of

from ..conftest import EVERY_RIGHT, auth, full_listing, lead_write, make_lead, raw_fixture

if TYPE_CHECKING:
    from connexion import AsyncApp
    from starlette.testclient import TestClient

SEED = len(raw_fixture("leads.json"))


def _seeded() -> LeadStore:
    seed = [
        make_lead(3),
        make_lead(10, notes=[{"id": 7, "body": "x", "created_at": make_lead(1)["created_at"]}]),
    ]
    return LeadStore(seed)


def test_ids_start_above_the_seed() -> None:
    store = _seeded()
    assert (store.new_lead_id(), store.new_lead_id()) == (11, 12)
    assert store.new_note_id() == 8
    assert store.new_preference_id() == 11
    assert LeadStore([]).new_lead_id() == 1


def test_reset_restores_the_seed_and_ids_continue_above_it() -> None:
    store = _seeded()
    store.put(make_lead(store.new_lead_id()))
    store.delete([3])
    store.get(10)["status"] = "qualified"  # type: ignore[index]
    store.reset()
    assert sorted(lead["id"] for lead in store.all()) == [3, 10]
    assert store.get(10)["status"] == "prospect"  # type: ignore[index]
    assert store.new_lead_id() == 11


def test_reset_to_a_new_seed() -> None:
    store = _seeded()
    store.reset([make_lead(40)])
    assert [lead["id"] for lead in store.all()] == [40]
    assert store.new_lead_id() == 41


def test_the_seed_is_never_changed_by_writes() -> None:
    seed = [make_lead(1)]
    store = LeadStore(seed)
    store.get(1)["status"] = "qualified"  # type: ignore[index]
    assert seed[0]["status"] == "prospect"


def test_app_reset_restores_the_fixtures(app: AsyncApp, client: TestClient) -> None:
    before = full_listing(app)
    first = client.post("/leads", json=lead_write(), headers=auth()).json()["lead"]["id"]
    client.delete("/leads/1", headers=auth())
    client.patch(
        "/leads/2",
        json={"operations": [{"op": "replace", "path": "/status", "value": "qualified"}]},
        headers=auth(),
    )
    app.state.reset()
    assert full_listing(app) == before
    again = client.post("/leads", json=lead_write(), headers=auth()).json()["lead"]["id"]
    assert again == first == max(lead["id"] for lead in before) + 1


def test_concurrent_creates_get_unique_ids_and_none_is_lost(app: AsyncApp) -> None:
    service = app.state.service
    admin = Principal(user_id=1, rights=frozenset(EVERY_RIGHT))
    created: list[list[int]] = [[] for _ in range(8)]
    start = threading.Barrier(8)

    def work(slot: int) -> None:
        start.wait()
        for _ in range(25):
            created[slot].append(service.create_lead(admin, lead_write(), expand=False)["id"])

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [i for slot in created for i in slot]
    assert len(ids) == len(set(ids)) == 200
    assert len(app.state.store) == SEED + 200
    assert {lead["id"] for lead in full_listing(app)} >= set(ids)


def test_concurrent_requests_through_http(app: AsyncApp) -> None:
    errors: list[BaseException] = []
    ids: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        client = app.test_client()
        try:
            for _ in range(5):
                response = client.post("/leads", json=lead_write(), headers=auth())
                assert response.status_code == 201
                with lock:
                    ids.append(response.json()["lead"]["id"])
        except BaseException as exc:  # a failure in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(ids) == len(set(ids)) == 20
    assert len(app.state.store) == SEED + 20


def test_candidates_follow_the_index_through_changes_and_deletes() -> None:
    from mock_server.api.store import LeadStore

    from ..conftest import make_lead

    store = LeadStore([make_lead(1), make_lead(2, status="qualified"), make_lead(3, user=2)])

    def ids(**eq: Any) -> list[int]:
        return sorted(lead["id"] for lead in store.candidates({k: [v] for k, v in eq.items()}))

    assert ids() == [1, 2, 3]
    assert ids(status="prospect") == [1, 3]
    assert ids(status="prospect", user=2) == [3]
    assert ids(status="contractSigned") == []
    store.put(make_lead(1, status="qualified"))  # a change moves the lead between index keys
    assert ids(status="qualified") == [1, 2]
    assert ids(status="prospect") == [3]
    store.delete([2])
    assert ids(status="qualified") == [1]
    store.reset()
    assert ids(status="qualified") == [2]


def test_the_location_index_holds_every_location_a_wishlist_lies_within() -> None:
    from mock_server.api.store import LeadStore, location_prefixes

    from ..conftest import make_lead

    inside = make_lead(1)  # wishlist in are.3.1200
    two = make_lead(2, preference={"locations": ["are.1", "are.3.7"]})
    none = make_lead(3, preference="none")
    assert location_prefixes(inside) == {"are", "are.3", "are.3.1200"}
    assert location_prefixes(none) == set()
    store = LeadStore([inside, two, none])

    def ids(*locations: str) -> list[int]:
        found = store.candidates({LeadStore.LOCATIONS: locations})
        return sorted(lead["id"] for lead in found)

    assert ids("are.3") == [1, 2]
    assert ids("are.3.1200") == [1]
    assert ids("are.3.12") == []  # a prefix of the text, not a location inside it
    assert ids("are.1", "are.3.1200") == [1, 2]  # any of them
    store.put(make_lead(1, preference={"locations": ["are.2"]}))
    assert ids("are.3") == [2]
    assert ids("are.2") == [1]


@given(st.sets(st.integers(0, 5000), max_size=400))
def test_a_bitset_holds_the_ids_it_was_made_of(ids: set[int]) -> None:
    assert bitset_ids(bitset_of(ids)) == sorted(ids)
    assert bitset_of(ids).bit_count() == len(ids)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(0, 1), st.integers(0, 200)), max_size=300),
    changes=st.lists(st.tuples(st.integers(1, 310), st.one_of(st.none(), st.integers(0, 3)))),
    gone=st.sets(st.integers(1, 310), max_size=20),
    descending=st.booleans(),
)
def test_an_ordered_index_gives_the_order_of_a_full_sort_through_changes(
    values: list[int | None],
    changes: list[tuple[int, int | None]],
    gone: set[int],
    descending: bool,
) -> None:
    """Many ties (runs longer than the index reads backwards) and leads without a value."""
    leads = {i + 1: make_lead(i + 1, time_frame=v) for i, v in enumerate(values)}
    key = lambda lead: lead["time_frame"]  # noqa: E731
    index = OrderedIndex(key, leads.values())
    for lead_id, value in changes:
        leads[lead_id] = make_lead(lead_id, time_frame=value)
        index.put(leads[lead_id])
    for lead_id in gone & set(leads):
        index.remove(lead_id)
        del leads[lead_id]
    expected = [lead["id"] for lead in sort_leads(list(leads.values()), key, descending)]
    assert list(index.ids(descending)) == expected
    assert len(index) == len(leads)
