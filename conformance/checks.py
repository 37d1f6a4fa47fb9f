"""Checks, each named as the clause it enforces, failing with the clause, the curl and the diff."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from .http.client import Exchange, is_invalid_token
from .http.wire import wire_names
from .oracle import lists, writes
from .oracle.clauses import filter_clause
from .oracle.contract import Contract

Lead = Mapping[str, Any]

_MAX_LISTED = 8


class ContractViolation(AssertionError):
    """The server broke a clause of the contract. `clauses`: the ids of the report's clauses
    it breaks (`oracle.clauses`), when the check knows them more precisely than the case that
    ran it (one filter of several, say)."""

    def __init__(
        self,
        clause: str,
        exchanges: Sequence[Exchange],
        expected: str,
        received: str,
        *,
        clauses: Sequence[str] = (),
    ) -> None:
        self.clause = clause
        self.exchanges = tuple(exchanges)
        self.expected = expected
        self.received = received
        self.clauses = tuple(clauses)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"Contract:  {self.clause}"]
        for i, exchange in enumerate(self.exchanges):
            label = "Request:  " if i == 0 else "Then:     "
            lines.append(f"{label} {exchange.curl()}")
            lines.append(f"  answered {exchange.describe_response()}")
        lines.append(f"Expected:  {self.expected}")
        lines.append(f"Received:  {self.received}")
        return "\n".join(lines)


def _listing(items: Iterable[str]) -> str:
    items = list(items)
    shown = items[:_MAX_LISTED]
    more = f" ... and {len(items) - len(shown)} more" if len(items) > len(shown) else ""
    return "; ".join(shown) + more


def _body(exchange: Exchange) -> Any:
    try:
        return exchange.json
    except ValueError:
        return None


# --- status and error format -------------------------------------------------------------


def answers_status(exchange: Exchange, expected: int | set[int], clause: str) -> None:
    wanted = {expected} if isinstance(expected, int) else expected
    if exchange.status not in wanted:
        raise ContractViolation(
            clause,
            [exchange],
            f"status {' or '.join(map(str, sorted(wanted)))}",
            f"status {exchange.status}",
        )


def refusal_is_problem(exchange: Exchange, status: int, clause: str) -> None:
    """A refusal has its status and an `application/problem+json` body (D-32, D-20)."""
    answers_status(exchange, status, clause)
    body = _body(exchange)
    problems = []
    if exchange.content_type != "application/problem+json":
        problems.append(f"content type {exchange.content_type!r}")
    if not isinstance(body, dict) or body.get("status") != status or "title" not in body:
        problems.append(f"body {exchange.response_text[:200]!r}")
    if status == 401 and not exchange.response_headers.get("www-authenticate", "").startswith(
        "Bearer"
    ):
        problems.append(f"WWW-Authenticate {exchange.response_headers.get('www-authenticate')!r}")
    if problems:
        raise ContractViolation(
            clause,
            [exchange],
            f"a {status} application/problem+json Problem"
            + (" with `WWW-Authenticate: Bearer`" if status == 401 else ""),
            ", ".join(problems),
        )


def problem_lists_errors(exchange: Exchange, clause: str) -> None:
    """D-32: a 400 or 422 lists every invalid field or broken rule in `errors`."""
    body = _body(exchange)
    errors = body.get("errors") if isinstance(body, dict) else None
    well_formed = (
        isinstance(errors, list)
        and errors
        and all(isinstance(e, dict) and {"in", "name", "message"} <= set(e) for e in errors)
    )
    if not well_formed:
        raise ContractViolation(
            f"{clause}; `errors` lists every invalid field or broken rule (D-32)",
            [exchange],
            "a non-empty `errors` of {in, name, message}",
            f"errors {errors!r}",
        )


Field = str | tuple[str, ...]  # a field a request got wrong, or the fields any of which may name it


def _related(name: str, field: str) -> bool:
    """Whether an error's name is about `field`: the field itself or a part of it
    (`/lead/preference/types/0` for `/lead/preference/types`, `filters[created][from]` for
    `filters[created]`)."""
    part = "/" if field.startswith("/") else "["
    return name == field or name.startswith(field + part)


def _about_the_request(
    entry: Mapping[str, Any], body: Any, query: Sequence[tuple[str, str]]
) -> bool:
    """Whether an error names something of this request: a field of its body (or one missing
    from an object the body has), or a query parameter it sent."""
    where, name = entry.get("in"), str(entry.get("name", ""))
    if where == "body":
        if name == "":
            return True
        node = body
        parts = [p.replace("~1", "/").replace("~0", "~") for p in name.split("/")[1:]]
        for part in parts[:-1]:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return False
        return isinstance(node, dict | list)
    if where == "query":
        roots = {key.split("[", 1)[0] for key, _ in query}
        return name.split("[", 1)[0] in roots
    return where in ("path", "header")


def errors_name_each_invalid_field_once(
    exchange: Exchange,
    clause: str,
    *,
    wrong: Sequence[Field],
    body: Any = None,
    query: Sequence[tuple[str, str]] = (),
) -> None:
    """D-32: a 400 or 422 names, in `errors`, each field the request got wrong, once, and
    nothing the request did not have. `wrong`: the fields the suite broke in an otherwise
    valid request (a tuple when a server may fairly name any of them: the channel or the
    source of a mismatch); every entry must be about one of them."""
    problem_lists_errors(exchange, clause)
    errors = exchange.json["errors"]
    entries = [(e.get("in"), e.get("name")) for e in errors]
    problems = []
    repeated = sorted({f"{w} {n}" for w, n in entries if entries.count((w, n)) > 1})
    if repeated:
        problems.append(f"named more than once: {', '.join(repeated)}")
    strangers = [e for e in errors if not _about_the_request(e, body, query)]
    if strangers:
        problems.append(
            "not in the request: " + ", ".join(f"{e.get('in')} {e.get('name')}" for e in strangers)
        )
    options = [(field,) if isinstance(field, str) else tuple(field) for field in wrong]
    missing = [
        " or ".join(option)
        for option in options
        if not any(_related(str(n), f) for _, n in entries for f in option)
    ]
    if missing:
        problems.append(f"not named: {', '.join(missing)}")
    unrelated = [
        f"{w} {n}"
        for w, n in entries
        if not any(_related(str(n), f) for option in options for f in option)
    ]
    if unrelated:
        problems.append(f"named though valid: {', '.join(unrelated)}")
    if problems:
        raise ContractViolation(
            f"{clause}; `errors` names each invalid field of the request once, and nothing "
            "else (D-32)",
            [exchange],
            "each of " + "; ".join(" or ".join(o) for o in options) + ", once",
            "; ".join(problems),
            clauses=["errors-list-fields"],
        )


# --- lists, filters, sorting, pagination --------------------------------------------------


def filtered_leads_match_filter(
    contract: Contract,
    exchanges: Sequence[Exchange],
    leads: Sequence[Lead],
    filters: Mapping[str, Any],
    today: date,
) -> None:
    """Soundness: every lead a filtered list returns satisfies every filter given."""
    for lead in leads:
        mismatches = lists.filter_mismatches(lead, filters, today)
        if mismatches:
            first = mismatches[0]
            exchange = _page_holding(exchanges, lead["id"])
            raise ContractViolation(
                f"GET /leads {first.filter}: {contract.filter_description(first.filter)}",
                [exchange],
                f"only leads satisfying {json.dumps(filters)}",
                f"lead {lead['id']}: " + _listing(f"{m.filter}: {m.reason}" for m in mismatches),
                clauses=[filter_clause(first.filter)],
            )


def filtered_leads_include_every_match(
    contract: Contract,
    exchanges: Sequence[Exchange],
    returned: Sequence[Lead],
    own_leads: Sequence[Lead],
    filters: Mapping[str, Any],
    today: date,
) -> None:
    """Completeness: every lead the suite created that satisfies the filters is returned."""
    returned_ids = {lead["id"] for lead in returned}
    missing = [
        lead
        for lead in own_leads
        if lead["id"] not in returned_ids and lists.matches(lead, filters, today)
    ]
    if missing:
        described = "; ".join(
            f"{name}: {contract.filter_description(name)}" for name in wire_names(filters)
        )
        raise ContractViolation(
            f"GET /leads keeps every lead satisfying all the filters given (AND): {described}",
            exchanges[:3],
            f"every lead satisfying {json.dumps(filters)}, over all pages",
            "missing leads "
            + _listing(f"{lead['id']} ({_summary(lead, filters)})" for lead in missing),
        )


def sorted_leads_follow_sort_key(
    sorts: lists.SortOracle,
    exchanges: Sequence[Exchange],
    leads: Sequence[Lead],
    key: str,
    sort_order: str,
) -> None:
    """Consecutive leads are in the order of the key (missing values last, ties by id)."""
    descending = lists.is_descending(sort_order)
    for before, after in itertools.pairwise(leads):
        if sorts.compare(before, after, key, descending) > 0:
            raise ContractViolation(
                f"GET /leads sort={key}&sort_order={sort_order}: the `sort` table (D-17), "
                "missing values last in both orders, ties by id ascending",
                [_page_holding(exchanges, after["id"])],
                f"lead {after['id']} ({key} {_shown(sorts.shown(after, key))}) before lead "
                f"{before['id']} ({key} {_shown(sorts.shown(before, key))})",
                f"lead {before['id']} came first",
            )


def sorted_leads_equal_oracle_order(
    sorts: lists.SortOracle,
    exchanges: Sequence[Exchange],
    leads: Sequence[Lead],
    key: str,
    sort_order: str,
) -> None:
    """The whole answer is exactly the oracle's order of the same leads."""
    expected = [lead["id"] for lead in sorts.sort(leads, key, lists.is_descending(sort_order))]
    received = [lead["id"] for lead in leads]
    if expected != received:
        sorted_leads_follow_sort_key(sorts, exchanges, leads, key, sort_order)
        raise ContractViolation(
            f"GET /leads sort={key}&sort_order={sort_order}: the `sort` table (D-17)",
            exchanges[:1],
            f"ids in the order {expected}",
            f"ids in the order {received}",
        )


