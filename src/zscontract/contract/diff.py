"""Compare two versions of an API page and classify each change as oasdiff would.

What each change means, its level and whom it breaks, is in :mod:`.changes` (fields) and
:mod:`.diff_constraints` (limits stated in descriptions); rendering in :mod:`.diff_render`.
This module walks the parts of a page: endpoint, operation, path parameters, body fields,
responses and the request example.
"""

from __future__ import annotations

from zscontract.contract.changes import BOTH, CLIENTS, Change, field_changes, info
from zscontract.contract.diff_render import render_json, render_markdown, render_text
from zscontract.contract.model import Page

__all__ = ["Change", "diff_pages", "render_json", "render_markdown", "render_text"]


def _operation_changes(old: Page, new: Page) -> list[Change]:
    """Method, path, operation id and synchronicity, in that order.

    oasdiff sees a new method or path as the old operation removed (an error) and a new one added.
    """
    out: list[Change] = []
    if old.method != new.method:
        out.append(Change("api-removed-without-deprecation", "error", "endpoint", old.method, new.method, BOTH,
                          "requests with the old method no longer reach the API"))
    if old.path != new.path:
        out.append(Change("api-path-removed-without-deprecation", "error", "endpoint", old.path, new.path, BOTH,
                          "requests to the old path no longer reach the API"))
    if old.operation_id != new.operation_id:
        out.append(info("api-operation-id-removed", "operation", old.operation_id, new.operation_id,
                        "a name only; the zstack wrapper key may follow it"))
    if old.synchronous != new.synchronous:
        out.append(info("zs-synchronous-changed", "operation", str(old.synchronous), str(new.synchronous),
                        "both dialects already follow a 202 location"))
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
    out += field_changes("parameter", "path.", {f.name: f for f in old.path_params},
                         {f.name: f for f in new.path_params})
    out += field_changes("request", "body.", {f.name: f for f in old.body_fields},
                         {f.name: f for f in new.body_fields})
    out += _response_changes(old, new)
    out += _example_changes(old, new)
    return out


def _status_change(status: int, removed: bool) -> Change:
    kind = "success" if 200 <= status < 300 else "non-success"
    where = f"response {status}"
    if removed:
        if kind == "success":
            return Change("response-success-status-removed", "error", where, str(status), None, CLIENTS,
                          "clients that expect this status lose it")
        return info("response-non-success-status-removed", where, str(status), None,
                    "clients that handled this error status no longer see it")
    return info(f"response-{kind}-status-added", where, None, str(status), "clients should learn this status")


def _response_changes(old: Page, new: Page) -> list[Change]:
    old_statuses = {r.status for r in old.responses}
    new_statuses = {r.status for r in new.responses}
    out = [_status_change(s, removed=True) for s in sorted(old_statuses - new_statuses)]
    out += [_status_change(s, removed=False) for s in sorted(new_statuses - old_statuses)]
    changes = field_changes("response", "response ", old.response_field_paths(), new.response_field_paths())
    everything = out + changes
    return out + [c for c in changes if not _under_reported(c, everything)]


def _under_reported(change: Change, changes: list[Change]) -> bool:
    """True when an ancestor of ``change.where`` was itself added or removed (report it once).

    A removal has no new value and an addition no old one; a removed status or structure takes
    its fields with it.
    """
    removed, added = change.new is None, change.old is None
    if not (removed or added):
        return False
    return any(
        other is not change
        and change.where.startswith(other.where + ".")
        and ((removed and other.new is None) or (added and other.old is None))
        for other in changes
    )


def _example_changes(old: Page, new: Page) -> list[Change]:
    old_body = old.request_example.body if isinstance(old.request_example.body, dict) else {}
    new_body = new.request_example.body if isinstance(new.request_example.body, dict) else {}
    out = [info("zs-example-field-removed", f"request example.{name}", repr(old_body[name]), None,
                "update overlay.yaml request.example_only")
           for name in old_body if name not in new_body]
    out += [info("zs-example-field-added", f"request example.{name}", None, repr(new_body[name]),
                 "add it to overlay.yaml request.example_only with its type")
            for name in new_body if name not in old_body]
    return out
