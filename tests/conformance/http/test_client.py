"""Requests shown as curl commands: replayable, with `-g`, and without real secrets."""

from __future__ import annotations

import subprocess

import httpx

from conformance.http.client import ApiClient, Credentials, Exchange, encode_query


def _exchange(body: bytes | None, shown_token: str = "admin-token") -> Exchange:
    return Exchange(
        method="PATCH",
        url="http://127.0.0.1:8080/leads?filters[status]=prospect",
        request_headers={},
        request_body=body,
        status=204,
        response_headers={},
        response_text="",
        shown_headers={"Authorization": f"Bearer {shown_token}"},
    )


def test_curl_carries_globoff_the_method_headers_and_body() -> None:
    curl = _exchange(b'{"operations": []}').curl()
    assert curl.startswith("curl -g -X PATCH ")
    assert "-H 'Authorization: Bearer admin-token'" in curl
    assert """--data-binary '{"operations": []}'""" in curl
    assert curl.endswith("'http://127.0.0.1:8080/leads?filters[status]=prospect'")


def test_curl_names_a_real_token_by_its_variable() -> None:
    assert '-H "Authorization: Bearer $LEADS_TOKEN"' in _exchange(None, "$LEADS_TOKEN").curl()


def test_curl_replays_binary_bodies_byte_for_byte() -> None:
    curl = _exchange(b"\xff\x0c{'\\").curl()
    word = curl.split("--data-binary ", 1)[1].split(" ", 1)[0]
    replayed = subprocess.run(
        ["bash", "-c", f"printf %s {word}"], capture_output=True, check=True
    ).stdout
    assert replayed == b"\xff\x0c{'\\"


def test_query_keeps_brackets_and_encodes_values() -> None:
    query = encode_query([("filters[query]", "David P"), ("filters[mobile]", "+971")])
    assert query == "filters[query]=David%20P&filters[mobile]=%2B971"


def test_client_sends_the_token_and_records_the_exchange() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = ApiClient("http://api.test/", Credentials("secret", "$LEADS_TOKEN"), http=http)
    exchange = client.post("/leads", {"lead": {}})
    assert seen[0].headers["authorization"] == "Bearer secret"
    assert seen[0].headers["content-type"] == "application/json"
    assert exchange.status == 200 and exchange.json == {"ok": True}
    assert "secret" not in exchange.curl()
    assert exchange.url == "http://api.test/leads"
