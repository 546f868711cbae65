"""The run's time budget: the restore's slice after ``--max-time``, or after a signal."""

from __future__ import annotations

import time

import pytest

from zscontract.runner import budget as budget_module
from zscontract.runner.budget import Budget


def test_the_restore_slice_follows_the_budget() -> None:
    now = time.monotonic()
    b = Budget.start(600, 10, 30, started=now - 3)
    assert b.grace == 30
    assert b.restore_end() == pytest.approx(now - 3 + 600 + 30, abs=1)


def test_after_a_signal_the_restore_slice_starts_now(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C three seconds into a 600 s run: the restore gets the grace from now, not 597 s more.
    monkeypatch.setattr(budget_module.stops, "stopped_by", lambda: "SIGINT")
    now = time.monotonic()
    b = Budget.start(600, 10, 30, started=now - 3)
    assert b.restore_end() == pytest.approx(now + 30, abs=1)


def test_a_run_past_its_budget_gets_the_grace_from_now() -> None:
    now = time.monotonic()
    b = Budget.start(5, 2, 3, started=now - 60)
    assert b.restore_end() == pytest.approx(now + 5, abs=1)
