"""`create_app`: a Connexion app over the contract that owns its state.

Request path: body limit -> CORS -> security (bearer token -> user) -> routing -> validation
(every invalid field) -> handler -> service -> response (validated in tests).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.resolver import Resolver
from connexion.security import BearerSecurityHandler
from connexion.validators import VALIDATOR_MAP
from starlette.exceptions import HTTPException

from .contract import DEFAULT_SPEC, Contract
from .control import add_control_routes
from .fixtures import DEFAULT_FIXTURES, load_fixtures
from .handlers import LeadHandlers
from .problems import ApiError, problem_body, problem_response
from .query import BracketQueryParser
from .service import Clock, LeadService, utc_now
from .store import LeadStore
from .validators import AllErrorsBodyValidator, AllErrorsParameterValidator, InvalidRequest

logger = logging.getLogger("mock_server")


class MockState:
    """What one app instance owns: the contract, the fixture set and the live store."""

    def __init__(self, contract: Contract, fixtures: Path, clock: Clock) -> None:
        self.contract = contract
        self.fixtures = load_fixtures(fixtures, contract)
        self.store = LeadStore(self.fixtures.leads)
        self.service = LeadService(contract, self.fixtures.reference, self.store, clock)

    def reset(self) -> None:
        self.store.reset()

    def token_info(self, token: str) -> dict[str, Any] | None:
        user = self.fixtures.reference.tokens.get(token)
        if user is None:
            return None
        return {"sub": str(user.id), "user_id": user.id, "rights": user.rights}


def _bearer_handler(state: MockState) -> type[BearerSecurityHandler]:
    # Connexion instantiates security handlers itself, so the app's token lookup is bound
    # in a class made per app rather than named in the spec (x-bearerInfoFunc).
    class AppBearer(BearerSecurityHandler):
        def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
            return lambda token: state.token_info(token)

    return AppBearer


def _to_response(error: ApiError, request: ConnexionRequest) -> ConnexionResponse:
    response = problem_response(error, instance=request.url.path)
    return ConnexionResponse(
        status_code=response.status_code,
        mimetype="application/problem+json",
        body=response.body,
        headers=dict(response.headers),
    )


def _from_connexion(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """Connexion's own problems (validation, security, media type) in our format."""
    if isinstance(exc, ApiError):
        return _to_response(exc, request)
    if isinstance(exc, InvalidRequest):
        return _to_response(ApiError("invalid_request", errors=exc.errors), request)
    assert isinstance(exc, ProblemException)
    status = exc.status
    if status == 401:
        no_token = "no authorization token" in str(exc.detail).lower()
        return _to_response(ApiError("unauthorized" if no_token else "unknown_token"), request)
    if status == 415:
        media = request.headers.get("content-type", "no content type")
        return _to_response(ApiError("unsupported_media_type", content_type=media), request)
    if status == 400:
        detail = str(exc.detail)
        if "Expecting" in detail or "JSON" in detail or "decode" in detail.lower():
            return _to_response(ApiError("malformed_body", reason=detail), request)
        errors = [{"in": "query" if "parameter" in detail else "body", "name": "", "message": detail}]
        return _to_response(ApiError("invalid_request", errors=errors), request)
    if status >= 500:
        logger.error("Connexion problem %s: %s", status, exc.detail)
    body = problem_body(status, str(exc.detail or exc.title), instance=request.url.path)
    import json

    return ConnexionResponse(status_code=status, mimetype="application/problem+json", body=json.dumps(body))


def _http_exception(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return _to_response(ApiError("route_not_found", path=request.url.path), request)
    if exc.status_code == 405:
        return _to_response(ApiError("method_not_allowed", method=request.method, path=request.url.path), request)
    return _to_response(ApiError("internal", reason=f"HTTP {exc.status_code}"), request)


def _unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _to_response(ApiError("internal", reason=type(exc).__name__), request)


def create_app(
    spec: Path = DEFAULT_SPEC,
    fixtures: Path = DEFAULT_FIXTURES,
    *,
    validate_responses: bool = False,
    clock: Clock = utc_now,
) -> AsyncApp:
    """A mock of the Leads API with its own store, seeded from `fixtures`."""
    contract = Contract(spec)
    state = MockState(contract, fixtures, clock)
    handlers = LeadHandlers(state.service)
    validators = {**VALIDATOR_MAP, "parameter": AllErrorsParameterValidator}
    validators["body"] = type(VALIDATOR_MAP["body"])({**VALIDATOR_MAP["body"], "*/*json": AllErrorsBodyValidator})
    app = AsyncApp(
        __name__,
        validator_map=validators,
        security_map={"bearer": _bearer_handler(state)},
        uri_parser_class=BracketQueryParser,
    )
    app.add_api(
        contract.path,
        resolver=Resolver(function_resolver=lambda operation_id: getattr(handlers, operation_id)),
        strict_validation=True,
        validate_responses=validate_responses,
    )
    app.add_error_handler(ApiError, _from_connexion)
    app.add_error_handler(ProblemException, _from_connexion)
    app.add_error_handler(HTTPException, _http_exception)
    app.add_error_handler(Exception, _unexpected)
    add_control_routes(app, state)
    app.state = state  # type: ignore[attr-defined]
    return app
