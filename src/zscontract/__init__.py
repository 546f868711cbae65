"""zscontract: contract tests for ZStack's UpdateModelService API.

The public surface only re-exports; the code lives in small modules (see README, Architecture).
"""

from zscontract.api import execute_run
from zscontract.checks.registry import check
from zscontract.checks.registry import names as check_names
from zscontract.config import RunSettings, resolve
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
    RestoreFailed,
    TargetUnreachable,
    UsageError,
    ZsContractError,
)
from zscontract.runner.results import RunResult

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
    "RestoreFailed",
    "TargetUnreachable",
    "UsageError",
    "ZsContractError",
]
