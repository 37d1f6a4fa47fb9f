"""Connexion's request path, without the work it repeats on every request.

Profiles of the mock under load (docs/profile-notes.md) found Connexion 3.3 redoing, for
each request, work whose result never changes while the app runs:

- `AsyncOperation.fn` builds a decorator for the handler on every call, and that decorator
  decorates the handler again on every call, running `inspect.signature` on it;
- the bearer security handler runs `inspect.signature` on the token function twice
  (`app._bearer_handler` answers from a cache);
- the parameter validator builds a JSON Schema validator per parameter (`validators.py`
  keeps them);
- JSON answers are encoded by the standard library (1.5 ms for a page of 20 leads).

The classes here keep Connexion's behaviour and compute those things once; the tests in
`tests/mock_server/http/test_framework.py` pin what they rely on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cached_property
from typing import Any

import orjson
from connexion import AsyncApp
from connexion.apps.abstract import AbstractApp
from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp, AsyncOperation
from connexion.decorators import StarletteDecorator
from connexion.jsonifier import Jsonifier
from connexion.operations import AbstractOperation


class _Decorator(StarletteDecorator):
    """Decorates the handler on its first call only. The decorators read the request and
    the operation from context variables when called, not when built, so the decorated
    handler serves every request of its operation."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._decorated: dict[Callable[..., Any], Callable[..., Any]] = {}

    def decorate(self, function: Callable[..., Any]) -> Callable[..., Any]:
        if function not in self._decorated:
            self._decorated[function] = super().decorate(function)
        return self._decorated[function]


class _Operation(AsyncOperation):
    @cached_property
    def fn(self) -> Any:
        return _Decorator(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)(self._fn)


class _Api(AsyncApi):
    def make_operation(self, operation: AbstractOperation) -> AsyncOperation:
        return _Operation.from_operation(
            operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )


class _ASGIApp(AsyncASGIApp):
    api_cls = _Api


class MockApp(AsyncApp):
    """An `AsyncApp` whose operations build their handler once."""

    def __init__(self, import_name: str, **kwargs: Any) -> None:
        # AsyncApp.__init__ only creates its ASGI app and hands over to AbstractApp.
        self._middleware_app = _ASGIApp()
        AbstractApp.__init__(self, import_name, **kwargs)


class _FastJson:
    """orjson behind Connexion's `Jsonifier`, the standard library as a fallback for what
    orjson refuses (integers past 64 bits)."""

    @staticmethod
    def dumps(data: Any, **kwargs: Any) -> str:
        try:
            return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return json.dumps(data, **kwargs)

    @staticmethod
    def loads(data: str | bytes) -> Any:
        return orjson.loads(data)


def fast_jsonifier() -> Jsonifier:
    return Jsonifier(_FastJson)
