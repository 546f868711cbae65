"""The page as numbered lines: its sections, and the one way an error names ``file:line``.

Shared by the page parser's modules (:mod:`.page`, :mod:`.page_fields`, :mod:`.page_examples`).
"""

from __future__ import annotations

import re

from zscontract.errors import ContractFileError

# In page order; the page repeats "Path Parameters" (once as a tab label), so contents merge.
HEADINGS = (
    "Execution Availability",
    "Try It Out",
    "Path Parameters",
    "Request Inputs",
    "Body Fields",
    "Responses",
    "Endpoint",
    "Operation ID",
    "Permalink",
    "Request Example",
    "Response Example",
    "Change History",
)
REQUIRED_SECTIONS = (
    "Path Parameters",
    "Body Fields",
    "Responses",
    "Endpoint",
    "Operation ID",
    "Request Example",
    "Response Example",
)

Lines = list[tuple[int, str]]


class Reader:
    """Holds the file name so every error can say ``file:line: what; expected ...``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, line: int, message: str) -> ContractFileError:
        return ContractFileError(f"{self.source}:{line}: {message}")


def split_sections(raw: list[str]) -> tuple[Lines, dict[str, Lines], dict[str, int]]:
    """(the lines before the first heading, each section's lines, each heading's line number)."""
    preamble: Lines = []
    sections: dict[str, Lines] = {}
    heading_lines: dict[str, int] = {}
    current: Lines = preamble
    for number, line in enumerate(raw, start=1):
        if line in HEADINGS:  # headings sit at column 0; indented text never matches
            current = sections.setdefault(line, [])
            heading_lines.setdefault(line, number)
        else:
            current.append((number, line))
    return preamble, sections, heading_lines


def content(lines: Lines) -> Lines:
    """The lines that are not blank."""
    return [(n, t) for n, t in lines if t.strip()]


def single_line(r: Reader, lines: Lines, heading: int, pattern: re.Pattern[str], expected: str) -> str:
    """The first non-blank line of a section, which must match ``pattern``."""
    found = content(lines)
    if not found or not pattern.match(found[0][1].strip()):
        line = found[0][0] if found else heading
        got = repr(found[0][1].strip()) if found else "nothing"
        raise r.fail(line, f"found {got}; expected {expected}")
    return found[0][1].strip()
