"""Sequences of writes that schemathesis cannot express: a Hypothesis state machine keeps a model of
the resource and checks the target against it after every step (writes, rejected writes, repeats,
concurrent writes), then the session's harness restores the resource."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from zscontract import strategies
from zscontract.checks.state import same
from zscontract.core.cases import Case
from zscontract.core.values import stored_strings
from zscontract.runner.phases import lost_update_phase

# What tests/contract re-exports (fixtures included: pytest collects what a module's namespace holds).
__all__ = [
    "test_write_sequences_match_a_model",
]


def _stored(fields: dict[str, Any], profile: str) -> dict[str, tuple[Any, ...]]:
    """What the target may hold for each field written: strings as ZStack stores them (stored_strings)."""
    return {k: stored_strings(v, profile) if isinstance(v, str) else (v,) for k, v in fields.items()}


def test_write_sequences_match_a_model(zs_harness: Any, zs_contract: Any) -> None:
    harness = zs_harness
    wraps = harness.dialect.wraps_body

    class WriteSequences(RuleBasedStateMachine):
        """The model holds, per field, the values the target may hold; every rule must keep them agreeing."""

        @initialize()
        def read(self) -> None:
            current, _ = harness.client.read_state(harness.uuid)
            harness.state = current or harness.state
            self.model: dict[str, tuple[Any, ...]] = {k: (v,) for k, v in (current or {}).items()}

        def _send(self, case: Case) -> None:
            failures = harness.execute(case)
            if failures:
                raise failures[0]

        @rule(case=strategies.must_accept(zs_contract))
        def valid_write(self, case: Case) -> None:
            self._send(case)
            self.model.update(_stored(dict(case.fields or {}), harness.dialect.name))

        @rule(case=strategies.must_reject(zs_contract, wraps_body=wraps))
        def rejected_write(self, case: Case) -> None:
            self._send(case)  # the model does not move: a rejected request changes nothing

        @rule(data=st.data())
        def same_write_twice(self, data: st.DataObject) -> None:
            case = data.draw(strategies.must_accept(zs_contract))
            self._send(case)
            self._send(case)
            self.model.update(_stored(dict(case.fields or {}), harness.dialect.name))

        @rule()
        def concurrent_writes(self) -> None:
            lost_update_phase(harness, rounds=1)
            self.model = {k: (v,) for k, v in (harness.state or {}).items()}
            assert not [f for f in harness.result.failures.values() if f.check == "no_lost_update"]

        @invariant()
        def target_matches_model(self) -> None:
            if not hasattr(self, "model"):
                return
            current, _ = harness.client.read_state(harness.uuid)
            assert current is not None
            for field in ("name", "description", "yaml", "requestCpu", "requestMemory"):
                allowed = self.model.get(field, (None,))
                assert any(same(current.get(field), v) for v in allowed), (field, current.get(field), allowed)

    # The loaded profile (dev, ci) sets the example budget; a sequence of 15 steps is long enough to
    # interleave every kind of write several times.
    current = settings.default
    assert current is not None  # Hypothesis loads a profile when it is imported
    WriteSequences.TestCase.settings = settings(current, max_examples=min(current.max_examples, 10),
                                                stateful_step_count=15)
    WriteSequences.TestCase().runTest()
