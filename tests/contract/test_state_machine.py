"""The packaged suite's ``zscontract/suite/test_state_machine.py``, collected here for contributors (one copy)."""

from zscontract.suite.test_state_machine import *  # noqa: F403
