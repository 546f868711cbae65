"""What ends a run's generation early without being a bug, and how the runner sets the client's limits.

The client (``zscontract.core.client``) enforces them: no request past ``deadline`` (``BudgetSpent``),
``--max-requests`` (``RequestBudgetExceeded``), and ``TargetDown`` after ``down_after`` transport
failures in a row. The runner moves the deadline between the phases and the restore's own slice;
a block that needs other limits for a while uses ``with client.limits(...)``.
"""

from __future__ import annotations

from zscontract.core.client import (
    BudgetSpent,
    Client,
    RequestBudgetExceeded,
    RunLimitReached,
    SessionExpired,
    TargetDown,
)

# What ends generation early without being a bug: --max-requests, the time budget.
LIMITS: tuple[type[BaseException], ...] = (RunLimitReached,)
# What ends the property phase's generation: a run limit, or the target down or the run's session
# expired for good (a SessionExpired is a TargetDown: exit 3; run.py then says which).
HALTS: tuple[type[BaseException], ...] = (RunLimitReached, TargetDown)
DOWN_AFTER = 5  # consecutive transport failures that mean the target is down, not one flaky answer


def arm(client: Client, *, deadline: float | None, down_after: int | None = DOWN_AFTER) -> None:
    """Set the deadline and ``down_after`` for what follows (phases, then minimizing, then a logout)."""
    client.set_limits(deadline=deadline, down_after=down_after)


__all__ = ["DOWN_AFTER", "HALTS", "LIMITS", "BudgetSpent", "RequestBudgetExceeded", "RunLimitReached",
           "SessionExpired", "TargetDown", "arm"]