def pages_neither_overlap_nor_skip(
    exchanges: Sequence[Exchange], pages: Sequence[Sequence[Lead]], whole: Sequence[Lead]
) -> None:
    """Pages, read one after the other, are the whole list cut in order: no repeat, no gap."""
    seen: list[int] = [lead["id"] for page in pages for lead in page]
    duplicates = sorted({i for i in seen if seen.count(i) > 1})
    expected = [lead["id"] for lead in whole]
    if duplicates or seen != expected:
        raise ContractViolation(
            "GET /leads page/per_page (D-18): pages are consecutive slices of one stable order "
            "(ties broken by id), so paging neither repeats nor skips a lead",
            exchanges[:4],
            f"the concatenated pages equal the single-page list {expected[:30]}",
            f"pages gave {seen[:30]}" + (f", repeated ids {duplicates}" if duplicates else ""),
        )


def listing_holds_exactly(
    exchanges: Sequence[Exchange], leads: Sequence[Lead], expected_ids: Iterable[int], filters: str
) -> None:
    """A list meant to hold exactly some leads (the suite's own, by their tag) holds them."""
    expected = set(expected_ids)
    received = [lead["id"] for lead in leads]
    if set(received) != expected or len(received) != len(expected):
        raise ContractViolation(
            f"GET /leads {filters}: `query` keeps leads whose first_name, last_name, mobile or "
            "email contains every word",
            exchanges[:3],
            f"exactly the leads {sorted(expected)}",
            f"missing {sorted(expected - set(received))}, unexpected "
            f"{sorted(set(received) - expected)}, {len(received)} in all",
        )


