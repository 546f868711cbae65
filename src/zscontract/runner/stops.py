"""Hard stops: SIGINT, SIGTERM and SIGHUP all interrupt a run the same way.

The first signal raises :class:`KeyboardInterrupt` where the run is (the restore in ``finally``
runs), and again at the next case if that first raise was swallowed where it landed
(``raise_if_stopped``). While the restore and the reports are written, later signals are noted,
not obeyed: the restore and the reports are bounded by the run's grace, so the run still ends in
time, and a second Ctrl-C cannot leave the resource changed or the reports unwritten.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None),
                            getattr(signal, "SIGHUP", None)) if s is not None)


class Interrupted(KeyboardInterrupt):
    """A signal stopped the run; ``name`` says which."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def signal_name(exc: BaseException) -> str:
    return exc.name if isinstance(exc, Interrupted) else "SIGINT (Ctrl-C)"


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _note(what: str, seen: list[str]) -> Any:
    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        seen.append(name)
        print(f"zscontract: {name} received while {what}; finishing that first (bounded by the run's grace)",
              file=sys.stderr, flush=True)

    return handler


_RAISE = [True]  # False once the run restores: from then on a signal is noted, never raised
_HELD: list[str] = []  # signals noted after the first stop or after hold()


_FIRST: list[str] = []  # the signal that stopped the run


def stopped_by() -> str | None:
    """The signal that stopped the run, if one did: a library may turn the interrupt into another
    exception (Hypothesis, caught mid-setup, raises an AssertionError); the stop is still a stop."""
    return _FIRST[0] if _FIRST else None


def raise_if_stopped() -> None:
    """Raise the stop again between cases: the first raise can be swallowed where the signal landed.

    A signal's handler runs wherever the main thread is; inside a garbage-collector callback
    (Hypothesis registers one) the exception is printed as "Exception ignored" and lost, and the
    run would go on to say PASSED. Checked at every case, so the stop still happens, one case later.
    """
    if _FIRST and _RAISE[0]:
        raise Interrupted(_FIRST[0])


def noted() -> list[str]:
    """Signals noted (not obeyed) so far: a run that got one is INTERRUPTED even if it finished."""
    return list(_HELD)


def hold() -> None:
    """From now on, signals no longer interrupt (called as the restore begins)."""
    _RAISE[0] = False


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP (a closed terminal, a dropped SSH session) stop the run alike.

    The first raises :class:`Interrupted`; from then on signals are only noted, so a second
    Ctrl-C cannot cut the restore short before it has even begun.
    """
    later = _HELD
    later.clear()
    _FIRST.clear()  # a new run: an earlier run's stop is not this one's (raise_if_stopped, stopped_by)
    _RAISE[0] = True
    if not _main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if not _RAISE[0]:  # the run is already restoring: a stop now would skip the restore
            _note("restoring", later)(signum, frame)
            return
        for s in SIGNALS:
            signal.signal(s, _note("stopping", later))
        _FIRST[:] = [signal.Signals(signum).name]
        raise Interrupted(_FIRST[0])

    old: dict[int, Any] = {s: signal.signal(s, handler) for s in SIGNALS}
    try:
        yield
    finally:
        # After a stop, later signals are ignored until the process has exited with 130: a Ctrl-C
        # repeated while it exits must not turn the exit code into a death by signal (SIG_IGN, not
        # a Python handler: the interpreter resets those to the default while it shuts down).
        stopped = signal.getsignal(SIGNALS[0]) is not handler
        for s, h in old.items():
            signal.signal(s, signal.SIG_IGN if stopped else h)


@contextlib.contextmanager
def shielded(what: str) -> Iterator[list[str]]:
    """Signals are noted, not obeyed, while ``what`` runs (bounded by the caller's deadline)."""
    seen: list[str] = []
    if not _main_thread():
        yield seen
        return
    old: dict[int, Any] = {s: signal.signal(s, _note(what, seen)) for s in SIGNALS}
    try:
        yield seen
    finally:
        for s, h in old.items():
            signal.signal(s, h)
