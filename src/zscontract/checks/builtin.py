"""Importing this module registers every built-in check."""

from zscontract.checks import reads, response, state  # noqa: F401
