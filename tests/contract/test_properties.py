"""The packaged suite's ``zscontract/suite/test_properties.py``, collected here for contributors (one copy)."""

from zscontract.suite.test_properties import *  # noqa: F403
