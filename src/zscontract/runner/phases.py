"""The phases of a run: scenarios, the boundaries, then Hypothesis properties over the three input classes."""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from zscontract.contract import FieldSpec
from zscontract.core.cases import REJECT_NOT_FOUND, REJECT_SESSION, Case, InputClass
from zscontract.core.values import unknown_uuid
from zscontract.runner.engine import Harness
from zscontract.strategies import either_way, must_accept, must_reject
from zscontract.strategies.boundaries import boundary_cases


class _Stopped(Exception):
    """Raised inside the Hypothesis test to end drawing (the time budget, or the judge has stopped)."""


# Cases per class in each round: 40% must accept, 30% must reject, 30% either way. Rounds of
# separate Hypothesis runs, not one run over a weighted one_of: Hypothesis avoids repeating an
# example, so the small, finite must-reject space would dwindle to a few percent of a long run.
ROUND = ((InputClass.ACCEPT, 20), (InputClass.REJECT, 15), (InputClass.EITHER, 15))


def boundary_phase(harness: Harness, *, deadline: float, read_only: bool = False) -> int:
    """Send every boundary once, in order (``zscontract.strategies.boundaries``); return the count.

    Deterministic and sent before random generation, so that no run leaves an edge to chance (a zero,
    2^31, a trailing U+00A0, an action value that is not an object). ``--read-only`` sends only the
    must-reject ones, as its property phase does. Judged by every check, like any other case.
    """
    cases = [b.case for b in boundary_cases(harness.contract)
             if not read_only or b.case.input_class is InputClass.REJECT]
    for count, case in enumerate(cases):
        if time.monotonic() >= deadline:
            harness.result.note(f"boundary phase stopped by the time budget after {count} of {len(cases)} cases")
            return count
        harness.execute(case)
    return len(cases)


def property_phase(harness: Harness, *, max_examples: int, deadline: float, seed: int | None,
                   read_only: bool = False, include_example_fields: bool = False,
                   on_case: Callable[[], None] | None = None) -> int:
    """Generate cases of the three classes until ``max_examples`` or the deadline; return the count.

    Failures are collected, not raised, so one run reports every broken property it meets
    rather than stopping at the first (the pytest suite, by contrast, raises and shrinks).
    Hypothesis draws in a thread of its own (``_Drawer``) while this one sends and judges.
    """
    contract = harness.contract
    wraps = harness.dialect.wraps_body
    strategies = {
        InputClass.ACCEPT: must_accept(contract),
        InputClass.REJECT: must_reject(contract, wraps_body=wraps),
        InputClass.EITHER: either_way(contract, include_example_fields=include_example_fields),
    }
    schedule = [(InputClass.REJECT, 50)] if read_only else list(ROUND)
    drawer = _Drawer(strategies, schedule, max_examples, deadline, seed)
    count = 0
    with drawer:
        for case in drawer.cases():
            if case is _CHUNK_DONE:
                if on_case is not None:
                    on_case()
                continue
            harness.execute(case)
            count += 1
    if drawer.timed_out:
        harness.result.note(f"property phase stopped by the time budget after {count} cases")
    return count


_CHUNK_DONE = object()  # between two Hypothesis runs: the progress callback's moment
_END = object()


