"""`create_app`: a Connexion app over the contract that owns its state.

Request path: request log -> CORS -> token endpoint (`oauth.py`, answers its own path) ->
body limit -> cache of read answers (`cache.py`) -> fast path of a plain get, list, create or
patch (`fastpath.py`) -> routing -> security (bearer token -> user) -> validation (every
invalid field) -> Prefer/latency/faults -> handler -> service -> response (validated against
the contract when asked, as the tests do). The cache and the fast path answer only what the
rest of the path would answer the same way.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.security import BearerSecurityHandler, OAuthSecurityHandler
from connexion.validators import VALIDATOR_MAP
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware

from ..api.errors import ApiError
from ..api.service import Clock, utc_now
from ..api.tokens import DEFAULT_TTL
from ..data.contract import DEFAULT_SPEC, Contract
from ..data.fixtures import DEFAULT_FIXTURES
from . import control
from .behaviour import (
    BODY_LIMIT,
    Behaviour,
    BehaviourMiddleware,
    BodyLimitMiddleware,
    RequestLogMiddleware,
)
from .cache import ResponseCache, ResponseCacheMiddleware, read_paths
from .fastpath import FastPathMiddleware
from .framework import MockApp, fast_jsonifier
from .handlers import LeadHandlers
from .oauth import TOKEN_PATH, TokenEndpointMiddleware, bearer_check, check_token_path
from .problems import problem_response
from .query import BracketQueryParser
from .state import MockState
from .validators import InvalidRequest, validators_for_one_app

logger = logging.getLogger("mock_server")

# Browsers on any localhost port (a dev server on :3000, :5173...) may call the mock.
LOCALHOST_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]+)?"


def _security_handlers(state: MockState) -> dict[str, type[Any]]:
    """The handlers of both schemes of the contract (D-38): `bearerAuth` and `oauth2` read the
    same `Authorization: Bearer` header and accept the same tokens (fixture or issued)."""
    # Connexion instantiates security handlers itself, so the app's token check is bound
    # in classes made per app rather than named in the spec (x-bearerInfoFunc...).
    check = bearer_check(state)
    accepts: dict[tuple[Any, str], bool] = {}

    def _accepts_kwarg(func: Any, keyword: str) -> bool:
        # Connexion asks twice per request, through inspect.signature each time, whether
        # the token function takes a keyword; the answer holds for the app's life.
        if (func, keyword) not in accepts:
            accepts[func, keyword] = BearerSecurityHandler._accepts_kwarg(func, keyword)
        return accepts[func, keyword]

    class AppBearer(BearerSecurityHandler):
        def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
            return check

    class AppOAuth(OAuthSecurityHandler):
        # The operations name no scopes (D-38), so Connexion's scope check always passes.
        def get_tokeninfo_func(self, security_definition: dict[str, Any]) -> Any:
            return check

    for handler in (AppBearer, AppOAuth):
        handler._accepts_kwarg = staticmethod(_accepts_kwarg)
    return {"bearer": AppBearer, "oauth2": AppOAuth}


def _served_contract(contract: Contract, token_path: str) -> dict[str, Any]:
    """The contract as the mock serves it: its client-credentials `tokenUrl` is the mock's."""
    document = copy.deepcopy(contract.document)  # Connexion may change what it is given
    schemes = document.get("components", {}).get("securitySchemes", {})
    for scheme in schemes.values():
        if scheme.get("type") == "oauth2" and "clientCredentials" in scheme.get("flows", {}):
            scheme["flows"]["clientCredentials"]["tokenUrl"] = token_path
    return document


def _respond(error: ApiError, request: ConnexionRequest) -> ConnexionResponse:
    response = problem_response(error, instance=request.url.path)
    return ConnexionResponse(
        status_code=response.status_code,
        mimetype="application/problem+json",
        body=response.body,
        headers={k: v for k, v in response.headers.items() if k.lower() != "content-length"},
    )


