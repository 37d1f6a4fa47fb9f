"""Every operation through HTTP, its happy path and documented answers
(mock_server/http/handlers.py)."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import pytest

from ..conftest import (
    EXPAND,
    FixedClock,
    auth,
    error_names,
    lead_write,
    problem,
    raw_fixture,
)

if TYPE_CHECKING:
    from connexion import AsyncApp
    from starlette.testclient import TestClient

STAMP = "2026-11-29T12:00:00.000Z"
SEED_MAX_ID = max(lead["id"] for lead in raw_fixture("leads.json"))
# Optional LeadWrite fields and what a PUT that leaves them out turns them into (D-15).
CLEARED: dict[str, Any] = {
    "middle_name": None,
    "email": None,
    "address": None,
    "pobox": None,
    "city": None,
    "quality": None,
    "mortgage_status": None,
    "time_frame": None,
    "time_frame_from": None,
    "passport": None,
    "passport_expire": None,
    "legal_representative": None,
    "bank": None,
    "properties": [],
    "mls": [],
    "fields": {},
}
REQUIRED = (
    "title",
    "first_name",
    "last_name",
    "mobile",
    "category",
    "country",
    "status",
    "source",
    "source_channel",
    "financial",
    "preference",
)


def _minimal(**changes: Any) -> dict[str, Any]:
    """A LeadWrite with only the mandatory fields."""
    full = lead_write()["lead"]
    return {"lead": {**{k: full[k] for k in REQUIRED}, **changes}}


def _matching_oracle(pref: dict[str, Any], category: str) -> dict[str, int]:
    """The contract's `Matching` clause, written again from its text."""
    counts = {"inventory": 0, "mls": 0}
    bounds = {"price": "price", "size": "size", "bedroom": "bedrooms", "bathroom": "bathrooms"}
    for prop in raw_fixture("properties.json"):
        ok = prop["offering_type"] == pref["offering_type"] and prop["category"] == category
        ok = ok and (not pref["types"] or prop["type"] in pref["types"])
        ok = ok and (
            not pref["locations"]
            or any(
                prop["location"] == loc or prop["location"].startswith(loc + ".")
                for loc in pref["locations"]
            )
        )
        for bound, key in bounds.items():
            low, high, value = pref.get(f"from_{bound}"), pref.get(f"to_{bound}"), prop.get(key)
            if low is not None and (value is None or value < low):
                ok = False
            if high is not None and (value is None or value > high):
                ok = False
        if ok:
            counts[prop["source"]] += 1
    return {
        "count": counts["inventory"] + counts["mls"],
        "inventory_count": counts["inventory"],
        "mls_count": counts["mls"],
    }


# Create


def test_create_answers_201_with_location_and_server_fields(client: TestClient) -> None:
    body = lead_write()
    response = client.post("/leads", json=body, headers=auth())
    assert response.status_code == 201
    lead = response.json()["lead"]
    assert response.headers["location"] == f"/leads/{lead['id']}"
    assert lead["id"] > SEED_MAX_ID
    assert lead["created_at"] == lead["updated_at"] == STAMP
    assert client.get(response.headers["location"], headers=auth()).json() == {"lead": lead}


def test_create_gives_back_what_was_sent(client: TestClient) -> None:
    sent = lead_write(
        middle_name="J.",
        address="Marina",
        pobox="1",
        quality="hot",
        time_frame="1-3",
        time_frame_from="2027-01-15",
        passport="RDR7800",
        passport_expire="2030-02-01",
        legal_representative={
            "first_name": "Shi",
            "last_name": "Sha",
            "mobile": None,
            "phone": "+9714555",
            "email": None,
        },
        bank="Emirates NBD",
        mls=[112345],
        fields={"1": "2 pets", "3": True, "4": 2.5},
    )["lead"]
    lead = client.post("/leads", json={"lead": sent}, headers=auth()).json()["lead"]
    for name, value in sent.items():
        if name not in ("source_channel", "preference", "notes"):
            assert lead[name] == value, name
    assert lead["channel"] == sent["source_channel"]
    (pref,) = lead["preferences"]
    assert [loc["id"] for loc in pref["locations"]] == sent["preference"]["locations"]
    assert [t["id"] for t in pref["types"]] == sent["preference"]["types"]
    assert [a["id"] for a in lead["amenities"]] == sent["preference"]["amenities"]
    for bound in ("from_price", "to_price", "from_size", "to_size", "from_bedroom", "to_bedroom"):
        assert pref[bound] == sent["preference"][bound]


