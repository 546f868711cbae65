"""Compare two versions of an API page and classify each change as breaking or not.

"Breaking for clients": a client written against the old page may now fail (it sends a field
that is gone, reads a field that is gone, omits a field that became required). "Breaking for
servers": a server implementing the old page no longer satisfies the new one (it must now
accept a new field, or send a new required one).
"""

from __future__ import annotations

from dataclasses import dataclass

from zscontract.contract.model import Field, Page


@dataclass(frozen=True)
class Change:
    kind: str
    where: str
    old: str | None
    new: str | None
    breaking_for_clients: bool
    breaking_for_servers: bool
    reason: str

    @property
    def breaking(self) -> bool:
        return self.breaking_for_clients or self.breaking_for_servers


def _flag(required: bool) -> str:
    return "required" if required else "optional"


def _fields(
    kind_prefix: str, where: str, old: dict[str, Field], new: dict[str, Field], *, response: bool
) -> list[Change]:
    """Changes between two field maps; ``response`` flips who is hurt by additions and removals."""
    out: list[Change] = []
    for name, f in old.items():
        if name not in new:
            out.append(
                Change(
                    f"{kind_prefix}field-removed",
                    f"{where}{name}",
                    f.type,
                    None,
                    breaking_for_clients=True,
                    breaking_for_servers=False,
                    reason="clients that read it lose it"
                    if response
                    else "clients that send it may now be refused",
                )
            )
    for name, f in new.items():
        if name not in old:
            out.append(
                Change(
                    f"{kind_prefix}field-added",
                    f"{where}{name}",
                    None,
                    f"{f.type} ({_flag(f.required)})",
                    breaking_for_clients=not response and f.required,
                    breaking_for_servers=(f.required if response else True),
                    reason=("servers must now send it" if f.required else "additive; clients may ignore it")
                    if response
                    else (
                        "clients must now send it; servers must accept it"
                        if f.required
                        else "servers must now accept it"
                    ),
                )
            )
    for name, f in old.items():
        g = new.get(name)
        if g is None:
            continue
        if f.type != g.type:
            out.append(
                Change(
                    f"{kind_prefix}type-changed",
                    f"{where}{name}",
                    f.type,
                    g.type,
                    breaking_for_clients=True,
                    breaking_for_servers=True,
                    reason="values of the old type no longer conform",
                )
            )
        if f.required != g.required:
            to_required = g.required
            kind = "optional-to-required" if to_required else "required-to-optional"
            out.append(
                Change(
                    f"{kind_prefix}{kind}",
                    f"{where}{name}",
                    _flag(f.required),
                    _flag(g.required),
                    # A request field becoming required hurts clients; a response field
                    # becoming optional hurts clients (they relied on it).
                    breaking_for_clients=to_required != response,
                    breaking_for_servers=to_required == response,
                    reason="clients must now send it"
                    if to_required and not response
                    else "servers must now always send it"
                    if to_required
                    else "clients can no longer rely on it"
                    if response
                    else "servers must now accept requests without it",
                )
            )
        if f.description != g.description:
            out.append(
                Change(
                    f"{kind_prefix}description-changed",
                    f"{where}{name}",
                    f.description,
                    g.description,
                    False,
                    False,
                    "wording only; check the overlay's domain",
                )
            )
    return out


def diff_pages(old: Page, new: Page) -> list[Change]:
    """Every difference between two pages that matters to the contract.

    >>> from zscontract.contract.files import source_page
    >>> from zscontract.contract.page import parse_page_file
    >>> page = parse_page_file(source_page())
    >>> diff_pages(page, page)
    []
    """
    out: list[Change] = []
    if old.method != new.method:
        out.append(
            Change(
                "method-changed",
                "endpoint",
                old.method,
                new.method,
                True,
                True,
                "requests with the old method no longer reach the API",
            )
        )
    if old.path != new.path:
        out.append(
            Change(
                "path-changed",
                "endpoint",
                old.path,
                new.path,
                True,
                True,
                "requests to the old path no longer reach the API",
            )
        )
    if old.operation_id != new.operation_id:
        out.append(
            Change(
                "operation-id-changed",
                "operation",
                old.operation_id,
                new.operation_id,
                False,
                False,
                "a name only; the zstack wrapper key may follow it",
            )
        )
    if old.synchronous != new.synchronous:
        out.append(
            Change(
                "synchronous-changed",
                "operation",
                str(old.synchronous),
                str(new.synchronous),
                False,
                False,
                "both dialects already follow a 202 location",
            )
        )
    out += _fields(
        "path-param-",
        "path.",
        {f.name: f for f in old.path_params},
        {f.name: f for f in new.path_params},
        response=False,
    )
    out += _fields(
        "",
        "body.",
        {f.name: f for f in old.body_fields},
        {f.name: f for f in new.body_fields},
        response=False,
    )
    out += _response_changes(old, new)
    out += _example_changes(old, new)
    return out


def _response_changes(old: Page, new: Page) -> list[Change]:
    out: list[Change] = []
    old_statuses = {r.status for r in old.responses}
    new_statuses = {r.status for r in new.responses}
    for status in sorted(old_statuses - new_statuses):
        out.append(
            Change(
                "response-removed",
                f"response {status}",
                str(status),
                None,
                True,
                False,
                "clients that expect this status lose it",
            )
        )
    for status in sorted(new_statuses - old_statuses):
        out.append(
            Change(
                "response-added",
                f"response {status}",
                None,
                str(status),
                True,
                False,
                "clients must now handle this status",
            )
        )
    old_paths, new_paths = old.response_field_paths(), new.response_field_paths()
    # Only compare fields whose parent exists on both sides, so a removed structure is one change.
    changes = _fields("response-", "response ", old_paths, new_paths, response=True)
    return [c for c in changes if not _under_reported(c, changes)]


def _under_reported(change: Change, changes: list[Change]) -> bool:
    """True when an ancestor of ``change.where`` was itself added or removed (report it once)."""
    if not change.kind.endswith(("field-removed", "field-added")):
        return False
    return any(
        other is not change and other.kind == change.kind and change.where.startswith(other.where + ".")
        for other in changes
    )


def _example_changes(old: Page, new: Page) -> list[Change]:
    old_body = old.request_example.body if isinstance(old.request_example.body, dict) else {}
    new_body = new.request_example.body if isinstance(new.request_example.body, dict) else {}
    out: list[Change] = []
    for name in old_body:
        if name not in new_body:
            out.append(
                Change(
                    "example-field-removed",
                    f"request example.{name}",
                    repr(old_body[name]),
                    None,
                    False,
                    False,
                    "update overlay.yaml request.example_only",
                )
            )
    for name in new_body:
        if name not in old_body:
            out.append(
                Change(
                    "example-field-added",
                    f"request example.{name}",
                    None,
                    repr(new_body[name]),
                    False,
                    False,
                    "add it to overlay.yaml request.example_only with its type",
                )
            )
    return out


def _who(change: Change) -> str:
    parties = [
        p
        for p, hit in (("clients", change.breaking_for_clients), ("servers", change.breaking_for_servers))
        if hit
    ]
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
