"""A stateful mock of the Leads API, driven by `openapi/leads.yaml`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Imported on first use: `python -m mock_server` pauses the collector before importing
    # Connexion, which a package-level import would bring in earlier.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
