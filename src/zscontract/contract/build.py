"""Build the contract files from a page and the overlay, and write them atomically.

``build`` returns every file as bytes before anything touches the disk, so a page or overlay
that cannot be read leaves the previous contract exactly as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from zscontract.contract.model import Page
from zscontract.contract.openapi import envelopes, openapi_document
from zscontract.contract.overlay import Overlay, Schema, load_overlay
from zscontract.contract.page import parse_page_file
from zscontract.contract.schemas import SchemaBuilder, standalone
from zscontract.errors import ContractFileError

# File name (under schemas/) -> name of the schema; the loader reads exactly these.
STANDALONE = {
    "schemas/ModelServiceInventory.json": "ModelServiceInventory",
    "schemas/ErrorCode.json": "ErrorCode",
    "schemas/UpdateModelServiceRequest.json": "UpdateModelServiceRequest",
    "schemas/ModelServiceYaml.json": "ModelServiceYaml",
}
GENERATED_DIRS = ("openapi", "schemas")


def dumps(obj: Any) -> bytes:
    """The one serialisation of every generated file (deterministic, diff-friendly).

    >>> dumps({"b": 1, "a": "é"})
    b'{\\n  "b": 1,\\n  "a": "\\xc3\\xa9"\\n}\\n'
    """
    return (json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def named_schemas(page: Page, overlay: Overlay) -> tuple[str, dict[str, Schema]]:
    """Every named schema of the contract in symbolic-ref form, and the inventory's name."""
    builder = SchemaBuilder(page, overlay)
    inventory_name, inventory = builder.inventory()
    named: dict[str, Schema] = builder.defs()
    named[inventory_name] = inventory
    named["ErrorCode"] = builder.error_code()
    named["UpdateModelServiceRequest"] = builder.request()
    named["ModelServiceYaml"] = builder.yaml_document()
    return inventory_name, named


def build_from(page: Page, overlay: Overlay) -> dict[str, bytes]:
    """The contract files for an already parsed page and overlay."""
    inventory_name, named = named_schemas(page, overlay)
    if inventory_name != "ModelServiceInventory":
        raise ContractFileError(
            f"{page.source}: the inventory type is {inventory_name!r}; the contract's"
            " file layout expects 'ModelServiceInventory'"
        )
    files: dict[str, bytes] = {}
    for dialect in overlay.dialects.values():
        all_named = {**named, **envelopes(inventory_name, dialect, overlay.envelope)}
        doc = openapi_document(page, dialect, all_named, inventory_name)
        _validate_openapi(doc, dialect.name)
        files[f"openapi/{dialect.name}.json"] = dumps(doc)
    for rel, name in STANDALONE.items():
        schema = standalone(name, named)
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise ContractFileError(
                f"{overlay.source}: the generated {rel} is not a valid JSON Schema:"
                f" {exc.message} at {'/'.join(map(str, exc.absolute_path))}"
            ) from None
        files[rel] = dumps(schema)
    return files


def build(page_path: Path, overlay_path: Path) -> dict[str, bytes]:
    """Parse the page, apply the overlay, and return ``{relative path: file bytes}``.

    >>> from zscontract.contract.files import contracts_dir
    >>> root = contracts_dir()
    >>> sorted(build(root / "source" / "UpdateModelService.txt", root / "overlay.yaml"))[:2]
    ['openapi/documented.json', 'openapi/zstack.json']
    """
    return build_from(parse_page_file(page_path), load_overlay(overlay_path))


def _validate_openapi(doc: dict[str, Any], name: str) -> None:
    try:  # optional dependency: validate when it is installed, skip otherwise
        from openapi_spec_validator import validate
    except ImportError:
        return
    try:
        validate(doc)
    except Exception as exc:  # the validator raises several unrelated exception types
        raise ContractFileError(
            f"the generated openapi/{name}.json is not valid OpenAPI 3.1: {exc}"
        ) from None


def write_atomically(files: dict[str, bytes], out: Path) -> None:
    """Write the generated directories under ``out``: all of them or, on any error, none.

    Each generated directory (``openapi/``, ``schemas/``) is written complete in a temporary
    directory beside it and then renamed into place; files outside them are never touched.
    """
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".zscontract-build-", dir=out))
    try:
        for rel, data in files.items():
            target = tmp / "new" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (tmp / "old").mkdir()
        for sub in sorted({rel.split("/", 1)[0] for rel in files}):
            if (out / sub).exists():
                os.replace(out / sub, tmp / "old" / sub)
            os.replace(tmp / "new" / sub, out / sub)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
