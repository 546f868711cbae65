"""Leave the target as found: write the snapshot back in the contract's types, verify it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from zscontract.contract import Contract
from zscontract.core.client import Client
from zscontract.core.dialects import API_PATH
from zscontract.core.exchange import CONNECTION, TIMEOUT, Exchange
from zscontract.core.jobs import job_location, poll_url
from zscontract.runner import limits
from zscontract.runner.events import Event, FailureFound
from zscontract.runner.restore_fields import Verify, differences, restorable_fields, trimmed, typed
from zscontract.runner.restore_report import RestoreReport, query_doubt
from zscontract.runner.snapshot import save_snapshot

__all__ = ["RestoreReport", "Unanswered", "differences", "query_doubt", "restorable_fields", "restore",
           "save_snapshot", "settled_restore", "trimmed", "typed"]
_COLLECTION = API_PATH.rsplit("/", 1)[0]  # the query paths; any other GET of ours is a job poll


def restore(client: Client, contract: Contract, uuid: str, snapshot: dict[str, Any], *,
            include_example_fields: bool = False, dry_run: bool = False, write_unread: bool = True,
            write_back: bool = False, doubt: str | None = None) -> RestoreReport:
    """Write the snapshot back and verify it: the write's own answer first, then a read.

    ``write_back`` (the run had a write accepted, or ``zscontract restore``): the snapshot's writable
    fields are written whatever a read shows, since a read cannot be trusted to tell (a query API
    serving a stale copy showed the snapshot while five fields stayed changed). Otherwise it reads
    first and writes only when something differs (a run that changed nothing, or a target whose jobs
    never end, is left alone). ``doubt``: why the run found the query API untrustworthy
    (:func:`~zscontract.runner.restore_report.query_doubt`); the report then never says a bare
    "restored". A run limit (the restore's own time slice) ends it as "not restored", with why.
    ``write_unread=False`` (a --read-only run) writes only when a read showed a difference: unread
    is "not verified", never a blind write. ``dry_run`` writes nothing.
    """
    kw = {"include_example_fields": include_example_fields}
    fields = restorable_fields(contract, snapshot, **kw)
    attempts: list[Any] = []
    answers: list[dict[str, Any]] = []  # the inventories the restore's accepted writes answered
    changed: list[str] = []  # what the first read found changed (a --read-only run reports it)
    try:
        read = client.read(uuid)
        first = read.inventory
        if first is None and (dry_run or not write_unread):
            return RestoreReport(False, dry_run=dry_run or None, would_write=dict(fields) if dry_run else None,
                                 why=f"could not read the resource to verify it ({read.problem or 'no answer'}); "
                                     "nothing was written")
        if first is not None:
            lost, other = differences(contract, snapshot, first, **kw)
            if dry_run or not (lost or write_back):
                report = RestoreReport(not lost, via=read.via, differences=lost, other_differences=other,
                                       why=f"fields differ from the snapshot: {', '.join(lost)}" if lost else "",
                                       last_op_date=first.get("lastOpDate"), dry_run=dry_run,
                                       would_write=dict(fields) if dry_run else None)
                if doubt and not lost and not dry_run:
                    report.caveat = (f"nothing was written back (a read showed nothing differing); the query API, "
                                     f"{doubt}, shows the snapshot but cannot confirm it")
                return report
            changed = lost
        singly, cut = _write_back_within(client, uuid, fields, attempts, answers)
        after = client.read(uuid)
        check = Verify(contract, snapshot, include_example_fields, doubt)
        redo = [] if cut is not None or singly else check.to_redo(answers, after.inventory)
        again = {name: fields[name] for name in (check.request_name[k] for k in redo) if name in fields}
        if again:  # a target that writes one column from another when both are sent: one field at a time
            _, cut = _write_back_within(client, uuid, again, attempts, answers, one_by_one=True)
            after = client.read(uuid)
        if cut is not None and after.inventory is not None:
            lost, _ = differences(contract, snapshot, after.inventory, **kw)
            if lost:  # not written back in time; nothing more to say than the limit that cut it
                raise cut
    except limits.HALTS as exc:
        return RestoreReport(False, why=f"{exc} (restore answered {_summary(attempts)})", attempts=attempts)
    report = check.report(answers[-1] if answers else None, after)
    report.attempts, report.changed, report.written_back = attempts, changed, write_back or None
    if not report.restored and not report.why:
        report.why = f"could not read the resource back (restore answered {_summary(attempts)})"
    return report


def _summary(attempts: list[Any]) -> str:
    """What the restore's writes got, each answer once with its count: ``2 x 503, 1 x 200``.

    >>> _summary([503, 503, "timeout"])
    '2 x 503, 1 x timeout'
    """
    counts: dict[str, int] = {}
    for answer in attempts:
        counts[str(answer)] = counts.get(str(answer), 0) + 1
    return ", ".join(f"{n} x {answer}" for answer, n in counts.items()) or "nothing: no write was sent"


@contextlib.contextmanager
def _room_for_a_read(client: Client) -> Iterator[None]:
    """The restore's writes end early enough for one read after them: a write whose job never ends (or
    whose answer hangs) may still have been applied, and only a read can say so (writes that took the
    whole slice would leave no read, and an applied restore would be reported NOT RESTORED)."""
    full = client.current_limits.deadline
    early = None if full is None else full - min(client.settings.request_timeout, max(0.0, full - time.monotonic()) / 3)
    with client.limits(deadline=early):
        yield


def _write_back_within(client: Client, uuid: str, fields: dict[str, Any], attempts: list[Any],
                       answers: list[dict[str, Any]], *, one_by_one: bool = False) -> tuple[bool, BaseException | None]:
    """:func:`_write_back` within :func:`_room_for_a_read`; whether it went field by field, and the limit that
    cut it short (None: it was not)."""
    with _room_for_a_read(client):
        try:
            return _write_back(client, uuid, fields, attempts, answers, one_by_one=one_by_one), None
        except limits.HALTS as exc:
            return False, exc


def _write_back(client: Client, uuid: str, fields: dict[str, Any], attempts: list[Any],
                answers: list[dict[str, Any]], *, one_by_one: bool = False) -> bool:
    """Write the fields back, adding each accepted write's inventory to ``answers``; True if one by one."""

    def put(update: dict[str, Any]) -> bool:
        for _ in range(2):  # once more after a transient failure (timeout, 5xx)
            ex = client.update(uuid, update)
            attempts.append(ex.status if ex.response is not None else ex.error)
            if ex.response is not None and ex.response.status == 200:
                inventory = ex.response.inventory()
                if inventory is not None:
                    answers.append(inventory)
                return True
            if ex.response is not None and ex.response.status < 500:
                return False
        return False

    # All fields in one update first; if the target refuses that, field by field, so one value it
    # now dislikes does not keep the others from being written back.
    if one_by_one or (not put(fields) and len(fields) > 1):
        for name, value in fields.items():
            put({name: value})
        return True
    return False


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
                    *, deadline: float, settle: float, **kwargs: Any) -> RestoreReport:
    """:func:`restore`, then, when writes of the run went unanswered, verified again once they could have landed.

    A PUT that timed out may still be applied by the target after the restore verified (a deadlocked
    node's concurrent PUTs can hang for seconds, then land after "restored"). So the restore waits until ``settle``
    (request + job timeout) after the last of them, within the restore's own slice (``deadline``, the
    README's grace) less room for a read, a write and a read, then restores and verifies again. An async
    job still running is asked once more, not waited for (it had its --job-timeout). When the wait was
    cut short or a job still runs, "restored" carries the warning that it may not last.
    """
    report = restore(client, contract, uuid, snapshot, **kwargs)
    if not unanswered.count or kwargs.get("dry_run"):
        return report
    if not report.restored and client.stats.failures_in_a_row:
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
    if report.restored and again.changed:
        again.landed_late = True  # an unanswered write landed after the first verification: written back again
    again.attempts = report.attempts + again.attempts
    again.changed = sorted(set(report.changed) | set(again.changed))
    again.unanswered_writes, again.settled = max(count, unanswered.count), sure
    if again.restored and not sure:
        n = again.unanswered_writes
        why = "an async job of theirs still runs" if unanswered.jobs else "the restore's time slice ended first"
        late = (f"restored, but {n} write{'s' if n != 1 else ''} went unanswered: check the resource "
                f"(a late one may still land: {why})")
        again.caveat = late + (f"; {again.caveat}" if again.caveat else "")
    return again
