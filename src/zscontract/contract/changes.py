"""One change between two versions of a page, and the changes between two sets of fields.

"Breaking for clients": a client written against the old page may now fail (it sends a field
that is gone, reads a field that is gone, omits a field that became required). "Breaking for
servers": a server implementing the old page no longer satisfies the new one (it must now
accept a new field, or send a new required one). For a response field the roles flip.
"""

from __future__ import annotations

from dataclasses import dataclass

from zscontract.contract.model import Field


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


def _added_reason(required: bool, response: bool) -> str:
    if response:
        return "servers must now send it" if required else "additive; clients may ignore it"
    return "clients must now send it; servers must accept it" if required else "servers must now accept it"


def _required_reason(to_required: bool, response: bool) -> str:
    if to_required:
        return "servers must now always send it" if response else "clients must now send it"
    return "clients can no longer rely on it" if response else "servers must now accept requests without it"


def _removed(prefix: str, where: str, old: dict[str, Field], new: dict[str, Field], response: bool) -> list[Change]:
    reason = "clients that read it lose it" if response else "clients that send it may now be refused"
    return [Change(f"{prefix}field-removed", f"{where}{name}", f.type, None,
                   breaking_for_clients=True, breaking_for_servers=False, reason=reason)
            for name, f in old.items() if name not in new]


def _added(prefix: str, where: str, old: dict[str, Field], new: dict[str, Field], response: bool) -> list[Change]:
    return [Change(f"{prefix}field-added", f"{where}{name}", None, f"{f.type} ({_flag(f.required)})",
                   breaking_for_clients=not response and f.required,
                   breaking_for_servers=f.required if response else True,
                   reason=_added_reason(f.required, response))
            for name, f in new.items() if name not in old]


def _changed(prefix: str, where: str, f: Field, g: Field, response: bool) -> list[Change]:
    """How one field present on both sides changed: type, required flag, description."""
    out: list[Change] = []
    if f.type != g.type:
        out.append(Change(f"{prefix}type-changed", f"{where}{f.name}", f.type, g.type,
                          breaking_for_clients=True, breaking_for_servers=True,
                          reason="values of the old type no longer conform"))
    if f.required != g.required:
        to_required = g.required
        kind = "optional-to-required" if to_required else "required-to-optional"
        # A request field becoming required hurts clients; a response field becoming
        # optional hurts clients (they relied on it).
        out.append(Change(f"{prefix}{kind}", f"{where}{f.name}", _flag(f.required), _flag(g.required),
                          breaking_for_clients=to_required != response,
                          breaking_for_servers=to_required == response,
                          reason=_required_reason(to_required, response)))
    if f.description != g.description:
        out.append(Change(f"{prefix}description-changed", f"{where}{f.name}", f.description, g.description,
                          False, False, "wording only; check the overlay's domain"))
    return out


def field_changes(prefix: str, where: str, old: dict[str, Field], new: dict[str, Field], *,
                  response: bool) -> list[Change]:
    """Changes between two field maps; ``response`` flips who is hurt by additions and removals.

    Removals first, then additions, then the changes of fields on both sides, each in page order.
    """
    out = _removed(prefix, where, old, new, response) + _added(prefix, where, old, new, response)
    for name, f in old.items():
        if name in new:
            out += _changed(prefix, where, f, new[name], response)
    return out
