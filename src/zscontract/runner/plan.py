"""The phases of a run, in the order the settings name them, inside the phases' deadline."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zscontract.config import RunSettings
from zscontract.runner import limits
from zscontract.runner.engine import Harness
from zscontract.runner.events import EventBus, PhaseFinished, PhaseStarted
from zscontract.runner.phases import boundary_phase, fixed_code_probes, lost_update_phase, property_phase
from zscontract.runner.results import RunResult
from zscontract.runner.target import Target

Phase = Callable[["RunContext"], None]
# Extra phases register here by name (or come with the run: ``run_harness(phases=...)``); the corpus
# replay is one (``zscontract.replay``): the runner itself knows no corpus.
EXTRA_PHASES: dict[str, Phase] = {}


@dataclass
class RunContext:
    settings: RunSettings
    target: Target
    harness: Harness
    result: RunResult
    deadline: float
    events: EventBus
    report_dir: Path
    extras: dict[str, Any] = field(default_factory=dict)


def _scenarios(ctx: RunContext) -> None:
    fixed_code_probes(ctx.harness)
    if not ctx.settings.read_only:
        lost_update_phase(ctx.harness)


def _boundaries(ctx: RunContext) -> None:
    boundary_phase(ctx.harness, deadline=ctx.deadline, read_only=ctx.settings.read_only)


def _properties(ctx: RunContext) -> None:
    s = ctx.settings
    deadline = ctx.deadline
    if s.schemathesis and "schemathesis" in s.phases[s.phases.index("properties"):]:
        # Leave a quarter of what is left to the breadth phase, so a slow (async) target gets it too.
        now = time.monotonic()
        deadline = now + (ctx.deadline - now) * 0.75
    property_phase(ctx.harness, max_examples=s.max_examples, deadline=deadline, seed=s.seed,
                   read_only=s.read_only, include_example_fields=s.include_example_fields)


def _schemathesis(ctx: RunContext) -> None:
    from zscontract.runner.st_phase import schemathesis_phase  # imported for a run only: it loads schemathesis

    schemathesis_phase(ctx)


# Built-in phases; concurrent writes come before the properties: a few requests, and a lost
# update is the costliest fault to miss. The boundaries come before random generation: every run
# sends them all (a few dozen requests), whatever the budget leaves to the properties.
BUILTIN_PHASES: dict[str, Phase] = {"scenarios": _scenarios, "boundaries": _boundaries, "properties": _properties,
                                    "schemathesis": _schemathesis}


def run_phases(ctx: RunContext, phases_run: set[str], extra: Mapping[str, Phase] | None = None) -> None:
    for name in ctx.settings.phases:
        phase = BUILTIN_PHASES.get(name) or (extra or {}).get(name) or EXTRA_PHASES.get(name)
        if phase is None or (name == "schemathesis" and not ctx.settings.schemathesis):
            continue
        if time.monotonic() >= ctx.deadline and name != "corpus":
            ctx.result.note(f"phase {name} skipped: time budget spent")
            ctx.result.incomplete = ctx.result.incomplete or "the time budget (--max-time) was spent"
            continue
        ctx.events.emit(PhaseStarted(name, ctx.result))
        started = time.monotonic()
        phases_run.add(name)
        try:
            phase(ctx)
        except limits.BudgetSpent as exc:
            ctx.result.note(f"phase {name} stopped: {exc}")
            ctx.result.incomplete = ctx.result.incomplete or str(exc)
            break
        finally:
            ctx.result.phases[name] = time.monotonic() - started
            ctx.events.emit(PhaseFinished(name, ctx.result.phases[name], ctx.result))
