"""pytest-xdist resource ownership: each worker tests and restores one model service of its own.

Two workers writing the same resource would break each other's state checks, so with a target
``--zs-model-service-uuid`` lists at least as many UUIDs as there are workers; worker ``gwI`` owns
the I-th. Without a target each worker starts its own reference server, with its own resource.
Imports nothing heavy: it runs in every pytest session's ``pytest_configure``.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from zscontract.config import RunSettings


def worker_count(config: pytest.Config) -> int:
    """How many xdist workers this session starts (0 without xdist or with ``-n 0``)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return int(workerinput["workercount"])
    if config.getoption("dist", "no") == "no":
        return 0
    return len(config.getoption("tx", None) or [])  # xdist turns -n N into N --tx entries


def worker_index(config: pytest.Config) -> int | None:
    """The index of this xdist worker (gw3 -> 3), or None in the controller or without xdist."""
    workerinput = getattr(config, "workerinput", None)
    name = workerinput["workerid"] if workerinput is not None else None
    if not name:
        return None
    try:
        return int(str(name).removeprefix("gw"))
    except ValueError:
        raise pytest.UsageError(f"zscontract: xdist worker id {name!r} is not gw<number>; cannot pick its "
                                "model service") from None


def own_resource(config: pytest.Config, settings: RunSettings) -> RunSettings:
    """Give this xdist worker one model service of its own; refuse when there are too few."""
    workers = worker_count(config)
    uuids = settings.model_service_uuids
    if not settings.target_url or not uuids:
        return settings  # the embedded server: each worker starts its own, with its own resource
    if workers > len(uuids):
        raise pytest.UsageError(
            f"zscontract: {workers} xdist workers but {len(uuids)} model service(s) in --zs-model-service-uuid "
            f"(or ZS_MODEL_SERVICE_UUID / ini zs_model_service_uuid): {', '.join(uuids)}; each worker needs its "
            f"own: list at least {workers} comma-separated UUIDs or run with -n {len(uuids)}")
    index = worker_index(config)
    return replace(settings, model_service_uuids=(uuids[index or 0],))
