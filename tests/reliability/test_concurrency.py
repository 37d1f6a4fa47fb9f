"""Many clients at once, creating, patching, bulk-patching and deleting leads.

Each client thread runs a seeded random sequence on the leads it created, on a few shared
leads, and once on one contested lead that every client tries to delete. Every request is
recorded with the time it was sent and answered. Afterwards nothing answered 5xx or hung, no
accepted request was lost, and the final state of every touched lead (read with `GET` and with
the control API's export) is what a serial model of the accepted requests gives.

The serial model applies the accepted requests in the order of their answers. Two accepted
writes of the same field of the same lead that overlapped in time may have been applied in
either order, so where model and mock differ, the mock's value must be that of a write that no
other accepted write followed (sent after it was answered). Any other value is a lost update.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..mock_server._live import client
from ._ledger import Part
from ._mode import Budget
from ._support import ADMIN, describe, lead_write, reset, state, statuses, users

FIELDS = ("status", "user")
# What each kind of request may answer here: every request is valid and made with the admin
# token, so the only refusal that can happen is a lead deleted by another client (404).
EXPECTED = {
    "create": {201},
    "patch": {204, 404},
    "bulk patch": {204, 404},
    "delete": {204, 404},
    "delete alias": {204, 404},
    "bulk delete": {204, 404},
}
DELETES = ("delete", "delete alias", "bulk delete")
SHARED = 5  # existing leads every client patches


@dataclass
class Call:
    thread: int
    kind: str
    targets: list[int]  # the leads the request names (a create's once answered)
    writes: list[tuple[int, str, Any]]  # (lead, field, value), in the order they apply
    start: float = 0.0
    end: float = 0.0
    status: int | None = None
    error: str | None = None
    shown: str = ""

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class World:
    initial: dict[int, dict[str, Any]]  # lead id -> {"status", "user"}
    shared: list[int]
    contested: int
    user_ids: list[int]
    statuses: list[str]
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Agent:
    """One client: a seeded sequence of requests, each recorded with its answer."""

    def __init__(self, index: int, world: World, rng: random.Random, http: httpx.Client) -> None:
        self.index, self.world, self.rng, self.http = index, world, rng, http
        self.own: list[int] = []

    def run(self, steps: int, barrier: threading.Barrier) -> None:
        try:
            self._run(steps, barrier)
        except Exception as exc:  # recorded, so that a dead client cannot pass unnoticed
            crashed = Call(self.index, "create", [], [], error=f"client crashed: {exc!r}")
            with self.world.lock:
                self.world.calls.append(crashed)

    def _run(self, steps: int, barrier: threading.Barrier) -> None:
        contest_at = self.rng.randrange(steps)
        barrier.wait(timeout=30)
        for step in range(steps):
            if step == contest_at:
                self._delete([self.world.contested], self.rng.choice(DELETES))
            roll = self.rng.random()
            if not self.own or roll < 0.3:
                self._create()
            elif roll < 0.55:
                self._patch(self.rng.choice(self.own + self.world.shared))
            elif roll < 0.8:
                self._bulk_patch()
            else:
                kind = self.rng.choice(DELETES)
                count = self.rng.randint(1, 2) if kind == "bulk delete" else 1
                self._delete(self.rng.sample(self.own, min(count, len(self.own))), kind)

    def _create(self) -> None:
        status = self.rng.choice(self.world.statuses)
        user = self.rng.choice(self.world.user_ids)
        call = Call(self.index, "create", [], [])
        response = self._send(call, "POST", "/leads", lead_write(status=status, user=user))
        if response is not None and response.status_code == 201:
            lead = response.json()["lead"]["id"]
            call.targets = [lead]
            call.writes = [(lead, "status", status), (lead, "user", user)]
            self.own.append(lead)

    def _changes(self, lead: int) -> list[tuple[int, str, Any]]:
        writes: list[tuple[int, str, Any]] = [
            (lead, "status", self.rng.choice(self.world.statuses))
        ]
        if self.rng.random() < 0.4:
            writes.append((lead, "user", self.rng.choice(self.world.user_ids)))
            self.rng.shuffle(writes)
        return writes

    def _patch(self, lead: int) -> None:
        writes = self._changes(lead)
        body = {"operations": [_operation("", f, v) for _, f, v in writes]}
        self._send(Call(self.index, "patch", [lead], writes), "PATCH", f"/leads/{lead}", body)

    def _bulk_patch(self) -> None:
        pool = self.own + self.world.shared
        targets = self.rng.sample(pool, min(len(pool), self.rng.randint(1, 3)))
        if self.rng.random() < 0.15:  # sometimes the contested lead, perhaps deleted by now
            targets.append(self.world.contested)
        writes = [w for lead in targets for w in self._changes(lead)]
        body = {"operations": [_operation(f"/{lead}", f, v) for lead, f, v in writes]}
        self._send(Call(self.index, "bulk patch", targets, writes), "PATCH", "/leads", body)

    def _delete(self, leads: list[int], kind: str) -> None:
        call = Call(self.index, kind, leads, [])
        if kind == "bulk delete":
            response = self._send(call, "DELETE", "/leads", {"leads": leads})
        else:
            prefix = "/lead" if kind == "delete alias" else "/leads"
            leads = leads[:1]
            call.targets = leads
            response = self._send(call, "DELETE", f"{prefix}/{leads[0]}", None)
        if response is not None and response.status_code == 204:
            self.own = [lead for lead in self.own if lead not in leads]

    def _send(self, call: Call, method: str, path: str, body: Any) -> httpx.Response | None:
        response = None
        call.start = time.monotonic()
        try:
            response = self.http.request(method, path, json=body, headers=ADMIN)
            call.status = response.status_code
        except httpx.HTTPError as exc:
            call.error = f"{method} {path}: {type(exc).__name__}: {exc}"
        call.end = time.monotonic()
        if response is not None and (call.status or 0) not in EXPECTED[call.kind]:
            call.shown = describe(response)
        with self.world.lock:
            self.world.calls.append(call)
        return response


def _operation(prefix: str, name: str, value: Any) -> dict[str, Any]:
    path = "/status" if name == "status" else "/assignment/user"
    return {"op": "replace", "path": f"{prefix}{path}", "value": value}


# The checks, each a predicate over the recorded run and the final state


def every_request_was_answered_without_5xx(world: World) -> list[str]:
    issues = [f"no answer (hang or dropped connection): {c.error}" for c in world.calls if c.error]
    issues += [
        f"{c.kind} answered {c.status}, expected {sorted(EXPECTED[c.kind])}: {c.shown}"
        for c in world.calls
        if c.status is not None and c.status not in EXPECTED[c.kind]
    ]
    return issues


def every_404_follows_an_accepted_delete(world: World) -> list[str]:
    deletes = [c for c in world.calls if c.kind in DELETES and c.accepted]
    issues = []
    for call in world.calls:
        if call.status != 404:
            continue
        explained = any(
            lead in d.targets and d.start <= call.end for d in deletes for lead in call.targets
        )
        if not explained:
            issues.append(f"{call.kind} of {call.targets} answered 404, but no delete removed them")
    return issues


def no_create_or_delete_was_lost(world: World, final: dict[int, dict[str, Any]]) -> list[str]:
    creates = [c.targets[0] for c in world.calls if c.kind == "create" and c.accepted]
    issues = [f"lead {i} was created twice" for i, n in Counter(creates).items() if n > 1]
    issues += [f"created lead {i} reuses an existing id" for i in creates if i in world.initial]
    deleted = Counter(
        lead for c in world.calls if c.kind in DELETES and c.accepted for lead in set(c.targets)
    )
    issues += [f"lead {i} was deleted {n} times" for i, n in deleted.items() if n > 1]
    for lead in sorted({*world.initial, *creates}):
        if lead in final and deleted[lead]:
            issues.append(f"lead {lead} survived an accepted delete")
        elif lead not in final and not deleted[lead]:
            origin = "created" if lead in creates else "seed"
            issues.append(f"{origin} lead {lead} is gone without an accepted delete (lost)")
    issues += [
        f"lead {i} exists but nobody created it" for i in set(final) - {*world.initial, *creates}
    ]
    return issues


def serial_model(world: World) -> dict[int, dict[str, Any]]:
    """The leads after the accepted requests, applied one by one in the order of answers."""
    model = {lead: dict(values) for lead, values in world.initial.items()}
    for call in sorted((c for c in world.calls if c.accepted), key=lambda c: c.end):
        if call.kind == "create":
            model[call.targets[0]] = {}
        if call.kind in DELETES:
            for lead in call.targets:
                model.pop(lead, None)
        for lead, name, value in call.writes:
            if lead in model:
                model[lead][name] = value
    return model


def final_values_follow_the_serial_model(
    world: World, final: dict[int, dict[str, Any]], reordered: Counter[str]
) -> list[str]:
    model = serial_model(world)
    accepted = [c for c in world.calls if c.accepted and c.writes]
    issues = []
    for lead in sorted(set(model) & set(final)):
        for name in FIELDS:
            got = final[lead][name]
            if got == model[lead][name]:
                continue
            # (call, value): the last value each accepted call wrote to this field of this lead
            writes = [
                (c, [v for t, f, v in c.writes if t == lead and f == name][-1])
                for c in accepted
                if any(t == lead and f == name for t, f, _ in c.writes)
            ]
            unfollowed = {
                value
                for c, value in writes
                if not any(other.start > c.end for other, _ in writes if other is not c)
            }
            if got in unfollowed:
                reordered[name] += 1
                continue
            legal = sorted(map(repr, unfollowed)) or [
                f"no write, seed {world.initial[lead][name]!r}"
            ]
            issues.append(
                f"lead {lead} {name} is {got!r}: the serial model gives "
                f"{model[lead][name]!r}, the writes no other write followed {legal} (lost update)"
            )
    return issues


def get_agrees_with_the_export(
    http: httpx.Client, world: World, final: dict[int, dict[str, Any]]
) -> list[str]:
    touched = sorted({lead for c in world.calls for lead in c.targets})
    issues = []
    for lead in touched:
        response = http.get(f"/leads/{lead}", headers=ADMIN)
        if lead not in final:
            if response.status_code != 404:
                issues.append(f"GET /leads/{lead}: {response.status_code}, but it is not exported")
            continue
        if response.status_code != 200:
            issues.append(f"GET /leads/{lead}: {response.status_code}, but it is exported")
            continue
        read = response.json()["lead"]
        seen = {"status": read["status"], "user": read["user"]["id"]}
        if seen != final[lead]:
            issues.append(f"GET /leads/{lead} gives {seen}, the export {final[lead]}")
    return issues


def _exported(http: httpx.Client) -> dict[int, dict[str, Any]]:
    return {
        lead["id"]: {"status": lead["status"], "user": lead["user"]}
        for lead in state(http)["leads"]
    }


def _round(base_url: str, http: httpx.Client, budget: Budget, number: int, part: Part) -> list[str]:
    reset(http)
    initial = _exported(http)
    rng = random.Random(f"{budget.seed}:{number}")
    chosen = rng.sample(sorted(initial), SHARED + 1)
    world = World(
        initial=initial,
        shared=chosen[:SHARED],
        contested=chosen[SHARED],
        user_ids=sorted(u["id"] for u in users()),
        statuses=statuses(),
    )
    barrier = threading.Barrier(budget.threads)
    clients = [client(base_url) for _ in range(budget.threads)]
    agents = [
        Agent(i, world, random.Random(f"{budget.seed}:{number}:{i}"), clients[i])
        for i in range(budget.threads)
    ]
    threads = [
        threading.Thread(target=a.run, args=(budget.steps, barrier), daemon=True) for a in agents
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    deadline = started + 30 + budget.steps * 10.0  # every request has a 10 s timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    for http_client in clients:
        http_client.close()
    seconds = time.monotonic() - started
    if any(thread.is_alive() for thread in threads):
        return [f"round {number}: clients still running after {seconds:.0f} s (a hang)"]
    final = _exported(http)
    reordered: Counter[str] = Counter()
    issues = [
        *every_request_was_answered_without_5xx(world),
        *every_404_follows_an_accepted_delete(world),
        *no_create_or_delete_was_lost(world, final),
        *final_values_follow_the_serial_model(world, final, reordered),
        *get_agrees_with_the_export(http, world, final),
    ]
    part.count("requests", len(world.calls))
    for kind, n in sorted(Counter(c.kind for c in world.calls).items()):
        part.count(f"{kind} requests", n)
    part.count("accepted (2xx)", sum(c.accepted for c in world.calls))
    part.count(
        "refused 404 (lead deleted by another client)", sum(c.status == 404 for c in world.calls)
    )
    part.count(
        "5xx or no answer", sum(c.error is not None or (c.status or 0) >= 500 for c in world.calls)
    )
    part.count(
        "concurrent writes the mock applied in the other order than their answers",
        sum(reordered.values()),
    )
    part.count("seconds of traffic", round(seconds))
    return [f"round {number}: {issue}" for issue in issues]


def test_concurrent_clients_lose_nothing(
    live: str, http: httpx.Client, budget: Budget, part: Part
) -> None:
    part.describe(
        "Concurrency",
        f"{budget.threads} client threads at once, each {budget.steps} seeded random requests "
        f"with the admin token, {budget.rounds} round(s), each on a reset mock: create (random "
        "status and user), patch status and user (own and shared leads), bulk patch by ids "
        "(1-3 leads, sometimes the contested one), delete, delete by the alias, bulk delete.",
        f"{SHARED} shared leads patched by every client; one contested lead every client tries "
        "to delete once (exactly one delete may succeed).",
        "Checked: no 5xx or hang; only 404 as a refusal, each after an accepted delete of that "
        "lead; no accepted create or delete lost; final status and user of every lead equal to "
        "the serial model of the accepted requests in answer order, or, where writes "
        "overlapped, to a write no other accepted write followed; GET agrees with the export.",
    )
    part.fact("seed", budget.seed)
    issues: list[str] = []
    for number in range(budget.rounds):
        issues += _round(live, http, budget, number, part)
    reset(http)
    assert not issues, f"{len(issues)} problem(s):\n" + "\n".join(issues[:40])


def test_no_content_answers_are_empty(http: httpx.Client, part: Part) -> None:
    # 204 has no body, so it has no media type; certainly not the problem one.
    reset(http)
    lead = lead_write()
    created = http.post("/leads", json=lead, headers=ADMIN)
    assert created.status_code == 201, describe(created)
    lead_id = created.json()["lead"]["id"]
    answers = [
        http.patch(
            f"/leads/{lead_id}",
            json={"operations": [_operation("", "status", "qualified")]},
            headers=ADMIN,
        ),
        http.patch(
            "/leads",
            json={"operations": [_operation(f"/{lead_id}", "status", "prospect")]},
            headers=ADMIN,
        ),
        http.delete(f"/leads/{lead_id}", headers=ADMIN),
    ]
    reset(http)
    for response in answers:
        media = response.headers.get("content-type")
        assert response.status_code == 204, describe(response)
        assert response.content == b"", f"a 204 with a body:\n{describe(response)}"
        assert media is None, f"a 204 with Content-Type {media}:\n{describe(response)}"