class _Drawer:
    """Hypothesis drawing the cases in a thread of its own, a few cases ahead of the one being judged.

    The test function only hands each drawn case over; nothing about its outcome goes back to
    Hypothesis (failures are collected, not raised), so with a seed the same cases come in the same
    order as when they were judged inside the test function. What it gains: the drawing of the next
    case (about half of a case's CPU) overlaps the wait for the target's answer to this one
    (benchmarks/README.md). The consumer must run in the main thread (signals, ``stops``).
    """

    AHEAD = 4  # cases drawn ahead: enough to cover one answer's wait, few enough to waste nothing at the end
    SWITCH = 0.0005  # the GIL's switch interval while drawing: an answer waits at most this for the judge
    JOIN = 5.0  # seconds to wait for the thread at the end (one draw); a daemon, it cannot outlive the run

    def __init__(self, strategies: dict[InputClass, Any], schedule: list[tuple[InputClass, int]],
                 max_examples: int, deadline: float, seed: int | None) -> None:
        self.strategies, self.schedule, self.max_examples = strategies, schedule, max_examples
        self.deadline, self.seed = deadline, seed
        self.queue: queue.Queue[Any] = queue.Queue(self.AHEAD)
        self.stop = threading.Event()
        self.timed_out = False
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._draw_all, name="zscontract-draw", daemon=True)

    def __enter__(self) -> _Drawer:
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch, self.SWITCH))
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        give_up = time.monotonic() + self.JOIN
        while self.thread.is_alive() and time.monotonic() < give_up:  # unblock a put; Hypothesis returns
            with contextlib.suppress(queue.Empty):
                self.queue.get(timeout=0.05)
        sys.setswitchinterval(self._switch)

    def cases(self) -> Iterator[Any]:
        """The drawn cases and chunk marks, in order, until the schedule, the deadline or an error ends them."""
        while True:
            try:
                item = self.queue.get(timeout=0.1)
            except queue.Empty:
                item = None
            if time.monotonic() >= self.deadline:
                self.timed_out = True
                return
            if item is _END:
                if self.error is not None:
                    raise self.error
                return
            if item is not None:
                yield item

    def _put(self, item: Any) -> bool:
        while not self.stop.is_set():
            with contextlib.suppress(queue.Full):
                self.queue.put(item, timeout=0.05)
                return True
        return False

    def _draw_all(self) -> None:
        drawn = rounds = 0
        try:
            while drawn < self.max_examples and not self.stop.is_set():
                for klass, size in self.schedule:
                    budget = min(size, self.max_examples - drawn)
                    if budget <= 0 or self.stop.is_set():
                        break
                    chunk_seed = None if self.seed is None else self.seed * 1000 + rounds
                    drawn += self._chunk(self.strategies[klass], budget, chunk_seed)
                    self._put(_CHUNK_DONE)
                    rounds += 1
        except BaseException as exc:  # handed to the main thread, raised there
            self.error = exc
        finally:
            self._put(_END)

    def _chunk(self, strategy: Any, examples: int, seed: int | None) -> int:
        """One Hypothesis run of ``examples`` cases of one class; the number handed over."""
        done = 0

        # derandomize pinned off: a loaded Hypothesis profile with it on (CI profiles often have it) would
        # seed every chunk of a class alike from the function's name, and ignore the run's --seed.
        @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), report_multiple_bugs=False, print_blob=False,
                  derandomize=False)
        @given(strategy)
        def generate(case: Any) -> None:
            nonlocal done
            # Raised from one place only, so Hypothesis sees the same failure each time it replays it.
            if time.monotonic() >= self.deadline:
                self.timed_out = True
                raise _Stopped
            if not self._put(case):
                raise _Stopped
            done += 1

        test = hypothesis_seed(seed)(generate) if seed is not None else generate
        try:
            test()
        except _Stopped:
            self.stop.set()
        return done


def plain_value(spec: FieldSpec, n: int) -> Any:
    """A deterministic value inside a field's must-accept domain, distinct for each ``n``."""
    dom = spec.domain_schema
    if spec.json_type == "integer":
        return int(dom.get("minimum", 1)) + 7 * n + 3
    if dom.get("x-zs-yaml"):
        return f"services:\n- name: zsc-{n}\n  ports:\n  - {8000 + n}\nenv:\n- K{n}:v{n}\n"
    return f"zsc {spec.name} {n} 并发"


def fixed_code_probes(harness: Harness) -> None:
    """One request of each kind whose error code ZStack fixes, so that every run judges ``zstack_codes``.

    An unknown session (ID.1001) and an unknown, well-formed uuid (SYS.1003): the property phase draws
    them too, but among many kinds, so a short run against a node whose other refusals carry no fixed
    code could end without judging the check. Both must change nothing, so they run
    under ``--read-only`` too. The uuid is a version-4 shape (``StringDSL.isZStackUuid`` in
    zstackio/zstack accepts only those: ``core.values.unknown_uuid``).
    """
    spec = harness.contract.documented_fields()[0]
    fields = {spec.name: plain_value(spec, 0)}
    unknown = unknown_uuid(harness.uuid)
    harness.execute(Case(InputClass.REJECT, "auth:unknown-session", fields=fields, auth="unknown",
                         reject_kind=REJECT_SESSION))
    harness.execute(Case(InputClass.REJECT, "uuid:unknown", fields=fields, uuid=unknown, reject_kind=REJECT_NOT_FOUND))


def lost_update_phase(harness: Harness, rounds: int = 3) -> None:
    """Concurrent writes of different fields, each round with fresh values (no lost update)."""
    specs = harness.contract.documented_fields()
    for r in range(rounds):
        n = int(time.time() * 1000) % 100000 + r
        harness.concurrent_writes([{spec.name: plain_value(spec, n)} for spec in specs])
