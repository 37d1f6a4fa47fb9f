"""A stateful mock of the Leads API, driven by `openapi/leads.yaml`.

Three layers, each a folder, imports pointing down only (`make lint` checks it):
`http` (speaks HTTP) -> `data` (loads the contract and fixtures) -> `api` (the semantics,
plain data). `__main__` is the `leads-mock` command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .http.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Imported on first use: `python -m mock_server` pauses the collector before importing
    # Connexion, which a package-level import would bring in earlier.
    if name == "create_app":
        from .http.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
