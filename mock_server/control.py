"""The control API for tests and QA, outside the contract's paths (under `/__mock/`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from connexion import AsyncApp

    from .app import MockState

PREFIX = "/__mock"


def add_control_routes(app: AsyncApp, state: MockState) -> None:
    async def reset(_request: Request) -> Response:
        state.reset()
        return JSONResponse({"reset": True, "leads": len(state.store)})

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "leads": len(state.store)})

    app.add_url_rule(f"{PREFIX}/reset", "mock_reset", reset, methods=["POST"])
    app.add_url_rule(f"{PREFIX}/health", "mock_health", health, methods=["GET"])
