"""Baselines: known failures a team has accepted for now, so CI fails only on new ones.

A baseline file is YAML (JSON works too: YAML reads it) listing accepted failures by
``check`` and ``signature`` (the stable text of :class:`~zscontract.core.failures.FailureRecord`)
with a ``reason`` and an optional ``expires`` date::

    version: 1
    accepted:
      - check: response_shape
        signature: "error response without a JSON body"
        reason: "ZSTACK-4711, fixed in 5.3"
        expires: 2025-12-31

:func:`apply_baseline` splits a run's failures into new (exit 1), accepted, stale entries
(accepted failures that no longer reproduce: delete them) and expired entries (whose failures
count as new again). :func:`write_baseline` writes the file ``--baseline-update`` produces.

:class:`zscontract.baseline.gate.BaselineGate` applies it as an output of the run, before the
reports are read, so every report carries the outcome and the exit code it leads to.

Re-exports only: the entries and the comparison live in :mod:`.model`, the file in :mod:`.files`.
"""

from zscontract.baseline.files import BASELINE_VERSION, DEFAULT_REASON, load_baseline, write_baseline
from zscontract.baseline.model import Baseline, BaselineEntry, BaselineVerdict, apply_baseline

__all__ = [
    "BASELINE_VERSION",
    "DEFAULT_REASON",
    "Baseline",
    "BaselineEntry",
    "BaselineVerdict",
    "apply_baseline",
    "load_baseline",
    "write_baseline",
]
