"""Options, the server's callers, and the leads the run creates (and always deletes)."""

from __future__ import annotations

import os
import random
import secrets
import string
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.http.client import ApiClient, BearerToken, Credentials
from conformance.http.tokens import ClientCredentials, TokenError
from conformance.inputs.factory import LeadFactory, ReferenceData
from conformance.leads import CreatedLeads, LeadsApi
from conformance.oracle.contract import Contract
from conformance.parallel import (
    LOCK_DIR_INPUT,
    ServerLock,
    is_exclusive,
    make_lock_dir,
    remove_lock_dir,
    worker_count,
)
from conformance.settings import (
    CLIENT_OPTIONS,
    ENV_NAMES,
    ROLE_DESCRIPTIONS,
    ROLE_OPTIONS,
    Settings,
    flag,
    resolve,
)
from conformance.stash import CONTRACT_KEY, SETTINGS_KEY
from conformance.views import Views

# The per-clause report: the `clauses` fixture, the summary, `--leads-report`.
pytest_plugins = ["conformance.report.plugin"]

_OPTIONS = {
    "base_url": ("--base-url", "URL of the server under test"),
    "token": ("--token", "bearer token with every right"),
    "reader_token": ("--reader-token", "token with lead.read only"),
    "norights_token": ("--norights-token", "token with no right"),
    "agent_token": ("--agent-token", "token with lead.read/update/delete, no .other right"),
    "profile": ("--profile", "quick or thorough"),
    "seed": ("--seed", "seed of every generated input (printed at start)"),
    "spec": ("--spec", "the contract (default: openapi/leads.yaml next to the package)"),
    "token_url": ("--token-url", "OAuth2 token URL (default: the contract's, on the server)"),
    **{
        name: (
            flag(name),
            f"{what} of the OAuth2 client for {ROLE_DESCRIPTIONS.get(role, 'every right')}",
        )
        for role, names in CLIENT_OPTIONS.items()
        for name, what in zip(names, ("id", "secret"), strict=True)
    },
}
_LOCK_KEY = pytest.StashKey[ServerLock]()
_LOCK_DIR_KEY = pytest.StashKey[Path]()
_CREDENTIALS_KEY = pytest.StashKey[dict[str, BearerToken]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("leads", "Leads API conformance")
    for name, (option, help_text) in _OPTIONS.items():
        group.addoption(
            option, dest=f"leads_{name}", default=None, help=f"{help_text} [{ENV_NAMES[name]}]"
        )
    group.addoption(
        "--allow-destructive",
        dest="leads_allow_destructive",
        action="store_true",
        default=False,
        help="also run the tests that change or delete leads the suite did not create "
        f"[{ENV_NAMES['allow_destructive']}=1]",
    )


def pytest_configure(config: pytest.Config) -> None:
    options = {name: config.getoption(f"leads_{name}") for name in [*_OPTIONS, "allow_destructive"]}
    settings = resolve(options)
    config.stash[SETTINGS_KEY] = settings
    config.stash[CONTRACT_KEY] = Contract.load(settings.spec_path)
    # schemathesis builds its tests while collecting, before any fixture runs: it reads these.
    settings.export(os.environ)
    lock_dir = getattr(config, "workerinput", {}).get(LOCK_DIR_INPUT)
    if lock_dir is not None:
        config.stash[_LOCK_KEY] = ServerLock(Path(lock_dir))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, on the controller: every worker of the run shares one server lock."""
    config = node.config
    if _LOCK_DIR_KEY not in config.stash:
        config.stash[_LOCK_DIR_KEY] = make_lock_dir()
    node.workerinput[LOCK_DIR_INPUT] = str(config.stash[_LOCK_DIR_KEY])


def pytest_unconfigure(config: pytest.Config) -> None:
    if _LOCK_KEY in config.stash:
        config.stash[_LOCK_KEY].close()
    if _LOCK_DIR_KEY in config.stash:
        remove_lock_dir(config.stash[_LOCK_DIR_KEY])


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash[SETTINGS_KEY]
    roles = ", ".join(sorted(settings.tokens)) or "none"
    lines = [
        f"leads conformance: {settings.base_url}  profile {settings.profile.name}  "
        f"seed {settings.seed} (replay with --seed {settings.seed})",
        f"  contract {settings.spec_path}; tokens for {roles}; "
        f"destructive tests {_destructive(config, settings)}",
    ]
    if settings.clients:
        lines.append(
            f"  OAuth2 clients for {', '.join(sorted(settings.clients))}: tokens fetched from "
            f"{settings.token_url} and renewed"
        )
    return lines


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """How many tokens the run fetched, and why (this process's: each xdist worker has its own)."""
    fetched = [
        (role, c)
        for role, c in config.stash.get(_CREDENTIALS_KEY, {}).items()
        if isinstance(c, ClientCredentials) and c.fetched
    ]
    if not fetched:
        return
    terminalreporter.write_line(
        "leads conformance tokens: "
        + "; ".join(
            f"{role} {c.fetched} fetched, {c.renewed_before_expiry} renewed before expiry, "
            f"{c.renewed_after_refusal} after an invalid_token answer"
            for role, c in sorted(fetched)
        )
    )


def _destructive(config: pytest.Config, settings: Settings) -> str:
    if not settings.allow_destructive:
        return "skipped"
    # The header is the controller's: the workers it starts run the suite side by side.
    workers = config.getoption("numprocesses", None) or 0
    return "skipped (parallel run)" if workers > 1 else "ALLOWED"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = config.stash[SETTINGS_KEY]
    skip = pytest.mark.skip(
        reason="touches leads the suite did not create: pass --allow-destructive "
        f"({ENV_NAMES['allow_destructive']}=1) on a server whose data may be lost"
    )
    parallel = worker_count(config) > 1
    skip_parallel = pytest.mark.skip(
        reason="touches leads the suite did not create, among them those the other pytest-xdist "
        "workers rely on: run the destructive tests without -n (`-m destructive`)"
    )
    for item in items:
        if "destructive" in item.keywords:
            if not settings.allow_destructive:
                item.add_marker(skip)
            elif parallel:
                item.add_marker(skip_parallel)
    # Destructive tests run last: they may wipe or reset what the other tests rely on. Tests
    # that need the server to themselves run first and together, so that in a parallel run
    # the other workers wait for them once, not before each.
    items.sort(key=lambda item: ("destructive" in item.keywords, not is_exclusive(item)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """In a parallel run, a test holds the server lock from its setup to its teardown."""
    lock = item.config.stash.get(_LOCK_KEY, None)
    if lock is None:
        return (yield)
    lock.acquire(exclusive=is_exclusive(item))
    try:
        return (yield)
    finally:
        # A shared hold ends with each test, or a waiting exclusive test would never get in;
        # an exclusive one is kept for an exclusive test that follows.
        if not (is_exclusive(item) and is_exclusive(nextitem)):
            lock.release()


def pytest_itemcollected(item: pytest.Item) -> None:
    # schemathesis names one test per operation, `test_...[GET /leads]`, but pytest 9.2 derives
    # a node id from `originalname` and a callspec, which schemathesis' items lack: every
    # operation then shares one node id. Duplicate ids mix up reports, JUnit XML and `-rA`, and
    # under pytest-xdist a worker checks that each report's node id is its item's; rewriting
    # the report's id instead fails that check (INTERNALERROR). So the item gets its own id,
    # before anything reads it. Older pytest already builds it from the name: nothing to do.
    label = getattr(item, "operation_label", None)
    if not label or item.parent is None or item.nodeid.endswith(f"[{label}]"):
        return
    wanted = f"{item.parent.nodeid}::{item.name}"
    node_id = getattr(item, "_id", None)
    parse = getattr(type(node_id), "parse", None)
    if parse is not None:
        item._id = parse(wanted)
    if item.nodeid != wanted:
        raise pytest.UsageError(
            f"cannot give the schemathesis test {item.name!r} a node id of its own: it would "
            f"share {item.nodeid!r} with every operation (pytest {pytest.__version__})"
        )


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config) -> Settings:
    return pytestconfig.stash[SETTINGS_KEY]


@pytest.fixture(scope="session")
def contract(pytestconfig: pytest.Config) -> Contract:
    return pytestconfig.stash[CONTRACT_KEY]


@pytest.fixture(scope="session")
def _http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30.0) as client:
        yield client


@pytest.fixture(scope="session")
def credentials(
    pytestconfig: pytest.Config, settings: Settings, _http: httpx.Client
) -> dict[str, BearerToken]:
    """Each role's bearer token: fixed, or fetched with its client and renewed (one source per
    role for the whole run, so that every test reuses its token until it must be renewed)."""
    found: dict[str, BearerToken] = {
        role: Credentials(token, settings.token_shown(role))
        for role, token in settings.tokens.items()
    }
    for role, (client_id, secret) in settings.clients.items():
        assert settings.token_url is not None
        found[role] = ClientCredentials(
            _http, settings.token_url, client_id, secret, settings.client_shown(role)
        )
    pytestconfig.stash[_CREDENTIALS_KEY] = found
    return found


def _client(
    settings: Settings, http: httpx.Client, role: str | None, credentials: dict[str, BearerToken]
) -> ApiClient:
    return ApiClient(settings.base_url, credentials[role] if role else None, http=http)


@pytest.fixture(scope="session")
def admin_credentials(credentials: dict[str, BearerToken]) -> BearerToken:
    return credentials["token"]


@pytest.fixture(scope="session")
def admin_client(
    settings: Settings, _http: httpx.Client, credentials: dict[str, BearerToken]
) -> ApiClient:
    client = _client(settings, _http, "token", credentials)
    try:
        exchange = client.get("/leads", [("per_page", "1")])
    except TokenError as exc:
        pytest.exit(f"no token for the admin role ({flag('client_id')}): {exc}", returncode=3)
    except httpx.HTTPError as exc:
        pytest.exit(f"the server at {settings.base_url} does not answer: {exc}", returncode=3)
    if exchange.status != 200:
        pytest.exit(
            f"GET /leads with the admin token (--token) answered {exchange.status}: "
            f"{exchange.describe_response()}\n  {exchange.curl()}",
            returncode=3,
        )
    return client


@pytest.fixture(scope="session")
def anonymous(settings: Settings, _http: httpx.Client, admin_client: ApiClient) -> ApiClient:
    return ApiClient(settings.base_url, None, http=_http)


def _role(
    settings: Settings, http: httpx.Client, role: str, credentials: dict[str, BearerToken]
) -> ApiClient:
    if role not in settings.roles:
        id_name, secret_name = CLIENT_OPTIONS[role]
        pytest.skip(
            f"needs {ROLE_DESCRIPTIONS[role]}: pass {ROLE_OPTIONS[role]} or {ENV_NAMES[role]}, "
            f"or its client ({flag(id_name)}, {flag(secret_name)})"
        )
    return _client(settings, http, role, credentials)


@pytest.fixture(scope="session")
def reader_client(
    settings: Settings,
    _http: httpx.Client,
    admin_client: ApiClient,
    credentials: dict[str, BearerToken],
) -> ApiClient:
    return _role(settings, _http, "reader_token", credentials)


@pytest.fixture(scope="session")
def norights_client(
    settings: Settings,
    _http: httpx.Client,
    admin_client: ApiClient,
    credentials: dict[str, BearerToken],
) -> ApiClient:
    return _role(settings, _http, "norights_token", credentials)


@pytest.fixture(scope="session")
def agent_client(
    settings: Settings,
    _http: httpx.Client,
    admin_client: ApiClient,
    credentials: dict[str, BearerToken],
) -> ApiClient:
    return _role(settings, _http, "agent_token", credentials)


@pytest.fixture(scope="session")
def created(admin_client: ApiClient) -> Iterator[CreatedLeads]:
    """Every lead the run creates, deleted at the end whatever happened to the tests."""
    registry = CreatedLeads()
    yield registry
    problems = registry.delete_all(admin_client)
    if problems:
        raise RuntimeError(
            "could not delete leads this run created (delete them by hand): " + "; ".join(problems)
        )


@pytest.fixture(scope="session")
def api(admin_client: ApiClient, created: CreatedLeads) -> LeadsApi:
    return LeadsApi(admin_client, created)


@pytest.fixture(scope="session")
def run_tag() -> str:
    # Letters only, so that it never equals an id nor occurs in a phone number; random so that
    # two runs (even with one seed) never share leads.
    return "cf" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))