def test_create_ignores_a_sent_id_and_assigns_the_lead_to_the_caller(client: TestClient) -> None:
    lead = client.post("/leads", json=lead_write(id=1), headers=auth("agent-token")).json()["lead"]
    assert lead["id"] > SEED_MAX_ID
    assert lead["user"] == {"id": 4}
    assert client.get("/leads/1", headers=auth()).json()["lead"]["first_name"] != "Johnny"


def test_create_assigns_the_named_user(client: TestClient) -> None:
    lead = client.post("/leads", json=lead_write(user=7), headers=auth()).json()["lead"]
    assert lead["user"] == {"id": 7}


def test_create_keeps_the_notes_sent(client: TestClient) -> None:
    lead = client.post("/leads", json=lead_write(), headers={**auth(), **EXPAND}).json()["lead"]
    assert [(n["body"], n["created_at"]) for n in lead["notes"]] == [("My note", STAMP)]


def test_create_computes_matching(client: TestClient) -> None:
    pref = {
        "offering_type": "sale",
        "locations": ["are.3"],
        "types": [2],
        "amenities": [],
        "from_price": 0,
        "to_price": 3_000_000,
        "from_bedroom": 1,
        "to_bedroom": None,
    }
    expected = _matching_oracle(pref, "residential")
    assert expected["inventory_count"] > 0 and expected["mls_count"] > 0  # the test means something
    lead = client.post("/leads", json=lead_write(preference=pref), headers=auth()).json()["lead"]
    assert lead["matching"] == expected


def test_put_recomputes_matching(client: TestClient) -> None:
    pref = {
        "offering_type": "rent",
        "locations": ["are.3"],
        "types": [],
        "amenities": [],
        "from_price": 0,
        "to_price": 500_000,
    }
    expected = _matching_oracle(pref, "residential")
    assert client.get("/leads/1", headers=auth()).json()["lead"]["matching"] != expected
    lead = client.put("/leads/1", json=_minimal(preference=pref), headers=auth()).json()["lead"]
    assert lead["matching"] == expected
    commercial = _minimal(preference=pref, category="commercial")
    lead = client.put("/leads/1", json=commercial, headers=auth()).json()["lead"]
    assert lead["matching"] == _matching_oracle(pref, "commercial") != expected


# Get, delete


def test_get_answers_the_lead_in_an_envelope(client: TestClient) -> None:
    response = client.get("/leads/36", headers=auth("agent-token"))
    assert response.status_code == 200
    lead = response.json()["lead"]
    assert (lead["id"], lead["user"], "notes" in lead) == (36, {"id": 4}, False)


@pytest.mark.parametrize("path", ["/leads/{id}", "/lead/{id}"])
def test_delete_answers_204_then_the_lead_is_gone(client: TestClient, path: str) -> None:
    response = client.delete(path.format(id=7), headers=auth())
    assert (response.status_code, response.content) == (204, b"")
    problem(client.get("/leads/7", headers=auth()), 404)
    problem(client.delete(path.format(id=7), headers=auth()), 404)
    assert client.get("/leads/8", headers=auth()).status_code == 200


def test_unknown_lead_is_404_for_every_lead_operation(client: TestClient) -> None:
    headers = auth()
    patch = {"operations": [{"op": "replace", "path": "/status", "value": "qualified"}]}
    for response in (
        client.get("/leads/999999", headers=headers),
        client.put("/leads/999999", json=lead_write(), headers=headers),
        client.patch("/leads/999999", json=patch, headers=headers),
        client.delete("/leads/999999", headers=headers),
        client.delete("/lead/999999", headers=headers),
    ):
        assert "999999" in problem(response, 404)["detail"]


# Replace


