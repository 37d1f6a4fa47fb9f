"""Deliberately broken variants of the mock: one realistic bug each, for the conformance suite
to catch (`test_mutants.py` runs the suite against each and requires it to fail).

A mutant changes one app instance only, the one `build` makes: it replaces methods of that
app's `state.service` or of its renderer (by a wrapper, or by a clone of the method that calls
a broken function in place of the right one, see `calling`), or wraps the app itself. No module
is patched, so a mutant never leaks into another app, nor into the process that tests them.
Loading another fixture set (`POST /__mock/fixtures/{name}`) builds a new service and so drops
a service mutant; the suite never does.

Each mutant names the clause of the contract it breaks, the part of the suite meant to catch
it (suite modules and a `-k` expression: a run of the whole suite per mutant would take too
long), and the words of that clause the failure must show.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from connexion import AsyncApp
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server import create_app
from mock_server.api.errors import ApiError
from mock_server.api.filters import Predicate, compile_filters
from mock_server.api.listing import SortKey, sort_leads
from mock_server.api.records import LeadRecord
from mock_server.api.rights import Principal
from mock_server.api.service import LeadService, ListQuery
from mock_server.api.validation import lead_rule_errors
from mock_server.http.query import split_key

SUITE_DIR = Path(__file__).resolve().parents[2] / "conformance" / "suite"
SUITE_MODULES = tuple(sorted(p.stem for p in SUITE_DIR.glob("test_*.py")))

# What a mutant does to the app it is given; it may return another ASGI app to serve instead
# (a wrapper around the app), or None to serve the app as changed.
Mutation = Callable[[AsyncApp], ASGIApp | None]


@dataclass(frozen=True)
class Mutant:
    name: str
    area: str
    bug: str  # what the variant does wrong
    clause: str  # the contract's clause it breaks
    modules: tuple[str, ...]  # suite modules meant to catch it
    select: str  # a pytest `-k` expression within them
    expect: tuple[str, ...]  # words of the clause every catching failure must show
    mutate: Mutation
    destructive: bool = False  # the catching test needs --allow-destructive
    gap: str | None = None  # why the suite does not catch it (a known suite gap)

    def suite_args(self) -> list[str]:
        """Options of `python -m conformance` that run only the part of the suite meant to
        catch this mutant, stopping at its first failure."""
        return targeted_args([self])


def targeted_args(mutants: list[Mutant], *, stop_at_first: bool = True) -> list[str]:
    modules = {m for mutant in mutants for m in mutant.modules}
    unknown = modules - set(SUITE_MODULES)
    if unknown:
        raise ValueError(f"no suite module {sorted(unknown)} in {SUITE_DIR}")
    # Unselected modules are not even imported: collecting test_schema alone takes seconds.
    args = [f"--ignore={SUITE_DIR / f'{m}.py'}" for m in SUITE_MODULES if m not in modules]
    selection = " or ".join(f"({mutant.select})" for mutant in mutants)
    # Plain asserts: rewriting them costs seconds of start-up (the checks raise their own
    # messages); xdist and anyio are of no use inside one targeted run.
    args += ["-k", selection, "--assert=plain"]
    args += ["-p", "no:randomly", "-p", "no:xdist", "-p", "no:anyio"]
    if stop_at_first:
        args.append("-x")
    if any(mutant.destructive for mutant in mutants):
        args.append("--allow-destructive")
    return args


MUTANTS: dict[str, Mutant] = {}


def mutant(
    name: str,
    *,
    area: str,
    bug: str,
    clause: str,
    modules: tuple[str, ...],
    select: str,
    expect: tuple[str, ...],
    destructive: bool = False,
    gap: str | None = None,
) -> Callable[[Mutation], Mutation]:
    def register(mutate: Mutation) -> Mutation:
        if name in MUTANTS:
            raise ValueError(f"two mutants named {name!r}")
        MUTANTS[name] = Mutant(
            name, area, bug, clause, modules, select, expect, mutate, destructive, gap
        )
        return mutate

    return register


def build(name: str | None, **options: Any) -> tuple[AsyncApp, ASGIApp]:
    """A new mock app (`create_app(**options)`) with mutant `name` applied (None: none), and
    what to serve: the app, or the mutant's wrapper around it."""
    app = create_app(**options)
    served = MUTANTS[name].mutate(app) if name is not None else None
    return app, served or app


def _service(app: AsyncApp) -> LeadService:
    service: LeadService = app.state.service
    return service


def _present(value: Any) -> bool:
    return value is not None and value != {} and value != []


def _elevated(who: Principal, *rights: str) -> Principal:
    return Principal(user_id=who.user_id, rights=who.rights | frozenset(rights))


# --- a method of the service, calling another function -------------------------------------


