"""The target of a run: a given URL, or the embedded reference server started for the run."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from zscontract.config import RunSettings
from zscontract.errors import UsageError


@dataclass(frozen=True)
class Target:
    url: str
    session_uuid: str | None
    model_service_uuids: tuple[str, ...]
    embedded: bool
    account: str | None = None
    password: str | None = None


@contextlib.contextmanager
def open_target(settings: RunSettings) -> Iterator[Target]:
    """Yield the target; start (and stop) the reference server when no URL is given."""
    if settings.target_url:
        yield Target(settings.target_url, settings.session_uuid, settings.model_service_uuids, embedded=False)
        return
    if settings.model_service_uuids or settings.session_uuid:
        raise UsageError("--model-service-uuid/--session-uuid need --target-url: without it the embedded "
                         "reference server is started with its own resource and session")
    from zscontract.server.process import ReferenceServer

    # None: the profile's default (zstack async, as a real node answers this API; documented sync).
    with ReferenceServer(profile=settings.profile, async_=settings.server_async, faults=settings.server_faults,
                         variants=settings.server_variants, resources=1) as server:
        yield Target(server.url, server.session_uuid, tuple(server.model_service_uuids), embedded=True,
                     account=server.info.get("account"), password=server.info.get("password"))
