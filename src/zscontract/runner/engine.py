"""The harness: executes cases against a target, runs the checks, keeps the known state.

One :class:`Harness` per resource under test. It never writes to another resource: cases
that name another uuid are must-reject probes (unknown or malformed uuid).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import threading
from collections.abc import Iterable
from typing import Any

from zscontract.checks import names
from zscontract.checks import registry as check_registry
from zscontract.checks.context import CheckContext, Step, inventory_of
from zscontract.contract import Contract
from zscontract.core.cases import Case, InputClass
from zscontract.core.client import Client
from zscontract.core.dialects import Dialect, Outcome
from zscontract.core.exchange import CONNECTION, JOB_LOST, TIMEOUT, TLS, Exchange
from zscontract.core.failures import CheckFailed
from zscontract.core.reads import ReadBack
from zscontract.runner import accounting, stops
from zscontract.runner.events import CaseJudged
from zscontract.runner.judgement import Judgement
from zscontract.runner.results import RunResult
from zscontract.strategies import duplicate_key_body

# Each check's place in the order it runs; earlier checks explain a step better than later ones.
ORDER = (
    names.NO_HANG, names.NO_SERVER_FAULT, names.ERROR_ENVELOPE, names.ZSTACK_CODES, names.RESPONSE_SHAPE,
    names.ACCEPTS_VALID, names.REJECTS_INVALID, names.INVARIANTS, names.ROUND_TRIP, names.UNCHANGED_UNSENT,
    names.IDEMPOTENCE, names.READ_AFTER_WRITE, names.REJECTED_UNCHANGED, names.NO_LOST_UPDATE, names.QUERY_READ,
)
READS = frozenset({names.QUERY_READ})  # judged on the read-back's query exchange, never on a write
# Each concurrent write is judged alone by every check but these: other fields move under it.
NOT_ON_CONCURRENT = frozenset({names.UNCHANGED_UNSENT, names.NO_LOST_UPDATE}) | READS
# A transport failure of these kinds is held back: if the target turns out to be down, it is the
# target being down (exit 3), not a contract failure of every request in flight.
HELD_KINDS = frozenset({"connection", "tls"})
DOWN_KINDS = frozenset({CONNECTION, TIMEOUT, TLS})  # what the client counts towards "target down"


class RunStopped(Exception):
    """A check named in ``stop_on`` failed: the run ends early (restore and reports still happen)."""


class Harness:
    """Sends cases to one resource and judges each with the selected checks."""

    def __init__(self, contract: Contract, dialect: Dialect, client: Client, uuid: str, result: RunResult,
                 checks: Iterable[str] = (), idempotence_every: int = 4, stop_on: Iterable[str] = (),
                 read_back_every: int = 3) -> None:
        self.contract = contract
        self.dialect = dialect
        self.client = client
        self.uuid = uuid
        self.result = result
        self.ctx = CheckContext(contract=contract, dialect=dialect, uuid=uuid)
        selected = set(check_registry.select(list(checks)))
        self.checks = [check_registry.get(n) for n in ORDER if n in selected]
        self.checks += [check_registry.get(n) for n in sorted(selected - set(ORDER))]
        result.selected = tuple(c.name for c in self.checks)
        self.state: dict[str, Any] | None = None
        self.idempotence_every = idempotence_every
        self.stop_on = frozenset(stop_on)
        self.read_back_every = read_back_every
        self.last = Judgement()  # of the last executed case (replay reads it)
        self._held: list[CheckFailed] = []
        self._read_step: tuple[Step, bool] | None = None  # the last read-back's query, judged after its case
        self._successes = 0
        self._accepted = 0
        self._burst_noted = False
        self._holding = False  # hold every unanswered write's failures (a burst that got no answer)
        self._lock = threading.Lock()
        client.on_job_cut = functools.partial(accounting.job_cut, result, client.stats)

    # -- state ------------------------------------------------------------------------------
    def read(self, case: Case | None, *, record: bool = True) -> ReadBack:
        """Read the resource back; the query answer is judged by ``query_read`` after its case.

        After, not now: a failure of the read held back as a transport error must not be flushed by
        the answer of the write that came before it (the target may have died in between).
        """
        rb = self.client.read(self.uuid)
        if rb.exchange is not None:
            step = Step(case=case or Case(InputClass.EITHER, "read"), exchange=rb.exchange, outcome=None)
            self._read_step = (step, record)
        return rb

    def _judge_read(self) -> Judgement:
        """Judge the pending read-back's query (``query_read``), if there is one."""
        pending, self._read_step = self._read_step, None
        if pending is None:
            return Judgement()
        step, record = pending
        return self.judge(step, only=READS, record=record)

    # -- one case ---------------------------------------------------------------------------
    def send(self, case: Case, *, force_repeat: bool = False, force_read: bool = False,
             record: bool = True) -> Step:
        """Send one case and gather what the checks need (see :meth:`step_for`)."""
        if case.uuid is not None and case.uuid != self.uuid and case.uuid.lower() == self.uuid.lower():
            # The resource's own uuid in other letters: ZStack checks a path uuid only by looking it up
            # (PortApiValidator, dbf.isExist), and MySQL's default collation compares without case, so
            # a node may well find the resource. The facts do not say: either way, not must-reject.
            case = dataclasses.replace(case, input_class=InputClass.EITHER, reject_kind=None, label="uuid:other-case")
        raw = case.raw_body
        if raw is None and any(len(v) > 1 for v in case.alternatives.values()):
            raw = duplicate_key_body(case, self.dialect.wrap)
        ex = self.client.update(case.uuid or self.uuid, dict(case.fields or {}), raw_body=raw, wrap=case.wrap,
                                auth=case.auth)
        return self.step_for(case, ex, raw=raw, force_repeat=force_repeat, force_read=force_read, record=record)

    def step_for(self, case: Case, ex: Exchange, *, raw: bytes | None = None, repeat: bool = True,
                 force_repeat: bool = False, force_read: bool = False, read_every_success: bool = False,
                 record: bool = True) -> Step:
        """The one step builder (this harness's cases and schemathesis's): outcome, repeat, read-back.

        ``force_repeat`` / ``force_read``: send the repeat (idempotence) and read back (read_after_write)
        whatever the sampling says; a replay uses them so the saved case's check gets its evidence.
        Judges nothing: :meth:`conclude` judges the step, then its read-back's query.
        """
        self._read_step = None
        outcome = self.dialect.classify(ex.response) if ex.response is not None else None
        step = Step(case=case, exchange=ex, outcome=outcome, before=self.state)
        own_success = outcome is Outcome.SUCCESS and case.uuid is None
        if own_success:
            step.inventory = inventory_of(ex)
            if repeat and step.inventory is not None and case.input_class is InputClass.ACCEPT:
                self._accepted += 1
                if force_repeat or self._accepted % self.idempotence_every == 0:
                    step.repeat = self.client.update(self.uuid, dict(case.fields or {}), raw_body=raw,
                                                     wrap=case.wrap)
        # A rejected (or failed) request is always read back: only a read shows what it changed.
        # A success on our resource is read back every ``read_back_every``-th time: a stale or
        # wrong query API shows on any read, and the inventory the write returned is the state.
        if own_success and case.input_class is not InputClass.REJECT:
            self._successes += 1
            read_back = force_read or (self.client.has_query_api is not False and (
                read_every_success or self._successes % self.read_back_every == 0))
        else:
            read_back = True
        if read_back:
            rb = self.read(case, record=record)
            step.after, step.after_via = rb.inventory, rb.via
            if step.after_via == "empty-update" and outcome is Outcome.SUCCESS:
                step.after = None  # an empty update is not a read of what the write returned
        return step

    def conclude(self, step: Step, record: bool = True) -> Judgement:
        """Account a step, judge it (its read-back's query included), move the known state on."""
        if record:
            self._account(step)
        j = self.judge(step, record=record)
        j.merge(self._judge_read())  # the read-back's query is part of this case, judged after it
        self.state = step.after or inventory_of(step.repeat) or step.inventory or self.state
        if record and self.result.events is not None:
            self.result.events.emit(CaseJudged(self.result))
        return j

    def judge(self, step: Step, only: frozenset[str] | None = None, record: bool = True,
              skip: frozenset[str] = READS) -> Judgement:
        """Run every selected check (or those in ``only``) on a step; record passes and failures.

        A check that got no response did not judge, whatever it returned: nothing passes against
        a target that did not answer. A check that raises anything but CheckFailed is a harness
        error (a bug of ours), never a failure of the target. ``record=False`` judges without
        touching the run's tallies (used to minimize a failing case).
        """
        j = Judgement(answered=step.exchange.response is not None)
        if record and step.exchange.error_kind == JOB_LOST:
            accounting.job_lost(self.result, step.case.label, step.exchange.error)
        for info in self.checks:
            if (only is not None and info.name not in only) or (only is None and info.name in skip):
                continue
            try:
                applied = info.func(self.ctx, step)
            except CheckFailed as failure:
                if not step.concurrent:  # a concurrent scenario is not one case a replay could send
                    failure.case = step.case.to_json()
                j.failures.append(failure)
            except Exception as exc:  # a bug in a check: reported as ours, with its traceback
                j.crashed.add(info.name)
                if record:
                    self.result.crashed(f"check {info.name} on {step.case.label}", exc, check=info.name)
            else:
                (j.passed if applied and j.answered else j.not_applicable).add(info.name)
        if record:
            self._record(j, step)
        return j

    def _record(self, j: Judgement, step: Step) -> None:
        for name in j.passed:
            self.result.passed(name)
        for name in j.not_applicable:
            self.result.not_applicable(name)
        if not j.answered and (step.exchange.error_kind in HELD_KINDS or self._holding):
            with self._lock:
                self._held.extend(j.failures)
            return
        if j.answered:
            self.flush_held()
        for failure in j.failures:
            self.result.failed(failure)

    def flush_held(self) -> None:
        """Record the failures held back from transport errors: the target answered again (or the run ended)."""
        with self._lock:
            held, self._held = self._held, []
        for failure in held:
            self.result.failed(failure)

    def drop_held(self) -> int:
        """The target is down: the transport failures that led there are not contract failures."""
        with self._lock:
            count, self._held = len(self._held), []
        return count

    def execute(self, case: Case, record: bool = True, *, force_repeat: bool = False,
                force_read: bool = False) -> list[CheckFailed]:
        """Send a case, judge it, and move the known state on."""
        stops.raise_if_stopped()
        step = self.send(case, force_repeat=force_repeat, force_read=force_read, record=record)
        self.last = self.conclude(step, record=record)
        if record:
            self.maybe_stop(self.last.failures)
        return self.last.failures

    def maybe_stop(self, failures: list[CheckFailed]) -> None:
        hit = sorted({f.check for f in failures} & self.stop_on)
        if hit:
            raise RunStopped(f"stopped at the first failure of {', '.join(hit)}")

    def _account(self, step: Step) -> None:
        res = self.result
        with self._lock:
            res.cases[step.case.input_class.value] += 1
            res.labels[step.case.label.split(",")[0]] += 1
            for name in step.case.sent_values():
                res.fields_exercised[name] += 1


    # -- scenarios --------------------------------------------------------------------------
    def concurrent_writes(self, updates: list[dict[str, Any]]) -> list[CheckFailed]:
        """Send updates of different fields at the same moment, then read back (no lost update).

        Each write is judged by every check that applies to one write (a 500 or a hang among them
        is reported); the read-back by ``no_lost_update`` and ``query_read``. A ``--rate-limit`` is
        lifted for the burst, or it would not be concurrent (the run notes it).
        """
        stops.raise_if_stopped()
        barrier = threading.Barrier(len(updates))
        results: list[tuple[dict[str, Any], Any]] = [({}, None)] * len(updates)
        errors: list[BaseException] = []
        called_off = threading.Event()  # the run stopped while the burst started: send nothing more

        def worker(i: int, fields: dict[str, Any]) -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)
            # Counted as under way before deciding: a write is either never sent or waited for by the restore.
            with self.client.writes.writing():
                if called_off.is_set():
                    return
                try:
                    results[i] = (fields, self.client.update(self.uuid, fields))
                except Exception as exc:  # a run limit, the target down, or a bug: raised below, in this thread
                    errors.append(exc)

        limit = self.client.current_limits.rate
        strikes = self.client.stats.failures_in_a_row
        if limit and not self._burst_noted:
            self._burst_noted = True
            self.result.note(f"--rate-limit {limit:g}/s: each concurrent-writes burst of {len(updates)} writes was "
                             "sent at once (rate-limited, it would not be concurrent)")
        # Unpaced, or it would not be concurrent. One burst is one strike towards "target down": writes
        # hanging together (a deadlock on concurrent writes) while the target answers the read that
        # follows are no_hang failures.
        with self.client.limits(rate=None, down_after=None):
            threads = [threading.Thread(target=worker, args=(i, f), daemon=True) for i, f in enumerate(updates)]
            try:
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(self.client.settings.request_timeout + self.client.settings.job_timeout + 5)
            finally:
                # A stop (a signal) lands here with writers still waiting at the barrier: they send
                # nothing now, and those already sending are under way, waited for by the restore.
                called_off.set()
                barrier.abort()
        done = [(f, ex) for f, ex in results if ex is not None]
        if done and all(ex.error_kind in DOWN_KINDS for _, ex in done):
            with self.client.lock:
                self.client.stats.failures_in_a_row = strikes + 1
        if errors:
            raise errors[0]
        return self._judge_concurrent(updates, done)

    def _judge_concurrent(self, updates: list[dict[str, Any]],
                          done: list[tuple[dict[str, Any], Any]]) -> list[CheckFailed]:
        failures: list[CheckFailed] = []
        before = self.state
        # A burst that got no answer at all is held like a dropped connection: the read that follows
        # says whether they are hangs (it answers: no_hang failures) or the target is down.
        self._holding = bool(done) and all(ex.error_kind in DOWN_KINDS for _, ex in done)
        for fields, ex in done:
            outcome = self.dialect.classify(ex.response) if ex.response is not None else None
            case = Case(InputClass.ACCEPT, "concurrent:" + ",".join(sorted(fields)), fields=fields)
            step = Step(case=case, exchange=ex, outcome=outcome, before=before,
                        inventory=inventory_of(ex) if outcome is Outcome.SUCCESS else None)
            self._account(step)
            failures += self.judge(step, skip=NOT_ON_CONCURRENT).failures
            if self.result.events is not None:
                self.result.events.emit(CaseJudged(self.result))
        self._holding = False
        merged: dict[str, Any] = {}
        for fields in updates:
            merged.update(fields)
        case = Case(InputClass.ACCEPT, "concurrent:" + ",".join(sorted(merged)), fields=merged)
        rb = self.read(case)
        if done:
            step = Step(case=case, exchange=done[0][1], outcome=None, before=before, after=rb.inventory,
                        after_via=rb.via, concurrent=done)
            failures += self.judge(step, only=frozenset({names.NO_LOST_UPDATE})).failures
        failures += self._judge_read().failures
        # Accepted writes changed the resource: without a usable read its state is unknown, not the old one
        # (judging the next case against the old state would blame the target for our blind spot).
        self.state = rb.inventory if rb.inventory is not None or not done else None
        self.maybe_stop(failures)
        return failures
