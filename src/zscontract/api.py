"""``execute_run``: one run with the usual outputs (terminal, report files, HAR, corpus).

The runner emits events and writes nothing itself (:func:`zscontract.runner.run.run_harness`);
this adapter subscribes the outputs and adds the corpus replay phase.
"""

from __future__ import annotations

from collections.abc import Iterable

from zscontract.config import RunSettings
from zscontract.replay import CorpusSaver, corpus_phase
from zscontract.reporting.files import HarCassette, ReportFiles
from zscontract.reporting.terminal import Terminal
from zscontract.runner.events import Subscriber
from zscontract.runner.results import RunResult
from zscontract.runner.run import run_harness


def execute_run(settings: RunSettings, terminal: Terminal | None = None,
                extra_subscribers: Iterable[Subscriber] = ()) -> RunResult:
    """Run the harness once, writing every report; ``result.exit_code`` is the command's exit code."""
    terminal = terminal or Terminal()
    outputs: list[Subscriber] = [ReportFiles(), HarCassette(), CorpusSaver(settings), *extra_subscribers, terminal]
    try:
        return run_harness(settings, outputs, phases={"corpus": corpus_phase})
    finally:
        terminal.close()  # its progress clock stops even when the run ends in an error (a failed preflight)


__all__ = ["execute_run"]
