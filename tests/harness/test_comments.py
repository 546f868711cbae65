"""Comments and docstrings in ``src`` say why, never which audit, finding, round or issue led to a line.

The rule with its source (a ZStack file, a line of the facts page) belongs in the comment; the story of
how a line came about belongs in the commit message, where ``git log`` keeps it (style.md, habit 11).
"""

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "zscontract"

# A citation of where a line came from: "red-team F12", "hostile-target audit 7a", "audit 5", "issue 12",
# "issue F16", "round 7", a bare finding number "(F27)". ``noqa: F401`` is a ruff rule, not a finding.
HISTORY = re.compile(
    r"red[- ]?team|hostile[- ]target audit|\baudit\b|\bissues? #?F?\d+|\bround \d+\b|(?<!noqa: )\b(?-i:F)\d+[a-z]?\b",
    re.IGNORECASE,
)


def citations(text: str) -> list[tuple[int, str]]:
    """The lines of ``text`` (numbered from 1) that cite where they came from."""
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if HISTORY.search(line)]


@pytest.mark.parametrize("line", [
    "# (red-team F28: the Markdown said only PASSED)", "(hostile-target audit 7a)", "held a gigabyte; audit 5)",
    "(issue 12: it hung 97 s)", "(issue F16)", "(Red-team round 7)", "so the run is not PASSED (F27).",
])
def test_the_pattern_finds_a_history_citation(line: str) -> None:
    assert citations(line)


@pytest.mark.parametrize("line", [
    "from zscontract.checks import builtin  # noqa: F401", "SYS.1007", "a hostile target cannot blow up memory",
    ">>> f1, f2 = {}, {}", "the first failure found", "round-trip", "ID.1001",
])
def test_the_pattern_leaves_ordinary_text_alone(line: str) -> None:
    assert not citations(line)


def test_no_source_file_cites_an_audit_a_finding_or_an_issue() -> None:
    found = [f"{path.relative_to(SRC.parent)}:{n}: {line}"
             for path in sorted(SRC.rglob("*.py")) for n, line in citations(path.read_text(encoding="utf-8"))]
    assert SRC.is_dir() and not found, (
        "say why (the rule and its source), not where the line came from (git log keeps that):\n" + "\n".join(found))
