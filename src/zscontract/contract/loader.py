"""Load the generated contract of one dialect into a typed, cached :class:`Contract`.

A missing or broken file is a :class:`ContractFileError` naming it (never a silent skip); an
unknown profile is a :class:`UsageError`.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from zscontract.contract.files import contracts_dir
from zscontract.core.dialects import get_dialect
from zscontract.errors import ContractFileError

_JSON_TYPES = ("string", "integer", "boolean", "array", "object")


@dataclass(frozen=True)
class FieldSpec:
    """One request field: its type, what must be accepted and what must be rejected."""

    name: str
    json_type: str
    format: str | None
    documented: bool
    multiline: bool
    hard_schema: dict[str, Any]
    domain_schema: dict[str, Any]
    inventory_field: str | None


@dataclass(frozen=True, eq=False, repr=False)  # identity equality: hashable, so validators can be cached
class Contract:
    """The contract of one dialect: its OpenAPI document and the standalone schemas."""

    def __repr__(self) -> str:
        # Short on purpose: Hypothesis prints a failing test's arguments, and the dataclass repr (the
        # whole OpenAPI document, 44 kB) made it warn, which the suite's warnings-as-errors turned
        # into a FlakyStrategyDefinition instead of the failing example.
        return f"Contract(profile={self.profile!r}, path={str(self.path)!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis's (and IPython's) pretty printer: the short repr, not every dataclass field."""
        printer.text(repr(self))

    profile: str
    openapi: dict[str, Any]
    inventory_schema: dict[str, Any]
    error_schema: dict[str, Any]
    request_schema: dict[str, Any]
    yaml_schema: dict[str, Any]
    path: Path
    fields: Mapping[str, FieldSpec]
    unwritten: frozenset[str] = frozenset()  # request fields ``without_fields`` took out

    def documented_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields.values() if f.documented]

    def example_only_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields.values() if not f.documented]

    def without_fields(self, names: Collection[str]) -> Contract:
        """This contract with ``names`` no longer request fields: nothing built from it writes them.

        For a run that must not write a field it could not write back (it was null on the target,
        and null means "not given" on a real node): strategies, the oracle's classes, the OpenAPI
        document schemathesis generates from, and the page's example all leave them out.

        >>> c = load_contract("zstack").without_fields(["description"])
        >>> [f.name for f in c.documented_fields()]
        ['name', 'yaml', 'requestCpu', 'requestMemory']
        >>> "description" in c.openapi["components"]["schemas"]["UpdateModelServiceRequest"]["properties"]
        False
        """
        drop = set(names) & set(self.fields)
        if not drop:
            return self
        openapi, request = copy.deepcopy(self.openapi), copy.deepcopy(self.request_schema)
        for schema in (openapi.get("components", {}).get("schemas", {}).get(REQUEST_SCHEMA), request):
            if isinstance(schema, dict):
                for name in drop:
                    schema.get("properties", {}).pop(name, None)
                if "required" in schema:
                    schema["required"] = [n for n in schema["required"] if n not in drop]
        for item in openapi.get("paths", {}).values():
            for operation in item.values():
                media = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
                for content in media.values():
                    for example in content.get("examples", {}).values():
                        _drop_keys(example.get("value"), drop)
        return dataclasses.replace(self, openapi=openapi, request_schema=request, unwritten=self.unwritten | drop,
                                   fields=MappingProxyType({n: f for n, f in self.fields.items() if n not in drop}))

    def inventory_validator(self) -> Draft202012Validator:
        """A cached validator of one inventory object.

        >>> load_contract("documented").inventory_validator().is_valid({"uuid": "x"})
        False
        """
        return _validator(self, "inventory_schema")

    def error_validator(self) -> Draft202012Validator:
        return _validator(self, "error_schema")

    def yaml_validator(self) -> Draft202012Validator:
        return _validator(self, "yaml_schema")


REQUEST_SCHEMA = "UpdateModelServiceRequest"


