"""The bulleted field trees of a page: ``  • nameString`` glued tokens and their descriptions.

A bullet's description is indented deeper than the bullet; a nested bullet belongs to the
nearest shallower bullet, which must be a named structure (``ErrorCode``, ``*Inventory``).
"""

from __future__ import annotations

import re

from zscontract.contract.model import SCALAR_TYPES, STRUCTURE_SUFFIX, STRUCTURE_TYPES, Field, is_structure
from zscontract.contract.page_lines import Lines, Reader, content

_BULLET = re.compile(r"^(?P<indent> *)•\s*(?P<token>.*?)\s*$")
TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME = re.compile(r"^[a-z_][A-Za-z0-9_]*$")
_KNOWN = ", ".join((*SCALAR_TYPES, *STRUCTURE_TYPES)) + f" or a name ending in {STRUCTURE_SUFFIX}"


def split_field_token(token: str, *, line: int = 0, source: str = "<page>") -> tuple[str, str, bool]:
    """Split a glued bullet token into (name, type, required).

    Strips a ``Required`` suffix, then splits on the LONGEST known type name suffix.

    >>> split_field_token("vendorToSpecUuidsMapMapRequired")
    ('vendorToSpecUuidsMap', 'Map', True)
    >>> split_field_token("inventoryModelServiceInventoryRequired")
    ('inventory', 'ModelServiceInventory', True)
    >>> split_field_token("opaqueLinkedHashMapRequired")
    ('opaque', 'LinkedHashMap', True)
    """
    r = Reader(source)
    if not TOKEN.match(token):
        raise r.fail(
            line,
            f"bullet {token!r} is not a field; expected the field name glued to its type,"
            " e.g. '• nameString'",
        )
    required = token.endswith("Required") and len(token) > len("Required")
    core = token[: -len("Required")] if required else token
    candidates = [t for t in (*SCALAR_TYPES, *STRUCTURE_TYPES) if core.endswith(t)]
    if core.endswith(STRUCTURE_SUFFIX):
        # Every CamelCase suffix ending in Inventory is a candidate structure name.
        candidates += [
            core[i:] for i in range(1, len(core)) if core[i].isupper() and core[i:].endswith(STRUCTURE_SUFFIX)
        ]
    # Longest first; a split whose remaining name is a valid field name wins.
    for type_name in sorted(set(candidates), key=len, reverse=True):
        name = core[: -len(type_name)]
        if _NAME.match(name):
            return name, type_name, required
    if not any(ch.isupper() for ch in core):
        raise r.fail(
            line,
            f"field {core!r} has no type; expected the field name glued to its type"
            f" (one of {_KNOWN}), e.g. '{core}String'",
        )
    last = re.search(r"[A-Z][a-z0-9]*$", core)
    word = last.group(0) if last else core
    raise r.fail(
        line,
        f"unknown type in {token!r} (it ends in {word!r}); expected the field name glued to one of {_KNOWN}",
    )


class _Node:
    def __init__(self, field: Field, indent: int) -> None:
        self.field = field
        self.indent = indent
        self.children: list[_Node] = []

    def freeze(self) -> Field:
        f = self.field
        return Field(
            f.name, f.type, f.required, f.description, f.line, tuple(c.freeze() for c in self.children)
        )


class _TreeBuilder:
    """Builds one section's bullet tree, line by line."""

    def __init__(self, r: Reader) -> None:
        self.r = r
        self.roots: list[_Node] = []
        self.stack: list[_Node] = []
        self.current: _Node | None = None
        self.description: list[str] = []

    def close(self) -> None:
        """Give the current bullet its description (and a ``Required.``/``Optional.`` flag in it)."""
        current = self.current
        if current is None:
            return
        text = " ".join(self.description)
        required = current.field.required
        if text.startswith("Optional."):
            if required:
                raise self.r.fail(
                    current.field.line,
                    f"field {current.field.name!r} is glued to 'Required'"
                    " but its description starts 'Optional.'; expected one flag",
                )
            text = text[len("Optional.") :].strip()
        elif text.startswith("Required."):
            required, text = True, text[len("Required.") :].strip()
        f = current.field
        current.field = Field(f.name, f.type, required, text, f.line)
        self.description.clear()
        self.current = None

    def bullet(self, number: int, indent: int, token: str) -> None:
        self.close()
        name, type_name, required = split_field_token(token, line=number, source=self.r.source)
        node = _Node(Field(name, type_name, required, "", number), indent)
        while self.stack and self.stack[-1].indent >= indent:
            self.stack.pop()
        if self.stack:
            parent = self.stack[-1].field
            if not is_structure(parent.type):
                raise self.r.fail(
                    number,
                    f"field {name!r} is nested under {parent.name!r} of type {parent.type},"
                    f" which has no fields; expected a named structure (ErrorCode, *Inventory)",
                )
            self.stack[-1].children.append(node)
        else:
            self.roots.append(node)
        self.stack.append(node)
        self.current = node

    def text(self, number: int, line: str, *, allow_prose: bool) -> None:
        indent = len(line) - len(line.lstrip(" "))
        if self.current is not None and indent > self.current.indent:
            self.description.append(line.strip())
        elif not allow_prose:
            raise self.r.fail(
                number,
                f"found {line.strip()!r}; expected a bullet '• nameType' or its indented description",
            )


def fields(r: Reader, lines: Lines, *, allow_prose: bool = False) -> tuple[Field, ...]:
    """The bullet tree of a section; description lines are indented deeper than their bullet."""
    tree = _TreeBuilder(r)
    for number, line in content(lines):
        bullet = _BULLET.match(line)
        if bullet is None:
            tree.text(number, line, allow_prose=allow_prose)
        else:
            tree.bullet(number, len(bullet.group("indent")), bullet.group("token"))
    tree.close()
    return tuple(n.freeze() for n in tree.roots)
