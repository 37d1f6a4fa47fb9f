"""`MockState`: what one app instance owns. The app factory, the handlers, the control API
and the fast path all read it; it imports none of them.
"""

from __future__ import annotations

import gc
import threading
from datetime import date
from pathlib import Path
from typing import Any

from ..api.errors import ApiError
from ..api.render import timestamp
from ..api.service import Clock, LeadService
from ..api.store import LeadStore
from ..api.tokens import DEFAULT_TTL, TokenRegistry
from ..data.contract import Contract
from ..data.fixtures import FixtureSet, load_fixtures, parse_leads, to_fixture
from .behaviour import RequestLog


class MockState:
    """What one app instance owns: the contract, the fixture set, the live store, the tokens
    issued by the token endpoint, the log."""

    def __init__(
        self,
        contract: Contract,
        fixtures: Path,
        clock: Clock,
        fixture_cache: Path | None = None,
        token_ttl: int = DEFAULT_TTL,
    ) -> None:
        self.contract = contract
        self.clock = clock
        self.fixture_cache = fixture_cache
        self.log = RequestLog()
        self.tokens = TokenRegistry(clock, token_ttl)
        self._lock = threading.RLock()
        self._generation = 0
        self._use(load_fixtures(fixtures, contract, cache_dir=fixture_cache))

    def _use(self, fixtures: FixtureSet) -> None:
        with self._lock:
            self._generation += 1
            self.fixtures = fixtures
            self.store = LeadStore(fixtures.leads, fixtures.index)
            self.service = LeadService(
                self.contract.terms, fixtures.reference, self.store, self.clock
            )
            # Issued tokens belong to this set's clients and carry their users' rights: another
            # set may have other users, so its tokens are fetched anew (a reset keeps them).
            self.tokens.revoke_all()
        # The seed lives as long as the process: keep the collector from scanning it again
        # and again (a full collection took 2.9 s at 100k leads, measured as p99 spikes).
        # When another set (or another app in this process) was frozen before, unfreezing and
        # collecting first lets it go; a process's first freeze skips that full collection
        # (0.17 s of a 10k start-up) since there is nothing worth letting go.
        if gc.get_freeze_count():
            gc.unfreeze()
            gc.collect()
        gc.freeze()

    def reset(self) -> None:
        self.store.reset()

    def data_version(self) -> tuple[int, int, date]:
        """What every read answer depends on besides the request: the fixture set in use,
        the changes to its leads, and today's date (date filters are relative to it)."""
        return self._generation, self.store.version, self.clock().date()

    def available_sets(self) -> list[str]:
        root = self.fixtures.path.parent
        return sorted(p.name for p in root.iterdir() if (p / "users.json").is_file())

    def load(self, name: str) -> None:
        """Switches to the fixture set `name`, a sibling folder of the current one."""
        folder = self.fixtures.path.parent / name
        self._use(load_fixtures(folder, self.contract, cache_dir=self.fixture_cache))

    def export_leads(self) -> list[dict[str, Any]]:
        return [to_fixture(lead) for lead in sorted(self.store.all(), key=lambda lead: lead["id"])]

    def import_leads(self, records: list[Any], counters: dict[str, int] | None = None) -> None:
        leads = parse_leads(records, self.contract, self.fixtures.reference, "imported state")
        self.store.replace_all(leads, counters)

    def token_info(self, token: str) -> dict[str, Any] | None:
        """Who a bearer token is, if it is accepted now: a fixture token (never expires) or
        one the token endpoint issued and that has not expired."""
        user = self.fixtures.reference.tokens.get(token)
        if user is not None:
            return {"sub": str(user.id), "user_id": user.id, "rights": user.rights}
        grant = self.tokens.valid(token)
        if grant is None:
            return None
        return {"sub": str(grant.user_id), "user_id": grant.user_id, "rights": grant.rights}

    def accepts_authorization(self, authorization: bytes) -> bool:
        """Whether an `Authorization` header's bearer token is accepted now."""
        parts = authorization.split(maxsplit=1)  # as Connexion reads the header
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return False
        return self.token_info(parts[1].decode("latin-1")) is not None

    def token_refusal(self, token: str) -> ApiError:
        """Why a bearer token that `token_info` does not accept is refused."""
        grant = self.tokens.find(token)
        if grant is not None and self.clock() >= grant.expires_at:
            return ApiError("expired_token", at=timestamp(grant.expires_at))
        return ApiError("unknown_token")
