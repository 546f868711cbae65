"""One run, start to end: target, preflight, snapshot, phases, minimize, restore, reports.

Verdicts and exit codes: :mod:`zscontract.runner.results`; the time budget:
:mod:`zscontract.runner.budget`; hard stops: :mod:`zscontract.runner.stops`.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zscontract.config import RunSettings
from zscontract.contract import load_contract
from zscontract.core.client import Client
from zscontract.core.exchange import Exchange
from zscontract.core.redact import Redactor
from zscontract.errors import ZsContractError
from zscontract.runner import limits, stops
from zscontract.runner.accounting import explain_unjudged
from zscontract.runner.as_found import explain_read_only_unjudged, leave_as_found
from zscontract.runner.budget import REPORT_SECONDS, Budget
from zscontract.runner.engine import Harness, RunStopped
from zscontract.runner.events import EventBus, Message, RunFinished, RunStarted, StageStarted, Subscriber
from zscontract.runner.lifecycle import Lifecycle, new_run_dir
from zscontract.runner.plan import BUILTIN_PHASES, EXTRA_PHASES, Phase, RunContext, run_phases
from zscontract.runner.preflight import PreflightFacts
from zscontract.runner.restore import Unanswered
from zscontract.runner.results import RunResult
from zscontract.runner.target import Target, open_target

PREFLIGHT_ERROR = "preflight-error.txt"  # in the report dir, for CI: why no run folder was made


@dataclass
class _Run:
    """What the steps of one run share."""

    settings: RunSettings
    life: Lifecycle
    result: RunResult
    events: EventBus
    budget: Budget
    contract: Any
    unanswered: Unanswered  # writes whose answer never came: the restore waits for them (restore.settled_restore)

    @property
    def client(self) -> Client:
        return self.life.client


def run_harness(settings: RunSettings, subscribers: Iterable[Subscriber] = (), *,
                phases: Mapping[str, Phase] | None = None) -> RunResult:
    """Run the harness once and return its result (``result.exit_code`` is the command's exit code).

    Outputs are ``subscribers`` of the run's events (``zscontract.api.execute_run`` wires the usual
    ones: terminal, report files, HAR, corpus); ``phases`` adds phases by name (the corpus replay).
    Raises ZsContractError subclasses for usage and preflight problems (no run folder is made,
    ``latest`` stays where it was, the reason goes to ``REPORT_DIR/preflight-error.txt``) and
    KeyboardInterrupt for a signal before the first write.
    """
    budget = Budget.start(settings.max_time, settings.request_timeout, settings.job_timeout)
    with stops.signals_interrupt(), open_target(settings) as target:
        run = _open(settings, target, list(subscribers), budget)
        try:
            try:
                run.life.login()
                facts = run.life.preflight()
            except ZsContractError as exc:
                _preflight_failed(settings.report_dir, exc)
                raise
            run.result.note(facts.dialect)
            return _execute(run, facts, phases or {})
        finally:
            # After the reports, and never past the run's stated bound.
            run.life.logout(bound=budget.end + budget.grace + REPORT_SECONDS)


def _open(settings: RunSettings, target: Target, subscribers: list[Subscriber], budget: Budget) -> _Run:
    uuid = target.model_service_uuids[0]
    redactor = Redactor(sessions=[target.session_uuid or ""], passwords=[target.password or ""])
    result = RunResult(profile=settings.profile, target_url=target.url, model_service_uuid=uuid, redactor=redactor,
                       seed=settings.seed)
    events = EventBus(subscribers, on_error=lambda sub, exc: result.crashed(f"output {type(sub).__name__}", exc))
    result.events = events

    unanswered = Unanswered(target.url)

    def count(ex: Exchange) -> None:
        unanswered.exchange(ex)
        result.requests += 1
        if ex.response is not None:
            result.statuses[ex.response.status] += 1
            result.elapsed.append(ex.response.elapsed)

    life = Lifecycle(settings, target, budget=budget, redactor=redactor, on_exchange=count)
    events.subscribe(unanswered.event)  # a write the client did not send (schemathesis) that hung
    where = "embedded reference server" if target.embedded else redactor.redact(target.url)
    events.emit(RunStarted(where, settings.profile, uuid, settings.max_time))
    if settings.insecure:
        warning = "WARNING: --insecure: TLS certificates are NOT verified; anyone on the path can read the session"
        result.warn(warning)
        events.emit(Message(warning))
    return _Run(settings, life, result, events, budget, load_contract(settings.profile), unanswered)


def _preflight_failed(report_dir: Path, exc: ZsContractError) -> None:
    """Where CI finds why a run made no report folder (overwritten by the next failed preflight)."""
    if exc.exit_code != 3:
        return
    with contextlib.suppress(OSError):
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / PREFLIGHT_ERROR).write_text(f"{time.strftime('%Y-%m-%d %H:%M:%S')} exit 3: {exc}\n",
                                                  encoding="utf-8")


def _execute(run: _Run, facts: PreflightFacts, phases: Mapping[str, Phase]) -> RunResult:
    settings, result, client = run.settings, run.result, run.client
    uuid = result.model_service_uuid
    inventory = facts.inventory
    contract, unwritten = run.life.writable(run.contract, inventory)
    if unwritten:
        result.note(unwritten)
        run.events.emit(Message(f"NOTE: {unwritten}"))
    harness = Harness(contract, run.life.dialect, client, uuid, result, checks=settings.checks,
                      stop_on=settings.stop_on)
    harness.state = inventory
    report_dir = new_run_dir(settings.report_dir)
    snapshot_path = run.life.save_snapshot(inventory, report_dir)
    client.set_limits(max_requests=settings.max_requests)  # the preflight does not count against it
    ctx = RunContext(settings, run.life.target, harness, result, run.budget.phases_end, run.events, report_dir,
                     extras={"snapshot": inventory, "phases": phases})
    phases_run: set[str] = set()
    try:
        with _frozen_heap():
            _generate(run, ctx, phases_run)
        if stops.stopped_by():  # a signal whose exception was swallowed where it landed (stops.raise_if_stopped)
            _interrupted(run, str(stops.stopped_by()))
    except KeyboardInterrupt as exc:
        _interrupted(run, stops.stopped_by() or stops.signal_name(exc))
    except Exception as exc:  # a bug of ours: a harness error, reported with its traceback; still restore
        if stops.stopped_by():  # a signal that the library it hit turned into another exception (Hypothesis)
            _interrupted(run, str(stops.stopped_by()))
        else:
            result.crashed("the run", exc)
            run.events.emit(Message(f"HARNESS ERROR (a bug in zscontract, not in the target): "
                                    f"{type(exc).__name__}: {exc}"))
    finally:
        stops.hold()  # first: a signal from here on must not cut the restore short
        harness.flush_held()
        _finish(run, ctx, snapshot_path, phases_run)
    return result


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """The objects alive before generation (imported modules, the contract) left out of the full garbage
    collections that generating cases triggers: each walked ~66,000 of them, ~5% of the property phase."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _interrupted(run: _Run, name: str) -> None:
    run.result.interrupted = name
    run.events.emit(Message(f"interrupted ({name}): restoring the model service before exiting"))


