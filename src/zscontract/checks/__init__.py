"""Checks: typed functions in a registry, one per property of the oracle."""
