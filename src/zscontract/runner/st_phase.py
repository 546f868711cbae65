"""Schemathesis as a breadth phase: its generators (examples, coverage, fuzzing), our oracle.

Schemathesis sends; one registered check (:func:`zscontract_oracle`, with the hooks in
:mod:`.st_hooks`) hands each exchange to
:class:`StJudge`: classified by ``classify_fields``, judged by the harness's checks, failures in the
run's result. Stock checks are off: they misread ZStack's 503 API errors and plain-text 400s
(zstack-rest-facts.md "Two dialects"), and ours say what they would (``no_server_fault``,
``response_shape``, ``error_envelope``). ``runner.run`` imports this module only when a run reaches the phase.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import secrets
import sys
import time
from typing import TYPE_CHECKING, Any

import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from zscontract.core import cases
from zscontract.core.cases import Case, InputClass
from zscontract.core.client import AUTH_DEFAULT, AUTH_NONE, AUTH_SCHEME, AUTH_UNKNOWN
from zscontract.core.dialects import ACTION_KEY, API_PATH
from zscontract.core.exchange import Exchange, Request, Response
from zscontract.core.failures import CheckFailed
from zscontract.runner import stops
from zscontract.runner.limits import HALTS
from zscontract.runner.st_hooks import (
    JUDGES,
    TOKEN_KEY,
    UUID_KEY,
    WRAPS_KEY,
    UnsafeRequest,
    register,
    zscontract_oracle,
)

if TYPE_CHECKING:
    from zscontract.contract import Contract
    from zscontract.runner.engine import Harness
    from zscontract.runner.plan import RunContext

StCase = schemathesis.Case[Any]
_SESSION_RE = re.compile(r"^[0-9a-zA-Z-]{8,64}\Z")
_TRANSPORT_HEADERS = frozenset({"accept", "accept-encoding", "connection", "content-length", "user-agent"})


class StJudge:
    """Judges what schemathesis sent and received with a harness's checks, and moves its state on."""

    def __init__(self, harness: Harness, *, deadline: float | None = None) -> None:
        self.harness = harness
        self.deadline = deadline
        self.token = secrets.token_hex(8)
        self.stream: Any = None  # the engine's event stream, stopped at the deadline
        self.stopped_by_us = False
        self.budget_error: BaseException | None = None  # a run limit or the target down: re-raised
        self.judged = 0
        self.sessions: set[str] = set()  # every session of ours schemathesis may still be sending

    def schema(self, contract: Contract, config: SchemathesisConfig) -> Any:
        """The contract as a schemathesis schema: only PUT on the resource path, marked as ours."""
        register()
        raw = copy.deepcopy(contract.openapi)  # from_dict rewrites keys in place; the contract is cached
        raw[TOKEN_KEY], raw[UUID_KEY] = self.token, self.harness.uuid
        raw[WRAPS_KEY] = self.harness.dialect.wraps_body
        JUDGES[self.token] = self
        loaded = schemathesis.openapi.from_dict(raw, config=config)
        return loaded.include(path=API_PATH, method="PUT")

    def close(self) -> None:
        JUDGES.pop(self.token, None)

    def stop(self) -> None:
        if self.stream is not None and not self.stopped_by_us:
            self.stopped_by_us = True
            self.stream.stop()

    # -- judging -----------------------------------------------------------------------------
    def response(self, response: schemathesis.Response, case: StCase) -> list[CheckFailed]:
        """Judge one answered request (the registered check, and the pytest face, call this)."""
        headers = {k: ", ".join(v) for k, v in response.headers.items()}
        answer = Response(response.status_code, headers, response.content, response.elapsed)
        return self.judge(Exchange(_request(response.request), answer), _phase(case))

    def network_error(self, case: StCase, req: requests.PreparedRequest) -> list[CheckFailed]:
        """Judge a request without an answer: a timeout is a hang, anything else a dropped connection."""
        exc = sys.exc_info()[1]  # schemathesis calls the hook inside its ``except`` block
        error = (f"timeout: no answer within {self.harness.client.settings.request_timeout:g} s"
                 if isinstance(exc, requests.Timeout) else f"connection failed: {type(exc).__name__}: {exc}")
        return self.judge(Exchange(_request(req), None, error=error), _phase(case))

    def judge(self, ex: Exchange, phase: str) -> list[CheckFailed]:
        h, res = self.harness, self.harness.result
        self.judged += 1
        res.requests += 1  # schemathesis sent it, not our client: count it in the traffic ...
        h.client.stats.requests += 1  # ... and against --max-requests
        if ex.response is not None:
            res.statuses[ex.response.status] += 1
            res.elapsed.append(ex.response.elapsed)
        if self.budget_error is not None:
            return []  # stopping: nothing more is sent or judged
        try:
            return self._judge_update(ex, phase)
        except HALTS as exc:
            self.budget_error = exc
            self.stop()
            return []
        finally:
            if self.deadline is not None and time.monotonic() >= self.deadline:
                self.stop()

    def _judge_update(self, ex: Exchange, phase: str) -> list[CheckFailed]:
        h = self.harness
        # zstack async: a 202 + location is followed until the job ends (facts "Two dialects").
        ex = h.client.follow_job(ex, h.client.auth_headers())
        ex = self._with_live_session(ex)
        case = self.classify(ex.request, f"schemathesis:{phase}")
        # The harness's one step builder; no repeat (schemathesis sent the case, not us), and a
        # read-back after every write the query API can check, and after every error.
        step = h.step_for(case, ex, repeat=False, read_every_success=True)
        return h.conclude(step).failures

    def _with_live_session(self, ex: Exchange) -> Exchange:
        """Send again, with the live session, what schemathesis sent with one of ours that expired.

        Schemathesis's headers are fixed for its run; the client logs in again when a session
        expires (``--account``). An expired session is not the target's fault: the request is
        judged as sent with the session that replaced it, as ``Client.update`` does.
        """
        client = self.harness.client
        live = client.settings.session_uuid
        self.sessions.add(live)
        sent = _header(ex.request.headers, "authorization") or ""
        scheme, _, session = sent.partition(" ")
        if scheme != "OAuth" or session not in self.sessions:
            return ex
        if session == live and not client.renewed_session(ex):
            return ex
        for _ in range(2):  # the new session may expire too before it is used: renew once more
            self.sessions.add(client.settings.session_uuid)
            headers = {k: v for k, v in ex.request.headers.items() if k.lower() != "authorization"}
            headers.update(client.auth_headers())
            ex = client.send(ex.request.method, ex.request.url, body=ex.request.body, headers=headers)
            ex = client.follow_job(ex, client.auth_headers())
            if not client.renewed_session(ex):
                break
        return ex

    def classify(self, request: Request, label: str) -> Case:
        """The oracle's class of a request schemathesis made (oracle.md "Three kinds of input")."""
        h = self.harness
        # The one authority on classes: no body is either way, not JSON or no action key must-reject.
        cls, kind = cases.classify_body(h.contract, request.body)
        try:
            body = json.loads(request.body) if request.body else None
        except ValueError:
            body = None
        extra = set(body) - {ACTION_KEY} if h.dialect.wraps_body and isinstance(body, dict) else set()
        media = _header(request.headers, "content-type") or ""
        if cls is InputClass.ACCEPT and (extra or media.split(";")[0].strip().lower() != "application/json"):
            cls = InputClass.EITHER  # invented top-level keys or another media type: the page is silent
        auth, auth_cls, auth_kind = self._auth(request)
        if auth_cls is InputClass.REJECT:
            # Two reasons to refuse: the target may name either, so no code is pinned (zstack_codes).
            kind = auth_kind if cls is not InputClass.REJECT or kind == auth_kind else None
            cls = InputClass.REJECT
        elif auth_cls is InputClass.EITHER and cls is InputClass.ACCEPT:
            cls = InputClass.EITHER
        fields = h.dialect.unwrap(body)
        kind = kind if cls is InputClass.REJECT else None
        # raw_body is what a corpus replay sends: b"" is "no body at all" (None would send the fields).
        return Case(cls, label, fields=fields if isinstance(fields, dict) else None,
                    raw_body=request.body or b"", auth=auth, reject_kind=kind)

    def _auth(self, request: Request) -> tuple[str, InputClass, str | None]:
        """How a request authenticated: our session, none, another scheme, an unknown session."""
        value = _header(request.headers, "authorization")
        if value == f"OAuth {self.harness.client.settings.session_uuid}":
            return AUTH_DEFAULT, InputClass.ACCEPT, None
        if value is None:
            return AUTH_NONE, InputClass.REJECT, cases.REJECT_NO_AUTH
        scheme, _, rest = value.partition(" ")
        if scheme == "OAuth" and _SESSION_RE.match(rest):
            return AUTH_UNKNOWN, InputClass.REJECT, cases.REJECT_SESSION
        if scheme and scheme.lower() != "oauth" and rest:
            return AUTH_SCHEME, InputClass.REJECT, cases.REJECT_NO_AUTH
        return AUTH_DEFAULT, InputClass.EITHER, None  # odd spacing or letter case: the facts do not say


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _request(req: requests.PreparedRequest) -> Request:
    """Our record of a request schemathesis sent, without the transport's headers (curl adds its own)."""
    body = req.body.encode("utf-8") if isinstance(req.body, str) else req.body
    headers = {k: str(v) for k, v in req.headers.items() if k.lower() not in _TRANSPORT_HEADERS}
    return Request(str(req.method), str(req.url), headers, body if isinstance(body, bytes) else None)