def calling(method: Callable[..., Any], **replaced: Callable[..., Any]) -> Callable[..., Any]:
    """`method` (bound to one service) as it is written, but with the module-level functions
    it calls by these names replaced: a clone of the function with its own globals, bound to
    that instance only. The module itself is left alone, and the code is the service's own,
    so it cannot drift from it."""
    function = method.__func__  # type: ignore[attr-defined]
    unused = set(replaced) - set(function.__code__.co_names)
    if unused:
        raise LookupError(f"{function.__qualname__} no longer calls {sorted(unused)}")
    clone = types.FunctionType(
        function.__code__,
        {**function.__globals__, **replaced},
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    clone.__kwdefaults__ = function.__kwdefaults__
    return types.MethodType(clone, method.__self__)  # type: ignore[attr-defined]


def _no_index(filters: Mapping[str, Any] | None) -> dict[str, Any]:
    # A mutant's filters are its predicate alone: the indexes would otherwise narrow the
    # candidates by the correct meaning and hide part of the bug.
    return {}


def _with_filters(
    service: LeadService, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> Callable[..., dict[str, Any]]:
    """`list_leads` as is, after `change` rewrote the filters it was given."""
    original = service.list_leads

    def list_leads(who: Principal, query: ListQuery, *, expand: bool) -> dict[str, Any]:
        filters = change(dict(query.filters or {}))
        return original(who, dataclasses.replace(query, filters=filters), expand=expand)

    return list_leads


# --- filters ------------------------------------------------------------------------------


@mutant(
    "filter_city_case_sensitive",
    area="filters",
    bug="filters[city] compares case-sensitively (`Dubai` does not match `dubai`)",
    clause="LeadFilters.city: equal text, case-insensitive (text comparisons ignore case)",
    modules=("test_filters",),
    select="each_filter_alone and city",
    expect=("filters[city]",),
)
def _city_case_sensitive(app: AsyncApp) -> None:
    service = _service(app)

    def compile_(filters: Mapping[str, Any] | None, *args: Any, **kwargs: Any) -> Predicate:
        rest = {k: v for k, v in (filters or {}).items() if k != "city"}
        keep = compile_filters(rest, *args, **kwargs)
        city = (filters or {}).get("city")
        if not _present(city):
            return keep
        return lambda lead: keep(lead) and lead["city"] == city

    changed = calling(service.list_leads, compile_filters=compile_, index_conditions=_no_index)
    service.list_leads = changed  # type: ignore[method-assign]


@mutant(
    "filter_from_price_exclusive",
    area="filters",
    bug="filters[wishlist][from_price] keeps from_price > value instead of >= value",
    clause="WishlistFilters.from_price: the preference's from_price is at least the value",
    modules=("test_filters",),
    select="each_filter_alone and from_price",
    expect=("filters[wishlist][from_price]",),
)
def _from_price_exclusive(app: AsyncApp) -> None:
    service = _service(app)

    def change(filters: dict[str, Any]) -> dict[str, Any]:
        wishlist = filters.get("wishlist")
        if isinstance(wishlist, dict) and wishlist.get("from_price") is not None:
            # Over integers, `>= v + 1` is `> v`.
            filters["wishlist"] = {**wishlist, "from_price": int(wishlist["from_price"]) + 1}
        return filters

    service.list_leads = _with_filters(service, change)  # type: ignore[method-assign]


@mutant(
    "filter_excluded_user_ignored",
    area="filters",
    bug="filters[excluded_user] is accepted and ignored",
    clause="LeadFilters.excluded_user: leads assigned to that user are left out",
    modules=("test_filters",),
    select="each_filter_alone and excluded_user",
    expect=("filters[excluded_user]",),
)
def _excluded_user_ignored(app: AsyncApp) -> None:
    service = _service(app)

    def change(filters: dict[str, Any]) -> dict[str, Any]:
        filters.pop("excluded_user", None)
        return filters

    service.list_leads = _with_filters(service, change)  # type: ignore[method-assign]


@mutant(
    "filter_location_exact_only",
    area="filters",
    bug="filters[wishlist][locations] matches the location itself, not the ones inside it",
    clause="WishlistFilters.locations: a location matches itself and every location within it",
    modules=("test_filters",),
    select="each_filter_alone and locations",
    expect=("filters[wishlist][locations]",),
)
def _location_exact_only(app: AsyncApp) -> None:
    service = _service(app)

    def compile_(filters: Mapping[str, Any] | None, *args: Any, **kwargs: Any) -> Predicate:
        rest = dict(filters or {})
        wishlist = dict(rest.pop("wishlist", None) or {})
        wanted = wishlist.pop("locations", None)
        keep = compile_filters(
            {**rest, "wishlist": wishlist} if wishlist else rest, *args, **kwargs
        )
        if not _present(wanted):
            return keep
        exact = {wanted} if isinstance(wanted, str) else set(wanted)

        def match(lead: LeadRecord) -> bool:
            pref = lead["preference"]
            return keep(lead) and pref is not None and not exact.isdisjoint(pref["locations"])

        return match

    changed = calling(service.list_leads, compile_filters=compile_, index_conditions=_no_index)
    service.list_leads = changed  # type: ignore[method-assign]


@mutant(
    "filter_and_as_or",
    area="filters",
    bug="several filters combine with OR: a lead satisfying any one of them is kept",
    clause="LeadFilters: the filters given combine with AND",
    modules=("test_filters",),
    select="combined_filters",
    expect=("test_combined_filters_are_sound_and_complete", "only leads satisfying {"),
)
def _and_as_or(app: AsyncApp) -> None:
    service = _service(app)

    def compile_(filters: Mapping[str, Any] | None, *args: Any, **kwargs: Any) -> Predicate:
        compile_filters(filters, *args, **kwargs)  # still refuses what the mock refuses (400)
        parts = [
            compile_filters({name: value}, *args, **kwargs)
            for name, value in (filters or {}).items()
            if _present(value)
        ]
        if not parts:
            return lambda lead: True
        return lambda lead: any(part(lead) for part in parts)

    changed = calling(service.list_leads, compile_filters=compile_, index_conditions=_no_index)
    service.list_leads = changed  # type: ignore[method-assign]


# --- sorting --------------------------------------------------------------------------------


@mutant(
    "sort_desc_ignored",
    area="sorting",
    bug="sort_order=DESC is accepted and ignored: leads come in ascending order",
    clause="sort_order: DESC reverses the order of the sort key (D-17)",
    modules=("test_sorting",),
    select="exact_order and desc",
    expect=("sort_order=DESC", "the `sort` table (D-17)"),
)
def _desc_ignored(app: AsyncApp) -> None:
    service = _service(app)
    original = service.list_leads

    def list_leads(who: Principal, query: ListQuery, *, expand: bool) -> dict[str, Any]:
        return original(who, dataclasses.replace(query, sort_order="ASC"), expand=expand)

    service.list_leads = list_leads  # type: ignore[method-assign]


def _ties_by_id_descending(
    leads: list[LeadRecord], key: SortKey, descending: bool, limit: int | None = None
) -> list[Any]:
    by_id = sorted(leads, key=lambda lead: lead["id"], reverse=True)
    valued = [(key(lead), lead) for lead in by_id]
    present = [pair for pair in valued if pair[0] is not None]
    present.sort(key=lambda pair: pair[0], reverse=descending)
    return [lead for _, lead in present] + [lead for value, lead in valued if value is None]


@mutant(
    "sort_ties_by_id_descending",
    area="sorting",
    bug="leads with equal sort values come by id descending",
    clause="sort: ties are broken by id ascending, in both orders (D-17)",
    modules=("test_sorting",),
    select="exact_order",
    expect=("ties by id ascending",),
)
def _ties_descending(app: AsyncApp) -> None:
    service = _service(app)
    service.list_leads = calling(service.list_leads, sort_leads=_ties_by_id_descending)  # type: ignore[method-assign]


def _missing_first(
    leads: list[LeadRecord], key: SortKey, descending: bool, limit: int | None = None
) -> list[Any]:
    ordered = sort_leads(leads, key, descending)
    return [lead for lead in ordered if key(lead) is None] + [
        lead for lead in ordered if key(lead) is not None
    ]


@mutant(
    "sort_missing_values_first",
    area="sorting",
    bug="leads without a value for the sort key come first instead of last",
    clause="sort: leads without a value come last, in both orders (D-17)",
    modules=("test_sorting",),
    select="exact_order",
    expect=("missing values last", "none (sorts last)"),
)
def _missing_first_mutant(app: AsyncApp) -> None:
    service = _service(app)
    service.list_leads = calling(service.list_leads, sort_leads=_missing_first)  # type: ignore[method-assign]


# --- pagination -------------------------------------------------------------------------------


@mutant(
    "page_offset_off_by_one",
    area="pagination",
    bug="page is taken as zero-based: page 1 answers the second page, the first is unreachable",
    clause="page/per_page: page n holds leads (n-1)*per_page+1 to n*per_page (D-18)",
    modules=("test_sorting",),
    select="pages_neither_overlap_nor_skip",
    expect=("page/per_page (D-18)",),
)
def _page_off_by_one(app: AsyncApp) -> None:
    service = _service(app)

    def page(items: list[Any], number: int, per_page: int) -> list[Any]:
        return items[number * per_page : (number + 1) * per_page]

    service.list_leads = calling(service.list_leads, page_of=page)  # type: ignore[method-assign]


@mutant(
    "count_is_page_length",
    area="pagination",
    bug="`count` is the number of leads on the page, not the number matching",
    clause="LeadList.count: the number of leads matching the filters, over all pages (D-18)",
    modules=("test_sorting",),
    select="count_agrees_with_every_page or pages_neither_overlap_nor_skip",
    expect=("`count` is the number of leads matching",),
)
def _count_is_page_length(app: AsyncApp) -> None:
    service = _service(app)
    original = service.list_leads

    def list_leads(who: Principal, query: ListQuery, *, expand: bool) -> dict[str, Any]:
        answer = original(who, query, expand=expand)
        return {**answer, "count": len(answer["leads"])}

    service.list_leads = list_leads  # type: ignore[method-assign]


# --- PATCH /leads/{id} ------------------------------------------------------------------------


@mutant(
    "patch_status_not_applied",
    area="patch",
    bug="PATCH /leads/{id} replace /status answers 204 and leaves the status as it was",
    clause="PATCH /leads/{id} replace /status: sets the lead's status (D-10)",
    modules=("test_patch_bulk",),
    select="patch_status_takes_effect",
    expect=("replace /status: sets `status`",),
)
def _status_not_applied(app: AsyncApp) -> None:
    service = _service(app)
    original = service.patch_lead

    def patch_lead(who: Principal, lead_id: int, body: Mapping[str, Any]) -> None:
        kept = [op for op in body["operations"] if op["path"] != "/status"]
        original(who, lead_id, {**body, "operations": kept})

    service.patch_lead = patch_lead  # type: ignore[method-assign]


@mutant(
    "patch_not_atomic",
    area="patch",
    bug="PATCH /leads/{id} applies operations one at a time: those before an invalid one stay",
    clause="PATCH /leads/{id}: atomic, one invalid operation (422) and nothing is applied",
    modules=("test_patch_bulk",),
    select="invalid_patch_changes_nothing",
    expect=("atomic: one invalid operation and nothing changes",),
)
def _patch_not_atomic(app: AsyncApp) -> None:
    service = _service(app)
    original = service.patch_lead

    def patch_lead(who: Principal, lead_id: int, body: Mapping[str, Any]) -> None:
        for operation in body["operations"]:
            original(who, lead_id, {**body, "operations": [operation]})

    service.patch_lead = patch_lead  # type: ignore[method-assign]


@mutant(
    "patch_remove_property_ignored",
    area="patch",
    bug="remove /assignment/property answers 204 and keeps the property",
    clause="PATCH remove /assignment/property: the property is no longer selected (D-10)",
    modules=("test_patch_bulk",),
    select="add_and_remove_assignments and property",
    expect=("remove /assignment/property",),
)
def _remove_property_ignored(app: AsyncApp) -> None:
    service = _service(app)
    single, bulk = service.patch_lead, service.bulk_patch

    def kept(body: Mapping[str, Any]) -> dict[str, Any]:
        operations = [
            op
            for op in body["operations"]
            if not (op["op"] == "remove" and op["path"].endswith("/assignment/property"))
        ]
        return {**body, "operations": operations}

    def patch_lead(who: Principal, lead_id: int, body: Mapping[str, Any]) -> None:
        single(who, lead_id, kept(body))

    def bulk_patch(who: Principal, body: Mapping[str, Any]) -> None:
        bulk(who, kept(body))

    service.patch_lead = patch_lead  # type: ignore[method-assign]
    service.bulk_patch = bulk_patch  # type: ignore[method-assign]


@mutant(
    "patch_updated_at_not_set",
    area="patch",
    bug="PATCH /leads/{id} changes the lead but leaves `updated_at` as it was",
    clause="PATCH /leads/{id}: `updated_at` is set when anything changed",
    modules=("test_patch_bulk",),
    select="patch_status_takes_effect or patch_operations_apply_in_order",
    expect=("moves `updated_at` forward",),
)
def _updated_at_not_set(app: AsyncApp) -> None:
    service = _service(app)
    original = service.patch_lead

    def patch_lead(who: Principal, lead_id: int, body: Mapping[str, Any]) -> None:
        with service.store.transaction():
            before = service.store.get(lead_id)
            original(who, lead_id, body)
            after = service.store.get(lead_id)
            if before is not None and after is not None and after is not before:
                after["updated_at"] = before["updated_at"]  # the new record, not the old one

    service.patch_lead = patch_lead  # type: ignore[method-assign]


# --- bulk ---------------------------------------------------------------------------------------


@mutant(
    "bulk_wildcard_first_lead_only",
    area="bulk",
    bug="PATCH /leads with /*/... changes only the first lead the caller may update",
    clause="PATCH /leads: `*` is every lead the caller may update (D-11)",
    modules=("test_patch_bulk",),
    select="wildcard_patch_reaches_every_lead",
    expect=("`*` is every lead the caller may update",),
    destructive=True,
)
def _wildcard_first_only(app: AsyncApp) -> None:
    service = _service(app)
    original = service.bulk_patch

    def bulk_patch(who: Principal, body: Mapping[str, Any]) -> None:
        other = service.terms.rights["bulk_patch_leads"].other
        mine = [lead["id"] for lead in service.store.all() if who.may_touch(lead["user"], other)]
        operations = [
            {**op, "path": f"/{min(mine)}/" + op["path"][3:]}
            if op["path"].startswith("/*/") and mine
            else op
            for op in body["operations"]
        ]
        original(who, {**body, "operations": operations})

    service.bulk_patch = bulk_patch  # type: ignore[method-assign]


@mutant(
    "bulk_delete_first_id_only",
    area="bulk",
    bug="DELETE /leads deletes the first id listed and ignores the others",
    clause="DELETE /leads: deletes every lead whose id is listed in `leads` (D-13)",
    modules=("test_patch_bulk",),
    select="bulk_delete_deletes_exactly",
    expect=("deletes the leads whose ids are listed",),
)
def _bulk_delete_first_only(app: AsyncApp) -> None:
    service = _service(app)
    original = service.bulk_delete

    def bulk_delete(who: Principal, body: Mapping[str, Any] | None) -> None:
        ids = (body or {}).get("leads") or []
        original(who, {**(body or {}), "leads": ids[:1]} if ids else body)

    service.bulk_delete = bulk_delete  # type: ignore[method-assign]


# --- rights -------------------------------------------------------------------------------------


@mutant(
    "rights_reader_can_update",
    area="rights",
    bug="PUT /leads/{id} lets any caller holding lead.read replace any lead",
    clause="PUT /leads/{id} x-rights: lead.update, and lead.update.other for another's lead",
    modules=("test_rights",),
    select="without_the_right and update_lead",
    expect=("PUT /leads/{id} (update_lead) x-rights required [lead.update]",),
)
def _reader_can_update(app: AsyncApp) -> None:
    service = _service(app)
    original = service.replace_lead

    def replace_lead(who: Principal, lead_id: int, body: Any, *, expand: bool) -> Any:
        if "lead.read" in who.rights:
            who = _elevated(who, "lead.update", "lead.update.other")
        return original(who, lead_id, body, expand=expand)

    service.replace_lead = replace_lead  # type: ignore[method-assign]


@mutant(
    "rights_update_checks_read_rights",
    area="rights",
    bug="PUT /leads/{id} checks lead.read (and lead.read.other) instead of the update rights",
    clause="PUT /leads/{id} x-rights: lead.update, and lead.update.other for another's lead",
    modules=("test_rights",),
    select="read_only_token_is_refused_every_write_on_its_own_lead and update_lead",
    expect=("PUT /leads/{id} (update_lead)", "a read-only token is refused on a lead of its own"),
)
def _update_checks_read_rights(app: AsyncApp) -> None:
    service = _service(app)
    original = service.replace_lead

    def replace_lead(who: Principal, lead_id: int, body: Any, *, expand: bool) -> Any:
        # The update rights are held exactly when the read rights are.
        rights = {r for r in who.rights if not r.startswith("lead.update")}
        rights |= {r.replace("lead.read", "lead.update") for r in who.rights if "lead.read" in r}
        return original(Principal(who.user_id, frozenset(rights)), lead_id, body, expand=expand)

    service.replace_lead = replace_lead  # type: ignore[method-assign]


@mutant(
    "rights_agent_reads_others_leads",
    area="rights",
    bug="GET /leads/{id} answers another user's lead without lead.read.other",
    clause="GET /leads/{id} x-rights: lead.read, and lead.read.other for another user's lead",
    modules=("test_rights",),
    select="without_the_right and get_lead",
    expect=("GET /leads/{id} (get_lead)", "lead.read.other for another user's lead"),
)
def _agent_reads_others(app: AsyncApp) -> None:
    service = _service(app)
    original = service.get_lead

    def get_lead(who: Principal, lead_id: int, *, expand: bool) -> Any:
        return original(_elevated(who, "lead.read.other"), lead_id, expand=expand)

    service.get_lead = get_lead  # type: ignore[method-assign]


@mutant(
    "rights_refused_after_the_change",
    area="rights",
    bug="PATCH /leads/{id} applies the operations, then checks the rights and answers 403",
    clause="a refused request (403) changes nothing (D-20: rights are checked first)",
    modules=("test_rights",),
    select="without_the_right and patch_lead and not bulk",
    expect=("a refused request changes nothing",),
)
def _refused_after_change(app: AsyncApp) -> None:
    service = _service(app)
    original = service.patch_lead
    every_right = set()
    for rights in service.terms.rights.values():
        every_right |= {*rights.required, rights.other, *sum(rights.by_path.values(), ())}

    def patch_lead(who: Principal, lead_id: int, body: Mapping[str, Any]) -> None:
        lead = service.store.get(lead_id)
        original(_elevated(who, *every_right), lead_id, body)
        rights = service.terms.rights["patch_lead"]
        who.require(rights.required)
        if lead is not None:
            who.require_touch(lead_id, lead["user"], rights.other)

    service.patch_lead = patch_lead  # type: ignore[method-assign]


@mutant(
    "rights_count_includes_others_leads",
    area="rights",
    bug="without lead.read.other, GET /leads lists only the caller's leads but `count` counts "
    "every lead matching, the others' too",
    clause="GET /leads x-rights: without lead.read.other the list, and so `count`, holds only "
    "the caller's leads",
    modules=("test_rights",),
    select="list_leads",
    expect=("`count` is the number of leads matching",),
)
def _count_includes_others(app: AsyncApp) -> None:
    service = _service(app)
    original = service.list_leads
    other = service.terms.rights["list_leads"].other

    def list_leads(who: Principal, query: ListQuery, *, expand: bool) -> dict[str, Any]:
        answer = original(who, query, expand=expand)
        everyone = original(
            _elevated(who, other), dataclasses.replace(query, page=1, per_page=1), expand=False
        )
        return {**answer, "count": everyone["count"]}

    service.list_leads = list_leads  # type: ignore[method-assign]


# --- validation ---------------------------------------------------------------------------------


@mutant(
    "validation_channel_of_another_source",
    area="validation",
    bug="a lead whose source_channel belongs to another source is accepted",
    clause="LeadWrite: source_channel must be one of the source's channels, or 422 (D-5)",
    modules=("test_validation",),
    select="create_breaking_a_rule and channel-of-another-source",
    expect=("channel-of-another-source is refused with 422",),
)
def _channel_of_another_source(app: AsyncApp) -> None:
    service = _service(app)

    def check_rules(data: Mapping[str, Any]) -> None:
        errors = lead_rule_errors(data, service.reference, lambda source, channel: True)
        if errors:
            raise ApiError("unprocessable", errors=errors)

    service._check_rules = check_rules  # type: ignore[method-assign]


@mutant(
    "validation_unknown_filter_ignored",
    area="validation",
    bug="GET /leads ignores a filter it does not know instead of refusing it",
    clause="LeadFilters has additionalProperties false: an unknown filter is 400 (D-27)",
    modules=("test_filters",),
    select="unknown_filter_is_refused",
    expect=("unknown filters are 400 (D-27)",),
)
def _unknown_filter_ignored(app: AsyncApp) -> ASGIApp:
    known = set(app.state.contract.schemas["LeadFilters"]["properties"])

    def unknown(key: str) -> bool:
        root, path = split_key(key)
        return root == "filters" and bool(path) and path[0] not in known

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        # The query string loses its unknown filters before the app (and its validation) sees it.
        if scope["type"] == "http" and scope.get("query_string"):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [(k, v) for k, v in pairs if not unknown(k)]
            if len(kept) != len(pairs):
                scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        await app(scope, receive, send)

    return serve


Rewrite = Callable[[Scope, int, list[tuple[bytes, bytes]], bytes], bytes]
Headers = list[tuple[bytes, bytes]]
Reanswer = Callable[[Scope, int, Headers, bytes], tuple[Headers, bytes]]


def reanswering(app: ASGIApp, change: Reanswer) -> ASGIApp:
    """`app` with each answer's headers and body rewritten together by
    `change(scope, status, headers, body)`; the Content-Length follows."""

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    headers, body = change(
                        scope, start["status"], list(start.get("headers", [])), b"".join(chunks)
                    )
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                    await send({**start, "headers": headers})
                    await send({"type": "http.response.body", "body": body})

        await app(scope, receive, keep)

    return serve


def rewriting(app: ASGIApp, change: Rewrite) -> ASGIApp:
    """`app` with each answer's body rewritten by `change(scope, status, headers, body)`."""
    return reanswering(
        app, lambda scope, status, headers, body: (headers, change(scope, status, headers, body))
    )


def _problem_errors(change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> Rewrite:
    def rewrite(scope: Scope, status: int, headers: Any, body: bytes) -> bytes:
        if status not in (400, 422) or not body:
            return body
        problem = json.loads(body)
        if isinstance(problem, dict) and isinstance(problem.get("errors"), list):
            problem["errors"] = change(problem["errors"])
        return json.dumps(problem).encode()

    return rewrite


@mutant(
    "validation_errors_repeated",
    area="validation",
    bug="a 400 lists every invalid field as many times as there are invalid fields (the "
    "mock's own bug until the required fields were named one by one)",
    clause="D-32: `errors` names each invalid field once",
    modules=("test_validation",),
    select="create_breaking_a_rule and three-required-missing",
    expect=("names each invalid field of the request once", "named more than once"),
)
def _errors_repeated(app: AsyncApp) -> ASGIApp:
    return rewriting(app, _problem_errors(lambda errors: errors * len(errors)))


@mutant(
    "validation_errors_name_valid_fields",
    area="validation",
    bug="a 400 or 422 also names a field the request had right (`/lead/title`)",
    clause="D-32: `errors` names the invalid fields, nothing else",
    modules=("test_validation",),
    select="create_breaking_a_rule and unknown-user",
    expect=("names each invalid field of the request once", "named though valid"),
)
def _errors_name_valid_fields(app: AsyncApp) -> ASGIApp:
    extra = {"in": "body", "name": "/lead/title", "message": "looks odd"}
    return rewriting(
        app,
        _problem_errors(lambda errors: errors + ([extra] if extra not in errors else [])),
    )


# --- schema -------------------------------------------------------------------------------------

# schemathesis on `GET /leads/{id}` alone (`-k` cannot spell braces). The link-driven lifecycle
# would be cheaper to collect, but a schema failure there surfaces as Hypothesis'
# FlakyStrategyDefinition, which names no clause.
_SCHEMA_OF_GET_LEAD = "conforms_to_contract and GET and leads/"


def _rendering(app: AsyncApp, change: Callable[[LeadRecord, dict[str, Any], bool], None]) -> None:
    """Every lead answered, as the renderer makes it, then changed by `change`."""
    renderer = _service(app).renderer
    original = renderer.lead

    def render(lead: LeadRecord, *, expand: bool) -> dict[str, Any]:
        out = original(lead, expand=expand)
        change(lead, out, expand)
        return out

    renderer.lead = render  # type: ignore[method-assign]


@mutant(
    "schema_matching_missing",
    area="schema",
    bug="leads are answered without their `matching` counts",
    clause="Lead: `matching` is a required property",
    modules=("test_schema",),
    select=_SCHEMA_OF_GET_LEAD,
    expect=('"matching" is a required property',),
)
def _matching_missing(app: AsyncApp) -> None:
    _rendering(app, lambda record, out, expand: out.pop("matching"))


@mutant(
    "schema_created_at_not_rfc3339",
    area="schema",
    bug="created_at is written with str(datetime): `2026-11-29 12:00:00.123000+00:00`",
    clause="Lead.created_at: format date-time (RFC 3339, `2026-11-29T12:00:00.123Z`)",
    modules=("test_schema",),
    select=_SCHEMA_OF_GET_LEAD,
    expect=("created_at", 'is not a "date-time"'),
)
def _created_at_not_rfc3339(app: AsyncApp) -> None:
    def change(record: LeadRecord, out: dict[str, Any], expand: bool) -> None:
        out["created_at"] = str(record["created_at"])

    _rendering(app, change)


# --- the expand header --------------------------------------------------------------------------


@mutant(
    "expand_user_partial",
    area="expand",
    bug="with X-MyCRM-Expand-Data: true, `user` holds the names but not the email nor mobile",
    clause="X-MyCRM-Expand-Data: true turns `user` into the full User (D-6)",
    modules=("test_expand",),
    select="get_expanded_and_plain_agree",
    expect=("X-MyCRM-Expand-Data (D-6)", "is not the full User"),
)
def _expand_user_partial(app: AsyncApp) -> None:
    def change(record: LeadRecord, out: dict[str, Any], expand: bool) -> None:
        if expand:
            out["user"] = {k: out["user"][k] for k in ("id", "first_name", "last_name")}

    _rendering(app, change)


@mutant(
    "expand_notes_without_header",
    area="expand",
    bug="leads carry `notes` also without the expand header",
    clause="X-MyCRM-Expand-Data: `notes` only with the header set to true (D-6)",
    modules=("test_expand",),
    select="get_expanded_and_plain_agree or header_false_is_plain",
    expect=("plain lead has notes",),
)
def _notes_without_header(app: AsyncApp) -> None:
    renderer = _service(app).renderer
    original = renderer.lead

    def render(lead: LeadRecord, *, expand: bool) -> dict[str, Any]:
        out = original(lead, expand=True)  # notes and all
        if not expand:
            out["user"] = {"id": lead["user"]}
        return out

    renderer.lead = render  # type: ignore[method-assign]


# --- every view after a write (the suite's every_view_agrees_after_write) ----------------------

_VIEWS = (
    "scripted_lifecycle or patch_status_takes_effect or bulk_delete_deletes_exactly "
    "or bulk_patch_touches_exactly"
)


@contextmanager
def _listed_as(service: LeadService, records: list[LeadRecord]) -> Iterator[None]:
    """The store as a stale list index sees it: these records put back (or as they were) for
    the time of one list, then the real ones restored."""
    store = service.store
    with store.transaction():
        real = {r["id"]: store.get(r["id"]) for r in records}
        for record in records:
            store.put(record)
        try:
            yield
        finally:
            for lead_id, record in real.items():
                if record is None:
                    store.delete([lead_id])
                else:
                    store.put(record)


@mutant(
    "views_deleted_lead_still_listed",
    area="views",
    bug="a deleted lead is gone from GET /leads/{id} but still listed (a search index the "
    "delete does not reach)",
    clause="after a write, every view agrees: a deleted lead is in no list",
    modules=("test_lifecycle", "test_patch_bulk"),
    select=_VIEWS,
    expect=("every_view_agrees_after_write",),
)
def _deleted_still_listed(app: AsyncApp) -> None:
    service = _service(app)
    deleted: dict[int, LeadRecord] = {}
    delete, bulk_delete, list_leads = service.delete_lead, service.bulk_delete, service.list_leads

    def remember(ids: list[int]) -> None:
        for lead_id in ids:
            record = service.store.get(lead_id)
            if record is not None:
                deleted[lead_id] = record

    def delete_lead(who: Principal, lead_id: int, operation: str = "delete_lead") -> None:
        remember([lead_id])
        delete(who, lead_id, operation)

    def bulk(who: Principal, body: Mapping[str, Any] | None) -> None:
        remember(list((body or {}).get("leads") or []))
        bulk_delete(who, body)

    def listed(who: Principal, query: ListQuery, *, expand: bool) -> dict[str, Any]:
        stale = [r for i, r in deleted.items() if service.store.get(i) is None]
        with _listed_as(service, stale):
            return list_leads(who, query, expand=expand)

    service.delete_lead = delete_lead  # type: ignore[method-assign]
    service.bulk_delete = bulk  # type: ignore[method-assign]
    service.list_leads = listed  # type: ignore[method-assign]


@mutant(
    "views_old_status_still_found",
    area="views",
    bug="after a status patch, filters[status] still finds the lead by its old status (the "
    "filter's index is not updated)",
    clause="after a write, every view agrees: the old value no longer finds the lead",
    modules=("test_lifecycle", "test_patch_bulk"),
    select="patch_status_takes_effect or scripted_lifecycle",
    expect=("every_view_agrees_after_write", "no longer found by filters[status]"),
)
def _old_status_found(app: AsyncApp) -> None:
    service = _service(app)
    old: dict[int, LeadRecord] = {}
    patch_lead, list_leads = service.patch_lead, service.list_leads

    def patched(who: Principal, lead_id: int, body: Mapping[str, Any]) -> None:
        record = service.store.get(lead_id)
        patch_lead(who, lead_id, body)
        if record is not None and lead_id not in old:
            old[lead_id] = record

    def listed(who: Principal, query: ListQuery, *, expand: bool) -> dict[str, Any]:
        wanted = (query.filters or {}).get("status")
        if not wanted:
            return list_leads(who, query, expand=expand)
        answer = list_leads(who, query, expand=expand)
        found = {lead["id"] for lead in answer["leads"]}
        stale = [
            r
            for i, r in old.items()
            if r["status"] == wanted and i not in found and service.store.get(i) is not None
        ]
        with _listed_as(service, stale):
            return list_leads(who, query, expand=expand)

    service.patch_lead = patched  # type: ignore[method-assign]
    service.list_leads = listed  # type: ignore[method-assign]


@mutant(
    "views_count_not_moved",
    area="views",
    bug="a list's `count` is kept per query from its first answer: creates and deletes do "
    "not move it",
    clause="after a write, every view agrees: `count` moves by the leads created and deleted",
    modules=("test_lifecycle", "test_patch_bulk"),
    select="scripted_lifecycle or bulk_delete_deletes_exactly",
    # The count of each page is checked against the page itself first (count_agrees_with_its_page),
    # so a stale count is caught there, before the views' own comparison of counts.
    expect=("`count` is the number of leads matching",),
)
def _count_not_moved(app: AsyncApp) -> None:
    service = _service(app)
    counts: dict[str, int] = {}
    list_leads = service.list_leads

    def listed(who: Principal, query: ListQuery, *, expand: bool) -> dict[str, Any]:
        answer = list_leads(who, query, expand=expand)
        key = repr((who.user_id, sorted(who.rights), query.filters))
        return {**answer, "count": counts.setdefault(key, answer["count"])}

    service.list_leads = listed  # type: ignore[method-assign]


@mutant(
    "views_expanded_read_stale",
    area="views",
    bug="GET /leads/{id} with X-MyCRM-Expand-Data: true answers the lead as first expanded "
    "(a per-lead cache a patch does not clear)",
    clause="after a write, every view agrees: the expanded read is the plain one, expanded",
    modules=("test_lifecycle", "test_patch_bulk"),
    select="patch_status_takes_effect",
    expect=("every_view_agrees_after_write",),
)
def _expanded_stale(app: AsyncApp) -> None:
    renderer = _service(app).renderer
    original = renderer.lead
    kept: dict[int, dict[str, Any]] = {}

    def render(lead: LeadRecord, *, expand: bool) -> dict[str, Any]:
        if not expand:
            return original(lead, expand=False)
        return copy.deepcopy(kept.setdefault(lead["id"], original(lead, expand=True)))

    renderer.lead = render  # type: ignore[method-assign]
