"""The changes between two pages as text (one line each) or as a Markdown table."""

from __future__ import annotations

from zscontract.contract.changes import Change


def _who(change: Change) -> str:
    parties = [p for p, hit in (("clients", change.breaking_for_clients), ("servers", change.breaking_for_servers))
               if hit]
    return "BREAKING for " + " and ".join(parties) if parties else "compatible"


def render_text(changes: list[Change]) -> str:
    """One line per change, breaking ones first.

    >>> render_text([])
    'No changes.\\n'
    """
    if not changes:
        return "No changes.\n"
    lines = [
        f"{_who(c)}: {c.kind} at {c.where}: {c.old} -> {c.new} ({c.reason})"
        for c in sorted(changes, key=lambda c: not c.breaking)
    ]
    breaking = sum(c.breaking for c in changes)
    lines.append(f"{len(changes)} change(s), {breaking} breaking.")
    return "\n".join(lines) + "\n"


def render_markdown(changes: list[Change]) -> str:
    """A Markdown table, for a pull request description."""
    if not changes:
        return "No changes.\n"
    rows = ["| kind | where | old | new | clients | servers | why |", "|---|---|---|---|---|---|---|"]
    for c in sorted(changes, key=lambda c: not c.breaking):
        cells = [
            c.kind,
            c.where,
            c.old or "",
            c.new or "",
            "breaking" if c.breaking_for_clients else "ok",
            "breaking" if c.breaking_for_servers else "ok",
            c.reason,
        ]
        rows.append("| " + " | ".join(s.replace("|", "\\|").replace("\n", " ") for s in cells) + " |")
    return "\n".join(rows) + "\n"