def test_put_replaces_the_lead_whole(client: TestClient, clock: FixedClock) -> None:
    before = client.get("/leads/1", headers={**auth(), **EXPAND}).json()["lead"]
    assert before["email"] and before["fields"] and before["notes"]  # something to clear
    later = clock.advance(hours=3)
    response = client.put("/leads/1", json=_minimal(), headers={**auth(), **EXPAND})
    assert response.status_code == 200
    lead = response.json()["lead"]
    assert client.get("/leads/1", headers={**auth(), **EXPAND}).json()["lead"] == lead
    assert (lead["id"], lead["created_at"]) == (1, before["created_at"])
    assert lead["updated_at"] == later.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert {k: lead[k] for k in CLEARED} == CLEARED
    # `user` and `notes` left out are kept.
    assert lead["user"] == before["user"]
    assert lead["notes"] == before["notes"]
    assert lead["first_name"] == "Johnny"


def test_put_sets_user_and_notes_when_given(client: TestClient) -> None:
    sent = _minimal(user=6, notes=[{"body": "Second"}, {"body": "Third"}])
    lead = client.put("/leads/1", json=sent, headers={**auth(), **EXPAND}).json()["lead"]
    assert lead["user"]["id"] == 6
    assert [n["body"] for n in lead["notes"]] == ["Second", "Third"]
    lead = client.put("/leads/1", json=_minimal(notes=[]), headers={**auth(), **EXPAND}).json()[
        "lead"
    ]
    assert lead["notes"] == []


def test_put_checks_the_rules_of_creation(client: TestClient) -> None:
    body = problem(client.put("/leads/1", json=_minimal(user=999), headers=auth()), 422)
    assert error_names(body) == {("body", "/lead/user")}


# List


def test_list_pages_with_a_total_count(client: TestClient) -> None:
    every = sorted(lead["id"] for lead in raw_fixture("leads.json"))
    page = client.get("/leads?page=2&per_page=7", headers=auth()).json()
    assert (page["count"], page["page"], page["per_page"]) == (len(every), 2, 7)
    assert [lead["id"] for lead in page["leads"]] == every[7:14]
    default = client.get("/leads", headers=auth()).json()
    assert (default["page"], default["per_page"], len(default["leads"])) == (1, 20, 20)
    past = client.get("/leads?page=1000&per_page=100", headers=auth()).json()
    assert (past["count"], past["leads"]) == (len(every), [])


def test_list_sorts_by_the_given_key_and_order(client: TestClient) -> None:
    leads = client.get("/leads?sort=created&sort_order=desc&per_page=100", headers=auth()).json()[
        "leads"
    ]
    stamps = [lead["created_at"] for lead in leads]
    assert stamps == sorted(stamps, reverse=True)


# The expand header (D-6)


@pytest.mark.parametrize("value", ["true", "TRUE", "True"])
def test_expand_header_gives_the_full_user_and_the_notes(client: TestClient, value: str) -> None:
    headers = {**auth(), "X-MyCRM-Expand-Data": value}
    lead = client.get("/leads/1", headers=headers).json()["lead"]
    user = next(u for u in raw_fixture("users.json") if u["id"] == 10)
    assert lead["user"] == {
        k: user[k] for k in ("id", "first_name", "last_name", "email", "mobile")
    }
    note = raw_fixture("leads.json")[0]["notes"][0]
    assert [n["body"] for n in lead["notes"]] == [note["body"]]
    listed = client.get("/leads?filters[id]=1", headers=headers).json()["leads"]
    assert listed == [lead]


@pytest.mark.parametrize(
    "headers", [{}, {"X-MyCRM-Expand-Data": "false"}, {"X-MyCRM-Expand-Data": "FALSE"}]
)
def test_without_expand_the_user_is_an_id_and_notes_are_left_out(
    client: TestClient, headers: dict[str, str]
) -> None:
    lead = client.get("/leads/1", headers={**auth(), **headers}).json()["lead"]
    assert lead["user"] == {"id": 10}
    assert "notes" not in lead
    created = client.post("/leads", json=lead_write(), headers={**auth(), **headers}).json()["lead"]
    assert (created["user"], "notes" in created) == ({"id": 1}, False)


