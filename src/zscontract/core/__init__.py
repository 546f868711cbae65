"""The core: contract-independent values, exchanges, failures and dialects.

Nothing under ``zscontract.core`` imports pytest, the CLI or a reporter.
"""