def _drop_keys(example: Any, drop: set[str]) -> None:
    """Leave ``drop`` out of a request example, flat or under the zstack wrapper."""
    if isinstance(example, dict):
        for name in drop:
            example.pop(name, None)
        for value in example.values():
            if isinstance(value, dict):
                for name in drop:
                    value.pop(name, None)


@functools.cache
def _validator(contract: Contract, attr: str) -> Draft202012Validator:
    return Draft202012Validator(getattr(contract, attr))


def load_contract(profile: str, root: Path | None = None) -> Contract:
    """The contract of ``profile`` (``documented`` or ``zstack``), read once per (profile, root).

    >>> c = load_contract("zstack")
    >>> [f.name for f in c.documented_fields()]
    ['name', 'description', 'yaml', 'requestCpu', 'requestMemory']
    """
    get_dialect(profile, source="profile")  # the one validation of a profile name (UsageError)
    return _load(profile, root.resolve() if root is not None else None)


@functools.cache
def _load(profile: str, root: Path | None) -> Contract:
    base = root if root is not None else contracts_dir()
    path = base / "openapi" / f"{profile}.json"
    openapi = _read(path)
    request = _read(base / "schemas" / "UpdateModelServiceRequest.json")
    contract = Contract(
        profile=profile,
        openapi=openapi,
        inventory_schema=_read(base / "schemas" / "ModelServiceInventory.json"),
        error_schema=_read(base / "schemas" / "ErrorCode.json"),
        request_schema=request,
        yaml_schema=_read(base / "schemas" / "ModelServiceYaml.json"),
        path=path,
        fields=MappingProxyType(_fields(base / "schemas" / "UpdateModelServiceRequest.json", request)),
    )
    if openapi.get("x-zs-profile") != profile:
        raise ContractFileError(
            f"{path}: x-zs-profile is {openapi.get('x-zs-profile')!r}, expected {profile!r};"
            " regenerate with `zscontract contract build`"
        )
    return contract


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContractFileError(
            f"{path}: contract file missing; regenerate it with `zscontract contract build"
            " contracts/source/UpdateModelService.txt --out contracts`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractFileError(f"{path}: cannot read the contract file: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ContractFileError(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); regenerate it with `zscontract contract build`"
        ) from None
    if not isinstance(data, dict):
        raise ContractFileError(f"{path}: expected a JSON object, got {type(data).__name__}")
    if path.parent.name == "schemas":
        try:
            Draft202012Validator.check_schema(data)
        except SchemaError as exc:
            raise ContractFileError(f"{path}: not a valid JSON Schema: {exc.message}") from None
    return data


def _fields(path: Path, request: dict[str, Any]) -> dict[str, FieldSpec]:
    props = request.get("properties")
    extra = request.get("x-zs-example-only-fields")
    if not isinstance(props, dict) or not isinstance(extra, dict):
        raise ContractFileError(f"{path}: expected 'properties' and 'x-zs-example-only-fields' objects")
    out: dict[str, FieldSpec] = {}
    for documented, group in ((True, props), (False, extra)):
        for name, schema in group.items():
            out[name] = _field(path, name, schema, documented=documented)
    return out


def _field(path: Path, name: str, schema: Any, *, documented: bool) -> FieldSpec:
    if not isinstance(schema, dict) or schema.get("type") not in _JSON_TYPES or "x-zs-hard" not in schema:
        raise ContractFileError(
            f"{path}: field {name!r} needs a 'type' (one of {', '.join(_JSON_TYPES)})"
            " and an 'x-zs-hard' schema"
        )
    domain = {k: v for k, v in schema.items() if k not in ("x-zs-hard", "x-zs-inventory-field")}
    return FieldSpec(
        name=name,
        json_type=schema["type"],
        format=schema.get("format"),
        documented=documented,
        multiline=bool(schema.get("x-zs-multiline", False)),
        hard_schema=schema["x-zs-hard"],
        domain_schema=domain,
        inventory_field=schema.get("x-zs-inventory-field"),
    )
