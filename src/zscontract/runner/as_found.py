"""A run's last step on the target: leave it as found (restore, or with ``--read-only`` verify) and say so.

``snapshot.json`` says ``"restored": true`` only once every field the run can write showed as it was:
after a restore, in the restore write's own answer or a read after it (when the two disagree, or the
run found the query API stale, the report's caveat says so in every report); for a ``--read-only``
run, in the end-of-run read. A ``--read-only`` run sends only requests that must change nothing, but
a faulty target may change the resource anyway (a rejected request partly applied); then it is
written back as a normal run would, and the reports say the target broke that promise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zscontract.checks import names
from zscontract.checks.state import same
from zscontract.contract import Contract
from zscontract.core.client import Client
from zscontract.core.exchange import TIMEOUT, Exchange, Request
from zscontract.core.reads import skipped_reads
from zscontract.runner import snapshot
from zscontract.runner.budget import Budget
from zscontract.runner.events import EventBus, RestoreDone, StageStarted
from zscontract.runner.restore import Unanswered, settled_restore
from zscontract.runner.restore_report import RestoreReport, query_doubt
from zscontract.runner.results import RunResult, Unjudged

# Checks that judge a rejected request from its read-back: none without one.
NEEDS_READ_BACK = (names.REJECTED_UNCHANGED, names.INVARIANTS)


def leave_as_found(client: Client, contract: Contract, result: RunResult, events: EventBus, *, budget: Budget,
                   saved: dict[str, Any] | None, snapshot_path: Path, unanswered: Unanswered, read_only: bool,
                   include_example_fields: bool) -> None:
    """Restore the snapshot (verify it, ``read_only``) in the restore's own slice; record and announce it."""
    if saved is None:  # --read-only without a query API: the resource was never read (preflight)
        result.warn("--read-only without a query API: the model service was never read (the only other read, an "
                    "empty update, is a write), so neither that it exists nor that the target left it as found is "
                    "verified")
        return
    events.emit(StageStarted("restoring"))
    deadline = budget.restore_end()
    # Not refused by --max-requests, nor stopped by the failures in a row that may have stopped the run.
    with client.limits(max_requests=None, deadline=deadline, down_after=None):
        try:
            await_writes(client, deadline, unanswered)
            # A --read-only run never writes blind: only a read showing a difference makes it write. A run
            # that had a write accepted writes the snapshot back whatever a read shows (restore.restore).
            report = settled_restore(client, contract, result.model_service_uuid, saved, unanswered,
                                     deadline=deadline, settle=client.settings.request_timeout
                                     + client.settings.job_timeout, include_example_fields=include_example_fields,
                                     write_unread=not read_only,
                                     write_back=not read_only and client.stats.writes_accepted > 0,
                                     doubt=query_doubt(result))
        except Exception as exc:  # a bug of ours; the snapshot stays pending for `zscontract restore`
            result.crashed("the restore", exc)
            report = RestoreReport(False, why=f"the restore crashed: {type(exc).__name__}: {exc}")
    report.snapshot = str(snapshot_path)
    if read_only:
        _read_only_outcome(result, report, saved)
    result.restore = report
    if report.restored:
        snapshot.mark(snapshot_path, restored=True)
    events.emit(RestoreDone(report))
    restore_notes(report, result.warn, result.note)


def await_writes(client: Client, deadline: float, unanswered: Unanswered | None = None) -> int:
    """Before the restore writes or reads: wait for the run's writes still under way on other threads.

    A stop (a signal, a spent budget) can come while a concurrent burst's writes are being sent: one
    that lands after the restore verified leaves the resource changed under a "restored". They are
    waited for within the restore's slice, less room for a read, a write and a read; those still under
    way then are counted as unanswered (``unanswered``: the restore waits for them again and verifies
    once they could have landed). Returns how many were still under way.
    """
    left = max(0.0, deadline - time.monotonic())
    still = client.writes.wait(time.monotonic() + left - min(3 * client.settings.request_timeout, left / 2))
    cut = Exchange(Request("PUT", client.base_url, {}, None), None, error="still under way as the restore began",
                   error_kind=TIMEOUT)
    for _ in range(still):
        if unanswered is not None:
            unanswered.exchange(cut)
    return still


def _read_only_outcome(result: RunResult, report: RestoreReport, saved: dict[str, Any]) -> None:
    """What the end-of-run read of a --read-only run found: the target kept its promise, or not."""
    report.read_only = True
    wrote, changed = report.attempts, report.changed
    if wrote:
        result.warn(f"--read-only: the target changed {', '.join(changed) or 'the resource'} although every request "
                    f"of this run must change nothing; written back ({len(wrote)} write{'s' if len(wrote) > 1 else ''})"
                    + (" and verified" if report.restored else f", NOT restored: {report.why}")
                    + "; lastOpDate cannot be set back")
        return
    last = report.last_op_date
    if report.restored and last is not None and not same(last, saved.get("lastOpDate")):
        result.warn(f"--read-only: the target moved lastOpDate ({saved.get('lastOpDate')} -> {last}) although every "
                    "request of this run must change nothing; no request can set it back")


def restore_notes(report: RestoreReport, warn: Callable[[str], None], note: Callable[[str], None]) -> None:
    """What a restore's report adds to the run's notes (both routes: the CLI run and the pytest route)."""
    if report.caveat:
        warn(report.caveat)
    elif report.unanswered_writes:
        note(f"{report.unanswered_writes} writes went unanswered; the restore was verified again once they could "
             "have landed (request + job timeout after the last)"
             + ("; one had landed after the first verification and was written back" if report.landed_late else ""))
    if report.trimmed:
        note("restored as the target stores what is written back (outer whitespace trimmed, as a ZStack node trims "
             "every string), not byte for byte: " + ", ".join(report.trimmed))
    if report.other_differences:
        note("fields no request can write differ from the snapshot: " + ", ".join(report.other_differences))


def explain_read_only_unjudged(result: RunResult, client: Client) -> None:
    """--read-only without a query API: the checks that needed a read-back say so (not "saw nothing").

    Not the user's choice (README exit 5: "no query API on the target"): the run is INCOMPLETE.
    """
    if client.has_query_api is not False:
        return
    skipped = skipped_reads(client)
    for name in NEEDS_READ_BACK:
        why = result.unjudged.get(name)
        if why is None or why.user_chosen or not why.reason.startswith("none of the"):
            continue
        result.unjudged[name] = Unjudged(f"no query API on the target, and --read-only reads back through nothing "
                                         f"else ({skipped} read-backs not done: an empty update is a write)", False)
    if skipped:
        result.note(f"--read-only without a query API: {skipped} read-backs not done (an empty update, the only "
                    "other read, is a write); rejected requests were judged from their answers only")
