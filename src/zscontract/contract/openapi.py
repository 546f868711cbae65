"""The OpenAPI 3.1 document of one dialect, self-contained (every schema under ``components``).

Operations: the PUT update, the query ``GET .../model-services/{uuid}`` and, for ``zstack``, the
``GET /zstack/v1/api-jobs/{id}`` poll (facts "Two dialects"). Error statuses come from the
overlay's dialect entry, never from the page (which names none).
"""

from __future__ import annotations

import copy
from pathlib import PurePath
from typing import Any

from zscontract.contract.model import Page
from zscontract.contract.overlay import DialectOverlay, Schema
from zscontract.contract.schemas import openapi_refs

QUERY_OPERATION = "QueryModelService"
JOB_PATH = "/zstack/v1/api-jobs/{id}"
SECURITY_SCHEME = "zstackSession"


def envelopes(inventory: str, dialect: DialectOverlay, envelope: dict[str, Schema]) -> dict[str, Schema]:
    """Response and request envelopes around the named schemas, in symbolic-ref form."""
    out: dict[str, Schema] = {
        "InventoryResponse": {
            "type": "object",
            "required": ["inventory"],
            "properties": {"inventory": {"$ref": inventory}, **copy.deepcopy(envelope)},
        },
        "InventoriesResponse": {
            "type": "object",
            "required": ["inventories"],
            "properties": {"inventories": {"type": "array", "items": {"$ref": inventory}}},
        },
        "ErrorResponse": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"$ref": "ErrorCode"}},
        },
    }
    if dialect.wrapper:
        out["UpdateModelServiceBody"] = {
            "description": f"The {dialect.name} request body: the fields wrapped in {dialect.wrapper!r}.",
            "type": "object",
            "properties": {dialect.wrapper: {"$ref": "UpdateModelServiceRequest"}},
            "required": [dialect.wrapper],
            "additionalProperties": False,
            # Real parameters with real effects: sent only when the user opts in.
            "x-zs-example-only-fields": copy.deepcopy(dialect.top_level_fields),
        }
    if dialect.async_jobs:
        out["JobLocation"] = {
            "type": "object",
            "required": ["location"],
            "properties": {"location": {"type": "string", "pattern": "/zstack/v1/api-jobs/[^/\\s]+(?![\\s\\S])"}},
        }
    return out


def _json(ref: str, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": {"$ref": ref}}
    if example is not None:
        media["examples"] = {"page": {"summary": "The page's example", "value": example}}
    return {"application/json": media}


def _error_responses(dialect: DialectOverlay) -> dict[str, Any]:
    out: dict[str, Any] = {
        dialect.api_error_status: {
            "description": "API error (an ErrorCode)",
            "content": _json("ErrorResponse"),
        },
    }
    for status in dialect.rest_error_statuses:
        out[str(status)] = {
            "description": "Refused by the REST layer itself (plain text)",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    return out


def _uuid_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"$ref": "ZStackUuid"},
    }


def _update_operation(page: Page, dialect: DialectOverlay, path_description: str) -> dict[str, Any]:
    """The documented PUT: its body, its success answers (200, and 202 for async jobs) and errors."""
    example = page.request_example.body if isinstance(page.request_example.body, dict) else {}
    documented = {f.name: example[f.name] for f in page.body_fields if f.name in example}
    body_ref = "UpdateModelServiceBody" if dialect.wrapper else "UpdateModelServiceRequest"
    request_example = {dialect.wrapper: documented} if dialect.wrapper else documented
    success: dict[str, Any] = {
        "200": {
            "description": "Success: the updated inventory",
            "content": _json("InventoryResponse", page.response_example.body),
        },
    }
    if 202 in dialect.success:
        success["202"] = {
            "description": "Accepted: poll the location until it ends",
            "content": _json("JobLocation"),
        }
    return {
        "operationId": page.operation_id,
        "summary": page.title,
        "parameters": [_uuid_param("uuid", path_description)],
        "requestBody": {"required": True, "content": _json(body_ref, request_example)},
        "responses": {**success, **_error_responses(dialect)},
        "x-zs-since": page.since,
        "x-zs-synchronous": page.synchronous,
    }


def _query_operation(dialect: DialectOverlay, path_description: str) -> dict[str, Any]:
    """The read-back: GET on the collection, the inventories of what matched."""
    return {
        "operationId": QUERY_OPERATION,
        "summary": "Read the model service back (the query API)",
        "parameters": [_uuid_param("uuid", path_description)],
        "responses": {
            "200": {"description": "The inventories", "content": _json("InventoriesResponse")},
            **_error_responses(dialect),
        },
    }


def _job_operation(dialect: DialectOverlay) -> dict[str, Any]:
    """Polling an async job's location (zstack-rest-facts.md "Two dialects")."""
    return {
        "operationId": "QueryApiJob",
        "summary": "Poll an async API job",
        "parameters": [_uuid_param("id", "The job id from the 202 location.")],
        "responses": {
            "200": {"description": "The job ended: the result", "content": _json("InventoryResponse")},
            "202": {
                "description": "Still running",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            **_error_responses(dialect),
        },
    }


def openapi_document(
    page: Page, dialect: DialectOverlay, named: dict[str, Schema], inventory: str
) -> dict[str, Any]:
    """The whole OpenAPI document of one dialect (refs rewritten to ``#/components/schemas``)."""
    path_description = next((p.description for p in page.path_params if p.name == "uuid"), "")
    paths: dict[str, Any] = {page.path: {page.method.lower(): _update_operation(page, dialect, path_description),
                                         "get": _query_operation(dialect, path_description)}}
    if dialect.async_jobs:
        paths[JOB_PATH] = {"get": _job_operation(dialect)}
    names = sorted(named)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"ZStack {page.operation_id} ({dialect.name} dialect)",
            "version": page.since or "unknown",
            "description": f"Generated by `zscontract contract build` from {PurePath(page.source).name}"
            " and overlay.yaml; do not edit by hand (see contracts/NOTES.md).",
        },
        "x-zs-profile": dialect.name,
        "paths": openapi_refs(paths, names),
        "components": {
            "schemas": {n: openapi_refs(named[n], names) for n in names},
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`OAuth <session uuid>` (RestServer.java refuses any other scheme).",
                }
            },
        },
        "security": [{SECURITY_SCHEME: []}],
    }
