"""Connexion validators that report every invalid field, not only the first (D-32).

They replace Connexion's request validators through `validator_map`; each raises one
`InvalidRequest` whose `errors` the app renders with the one problem builder.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import jsonschema_rs
from connexion.exceptions import BadRequestProblem, UnsupportedMediaTypeProblem
from connexion.json_schema import Draft4RequestValidator
from connexion.lifecycle import ConnexionRequest
from connexion.utils import is_null, is_nullable
from connexion.validators import JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, FormatChecker, ValidationError
from jsonschema.validators import extend
from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope

from ..api.errors import field_error
from ..data.contract import plain_json_schema

# Draft 4's format checker knows no `date`, so `filters[created][from]=soon` would pass.
_FORMATS = FormatChecker()


class _Compiled:
    """JSON Schema validators by schema. Connexion hands the same (resolved) schema object
    on every request and makes a new validator each time, which cost more than the
    validation itself (12% of a get-by-id, measured); one instance per app keeps them."""

    def __init__(self, factory: Callable[[Any], Any]) -> None:
        self._factory = factory
        self._found: dict[int, tuple[Any, Any]] = {}

    def __call__(self, schema: Any) -> Any:
        found = self._found.get(id(schema))
        if found is None or found[0] is not schema:  # the schema itself is kept: ids recycle
            found = (schema, self._factory(schema))
            self._found[id(schema)] = found
        return found[1]


class InvalidRequest(BadRequestProblem):
    """A 400 listing every invalid field."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(detail=f"The request has {len(errors)} invalid field(s).")
        self.errors = errors
        self.ext = {"errors": errors}  # so that Connexion's own problem handler lists them too


def _extra_keys(error: ValidationError) -> list[str]:
    allowed = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
    instance = error.instance if isinstance(error.instance, dict) else {}
    return sorted(k for k in instance if k not in allowed)


def _discriminators(branches: Any) -> set[str]:
    """The fields every branch pins with an enumeration or a pattern: what tells the branches
    apart (a patch operation's `op` and `path`)."""
    if not isinstance(branches, list) or not all(isinstance(b, dict) for b in branches):
        return set()
    pinned = [
        {k for k, s in b.get("properties", {}).items() if "enum" in s or "pattern" in s}
        for b in branches
    ]
    return set.intersection(*pinned) if pinned else set()


def _leaves(error: ValidationError) -> Iterable[ValidationError]:
    """The most specific errors. A oneOf/anyOf failure is explained by the branch meant for
    the value: one whose type and discriminating fields it matches (`replace /status` with a
    bad value fails the `/status` branch on `value`, the others on `path`), then the one with
    the fewest wrong fields, the fewest errors, the deepest (a bad `email` in a legal
    representative rather than "not null"); every error of that branch, not only one."""
    if not (error.context and error.validator in ("oneOf", "anyOf")):
        yield error
        return
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    keys = _discriminators(error.validator_value)

    def unmeant(errors: list[ValidationError]) -> bool:
        return any(
            (not e.relative_path and e.validator == "type")
            or (len(e.relative_path) == 1 and e.relative_path[0] in keys)
            for e in errors
        )

    best = min(
        branches.values(),
        key=lambda errors: (
            unmeant(errors),
            len({tuple(e.absolute_path) for e in errors}),
            len(errors),
            -max(len(e.absolute_path) for e in errors),
        ),
    )
    for sub in best:
        yield from _leaves(sub)


def _required(validator: Any, required: Any, instance: Any, schema: Any) -> Iterator[Any]:
    """`required` naming the missing field in the error's path, as every other field error
    is named: jsonschema's own puts it in the message only, once per missing field, which
    read as "every missing field" gave each one as many times as there were missing fields."""
    if not validator.is_type(instance, "object"):
        return
    for name in required:
        if name not in instance:
            yield ValidationError("a required field is missing", path=[name])


def _sorted_errors(validator: Any, instance: Any) -> list[ValidationError]:
    found = [leaf for e in validator.iter_errors(instance) for leaf in _leaves(e)]
    return sorted(found, key=lambda e: [str(p) for p in e.absolute_path])


