"""The Leads API's semantics, over plain data: what each operation does, in the contract's order
of checks (D-20): rights the operation needs (403), the lead (404), rights on that lead (403),
rules of the body (422), then the change, applied whole or not at all.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from . import patch
from .errors import ApiError, field_error
from .filters import FilterError, compile_filters, index_conditions, keep_all
from .listing import page_of, sort_keys, sort_leads
from .records import (
    LeadRecord,
    NoteRecord,
    PreferenceRecord,
    ReferenceData,
    copy_record,
)
from .render import RenderedLead, Renderer, encode_json
from .rights import Principal
from .store import LeadStore
from .terms import Terms
from .validation import lead_rule_errors

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    now = datetime.now(UTC)
    # Answers carry milliseconds; storing more would order equal-looking times (D-17 ties).
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class ListQuery:
    filters: Mapping[str, Any] | None = None
    sort: str = "id"
    sort_order: str = "ASC"
    page: int = 1
    per_page: int = 20


class LeadService:
    def __init__(
        self, terms: Terms, reference: ReferenceData, store: LeadStore, clock: Clock = utc_now
    ) -> None:
        self.terms = terms
        self.reference = reference
        self.store = store
        self.clock = clock
        self.renderer = Renderer(reference)
        self._sort_keys = sort_keys(terms.status_order, terms.time_frame_order, reference)

    # Reading

    def list_leads(self, who: Principal, query: ListQuery, *, expand: bool) -> dict[str, Any]:
        rights = self.terms.rights["list_leads"]
        who.require(rights.required)
        narrowed = index_conditions(query.filters)
        try:
            keep = compile_filters(
                query.filters,
                self.reference,
                self.terms.channel_belongs,
                self.clock().date(),
                decided=frozenset(narrowed),
            )
        except FilterError as exc:
            errors = [field_error("query", exc.name, str(exc))]
            raise ApiError("unprocessable", errors=errors) from exc
        if rights.other not in who.rights:  # only the caller's own leads are visible
            narrowed["user"] = narrowed.get("user", frozenset({who.user_id})) & {who.user_id}
        matched = self.store.select(narrowed)
        if keep is not keep_all:  # a filter the indexes did not decide: check each candidate
            matched = matched.where(keep)
        ordered = sort_leads(
            matched,
            self._sort_keys[query.sort],
            query.sort_order.upper() == "DESC",
            limit=query.page * query.per_page,
        )
        page = page_of(ordered, query.page, query.per_page)
        return {
            "count": len(matched),
            "page": query.page,
            "per_page": query.per_page,
            "leads": self._rendered(page, expand),
        }

    def get_lead(self, who: Principal, lead_id: int, *, expand: bool) -> RenderedLead:
        rights = self.terms.rights["get_lead"]
        who.require(rights.required)
        lead = self._existing(lead_id)
        who.require_touch(lead_id, lead["user"], rights.other)
        return self._rendered([lead], expand)[0]

    # Writing

    def create_lead(self, who: Principal, body: Mapping[str, Any], *, expand: bool) -> RenderedLead:
        rights = self.terms.rights["create_lead"]
        who.require(rights.required)
        data = body["lead"]
        owner = data.get("user", who.user_id)
        who.require_assign(owner, rights.other)
        self._check_rules(data)
        with self.store.transaction():
            now = self.clock()
            lead = self._record(data, self.store.new_lead_id(), owner, now, now, notes=None)
            self.store.put(lead)
        return self._rendered([lead], expand)[0]

    def replace_lead(
        self, who: Principal, lead_id: int, body: Mapping[str, Any], *, expand: bool
    ) -> RenderedLead:
        rights = self.terms.rights["update_lead"]
        who.require(rights.required)
        data = body["lead"]
        with self.store.transaction():
            old = self._existing(lead_id)
            who.require_touch(lead_id, old["user"], rights.other)
            owner = data.get("user", old["user"])
            if owner != old["user"]:
                who.require_assign(owner, rights.other)
            self._check_rules(data)
            notes = old["notes"] if "notes" not in data else None
            # The lead keeps one preference, replaced in place: its id stays.
            kept = old["preference"]["id"] if old["preference"] else None
            lead = self._record(
                data, lead_id, owner, old["created_at"], self.clock(), notes, preference_id=kept
            )
            self.store.put(lead)
        return self._rendered([lead], expand)[0]

    def delete_lead(self, who: Principal, lead_id: int, operation: str = "delete_lead") -> None:
        rights = self.terms.rights[operation]
        who.require(rights.required)
        with self.store.transaction():
            lead = self._existing(lead_id)
            who.require_touch(lead_id, lead["user"], rights.other)
            self.store.delete([lead_id])

    def bulk_delete(self, who: Principal, body: Mapping[str, Any] | None) -> None:
        rights = self.terms.rights["bulk_delete_leads"]
        who.require(rights.required)
        wanted = list(dict.fromkeys((body or {}).get("leads") or []))
        with self.store.transaction():
            if not wanted:  # D-13: no ids means every lead the caller may delete
                targets = [
                    lead["id"]
                    for lead in self.store.all()
                    if who.may_touch(lead["user"], rights.other)
                ]
            else:
                leads = self._all_existing(wanted)
                for lead in leads:
                    who.require_touch(lead["id"], lead["user"], rights.other)
                targets = wanted
            self.store.delete(targets)

    def patch_lead(self, who: Principal, lead_id: int, body: Mapping[str, Any]) -> None:
        ops = patch.parse(body["operations"], bulk=False)
        self._apply(who, "patch_lead", ops, single=lead_id)

    def bulk_patch(self, who: Principal, body: Mapping[str, Any]) -> None:
        ops = patch.parse(body["operations"], bulk=True)
        self._apply(who, "bulk_patch_leads", ops, single=None)

    # Helpers

    def _apply(
        self, who: Principal, operation: str, ops: list[patch.Operation], single: int | None
    ) -> None:
        rights = self.terms.rights[operation]
        who.require(rights.required)
        for op in ops:
            who.require(rights.by_path[op.path])
        with self.store.transaction():
            if single is not None:
                targets = [self._existing(single)]
            else:
                explicit = [op.lead for op in ops if isinstance(op.lead, int)]
                targets = self._all_existing(list(dict.fromkeys(explicit)))
            for lead in targets:
                who.require_touch(lead["id"], lead["user"], rights.other)
            for op in ops:
                if op.path == "/assignment/user":
                    who.require_assign(op.value, rights.other)
            errors = patch.value_errors(ops, self.reference)
            if errors:
                raise ApiError("unprocessable", errors=errors)
            touchable = (  # what `*` means; read only when a path uses it
                [
                    lead["id"]
                    for lead in self.store.all()
                    if who.may_touch(lead["user"], rights.other)
                ]
                if any(op.lead == patch.WILDCARD for op in ops)
                else []
            )
            changed: dict[int, LeadRecord] = {}
            for op in ops:
                target = op.lead if op.lead is not None else single
                ids = touchable if target == patch.WILDCARD else [target]
                for lead_id in ids:
                    assert isinstance(lead_id, int)
                    lead = changed.get(lead_id) or copy_record(self._existing(lead_id))
                    if patch.apply(lead, op):
                        changed[lead_id] = lead
            now = self.clock()
            for lead in changed.values():
                lead["updated_at"] = now
                self.store.put(lead)

    def _rendered(self, leads: list[LeadRecord], expand: bool) -> list[RenderedLead]:
        """The leads as the renderer makes them, encoded once and kept beside the stored
        records until they change (nothing else a rendered lead shows can change)."""
        render = self.renderer.lead
        encoded = self.store.derived(
            leads, ("json", expand), lambda lead: encode_json(render(lead, expand=expand))
        )
        return [RenderedLead(data, lead["id"]) for data, lead in zip(encoded, leads, strict=True)]

    def _existing(self, lead_id: int) -> LeadRecord:
        lead = self.store.get(lead_id)
        if lead is None:
            raise ApiError("lead_not_found", id=lead_id)
        return lead

    def _all_existing(self, lead_ids: list[int]) -> list[LeadRecord]:
        found = {i: self.store.get(i) for i in lead_ids}
        missing = [i for i, lead in found.items() if lead is None]
        if missing:
            raise ApiError("leads_not_found", ids=", ".join(map(str, missing)))
        return [lead for lead in found.values() if lead is not None]

    def _check_rules(self, data: Mapping[str, Any]) -> None:
        errors = lead_rule_errors(data, self.reference, self.terms.channel_belongs)
        if errors:
            raise ApiError("unprocessable", errors=errors)

    def _record(
        self,
        data: Mapping[str, Any],
        lead_id: int,
        owner: int,
        created_at: datetime,
        updated_at: datetime,
        notes: list[NoteRecord] | None,
        preference_id: int | None = None,
    ) -> LeadRecord:
        """A stored lead from a `LeadWrite`: optional fields left out are cleared (D-15)."""
        if notes is None:
            notes = [
                NoteRecord(id=self.store.new_note_id(), body=n["body"], created_at=updated_at)
                for n in data.get("notes") or []
            ]
        return build_record(
            data,
            lead_id=lead_id,
            owner=owner,
            created_at=created_at,
            updated_at=updated_at,
            notes=notes,
            preference_id=preference_id or self.store.new_preference_id(),
        )


def _shared(value: Any) -> Any:
    # One object for each value of an enumeration or a place: 100k leads held 100k copies of
    # "prospect" and "Dubai" (JSON parsers make a new text per occurrence).
    return sys.intern(value) if value.__class__ is str else value


def build_record(
    data: Mapping[str, Any],
    *,
    lead_id: int,
    owner: int,
    created_at: datetime,
    updated_at: datetime,
    notes: list[NoteRecord],
    preference_id: int,
) -> LeadRecord:
    """The stored form of a `LeadWrite` body (also used for fixture leads, 100k at a start:
    one dict written out, not built from comprehensions)."""
    get = data.get
    pref = get("preference")
    preference: PreferenceRecord | None = None
    if pref is not None:
        bound = pref.get
        preference = {
            "id": preference_id,
            "offering_type": _shared(pref["offering_type"]),
            "locations": [_shared(location) for location in pref["locations"]],
            "types": list(pref["types"]),
            "amenities": list(pref["amenities"]),
            "from_price": bound("from_price"),
            "to_price": bound("to_price"),
            "from_size": bound("from_size"),
            "to_size": bound("to_size"),
            "from_bathroom": bound("from_bathroom"),
            "to_bathroom": bound("to_bathroom"),
            "from_bedroom": bound("from_bedroom"),
            "to_bedroom": bound("to_bedroom"),
        }
    rep = get("legal_representative")
    fields = get("fields")
    # The keys in the order they always had (a state export writes them in this order).
    record: LeadRecord = {
        "id": lead_id,
        "user": owner,
        "title": _shared(data["title"]),
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "mobile": data["mobile"],
        "category": _shared(data["category"]),
        "country": _shared(data["country"]),
        "status": _shared(data["status"]),
        "source": _shared(data["source"]),
        "financial": _shared(data["financial"]),
        "middle_name": get("middle_name"),
        "email": get("email"),
        "address": get("address"),
        "pobox": get("pobox"),
        "city": _shared(get("city")),
        "quality": _shared(get("quality")),
        "mortgage_status": _shared(get("mortgage_status")),
        "time_frame": _shared(get("time_frame")),
        "passport": get("passport"),
        "bank": get("bank"),
        "channel": _shared(data["source_channel"]),
        "time_frame_from": _day(get("time_frame_from")),
        "passport_expire": _day(get("passport_expire")),
        "legal_representative": dict(rep) if rep is not None else None,
        "preference": preference,
        "properties": list(dict.fromkeys(get("properties") or ())),
        "mls": list(dict.fromkeys(get("mls") or ())),
        "fields": dict(fields) if fields else {},
        "notes": notes,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    return record
