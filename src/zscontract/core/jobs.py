"""Following an asynchronous job (zstack: ``202`` + ``location``) safely, to its end or its timeout.

A real node builds the job location from its own configured base URL, which can name another
origin, or leave out the path prefix a proxy adds, than the URL the user gave (facts page,
"Verified later…"). The session is never sent there: a foreign location is polled at the target's
base URL, its path from ``/zstack/`` on rebased onto the target's, and without
``Authorization`` unless the target asks for it (a job API needs no session on a real node).
Polls back off: the first at once, then 50 ms doubling to 1 s.

A poll answered with anything but ``202``, the job's result (``200``, ``503`` + ErrorCode) or a
server fault is not the update's answer: the job's result was lost (``JOB_LOST``), e.g. a plain
``404`` "the job has been expired", and no check judges it as the update accepting or rejecting.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from zscontract.core.dialects import Outcome
from zscontract.core.exchange import JOB_LOST, JOB_TIMEOUT, Exchange, Response
from zscontract.core.limits import BudgetSpent

if TYPE_CHECKING:
    from zscontract.core.client import Client

MAX_POLL_INTERVAL = 1.0
_KEEP_STEPS = 16  # a never-ending job keeps its first answers and its last ones, not every poll
_STEP_BODY = 4096  # bytes kept of a 202's body: what a report shows of it
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


_API_ROOT = "/zstack/"


def poll_url(base_url: str, location: str) -> tuple[str, str | None]:
    """Where to poll a job location, and the foreign origin it named (None when it is the target's).

    A location outside the target's base URL (another origin, or its path without the target's
    prefix) is polled at the target's base URL with the location's path from ``/zstack/`` on.

    >>> poll_url("http://gw/mn", "http://10.1.2.3:8080/zstack/v1/api-jobs/X?a=1")
    ('http://gw/mn/zstack/v1/api-jobs/X?a=1', 'http://10.1.2.3:8080')
    >>> poll_url("http://gw/mn", "/mn/zstack/v1/api-jobs/X")
    ('http://gw/mn/zstack/v1/api-jobs/X', None)
    """
    url = urljoin(base_url.rstrip("/") + "/", location)  # ValueError for a malformed one ("http://[::1/x")
    parts, target = urlsplit(url), urlsplit(base_url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"not an http(s) job location: {location[:80]!r}")
    prefix = target.path.rstrip("/")
    foreign = origin(url) != origin(base_url)
    path = parts.path or "/"
    if not foreign and path.startswith(prefix + "/"):
        return url, None
    if _API_ROOT in path:
        path = prefix + path[path.index(_API_ROOT):]
    local = f"{target.scheme}://{target.netloc}{path}"
    return local + (f"?{parts.query}" if parts.query else ""), origin(url) if foreign else None


def job_location(response: Response) -> str | None:
    body = response.json(default=None)
    location = body.get("location") if isinstance(body, dict) else None
    if isinstance(location, str) and location:
        return location
    return next((v for k, v in response.headers.items() if k.lower() == "location"), None) or None


def _asks_for_session(response: Response) -> bool:
    """A poll refused for want of a session: 400/401, or ZStack's ID.1001 (its 503 in zstack)."""
    return response.status in (400, 401) or (response.status >= 400 and response.error_code() == "ID.1001")


def _keep(steps: list[Response], response: Response) -> None:
    """Add a poll's 202 to the job's steps, bounded as it goes: an excerpt of its body, and only the first
    and the latest answers (a never-ending job answering 8 MiB each time would hold a gigabyte)."""
    if len(response.body) > _STEP_BODY:
        response = dataclasses.replace(response, body=response.body[:_STEP_BODY])
    steps.append(response)
    if len(steps) > _KEEP_STEPS:
        del steps[_KEEP_STEPS // 2]


def _job_answer(response: Response) -> bool:
    """The job's own result: 200, 503 + ErrorCode (zstack's API error), or a server fault the checks judge."""
    return response.status == 200 or response.status >= 500


def follow_job(client: Client, ex: Exchange, headers: dict[str, str]) -> Exchange:
    """For a 202 + location, poll the job until it ends, the job timeout passes or the run's deadline.

    The deadline cutting a job short raises BudgetSpent after telling ``client.on_job_cut``: a job
    still running then was judged neither done nor hung (so no_hang cannot count it as judged).
    """
    resp = ex.response
    if resp is None or client.settings.dialect.classify(resp) is not Outcome.PENDING:
        return ex
    location = job_location(resp)
    if not location:
        return ex  # a 202 without a location: the shape check reports it
    try:
        url, foreign = poll_url(client.base_url, location)
    except ValueError:
        return ex  # a location that is no http(s) URL ("http://[::1/…", "javascript:…"): as if none, reported alike
    with client.lock:
        client.stats.async_jobs += 1
        if foreign is not None:
            client.stats.foreign_locations.add(foreign)
    try:
        return _poll(client, ex, headers, url, location, foreign is None)
    except BudgetSpent:
        with client.lock:
            client.stats.jobs_cut += 1
        if client.on_job_cut is not None:
            client.on_job_cut(f"an async job ({location}) was still running when the time budget ended")
        raise


def _poll(client: Client, ex: Exchange, headers: dict[str, str], url: str, location: str,
          send_auth: bool) -> Exchange:
    auth = {k: v for k, v in headers.items() if k.lower() == "authorization"}
    steps = [ex.response] if ex.response is not None else []
    job_deadline = time.monotonic() + client.settings.job_timeout
    delay = client.settings.poll_interval
    while True:
        # renew=False: an ID.1001 here is the job's result; Client.update sends the update again.
        poll = client.send("GET", url, headers=auth if send_auth else {}, renew=False)
        if poll.response is not None and not send_auth and auth and _asks_for_session(poll.response):
            send_auth = True  # the target's own origin asked for the session: once, and from now on
            poll = client.send("GET", url, headers=auth, renew=False)
        if poll.response is None:
            return Exchange(ex.request, None, error=poll.error, error_kind=poll.error_kind, steps=tuple(steps))
        if poll.response.status != 202:
            if _job_answer(poll.response):
                return Exchange(ex.request, poll.response, steps=tuple(steps))
            _keep(steps, poll.response)
            return Exchange(ex.request, None, steps=tuple(steps), error_kind=JOB_LOST,
                            error=f"the job's result was lost: polling {url} answered {poll.response.status} "
                                  f"{poll.response.text(120)!r}; not the update's answer")
        _keep(steps, poll.response)
        now = time.monotonic()
        if now >= job_deadline:
            return Exchange(ex.request, None, steps=tuple(steps), error_kind=JOB_TIMEOUT,
                            error=f"async job at {location} did not finish within "
                                  f"{client.settings.job_timeout:g} s ({len(steps)} answers, all 202)")
        wait = min(delay, job_deadline - now)
        deadline = client.current_limits.deadline
        if deadline is not None:
            wait = min(wait, max(0.0, deadline - now))  # the next send raises BudgetSpent
        time.sleep(wait)
        delay = min(delay * 2, MAX_POLL_INTERVAL)
