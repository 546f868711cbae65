"""Leave the target as found: write the snapshot back in the contract's types, verify it."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from zscontract.checks.state import same
from zscontract.contract import Contract
from zscontract.core.client import Client
from zscontract.core.dialects import API_PATH
from zscontract.core.exchange import CONNECTION, TIMEOUT, Exchange
from zscontract.core.jobs import job_location, poll_url
from zscontract.core.values import stored_strings
from zscontract.runner import limits
from zscontract.runner.events import Event, FailureFound
from zscontract.runner.snapshot import save_snapshot

__all__ = ["Unanswered", "restorable_fields", "restore", "save_snapshot", "settled_restore", "typed"]
_COLLECTION = API_PATH.rsplit("/", 1)[0]  # the query paths; any other GET of ours is a job poll


def typed(json_type: str, value: Any) -> Any:
    """A snapshot value in the contract's type: a view that shows ``requestCpu`` as ``"8"`` writes ``8``.

    >>> typed("integer", "8"), typed("integer", 8), typed("string", "8"), typed("integer", "x")
    (8, 8, '8', 'x')
    """
    if json_type == "integer" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def restorable_fields(contract: Contract, snapshot: dict[str, Any], *, include_example_fields: bool) -> dict[str, Any]:
    """The request fields that write the snapshot back (documented ones, example-only on opt-in)."""
    fields: dict[str, Any] = {}
    for name, spec in contract.fields.items():
        if not spec.documented and not include_example_fields:
            continue
        if spec.inventory_field and snapshot.get(spec.inventory_field) is not None:
            fields[name] = typed(spec.json_type, snapshot[spec.inventory_field])
    return fields


def _written(contract: Contract, include_example_fields: bool) -> dict[str, str]:
    return {spec.inventory_field: spec.json_type for spec in contract.fields.values()
            if spec.inventory_field and (spec.documented or include_example_fields)}


def _restored(json_type: str, saved: Any, now: Any, dialect: str) -> bool:
    """``now`` is what a sound node stores when ``saved`` is written back (a string: its Java trim too)."""
    saved, now = typed(json_type, saved), typed(json_type, now)
    if isinstance(saved, str) and isinstance(now, str):
        # Back byte for byte, or as a sound node stores what was written (zstack-rest-facts.md "Strings
        # are trimmed by the server"): a target that does not trim has still restored it.
        return now == saved or now in stored_strings(saved, dialect)
    return same(saved, now)


def trimmed(contract: Contract, snapshot: dict[str, Any], now: dict[str, Any], *,
            include_example_fields: bool = False) -> list[str]:
    """Fields counted as restored that differ from the snapshot by outer whitespace (the node's trim).

    >>> from zscontract.contract import load_contract
    >>> trimmed(load_contract("zstack"), {"yaml": "a: 1\\n", "name": "n"}, {"yaml": "a: 1", "name": "n"})
    ['yaml']
    """
    written = _written(contract, include_example_fields)
    return sorted(k for k in written if isinstance(snapshot.get(k), str) and isinstance(now.get(k), str)
                  and snapshot[k] != now[k] and _restored(written[k], snapshot[k], now[k], contract.profile))


def differences(contract: Contract, snapshot: dict[str, Any], now: dict[str, Any], *,
                include_example_fields: bool) -> tuple[list[str], list[str]]:
    """(fields the run writes that differ, other fields that differ), each compared in the contract's type."""
    written = _written(contract, include_example_fields)
    diffs = sorted(k for k in set(snapshot) | set(now) if k != "lastOpDate"
                   and not _restored(written.get(k, ""), snapshot.get(k), now.get(k), contract.profile))
    return [k for k in diffs if k in written], [k for k in diffs if k not in written]


def restore(client: Client, contract: Contract, uuid: str, snapshot: dict[str, Any], *,
            include_example_fields: bool = False, dry_run: bool = False, write_unread: bool = True) -> dict[str, Any]:
    """Write the snapshot back and read it again; returns a report of what differs (empty = restored).

    Reads first: when nothing the run can write differs, nothing is written (a target whose jobs
    never end, or a run that changed nothing, is left alone). A run limit (the restore's own time
    slice) ends it as "not restored", with why. ``write_unread=False`` (a --read-only run) writes
    only when a read showed a difference: unread is "not verified", never a blind write.
    """
    fields = restorable_fields(contract, snapshot, include_example_fields=include_example_fields)
    attempts: list[Any] = []
    changed: list[str] = []  # what the first read found changed (a --read-only run reports it)
    try:
        read = client.read(uuid)
        first = read.inventory
        if first is None and not write_unread:
            return {"restored": False, "differences": [], "attempts": [],
                    "why": f"could not read the resource to verify it ({read.problem or 'no answer'}); nothing "
                           "was written"}
        if first is not None:
            lost, other = differences(contract, snapshot, first, include_example_fields=include_example_fields)
            if not lost or dry_run:
                return {"restored": not lost, "dry_run": dry_run, "would_write": {k: fields.get(k) for k in fields}
                        if dry_run else None, "differences": lost, "other_differences": other, "attempts": [],
                        "why": "" if not lost else f"fields differ from the snapshot: {', '.join(lost)}",
                        "last_op_date": first.get("lastOpDate")}
            changed = lost
        written, cut = _write_back_within(client, uuid, fields, attempts)
        after = client.read(uuid)
        if cut is not None and after.inventory is not None:
            lost, _ = differences(contract, snapshot, after.inventory, include_example_fields=include_example_fields)
            if lost:  # not written back in time; nothing more to say than the limit that cut it
                raise cut
    except limits.HALTS as exc:
        return {"restored": False, "why": f"{exc} (restore answered {_summary(attempts)})", "differences": [],
                "attempts": attempts}
    now, via = after.inventory, after.via
    if now is None and written is not None:
        # The query API is unusable (after.problem: a 5xx, an unfiltered list...): the last write's own
        # answer is the best evidence there is, and the report says which it was.
        now, via = written, f"the restore write's answer (the query API was unusable: {after.problem})"
    if now is None:
        return {"restored": False, "why": f"could not read the resource back (restore answered {_summary(attempts)})",
                "differences": [], "attempts": attempts}
    # Restored means: every field the run wrote is back. Fields no request can set (size,
    # hasNewVersion, modelServiceRefs, ...) may move on a shared server for reasons of its own; a
    # difference there is reported, not counted as a failed restore.
    lost, other = differences(contract, snapshot, now, include_example_fields=include_example_fields)
    only_trimmed = trimmed(contract, snapshot, now, include_example_fields=include_example_fields)
    return {"restored": not lost, "via": via, "attempts": attempts, "differences": lost, "changed": changed,
            "other_differences": other, "trimmed": only_trimmed, "last_op_date": now.get("lastOpDate"),
            "why": "" if not lost else f"fields still differ after restore: {', '.join(lost)}"}


def _summary(attempts: list[Any]) -> str:
    """What the restore's writes got, each answer once with its count: ``2 x 503, 1 x 200``.

    >>> _summary([503, 503, "timeout"])
    '2 x 503, 1 x timeout'
    """
    counts: dict[str, int] = {}
    for answer in attempts:
        counts[str(answer)] = counts.get(str(answer), 0) + 1
    return ", ".join(f"{n} x {answer}" for answer, n in counts.items()) or "nothing: no write was sent"


def _write_back_within(client: Client, uuid: str, fields: dict[str, Any],
                       attempts: list[Any]) -> tuple[dict[str, Any] | None, BaseException | None]:
    """``_write_back`` ending early enough for one read after it: a write whose job never ends (or whose
    answer hangs) may still have been applied, and only a read can say so (hostile-target audit 3: the
    writes took the whole slice, no read was left, and an applied restore was reported NOT RESTORED)."""
    full = client.current_limits.deadline
    early = None if full is None else full - min(client.settings.request_timeout, max(0.0, full - time.monotonic()) / 3)
    try:
        with client.limits(deadline=early):
            return _write_back(client, uuid, fields, attempts), None
    except limits.HALTS as exc:
        return None, exc


def _write_back(client: Client, uuid: str, fields: dict[str, Any], attempts: list[Any]) -> dict[str, Any] | None:
    """Write the fields back; the inventory the last accepted write answered, if one was."""
    last: list[dict[str, Any]] = []

    def put(update: dict[str, Any]) -> bool:
        for _ in range(2):  # once more after a transient failure (timeout, 5xx)
            ex = client.update(uuid, update)
            attempts.append(ex.status if ex.response is not None else ex.error)
            if ex.response is not None and ex.response.status == 200:
                inventory = ex.response.inventory()
                if inventory is not None:
                    last.append(inventory)
                return True
            if ex.response is not None and ex.response.status < 500:
                return False
        return False

    # All fields in one update first; if the target refuses that, field by field, so one value it
    # now dislikes does not keep the others from being written back.
    if not put(fields) and len(fields) > 1:
        for name, value in fields.items():
            put({name: value})
    return last[-1] if last else None


def _never_sent(ex: Exchange) -> bool:
    """A connection that was never made (refused, no such host): that write cannot land.

    >>> from zscontract.core.exchange import Request
    >>> _never_sent(Exchange(Request("PUT", "u", {}, b""), None, error="connection failed: NewConnectionError: "
    ...                      "Failed to establish a new connection: [Errno 111] Connection refused"))
    True
    """
    error = ex.error or ""
    return any(word in error for word in ("NewConnectionError", "NameResolutionError", "Connection refused"))


class Unanswered:
    """Writes of the run whose outcome never came back: the target may still apply them, late.

    Fed every exchange of the run's client (``on_exchange``): a PUT that timed out or lost its
    connection, and an async job (a 202's location) never seen to end. ``zscontract`` cannot see a
    PUT cut by the run's deadline mid-request (the client raises before reporting it), nor
    schemathesis's own timeouts: those are counted from the failures they leave (:meth:`event`).
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.puts = 0
        self.last_put: float | None = None  # time.monotonic() of the last unanswered PUT
        self.jobs: dict[str, float] = {}  # poll URL -> when it was last seen still running
        self._lock = threading.Lock()

    def exchange(self, ex: Exchange) -> None:
        resp, method = ex.response, ex.request.method
        now = time.monotonic()
        with self._lock:
            if method == "PUT" and resp is None and ex.error_kind in (TIMEOUT, CONNECTION) and not _never_sent(ex):
                self.puts, self.last_put = self.puts + 1, now
            elif method == "PUT" and resp is not None and resp.status == 202:
                location = job_location(resp)
                with contextlib.suppress(ValueError):  # no http(s) URL: never polled, nothing to wait for
                    if location:
                        self.jobs[poll_url(self.base_url, location)[0]] = now
            elif method == "GET" and (ex.request.url in self.jobs or _COLLECTION not in urlsplit(ex.request.url).path):
                if resp is not None and resp.status != 202:
                    self.jobs.pop(ex.request.url, None)
                elif resp is not None or ex.request.url in self.jobs:
                    self.jobs[ex.request.url] = now

    def event(self, event: Event) -> None:
        """A run event: a failure's PUT without an answer that the client did not send (schemathesis)."""
        ex = event.exchange if isinstance(event, FailureFound) else None
        if ex is not None and ex.request.method == "PUT" and ex.response is None and not _never_sent(ex) \
                and not self.puts:
            with self._lock:
                self.puts, self.last_put = 1, time.monotonic()

    @property
    def count(self) -> int:
        return self.puts + len(self.jobs)

    def settle_until(self, settle: float) -> float:
        """When a PUT that timed out could no longer land: ``settle`` (request + job timeout) after the last.

        Jobs do not extend it: each already had its --job-timeout; one still running is asked once
        more (:meth:`wait`), and if it still runs the restore cannot be sure (its caveat says so).
        """
        return (self.last_put + settle) if self.last_put is not None else 0.0

    def sure(self, settle: float) -> bool:
        """Nothing the run sent can still land: the PUTs' settle time is over and no job still runs."""
        return time.monotonic() >= self.settle_until(settle) and not self.jobs

    def wait(self, client: Client, until: float) -> None:
        """Sleep until ``until``, asking the jobs still running whether they ended (a job location needs no
        session on a node; the answers reach :meth:`exchange` through the client's ``on_exchange``)."""
        while True:
            for url in list(self.jobs):
                client.send("GET", url, headers=client.auth_headers())
            left = until - time.monotonic()
            if left <= 0 or not (self.puts or self.jobs):
                return
            time.sleep(min(1.0, left))


def settled_restore(client: Client, contract: Contract, uuid: str, snapshot: dict[str, Any], unanswered: Unanswered,
                    *, deadline: float, settle: float, **kwargs: Any) -> dict[str, Any]:
    """:func:`restore`, then, when writes of the run went unanswered, verified again once they could have landed.

    A PUT that timed out may still be applied by the target after the restore verified (red-team F15:
    concurrent PUTs hung 15 s and landed after "restored"). So the restore waits until ``settle``
    (request + job timeout) after the last of them, within the restore's own slice (``deadline``, the
    README's grace) less room for a read, a write and a read, then restores and verifies again. An async
    job still running is asked once more, not waited for (it had its --job-timeout). When the wait was
    cut short or a job still runs, "restored" carries the warning that it may not last.
    """
    report = restore(client, contract, uuid, snapshot, **kwargs)
    if not unanswered.count or kwargs.get("dry_run"):
        return report
    if not report.get("restored") and client.stats.failures_in_a_row:
        return report  # the target stopped answering: no late write is worth waiting for (NOT RESTORED either way)
    count = unanswered.count
    left = max(0.0, deadline - time.monotonic())  # room kept for a read, a write and a read: the slice's half at most
    until = min(unanswered.settle_until(settle), time.monotonic() + left - min(3 * client.settings.request_timeout,
                                                                              left / 2))
    with contextlib.suppress(*limits.HALTS):  # the restore's slice is spent: the verification below says so
        unanswered.wait(client, until)
    again = restore(client, contract, uuid, snapshot, **kwargs)
    # Sure only if the last verification came after every unanswered write could have landed.
    sure = unanswered.sure(settle)
    if report.get("restored") and again.get("attempts"):
        again["landed_late"] = True  # an unanswered write landed after the first verification: written back again
    again["attempts"] = list(report.get("attempts") or []) + list(again.get("attempts") or [])
    again["changed"] = sorted(set(report.get("changed") or []) | set(again.get("changed") or []))
    again.update(unanswered_writes=max(count, unanswered.count), settled=sure)
    if again.get("restored") and not sure:
        n = again["unanswered_writes"]
        why = "an async job of theirs still runs" if unanswered.jobs else "the restore's time slice ended first"
        again["caveat"] = (f"restored, but {n} write{'s' if n != 1 else ''} went unanswered: check the resource "
                           f"(a late one may still land: {why})")
    return again
