"""Following an asynchronous job (zstack: ``202`` + ``location``) safely, to its end or its timeout.

A real node builds the job location from its own configured base URL, which can name another
origin than the one the user gave (facts page, "Verified later…"). The session is never sent
there: a foreign location is polled at the target's origin, same path and query, and without
``Authorization`` unless the target asks for it (a job API needs no session on a real node).
Polls back off: the first at once, then 50 ms doubling to 1 s.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from zscontract.core.dialects import Outcome
from zscontract.core.exchange import JOB_TIMEOUT, Exchange, Response

if TYPE_CHECKING:
    from zscontract.core.client import Client

MAX_POLL_INTERVAL = 1.0
_KEEP_STEPS = 16  # a never-ending job keeps its first answers and its last ones, not every poll
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL, without any credentials, default ports made explicit.

    >>> origin("HTTP://user:pw@Node.example/zstack/v1/api-jobs/1")
    'http://node.example:80'
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = 0
    return f"{scheme}://{host}:{port}"


def poll_url(base_url: str, location: str) -> tuple[str, str | None]:
    """Where to poll a job location, and the foreign origin it named (None when it is the target's)."""
    url = urljoin(base_url.rstrip("/") + "/", location)
    if origin(url) == origin(base_url):
        return url, None
    parts, target = urlsplit(url), urlsplit(base_url)
    local = f"{target.scheme}://{target.netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    return local, origin(url)


def job_location(response: Response) -> str | None:
    body = response.json(default=None)
    location = body.get("location") if isinstance(body, dict) else None
    if isinstance(location, str) and location:
        return location
    return next((v for k, v in response.headers.items() if k.lower() == "location"), None) or None


def _asks_for_session(response: Response) -> bool:
    """A poll refused for want of a session: 400/401, or ZStack's ID.1001 (its 503 in zstack)."""
    return response.status in (400, 401) or (response.status >= 400 and response.error_code() == "ID.1001")


def _kept(steps: list[Response]) -> tuple[Response, ...]:
    if len(steps) <= _KEEP_STEPS:
        return tuple(steps)
    half = _KEEP_STEPS // 2
    return tuple(steps[:half] + steps[-half:])


def follow_job(client: Client, ex: Exchange, headers: dict[str, str]) -> Exchange:
    """For a 202 + location, poll the job until it ends, the job timeout passes or the run's deadline."""
    resp = ex.response
    if resp is None or client.settings.dialect.classify(resp) is not Outcome.PENDING:
        return ex
    location = job_location(resp)
    if not location:
        return ex  # a 202 without a location: the shape check reports it
    url, foreign = poll_url(client.base_url, location)
    auth = {k: v for k, v in headers.items() if k.lower() == "authorization"}
    with client.lock:
        client.stats.async_jobs += 1
        if foreign is not None:
            client.stats.foreign_locations.add(foreign)
    send_auth = foreign is None
    steps = [resp]
    job_deadline = time.monotonic() + client.settings.job_timeout
    delay = client.settings.poll_interval
    while True:
        poll = client.send("GET", url, headers=auth if send_auth else {})
        if poll.response is not None and not send_auth and auth and _asks_for_session(poll.response):
            send_auth = True  # the target's own origin asked for the session: once, and from now on
            poll = client.send("GET", url, headers=auth)
        if poll.response is None:
            return Exchange(ex.request, None, error=poll.error, error_kind=poll.error_kind, steps=_kept(steps))
        if poll.response.status != 202:
            return Exchange(ex.request, poll.response, steps=_kept(steps))
        steps.append(poll.response)
        now = time.monotonic()
        if now >= job_deadline:
            return Exchange(ex.request, None, steps=_kept(steps), error_kind=JOB_TIMEOUT,
                            error=f"async job at {location} did not finish within "
                                  f"{client.settings.job_timeout:g} s ({len(steps)} answers, all 202)")
        wait = min(delay, job_deadline - now)
        if client.settings.deadline is not None:
            wait = min(wait, max(0.0, client.settings.deadline - now))  # the next send raises BudgetSpent
        time.sleep(wait)
        delay = min(delay * 2, MAX_POLL_INTERVAL)
