"""Problems on the wire: an `ApiError` as an `application/problem+json` response.

The body is `api.errors.problem_body`, the one Problem builder; this adds what HTTP needs
(`WWW-Authenticate` on a 401, the template's headers).
"""

from __future__ import annotations

import json

from starlette.responses import Response

from ..api.errors import ApiError, problem_body

PROBLEM_JSON = "application/problem+json"


def problem_response(error: ApiError, *, instance: str | None = None) -> Response:
    headers = dict(error.headers)
    if error.status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    body = problem_body(error.status, error.detail, errors=error.errors, instance=instance)
    return Response(
        json.dumps(body), status_code=error.status, media_type=PROBLEM_JSON, headers=headers
    )
