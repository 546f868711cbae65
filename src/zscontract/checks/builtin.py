"""Importing this module registers every built-in check."""

from zscontract.checks import response, state  # noqa: F401
