"""A run's last step on the target: leave it as found (restore, or with ``--read-only`` verify) and say so.

``snapshot.json`` says ``"restored": true`` only once a read showed every field the run can write
back as it was: after a restore, or, for a ``--read-only`` run, after the end-of-run verification. A
``--read-only`` run sends only requests that must change nothing, but a faulty target may change the
resource anyway (a rejected request partly applied: red-team F5); then it is written back as a
normal run would, and the reports say the target broke that promise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zscontract.checks import names
from zscontract.checks.state import same
from zscontract.contract import Contract
from zscontract.core.client import Client
from zscontract.core.reads import skipped_reads
from zscontract.runner import limits, snapshot
from zscontract.runner.budget import Budget
from zscontract.runner.events import EventBus, RestoreDone, StageStarted
from zscontract.runner.restore import Unanswered, settled_restore
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
    client.settings.max_requests = None  # the restore must not be refused by the budget
    deadline = budget.restore_end()
    limits.arm(client, deadline=deadline, down_after=None)
    try:
        # A --read-only run never writes blind: only a read showing a difference makes it write.
        report = settled_restore(client, contract, result.model_service_uuid, saved, unanswered, deadline=deadline,
                                 settle=client.settings.request_timeout + client.settings.job_timeout,
                                 include_example_fields=include_example_fields, write_unread=not read_only)
    except Exception as exc:  # a bug of ours; the snapshot stays pending for `zscontract restore`
        result.crashed("the restore", exc)
        report = {"restored": False, "why": f"the restore crashed: {type(exc).__name__}: {exc}"}
    report["snapshot"] = str(snapshot_path)
    if read_only:
        _read_only_outcome(result, report, saved)
    result.restore = report
    if report.get("restored"):
        snapshot.mark(snapshot_path, restored=True)
    events.emit(RestoreDone(report))
    restore_notes(result, report)


def _read_only_outcome(result: RunResult, report: dict[str, Any], saved: dict[str, Any]) -> None:
    """What the end-of-run read of a --read-only run found: the target kept its promise, or not."""
    report["read_only"] = True
    wrote = report.get("attempts") or []
    changed = report.get("changed") or []
    if wrote:
        result.warn(f"--read-only: the target changed {', '.join(changed) or 'the resource'} although every request "
                    f"of this run must change nothing; written back ({len(wrote)} write{'s' if len(wrote) > 1 else ''})"
                    + (" and verified" if report.get("restored") else f", NOT restored: {report.get('why')}")
                    + "; lastOpDate cannot be set back")
        return
    last = report.get("last_op_date")
    if report.get("restored") and last is not None and not same(last, saved.get("lastOpDate")):
        result.warn(f"--read-only: the target moved lastOpDate ({saved.get('lastOpDate')} -> {last}) although every "
                    "request of this run must change nothing; no request can set it back")


def restore_notes(result: RunResult, report: dict[str, Any]) -> None:
    """What a restore could only report, as notes (and a warning) of the run: the one wording of every route."""
    if report.get("caveat"):
        result.warn(str(report["caveat"]))
    elif report.get("unanswered_writes"):
        result.note(f"{report['unanswered_writes']} writes went unanswered; the restore was verified again once "
                    "they could have landed (request + job timeout after the last)"
                    + ("; one had landed after the first verification and was written back" if report.get("landed_late")
                       else ""))
    if report.get("trimmed"):
        result.note("restored as the target stores what is written back (outer whitespace trimmed, as a ZStack "
                    "node trims every string), not byte for byte: " + ", ".join(report["trimmed"]))
    if report.get("other_differences"):
        result.note("fields no request can write differ from the snapshot: " + ", ".join(report["other_differences"]))


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
