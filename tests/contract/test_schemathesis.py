"""The packaged suite's ``zscontract/suite/test_schemathesis.py``, collected here for contributors (one copy)."""

from zscontract.suite.test_schemathesis import *  # noqa: F403
