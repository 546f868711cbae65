"""What a run tells the world, as typed events: outputs subscribe, the engine writes no report.

The engine (phases, harness, restore) emits; the terminal, the report files, the HAR cassette
and the corpus are subscribers (``zscontract.api`` wires the usual ones), so adding an output
touches no engine code (schemathesis's engine/events is the model).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from zscontract.core.exchange import Exchange
    from zscontract.core.failures import FailureRecord
    from zscontract.runner.restore_report import RestoreReport
    from zscontract.runner.results import RunResult


@dataclass(frozen=True)
class RunStarted:
    target: str  # redacted; "embedded reference server" for the embedded one
    profile: str
    model_service_uuid: str
    max_time: float | None = None  # the --max-time budget in seconds (the progress line shows it)


@dataclass(frozen=True)
class Message:
    """A line for a person (a warning, "interrupted: restoring", "TARGET DOWN")."""

    text: str


@dataclass(frozen=True)
class PhaseStarted:
    name: str
    result: RunResult


@dataclass(frozen=True)
class PhaseFinished:
    name: str
    seconds: float
    result: RunResult


@dataclass(frozen=True)
class StageStarted:
    """A step of the run after the phases began: "minimizing", "restoring" (the progress line shows it)."""

    name: str


@dataclass(frozen=True)
class CaseJudged:
    """One case was sent and judged (the progress line listens)."""

    result: RunResult


@dataclass(frozen=True)
class FailureFound:
    """A failure not seen before in this run, with the exchange that showed it."""

    record: FailureRecord
    exchange: Exchange | None
    result: RunResult


@dataclass(frozen=True)
class RestoreDone:
    report: RestoreReport


@dataclass(frozen=True)
class RunFinished:
    """The run is over: restored (or not), accounted; outputs write their files now."""

    result: RunResult
    report_dir: Path


Event = Union[RunStarted, Message, PhaseStarted, PhaseFinished, StageStarted, CaseJudged, FailureFound,  # noqa: UP007
              RestoreDone, RunFinished]
Subscriber = Callable[[Event], None]


class EventBus:
    """Hands each event to every subscriber, in order; a subscriber's crash is reported, not raised."""

    def __init__(self, subscribers: Iterable[Subscriber] = (),
                 on_error: Callable[[Subscriber, BaseException], None] | None = None) -> None:
        self.subscribers = list(subscribers)
        self.on_error = on_error

    def subscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.append(subscriber)

    def emit(self, event: Event) -> None:
        for subscriber in self.subscribers:
            try:
                subscriber(event)
            except Exception as exc:  # a bug in an output: a harness error, the run goes on
                if self.on_error is None:
                    raise
                self.on_error(subscriber, exc)


__all__ = ["CaseJudged", "Event", "EventBus", "FailureFound", "Message", "PhaseFinished", "PhaseStarted",
           "RestoreDone", "RunFinished", "RunStarted", "StageStarted", "Subscriber"]
