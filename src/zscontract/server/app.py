"""The Starlette application of the reference server: routes, and the dialect's REST layer.

Blocking work (SQLite) runs in the thread pool; the event loop only parses, sleeps (job delay, the
``hang-on-tab`` fault) and renders.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from zscontract.core.dialects import ACTION_KEY, API_PATH, JOB_PATH, LOGIN_PATH, SESSION_PATH
from zscontract.server.config import ServerConfig
from zscontract.server.jobs import JobRunner, Outcome
from zscontract.server.parsing import INT_RANGES, BodyError, java_int, load_json
from zscontract.server.responses import JSON_TYPE, Renderer, json_bytes, to_response
from zscontract.server.service import ApiError, ModelServices

COLLECTION_PATH = API_PATH.rsplit("/", 1)[0]
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


class _Rest(Exception):
    """A plain-text refusal of zstack's REST layer (raised before the API is reached)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


class ReferenceApp:
    """The request handlers of one server; :meth:`starlette` builds the ASGI app."""

    def __init__(self, service: ModelServices, config: ServerConfig) -> None:
        self.service = service
        self.config = config
        self.faults = service.faults
        self.zstack = config.profile == "zstack"
        self.render = Renderer(config.profile, service.faults)
        self.jobs = JobRunner(delay=config.job_delay, never_end=self.faults.on("async-job-never-ends"),
                              serialize=not self.faults.on("lost-update"))

    def starlette(self) -> Starlette:
        """The ASGI application with every route of this profile."""
        routes = [
            Route(API_PATH, self.update, methods=["PUT"]),
            Route(LOGIN_PATH, self.login, methods=["PUT"]),
            Route(SESSION_PATH, self.logout, methods=["DELETE"]),
        ]
        if not self.faults.on("no-query-api"):
            routes += [Route(API_PATH, self.query_one, methods=["GET"]),
                       Route(COLLECTION_PATH, self.query_all, methods=["GET"])]
        if self.zstack:
            routes.append(Route(JOB_PATH, self.poll, methods=["GET"]))
        routes.append(Route("/{path:path}", self.unmapped, methods=ALL_METHODS))
        app = Starlette(routes=routes)
        app.router.redirect_slashes = False  # "/model-services/" is unmapped, not a redirect
        return app

    # -- the REST layer -----------------------------------------------------------------------------
    def _token(self, request: Request) -> str | None:
        """The session of ``Authorization: OAuth <uuid>``.

        zstack: a missing header or another scheme is the REST layer's plain-text 400 (facts "Two
        dialects"); documented: it is a bad session, answered by the API as 401 ID.1001.
        """
        header = request.headers.get("authorization")
        parts = (header or "").split()
        if len(parts) == 2 and parts[0] == "OAuth":
            return parts[1]
        if self.zstack and not self.faults.on("no-auth"):
            if header is None:
                raise _Rest(400, "missing header[Authorization]")
            raise _Rest(400, f"the Authorization header must be 'OAuth <session uuid>', got {header!r}")
        return None

    async def _body(self, request: Request, key: str) -> dict[str, Any]:
        """The API's fields: the flat object (documented) or ``body[key]`` (zstack, RestServer.java)."""
        try:
            body = load_json(await request.body())
        except BodyError as exc:
            if self.zstack:
                raise _Rest(400, str(exc)) from None
            raise ApiError("body", str(exc)) from None
        if not self.zstack:
            if not isinstance(body, dict):
                raise ApiError("body", f"the body must be a JSON object, not a JSON {type(body).__name__}")
            return body
        fields = body.get(key) if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            raise _Rest(400, f"the body doesn't contain action mapping to the URL[{request.url.path}]: "
                             f"expected a JSON object at key '{key}'")
        return fields

    def _java_types(self, fields: dict[str, Any]) -> str | None:
        """zstack: Gson's conversion of int/long fields; the plain-text reason, or ``None``."""
        for name in INT_RANGES:
            if fields.get(name) is not None:
                _, error = java_int(name, fields[name], self.faults)
                if error is not None:
                    return f"Invalid JSON: field[{name}]: {error.reason}"
        return None

    # -- handlers -----------------------------------------------------------------------------------
    async def update(self, request: Request) -> Response:
        """``PUT /zstack/v1/ai/model-services/{uuid}``: UpdateModelService."""
        uuid = request.path_params["uuid"]
        try:
            token = self._token(request)
            if not self.zstack:
                await run_in_threadpool(self.service.require_session, token)
            fields = await self._body(request, ACTION_KEY)
            if self.zstack and (reason := self._java_types(fields)) is not None:
                await run_in_threadpool(self.service.partial_apply, uuid, fields)
                raise _Rest(400, reason)
        except _Rest as exc:
            await run_in_threadpool(self.service.rejected, uuid)
            return self.render.rest_error(exc.status, exc.text)
        except ApiError as exc:
            await run_in_threadpool(self.service.rejected, uuid)
            return self.render.api_error(exc)
        if (hang := self.faults.hang_seconds(fields)) > 0:
            await asyncio.sleep(hang)
        if (reason := self.faults.server_fault(fields)) is not None:
            return Response(f"Internal Server Error: {reason}", status_code=500, media_type="text/plain")
        if self.config.async_:
            job = self.jobs.submit(uuid, lambda: self._update_outcome(uuid, token, fields))
            location = f"{str(request.base_url).rstrip('/')}{JOB_PATH.format(id=job.id)}"
            return Response(json_bytes({"location": location}), status_code=202, media_type=JSON_TYPE)
        return to_response(await self._update_outcome(uuid, token, fields))

    async def _update_outcome(self, uuid: str, token: str | None, fields: dict[str, Any]) -> Outcome:
        before = None
        if self.config.async_ and self.faults.on("async-stale-inventory"):
            before = await run_in_threadpool(self.service.get, uuid)
        try:
            row = await run_in_threadpool(self.service.update, uuid, token, fields)
        except ApiError as exc:
            return self.render.api_error_outcome(exc)
        return self.render.updated(before if before is not None else row)

    async def poll(self, request: Request) -> Response:
        """``GET /zstack/v1/api-jobs/{id}``: 202 while running, then the API's answer."""
        job = self.jobs.get(request.path_params["id"])
        if job is None:
            return self.render.rest_error(404, "the job has been expired")
        if job.outcome is None:
            return Response(b"{}", status_code=202, media_type=JSON_TYPE)
        return to_response(job.outcome)

    async def query_one(self, request: Request) -> Response:
        """``GET /zstack/v1/ai/model-services/{uuid}``: ``{"inventories": [...]}``, empty when unknown."""
        return await self._query(request, request.path_params["uuid"])

    async def query_all(self, request: Request) -> Response:
        """``GET /zstack/v1/ai/model-services``: every model service."""
        return await self._query(request, None)

    async def _query(self, request: Request, uuid: str | None) -> Response:
        try:
            token = self._token(request)
            rows = await run_in_threadpool(self.service.query, token, uuid)
        except _Rest as exc:
            return self.render.rest_error(exc.status, exc.text)
        except ApiError as exc:
            return self.render.api_error(exc)
        return self.render.inventories(rows)

    async def login(self, request: Request) -> Response:
        """``PUT /zstack/v1/accounts/login`` with ``{"logInByAccount": {accountName, password}}``."""
        try:
            fields = await self._body(request, "logInByAccount")
            if not self.zstack and isinstance(fields.get("logInByAccount"), dict):
                fields = fields["logInByAccount"]
            inventory = await run_in_threadpool(self.service.login, fields.get("accountName"),
                                                fields.get("password"))
        except _Rest as exc:
            return self.render.rest_error(exc.status, exc.text)
        except ApiError as exc:
            return self.render.api_error(exc)
        return self.render.json(200, {"inventory": inventory})

    async def logout(self, request: Request) -> Response:
        """``DELETE /zstack/v1/accounts/sessions/{uuid}``: the session stops working."""
        await run_in_threadpool(self.service.logout, request.path_params["uuid"])
        return self.render.json(200, {})

    async def unmapped(self, request: Request) -> Response:
        """Any other path or method: RestServer.java's plain-text 404."""
        return self.render.rest_error(404, f"no api mapping to {request.method} {request.url.path}")