def page_past_the_end_is_empty(exchange: Exchange, leads: Sequence[Lead]) -> None:
    if leads:
        raise ContractViolation(
            "GET /leads (D-18): a page past the last one is answered 200 with no leads",
            [exchange],
            "no leads",
            f"{len(leads)} leads",
        )


def count_is_total(exchange: Exchange, expected: int, clause_extra: str = "") -> None:
    body = _body(exchange)
    count = body.get("count") if isinstance(body, dict) else None
    if count != expected:
        raise ContractViolation(
            "GET /leads: `count` is the number of leads matching the filters, over all pages"
            + clause_extra,
            [exchange],
            f"count {expected}",
            f"count {count}",
        )


def page_is_well_formed(exchange: Exchange, page: int, per_page: int) -> None:
    body = _body(exchange)
    answered = (body.get("page"), body.get("per_page")) if isinstance(body, dict) else None
    leads = body.get("leads") if isinstance(body, dict) else None
    if answered != (page, per_page) or not isinstance(leads, list) or len(leads) > per_page:
        raise ContractViolation(
            "GET /leads (D-18): answers {count, page, per_page, leads}, at most per_page leads",
            [exchange],
            f"page {page}, per_page {per_page}, at most {per_page} leads",
            f"page/per_page {answered}, {len(leads) if isinstance(leads, list) else 'no'} leads",
        )


