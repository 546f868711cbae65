"""The query API judged on every read-back the harness does (``query_read``).

A real node is read through ``GET /zstack/v1/ai/model-services?q=uuid=<uuid>`` (what ZStack's SDK
sends; zstack-rest-facts.md "Verified later…"), answered ``{"inventories": [...]}``. A 5xx, a hang,
garbage, or a list that is not exactly this resource is a failure of the target, never "no query API"
(that is decided by the client, from a 404/405 or ZStack's plain-text "no api mapping").
"""

from __future__ import annotations

from zscontract.checks import names
from zscontract.checks.context import CheckContext, Step, fail
from zscontract.checks.registry import check
from zscontract.core.failures import short
from zscontract.core.reads import query_items

EXPECTED = '200 JSON {"inventories": [exactly the inventory of the queried uuid]}'


@check(names.QUERY_READ)
def query_read(ctx: CheckContext, step: Step) -> bool | None:
    """The query API answers soundly: no 5xx, no hang, a well-formed `inventories` holding exactly the resource, filtered by q."""  # noqa: E501
    ex = step.exchange
    if ex.request.method != "GET":
        return None  # judged on read-backs only (the harness hands it the query exchange)
    label = f"read-back after {step.case.label}"
    if ex.response is None:
        error = ex.error or "no answer"
        kind = "query timed out" if error.startswith("timeout") else "query connection failed"
        raise fail(names.QUERY_READ, step, f"{kind} ({label})", EXPECTED, received=error, signature=kind)
    status = ex.response.status
    if status != 200:
        raise fail(names.QUERY_READ, step, f"query answered {status} ({label})", EXPECTED,
                   received=ex.response.text(300), signature=f"query status {status}")
    items = query_items(ex.response, single=ctx.dialect.name == "documented")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise fail(names.QUERY_READ, step, "query answer has no well-formed inventories list", EXPECTED,
                   received=ex.response.text(300), signature="query inventories malformed")
    if len(items) != 1:
        raise fail(names.QUERY_READ, step, f"query for one uuid returned {len(items)} inventories", EXPECTED,
                   received=short([i.get("uuid") for i in items], 200),
                   signature="query not filtered" if len(items) > 1 else "query found nothing")
    if items[0].get("uuid") != ctx.uuid:
        raise fail(names.QUERY_READ, step, f"query returned uuid {short(items[0].get('uuid'))}",
                   f"the inventory of {ctx.uuid}", signature="query returned another resource")
    return True
