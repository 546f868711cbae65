"""The suite's example budgets as Hypothesis profiles, chosen by ``HYPOTHESIS_PROFILE`` (or ``CI``).

A target answers over the network, so no profile has a deadline or the slowness health checks:
a slow answer is judged by the ``no_hang`` check, not by Hypothesis. The checkout's tests load
the same profiles (``tests/fixtures/hypothesis_profiles.py``), so ``HYPOTHESIS_PROFILE=ci`` means
the same in a checkout and after a ``pip install``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

_RELAXED = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]

# name -> (max_examples, derandomize). smoke: does the job reach the target and restore it (seconds).
PROFILES: dict[str, tuple[int, bool]] = {"dev": (25, False), "ci": (40, True), "smoke": (3, True)}


def register() -> None:
    for name, (examples, derandomize) in PROFILES.items():
        settings.register_profile(name, max_examples=examples, deadline=None, derandomize=derandomize,
                                  suppress_health_check=_RELAXED)


def chosen(environ: dict[str, str]) -> str:
    """``HYPOTHESIS_PROFILE``, else ``ci`` when ``CI`` is set (as CI services do), else ``dev``."""
    return environ.get("HYPOTHESIS_PROFILE") or ("ci" if environ.get("CI") else "dev")
