"""The value constraints a field's description states, and how a change of them is classified.

The page model has no slots for limits: a documentation page states them, if at all, in the
field's description sentence ("Default value: null." is on the seed page; length limits, valid
values, ranges and patterns are written the same way). Only the sentence forms below are read;
anything else stays a plain wording change (``zs-description-changed``).

Direction follows oasdiff's rules: a request constraint tightened (a shorter maximum, a larger
minimum, a value no longer allowed, a new pattern) breaks clients that sent what was allowed; a
response constraint loosened breaks clients that relied on it; the other direction is not
breaking (servers must accept more, or may send less).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (key, regex): the first group is the value; a range gives two keys. Case-insensitive.
_NUM = r"(-?\d+(?:\.\d+)?)"
_BOUNDS: tuple[tuple[str, str], ...] = (
    ("max-length", r"\bmax(?:imum)?\.? length(?: is| of)?\s*:?\s*(\d+)"),
    ("max-length", r"\b(?:at most|up to|no more than|cannot exceed|must not exceed)\s+(\d+)\s+char"),
    ("min-length", r"\bmin(?:imum)?\.? length(?: is| of)?\s*:?\s*(\d+)"),
    ("min-length", r"\bat least\s+(\d+)\s+char"),
    ("max", rf"\bmax(?:imum)?(?: value)?(?: is)?\s*:\s*{_NUM}"),
    ("min", rf"\bmin(?:imum)?(?: value)?(?: is)?\s*:\s*{_NUM}"),
)
_RANGE = re.compile(rf"\b(?:value |valid )?range(?: is)?\s*:?\s*\[?\s*{_NUM}\s*(?:-|–|~|to|,)\s*{_NUM}\s*\]?", re.I)
_ENUM = re.compile(r"\b(?:valid|allowed|possible|supported) values?(?: are| is)?\s*:\s*(.+?)(?:\.(?:\s|$)|$)", re.I)
_PATTERN = re.compile(r"\b(?:pattern|must match|regular expression)\s*:?\s*`([^`]+)`", re.I)
_DEFAULT = re.compile(r"\bdefault value(?: is)?\s*:\s*(.+?)(?:\.(?:\s|$)|$)", re.I)
_ENUM_SPLIT = re.compile(r"\s*(?:,|\bor\b|\band\b|\|)\s*")


@dataclass(frozen=True)
class Constraints:
    """What one description says about the values of its field (``None``: it says nothing)."""

    bounds: tuple[tuple[str, str], ...] = ()  # (key, number as written), keys from _BOUNDS
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    default: str | None = None

    def bound(self, key: str) -> str | None:
        return next((v for k, v in self.bounds if k == key), None)


def read_constraints(description: str) -> Constraints:
    """The constraints a description states.

    >>> c = read_constraints("The resource name. Max length: 255. Valid values: a, b or c.")
    >>> c.bound("max-length"), c.enum
    ('255', ('a', 'b', 'c'))
    >>> read_constraints("The reserved field. Default value: null.").default
    'null'
    >>> read_constraints("Value range: 1-1024.").bounds
    (('min', '1'), ('max', '1024'))
    """
    bounds: dict[str, str] = {}
    for key, regex in _BOUNDS:
        m = re.search(regex, description, re.I)
        if m and key not in bounds:
            bounds[key] = m.group(1)
    r = _RANGE.search(description)
    if r:
        bounds.setdefault("min", r.group(1))
        bounds.setdefault("max", r.group(2))
    e = _ENUM.search(description)
    enum = tuple(v.strip("`'\" ") for v in _ENUM_SPLIT.split(e.group(1)) if v.strip("`'\" ")) if e else None
    p = _PATTERN.search(description)
    d = _DEFAULT.search(description)
    order = ("max-length", "min-length", "min", "max")
    return Constraints(
        bounds=tuple((k, bounds[k]) for k in sorted(bounds, key=order.index)),
        enum=enum,
        pattern=p.group(1) if p else None,
        default=d.group(1).strip() if d else None,
    )


@dataclass(frozen=True)
class Step:
    """One constraint change before classification: its id suffix and which way it moves."""

    suffix: str  # e.g. "max-length-decreased", oasdiff's naming
    old: str | None
    new: str | None
    effect: str  # "tightens" | "loosens" | "neutral"


def _bound_steps(key: str, old: str | None, new: str | None) -> list[Step]:
    if old == new:
        return []
    if old is None:
        return [Step(f"{key}-set", old, new, "tightens")]
    if new is None:
        return [Step(f"{key}-unset", old, new, "loosens")]
    if float(new) == float(old):
        return []
    up = float(new) > float(old)
    # A larger maximum or a smaller minimum lets more values through.
    loosens = up if key.startswith("max") else not up
    return [Step(f"{key}-{'increased' if up else 'decreased'}", old, new, "loosens" if loosens else "tightens")]


def _enum_steps(old: tuple[str, ...] | None, new: tuple[str, ...] | None) -> list[Step]:
    if old == new:
        return []
    if old is None:
        return [Step("became-enum", None, ", ".join(new or ()), "tightens")]
    if new is None:
        return [Step("became-not-enum", ", ".join(old), None, "loosens")]
    out = [Step("enum-value-removed", v, None, "tightens") for v in old if v not in new]
    return out + [Step("enum-value-added", None, v, "loosens") for v in new if v not in old]


def _pattern_steps(old: str | None, new: str | None) -> list[Step]:
    if old == new:
        return []
    if old is None:
        return [Step("pattern-added", old, new, "tightens")]
    if new is None:
        return [Step("pattern-removed", old, new, "loosens")]
    # Whether one regex accepts a superset of the other is undecidable here: oasdiff warns.
    return [Step("pattern-changed", old, new, "neutral")]


def _default_steps(old: str | None, new: str | None) -> list[Step]:
    if old == new:
        return []
    word = "added" if old is None else "removed" if new is None else "changed"
    return [Step(f"default-value-{word}", old, new, "neutral")]


def constraint_steps(old: str, new: str) -> list[Step]:
    """The constraint changes between two descriptions of one field, in a fixed order.

    >>> [s.suffix for s in constraint_steps("Max length: 255.", "Max length: 128.")]
    ['max-length-decreased']
    >>> constraint_steps("Max length: 255.", "Max length: 255. Reworded.")
    []
    """
    a, b = read_constraints(old), read_constraints(new)
    out: list[Step] = []
    for key in ("max-length", "min-length", "max", "min"):
        out += _bound_steps(key, a.bound(key), b.bound(key))
    return out + _enum_steps(a.enum, b.enum) + _pattern_steps(a.pattern, b.pattern) + _default_steps(
        a.default, b.default
    )
