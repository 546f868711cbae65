"""The exceptions zscontract raises for misuse and for targets it cannot test.

Every error names the bad value, where it came from and what would be accepted; each
class carries the CLI exit code it maps to, so adapters never have to guess.
"""

from __future__ import annotations


class ZsContractError(Exception):
    """Base of every error the tool raises on purpose (never a contract failure)."""

    exit_code = 2


class UsageError(ZsContractError):
    """A malformed option, environment variable or ini value (exit 2)."""

    exit_code = 2


class ContractFileError(ZsContractError):
    """A contract or documentation page that cannot be read or parsed (exit 2)."""

    exit_code = 2


class TargetUnreachable(ZsContractError):
    """The target did not answer at all (exit 3)."""

    exit_code = 3


class PreconditionFailed(ZsContractError):
    """The target answered but cannot be tested: session refused, resource missing (exit 3)."""

    exit_code = 3
