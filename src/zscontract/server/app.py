"""The Starlette application of the reference server: routes, and the dialect's REST layer.

Blocking work (SQLite) runs in the thread pool; the event loop only parses, sleeps (job delay, the
``hang-on-tab`` fault) and renders. zstack answers UpdateModelService with an API job by default
(``config.async_``), as a real node does (facts, "UpdateModelService is asynchronous on a real node").
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from zscontract.server import release
from zscontract.server import restlayer as rest
from zscontract.server.config import ServerConfig
from zscontract.server.jobs import JobRunner, Outcome
from zscontract.server.parsing import BodyError, load_json, rest_type_error
from zscontract.server.query import Condition, QueryArgumentError, QueryRestError, QuerySpec, parse_query
from zscontract.server.responses import (
    JSON_TYPE,
    SESSION_CLASS,
    NoContentType,
    Renderer,
    json_bytes,
    schema_of,
    to_response,
)
from zscontract.server.service import ApiError, ModelServices

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
RestError = rest.RestError


class ReferenceApp:
    """The request handlers of one server; :meth:`starlette` builds the ASGI app.

    ``origin`` is what job locations start with: ``--base-url``, else the address it listens on.
    """

    def __init__(self, service: ModelServices, config: ServerConfig, origin: str = "") -> None:
        self.service = service
        self.config = config
        self.faults = service.faults
        self.zstack = config.profile == "zstack"
        self.release = self.zstack and self.faults.on(release.NAME)
        self.origin = config.base_url or origin
        self.render = Renderer(config.profile, service.faults, config.date_style)
        self.jobs = JobRunner(delay=config.job_delay, never_end=self.faults.on("async-job-never-ends"),
                              serialize=not self.faults.on("lost-update"), max_jobs=config.max_jobs)

    def starlette(self) -> Starlette:
        """The ASGI application with every route of this profile."""
        routes = [
            Route(rest.API_PATH, self.update, methods=["PUT"]),
            Route(rest.LOGIN_PATH, self.login, methods=["PUT"]),
            Route(rest.SESSION_PATH, self.logout, methods=["DELETE"]),
        ]
        if not self.faults.on("no-query-api"):
            routes += [Route(rest.API_PATH, self.query_one, methods=["GET"]),
                       Route(rest.COLLECTION_PATH, self.query_all, methods=["GET"])]
        if self.zstack:
            routes += [Route(rest.JOB_PATH, self.poll, methods=["GET"]),
                       Route(rest.JOB_PATH, self.poll_method, methods=[m for m in ALL_METHODS if m != "GET"])]
        routes.append(Route("/{path:path}", self.unmapped, methods=ALL_METHODS))
        untyped = [Middleware(NoContentType)] if self.faults.on("no-content-type") else None
        app = Starlette(routes=routes, middleware=untyped)
        app.router.redirect_slashes = False  # "/model-services/" is unmapped, not a redirect
        return app

    # -- the REST layer -----------------------------------------------------------------------------
    def _token(self, request: Request) -> str | None:
        """The session: zstack's REST layer refuses a missing header or another scheme in plain text;
        documented reads anything else as no session (the API's 401 ID.1001)."""
        if not self.zstack:
            return rest.documented_session(request.headers)
        if self.faults.on("no-auth"):
            return rest.documented_session(request.headers)
        return rest.zstack_session(request.headers)

    async def _body(self, request: Request, key: str) -> dict[str, Any]:
        """The API's fields: the flat object (documented) or ``body[key]`` (zstack, RestServer.java)."""
        try:
            body = load_json(await request.body())
        except BodyError as exc:
            if self.zstack:  # a node answers a plain-text 500 here (facts); a sound server refuses
                raise RestError(400, str(exc)) from None
            raise ApiError("body", str(exc)) from None
        if not self.zstack:
            if not isinstance(body, dict):
                raise ApiError("body", f"the body must be a JSON object, not a JSON {type(body).__name__}")
            return body
        if not isinstance(body, dict) or key not in body:
            raise rest.no_action_key(request.url.path)
        repeated = getattr(body, "repeated", {})
        if repeated:
            rest.repeated_top_level_key(repeated, self.faults)
        fields = body[key]
        if fields is None:  # RestServer builds an empty API message for a null parameter: an empty update
            return {}
        if not isinstance(fields, dict):
            raise rest.action_not_object(key, fields, self.faults)
        if key in repeated and self.faults.on("merge-repeated-action"):
            return {k: v for value in repeated[key] if isinstance(value, dict) for k, v in value.items()}
        return fields

    def _job_id(self, request: Request) -> str | None:
        job_id = rest.job_uuid(request.headers)
        if job_id is not None and self.jobs.exists(job_id):
            raise rest.duplicate_job(job_id)
        return job_id

    # -- handlers -----------------------------------------------------------------------------------
    async def update(self, request: Request) -> Response:
        """``PUT /zstack/v1/ai/model-services/{uuid}``: UpdateModelService."""
        uuid = request.path_params["uuid"]
        try:
            if self.release:  # RestServer 5.1.20 as it is, defects included (server.release)
                fields, token = release.read_fields(await request.body(), request.headers, request.url.path)
            elif self.zstack:  # the path serves several APIs: RestServer picks one by the body's key first
                fields = await self._body(request, rest.ACTION_KEY)
                token = self._token(request)
            else:
                token = self._token(request)
                await run_in_threadpool(self.service.require_session, token)
                fields = await self._body(request, rest.ACTION_KEY)
            job_id = None
            if self.zstack:
                if not self.release and (reason := rest_type_error(fields, self.faults)) is not None:
                    await run_in_threadpool(self.service.partial_apply, uuid, fields)
                    raise RestError(400, reason)
                job_id = self._job_id(request)
                if self.faults.on("plain-text-bad-session") and \
                        not await run_in_threadpool(self.service.session_ok, token):
                    raise RestError(401, "the session is invalid or has expired")
        except RestError as exc:
            await run_in_threadpool(self.service.rejected, uuid)
            return self.render.rest_error(exc.status, exc.text)
        except ApiError as exc:
            await run_in_threadpool(self.service.rejected, uuid)
            return self.render.api_error(exc)
        if (hang := self.faults.hang_seconds(fields)) > 0:
            await asyncio.sleep(hang)
        if (reason := self.faults.server_fault(fields)) is not None:
            return Response(f"Internal Server Error: {reason}", status_code=500, media_type="text/plain")
        if self.zstack and self.config.async_:
            job = await self.jobs.submit(uuid, lambda: self._update_outcome(uuid, token, fields), job_id)
            body = {"location": f"{self.origin}{rest.JOB_PATH.format(id=job.id)}",
                    "apiTimeout": rest.api_timeout_ms(request.headers)}
            return Response(json_bytes(body), status_code=202, media_type=JSON_TYPE)
        return to_response(await self._update_outcome(uuid, token, fields), schema=rest.wants_schema(request.headers))

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
        """``GET /zstack/v1/api-jobs/{id}``: 202 while running, then the API's answer. No session needed."""
        job = self.jobs.get(request.path_params["id"])
        if job is None:
            return self.render.rest_error(404, "the job has been expired")
        if job.outcome is None:
            return Response(b"{}", status_code=202, media_type=JSON_TYPE)
        return to_response(job.outcome, schema=rest.wants_schema(request.headers))

    async def poll_method(self, request: Request) -> Response:
        """RestServer.handleJobQuery: a job is only read."""
        return self.render.rest_error(405, "only GET method is allowed for querying job status")

    async def query_one(self, request: Request) -> Response:
        """``GET /zstack/v1/ai/model-services/{uuid}``: the uuid is the only condition (RestServer)."""
        return await self._query(request, QuerySpec(conditions=[Condition("uuid", "=", request.path_params["uuid"])]))

    async def query_all(self, request: Request) -> Response:
        """``GET /zstack/v1/ai/model-services?q=...``: ZStack's query syntax."""
        return await self._query(request, None)

    async def _query(self, request: Request, spec: QuerySpec | None) -> Response:
        try:
            token = self._token(request)
            if self.faults.on("query-500"):
                return Response("Internal Server Error", status_code=500, media_type="text/plain")
            if spec is None:
                spec = parse_query(list(request.query_params.multi_items()))
                if self.faults.on("query-ignores-q"):
                    spec.conditions = []
            rows, total = await run_in_threadpool(self.service.query, token, spec)
        except RestError as exc:
            return self.render.rest_error(exc.status, exc.text)
        except QueryRestError as exc:
            if self.zstack:
                return self.render.rest_error(400, str(exc))
            return self.render.api_error(ApiError("argument", str(exc)))
        except QueryArgumentError as exc:
            return self.render.api_error(ApiError("argument", str(exc)))
        except ApiError as exc:
            return self.render.api_error(exc)
        return self.render.inventories(rows, total, spec.fields)

    async def login(self, request: Request) -> Response:
        """``PUT /zstack/v1/accounts/login`` with ``{"logInByAccount": {accountName, password}}``."""
        try:
            fields = await self._body(request, "logInByAccount")
            if not self.zstack and isinstance(fields.get("logInByAccount"), dict):
                fields = fields["logInByAccount"]
            if self.zstack:
                self._job_id(request)
            inventory = await run_in_threadpool(self.service.login, fields.get("accountName"),
                                                fields.get("password"))
        except RestError as exc:
            return self.render.rest_error(exc.status, exc.text)
        except ApiError as exc:
            return self.render.api_error(exc)
        body: dict[str, Any] = {"inventory": inventory}
        if self.zstack and rest.wants_schema(request.headers):
            body["schema"] = schema_of(body, SESSION_CLASS)
        return self.render.json(200, body)

    async def logout(self, request: Request) -> Response:
        """``DELETE /zstack/v1/accounts/sessions/{uuid}``: the session stops working."""
        if self.zstack:
            try:
                self._job_id(request)  # handleApi checks X-Job-UUID on every non-query API
            except RestError as exc:
                return self.render.rest_error(exc.status, exc.text)
        await run_in_threadpool(self.service.logout, request.path_params["uuid"])
        return self.render.json(200, {"schema": {}} if self.zstack and rest.wants_schema(request.headers) else {})

    async def unmapped(self, request: Request) -> Response:
        """Any other path or method: RestServer.java's plain-text 404."""
        return self.render.rest_error(404, f"no api mapping to {rest.servlet_path(request.url.path)}")
