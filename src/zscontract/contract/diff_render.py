"""The changes between two pages as text (one line each), a Markdown table or JSON.

Each form lists the most severe changes first (error, warning, info), in page order within a
level. The JSON form is a list of objects shaped like ``oasdiff breaking --format json``
entries (``id``, ``level``, ``text``) plus ``for`` (whom it breaks) and the details.
"""

from __future__ import annotations

import json

from zscontract.contract.changes import LEVELS, Change


def _ordered(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: LEVELS.index(c.level))


def _verdict(change: Change) -> str:
    return f"{change.level}, breaks {change.who}" if change.breaking else "info, not breaking"


def summary(changes: list[Change]) -> str:
    """The last line of the text form.

    >>> summary([])
    '0 change(s), 0 breaking (0 error, 0 warning, 0 info).'
    """
    counts = {level: sum(c.level == level for c in changes) for level in LEVELS}
    breaking = counts["error"] + counts["warning"]
    detail = ", ".join(f"{n} {level}" for level, n in counts.items())
    return f"{len(changes)} change(s), {breaking} breaking ({detail})."


def render_text(changes: list[Change]) -> str:
    """One line per change, breaking ones first.

    >>> render_text([])
    'No changes.\\n'
    """
    if not changes:
        return "No changes.\n"
    lines = [f"{_verdict(c)}: {c.id} at {c.where}: {c.old or '-'} -> {c.new or '-'}"
             f" ({c.reason})" for c in _ordered(changes)]
    lines.append(summary(changes))
    return "\n".join(lines) + "\n"


def render_markdown(changes: list[Change]) -> str:
    """A Markdown table, for a pull request description."""
    if not changes:
        return "No changes.\n"
    rows = ["| level | id | where | old | new | breaks | why |", "|---|---|---|---|---|---|---|"]
    for c in _ordered(changes):
        cells = [c.level, c.id, c.where, c.old or "", c.new or "", c.who, c.reason]
        rows.append("| " + " | ".join(s.replace("|", "\\|").replace("\n", " ") for s in cells) + " |")
    rows += ["", summary(changes)]
    return "\n".join(rows) + "\n"


def render_json(changes: list[Change]) -> str:
    """A JSON list, one object per change (``[]`` when there is none).

    >>> render_json([])
    '[]\\n'
    """
    items = [
        {"id": c.id, "level": c.level, "for": c.who, "text": c.text, "where": c.where,
         "old": c.old, "new": c.new, "reason": c.reason}
        for c in _ordered(changes)
    ]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
