"""The phases of a run: Hypothesis properties over the three input classes, then scenarios."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from zscontract.contract import FieldSpec
from zscontract.core.cases import InputClass
from zscontract.runner.engine import Harness, RunStopped
from zscontract.runner.limits import HALTS
from zscontract.strategies import either_way, must_accept, must_reject


class _BudgetSpent(Exception):
    """Raised inside the Hypothesis test to end generation (time budget, run limit, target down).

    Raised from one place only, so Hypothesis sees the same failure each time it replays it; the
    limit that caused it (if any) is re-raised once Hypothesis has returned.
    """

    done = 0  # cases the interrupted chunk had run
    cause: BaseException | None = None


_HALTS: tuple[type[BaseException], ...] = (*HALTS, RunStopped)

# Cases per class in each round: 40% must accept, 30% must reject, 30% either way. Rounds of
# separate Hypothesis runs, not one run over a weighted one_of: Hypothesis avoids repeating an
# example, so the small, finite must-reject space would dwindle to a few percent of a long run.
ROUND = ((InputClass.ACCEPT, 20), (InputClass.REJECT, 15), (InputClass.EITHER, 15))


def property_phase(harness: Harness, *, max_examples: int, deadline: float, seed: int | None,
                   read_only: bool = False, include_example_fields: bool = False,
                   on_case: Callable[[], None] | None = None) -> int:
    """Generate cases of the three classes until ``max_examples`` or the deadline; return the count.

    Failures are collected, not raised, so one run reports every broken property it meets
    rather than stopping at the first (the pytest suite, by contrast, raises and shrinks).
    """
    contract = harness.contract
    wraps = harness.dialect.wraps_body
    strategies = {
        InputClass.ACCEPT: must_accept(contract),
        InputClass.REJECT: must_reject(contract, wraps_body=wraps),
        InputClass.EITHER: either_way(contract, include_example_fields=include_example_fields),
    }
    schedule = [(InputClass.REJECT, 50)] if read_only else list(ROUND)
    count = 0
    rounds = 0
    try:
        while count < max_examples:
            for klass, size in schedule:
                budget = min(size, max_examples - count)
                if budget <= 0:
                    break
                chunk_seed = None if seed is None else seed * 1000 + rounds
                count += _run_chunk(harness, strategies[klass], budget, deadline, chunk_seed)
                if on_case is not None:
                    on_case()
                rounds += 1
    except _BudgetSpent as spent:
        count += spent.done  # the cases of the chunk the deadline cut short
        if spent.cause is not None:
            raise spent.cause from None
        harness.result.note(f"property phase stopped by the time budget after {count} cases")
    return count


def _run_chunk(harness: Harness, strategy: Any, examples: int, deadline: float, seed: int | None) -> int:
    """One Hypothesis run of ``examples`` cases of one class; raises _BudgetSpent at the deadline."""
    done = 0
    halted: list[BaseException] = []

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False, print_blob=False)
    @given(strategy)
    def generate(case: Any) -> None:
        nonlocal done
        if not halted and time.monotonic() < deadline:
            try:
                harness.execute(case)
                done += 1
                return
            except _HALTS as exc:
                halted.append(exc)
        raise _BudgetSpent

    test = hypothesis_seed(seed)(generate) if seed is not None else generate
    try:
        test()
    except _BudgetSpent as spent:
        spent.done = done
        spent.cause = halted[0] if halted else None
        raise
    return done


def plain_value(spec: FieldSpec, n: int) -> Any:
    """A deterministic value inside a field's must-accept domain, distinct for each ``n``."""
    dom = spec.domain_schema
    if spec.json_type == "integer":
        return int(dom.get("minimum", 1)) + 7 * n + 3
    if dom.get("x-zs-yaml"):
        return f"services:\n- name: zsc-{n}\n  ports:\n  - {8000 + n}\nenv:\n- K{n}:v{n}\n"
    return f"zsc {spec.name} {n} 并发"


def lost_update_phase(harness: Harness, rounds: int = 3) -> None:
    """Concurrent writes of different fields, each round with fresh values (no lost update)."""
    specs = harness.contract.documented_fields()
    for r in range(rounds):
        n = int(time.time() * 1000) % 100000 + r
        harness.concurrent_writes([{spec.name: plain_value(spec, n)} for spec in specs])
