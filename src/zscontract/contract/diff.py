"""Compare two versions of an API page and classify each change as breaking or not.

What "breaking" means, and the comparison of field sets, is in :mod:`.changes`; rendering
in :mod:`.diff_render`. This module walks the parts of a page: endpoint, operation, path
parameters, body fields, responses and the request example.
"""

from __future__ import annotations

from zscontract.contract.changes import Change, field_changes
from zscontract.contract.diff_render import render_markdown, render_text
from zscontract.contract.model import Page

__all__ = ["Change", "diff_pages", "render_markdown", "render_text"]


def _operation_changes(old: Page, new: Page) -> list[Change]:
    """Method, path, operation id and synchronicity, in that order."""
    out: list[Change] = []
    if old.method != new.method:
        out.append(Change("method-changed", "endpoint", old.method, new.method, True, True,
                          "requests with the old method no longer reach the API"))
    if old.path != new.path:
        out.append(Change("path-changed", "endpoint", old.path, new.path, True, True,
                          "requests to the old path no longer reach the API"))
    if old.operation_id != new.operation_id:
        out.append(Change("operation-id-changed", "operation", old.operation_id, new.operation_id, False, False,
                          "a name only; the zstack wrapper key may follow it"))
    if old.synchronous != new.synchronous:
        out.append(Change("synchronous-changed", "operation", str(old.synchronous), str(new.synchronous),
                          False, False, "both dialects already follow a 202 location"))
    return out


def diff_pages(old: Page, new: Page) -> list[Change]:
    """Every difference between two pages that matters to the contract.

    >>> from zscontract.contract.files import source_page
    >>> from zscontract.contract.page import parse_page_file
    >>> page = parse_page_file(source_page())
    >>> diff_pages(page, page)
    []
    """
    out = _operation_changes(old, new)
    out += field_changes("path-param-", "path.", {f.name: f for f in old.path_params},
                         {f.name: f for f in new.path_params}, response=False)
    out += field_changes("", "body.", {f.name: f for f in old.body_fields},
                         {f.name: f for f in new.body_fields}, response=False)
    out += _response_changes(old, new)
    out += _example_changes(old, new)
    return out


def _response_changes(old: Page, new: Page) -> list[Change]:
    old_statuses = {r.status for r in old.responses}
    new_statuses = {r.status for r in new.responses}
    out = [Change("response-removed", f"response {status}", str(status), None, True, False,
                  "clients that expect this status lose it")
           for status in sorted(old_statuses - new_statuses)]
    out += [Change("response-added", f"response {status}", None, str(status), True, False,
                   "clients must now handle this status")
            for status in sorted(new_statuses - old_statuses)]
    old_paths, new_paths = old.response_field_paths(), new.response_field_paths()
    # Only compare fields whose parent exists on both sides, so a removed structure is one change.
    changes = field_changes("response-", "response ", old_paths, new_paths, response=True)
    return out + [c for c in changes if not _under_reported(c, changes)]


def _under_reported(change: Change, changes: list[Change]) -> bool:
    """True when an ancestor of ``change.where`` was itself added or removed (report it once)."""
    if not change.kind.endswith(("field-removed", "field-added")):
        return False
    return any(
        other is not change and other.kind == change.kind and change.where.startswith(other.where + ".")
        for other in changes
    )


def _example_changes(old: Page, new: Page) -> list[Change]:
    old_body = old.request_example.body if isinstance(old.request_example.body, dict) else {}
    new_body = new.request_example.body if isinstance(new.request_example.body, dict) else {}
    out = [Change("example-field-removed", f"request example.{name}", repr(old_body[name]), None, False, False,
                  "update overlay.yaml request.example_only")
           for name in old_body if name not in new_body]
    out += [Change("example-field-added", f"request example.{name}", None, repr(new_body[name]), False, False,
                   "add it to overlay.yaml request.example_only with its type")
            for name in new_body if name not in old_body]
    return out
