"""The run's time budget: phases and minimizing inside ``--max-time``, then a bounded grace.

The whole run, restore and reports included, ends within ``--max-time`` plus the grace (README
"How a run works"): ``grace = min(30, request timeout + job timeout)`` seconds for the restore, which
gets its own slice even when the phases overran, plus ``REPORT_SECONDS`` for the reports.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from zscontract.runner import stops

GRACE_CAP = 30.0
REPORT_SECONDS = 5.0
PHASES_SHARE = 0.85  # the phases end here; minimizing the failures' reproductions has the rest


def grace(request_timeout: float, job_timeout: float) -> float:
    """The restore's slice after ``--max-time`` (stated in the README and in ``--help``).

    >>> grace(10, 30), grace(2, 3)
    (30.0, 5)
    """
    return min(GRACE_CAP, request_timeout + job_timeout)


@dataclass(frozen=True)
class Budget:
    """Monotonic instants of one run."""

    started: float
    max_time: float
    grace: float

    @classmethod
    def start(cls, max_time: float, request_timeout: float, job_timeout: float,
              started: float | None = None) -> Budget:
        return cls(time.monotonic() if started is None else started, max_time, grace(request_timeout, job_timeout))

    @property
    def phases_end(self) -> float:
        return self.started + self.max_time * PHASES_SHARE

    @property
    def end(self) -> float:
        """Where generation and minimizing stop: ``--max-time`` after the start."""
        return self.started + self.max_time

    def restore_end(self) -> float:
        """The restore's own slice: after the budget, or from now if the phases overran it, or the run
        was stopped by a signal (Ctrl-C at 3 s of a 600 s budget: the restore ends within the grace, not
        10 minutes later, when CI's own kill would come first)."""
        now = time.monotonic()
        return (now if stops.stopped_by() is not None else max(self.end, now)) + self.grace

    def left(self) -> float:
        return self.end - time.monotonic()
