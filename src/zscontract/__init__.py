"""zscontract: contract tests for ZStack's UpdateModelService API.

The public surface only re-exports; the code lives in small modules (see README, Architecture).
Names resolve lazily (PEP 562): ``import zscontract`` costs almost nothing, and the pytest
plugin (loaded into every pytest session of the machine through its entry point) pulls in
neither schemathesis nor Hypothesis until a ``zs_*`` fixture or ``--zs-*`` option is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    # running
    "RunResult",
    "RunSettings",
    "execute_run",
    "resolve",
    # contract
    "Contract",
    "FieldSpec",
    "load_contract",
    # inputs
    "Case",
    "InputClass",
    "classify_fields",
    # checks and failures
    "CheckFailed",
    "FailureRecord",
    "check",
    "check_names",
    # talking to a target
    "DOCUMENTED",
    "ZSTACK",
    "Client",
    "ClientSettings",
    "Dialect",
    "Exchange",
    "Outcome",
    "Redactor",
    "Request",
    "Response",
    "get_dialect",
    # errors
    "ContractFileError",
    "PreconditionFailed",
    "TargetUnreachable",
    "UsageError",
    "ZsContractError",
]

# Where each public name lives: (module, attribute in it).
_SOURCES: dict[str, tuple[str, str]] = {
    "RunResult": ("zscontract.runner.results", "RunResult"),
    "RunSettings": ("zscontract.config", "RunSettings"),
    "execute_run": ("zscontract.api", "execute_run"),
    "resolve": ("zscontract.options", "resolve"),
    "Contract": ("zscontract.contract", "Contract"),
    "FieldSpec": ("zscontract.contract", "FieldSpec"),
    "load_contract": ("zscontract.contract", "load_contract"),
    "Case": ("zscontract.core.cases", "Case"),
    "InputClass": ("zscontract.core.cases", "InputClass"),
    "classify_fields": ("zscontract.core.cases", "classify_fields"),
    "CheckFailed": ("zscontract.core.failures", "CheckFailed"),
    "FailureRecord": ("zscontract.core.failures", "FailureRecord"),
    "check": ("zscontract.checks.registry", "check"),
    "check_names": ("zscontract.checks.registry", "names"),
    "DOCUMENTED": ("zscontract.core.dialects", "DOCUMENTED"),
    "ZSTACK": ("zscontract.core.dialects", "ZSTACK"),
    "Client": ("zscontract.core.client", "Client"),
    "ClientSettings": ("zscontract.core.client", "ClientSettings"),
    "Dialect": ("zscontract.core.dialects", "Dialect"),
    "Exchange": ("zscontract.core.exchange", "Exchange"),
    "Outcome": ("zscontract.core.dialects", "Outcome"),
    "Redactor": ("zscontract.core.redact", "Redactor"),
    "Request": ("zscontract.core.exchange", "Request"),
    "Response": ("zscontract.core.exchange", "Response"),
    "get_dialect": ("zscontract.core.dialects", "get_dialect"),
    "ContractFileError": ("zscontract.errors", "ContractFileError"),
    "PreconditionFailed": ("zscontract.errors", "PreconditionFailed"),
    "TargetUnreachable": ("zscontract.errors", "TargetUnreachable"),
    "UsageError": ("zscontract.errors", "UsageError"),
    "ZsContractError": ("zscontract.errors", "ZsContractError"),
}


def __getattr__(name: str) -> Any:
    """Import the module holding ``name`` on first use, then cache the value here."""
    try:
        module, attribute = _SOURCES[name]
    except KeyError:
        raise AttributeError(f"module 'zscontract' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:  # for type checkers and IDEs only: the real imports happen in __getattr__
    from zscontract.api import execute_run
    from zscontract.checks.registry import check
    from zscontract.checks.registry import names as check_names
    from zscontract.config import RunSettings
    from zscontract.contract import Contract, FieldSpec, load_contract
    from zscontract.core.cases import Case, InputClass, classify_fields
    from zscontract.core.client import Client, ClientSettings
    from zscontract.core.dialects import DOCUMENTED, ZSTACK, Dialect, Outcome, get_dialect
    from zscontract.core.exchange import Exchange, Request, Response
    from zscontract.core.failures import CheckFailed, FailureRecord
    from zscontract.core.redact import Redactor
    from zscontract.errors import (
        ContractFileError,
        PreconditionFailed,
        TargetUnreachable,
        UsageError,
        ZsContractError,
    )
    from zscontract.options import resolve
    from zscontract.runner.results import RunResult
