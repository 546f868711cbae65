"""The harness: executes cases against a target, runs the checks, keeps the known state.

One :class:`Harness` per resource under test. It never writes to another resource: cases
that name another uuid are must-reject probes (unknown or malformed uuid).
"""

from __future__ import annotations

import contextlib
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
from zscontract.core.failures import CheckFailed
from zscontract.runner.results import RunResult
from zscontract.strategies import duplicate_key_body

# Each check's place in the order it runs; earlier checks explain a step better than later ones.
ORDER = (
    names.NO_HANG, names.NO_SERVER_FAULT, names.ERROR_ENVELOPE, names.ZSTACK_CODES, names.RESPONSE_SHAPE,
    names.ACCEPTS_VALID, names.REJECTS_INVALID, names.INVARIANTS, names.ROUND_TRIP, names.UNCHANGED_UNSENT,
    names.IDEMPOTENCE, names.READ_AFTER_WRITE, names.REJECTED_UNCHANGED, names.NO_LOST_UPDATE,
)


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
        self.state: dict[str, Any] | None = None
        self.idempotence_every = idempotence_every
        self.stop_on = frozenset(stop_on)
        self.read_back_every = read_back_every
        self._successes = 0
        self._accepted = 0
        self._lock = threading.Lock()

    # -- state ------------------------------------------------------------------------------
    def sync_state(self) -> dict[str, Any] | None:
        """Read the resource as it stands and make it the known state."""
        self.state, _ = self.client.read_state(self.uuid)
        return self.state

    # -- one case ---------------------------------------------------------------------------
    def send(self, case: Case) -> Step:
        """Send one case and gather what the checks need; judges nothing."""
        raw = case.raw_body
        if raw is None and any(len(v) > 1 for v in case.alternatives.values()):
            raw = duplicate_key_body(case, self.dialect.wrap)
        ex = self.client.update(case.uuid or self.uuid, dict(case.fields or {}), raw_body=raw, wrap=case.wrap,
                                auth=case.auth)
        outcome = self.dialect.classify(ex.response) if ex.response is not None else None
        step = Step(case=case, exchange=ex, outcome=outcome, before=self.state)
        if outcome is Outcome.SUCCESS and case.uuid is None:
            step.inventory = inventory_of(ex)
            if step.inventory is not None and case.input_class is InputClass.ACCEPT:
                self._accepted += 1
                if self._accepted % self.idempotence_every == 0:
                    step.repeat = self.client.update(self.uuid, dict(case.fields or {}), raw_body=raw,
                                                     wrap=case.wrap)
        # A rejected (or failed) request is always read back: only a read shows what it changed.
        # A success on our resource is read back every ``read_back_every``-th time: a stale or
        # wrong query API shows on any read, and the inventory the write returned is the state.
        if outcome is Outcome.SUCCESS and case.uuid is None and case.input_class is not InputClass.REJECT:
            self._successes += 1
            read_back = self.client.has_query_api is not False and self._successes % self.read_back_every == 0
        else:
            read_back = True
        if read_back:
            step.after, step.after_via = self.client.read_state(self.uuid)
            if step.after_via == "empty-update" and outcome is Outcome.SUCCESS:
                step.after = None  # an empty update is not a read of what the write returned
        return step

    def judge(self, step: Step, only: frozenset[str] | None = None, record: bool = True) -> list[CheckFailed]:
        """Run every selected check (or those in ``only``) on a step; record passes and failures.

        ``record=False`` judges without touching the run's tallies (used to minimize a failing case).
        """
        failures: list[CheckFailed] = []
        for info in self.checks:
            if only is not None and info.name not in only:
                continue
            try:
                applied = info.func(self.ctx, step)
            except CheckFailed as failure:
                if not step.concurrent:  # a concurrent scenario is not one case a replay could send
                    failure.case = step.case.to_json()
                failures.append(failure)
                if record:
                    self.result.failed(failure)
            except Exception as exc:  # a crash of a check is reported, never swallowed silently
                crash = CheckFailed(info.name, f"check crashed: {type(exc).__name__}: {exc}",
                                    expected="the check to complete", exchange=step.exchange,
                                    signature=f"crash {type(exc).__name__}")
                failures.append(crash)
                if record:
                    self.result.failed(crash)
            else:
                if applied and record:
                    self.result.passed(info.name)
        return failures

    def execute(self, case: Case, record: bool = True) -> list[CheckFailed]:
        """Send a case, judge it, and move the known state on."""
        step = self.send(case)
        if record:
            self._account(step)
        failures = self.judge(step, record=record)
        inv_after_repeat = inventory_of(step.repeat)
        self.state = step.after or inv_after_repeat or step.inventory or self.state
        if record:
            self.maybe_stop(failures)
        return failures

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
        """Send updates of different fields at the same moment, then read back (no lost update)."""
        barrier = threading.Barrier(len(updates))
        results: list[tuple[dict[str, Any], Any]] = [({}, None)] * len(updates)

        def worker(i: int, fields: dict[str, Any]) -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)
            results[i] = (fields, self.client.update(self.uuid, fields))

        threads = [threading.Thread(target=worker, args=(i, f), daemon=True) for i, f in enumerate(updates)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(self.client.settings.request_timeout + self.client.settings.job_timeout + 5)
        merged: dict[str, Any] = {}
        for fields in updates:
            merged.update(fields)
        after, via = self.client.read_state(self.uuid)
        case = Case(InputClass.ACCEPT, "concurrent:" + ",".join(sorted(merged)), fields=merged)
        first = next((ex for _, ex in results if ex is not None), None)
        assert first is not None
        step = Step(case=case, exchange=first, outcome=None, before=self.state, after=after, after_via=via,
                    concurrent=[(f, ex) for f, ex in results if ex is not None])
        self._account(step)
        failures = self.judge(step, only=frozenset({names.NO_LOST_UPDATE}))
        self.state = after or self.state
        self.maybe_stop(failures)
        return failures