def _generate(run: _Run, ctx: RunContext, phases_run: set[str]) -> None:
    """The phases, then minimizing; a run limit or a dead target ends them with a note."""
    settings, result, harness = run.settings, run.result, ctx.harness
    limits.arm(run.client, deadline=run.budget.phases_end)
    try:
        run_phases(ctx, phases_run, ctx.extras["phases"])
        limits.arm(run.client, deadline=run.budget.end)
        if result.failures and not settings.read_only and run.budget.left() > 0:
            from zscontract.runner.minimize import minimize_failures

            run.events.emit(StageStarted("minimizing"))
            shrunk = minimize_failures(harness, run.budget.end)
            if shrunk:
                result.note(f"minimized the reproduction of {shrunk} failures")
        stops.hold()
    except limits.TargetDown as exc:
        result.stopped = str(exc)
        dropped = harness.drop_held()
        result.note(f"stopped early: {exc}" + (f"; {dropped} failures of requests that got no answer are not "
                                               "counted against a target that is down" if dropped else ""))
        what = "SESSION EXPIRED" if isinstance(exc, limits.SessionExpired) else "TARGET DOWN"
        run.events.emit(Message(f"{what}: {exc}; stopping"))
    except limits.LIMITS as exc:
        result.incomplete = str(exc)
        result.note(f"generation stopped: {exc}")
    except RunStopped as exc:
        result.note(str(exc))
    if run.client.stats.async_jobs and settings.job_timeout >= settings.max_time * 0.85 and result.incomplete:
        result.note(f"--job-timeout {settings.job_timeout:g} s does not fit in --max-time {settings.max_time:g} s: a "
                    "job still running at the end of the budget can be judged neither done nor hung; lower "
                    "--job-timeout or raise --max-time")
    if run.client.stats.async_jobs:
        result.note(f"mode: asynchronous ({run.client.stats.async_jobs} updates answered 202 + location)")
    foreign = run.client.stats.foreign_locations
    if foreign:
        result.note("job locations on another origin were polled at the target's origin, without the session: "
                    + ", ".join(sorted(foreign)))


def _finish(run: _Run, ctx: RunContext, snapshot_path: Path, phases_run: set[str]) -> None:
    """Restore (its own bounded slice), account, write every report; signals are noted, not obeyed."""
    settings, result, client = run.settings, run.result, run.client
    with stops.shielded("restoring and writing reports") as seen:
        leave_as_found(client, run.contract, result, run.events, budget=run.budget, saved=ctx.extras["snapshot"],
                       snapshot_path=snapshot_path, unanswered=run.unanswered, read_only=settings.read_only,
                       include_example_fields=settings.include_example_fields)
        seen = seen or stops.noted()
        if seen and not result.interrupted:
            result.interrupted = seen[0]
        explain_unjudged(result, settings, query_api=client.has_query_api, phases_run=phases_run)
        if settings.read_only:
            explain_read_only_unjudged(result, client)
        result.finished = time.time()
        run.events.emit(RunFinished(result, ctx.report_dir))  # the outputs write every report now


__all__ = ["BUILTIN_PHASES", "EXTRA_PHASES", "RunContext", "run_harness"]
