"""Hostile input: malformed and truncated JSON, wrong content types, huge and deeply nested
bodies, very long strings and query strings, unicode and control characters, ids that are not
ids, repeated query keys, unknown filters, undeclared methods.

Each refused request gets the documented status as a problem+json (`type`, `title`, `status`),
the mock still answers `/__mock/health`, and the exported state (`GET /__mock/state` without
`exported_at`) is exactly what it was. Input that is valid after all (a NUL or an emoji in a
name) may be accepted, but is never a 5xx. A table of hand-picked cases, then hypothesis
variants (random bodies, query strings and path ids).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from ._ledger import Part
from ._mode import Budget
from ._support import ADMIN, contract, describe, healthy, lead_write, problem_issues, reset, state

JSON = "application/json"
MiB = 1024 * 1024
LEAD = 1  # a seed lead (user 10's); the admin token may do anything to it
STATUS_PATCH = {"operations": [{"op": "replace", "path": "/status", "value": "qualified"}]}
BULK_PATCH = {"operations": [{"op": "replace", "path": f"/{LEAD}/status", "value": "qualified"}]}


@dataclass(frozen=True)
class Hostile:
    method: str
    url: str
    expected: frozenset[int]  # documented statuses this request must get
    body: bytes | Callable[[], Iterator[bytes]] | None = None  # a callable: sent chunked
    content_type: str | None = JSON
    headers: dict[str, str] = field(default_factory=dict)
    valid: bool = False  # may be accepted: then any 2xx or 4xx, but never 5xx

    def send(self, http: httpx.Client) -> httpx.Response:
        headers = {**ADMIN, **self.headers}
        if self.content_type is not None:
            headers["Content-Type"] = self.content_type
        content = self.body() if callable(self.body) else self.body
        return http.request(self.method, self.url, content=content, headers=headers)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _chunks(size: int) -> Callable[[], Iterator[bytes]]:
    """A body of `size` bytes sent without Content-Length (chunked), as a stream would be."""

    def chunks() -> Iterator[bytes]:
        sent = 0
        while sent < size:
            yield b"x" * min(64 * 1024, size - sent)
            sent += 64 * 1024

    return chunks


# The operations that take a body, each with a valid one.
BODIES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "create": ("POST", "/leads", lead_write()),
    "replace": ("PUT", f"/leads/{LEAD}", lead_write()),
    "patch": ("PATCH", f"/leads/{LEAD}", STATUS_PATCH),
    "bulk patch": ("PATCH", "/leads", BULK_PATCH),
    "bulk delete": ("DELETE", "/leads", {"leads": [LEAD]}),
}
# And those that take an id in their path.
ID_PATHS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "get": ("GET", "/leads/{id}", None),
    "replace": ("PUT", "/leads/{id}", lead_write()),
    "patch": ("PATCH", "/leads/{id}", STATUS_PATCH),
    "delete": ("DELETE", "/leads/{id}", None),
    "delete alias": ("DELETE", "/lead/{id}", None),
}


# Each body with a number where the schema wants one, but the number is NaN (Python's JSON
# reader takes it; JSON has no such number).
NAN = {
    "create": _json(lead_write()).replace(b'"from_price": 120000', b'"from_price": NaN'),
    "replace": _json(lead_write()).replace(b'"from_price": 120000', b'"from_price": NaN'),
    "patch": b'{"operations": [{"op": "add", "path": "/assignment/property", "value": NaN}]}',
    "bulk patch": b'{"operations": [{"op": "add", "path": "/1/assignment/mls", "value": NaN}]}',
    "bulk delete": b'{"leads": [NaN]}',
}


def _s(*codes: int) -> frozenset[int]:
    return frozenset(codes)


def _body_cases() -> Iterator[Any]:
    for name, (method, url, body) in BODIES.items():
        valid = json.dumps(body)
        cases: dict[str, Hostile] = {
            "truncated JSON": Hostile(method, url, _s(400), valid[: len(valid) // 2].encode()),
            "trailing garbage": Hostile(method, url, _s(400), (valid + " }garbage").encode()),
            "text/plain": Hostile(method, url, _s(415), valid.encode(), "text/plain"),
            "no content type": Hostile(method, url, _s(415), valid.encode(), None),
            "not UTF-8": Hostile(method, url, _s(400), b'{"\xff\xfe": "\xc3\x28"}'),
            "2 MiB": Hostile(method, url, _s(413), b'{"x": "' + b"x" * (2 * MiB) + b'"}'),
            "2 MiB chunked": Hostile(method, url, _s(413), _chunks(2 * MiB)),
            "10k-deep arrays": Hostile(method, url, _s(400), b"[" * 10_000 + b"]" * 10_000),
            "10k-deep objects": Hostile(
                method, url, _s(400), b'{"a":' * 10_000 + b"1" + b"}" * 10_000
            ),
            "5000-digit number": Hostile(method, url, _s(400), b'{"x": ' + b"9" * 5000 + b"}"),
            "JSON null": Hostile(method, url, _s(400), b"null"),
            "JSON array": Hostile(method, url, _s(400), b"[]"),
            "NaN": Hostile(method, url, _s(400), NAN[name]),
        }
        if name != "bulk delete":  # no body there is the documented "delete all" (D-13)
            cases["empty body"] = Hostile(method, url, _s(400), b"")
        for label, case in cases.items():
            yield pytest.param(case, id=f"{name}: {label}")


def _lead_fields(**changes: Any) -> bytes:
    return _json(lead_write(**changes))


HUGE = "99999999999999999999"  # beyond int64
TEXT_CASES = {
    "100k-character first_name": Hostile(
        "POST", "/leads", _s(400), _lead_fields(first_name="x" * 100_000)
    ),
    "100k-character note": Hostile(
        "PUT", f"/leads/{LEAD}", _s(400), _lead_fields(notes=[{"body": "x" * 100_000}])
    ),
    "20k-character query string": Hostile(
        "GET", "/leads?filters[name]=" + "x" * 20_000, _s(400), content_type=None
    ),
    "20k-character free-text query": Hostile(
        "GET", "/leads?filters[query]=" + "ab " * 6_700, _s(400), content_type=None
    ),
    "2000-deep bracketed filter": Hostile(
        "GET", "/leads?filters" + "[a]" * 2_000 + "=1", _s(400), content_type=None
    ),
    "5000 unknown parameters": Hostile(
        "GET", "/leads?" + "&".join(f"p{i}=1" for i in range(5000)), _s(400), content_type=None
    ),
    "10k-character expand header": Hostile(
        "GET",
        f"/leads/{LEAD}",
        _s(400),
        content_type=None,
        headers={"X-MyCRM-Expand-Data": "t" * 10_000},
    ),
    "10k-character token": Hostile(
        "GET",
        f"/leads/{LEAD}",
        _s(401),
        content_type=None,
        headers={"Authorization": "Bearer " + "x" * 10_000},
    ),
    # NUL, right-to-left override, emoji, escape sequences: valid text, so valid filters.
    "NUL in a filter": Hostile(
        "GET", "/leads?filters[name]=a%00b", _s(200), None, None, valid=True
    ),
    "RTL and emoji in a filter": Hostile(
        "GET", "/leads?filters[name]=%E2%80%AEabc%F0%9F%98%80", _s(200), None, None, valid=True
    ),
    "NUL as a status": Hostile("GET", "/leads?filters[status]=%00", _s(400), content_type=None),
    "emoji as a sort key": Hostile("GET", "/leads?sort=%F0%9F%98%80", _s(400), content_type=None),
    "NUL as a patched status": Hostile(
        "PATCH",
        f"/leads/{LEAD}",
        _s(400),
        _json({"operations": [{"op": "replace", "path": "/status", "value": "\x00"}]}),
    ),
    "lone surrogate as a patched status": Hostile(
        "PATCH",
        "/leads",
        _s(400),
        b'{"operations": [{"op": "replace", "path": "/1/status", "value": "\\ud800"}]}',
    ),
    # A body on a request that takes none is ignored.
    "a body on GET": Hostile("GET", f"/leads/{LEAD}", _s(200, 400), b"{garbage", valid=True),
    "multipart without boundary on GET": Hostile(
        "GET", f"/leads/{LEAD}", _s(200, 400, 415), None, "multipart/form-data", valid=True
    ),
    "multipart without boundary on DELETE": Hostile(
        "DELETE", f"/leads/{LEAD}", _s(204, 400, 415), None, "multipart/form-data", valid=True
    ),
}
QUERY_CASES = {
    "page twice": "page=1&page=2",
    "unknown filter client (the document's example)": "filters[client]=1",
    "status twice": "filters[status]=prospect&filters[status]=qualified",
    "unknown wishlist filter": "filters[wishlist][rooms]=3",
    "unknown parameter": "foo=1",
    "page 0": "page=0",
    "huge page": f"page={HUGE}",
    "page not a number": "page=abc",
    "per_page 101": "per_page=101",
    "unknown interval": "filters[created]=someday",
    "filter and sub-filter at once": "filters[created]=today&filters[created][from]=2016-01-01",
}
# Valid in form, impossible in meaning: the contract answers 422 (LeadFilters.channel).
UNPROCESSABLE_QUERY_CASES = {
    "channel of another source": "filters[source]=portal&filters[channel]=facebook",
}
METHOD_CASES = {
    "POST on a lead": ("POST", f"/leads/{LEAD}"),
    "PUT on the list": ("PUT", "/leads"),
    "TRACE": ("TRACE", "/leads"),
    "PATCH on the alias": ("PATCH", f"/lead/{LEAD}"),
}


def _id_cases() -> Iterator[Any]:
    # D-20: a lead id in a path that is not a number names no resource (404), a number below
    # 1 breaks the parameter's minimum (400), a positive number that is no lead's id is 404.
    for bad in ("-1", "0", HUGE, "abc", "1.5"):
        in_path = _s(400) if bad in ("-1", "0") else _s(404)
        for name, (method, template, body) in ID_PATHS.items():
            content, media = (_json(body), JSON) if body is not None else (None, None)
            case = Hostile(method, template.format(id=bad), in_path, content, media)
            yield pytest.param(case, id=f"{name} /{bad}")
        # In bulk bodies the ids are schema-checked: 400, except a positive integer.
        as_json = bad if bad != "abc" else '"abc"'
        expected = _s(404, 400) if bad == HUGE else _s(400)  # HUGE: beyond int64, or no lead
        yield pytest.param(
            Hostile("DELETE", "/leads", expected, f'{{"leads": [{as_json}]}}'.encode()),
            id=f"bulk delete [{bad}]",
        )
        # A bulk path takes 1 to 18 digits, so every one of these breaks its pattern.
        operation = {"op": "replace", "path": f"/{bad}/status", "value": "qualified"}
        yield pytest.param(
            Hostile("PATCH", "/leads", _s(400), _json({"operations": [operation]})),
            id=f"bulk patch /{bad}/status",
        )
        value = json.loads(bad) if bad not in ("abc",) else bad
        assign = {"op": "replace", "path": f"/{LEAD}/assignment/user", "value": value}
        # 1.5, 0, -1 and "abc" break the schema; HUGE is a valid id of no user (422).
        yield pytest.param(
            Hostile("PATCH", "/leads", _s(422) if bad == HUGE else _s(400),
                    _json({"operations": [assign]})),
            id=f"bulk assign user {bad}",
        )  # fmt: skip


CASES = [
    *_body_cases(),
    *(pytest.param(case, id=name) for name, case in TEXT_CASES.items()),
    *(
        pytest.param(Hostile("GET", f"/leads?{q}", _s(400), content_type=None), id=name)
        for name, q in QUERY_CASES.items()
    ),
    *(
        pytest.param(Hostile("GET", f"/leads?{q}", _s(422), content_type=None), id=name)
        for name, q in UNPROCESSABLE_QUERY_CASES.items()
    ),
    *(
        pytest.param(Hostile(method, url, _s(405), content_type=None), id=name)
        for name, (method, url) in METHOD_CASES.items()
    ),
    *_id_cases(),
]


@pytest.fixture(scope="module")
def baseline(http: httpx.Client, part: Part, budget: Budget) -> dict[str, Any]:
    part.describe(
        "Hostile input",
        "A table of hand-picked cases on every operation that takes a body or an id: "
        "truncated JSON, trailing garbage, `text/plain` and no content type, a body that is "
        "not UTF-8, 2 MiB bodies with and without Content-Length (413), 10k-deep arrays and "
        "objects, a 5000-digit number, `null`, `[]`, `NaN`, empty bodies; 100k-character "
        "fields, a 20k-character query string, a 2000-deep bracketed filter, 5000 unknown "
        "parameters, 10k-character headers; NUL, right-to-left and emoji characters; ids -1, "
        "0, 99999999999999999999, `abc`, `1.5` in paths and in bulk bodies; repeated query "
        "keys, unknown filters, undeclared methods.",
        "Hypothesis variants: valid bodies cut and spliced with random bytes, random query "
        "strings over the filter vocabulary with arbitrary unicode values, random path ids.",
        "Checked after each: the documented status as problem+json with type, title and "
        "status (405 with `Allow`); `/__mock/health` answers; the exported state is unchanged "
        "(a valid request that was accepted is undone by a reset).",
    )
    part.fact("seed (hypothesis)", budget.seed)
    reset(http)
    return state(http)


def _judge(
    http: httpx.Client, case: Hostile, response: httpx.Response, before: dict[str, Any]
) -> list[str]:
    issues = []
    accepted = 200 <= response.status_code < 300
    if response.status_code >= 500:
        issues.append(f"{response.status_code}: a server error")
    elif case.valid and accepted:
        pass
    else:
        issues += problem_issues(response, case.expected)
        if response.status_code == 405 and "allow" not in response.headers:
            issues.append("405 without an Allow header (RFC 9110 15.5.6)")
    if not healthy(http):
        issues.append("the mock no longer answers /__mock/health")
        return issues
    after = state(http)
    if after != before:
        changed = "the exported state changed"
        if case.valid and accepted and case.method != "GET":
            reset(http)
        else:
            issues.append(f"{changed} (answer {response.status_code})")
            reset(http)
    return issues


@pytest.mark.parametrize("case", CASES)
def test_hostile_request_is_refused_cleanly(
    http: httpx.Client, baseline: dict[str, Any], part: Part, case: Hostile
) -> None:
    part.count("table cases")
    try:
        response = case.send(http)
    except httpx.HTTPError as exc:
        alive = healthy(http)
        reset(http)
        pytest.fail(f"no answer to {case.method} {case.url[:200]}: {exc!r}; mock up: {alive}")
    issues = _judge(http, case, response, baseline)
    assert not issues, "; ".join(issues) + "\n" + describe(response)


def test_a_valid_odd_name_comes_back_unchanged(http: httpx.Client, part: Part) -> None:
    # NUL, right-to-left override, emoji, an escape sequence, a lone surrogate: all valid JSON
    # strings, stored and answered back as sent (or refused, but never a 5xx).
    names = ["a\x00b", "\u202eabc\U0001f600", "\x1b[31mred", "\ud800", "\u0000" * 5]
    try:
        for name in names:
            part.count("table cases")
            body = json.dumps(lead_write(first_name=name)).encode()
            created = http.post("/leads", content=body, headers={**ADMIN, "Content-Type": JSON})
            assert created.status_code in (201, 400), describe(created)
            if created.status_code == 400:
                assert not problem_issues(created, 400), describe(created)
                continue
            lead = created.json()["lead"]
            read = http.get(f"/leads/{lead['id']}", headers=ADMIN)
            assert read.status_code == 200, describe(read)
            assert read.json()["lead"]["first_name"] == name == lead["first_name"]
            assert http.get("/__mock/state").status_code == 200
    finally:
        reset(http)


def test_a_valid_chunked_body_is_read(http: httpx.Client, part: Part) -> None:
    # Streaming clients send no Content-Length (Transfer-Encoding: chunked); a valid body sent
    # so is as valid as any other.
    part.count("table cases")
    reset(http)
    body = _json({"operations": [{"op": "replace", "path": "/status", "value": "contractSent"}]})
    response = http.patch(
        f"/leads/{LEAD}", content=iter([body]), headers={**ADMIN, "Content-Type": JSON}
    )
    read = http.get(f"/leads/{LEAD}", headers=ADMIN)
    reset(http)
    assert response.status_code == 204, f"a valid chunked body refused:\n{describe(response)}"
    assert read.json()["lead"]["status"] == "contractSent", f"not applied:\n{describe(read)}"


# Hypothesis variants


def _settings(budget: Budget) -> settings:
    # No shrinking: each example is a live request, and the falsifying one is printed whole.
    return settings(
        max_examples=budget.hostile_examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def _check(http: httpx.Client, case: Hostile, before: dict[str, Any]) -> None:
    try:
        response = case.send(http)
    except httpx.HTTPError as exc:
        reset(http)
        raise AssertionError(f"no answer to {case.method} {case.url[:200]}: {exc!r}") from exc
    issues = _judge(http, case, response, before)
    assert not issues, "; ".join(issues) + "\n" + describe(response)


def test_spliced_bodies_are_refused_cleanly(
    http: httpx.Client, baseline: dict[str, Any], budget: Budget, part: Part
) -> None:
    @seed(budget.seed)
    @_settings(budget)
    @given(
        target=st.sampled_from(sorted(BODIES)),
        cut=st.integers(min_value=0, max_value=2000),
        noise=st.binary(max_size=40),
        content_type=st.sampled_from([JSON, JSON, "application/json; charset=utf-8", "text/json"]),
    )
    def spliced(target: str, cut: int, noise: bytes, content_type: str) -> None:
        part.count("hypothesis: spliced bodies")
        method, url, body = BODIES[target]
        valid = _json(body)
        cut = min(cut, len(valid))
        mangled = valid[:cut] + noise + valid[cut + len(noise) // 2 :]
        # Whatever survives may be valid JSON again (a "delete all" even); never a 5xx.
        _check(http, Hostile(method, url, _s(400, 404, 413, 415, 422), mangled, content_type,
                             valid=True), baseline)  # fmt: skip

    spliced()


_FILTER_NAMES = sorted(contract()["components"]["schemas"]["LeadFilters"]["properties"])
_KEYS = st.one_of(
    st.sampled_from([f"filters[{name}]" for name in _FILTER_NAMES]),
    st.sampled_from(_FILTER_NAMES).map(lambda n: f"filters[{n}][from]"),
    st.sampled_from(["page", "per_page", "sort", "sort_order", "filters", "filters[]"]),
    st.text(min_size=1, max_size=20),
)


def test_random_query_strings_are_refused_cleanly(
    http: httpx.Client, baseline: dict[str, Any], budget: Budget, part: Part
) -> None:
    @seed(budget.seed)
    @_settings(budget)
    @given(params=st.lists(st.tuples(_KEYS, st.text(max_size=60)), min_size=1, max_size=6))
    def queried(params: list[tuple[str, str]]) -> None:
        part.count("hypothesis: query strings")
        query = urlencode(params, quote_via=quote)
        _check(http, Hostile("GET", f"/leads?{query}", _s(200, 400), None, None, valid=True),
               baseline)  # fmt: skip

    queried()


def _escape(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))


def test_random_path_ids_are_refused_cleanly(
    http: httpx.Client, baseline: dict[str, Any], budget: Budget, part: Part
) -> None:
    @seed(budget.seed)
    @_settings(budget)
    @given(
        raw=st.one_of(
            st.text(min_size=1, max_size=30),
            st.integers().map(str),
            st.floats(allow_nan=True).map(str),
        ),
        target=st.sampled_from(sorted(ID_PATHS)),
    )
    def addressed(raw: str, target: str) -> None:
        part.count("hypothesis: path ids")
        method, template, body = ID_PATHS[target]
        # Every character but letters and digits percent-encoded: `.` and `..` too, so that
        # no client or server normalises the path away.
        segment = "".join(c if c.isascii() and c.isalnum() else _escape(c) for c in raw)
        content, media = (_json(body), JSON) if body is not None else (None, None)
        url = template.format(id=segment)
        _check(http, Hostile(method, url, _s(400, 404), content, media, valid=True), baseline)

    addressed()
