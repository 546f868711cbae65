"""The contract: parsed from the documentation page, completed by the overlay, loaded per dialect.

Re-exports only; the code lives in one module per concern (page, overlay, schemas, openapi,
build, files, loader, diff, cli).
"""

from __future__ import annotations

from zscontract.contract.build import build, write_atomically
from zscontract.contract.diff import Change, diff_pages, render_markdown, render_text
from zscontract.contract.files import contracts_dir
from zscontract.contract.loader import Contract, FieldSpec, load_contract
from zscontract.contract.model import Field, Page
from zscontract.contract.page import parse_page, parse_page_file

__all__ = [
    # loading the generated contract
    "Contract",
    "FieldSpec",
    "contracts_dir",
    "load_contract",
    # the page
    "Field",
    "Page",
    "parse_page",
    "parse_page_file",
    # building and updating
    "Change",
    "build",
    "diff_pages",
    "render_markdown",
    "render_text",
    "write_atomically",
]
