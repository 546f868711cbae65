"""What the checks made of one step: failures, passes, not applicable, crashes."""

from __future__ import annotations

from dataclasses import dataclass, field

from zscontract.core.failures import CheckFailed


@dataclass
class Judgement:
    """What the checks made of one step."""

    failures: list[CheckFailed] = field(default_factory=list)
    passed: set[str] = field(default_factory=set)
    not_applicable: set[str] = field(default_factory=set)
    crashed: set[str] = field(default_factory=set)
    answered: bool = True  # a response came (a check that got none did not judge)

    def merge(self, other: Judgement) -> None:
        self.failures += other.failures
        self.passed |= other.passed
        self.not_applicable |= other.not_applicable - other.passed
        self.crashed |= other.crashed
