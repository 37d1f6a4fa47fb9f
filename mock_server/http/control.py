"""The control API (`control.yaml` beside this file), served under `/__mock/` beside the
contract."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..api.errors import ApiError, field_error
from ..data.contract import load_yaml
from ..data.fixtures import FixtureError
from . import oauth
from .state import MockState

PREFIX = "/__mock"
SPEC = Path(str(files(__package__) / "control.yaml"))
TOKEN_SPEC_PATH = "/oauth/openapi.json"


def spec() -> Any:
    with SPEC.open(encoding="utf-8") as fh:
        return load_yaml(fh)


def ui_specs() -> list[dict[str, str]]:
    """The documents the control API's Swagger UI offers: its own, then the token endpoint's."""
    return [
        {"name": "Control API", "url": f"{PREFIX}/openapi.json"},
        {"name": "OAuth2 token endpoint", "url": f"{PREFIX}{TOKEN_SPEC_PATH}"},
    ]


_JSON = {"Content-Type": "application/json"}


class ControlHandlers:
    def __init__(self, state: MockState, token_path: str = oauth.TOKEN_PATH) -> None:
        self.state = state
        self._token_spec = oauth.spec(token_path)

    def _status(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        body = {
            "status": "ok",
            "fixtures": self.state.fixtures.path.name,
            "leads": len(self.state.store),
        }
        return body, 200, _JSON

    def health(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        return self._status()

    def reset(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        self.state.reset()
        return self._status()

    def list_fixture_sets(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        body = {"current": self.state.fixtures.path.name, "available": self.state.available_sets()}
        return body, 200, _JSON

    def load_fixture_set(self, name: str) -> tuple[dict[str, Any], int, dict[str, str]]:
        self._load(name)
        return self._status()

    def export_state(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        body = {
            "fixtures": self.state.fixtures.path.name,
            "exported_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "leads": self.state.export_leads(),
            "next_ids": self.state.store.counters(),
        }
        return body, 200, _JSON

    def import_state(self, body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        if body["fixtures"] != self.state.fixtures.path.name:
            self._load(body["fixtures"])
        try:
            self.state.import_leads(body["leads"], body.get("next_ids"))
        except FixtureError as exc:
            raise ApiError(
                "unprocessable", errors=[field_error("body", "/leads", str(exc))]
            ) from exc
        return self._status()

    def recent_requests(self, limit: int = 50) -> tuple[dict[str, Any], int, dict[str, str]]:
        return {"requests": self.state.log.recent(limit)}, 200, _JSON

    def clear_requests(self) -> tuple[None, int]:
        self.state.log.entries.clear()
        return None, 204

    def revoke_tokens(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        return {"revoked": self.state.tokens.revoke_all()}, 200, _JSON

    def token_endpoint_spec(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        return self._token_spec, 200, _JSON

    def _load(self, name: str) -> None:
        if name not in self.state.available_sets():
            raise ApiError(
                "fixture_set_not_found", name=name, available=", ".join(self.state.available_sets())
            )
        try:
            self.state.load(name)
        except FixtureError as exc:
            raise ApiError("unprocessable", errors=[field_error("path", "name", str(exc))]) from exc
