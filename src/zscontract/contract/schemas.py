"""JSON Schemas built from a parsed page plus the overlay, with symbolic references.

Schemas refer to each other as ``{"$ref": "Name"}``; :func:`standalone` renders one as a
self-contained draft 2020-12 document (``#/$defs/Name``, ``#`` for itself) and
:func:`openapi_refs` as an OpenAPI component (``#/components/schemas/Name``), so the files under
``schemas/`` and the components of ``openapi/*.json`` have the same content.
"""

from __future__ import annotations

import copy
from typing import Any

from zscontract.contract.model import Field, Page, is_structure
from zscontract.contract.overlay import Overlay, Schema
from zscontract.errors import ContractFileError

DIALECT_URI = "https://json-schema.org/draft/2020-12/schema"
# Printable text without C0/C1 controls: an approximation of oracle.md's printable-BMP charset
# that JSON Schema regexes can express; x-zs-charset names the exact rule
# (zscontract.core.values.is_conservative_text). They end in (?![\s\S]), "end of text" in ECMA
# and Python alike: a bare $ lets re.search (jsonschema uses it) match before a final "\n".
_SINGLE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f]*(?![\\s\\S])"
_MULTI_LINE = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*(?![\\s\\S])"
# Gson turns a number or boolean sent in a String field into its text, and null into "not given"
# (facts "Values"): none of these must be rejected, so a String field's hard schema is permissive.
_STRING_HARD: Schema = {"type": ["string", "number", "boolean", "null"]}


def nullable(schema: Schema) -> Schema:
    """The schema, or null (Gson drops or nulls unset fields).

    >>> nullable({"type": "integer", "minimum": 0})
    {'type': ['integer', 'null'], 'minimum': 0}
    >>> nullable({"$ref": "ZStackDate"})
    {'anyOf': [{'$ref': 'ZStackDate'}, {'type': 'null'}]}
    """
    kind = schema.get("type")
    if isinstance(kind, str) and "$ref" not in schema and "enum" not in schema:
        return {**schema, "type": [kind, "null"]}
    if isinstance(kind, list):
        return schema if "null" in kind else {**schema, "type": [*kind, "null"]}
    if {"type": "null"} in schema.get("anyOf", []) or None in schema.get("enum", ()):
        return schema  # already admits null
    return {"anyOf": [schema, {"type": "null"}]}


def hard_schema(domain_type: Schema) -> Schema:
    """The type-level schema whose violation must be rejected (oracle.md "Must reject")."""
    if domain_type.get("type") == "string":
        return dict(_STRING_HARD)
    return nullable(
        {
            k: v
            for k, v in domain_type.items()
            if k in ("type", "format", "minimum", "maximum", "items", "additionalProperties")
        }
    )


