"""Why a selected check judged nothing, and whether the user chose that (README "Verdicts and exit codes").

A reason the user chose (``--read-only``, ``--checks``, the profile, phases turned off) keeps a run
green, and so does a check that cannot apply to the target (``NEEDS_QUERY_API`` on a target without the
query API: another API, QueryModelService, that an implementation of UpdateModelService need not offer;
oracle.md "Round-trip"). Any other reason (a request or time budget spent, the target stopped
answering) makes it INCOMPLETE: a green verdict must mean every property that applies was judged.
"""

from __future__ import annotations

import threading

from zscontract.checks import names, registry
from zscontract.config import RunSettings
from zscontract.core.client import Stats
from zscontract.runner.results import RunResult, Unjudged

# What only a write can show: --read-only sends none.
NEEDS_WRITES = frozenset({
    names.RESPONSE_SHAPE, names.ACCEPTS_VALID, names.ROUND_TRIP, names.UNCHANGED_UNSENT, names.IDEMPOTENCE,
    names.READ_AFTER_WRITE, names.NO_LOST_UPDATE,
})
QUERY_API_CHECKS = (names.READ_AFTER_WRITE, names.QUERY_READ)  # in the order the reports name them
NEEDS_QUERY_API = frozenset(QUERY_API_CHECKS)
NO_QUERY_API = "the target has no query API"  # why NEEDS_QUERY_API is not applicable, in every report
# Checks that compare a read-back with what was sent: nothing to compare when every read failed.
NEEDS_READS = frozenset({names.READ_AFTER_WRITE, names.REJECTED_UNCHANGED, names.NO_LOST_UPDATE})
# The engine's note when a job's result was lost (a poll answered 404 "the job has been expired"):
# such an update has no answer to judge, which explains a check that judged nothing.
LOST_JOBS_NOTE = "the job's result was lost"
JOB_CUT_NOTE = "a job cut by the time budget"
_NOTE_LOCK = threading.Lock()  # the burst's threads meet a lost job at once: one note


def job_cut(result: RunResult, stats: Stats, why: str) -> None:
    """The deadline cut a job short, before its --job-timeout: that job is neither done nor hung.

    When no job of the run ended in time, no_hang has not seen the target finish one, and the run is
    not PASSED (a target whose jobs never end, in a budget shorter than --job-timeout). When others
    did, the budget merely ended during one more: that case is not judged, and the reports say so
    (a loaded machine must not turn a sound server's run INCOMPLETE).
    """
    if names.NO_HANG not in result.selected:
        return
    if stats.async_jobs - stats.jobs_cut <= 0:
        result.unjudged.setdefault(names.NO_HANG, Unjudged(
            f"not every case judged: {why}, neither done nor hung; raise --max-time or lower --job-timeout", False))
        return
    with _NOTE_LOCK:
        if not any(n.startswith(JOB_CUT_NOTE) for n in result.notes):
            result.note(f"{JOB_CUT_NOTE} ({why}): neither done nor hung, so no_hang did not judge it; "
                        f"{stats.async_jobs - stats.jobs_cut} other jobs ended in time")


def job_lost(result: RunResult, label: str, error: str | None) -> None:
    """Say once that a job's result was lost: such updates are not judged on their answer."""
    with _NOTE_LOCK:
        if any(n.startswith(LOST_JOBS_NOTE) for n in result.notes):
            return
        detail = (error or "").removeprefix(LOST_JOBS_NOTE).lstrip(": ")
        result.note(f"{LOST_JOBS_NOTE} (first: {label}; {detail}): such updates are not judged on their answer "
                    "(accepted or rejected, envelope, code), only on what a read-back shows")


def explain_unjudged(result: RunResult, settings: RunSettings, *, query_api: bool | None,
                     phases_run: set[str]) -> None:
    """Fill ``result.unjudged`` for every check that judged nothing."""
    for name in registry.names():
        if name not in result.selected:
            result.unjudged[name] = Unjudged("not selected (--checks)", True)
    for name in result.selected:
        tally = result.tallies.get(name)
        if tally is not None and tally.judged > 0:
            continue
        result.unjudged[name] = _why(name, result, settings, query_api, phases_run)


def _why(name: str, result: RunResult, settings: RunSettings, query_api: bool | None,
         phases_run: set[str]) -> Unjudged:
    tally = result.tallies.get(name)
    if tally is not None and tally.errors:
        return Unjudged(f"the check crashed {tally.errors} times (a harness error, see harness_errors)", False)
    if name == names.ZSTACK_CODES and settings.profile != "zstack":
        return Unjudged("applies to the zstack profile only", True)
    if settings.read_only and name in NEEDS_WRITES:
        return Unjudged("--read-only: no writes", True)
    if name in NEEDS_QUERY_API and query_api is False:
        return Unjudged(NO_QUERY_API, False, applicable=False)
    if name == names.NO_LOST_UPDATE and "scenarios" not in phases_run:
        if "scenarios" not in settings.phases:
            return Unjudged("the concurrent-writes scenario was not selected", True)
        limit = result.stopped or result.incomplete or "a run limit"
        return Unjudged(f"the concurrent-writes scenario did not run ({limit})", False)
    reads = result.tallies.get(names.QUERY_READ)
    if name in NEEDS_READS and reads is not None and reads.judged and not reads.passed:
        return Unjudged(f"no read-back was usable: all {reads.judged} reads failed query_read (fix the query "
                        f"API first)", False)
    if result.stopped:
        return Unjudged(f"the run stopped early: {result.stopped}", False)
    seen = tally.not_applicable if tally is not None else 0
    if any(n.startswith(LOST_JOBS_NOTE) for n in result.notes):
        return Unjudged(f"none of the {seen} cases it saw gave it an answer to judge ({LOST_JOBS_NOTE} for some "
                        "or all of them: a job poll was not answered with the job's result, see notes)", False)
    if result.incomplete:
        if seen:  # it met cases, none of its kind, before the limit: both facts, not just the limit
            return Unjudged(f"none of the {seen} cases it saw gave it anything to judge before the run ended: "
                            f"{result.incomplete}", False)
        return Unjudged(f"{result.incomplete} before any case it applies to", False)
    if result.interrupted:
        return Unjudged(f"interrupted ({result.interrupted}) before any case it applies to", False)
    if "properties" not in settings.phases:  # the phase that reaches every input class was left out
        return Unjudged(f"the properties phase was not selected (phases: {', '.join(settings.phases)})", True)
    return Unjudged(f"none of the {seen} cases it saw gave it anything to judge", False)
