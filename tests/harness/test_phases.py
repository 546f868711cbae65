"""The property phase: Hypothesis draws in a thread of its own, the main thread sends and judges.

Drawing ahead must change nothing a run reports: with a seed, the cases and their order are those
Hypothesis gives when each is judged inside its test function; whatever ends the judging (a run
limit, a crash, the deadline) ends the drawing thread too, and an error while drawing reaches the run.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from zscontract.contract import load_contract
from zscontract.core.cases import Case, InputClass
from zscontract.runner import phases
from zscontract.runner.engine import RunStopped
from zscontract.strategies import either_way, must_accept, must_reject

SEED = 4242


class Recorder:
    """A stand-in harness: records every case it is asked to execute, optionally raising at case ``fail_at``."""

    def __init__(self, fail_at: int | None = None, error: BaseException | None = None, delay: float = 0.0) -> None:
        self.contract = load_contract("documented")
        self.dialect = SimpleNamespace(wraps_body=True)
        self.result = SimpleNamespace(note=self.notes_append)
        self.notes: list[str] = []
        self.cases: list[Case] = []
        self.fail_at, self.error, self.delay = fail_at, error, delay
        self.thread_names: set[str] = set()

    def notes_append(self, text: str) -> None:
        self.notes.append(text)

    def execute(self, case: Case) -> list[Any]:
        self.thread_names.add(threading.current_thread().name)
        if self.fail_at is not None and len(self.cases) == self.fail_at:
            raise self.error or RunStopped("stop")
        self.cases.append(case)
        time.sleep(self.delay)
        return []


def _drawer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "zscontract-draw"]


def _inline(harness: Recorder, max_examples: int) -> list[Case]:
    """The reference: each round's Hypothesis runs with the phase's seeds, cases taken inside the test."""
    contract = harness.contract
    strategies = {InputClass.ACCEPT: must_accept(contract), InputClass.REJECT: must_reject(contract, wraps_body=True),
                  InputClass.EITHER: either_way(contract)}
    seen: list[Case] = []
    rounds = 0
    while len(seen) < max_examples:
        for klass, size in phases.ROUND:
            budget = min(size, max_examples - len(seen))
            if budget <= 0:
                break

            @settings(max_examples=budget, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck), derandomize=False)
            @given(strategies[klass])
            def collect(case: Case) -> None:
                seen.append(case)

            hypothesis_seed(SEED * 1000 + rounds)(collect)()
            rounds += 1
    return seen


def test_a_seeded_phase_judges_the_cases_hypothesis_gives_inline_in_the_same_order() -> None:
    # Hypothesis biases generation with constants of the modules loaded (and re-reads them when one is
    # imported): a first run of both, as long as the compared ones, so that whatever they import lazily
    # (on a path only a later case takes) is in before the comparison.
    phases.property_phase(Recorder(), max_examples=120, deadline=time.monotonic() + 120, seed=SEED)
    _inline(Recorder(), 120)
    harness = Recorder(delay=0.001)  # slower than drawing: the drawer runs ahead and must wait
    count = phases.property_phase(harness, max_examples=120, deadline=time.monotonic() + 120, seed=SEED)
    assert count == 120 == len(harness.cases)
    assert [repr(c) for c in harness.cases] == [repr(c) for c in _inline(Recorder(), 120)]
    assert harness.thread_names == {threading.main_thread().name}
    assert not _drawer_threads()


@pytest.mark.parametrize("error", [RunStopped("stopped at the first failure"), KeyboardInterrupt(), ValueError("bug")])
def test_whatever_ends_the_judging_ends_the_drawing(error: BaseException) -> None:
    harness = Recorder(fail_at=7, error=error)
    with pytest.raises(type(error)):
        phases.property_phase(harness, max_examples=500, deadline=time.monotonic() + 120, seed=SEED)
    assert len(harness.cases) == 7
    assert not _drawer_threads()


def test_an_error_while_drawing_reaches_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        return st.integers().map(lambda n: 1 // 0)

    monkeypatch.setattr(phases, "must_accept", broken)
    harness = Recorder()
    with pytest.raises(ZeroDivisionError):
        phases.property_phase(harness, max_examples=50, deadline=time.monotonic() + 120, seed=SEED)
    assert harness.cases == []
    assert not _drawer_threads()


def test_the_deadline_ends_the_phase_with_a_note() -> None:
    harness = Recorder(delay=0.01)
    started = time.monotonic()
    count = phases.property_phase(harness, max_examples=10_000, deadline=started + 0.5, seed=SEED)
    assert 0 < count == len(harness.cases) < 10_000
    assert time.monotonic() - started < 5
    assert harness.notes == [f"property phase stopped by the time budget after {count} cases"]
    assert not _drawer_threads()


def test_the_switch_interval_is_given_back() -> None:
    before = 0.004
    import sys

    old = sys.getswitchinterval()
    sys.setswitchinterval(before)
    try:
        phases.property_phase(Recorder(), max_examples=20, deadline=time.monotonic() + 60, seed=SEED)
        assert sys.getswitchinterval() == pytest.approx(before)
    finally:
        sys.setswitchinterval(old)


def test_a_derandomizing_profile_does_not_make_every_round_alike() -> None:
    # A CI profile with derandomize=True, loaded by whoever runs the harness: without a --seed, every
    # round of a class would draw the same cases (the seed then comes from the test function's code).
    from hypothesis import settings as hsettings

    previous = hsettings._current_profile or "default"
    hsettings.register_profile("zs-test-derandomized", derandomize=True)
    hsettings.load_profile("zs-test-derandomized")
    try:
        harness = Recorder()
        phases.property_phase(harness, max_examples=100, deadline=time.monotonic() + 120, seed=None)
    finally:
        hsettings.load_profile(previous)
    first, second = harness.cases[:20], harness.cases[50:70]  # the must-accept cases of rounds 1 and 2
    assert {c.input_class for c in first + second} == {InputClass.ACCEPT}
    assert [repr(c) for c in first] != [repr(c) for c in second]
