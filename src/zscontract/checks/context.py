"""What a check sees: the run's fixed context and one step (a request and what came of it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zscontract.contract import Contract
from zscontract.core.cases import Case
from zscontract.core.dialects import Dialect, Outcome
from zscontract.core.exchange import Exchange
from zscontract.core.failures import CheckFailed


@dataclass(frozen=True)
class CheckContext:
    contract: Contract
    dialect: Dialect
    uuid: str  # the resource under test


@dataclass
class Step:
    """One case as it went: the exchange, its outcome and the state around it.

    ``before`` is the resource as known before the request. ``inventory`` is what a success
    carried. ``after`` is the resource read back after the request (``after_via`` says how:
    ``query`` or ``empty-update``). ``repeat`` is the same request sent again (idempotence);
    ``concurrent`` holds the exchanges of a concurrent-writes scenario.
    """

    case: Case
    exchange: Exchange
    outcome: Outcome | None
    before: dict[str, Any] | None = None
    inventory: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    after_via: str | None = None
    repeat: Exchange | None = None
    concurrent: list[tuple[dict[str, Any], Exchange]] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return self.outcome in (Outcome.API_ERROR, Outcome.REST_ERROR)

    @property
    def throttled(self) -> bool:
        """Answered ``429`` (after the client's one wait for ``Retry-After``): the target, or a proxy in front
        of it, would not judge the input now. Neither the page, the facts nor the oracle say what a 429
        must look like, so no check of the answer judges it (the state checks still do: it changed nothing)."""
        return self.exchange.response is not None and self.exchange.response.status == 429


def fail(check: str, step: Step, title: str, expected: str, *, received: str = "",
         signature: str | None = None) -> CheckFailed:
    """A failure of ``check`` on ``step``, carrying its exchange and input class."""
    return CheckFailed(check, title, expected=expected, received=received, exchange=step.exchange,
                       signature=signature, input_class=step.case.input_class.value)


def inventory_of(exchange: Exchange | None) -> dict[str, Any] | None:
    """The ``inventory`` object of a 200 response, or None (``Response.inventory``, the one extractor)."""
    if exchange is None or exchange.response is None:
        return None
    return exchange.response.inventory()
