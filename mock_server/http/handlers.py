"""HTTP to semantics and back: each handler is named after its operationId, takes the
contract's parameters (already validated by Connexion) and makes one call to the service.

Handlers are `async` although the service is plain synchronous code: Connexion runs sync
handlers in a thread pool, and that hand-off cost four times the work of a get-by-id
(8 ms against 2 ms a request, measured). The service's work is short and CPU-bound, so
running it on the event loop loses no concurrency; the store's lock still guards it.
"""

from __future__ import annotations

from typing import Any

from connexion import request
from starlette.responses import Response

from ..api.render import lead_document, list_document
from ..api.rights import Principal
from ..api.service import LeadService, ListQuery
from .state import MockState

EXPAND_HEADER = "X-MyCRM-Expand-Data"


def json_body(document: bytes) -> bytes:
    """An answer's bytes: the document and a newline, as Connexion's `Jsonifier` writes it."""
    return document + b"\n"


def _json(document: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # The service's answers are bytes already (leads rendered once, `render.RenderedLead`):
    # a Starlette response passes through Connexion as it is, where a dict would be encoded
    # again. `fastpath.py` sends the same bytes.
    return Response(json_body(document), status, headers, media_type="application/json")


def _no_content() -> Response:
    # A Starlette response passes through Connexion untouched; a `(None, 204)` tuple would
    # be labelled with the operation's only media type, problem+json.
    return Response(status_code=204)


Answer = tuple[Any, int] | tuple[Any, int, dict[str, str]] | Response


def created_headers(lead_id: int) -> dict[str, str]:
    return {"Location": f"/leads/{lead_id}"}


def _expand() -> bool:
    return request.headers.get(EXPAND_HEADER, "").strip().lower() == "true"


def _principal(token_info: dict[str, Any]) -> Principal:
    return Principal(user_id=token_info["user_id"], rights=token_info["rights"])


class LeadHandlers:
    def __init__(self, state: MockState) -> None:
        self.state = state

    @property
    def service(self) -> LeadService:
        # Read on each request: loading another fixture set replaces the service.
        return self.state.service

    async def list_leads(
        self,
        token_info: dict[str, Any],
        filters: dict[str, Any] | None = None,
        sort: str = "id",
        sort_order: str = "ASC",
        page: int = 1,
        per_page: int = 20,
    ) -> Answer:
        query = ListQuery(filters, sort, sort_order, page, per_page)
        answer = self.service.list_leads(_principal(token_info), query, expand=_expand())
        return _json(list_document(answer))

    async def get_lead(self, token_info: dict[str, Any], id: int) -> Answer:
        lead = self.service.get_lead(_principal(token_info), id, expand=_expand())
        return _json(lead_document(lead))

    async def create_lead(self, token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
        lead = self.service.create_lead(_principal(token_info), body, expand=_expand())
        return _json(lead_document(lead), 201, created_headers(lead.id))

    async def update_lead(
        self, token_info: dict[str, Any], id: int, body: dict[str, Any]
    ) -> Answer:
        lead = self.service.replace_lead(_principal(token_info), id, body, expand=_expand())
        return _json(lead_document(lead))

    async def delete_lead(self, token_info: dict[str, Any], id: int) -> Answer:
        self.service.delete_lead(_principal(token_info), id)
        return _no_content()

    async def delete_lead_alias(self, token_info: dict[str, Any], id: int) -> Answer:
        self.service.delete_lead(_principal(token_info), id, operation="delete_lead_alias")
        return _no_content()

    async def patch_lead(self, token_info: dict[str, Any], id: int, body: dict[str, Any]) -> Answer:
        self.service.patch_lead(_principal(token_info), id, body)
        return _no_content()

    async def bulk_patch_leads(self, token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
        self.service.bulk_patch(_principal(token_info), body)
        return _no_content()

    async def bulk_delete_leads(
        self, token_info: dict[str, Any], body: dict[str, Any] | None = None
    ) -> Answer:
        self.service.bulk_delete(_principal(token_info), body)
        return _no_content()
