"""The reference server: a sound UpdateModelService in both dialects, with switchable faults.

It is the harness's embedded default target and its test bench: every fault in
:mod:`zscontract.server.faults` must be caught by the check it names, every variant must pass.
"""

from zscontract.server.cli import main
from zscontract.server.config import ServerConfig, add_serve_arguments
from zscontract.server.faults import CATALOGUE, Fault
from zscontract.server.process import ReferenceServer, ServerStartError

__all__ = [
    # running it
    "ReferenceServer",
    "ServerConfig",
    "ServerStartError",
    "add_serve_arguments",
    "main",
    # the catalogue
    "CATALOGUE",
    "Fault",
]
