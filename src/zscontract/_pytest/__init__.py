"""The pytest plugin's pieces.

pytest loads only :mod:`zscontract.pytest_plugin` (the ``pytest11`` entry point). It imports
:mod:`.workers` (xdist resource ownership, light); :mod:`.session` (the runner, schemathesis,
Hypothesis, the reference server) is imported inside the ``zs_*`` fixtures, when a test uses one.
"""