# Errors: media type, JSON, validation (400), rules (422)


def test_a_body_that_is_not_json_is_415(client: TestClient) -> None:
    headers = {**auth(), "Content-Type": "text/plain"}
    body = problem(client.post("/leads", content=json.dumps(lead_write()), headers=headers), 415)
    assert "text/plain" in body["detail"]
    patch = '{"operations": [{"op": "replace", "path": "/status", "value": "qualified"}]}'
    problem(client.patch("/leads/1", content=patch, headers=headers), 415)
    assert client.get("/leads/1", headers=auth()).json()["lead"]["status"] == "notReady"


def test_json_with_a_charset_is_json(client: TestClient) -> None:
    headers = {**auth(), "Content-Type": "application/json; charset=utf-8"}
    assert (
        client.post("/leads", content=json.dumps(lead_write()), headers=headers).status_code == 201
    )


def test_a_body_without_content_type_is_not_a_server_error(
    app: AsyncApp, client: TestClient
) -> None:
    # Connexion validates such a body as JSON but used to hand the handler raw bytes (500).
    # Whether it is accepted or refused with 415 is for the contract to say.
    response = client.post("/leads", content=json.dumps(lead_write()), headers=auth())
    if response.status_code == 201:
        assert response.json()["lead"]["first_name"] == "Johnny"
    else:
        problem(response, 415)
        assert len(app.state.store) == len(raw_fixture("leads.json"))


@pytest.mark.parametrize("text", ['{"lead": ', "{'lead': {}}", "lead=1", '{"lead": {}} trailing'])
def test_malformed_json_is_400(client: TestClient, text: str) -> None:
    headers = {**auth(), "Content-Type": "application/json"}
    body = problem(client.post("/leads", content=text, headers=headers), 400)
    assert [(e["in"], e["name"]) for e in body["errors"]] == [("body", "")]
    assert "not valid JSON" in body["errors"][0]["message"]


def test_400_lists_every_invalid_body_field_as_a_json_pointer(client: TestClient) -> None:
    sent = lead_write(first_name=5, title="sir", preferences=[], email="no-at-sign")
    sent["lead"]["preference"]["from_price"] = -1
    sent["lead"]["preference"]["colour"] = "blue"
    del sent["lead"]["mobile"]
    body = problem(client.post("/leads", json=sent, headers=auth()), 400)
    names = {e["name"] for e in body["errors"]}
    assert {e["in"] for e in body["errors"]} == {"body"}
    assert {
        "/lead/first_name",
        "/lead/title",
        "/lead/preferences",
        "/lead/email",
        "/lead/preference/from_price",
        "/lead/preference/colour",
    } <= names
    # A missing field is named by its own pointer, like every other error.
    assert {"in": "body", "name": "/lead/mobile", "message": "a required field is missing"} in body[
        "errors"
    ]
    assert str(len(body["errors"])) in body["detail"]


def test_400_lists_every_invalid_query_parameter_by_its_wire_name(client: TestClient) -> None:
    query = (
        "filters[status]=prospects&filters[created][from]=soon&page=0&per_page=101"
        "&sort=colour&filters[client]=1&filters[wishlist][from_price]=cheap"
    )
    body = problem(client.get(f"/leads?{query}", headers=auth()), 400)
    assert error_names(body) == {
        ("query", "filters[status]"),
        ("query", "filters[created][from]"),
        ("query", "page"),
        ("query", "per_page"),
        ("query", "sort"),
        ("query", "filters[client]"),
        ("query", "filters[wishlist][from_price]"),
    }


def test_the_documents_client_filter_is_refused(client: TestClient) -> None:
    # D-27: `curl 'http://api-v2.mycrm.com/leads?filters[client]=1'`.
    body = problem(client.get("/leads?filters[client]=1", headers=auth()), 400)
    assert error_names(body) == {("query", "filters[client]")}


def test_unknown_query_parameters_and_parameters_on_get_lead_are_400(client: TestClient) -> None:
    body = problem(client.get("/leads?colour=blue", headers=auth()), 400)
    assert error_names(body) == {("query", "colour")}
    body = problem(client.get("/leads/1?filters[status]=prospect", headers=auth()), 400)
    assert error_names(body) == {("query", "filters[status]")}


