"""OAuth2 client credentials over plain data (mock_server/api/tokens.py): the registry and its
clock, and every refusal of a token request, without HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import pytest

from mock_server.api.records import User
from mock_server.api.tokens import (
    TEMPLATES,
    TOKEN_PREFIX,
    OAuthError,
    TokenRegistry,
    TokenRequest,
    issue_token,
)

from ..conftest import FixedClock

ADMIN = User(
    1,
    "Jean",
    "Pac",
    "j@x.example",
    None,
    "admin-token",
    frozenset({"lead.read", "lead.update"}),
    "admin-client",
    "admin-secret",
)
READER = User(
    2,
    "Sara",
    "H",
    "s@x.example",
    None,
    "reader-token",
    frozenset({"lead.read"}),
    "reader-client",
    "s3cret:with colon+plus",
)
CLIENTS = {"admin-client": ADMIN, "reader-client": READER}
GRANT = {"grant_type": ["client_credentials"]}


@pytest.fixture
def registry(clock: FixedClock) -> TokenRegistry:
    return TokenRegistry(clock, ttl=2)


def _request(
    form: Mapping[str, Sequence[str]] | None = None,
    basic: tuple[str, str] | None = ("admin-client", "admin-secret"),
    bad_authorization: bool = False,
) -> TokenRequest:
    return TokenRequest(GRANT if form is None else form, basic, bad_authorization)


def _refused(request: TokenRequest, registry: TokenRegistry) -> OAuthError:
    with pytest.raises(OAuthError) as caught:
        issue_token(request, CLIENTS, registry)
    assert len(registry._grants) == 0, "a refused request issued a token"
    return caught.value


def test_a_token_lives_its_ttl_by_the_clock(registry: TokenRegistry, clock: FixedClock) -> None:
    answer = issue_token(_request(), CLIENTS, registry)
    assert answer == {
        "access_token": answer["access_token"],
        "token_type": "Bearer",
        "expires_in": 2,
    }
    token = answer["access_token"]
    assert token.startswith(TOKEN_PREFIX) and len(token) > len(TOKEN_PREFIX) + 30
    grant = registry.valid(token)
    assert grant is not None and grant.user_id == 1 and grant.rights == ADMIN.rights
    clock.advance(seconds=1.999)
    assert registry.valid(token) is not None
    clock.advance(seconds=0.001)
    assert registry.valid(token) is None, "accepted at its expiry"
    expired = registry.find(token)
    assert expired is not None and expired.expires_at == clock.now


def test_each_request_gets_a_token_of_its_own(registry: TokenRegistry) -> None:
    tokens = {issue_token(_request(), CLIENTS, registry)["access_token"] for _ in range(20)}
    assert len(tokens) == 20
    assert all(registry.valid(token) is not None for token in tokens)


def test_a_token_carries_the_rights_of_its_clients_user(registry: TokenRegistry) -> None:
    answer = issue_token(_request(basic=("reader-client", READER.client_secret)), CLIENTS, registry)
    grant = registry.valid(answer["access_token"])
    assert grant is not None and (grant.user_id, grant.rights) == (2, frozenset({"lead.read"}))


def test_a_token_never_issued_is_not_found(registry: TokenRegistry) -> None:
    issue_token(_request(), CLIENTS, registry)
    assert registry.find("admin-token") is None
    assert registry.valid(TOKEN_PREFIX + "made-up") is None


def test_revoke_all_forgets_every_token_and_counts_the_live_ones(
    registry: TokenRegistry, clock: FixedClock
) -> None:
    old = issue_token(_request(), CLIENTS, registry)["access_token"]
    clock.advance(seconds=5)
    live = [issue_token(_request(), CLIENTS, registry)["access_token"] for _ in range(3)]
    assert registry.revoke_all() == 3
    assert all(registry.find(token) is None for token in [old, *live])


def test_expired_tokens_are_dropped_long_after_expiry_not_before(clock: FixedClock) -> None:
    counter = itertools.count()
    registry = TokenRegistry(clock, ttl=10, new_token=lambda: f"t{next(counter)}")
    first = registry.issue(ADMIN)
    clock.advance(seconds=15)  # expired 5 s ago: still known as expired
    for _ in range(1100):  # past the purge threshold
        registry.issue(ADMIN)
    assert registry.find(first.token) == first
    clock.advance(seconds=6)  # now expired for over one TTL
    for _ in range(1100):
        registry.issue(ADMIN)
    assert registry.find(first.token) is None
    assert registry.find("t1099") is not None, "a token still valid was dropped"


def test_a_token_drawn_twice_is_drawn_again(clock: FixedClock) -> None:
    draws = iter(["same", "same", "other"])
    registry = TokenRegistry(clock, ttl=10, new_token=lambda: next(draws))
    assert [registry.issue(ADMIN).token, registry.issue(ADMIN).token] == ["same", "other"]


def test_a_ttl_below_one_second_is_refused(clock: FixedClock) -> None:
    with pytest.raises(ValueError, match="at least 1 second"):
        TokenRegistry(clock, ttl=0)


def test_the_client_may_authenticate_in_the_body(registry: TokenRegistry) -> None:
    form = {**GRANT, "client_id": ["reader-client"], "client_secret": [READER.client_secret]}
    answer = issue_token(_request(form, basic=None), CLIENTS, registry)
    grant = registry.valid(answer["access_token"])
    assert grant is not None and grant.user_id == 2


def test_a_scope_is_answered_with_the_rights_granted(registry: TokenRegistry) -> None:
    answer = issue_token(_request({**GRANT, "scope": ["lead.read"]}), CLIENTS, registry)
    assert answer["scope"] == "lead.read lead.update"  # not narrowed (D-38)
    grant = registry.valid(answer["access_token"])
    assert grant is not None and grant.rights == ADMIN.rights
    assert "scope" not in issue_token(_request({**GRANT, "scope": [""]}), CLIENTS, registry)


def test_unknown_parameters_are_ignored(registry: TokenRegistry) -> None:
    answer = issue_token(_request({**GRANT, "audience": ["x", "y"]}), CLIENTS, registry)
    assert registry.valid(answer["access_token"]) is not None


REFUSALS = {
    "no grant_type": (_request({}), "invalid_request", 400),
    "empty grant_type": (_request({"grant_type": [""]}), "invalid_request", 400),
    "grant_type twice": (
        _request({"grant_type": ["client_credentials", "client_credentials"]}),
        "invalid_request",
        400,
    ),
    "scope twice": (_request({**GRANT, "scope": ["a", "b"]}), "invalid_request", 400),
    "password grant": (_request({"grant_type": ["password"]}), "unsupported_grant_type", 400),
    "authorization_code grant": (
        _request({"grant_type": ["authorization_code"]}),
        "unsupported_grant_type",
        400,
    ),
    "Basic and body at once": (
        _request({**GRANT, "client_id": ["admin-client"], "client_secret": ["admin-secret"]}),
        "invalid_request",
        400,
    ),
    "Basic and a body secret": (
        _request({**GRANT, "client_secret": ["admin-secret"]}),
        "invalid_request",
        400,
    ),
    "bad Authorization and body credentials": (
        _request(
            {**GRANT, "client_id": ["admin-client"], "client_secret": ["admin-secret"]},
            basic=None,
            bad_authorization=True,
        ),
        "invalid_request",
        400,
    ),
    "secret without id": (
        _request({**GRANT, "client_secret": ["admin-secret"]}, basic=None),
        "invalid_request",
        400,
    ),
    "no client authentication": (_request(basic=None), "invalid_client", 401),
    "an Authorization that is not Basic": (
        _request(basic=None, bad_authorization=True),
        "invalid_client",
        401,
    ),
    "id without secret": (
        _request({**GRANT, "client_id": ["admin-client"]}, basic=None),
        "invalid_client",
        401,
    ),
    "unknown client": (_request(basic=("nobody", "admin-secret")), "invalid_client", 401),
    "wrong secret": (_request(basic=("admin-client", "admin-secreT")), "invalid_client", 401),
    "another client's secret": (
        _request(basic=("admin-client", READER.client_secret)),  # type: ignore[arg-type]
        "invalid_client",
        401,
    ),
    "the fixture token as secret": (
        _request(basic=("admin-client", "admin-token")),
        "invalid_client",
        401,
    ),
    "wrong secret in the body": (
        _request({**GRANT, "client_id": ["admin-client"], "client_secret": ["x"]}, basic=None),
        "invalid_client",
        401,
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_each_bad_request_has_its_rfc_6749_error(case: str, registry: TokenRegistry) -> None:
    request, error, status = REFUSALS[case]
    refused = _refused(request, registry)
    assert (refused.error, refused.status) == (error, status)
    assert refused.body() == {"error": error, "error_description": refused.description}
    assert refused.description and all(
        " " <= c <= "~" and c not in '"\\' for c in refused.description
    )


def test_the_form_is_checked_before_the_client() -> None:
    """A malformed request and a wrong secret at once: the malformed request is answered,
    since the client cannot authenticate until it sends a well-formed request."""
    registry = TokenRegistry(FixedClock(), ttl=2)
    refused = _refused(_request({"grant_type": ["password"]}, basic=("x", "y")), registry)
    assert refused.error == "unsupported_grant_type"


def test_a_secret_is_never_in_a_description(registry: TokenRegistry) -> None:
    for case, (request, _, _) in REFUSALS.items():
        refused = _refused(request, registry)
        assert "admin-secret" not in refused.description, case


def test_descriptions_are_printable_even_with_odd_input(registry: TokenRegistry) -> None:
    refused = _refused(_request({"grant_type": ['pass"wo\\rd\n\u00e9']}), registry)
    assert refused.description.startswith("grant_type pass?wo?rd?? is not supported")


def test_every_template_names_an_rfc_6749_error_code() -> None:
    codes = {error for error, _, _ in TEMPLATES.values()}
    assert codes == {"invalid_request", "invalid_client", "unsupported_grant_type"}
    for name, (error, status, _) in TEMPLATES.items():
        assert (status == 401) == (error == "invalid_client"), name