def count_agrees_with_its_page(exchange: Exchange) -> None:
    """D-18, within one answer (so that it holds while other clients write between pages):
    `count` is at least the leads up to this page, and exactly that on a page that is not
    full (the last one)."""
    body = _body(exchange)
    if not isinstance(body, dict) or not isinstance(body.get("leads"), list):
        return  # page_is_well_formed says what is wrong
    page, per_page, count = body.get("page"), body.get("per_page"), body.get("count")
    if not (isinstance(page, int) and isinstance(per_page, int) and isinstance(count, int)):
        return
    shown = len(body["leads"])
    before = (page - 1) * per_page
    if shown and count < before + shown:
        expected = f"count of at least {before + shown} (page {page} of {per_page} holds {shown})"
    elif 0 < shown < per_page and count != before + shown:
        expected = f"count {before + shown}: the page is not full, so it is the last one"
    else:
        return
    raise ContractViolation(
        "GET /leads: `count` is the number of leads matching the filters, over all pages (D-18)",
        [exchange],
        expected,
        f"count {count}",
        clauses=["list-count"],
    )


# --- writes: model, patch, refusals ---------------------------------------------------------


def lead_matches_model(
    exchanges: Sequence[Exchange],
    lead: Lead,
    expected: Mapping[str, Any],
    clause: str,
    *,
    with_notes: bool,
) -> None:
    """The lead answered is the lead the writes made (`exchanges`: the read, then the writes)."""
    diffs = writes.differences(expected, writes.comparable(lead, with_notes=with_notes))
    if diffs:
        raise ContractViolation(
            clause, exchanges, "the lead as written", f"lead {lead.get('id')}: " + _listing(diffs)
        )


def lead_is_unchanged(
    exchanges: Sequence[Exchange],
    before: Lead,
    after: Lead | None,
    clause: str,
    *,
    ignore: Iterable[str] = (),
) -> None:
    """`before` and `after` are equal on every field but `ignore`."""
    if after is None:
        raise ContractViolation(
            clause, exchanges, f"lead {before['id']} still exists", "it is gone"
        )
    skipped = set(ignore)
    diffs = [
        f"{name}: {before.get(name)!r} became {after.get(name)!r}"
        for name in sorted(set(before) | set(after))
        if name not in skipped and before.get(name) != after.get(name)
    ]
    if diffs:
        raise ContractViolation(
            clause, exchanges, f"lead {before['id']} unchanged", _listing(diffs)
        )


def refused_request_changes_nothing(
    exchanges: Sequence[Exchange],
    before: Mapping[int, Lead],
    after: Mapping[int, Lead | None],
    clause: str,
) -> None:
    """After a refusal (4xx) every lead looked at is exactly as before (D-20)."""
    for lead_id, lead in before.items():
        lead_is_unchanged(
            exchanges,
            lead,
            after.get(lead_id),
            f"{clause}; a refused request changes nothing (D-20)",
        )


def patch_takes_effect(
    exchanges: Sequence[Exchange], after: Lead, expected: Mapping[str, Any], clause: str
) -> None:
    received = writes.comparable(after, with_notes=False)
    diffs = [
        f"{name}: expected {value!r}, received {received.get(name)!r}"
        for name, value in expected.items()
        if received.get(name) != value
    ]
    if diffs:
        raise ContractViolation(
            clause, exchanges, "the operation applied", f"lead {after['id']}: " + _listing(diffs)
        )


def patch_leaves_other_fields_alone(
    exchanges: Sequence[Exchange], before: Lead, after: Lead, changed: Iterable[str], clause: str
) -> None:
    lead_is_unchanged(
        exchanges,
        before,
        after,
        f"{clause}; fields the operations do not name are left alone",
        ignore={*changed, "updated_at"},
    )


def lead_still_exists(
    exchanges: Sequence[Exchange], lead_id: int, lead: Lead | None, clause: str
) -> None:
    if lead is None:
        raise ContractViolation(clause, exchanges, f"lead {lead_id} still there", "404")


def deleted_lead_is_gone(exchange: Exchange, lead_id: int, clause: str) -> None:
    if exchange.status != 404:
        raise ContractViolation(
            f"{clause}; a deleted lead is then answered 404",
            [exchange],
            f"404 for lead {lead_id}",
            f"status {exchange.status}",
        )


