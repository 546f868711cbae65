"""What stops a client: the run's request and time budgets, a dead target; and its pacing.

A client's limits are one immutable :class:`Limits` value; a phase narrows or lifts them for a
block (``with client.limits(rate=None): ...``) and the value before comes back at the block's end.

``RequestBudgetExceeded`` (--max-requests) and ``BudgetSpent`` (the run's deadline) are both a
``RunLimitReached``: the runner stops generating, restores and reports INCOMPLETE. ``TargetDown``
is the target's doing (exit 3).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import email.utils
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_SECONDS = re.compile(r"^\d+(\.\d+)?\Z")  # delay-seconds (a fraction tolerated)


class RunLimitReached(Exception):
    """A limit the user set for the run was reached; nothing more is sent."""


class RequestBudgetExceeded(RunLimitReached):
    """--max-requests was reached; the runner stops generating and restores."""


class BudgetSpent(RunLimitReached):
    """The run's deadline (--max-time) has passed: no request, poll or retry runs past it."""


class TargetDown(Exception):
    """The target failed at the transport level (refused, timed out, TLS) too many times in a row."""


@dataclass(frozen=True)
class Limits:
    """What stops or paces a client's requests, read once per request (never changed in place).

    ``max_requests``: --max-requests (``RequestBudgetExceeded``); ``rate``: requests per second
    (--rate-limit); ``deadline``: a ``time.monotonic()`` instant no request, poll or retry runs past
    (``BudgetSpent``); ``down_after``: transport failures in a row before ``TargetDown`` (None: never).
    """

    max_requests: int | None = None
    rate: float | None = None
    deadline: float | None = None
    down_after: int | None = 5


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


class ScopedLimits:
    """A client's current :class:`Limits`: replaced whole under a lock, never changed in place.

    ``scope`` changes them for a block and puts the value before back at its end. Threads started
    inside the block (a concurrent burst) read the block's value for every request they send there.
    Blocks nest on the thread that opens them; other threads only read.
    """

    def __init__(self, limits: Limits) -> None:
        self.value = limits
        self._lock = threading.Lock()
        self._pacers: dict[float, RateLimiter] = {}  # one per rate: a rate lifted and back keeps its slots

    def set(self, **changes: Any) -> Limits:
        """Change some fields from now on; the value before."""
        with self._lock:
            before, self.value = self.value, dataclasses.replace(self.value, **changes)
        return before

    @contextlib.contextmanager
    def scope(self, **changes: Any) -> Iterator[Limits]:
        before = self.set(**changes)
        try:
            yield self.value
        finally:
            with self._lock:
                self.value = before

    def pacer(self, rate: float) -> RateLimiter:
        with self._lock:
            pacer = self._pacers.get(rate)
            if pacer is None:
                pacer = self._pacers[rate] = RateLimiter(rate)
            return pacer


class WritesInFlight:
    """Updates under way on any thread: one that is still under way may land after anything sent now.

    The restore waits for them (:meth:`wait`) before it writes and verifies, so a stop (a signal, a
    spent budget) that leaves a concurrent burst's writes under way cannot race it.
    """

    def __init__(self) -> None:
        self._count = 0
        self._done = threading.Condition(threading.Lock())

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """An update under way for the block. A thread that decides whether to write enters it before
        deciding, so no write is ever about to be sent without being counted."""
        with self._done:
            self._count += 1
        try:
            yield
        finally:
            with self._done:
                self._count -= 1
                self._done.notify_all()

    def wait(self, until: float) -> int:
        """Wait until no update is under way, or until ``until``; how many still are."""
        with self._done:
            while self._count and time.monotonic() < until:
                self._done.wait(until - time.monotonic())
            return self._count


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