def test_422_lists_every_broken_rule(app: AsyncApp, client: TestClient) -> None:
    sent = lead_write(
        source="portal",
        source_channel="facebook",
        user=999,
        properties=[1, 112345],
        mls=[112345, 1],
        fields={"1": 5, "99": "x", "5": "sea", "3": "yes", "4": 1.5},
    )
    sent["lead"]["preference"].update(
        types=[2, 999],
        locations=["are.3", "zzz.9"],
        amenities=[1, 999],
        from_price=10,
        to_price=5,
        from_bedroom=3,
        to_bedroom=2,
        from_size=None,
        to_size=1,
    )
    body = problem(client.post("/leads", json=sent, headers=auth()), 422)
    assert error_names(body) == {
        ("body", name)
        for name in (
            "/lead/source_channel",
            "/lead/user",
            "/lead/preference/types/1",
            "/lead/preference/locations/1",
            "/lead/preference/amenities/1",
            "/lead/preference/to_price",
            "/lead/preference/to_bedroom",
            "/lead/properties/1",
            "/lead/mls/1",
            "/lead/fields/1",
            "/lead/fields/99",
            "/lead/fields/5",
            "/lead/fields/3",
        )
    }
    assert str(len(body["errors"])) in body["detail"]
    assert len(app.state.store) == len(raw_fixture("leads.json"))


def test_a_channel_of_source_other_is_free_text(client: TestClient) -> None:
    sent = lead_write(source="other", source_channel="a flyer at the gym")
    assert (
        client.post("/leads", json=sent, headers=auth()).json()["lead"]["channel"]
        == "a flyer at the gym"
    )


# Routing and authentication


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nowhere"), ("GET", "/leads/1/notes"), ("POST", "/lead")],
)
def test_unknown_routes_are_404(client: TestClient, method: str, path: str) -> None:
    problem(client.request(method, path, headers=auth()), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/leads"), ("POST", "/leads/1"), ("GET", "/lead/1"), ("PATCH", "/lead/1")],
)
def test_wrong_methods_are_405(client: TestClient, method: str, path: str) -> None:
    assert method in problem(client.request(method, path, headers=auth()), 405)["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        auth("no-such-token"),
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "Bearer"},
        {"Authorization": "admin-token"},
    ],
)
def test_401_says_how_to_authenticate(client: TestClient, headers: dict[str, str]) -> None:
    for response in (
        client.get("/leads", headers=headers),
        client.post("/leads", json=lead_write(), headers=headers),
        client.delete("/lead/1", headers=headers),
    ):
        problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/leads/1", headers=auth()).status_code == 200


def test_401_comes_before_validation(client: TestClient) -> None:
    problem(client.get("/leads?filters[client]=1"), 401)
    problem(client.post("/leads", json={"lead": {}}), 401)


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/leads", {"headers": {}}, 401),
        ("GET", "/leads", {"headers": auth("norights-token")}, 403),
        ("GET", "/leads/999999", {}, 404),
        ("GET", "/leads?filters[client]=1", {}, 400),
        ("POST", "/leads", {"json": {"lead": {}}}, 400),
        ("POST", "/leads", {"json": lead_write(user=999)}, 422),
        (
            "POST",
            "/leads",
            {"content": "x", "headers": {**auth(), "Content-Type": "text/plain"}},
            415,
        ),
        ("PUT", "/leads", {}, 405),
        ("GET", "/nowhere", {}, 404),
    ],
)
def test_every_error_is_problem_json(
    client: TestClient, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    kwargs = {"headers": auth(), **kwargs}
    body = problem(client.request(method, path, **kwargs), status)
    assert body["title"] == HTTPStatus(status).phrase
    assert body["instance"] == path.split("?")[0]


def test_a_body_over_the_limit_is_413(client: TestClient) -> None:
    big = json.dumps(lead_write(fields={"1": "x" * (1024 * 1024)}))
    headers = {**auth(), "Content-Type": "application/json"}
    problem(client.post("/leads", content=big, headers=headers), 413)
