"""A run's configuration: options, then `LEADS_*` environment variables, then the mock."""

from __future__ import annotations

import os
import random
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from hypothesis import Phase

from .http.tokens import ShownClient
from .oracle.contract import DEFAULT_SPEC_PATH, Contract

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
    "token_url": "LEADS_TOKEN_URL",
    "client_id": "LEADS_CLIENT_ID",
    "client_secret": "LEADS_CLIENT_SECRET",
    "reader_client_id": "LEADS_READER_CLIENT_ID",
    "reader_client_secret": "LEADS_READER_CLIENT_SECRET",
    "norights_client_id": "LEADS_NORIGHTS_CLIENT_ID",
    "norights_client_secret": "LEADS_NORIGHTS_CLIENT_SECRET",
    "agent_client_id": "LEADS_AGENT_CLIENT_ID",
    "agent_client_secret": "LEADS_AGENT_CLIENT_SECRET",
}

# Each role's OAuth2 client (D-38): the options holding its id and secret. A role is given a
# token or a client, not both; with a client the suite fetches and renews its own tokens.
CLIENT_OPTIONS: Mapping[str, tuple[str, str]] = {
    "token": ("client_id", "client_secret"),
    "reader_token": ("reader_client_id", "reader_client_secret"),
    "norights_token": ("norights_client_id", "norights_client_secret"),
    "agent_token": ("agent_client_id", "agent_client_secret"),
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


def flag(name: str) -> str:
    """The command-line option of a setting: `reader_client_id` -> `--reader-client-id`."""
    return "--" + name.replace("_", "-")


@dataclass(frozen=True)
class Settings:
    base_url: str
    tokens: Mapping[str, str] = field(repr=False)  # role -> fixed token
    profile: Profile
    seed: int
    allow_destructive: bool
    spec_path: Path
    # role -> (client id, secret), each role in `tokens` or here; the URL they are posted to.
    clients: Mapping[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    token_url: str | None = None

    @property
    def roles(self) -> frozenset[str]:
        """The roles the run has credentials for."""
        return frozenset(self.tokens) | frozenset(self.clients)

    def client_shown(self, role: str) -> ShownClient:
        """How output spells a role's client and the tokens fetched with it: as the
        variables that hold them (`$LEADS_CLIENT_ID`, `$LEADS_TOKEN`), never the values."""
        id_name, secret_name = CLIENT_OPTIONS[role]
        return ShownClient(
            token=f"${ENV_NAMES[role]}",
            client_id=f"${ENV_NAMES[id_name]}",
            client_secret=f"${ENV_NAMES[secret_name]}",
        )

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

    given = {role: token for role in CLIENT_OPTIONS if (token := pick(role)) is not None}
    clients: dict[str, tuple[str, str]] = {}
    for role, (id_name, secret_name) in CLIENT_OPTIONS.items():
        client_id, secret = pick(id_name), pick(secret_name)
        if (client_id is None) != (secret is None):
            raise ValueError(
                f"{flag(id_name)} and {flag(secret_name)} go together "
                f"({ENV_NAMES[id_name]}, {ENV_NAMES[secret_name]})"
            )
        if client_id is not None and secret is not None:
            if role in given:
                raise ValueError(
                    f"{flag(role)} and {flag(id_name)} both give credentials for one role: "
                    "pass a token or a client"
                )
            clients[role] = (client_id, secret)
    # Without admin credentials the run targets the mock, so the fixture tokens are the
    # default for every role not given; with them, narrower roles are only those given
    # (others are skipped).
    tokens: dict[str, str] = {}
    if "token" not in given and "token" not in clients:
        tokens = {role: t for role, t in FIXTURE_TOKENS.items() if role not in clients}
    tokens.update(given)

    profile_name = pick("profile") or "quick"
    if profile_name not in PROFILES:
        raise ValueError(f"unknown profile {profile_name!r}: choose {' or '.join(PROFILES)}")
    seed_text = pick("seed")
    try:
        seed = int(seed_text) if seed_text is not None else random.SystemRandom().randrange(2**32)
    except ValueError:
        raise ValueError(f"the seed must be an integer, got {seed_text!r}") from None
    spec = pick("spec")
    spec_path = Path(spec) if spec else DEFAULT_SPEC_PATH
    base_url = (pick("base_url") or DEFAULT_BASE_URL).rstrip("/")
    token_url = pick("token_url")
    if token_url is not None and not clients:
        raise ValueError(
            f"{flag('token_url')} needs a client to post: {flag('client_id')} and "
            f"{flag('client_secret')} ({ENV_NAMES['client_id']}, {ENV_NAMES['client_secret']}), "
            "or those of a narrower role"
        )
    if clients:
        token_url = _token_url(token_url or _contract_token_url(spec_path), base_url)
    allow = options.get("allow_destructive")
    return Settings(
        base_url=base_url,
        tokens=tokens,
        profile=PROFILES[profile_name],
        seed=seed,
        allow_destructive=bool(allow) or _truthy(environ.get(ENV_NAMES["allow_destructive"])),
        spec_path=spec_path,
        clients=clients,
        token_url=token_url,
    )


def _contract_token_url(spec_path: Path) -> str:
    """The contract's client-credentials `tokenUrl` (D-38: relative, so the server's)."""
    schemes = Contract.load(spec_path).document.get("components", {}).get("securitySchemes", {})
    for scheme in schemes.values():
        flow = (
            scheme.get("flows", {}).get("clientCredentials", {}) if isinstance(scheme, dict) else {}
        )
        if isinstance(flow.get("tokenUrl"), str):
            return str(flow["tokenUrl"])
    raise ValueError(
        f"{spec_path} declares no client-credentials flow: pass {flag('token_url')} "
        f"({ENV_NAMES['token_url']})"
    )


def _token_url(url: str, base_url: str) -> str:
    """`url`, or a path resolved against the server's URL as OpenAPI resolves a relative one."""
    resolved = urljoin(base_url + "/", url)
    parts = urlsplit(resolved)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"{flag('token_url')} {url!r}: an http(s) URL, or a path such as /oauth/token"
        )
    return resolved
