"""A run's configuration: options, then `LEADS_*` environment variables, then the mock."""

from __future__ import annotations

import os
import random
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hypothesis import Phase

from .oracle.contract import DEFAULT_SPEC_PATH

DEFAULT_BASE_URL = "http://127.0.0.1:8080"

# The mock's fixture tokens (README, `make mock`): public, so curl commands may show them.
FIXTURE_TOKENS: Mapping[str, str] = {
    "token": "admin-token",
    "reader_token": "reader-token",
    "norights_token": "norights-token",
    "agent_token": "agent-token",
}

ENV_NAMES: Mapping[str, str] = {
    "base_url": "LEADS_BASE_URL",
    "token": "LEADS_TOKEN",
    "reader_token": "LEADS_READER_TOKEN",
    "norights_token": "LEADS_NORIGHTS_TOKEN",
    "agent_token": "LEADS_AGENT_TOKEN",
    "profile": "LEADS_PROFILE",
    "seed": "LEADS_SEED",
    "allow_destructive": "LEADS_ALLOW_DESTRUCTIVE",
    "spec": "LEADS_SPEC",
}

# What each narrower token is assumed to hold; the rights tests derive their expectations from
# these and the contract's `x-rights`.
ROLE_RIGHTS: Mapping[str, frozenset[str]] = {
    "reader_token": frozenset({"lead.read"}),
    "norights_token": frozenset(),
    "agent_token": frozenset(
        {"lead.read", "lead.update", "lead.delete", "user.update", "property.read"}
    ),
}

ROLE_DESCRIPTIONS: Mapping[str, str] = {
    "reader_token": "a read-only token (lead.read)",
    "norights_token": "a token without rights",
    "agent_token": "an agent token (lead.read, .update, .delete, user.update, property.read)",
}

ROLE_OPTIONS: Mapping[str, str] = {
    "reader_token": "--reader-token",
    "norights_token": "--norights-token",
    "agent_token": "--agent-token",
}


@dataclass(frozen=True)
class Profile:
    """Test budgets. `quick` stays under two minutes against the mock on two cores."""

    name: str
    # schemathesis: examples per operation in the fuzzing phase, and the share of the
    # (deterministic, large) coverage phase that is sent; unsent cases are still generated.
    fuzz_examples: int
    coverage_share: float
    # Coverage-phase generation modes (negative coverage triples its size; fuzzing still
    # sends negative data in every profile).
    coverage_modes: str
    # schemathesis' link-driven state machine, and the suite's own model-based one.
    stateful_examples: int
    stateful_steps: int
    model_examples: int
    model_steps: int
    # Filter semantics: generated filters per test, leads the suite creates to search.
    filter_examples: int
    corpus_size: int
    # Pages read when a check needs every matching lead of the whole server (100 per page).
    max_pages: int
    # Shrink failing examples to a minimal one. Each shrink step is an HTTP round trip, so a
    # broken server can keep a shrinking run busy for minutes: the quick profile reports the
    # first failing example as found.
    shrink: bool


PROFILES: Mapping[str, Profile] = {
    "quick": Profile(
        name="quick",
        fuzz_examples=10,
        coverage_share=0.4,
        coverage_modes="all",
        stateful_examples=4,
        stateful_steps=6,
        model_examples=4,
        model_steps=12,
        filter_examples=30,
        corpus_size=14,
        max_pages=5,
        shrink=False,
    ),
    "thorough": Profile(
        name="thorough",
        fuzz_examples=100,
        coverage_share=1.0,
        coverage_modes="all",
        stateful_examples=40,
        stateful_steps=20,
        model_examples=60,
        model_steps=30,
        filter_examples=500,
        corpus_size=40,
        max_pages=50,
        shrink=True,
    ),
}


@dataclass(frozen=True)
class Settings:
    base_url: str
    tokens: Mapping[str, str]
    profile: Profile
    seed: int
    allow_destructive: bool
    spec_path: Path

    @property
    def hypothesis_phases(self) -> list[Phase]:
        # Imported here: `leads-conformance` reads its settings before pytest starts, and
        # pytest must import its plugins (hypothesis is one) itself to rewrite them.
        from hypothesis import Phase

        # No example database (a run replays by its seed) and no "explain" phase (noise here).
        phases = [Phase.explicit, Phase.generate]
        return [*phases, Phase.shrink] if self.profile.shrink else phases

    def token_shown(self, role: str) -> str:
        """How curl commands print a role's token: fixture tokens as is, others by variable."""
        token = self.tokens[role]
        return token if token == FIXTURE_TOKENS.get(role) else f"${ENV_NAMES[role]}"

    def export(self, environ: MutableMapping[str, str]) -> None:
        """Write the settings that code run at collection time needs (not the tokens)."""
        environ[ENV_NAMES["base_url"]] = self.base_url
        environ[ENV_NAMES["profile"]] = self.profile.name
        environ[ENV_NAMES["seed"]] = str(self.seed)
        environ[ENV_NAMES["allow_destructive"]] = "1" if self.allow_destructive else "0"
        environ[ENV_NAMES["spec"]] = str(self.spec_path)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def resolve(
    options: Mapping[str, object | None], environ: Mapping[str, str] = os.environ
) -> Settings:
    """Options win over the environment, which wins over the defaults (the mock)."""

    def pick(name: str) -> str | None:
        value = options.get(name)
        if value is not None and value != "":
            return str(value)
        env = environ.get(ENV_NAMES[name])
        return env if env else None

    admin = pick("token")
    tokens: dict[str, str] = {}
    # Without an admin token the run targets the mock, so the fixture tokens are the default
    # for every role; with one, narrower roles are only those given (others are skipped).
    if admin is None:
        tokens = dict(FIXTURE_TOKENS)
    else:
        tokens["token"] = admin
    for role in ROLE_OPTIONS:
        given = pick(role)
        if given is not None:
            tokens[role] = given

    profile_name = pick("profile") or "quick"
    if profile_name not in PROFILES:
        raise ValueError(f"unknown profile {profile_name!r}: choose {' or '.join(PROFILES)}")
    seed_text = pick("seed")
    try:
        seed = int(seed_text) if seed_text is not None else random.SystemRandom().randrange(2**32)
    except ValueError:
        raise ValueError(f"the seed must be an integer, got {seed_text!r}") from None
    spec = pick("spec")
    allow = options.get("allow_destructive")
    return Settings(
        base_url=(pick("base_url") or DEFAULT_BASE_URL).rstrip("/"),
        tokens=tokens,
        profile=PROFILES[profile_name],
        seed=seed,
        allow_destructive=bool(allow) or _truthy(environ.get(ENV_NAMES["allow_destructive"])),
        spec_path=Path(spec) if spec else DEFAULT_SPEC_PATH,
    )
