"""A cassette of the failing exchanges, as HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/).

HAR opens in browser dev tools and in most HTTP tools, so a failing exchange can be inspected
and replayed; every header and body is redacted (the session becomes ``$ZS_SESSION_UUID``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from zscontract.core.exchange import Exchange, Response
from zscontract.core.redact import REDACTED_SESSION, Redactor

BODY_LIMIT = 64 * 1024  # bytes of each body kept: a cassette stays small whatever a target sends


def excerpt(body: bytes, red: Redactor, limit: int = BODY_LIMIT) -> str:
    """A body as redacted text, cut to ``limit`` bytes (only the kept part is ever decoded).

    >>> excerpt(b"x" * 10, Redactor(), limit=4)
    'xxxx... [6 more bytes not kept]'
    """
    text = red.redact(body[:limit].decode("utf-8", "replace"))
    return text if len(body) <= limit else text + f"... [{len(body) - limit} more bytes not kept]"


def _headers(headers: dict[str, str], red: Redactor) -> list[dict[str, str]]:
    out = []
    for name, value in headers.items():
        if name.lower() == "authorization" and value.startswith("OAuth "):
            value = f"OAuth {REDACTED_SESSION}"
        out.append({"name": name, "value": red.redact(value)})
    return out


def _response(resp: Response | None, error: str | None, red: Redactor) -> dict[str, Any]:
    if resp is None:  # no answer: HAR's convention is status 0 with the reason in the comment
        return {"status": 0, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1,
                "bodySize": -1, "comment": red.redact(error or "")}
    text = excerpt(resp.body, red)
    return {"status": resp.status, "statusText": "", "httpVersion": "HTTP/1.1",
            "headers": _headers(resp.headers, red), "cookies": [],
            "content": {"size": len(resp.body), "mimeType": resp.content_type or "x-unknown", "text": text},
            "redirectURL": "", "headersSize": -1, "bodySize": len(resp.body)}


def har_entry(exchange: Exchange, red: Redactor, comment: str = "") -> dict[str, Any]:
    """One HAR entry for an exchange (the final response of an async job, with the polls counted)."""
    req = exchange.request
    body = excerpt(req.body, red) if req.body is not None else None
    elapsed = exchange.response.elapsed * 1000 if exchange.response is not None else 0.0
    entry: dict[str, Any] = {
        "startedDateTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "time": round(elapsed, 3),
        "request": {
            "method": req.method, "url": red.redact(req.url), "httpVersion": "HTTP/1.1",
            "headers": _headers(req.headers, red), "cookies": [],
            "queryString": [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(req.url).query)],
            "headersSize": -1, "bodySize": len(req.body) if req.body is not None else 0,
            **({"postData": {"mimeType": req.headers.get("Content-Type", "application/json"), "text": body}}
               if body is not None else {}),
        },
        "response": _response(exchange.response, exchange.error, red),
        "cache": {},
        "timings": {"send": 0, "wait": round(elapsed, 3), "receive": 0},
        "comment": red.redact(comment + (f" ({len(exchange.steps)} async polls)" if exchange.steps else "")),
    }
    return entry


def write_har(entries: list[dict[str, Any]], path: Path) -> Path:
    from zscontract import __version__

    har = {"log": {"version": "1.2", "creator": {"name": "zscontract", "version": __version__},
                   "entries": entries}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(har, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
