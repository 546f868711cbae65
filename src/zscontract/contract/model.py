"""The typed model of one API documentation page (what :mod:`zscontract.contract.page` produces).

Only facts the page states live here; everything the page cannot say (dialects, limits,
nullability) comes from the overlay (``contracts/overlay.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Type names the parser accepts, as they appear glued to field names on the page.
# ``boolean`` (lower case) is how the page spells ``success``; ``*Inventory`` and
# ``ErrorCode`` are named structures whose fields follow, indented one level deeper.
SCALAR_TYPES: tuple[str, ...] = (
    "String",
    "Integer",
    "Long",
    "Boolean",
    "boolean",
    "Timestamp",
    "List",
    "Map",
    "LinkedHashMap",
    "HashMap",
    "Double",
    "Float",
)
STRUCTURE_TYPES: tuple[str, ...] = ("ErrorCode",)
STRUCTURE_SUFFIX = "Inventory"  # any CamelCase name ending in Inventory is a structure


def is_structure(type_name: str) -> bool:
    """True for a named structure (``ErrorCode``, ``ModelServiceInventory``, ...).

    >>> is_structure("ModelServiceInventory"), is_structure("Map")
    (True, False)
    """
    return type_name in STRUCTURE_TYPES or (type_name.endswith(STRUCTURE_SUFFIX) and type_name[:1].isupper())


@dataclass(frozen=True)
class Field:
    """One bulleted field: a path parameter, a body field or a (possibly nested) response field."""

    name: str
    type: str
    required: bool
    description: str
    line: int
    children: tuple[Field, ...] = ()

    def find(self, name: str) -> Field | None:
        return next((c for c in self.children if c.name == name), None)


@dataclass(frozen=True)
class ResponseSpec:
    """One documented status (``200 OK``) and its field tree."""

    status: int
    reason: str
    fields: tuple[Field, ...]
    line: int


@dataclass(frozen=True)
class RequestExample:
    """The page's curl line, taken apart."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any
    line: int


@dataclass(frozen=True)
class ResponseExample:
    status: int
    body: Any
    line: int


@dataclass(frozen=True)
class Page:
    """Everything the parser read from one page; ``source`` names the file for messages."""

    source: str
    title: str
    operation_id: str
    method: str
    path: str
    since: str | None
    synchronous: bool | None
    path_params: tuple[Field, ...]
    body_fields: tuple[Field, ...]
    responses: tuple[ResponseSpec, ...]
    request_example: RequestExample
    response_example: ResponseExample
    change_history: tuple[str, ...] = field(default=())

    def body_field(self, name: str) -> Field | None:
        return next((f for f in self.body_fields if f.name == name), None)

    def response(self, status: int) -> ResponseSpec | None:
        return next((r for r in self.responses if r.status == status), None)

    def response_field_paths(self) -> dict[str, Field]:
        """Every response field by its dotted path (``200.inventory.uuid``), depth first."""
        out: dict[str, Field] = {}

        def walk(prefix: str, fields: tuple[Field, ...]) -> None:
            for f in fields:
                path = f"{prefix}.{f.name}"
                out[path] = f
                walk(path, f.children)

        for resp in self.responses:
            walk(str(resp.status), resp.fields)
        return out
