"""Who may do what: the `x-rights` of each operation applied to the caller (D-14, D-19, D-20)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ApiError


@dataclass(frozen=True)
class Principal:
    """The caller, as its bearer token says."""

    user_id: int
    rights: frozenset[str]

    def require(self, rights: Iterable[str]) -> None:
        missing = sorted(set(rights) - self.rights)
        if missing:
            raise ApiError("missing_rights", rights=", ".join(missing))

    def may_touch(self, owner: int, other_right: str) -> bool:
        """Whether the caller may act on a lead assigned to `owner`."""
        return owner == self.user_id or other_right in self.rights

    def require_touch(self, lead_id: int, owner: int, other_right: str) -> None:
        if not self.may_touch(owner, other_right):
            raise ApiError("other_lead", id=lead_id, right=other_right)

    def require_assign(self, user_id: int, other_right: str) -> None:
        """Assigning a lead to another user than oneself needs the `.other` right."""
        if user_id != self.user_id and other_right not in self.rights:
            raise ApiError("other_user", right=other_right)
