"""Options win over the environment, which wins over the mock's defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.settings import DEFAULT_BASE_URL, FIXTURE_TOKENS, resolve


def test_defaults_are_the_mock_and_its_fixture_tokens() -> None:
    settings = resolve({}, {})
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.tokens == FIXTURE_TOKENS
    assert settings.profile.name == "quick"
    assert not settings.allow_destructive
    assert settings.token_shown("token") == "admin-token"


def test_a_given_token_drops_the_fixture_roles() -> None:
    settings = resolve({"token": "real"}, {"LEADS_AGENT_TOKEN": "agent"})
    assert settings.tokens == {"token": "real", "agent_token": "agent"}
    # Real tokens are printed as the variable that holds them.
    assert settings.token_shown("token") == "$LEADS_TOKEN"


def test_options_win_over_the_environment() -> None:
    env = {"LEADS_BASE_URL": "http://env", "LEADS_SEED": "5", "LEADS_PROFILE": "thorough"}
    settings = resolve({"base_url": "http://option/", "seed": 9}, env)
    assert (settings.base_url, settings.seed, settings.profile.name) == (
        "http://option",
        9,
        "thorough",
    )


def test_a_missing_seed_is_drawn_and_an_export_replays_it() -> None:
    settings = resolve({}, {})
    exported: dict[str, str] = {}
    settings.export(exported)
    assert resolve({}, exported).seed == settings.seed
    assert "LEADS_TOKEN" not in exported


@pytest.mark.parametrize(("options", "env"), [({"profile": "slow"}, {}), ({}, {"LEADS_SEED": "x"})])
def test_bad_values_are_refused(options: dict[str, str], env: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        resolve(options, env)


def test_allow_destructive_from_the_environment() -> None:
    assert resolve({}, {"LEADS_ALLOW_DESTRUCTIVE": "1"}).allow_destructive
    assert not resolve({}, {"LEADS_ALLOW_DESTRUCTIVE": "0"}).allow_destructive


CLIENT = {"client_id": "me", "client_secret": "s"}


def test_a_client_replaces_the_admin_token_and_the_fixture_roles() -> None:
    settings = resolve({**CLIENT, "base_url": "https://api.test/v2"}, {})
    assert settings.tokens == {} and settings.clients == {"token": ("me", "s")}
    assert settings.roles == {"token"}
    # The contract's relative tokenUrl, resolved against the server as OpenAPI does (D-38).
    assert settings.token_url == "https://api.test/oauth/token"
    shown = settings.client_shown("token")
    assert (shown.token, shown.client_id, shown.client_secret) == (
        "$LEADS_TOKEN",
        "$LEADS_CLIENT_ID",
        "$LEADS_CLIENT_SECRET",
    )


def test_clients_and_their_token_url_come_from_the_environment() -> None:
    env = {
        "LEADS_TOKEN_URL": "/connect/token",
        "LEADS_CLIENT_ID": "admin",
        "LEADS_CLIENT_SECRET": "a",
        "LEADS_READER_CLIENT_ID": "reader",
        "LEADS_READER_CLIENT_SECRET": "r",
        "LEADS_AGENT_TOKEN": "agent",
    }
    settings = resolve({"base_url": "http://mock:9000"}, env)
    assert settings.clients == {"token": ("admin", "a"), "reader_token": ("reader", "r")}
    assert settings.tokens == {"agent_token": "agent"}
    assert settings.roles == {"token", "reader_token", "agent_token"}
    assert settings.token_url == "http://mock:9000/connect/token"
    assert settings.client_shown("reader_token").client_secret == "$LEADS_READER_CLIENT_SECRET"
    # Reprs are what pytest prints on a failure: no token nor secret in them.
    assert not {"'agent'", "'a'", "'r'"} & set(repr(settings).replace(",", " ").split())


def test_a_narrower_client_alone_keeps_the_fixture_tokens_for_the_others() -> None:
    options = {"reader_client_id": "reader", "reader_client_secret": "r"}
    settings = resolve({**options, "token_url": "http://auth.test/token"}, {})
    assert set(settings.tokens) == set(FIXTURE_TOKENS) - {"reader_token"}
    assert settings.clients == {"reader_token": ("reader", "r")}
    assert settings.token_url == "http://auth.test/token"


def test_without_clients_nothing_changes() -> None:
    settings = resolve({}, {})
    assert settings.clients == {} and settings.token_url is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"client_id": "me"}, "--client-id and --client-secret go together"),
        ({"agent_client_secret": "s"}, "--agent-client-id and --agent-client-secret"),
        ({**CLIENT, "token": "t"}, "--token and --client-id both give credentials"),
        ({"token_url": "http://auth.test/token"}, "--token-url needs a client"),
        ({**CLIENT, "token_url": "ftp://auth.test/token"}, "an http(s) URL"),
    ],
)
def test_bad_client_settings_are_refused_with_the_option_to_fix(
    options: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        resolve(options, {})
    assert message in str(raised.value)


def test_a_contract_without_the_flow_needs_a_token_url(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n")
    with pytest.raises(ValueError, match="declares no client-credentials flow: pass --token-url"):
        resolve({**CLIENT, "spec": str(spec)}, {})
    assert resolve({**CLIENT, "spec": str(spec), "token_url": "http://a.test/t"}, {}).token_url
