"""A stateful mock of the Leads API, driven by `openapi/leads.yaml`."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
