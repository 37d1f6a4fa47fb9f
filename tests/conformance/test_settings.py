"""Options win over the environment, which wins over the mock's defaults."""

from __future__ import annotations

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