def _one_per_field(errors: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """Each field once: two reasons for one field (too long and off its pattern) are one
    entry with both, so that `errors` and the count in `detail` are the invalid fields."""
    merged: dict[tuple[str, str], dict[str, str]] = {}
    for error in errors:
        key = (error["in"], error["name"])
        if key not in merged:
            merged[key] = dict(error)
        elif error["message"] not in merged[key]["message"].split("; "):
            merged[key]["message"] += "; " + error["message"]
    return list(merged.values())


async def _unchunked(receive: Receive, scope: Scope) -> tuple[Receive, Scope]:
    """A chunked body read whole and replayed with a Content-Length, since Connexion takes
    a body without Content-Length for no body. The body limit still applies as it streams."""
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    kept = [
        (k, v) for k, v in scope["headers"] if k not in (b"transfer-encoding", b"content-length")
    ]
    scope = {**scope, "headers": [*kept, (b"content-length", str(len(body)).encode())]}
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay, scope


_BodyValidator = extend(Draft4RequestValidator, {"required": _required})
_ParameterValidator = extend(Draft4Validator, {"required": _required})


def compiled_check(schema: Any, *, nullable: bool = True) -> jsonschema_rs.Validator | None:
    """A compiled (Rust) validator of an OpenAPI request schema, as a first check that lets
    a valid body skip the pure-Python validation (266 us for a create, a third of a create
    request in-process; the compiled one takes 2 us): it accepts only what
    `Draft4RequestValidator` with `_FORMATS` accepts. Where the two differ, the compiled one
    refuses (measured on this contract, `tests/mock_server/http/test_validators.py`): it
    matches `$` at the very end only where Python's `re` also matches before a final newline,
    it checks `email` and `date` at least as strictly, and it raises on a text Rust cannot
    hold (a lone surrogate). The contract's write bodies use no `\\d`, `\\s` or `\\w`
    (whose Unicode classes differ) and their `oneOf`s have branches of different types, so a
    stricter branch cannot make a `oneOf` pass. A body it refuses goes to the Python
    validator, which lists every error. None for a schema it cannot compile. `nullable`:
    False for a parameter's schema, which Connexion checks with plain Draft 4."""
    try:
        plain = plain_json_schema(schema, nullable=nullable)
        return jsonschema_rs.Draft4Validator(plain, validate_formats=True)
    except Exception:  # a schema the compiled validator cannot read: Python alone
        return None


def passes_compiled(check: jsonschema_rs.Validator | None, body: Any) -> bool:
    """Whether the compiled check accepts `body` (False when it cannot tell)."""
    if check is None:
        return False
    try:
        return bool(check.is_valid(body))
    except Exception:  # e.g. a lone surrogate: Python's validator decides
        return False


def _body_schema(schema: Any) -> Any:
    return _BodyValidator(schema, format_checker=_FORMATS)


def _parameter_schema(schema: Any) -> tuple[Any, Any]:
    return compiled_check(schema, nullable=False), _ParameterValidator(
        schema, format_checker=_FORMATS
    )


class AllErrorsBodyValidator(JSONRequestBodyValidator):
    # A new validator per request here; `validators_for_one_app` keeps them per app.
    compiled: Callable[[Any], Any] = staticmethod(_body_schema)
    first_check: Callable[[Any], jsonschema_rs.Validator | None] = staticmethod(compiled_check)

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        # Without Content-Type, Connexion validates a body as JSON but hands the handler raw
        # bytes (a 500); such a body is refused as not application/json.
        headers = Headers(scope=scope)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            receive, scope = await _unchunked(receive, scope)
            headers = Headers(scope=scope)
        has_body = bool(int(headers.get("content-length") or 0))
        if "content-type" not in headers and has_body:
            raise UnsupportedMediaTypeProblem(detail="no content type")
        if not has_body and self._required:  # as for `null`, not Connexion's bare 400
            raise InvalidRequest([field_error("body", "", "a JSON body is required")])
        return await super().wrap_receive(receive, scope=scope)

    async def _parse(self, stream: AsyncIterator[bytes], scope: Scope) -> Any:
        # Connexion's parser lets a non-UTF-8 body, a huge integer or a deep nesting escape
        # as a 500, and reads JSON `null` as "no body" (a bulk delete of everything).
        raw = b"".join([chunk async for chunk in stream])
        if not raw.strip():
            return None
        try:
            body = json.loads(raw.decode(self._encoding))
        except UnicodeDecodeError as exc:
            raise InvalidRequest([field_error("body", "", f"not UTF-8: {exc.reason}")]) from exc
        except RecursionError as exc:
            raise InvalidRequest([field_error("body", "", "nested too deeply")]) from exc
        except ValueError as exc:  # JSONDecodeError, and integers past Python's digit limit
            raise InvalidRequest([field_error("body", "", f"not valid JSON: {exc}")]) from exc
        if body is None:
            raise InvalidRequest([field_error("body", "", "null is not a JSON object")])
        return body

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is None:
            if self._required:
                raise InvalidRequest([field_error("body", "", "a JSON body is required")])
            return None
        if passes_compiled(self.first_check(self._schema), body):
            return None
        validator = self.compiled(self._schema)
        errors = []
        for error in _sorted_errors(validator, body):
            pointer = "".join(f"/{p}" for p in error.absolute_path)
            if error.validator == "additionalProperties":
                errors += [
                    field_error("body", f"{pointer}/{key}", f"unknown field {key!r}")
                    for key in _extra_keys(error)
                ]
            else:
                errors.append(field_error("body", pointer, error.message))
        if errors:
            raise InvalidRequest(_one_per_field(errors))
        return None


def parameter_validators() -> Callable[[Any], tuple[Any, Any]]:
    """For each parameter schema, made once: its compiled first check and its Draft 4
    validator (Connexion's parameter validator is plain Draft 4, with every format)."""
    return _Compiled(
        lambda schema: (
            compiled_check(schema, nullable=False),
            _ParameterValidator(schema, format_checker=_FORMATS),
        )
    )


def validators_for_one_app() -> tuple[
    type[AllErrorsParameterValidator], type[AllErrorsBodyValidator]
]:
    """The validator classes with a cache of compiled schemas of their own, for one app."""

    class Parameters(AllErrorsParameterValidator):
        compiled: Callable[[Any], tuple[Any, Any]] = parameter_validators()

    class Body(AllErrorsBodyValidator):
        compiled = _Compiled(_body_schema)
        first_check = _Compiled(compiled_check)

    return Parameters, Body


def _query_name(base: str, path: Iterable[Any]) -> str:
    return base + "".join(f"[{p}]" for p in path)


class AllErrorsParameterValidator(ParameterValidator):
    # A first check and a validator per request here; `validators_for_one_app` keeps them.
    compiled: Callable[[Any], tuple[Any, Any]] = staticmethod(_parameter_schema)

    def validate_request(self, request: ConnexionRequest) -> None:
        errors: list[dict[str, str]] = []
        if self.strict_validation:
            extra = self.validate_query_parameter_list(
                request, security_params=self.security_query_params
            )
            errors += [field_error("query", name, "unknown parameter") for name in sorted(extra)]
        sources = {
            "query": request.query_params,
            "path": request.path_params,
            "header": request.headers,
            "cookie": request.cookies,
        }
        for location, params in self.parameters.items():
            # Connexion appends a path's parameters to each operation once per middleware.
            for param in {p["name"]: p for p in params}.values():
                key = param["name"].replace("-", "_") if location == "path" else param["name"]
                value = sources[location].get(key)
                errors += self._check(location, param, value)
        if errors:
            raise InvalidRequest(_one_per_field(errors))

    def _check(self, location: str, param: dict[str, Any], value: Any) -> list[dict[str, str]]:
        return parameter_errors(self.compiled, location, param, value)


def parameter_errors(
    compiled: Callable[[Any], tuple[Any, Any]], location: str, param: dict[str, Any], value: Any
) -> list[dict[str, str]]:
    """Every error of one parameter's value (`compiled`: `parameter_validators()`); the
    fast path of lists (`fastpath.py`) checks with this too."""
    name = param["name"]
    if value is None or (is_nullable(param) and is_null(value)):
        return [field_error(location, name, "required")] if param.get("required") else []
    schema = param.get("schema", param)
    first, validator = compiled(schema)
    if passes_compiled(first, value):  # as for bodies (`compiled_check`)
        return []
    errors = []
    for error in _sorted_errors(validator, value):
        if error.validator == "additionalProperties":
            path = list(error.absolute_path)
            errors += [
                field_error(location, _query_name(name, [*path, key]), "unknown filter")
                for key in _extra_keys(error)
            ]
        else:
            errors.append(
                field_error(location, _query_name(name, error.absolute_path), error.message)
            )
    return errors