class SchemaBuilder:
    """Builds the named schemas of one page; missing overlay entries are ContractFileErrors."""

    def __init__(self, page: Page, overlay: Overlay) -> None:
        self.page = page
        self.overlay = overlay

    def fail(self, message: str) -> ContractFileError:
        return ContractFileError(f"{self.overlay.source}: {message} (page {self.page.source})")

    def type_of(self, field: Field) -> Schema:
        if is_structure(field.type):
            return {"$ref": field.type}
        schema = self.overlay.type_schema(field.type)
        if schema is None:
            raise self.fail(
                f"no entry under 'types' for the page's type {field.type!r} (field {field.name!r},"
                f" page line {field.line}); expected a JSON Schema for it"
            )
        return schema

    def response_field(self, name: str, *, structure: str | None = None) -> Field:
        ok = self.page.response(200)
        found = next((f for f in ok.fields if f.name == name), None) if ok else None
        if found is None or (structure and not is_structure(found.type)):
            raise self.fail(
                f"the page's 200 response has no {name!r} field of a structure type;"
                " expected the inventory and error fields of the response"
            )
        return found

    # --- named schemas -------------------------------------------------------------------

    def inventory(self) -> tuple[str, Schema]:
        field = self.response_field("inventory", structure="Inventory")
        ov = self.overlay
        names = [c.name for c in field.children]
        for name in (*ov.inventory_required, *ov.inventory_refine):
            if name not in names:
                raise self.fail(f"inventory field {name!r} is not on the page; expected one of {names}")
        props: dict[str, Schema] = {}
        for child in field.children:
            schema = copy.deepcopy(ov.inventory_refine.get(child.name)) or self.type_of(child)
            if child.name not in ov.inventory_required:
                schema = nullable(schema)
            props[child.name] = _describe(schema, child.description)
        return field.type, {
            "title": field.type,
            "description": "An inventory as a server reports it. Gson drops null fields, so only "
            + ", ".join(ov.inventory_required)
            + " are required; extra fields are allowed.",
            "type": "object",
            "required": list(ov.inventory_required),
            "properties": props,
            "additionalProperties": True,
        }

    def error_code(self) -> Schema:
        field = self.response_field("error", structure="ErrorCode")
        ov = self.overlay
        props: dict[str, Schema] = {}
        for child in field.children:
            schema = copy.deepcopy(ov.error_refine.get(child.name)) or self.type_of(child)
            if child.name not in ov.error_required:
                schema = nullable(schema)
            props[child.name] = _describe(schema, child.description)
        for name, schema in ov.error_extra.items():
            props.setdefault(name, copy.deepcopy(schema))
        return {
            "title": "ErrorCode",
            "description": "ZStack's ErrorCode (ErrorCode.java); null fields may be absent, "
            "cause is recursive.",
            "type": "object",
            "required": list(ov.error_required),
            "properties": props,
            "additionalProperties": True,
        }

    def request(self) -> Schema:
        ov = self.overlay
        names = [f.name for f in self.page.body_fields]
        for name in ov.domain:
            if name not in names:
                raise self.fail(
                    f"request.domain names {name!r}, which is not a body field of the page;"
                    f" expected one of {names}"
                )
        self._check_example_fields(names)
        inventory = {c.name for c in self.response_field("inventory").children}
        props: dict[str, Schema] = {}
        for f in self.page.body_fields:
            if f.name not in ov.domain:
                raise self.fail(
                    f"body field {f.name!r} (page line {f.line}) has no entry under request.domain;"
                    " expected its must-accept domain"
                )
            props[f.name] = self._documented(f, inventory)
        example_only: dict[str, Schema] = {}
        for name, entry in ov.example_only.items():
            schema = copy.deepcopy(entry.schema)
            example_only[name] = {
                **schema,
                "x-zs-hard": hard_schema(schema),
                "x-zs-inventory-field": entry.inventory,
            }
        return {
            "title": "UpdateModelServiceRequest",
            "description": "The conservative must-accept domain of the documented fields (oracle.md). "
            "x-zs-hard: what must be rejected; x-zs-example-only-fields: fields of the "
            "page's example that only an opt-in run sends.",
            "type": "object",
            "properties": props,
            "additionalProperties": False,
            # An empty update is an "either way" input (oracle.md), so never a positive one.
            "minProperties": 1,
            "x-zs-example-only-fields": example_only,
        }

    def _documented(self, f: Field, inventory: set[str]) -> Schema:
        domain = dict(self.overlay.domain[f.name])
        multiline = bool(domain.pop("multiline", False))
        base = self.type_of(f)
        schema: Schema = {**base, **domain}
        if base.get("type") == "string":
            schema["pattern"] = _MULTI_LINE if multiline else _SINGLE_LINE
            schema["x-zs-charset"] = "printable-bmp"
            schema["x-zs-multiline"] = multiline
        if schema.get("x-zs-yaml"):
            schema["x-zs-yaml-schema"] = "ModelServiceYaml"
        schema["x-zs-hard"] = hard_schema(base)
        schema["x-zs-inventory-field"] = f.name if f.name in inventory else None
        return _describe(schema, f.description)

    def _check_example_fields(self, documented: list[str]) -> None:
        body = self.page.request_example.body
        line = self.page.request_example.line
        if not isinstance(body, dict):
            raise self.fail(f"the page's request example (line {line}) has no JSON object body")
        tags = {n for d in self.overlay.dialects.values() for n in d.top_level_fields}
        for name in body:
            if name not in documented and name not in tags and name not in self.overlay.example_only:
                raise self.fail(
                    f"the page's request example (line {line}) sends {name!r}, which is neither a"
                    " body field nor under request.example_only; add it with its type"
                )
        for name in self.overlay.example_only:
            if name not in body:
                raise self.fail(
                    f"request.example_only names {name!r}, which the page's request example"
                    f" (line {line}) no longer sends; remove it or check the page"
                )

    def yaml_document(self) -> Schema:
        return {
            "title": "ModelServiceYaml",
            "description": "The must-accept shape of the yaml field's document (the page's example: "
            "services / env / distro / python).",
            **copy.deepcopy(self.overlay.yaml_document),
        }

    def defs(self) -> dict[str, Schema]:
        return copy.deepcopy(self.overlay.defs)


def _describe(schema: Schema, description: str) -> Schema:
    return {"description": description, **schema} if description else schema


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for k, v in node.items() if k != "$ref" for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _rewrite(node: Any, target: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            k: (target[v] if k == "$ref" and isinstance(v, str) else _rewrite(v, target))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite(v, target) for v in node]
    return node


def standalone(name: str, named: dict[str, Schema]) -> Schema:
    """``named[name]`` as a self-contained draft 2020-12 schema with its dependencies in ``$defs``."""
    needed: list[str] = []
    todo = [name]
    while todo:
        for ref in _refs(named[todo.pop()]):
            if ref not in named:
                raise ContractFileError(f"schema {name!r} refers to unknown schema {ref!r}")
            if ref != name and ref not in needed:
                needed.append(ref)
                todo.append(ref)
    target = {n: f"#/$defs/{n}" for n in needed} | {name: "#"}
    out: Schema = {"$schema": DIALECT_URI, **_rewrite(named[name], target)}
    if needed:
        out["$defs"] = {n: _rewrite(named[n], target) for n in sorted(needed)}
    return out


def openapi_refs(schema: Schema, names: list[str]) -> Schema:
    """A named schema as an OpenAPI component (refs to ``#/components/schemas/Name``)."""
    result: Schema = _rewrite(schema, {n: f"#/components/schemas/{n}" for n in names})
    return result