def timestamps_are_consistent(
    exchange: Exchange, before: Lead | None, after: Lead, clause: str
) -> None:
    """`created_at` never changes, `updated_at` never goes back and is not before creation."""
    created = lists.parse_instant(after["created_at"])
    updated = lists.parse_instant(after["updated_at"])
    problems = []
    if updated < created:
        problems.append(f"updated_at {after['updated_at']} before created_at {after['created_at']}")
    if before is not None:
        if before["created_at"] != after["created_at"]:
            problems.append(
                f"created_at changed from {before['created_at']} to {after['created_at']}"
            )
        if updated < lists.parse_instant(before["updated_at"]):
            problems.append(
                f"updated_at went back from {before['updated_at']} to {after['updated_at']}"
            )
    if problems:
        raise ContractViolation(clause, [exchange], "consistent timestamps", _listing(problems))


def _sub_second(text: str) -> bool:
    """Whether an RFC 3339 time carries a fraction of a second (`...05.123Z`)."""
    return "." in text.partition("T")[2]


def _server_second(exchange: Exchange) -> datetime | None:
    """When the server answered, to the second, by its `Date` header (RFC 9110), if sent."""
    value = exchange.response_headers.get("date")
    try:
        return parsedate_to_datetime(value).astimezone(UTC) if value else None
    except (TypeError, ValueError):
        return None


def change_moves_updated_at(
    write: Exchange, read: Exchange, before: Lead, after: Lead, clause: str
) -> None:
    """A write that changed the lead moved `updated_at` forward.

    Servers keep time to the second or finer, and the contract fixes neither. With a fraction
    of a second on either side, the new `updated_at` must be later. At second precision two
    writes within one second may show the same time, so it must be later only when the
    server's `Date` for the write names a later second than the old `updated_at`; without a
    `Date` header only "never back" can be told apart (`timestamps_are_consistent`).
    """
    old, new = before["updated_at"], after["updated_at"]
    old_at, new_at = lists.parse_instant(old), lists.parse_instant(new)
    if _sub_second(old) or _sub_second(new):
        must_move = True
    else:
        answered = _server_second(write)
        must_move = answered is not None and answered.replace(microsecond=0) > old_at
    if new_at < old_at or (must_move and new_at <= old_at):
        raise ContractViolation(
            f"{clause}; a write that changes the lead moves `updated_at` forward (D-15)",
            [write, read],
            f"updated_at later than {old}",
            f"updated_at {new}",
            clauses=["timestamps"],
        )


def matching_count_adds_up(exchange: Exchange, lead: Lead) -> None:
    matching = lead.get("matching") or {}
    if matching.get("count") != matching.get("inventory_count", 0) + matching.get("mls_count", 0):
        raise ContractViolation(
            "Matching.count: `inventory_count + mls_count`",
            [exchange],
            "count = inventory_count + mls_count",
            f"lead {lead.get('id')}: {matching}",
        )


# --- expand header --------------------------------------------------------------------------


def expanded_and_plain_agree(
    exchanges: Sequence[Exchange], plain: Lead, expanded: Lead, clause: str
) -> None:
    """D-6: the header only turns `user` into the full User and adds `notes`."""
    problems = [
        f"{name}: {plain.get(name)!r} plain, {expanded.get(name)!r} expanded"
        for name in sorted(set(plain) | set(expanded))
        if name not in ("user", "notes") and plain.get(name) != expanded.get(name)
    ]
    if set(plain.get("user") or {}) != {"id"}:
        problems.append(f"plain user is {plain.get('user')!r}, not only its id")
    user = expanded.get("user") or {}
    if user.get("id") != (plain.get("user") or {}).get("id"):
        problems.append(f"expanded user {user!r} is not user {plain.get('user')!r}")
    elif not {"first_name", "last_name", "email"} <= set(user):
        problems.append(f"expanded user {user!r} is not the full User")
    if "notes" in plain:
        problems.append("plain lead has notes (only with the expand header)")
    if not isinstance(expanded.get("notes"), list):
        problems.append(f"expanded lead has notes {expanded.get('notes')!r}, not a list")
    if problems:
        raise ContractViolation(
            clause, exchanges, "the same lead, expanded as D-6 says", _listing(problems)
        )


# --- helpers ------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    return "none (sorts last)" if value is None else repr(value)


