"""What stops a client: the run's request and time budgets, a dead target; and its pacing.

``RequestBudgetExceeded`` (--max-requests) and ``BudgetSpent`` (the run's deadline) are both a
``RunLimitReached``: the runner stops generating, restores and reports INCOMPLETE. ``TargetDown``
is the target's doing (exit 3).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import threading
import time

_SECONDS = re.compile(r"^\d+(\.\d+)?\Z")  # delay-seconds (a fraction tolerated)


class RunLimitReached(Exception):
    """A limit the user set for the run was reached; nothing more is sent."""


class RequestBudgetExceeded(RunLimitReached):
    """--max-requests was reached; the runner stops generating and restores."""


class BudgetSpent(RunLimitReached):
    """The run's deadline (--max-time) has passed: no request, poll or retry runs past it."""


class TargetDown(Exception):
    """The target failed at the transport level (refused, timed out, TLS) too many times in a row."""


class RateLimiter:
    """At most ``rate`` requests a second across threads.

    Each caller reserves the next free slot under the lock and sleeps outside it, so threads
    waiting for their slots do not queue on the lock (sleeping while holding
    the client-wide lock would serialize a concurrent burst).
    """

    def __init__(self, rate: float) -> None:
        self.gap = 1.0 / rate
        self.lock = threading.Lock()
        self._next = 0.0

    def reserve(self) -> float:
        """Take the next slot; the seconds to wait before using it."""
        with self.lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.gap
        return slot - now

    def wait(self, deadline: float | None = None) -> None:
        delay = self.reserve()
        if deadline is not None and time.monotonic() + delay > deadline:
            raise BudgetSpent("the run's time budget ran out waiting for a --rate-limit slot")
        if delay > 0:
            time.sleep(delay)


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).

    >>> retry_after("3")
    3.0
    >>> retry_after("Sun, 06 Nov 1994 08:49:40 GMT", dt.datetime(1994, 11, 6, 8, 49, 37, tzinfo=dt.UTC))
    3.0
    >>> retry_after("soon") is None
    True
    """
    if value is None:
        return None
    value = value.strip()
    if _SECONDS.match(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; parsedate gives naive for "-0000"
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())