@pytest.fixture(scope="session")
def reference(api: LeadsApi, contract: Contract, settings: Settings) -> ReferenceData:
    listing = api.list_all(max_pages=min(settings.profile.max_pages, 3))
    return ReferenceData.observe(listing.leads, contract)


@pytest.fixture(scope="session")
def corpus_tag(run_tag: str) -> str:
    """Marks the read-only corpus; the other leads carry `<run_tag>w`, which it is no part of."""
    return run_tag + "c"


@pytest.fixture(scope="session")
def factory(contract: Contract, reference: ReferenceData, run_tag: str) -> LeadFactory:
    return LeadFactory(contract, reference, run_tag + "w")


@pytest.fixture
def rnd(settings: Settings, request: pytest.FixtureRequest) -> random.Random:
    """A Random per test, from the run's seed and the test's name: replayable one by one."""
    return random.Random(settings.seed ^ zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture(scope="session")
def identities(
    api: LeadsApi,
    factory: LeadFactory,
    settings: Settings,
    _http: httpx.Client,
    credentials: dict[str, BearerToken],
) -> dict[str, int]:
    """The user id behind each token, read from a lead it creates without `user` (D-14)."""
    found: dict[str, int] = {}
    rnd = random.Random(settings.seed)
    for role in ("token", "agent_token"):
        if role not in settings.roles:
            continue
        caller = api.as_caller(_client(settings, _http, role, credentials))
        _, lead = caller.create(factory.body(rnd))
        found[role] = lead["user"]["id"]
    return found


@pytest.fixture(scope="session")
def reader_identity(
    api: LeadsApi,
    factory: LeadFactory,
    reader_client: ApiClient,
    identities: dict[str, int],
    run_tag: str,
    settings: Settings,
) -> int:
    """The user behind the read-only token, which cannot create a lead to show it: the admin
    creates one lead for each user the suite has seen, and the reader, who lists only its
    own leads (no lead.read.other), sees the one that is its user's."""
    tag = run_tag + "r"
    tagged = LeadFactory(factory.contract, factory.reference, tag)
    rnd = random.Random(settings.seed + 2)
    for user in sorted({*factory.reference.user_ids, *identities.values()}):
        api.create(tagged.body(rnd, user=user))
    seen = {
        lead["user"]["id"] for lead in api.as_caller(reader_client).list_all({"query": tag}).leads
    }
    if len(seen) != 1:
        pytest.skip(
            "cannot tell the read-only token's user: it is none of the users seen on the "
            f"server's leads (its list of the suite's leads held users {sorted(seen)})"
        )
    return seen.pop()


@pytest.fixture(scope="session")
def corpus(
    api: LeadsApi,
    factory: LeadFactory,
    corpus_tag: str,
    settings: Settings,
    identities: dict[str, int],
) -> list[dict[str, Any]]:
    """Leads created for the read-only tests (filters, sorting, paging), as the server stores them.

    Tests must not change them; tests that write create their own leads.
    """
    rnd = random.Random(settings.seed + 1)
    tagged = LeadFactory(factory.contract, factory.reference, corpus_tag)
    users = sorted({*factory.reference.user_ids, *identities.values()})
    leads = []
    for i in range(settings.profile.corpus_size):
        # Half assigned to known users, half to the caller (D-14), for the user filters.
        user = rnd.choice(users) if users and i % 2 else None
        _, lead = api.create(tagged.body(rnd, user=user))
        leads.append(lead)
    # Read back: the list filters judge what GET answers.
    return [api.get(lead["id"])[1] for lead in leads]  # type: ignore[misc]


@pytest.fixture
def views(api: LeadsApi, contract: Contract, factory: LeadFactory) -> Callable[..., Views]:
    """`views(lead_ids)` before a write, `.agree(write, clause, created=...)` after it."""

    def before(lead_ids: Iterable[int] = ()) -> Views:
        return Views.before_write(api, contract, factory.tag, lead_ids)

    return before


@pytest.fixture
def new_lead(
    api: LeadsApi, factory: LeadFactory, rnd: random.Random
) -> Callable[..., dict[str, Any]]:
    """Creates a fresh lead for a test that writes, and answers it as GET reads it."""

    def make(user: int | None = None, caller: LeadsApi | None = None) -> dict[str, Any]:
        creator = caller or api
        _, lead = creator.create(factory.body(rnd, user=user))
        return dict(lead)

    return make
