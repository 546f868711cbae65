"""Load ``contracts/overlay.yaml``: what the page cannot say, applied on top of it by the builder.

The overlay is small and hand-written; this module only checks its shape and hands back a
typed :class:`Overlay`. Schemas inside it refer to each other as ``{"$ref": "Name"}`` (a bare
name, resolved by :mod:`zscontract.contract.schemas`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from zscontract.errors import ContractFileError

Schema = dict[str, Any]

_TOP_KEYS = (
    "version",
    "types",
    "defs",
    "dialects",
    "request",
    "inventory",
    "envelope",
    "error_code",
    "yaml_document",
)
_DIALECT_KEYS = ("wrapper", "success", "api_error_status", "rest_error_statuses", "async_jobs")


@dataclass(frozen=True)
class DialectOverlay:
    name: str
    wrapper: str | None
    top_level_fields: dict[str, Schema]
    success: tuple[int, ...]
    api_error_status: str  # "4XX" or "503": an OpenAPI status key
    rest_error_statuses: tuple[int, ...]
    async_jobs: bool


@dataclass(frozen=True)
class ExampleOnlyField:
    schema: Schema
    inventory: str | None


@dataclass(frozen=True)
class Overlay:
    source: str
    types: dict[str, Schema]
    defs: dict[str, Schema]
    dialects: dict[str, DialectOverlay]
    domain: dict[str, Schema]
    example_only: dict[str, ExampleOnlyField]
    inventory_required: tuple[str, ...]
    inventory_refine: dict[str, Schema]
    envelope: dict[str, Schema]
    error_required: tuple[str, ...]
    error_refine: dict[str, Schema]
    error_extra: dict[str, Schema]
    yaml_document: Schema

    def type_schema(self, type_name: str) -> Schema | None:
        """A fresh copy of the overlay's schema for a page type, or None if it has none."""
        found = self.types.get(type_name)
        return copy.deepcopy(found) if found is not None else None


def load_overlay(path: Path) -> Overlay:
    """Read and check an overlay file.

    >>> from zscontract.contract.files import contracts_dir
    >>> load_overlay(contracts_dir() / "overlay.yaml").dialects["zstack"].wrapper
    'updateModelService'
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContractFileError(f"{path}: overlay file not found; expected contracts/overlay.yaml") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContractFileError(f"{path}: cannot read the overlay: {exc}") from None
    src = str(path)
    top = _mapping(src, raw, "the document")
    for key in _TOP_KEYS:
        if key not in top:
            raise ContractFileError(
                f"{src}: missing top-level key {key!r}; expected all of {', '.join(_TOP_KEYS)}"
            )
    if top["version"] != 1:
        raise ContractFileError(f"{src}: version {top['version']!r} is not supported; expected 1")
    request = _mapping(src, top["request"], "request")
    inventory = _mapping(src, top["inventory"], "inventory")
    error_code = _mapping(src, top["error_code"], "error_code")
    return Overlay(
        source=src,
        types=_schemas(src, top["types"], "types"),
        defs=_schemas(src, top["defs"], "defs"),
        dialects={
            name: _dialect(src, name, value)
            for name, value in _mapping(src, top["dialects"], "dialects").items()
        },
        domain=_schemas(src, request.get("domain"), "request.domain"),
        example_only={
            name: _example_only(src, name, value)
            for name, value in _mapping(src, request.get("example_only"), "request.example_only").items()
        },
        inventory_required=tuple(_names(src, inventory.get("required"), "inventory.required")),
        inventory_refine=_schemas(src, inventory.get("refine", {}), "inventory.refine"),
        envelope=_schemas(src, top["envelope"], "envelope"),
        error_required=tuple(_names(src, error_code.get("required"), "error_code.required")),
        error_refine=_schemas(src, error_code.get("refine", {}), "error_code.refine"),
        error_extra=_schemas(src, error_code.get("extra", {}), "error_code.extra"),
        yaml_document=_mapping(src, top["yaml_document"], "yaml_document"),
    )


def _mapping(src: str, value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ContractFileError(
            f"{src}: {where} must be a mapping with string keys, got {type(value).__name__}"
        )
    return value


def _schemas(src: str, value: Any, where: str) -> dict[str, Schema]:
    out = _mapping(src, value, where)
    for name, schema in out.items():
        _mapping(src, schema, f"{where}.{name}")
    return out


def _names(src: str, value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContractFileError(f"{src}: {where} must be a list of field names")
    return value


def _dialect(src: str, name: str, value: Any) -> DialectOverlay:
    d = _mapping(src, value, f"dialects.{name}")
    for key in _DIALECT_KEYS:
        if key not in d:
            raise ContractFileError(
                f"{src}: dialects.{name} lacks {key!r}; expected {', '.join(_DIALECT_KEYS)}"
            )
    return DialectOverlay(
        name=name,
        wrapper=d["wrapper"],
        top_level_fields=_schemas(src, d.get("top_level_fields", {}), f"dialects.{name}.top_level_fields"),
        success=tuple(int(s) for s in d["success"]),
        api_error_status=str(d["api_error_status"]),
        rest_error_statuses=tuple(int(s) for s in d["rest_error_statuses"]),
        async_jobs=bool(d["async_jobs"]),
    )


def _example_only(src: str, name: str, value: Any) -> ExampleOnlyField:
    entry = _mapping(src, value, f"request.example_only.{name}")
    if "schema" not in entry or "inventory" not in entry:
        raise ContractFileError(
            f"{src}: request.example_only.{name} needs 'schema' and 'inventory'"
            " (the inventory field that reports it, or null)"
        )
    inventory = entry["inventory"]
    if inventory is not None and not isinstance(inventory, str):
        raise ContractFileError(f"{src}: request.example_only.{name}.inventory must be a field name or null")
    return ExampleOnlyField(_mapping(src, entry["schema"], f"request.example_only.{name}.schema"), inventory)
