"""What the semantics take from the contract, as plain data: the rights of each operation,
the order of the enumerations the sort keys follow, and which channels belong to a source.

`data.contract.Contract.terms` reads them from `openapi/leads.yaml`; nothing here restates
them, and the semantics never read the document itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rights:
    """An operation's `x-rights`: `required` always, `other` for another user's leads, and
    the rights each patch path needs besides (`by_path`)."""

    required: tuple[str, ...]
    other: str
    by_path: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Terms:
    rights: Mapping[str, Rights]  # by operationId
    status_order: tuple[str, ...]  # `LeadStatus`, the order of `sort=status` (D-17)
    time_frame_order: tuple[str, ...]  # `TimeFrame`, the order of `sort=time_frame`
    channels_by_source: Mapping[str, frozenset[str]]  # `LeadChannel.x-channels-by-source`

    def channel_belongs(self, source: str | None, channel: str | None) -> bool:
        """Whether `channel` is one of `source`'s; source `other` takes any text (D-5)."""
        if source is None or channel is None or source not in self.channels_by_source:
            return True
        return channel in self.channels_by_source[source]