def _page_holding(exchanges: Sequence[Exchange], lead_id: int) -> Exchange:
    for exchange in exchanges:
        body = _body(exchange)
        if isinstance(body, dict) and any(
            isinstance(lead, dict) and lead.get("id") == lead_id for lead in body.get("leads") or []
        ):
            return exchange
    return exchanges[0]


def _summary(lead: Lead, filters: Mapping[str, Any]) -> str:
    shown = {}
    for name in filters:
        if name in ("created", "updated"):
            shown[f"{name}_at"] = lead.get(f"{name}_at")
        elif name == "wishlist":
            shown["preferences"] = lead.get("preferences")
            shown["category"] = lead.get("category")
        elif name == "query":
            shown.update({k: lead.get(k) for k in ("first_name", "last_name", "mobile", "email")})
        elif name == "name":
            shown.update({k: lead.get(k) for k in ("first_name", "last_name")})
        elif name == "user" or name == "excluded_user":
            shown["user"] = lead.get("user")
        elif name == "lead_fields":
            shown["fields"] = lead.get("fields")
        else:
            shown[name] = lead.get(name)
    return json.dumps(shown)[:400]


# --- OAuth2 client credentials (D-38; RFC 6749, RFC 6750) ----------------------------------


def wrong_secret_is_refused(exchange: Exchange) -> None:
    """RFC 6749 §5.2: a client that authenticated by HTTP Basic with a wrong secret is
    answered 401 `invalid_client`, with a `WWW-Authenticate` challenge."""
    clause = "RFC 6749 §5.2: a wrong client secret (HTTP Basic) is 401 invalid_client (D-38)"
    body = _body(exchange)
    problems = []
    if exchange.status != 401:
        problems.append(f"status {exchange.status}")
    if not isinstance(body, dict) or body.get("error") != "invalid_client":
        problems.append(f"body {exchange.response_text[:200]!r}")
    if not exchange.response_headers.get("www-authenticate"):
        problems.append("no WWW-Authenticate")
    if problems:
        raise ContractViolation(
            clause,
            [exchange],
            '401, {"error": "invalid_client"}, WWW-Authenticate',
            ", ".join(problems),
        )


def token_answer_is_a_bearer_token(exchange: Exchange, raw_text: str) -> None:
    """RFC 6749 §5.1, D-38: a token answer is 200 JSON with a non-empty `access_token`,
    `token_type` Bearer (any case) and `expires_in` in seconds, and is not cached.
    `raw_text` is the answer as received; `exchange` shows it with the token masked."""
    clause = (
        "RFC 6749 §5.1: the token answer is 200 application/json {access_token, token_type: "
        "Bearer, expires_in} with Cache-Control: no-store (D-38)"
    )
    try:
        body = json.loads(raw_text)
    except ValueError:
        body = None
    problems = []
    if exchange.status != 200:
        problems.append(f"status {exchange.status}")
    if exchange.content_type != "application/json":
        problems.append(f"content type {exchange.content_type!r}")
    if not isinstance(body, dict):
        problems.append("a body that is not a JSON object")
    else:
        token, kind = body.get("access_token"), body.get("token_type")
        expires_in = body.get("expires_in")
        if not isinstance(token, str) or not token:
            problems.append(f"access_token {type(token).__name__}")
        if not isinstance(kind, str) or kind.lower() != "bearer":
            problems.append(f"token_type {kind!r}")
        if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 1:
            problems.append(f"expires_in {expires_in!r}")
    cache_control = exchange.response_headers.get("cache-control", "")
    if "no-store" not in cache_control.lower():
        problems.append(f"Cache-Control {cache_control!r}")
    if problems:
        raise ContractViolation(
            clause, [exchange], "a bearer token answer, not cached", ", ".join(problems)
        )


def unknown_token_is_invalid_token(exchange: Exchange, clause: str) -> None:
    """RFC 6750 §3.1, D-38: a bearer token the server does not accept is a 401 problem whose
    challenge says `Bearer error="invalid_token"`, so that a client knows to renew it."""
    refusal_is_problem(exchange, 401, clause)
    challenge = exchange.response_headers.get("www-authenticate", "")
    if not is_invalid_token(exchange.status, challenge):
        raise ContractViolation(
            clause,
            [exchange],
            'WWW-Authenticate: Bearer error="invalid_token"',
            f"WWW-Authenticate {challenge!r}",
        )