def _phase(case: StCase) -> str:
    return case.meta.phase.name.value if case.meta is not None else "explicit"


def st_config(*, base_url: str, session: str, uuid: str, seed: int | None, max_examples: int,
              request_timeout: float, rate_limit: float | None = None,
              tls_verify: bool | str | None = None) -> SchemathesisConfig:
    """The schemathesis configuration of a breadth run on one resource (used by the pytest face too)."""
    register()  # the configuration names our check
    data: dict[str, Any] = {
        "cache": {"enabled": False},  # the cache replays stored requests while probing: never
        "base-url": base_url,
        "headers": {"Authorization": f"OAuth {session}"},
        "parameters": {"path.uuid": uuid},  # never another resource (before_call enforces it too)
        "request-timeout": request_timeout,
        "workers": 1,
        "suppress-health-check": ["all"],
        "checks": {"enabled": False, zscontract_oracle.__name__: {"enabled": True}},
        "phases": {
            "examples": {"enabled": True},
            # Other methods on this path are DELETE and clone (POST) on a real node: never send them.
            "coverage": {"enabled": True, "unexpected-methods": []},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "generation": {"mode": "all", "max-examples": max_examples, "database": "none"},
    }
    if seed is not None:
        data["seed"] = seed
    if rate_limit:
        data["rate-limit"] = f"{max(1, int(rate_limit * 60))}/m"
    if tls_verify is not None:
        data["tls-verify"] = tls_verify
    return SchemathesisConfig.from_dict(data)


def schemathesis_phase(ctx: RunContext) -> None:
    """Run schemathesis in-process against the resource under test, judged by the harness's checks."""
    s, h = ctx.settings, ctx.harness
    if not s.schemathesis:
        return
    if s.read_only:
        ctx.result.note("phase schemathesis skipped: --read-only (it writes)")
        return
    max_time = s.schemathesis_max_time
    judge = StJudge(h, deadline=min(ctx.deadline, time.monotonic() + max_time))
    # Its own requests do not go through our client: cap each to what is left of the phase, so one
    # hanging answer cannot carry the run past its budget.
    left = max(1.0, ctx.deadline - time.monotonic())
    tls: bool | str | None = False if s.insecure else s.ca_bundle
    config = st_config(base_url=ctx.target.url, session=h.client.settings.session_uuid, uuid=h.uuid,
                       seed=s.seed, max_examples=s.schemathesis_max_examples,
                       request_timeout=min(s.request_timeout, left), rate_limit=s.rate_limit, tls_verify=tls)
    interrupted = False
    try:
        judge.stream = from_schema(judge.schema(h.contract, config)).execute()
        for event in judge.stream:
            if isinstance(event, events.NonFatalError):
                ctx.result.note(f"schemathesis error ({event.label}): {event.info.title}: "
                                f"{event.info.message}")
            elif isinstance(event, events.FatalError):
                ctx.result.note(f"schemathesis stopped: {type(event.exception).__name__}: {event.exception}")
            elif isinstance(event, events.Interrupted) and not judge.stopped_by_us:
                interrupted = True  # the engine swallows Ctrl-C; the run must still restore and exit
            if stops.stopped_by() and not interrupted:  # a signal whose raise was lost (stops.raise_if_stopped)
                interrupted = True
                judge.stop()
            if judge.deadline is not None and time.monotonic() >= judge.deadline:
                judge.stop()
    except BaseException:
        _wind_down(judge)
        raise
    finally:
        judge.close()
    stopped = ", stopped at its time budget" if judge.stopped_by_us and not judge.budget_error else ""
    ctx.result.note(f"schemathesis: {judge.judged} exchanges judged, seed {config.seed}{stopped}")
    if judge.budget_error is not None:
        raise judge.budget_error
    if interrupted:
        raise KeyboardInterrupt("interrupted during the schemathesis phase")


def _wind_down(judge: StJudge) -> None:
    """Stop schemathesis and wait for its worker thread, which may be sending a write right now.

    A signal can land in this module's loop, between two of the engine's events, rather than in
    the engine (which would stop its workers itself): the engine is left suspended with its worker
    still sending. Closing it stops the worker after its current request and joins it, so no write
    of this phase can land after the restore has verified.
    """
    if judge.stream is None:
        return
    judge.stop()
    with contextlib.suppress(RuntimeError):  # already running or finished: nothing is suspended
        judge.stream.generator.close()


__all__ = ["StJudge", "UnsafeRequest", "schemathesis_phase", "st_config", "zscontract_oracle"]
