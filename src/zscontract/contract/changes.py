"""One change between two versions of a page, and the changes between two sets of fields.

Classified as oasdiff classifies a change of an OpenAPI document (its ``checker/rules.go``):
each change has an oasdiff-style ``id`` and a ``level``. ``error`` is a definite break,
``warning`` a probable one (a removed request field: clients that send it may now be refused or
have it ignored), ``info`` not breaking. ``error`` and ``warning`` are "breaking"; ``contract
diff`` exits 1 only for them. ``who`` says whom a breaking change breaks: clients written to the
old page, servers implementing it, or both ("none" for an ``info`` change, whose reason still
says what servers must now do, e.g. accept a new optional field). Ids starting ``zs-`` are this
page's own (wording, the request example), always ``info``.
"""

from __future__ import annotations

from dataclasses import dataclass

from zscontract.contract.diff_constraints import Step, constraint_steps
from zscontract.contract.model import Field

LEVELS: tuple[str, ...] = ("error", "warning", "info")  # most severe first
CLIENTS, BOTH, NONE = "clients", "clients and servers", "none"


@dataclass(frozen=True)
class Change:
    id: str
    level: str  # one of LEVELS
    where: str
    old: str | None
    new: str | None
    who: str  # CLIENTS, BOTH or NONE (no rule here breaks servers alone)
    reason: str

    @property
    def breaking(self) -> bool:
        return self.level != "info"

    @property
    def text(self) -> str:
        """One sentence: what changed where (oasdiff's ``text``)."""
        return f"{self.id.replace('-', ' ')} at {self.where}: {self.old or '-'} -> {self.new or '-'}"


def info(change_id: str, where: str, old: str | None, new: str | None, reason: str) -> Change:
    return Change(change_id, "info", where, old, new, NONE, reason)


def _flag(required: bool) -> str:
    return "required" if required else "optional"


# Page type names by JSON type; a type whose values all conform to another "generalizes" to it
# (int32 -> int64 -> number; a Gson date is a string). The widths are the overlay's `types`.
_SAME = ({"Boolean", "boolean"}, {"Map", "LinkedHashMap", "HashMap"})
_WIDER: dict[str, set[str]] = {
    "Integer": {"Long", "Float", "Double"},
    "Long": {"Float", "Double"},
    "Float": {"Double"},
    "Timestamp": {"String"},
}

# Prefix of the ids per side: path parameters, body fields, response fields.
_PREFIX = {"parameter": "request-parameter", "request": "request-property", "response": "response-property"}


def _type_change(side: str, where: str, old: str, new: str) -> Change:
    p = _PREFIX[side]
    if any(old in s and new in s for s in _SAME):
        return info(f"{p}-type-compatible", where, old, new, "the same JSON type")
    widens = new in _WIDER.get(old, set())
    narrows = old in _WIDER.get(new, set())
    if side == "response":
        if widens:
            return Change(f"{p}-type-generalized", "error", where, old, new, CLIENTS,
                          "clients may now receive values outside the old type")
        if narrows:
            return info(f"{p}-type-specialized", where, old, new, "every new value still fits the old type")
    elif widens:
        return info(f"{p}-type-generalized", where, old, new,
                    "every old value still conforms; servers must accept the wider type")
    return Change(f"{p}-type-changed", "error", where, old, new, BOTH, "values of the old type no longer conform")


def _required_change(side: str, where: str, was: bool) -> Change:
    p, old, new = _PREFIX[side], _flag(was), _flag(not was)
    if side == "response":
        if was:
            return Change(f"{p}-became-optional", "error", where, old, new, CLIENTS,
                          "clients that read it can no longer rely on it")
        return info(f"{p}-became-required", where, old, new, "servers must now always send it")
    if was:
        return info(f"{p}-became-optional", where, old, new, "servers must now accept requests without it")
    return Change(f"{p}-became-required", "error", where, old, new, CLIENTS,
                  "clients written to the old page may omit it and be refused")


def _constraint_change(side: str, where: str, step: Step) -> Change:
    """oasdiff's direction: tightening a request, or loosening a response, breaks clients."""
    cid = f"{_PREFIX[side]}-{step.suffix}"
    if side == "response":
        if step.effect != "loosens":
            return info(cid, where, step.old, step.new, "clients get values they already accept")
        # oasdiff: a new enum value in a response is a warning (clients may not know it).
        level = "warning" if "enum" in step.suffix else "error"
        return Change(cid, level, where, step.old, step.new, CLIENTS,
                      "clients may now receive values the old page ruled out")
    if step.effect == "loosens":
        return info(cid, where, step.old, step.new, "servers must now accept more values")
    if step.effect == "neutral" and "pattern" not in step.suffix:
        return info(cid, where, step.old, step.new, "a default is the server's business")
    # A new bound where there was none, or a different pattern: oasdiff warns.
    level = "warning" if step.suffix.endswith("-set") or step.effect == "neutral" else "error"
    return Change(cid, level, where, step.old, step.new, CLIENTS,
                  "clients that sent what the old page allowed may now be refused")


def _removed(side: str, where: str, f: Field) -> Change:
    if side == "response":
        cid = f"response-{_flag(f.required)}-property-removed"
        return Change(cid, "error" if f.required else "warning", where, f.type, None, CLIENTS,
                      "clients that read it lose it")
    cid = "request-parameter-removed" if side == "parameter" else "request-property-removed"
    return Change(cid, "warning", where, f.type, None, CLIENTS, "clients that still send it may now be refused")


def _added(side: str, where: str, f: Field) -> Change:
    new = f"{f.type} ({_flag(f.required)})"
    if side == "response":
        reason = "servers must now send it; clients may ignore it" if f.required else "clients may ignore it"
        return info(f"response-{_flag(f.required)}-property-added", where, None, new, reason)
    if side == "parameter":
        return Change("new-request-path-parameter", "error", where, None, new, BOTH,
                      "the URL changes: old clients no longer reach the operation")
    if f.required:
        return Change("new-required-request-property", "error", where, None, new, CLIENTS,
                      "clients written to the old page do not send it")
    return info("new-optional-request-property", where, None, new,
                "clients that do not send it are unaffected; servers must now accept it")


def _changed(side: str, where: str, f: Field, g: Field) -> list[Change]:
    """How one field present on both sides changed: type, required flag, constraints, wording."""
    out: list[Change] = []
    if f.type != g.type:
        out.append(_type_change(side, where, f.type, g.type))
    if f.required != g.required:
        out.append(_required_change(side, where, f.required))
    out += [_constraint_change(side, where, s) for s in constraint_steps(f.description, g.description)]
    if f.description != g.description:
        out.append(info("zs-description-changed", where, f.description, g.description,
                        "wording; check the overlay's domain"))
    return out


def field_changes(side: str, where: str, old: dict[str, Field], new: dict[str, Field]) -> list[Change]:
    """Changes between two field maps; ``side`` is "parameter", "request" or "response".

    Removals first, then additions, then the changes of fields on both sides, each in page order.

    >>> f = Field("label", "String", False, "", 1)
    >>> [c.id for c in field_changes("request", "body.", {}, {"label": f})]
    ['new-optional-request-property']
    """
    out = [_removed(side, f"{where}{n}", f) for n, f in old.items() if n not in new]
    out += [_added(side, f"{where}{n}", f) for n, f in new.items() if n not in old]
    for name, f in old.items():
        if name in new:
            out += _changed(side, f"{where}{name}", f, new[name])
    return out