def _as_api_error(contract: Contract, request: ConnexionRequest, exc: Exception) -> ApiError:
    """Every error, ours or Connexion's, as one of our templates."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, InvalidRequest):
        return ApiError("invalid_request", errors=exc.errors)
    if isinstance(exc, HTTPException) and not isinstance(exc, ProblemException):
        if exc.status_code == 404:
            return ApiError("route_not_found", path=request.url.path)
        if exc.status_code == 405:
            allowed = contract.allowed_methods(request.url.path)
            allow = ", ".join(allowed) if allowed else (exc.headers or {}).get("Allow", "")
            return ApiError(
                "method_not_allowed",
                method=request.method,
                path=request.url.path,
                headers={"Allow": allow} if allow else None,
            )
        if 400 <= exc.status_code < 500:  # e.g. Starlette refusing a multipart body it can't read
            return ApiError(
                "client_error", status=exc.status_code, reason=str(exc.detail).rstrip(".")
            )
    if isinstance(exc, ProblemException):
        detail = str(exc.detail or exc.title)
        if exc.status == 401:
            # Connexion's own 401s: no bearer token at all, or `Bearer` with nothing after it
            # (a token it does not accept is our `bearer_check`'s ApiError). Both lack
            # credentials, so no error code (RFC 6750 §3.1, D-38).
            return ApiError("unauthorized")
        if exc.status == 415:
            media = request.headers.get("content-type", "no content type")
            return ApiError("unsupported_media_type", content_type=media)
        if exc.status == 400:
            # What Connexion itself still raises: undecodable JSON, a missing required body.
            return ApiError("malformed_body", reason=detail.rstrip("."))
        if exc.status >= 500:  # a response that breaks the contract: a mock bug, said loudly
            logger.error("Connexion problem %s: %s", exc.status, detail)
            return ApiError("internal", reason=detail.rstrip("."))
    logger.error("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return ApiError("internal", reason=type(exc).__name__)


def _error_handler(contract: Contract) -> Any:
    def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        return _respond(_as_api_error(contract, request, exc), request)

    return handle


def create_app(
    spec: Path = DEFAULT_SPEC,
    fixtures: Path = DEFAULT_FIXTURES,
    *,
    validate_responses: bool = False,
    clock: Clock = utc_now,
    behaviour: Behaviour | None = None,
    cors_origins: Sequence[str] | None = None,
    body_limit: int = BODY_LIMIT,
    response_cache: bool = True,
    fixture_cache: Path | None = None,
    token_ttl: int = DEFAULT_TTL,
    token_path: str = TOKEN_PATH,
) -> AsyncApp:
    """A mock of the Leads API with its own store, seeded from `fixtures`.

    `cors_origins`: the origins browsers may call from; default any localhost port, `["*"]`
    for any origin, `[]` to switch CORS off. `response_cache`: answer a repeated read from
    the cache of read answers (`cache.py`); off anyway with a configured latency or faults,
    which every request must meet. `fixture_cache`: a folder where the checked fixture set
    is kept for the next start (`fixture_cache.py`); None loads and checks it every time.
    `token_path`, `token_ttl`: where the OAuth2 token endpoint answers (`oauth.py`), and how
    many seconds (by `clock`) the tokens it issues live.
    """
    behaviour = behaviour or Behaviour()
    check_token_path(token_path)
    contract = Contract(spec)
    state = MockState(contract, fixtures, clock, fixture_cache, token_ttl)
    handlers = LeadHandlers(state)
    controls = control.ControlHandlers(state, token_path)
    parameter_validator, body_validator = validators_for_one_app()
    validators = {**VALIDATOR_MAP, "parameter": parameter_validator}
    body_validators = {**VALIDATOR_MAP["body"], "*/*json": body_validator}
    validators["body"] = type(VALIDATOR_MAP["body"])(body_validators)
    jsonifier = fast_jsonifier()
    app = MockApp(
        __name__,
        jsonifier=jsonifier,
        validator_map=validators,
        security_map=_security_handlers(state),
        uri_parser_class=BracketQueryParser,
    )
    app.add_api(
        _served_contract(contract, token_path),
        resolver=Resolver(function_resolver=lambda operation_id: getattr(handlers, operation_id)),
        strict_validation=True,
        validate_responses=validate_responses,
    )
    app.add_api(
        control.spec(),
        base_path=control.PREFIX,
        resolver=Resolver(function_resolver=lambda operation_id: getattr(controls, operation_id)),
        strict_validation=True,
        validate_responses=validate_responses,
        # The control UI also shows the token endpoint's own spec (served by the control API).
        swagger_ui_options=SwaggerUIOptions(
            swagger_ui_template_arguments={"urls": control.ui_specs()}
        ),
    )
    handle = _error_handler(contract)
    for error in (ApiError, ProblemException, HTTPException, Exception):
        app.add_error_handler(error, handle)
    # Added outermost first: each add_middleware at a position goes inside the previous one.
    app.add_middleware(
        RequestLogMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        log=state.log,
        skip_prefix=control.PREFIX,
        private_paths=frozenset({token_path}),
    )
    origins = list(cors_origins) if cors_origins is not None else None
    if origins != []:
        app.add_middleware(
            CORSMiddleware,
            position=MiddlewarePosition.BEFORE_EXCEPTION,
            allow_origins=origins or [],
            allow_origin_regex=LOCALHOST_ORIGINS if origins is None else None,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-MyCRM-Expand-Data", "Prefer"],
            expose_headers=["Location", "WWW-Authenticate", "Preference-Applied"],
            max_age=600,
        )
    app.add_middleware(
        TokenEndpointMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        state=state,
        path=token_path,
    )
    app.add_middleware(
        BodyLimitMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, limit=body_limit
    )
    if response_cache and not behaviour.active:
        reads = [path for method, path, _ in contract.operations.values() if method == "GET"]
        app.add_middleware(
            ResponseCacheMiddleware,
            position=MiddlewarePosition.BEFORE_EXCEPTION,
            cache=ResponseCache(),
            paths=read_paths(reads),
            version=state.data_version,
            accepts=state.accepts_authorization,
        )
    if not validate_responses and not behaviour.active:
        app.add_middleware(
            FastPathMiddleware,
            position=MiddlewarePosition.BEFORE_EXCEPTION,
            state=state,
            contract=contract,
        )
    app.add_middleware(
        BehaviourMiddleware,
        position=MiddlewarePosition.BEFORE_CONTEXT,
        contract=contract,
        behaviour=behaviour,
    )
    app.state = state
    return app
