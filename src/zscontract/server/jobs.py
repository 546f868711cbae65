"""API jobs of the zstack dialect's asynchronous mode.

RestServer.java (facts, "UpdateModelService is asynchronous on a real node"): an async API answers
``202`` + ``location``; a ``GET`` of the location answers ``202`` while the job runs and the final
``200``/``503`` when it ends; an unknown or expired job is a plain-text ``404`` "the job has been
expired". The job id is the client's ``X-Job-UUID`` when it sent one.

By default a job's work is done before its ``202`` leaves (``delay`` 0), so a client that polls at once
gets the result, as from a node that finishes fast. Jobs on one resource run one after the other in
submission order (an ``asyncio.Lock`` wakes its waiters first-in first-out), so the synchronous
semantics hold. The table keeps the ``max_jobs`` newest jobs; older ones have expired.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from zscontract.server.values import new_uuid


@dataclass
class Outcome:
    """A finished job's answer; ``schema`` is added when the poll sends ``X-JSON-Schema``."""

    status: int
    body: bytes
    media_type: str
    schema: dict[str, str] | None = None


@dataclass
class Job:
    """One API job: running until ``outcome`` is set."""

    id: str
    outcome: Outcome | None = None


Work = Callable[[], Awaitable[Outcome]]


class JobRunner:
    """Runs API jobs in the event loop.

    ``never_end`` (the ``async-job-never-ends`` fault) leaves every job running; ``serialize=False``
    (the ``lost-update`` fault) lets jobs on one resource overlap.
    """

    def __init__(self, *, delay: float = 0.0, never_end: bool = False, serialize: bool = True,
                 max_jobs: int = 10000) -> None:
        self.delay = delay
        self.never_end = never_end
        self.serialize = serialize
        self.max_jobs = max_jobs
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def exists(self, job_id: str) -> bool:
        return job_id in self._jobs

    async def submit(self, key: str, work: Work, job_id: str | None = None) -> Job:
        """Start ``work`` as a job queued behind earlier jobs on ``key``.

        With no delay the job has ended when this returns; otherwise it runs in the background.
        """
        job = Job(job_id or new_uuid())
        self._jobs[job.id] = job
        while len(self._jobs) > self.max_jobs:
            self._jobs.popitem(last=False)  # the oldest job expires
        if self.never_end:
            return job
        if self.delay <= 0:
            await self._run(job, key, work)
            return job
        task = asyncio.get_running_loop().create_task(self._run(job, key, work))
        self._tasks.add(task)  # keep a reference until it ends (asyncio holds only weak ones)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run(self, job: Job, key: str, work: Work) -> None:
        if not self.serialize:
            await asyncio.sleep(self.delay)
            job.outcome = await self._safely(work)
            return
        async with self._locks.setdefault(key, asyncio.Lock()):
            if self.delay > 0:
                await asyncio.sleep(self.delay)
            job.outcome = await self._safely(work)

    @staticmethod
    async def _safely(work: Work) -> Outcome:
        try:
            return await work()
        except Exception as exc:  # a bug must still end the job: ZStack reports SYS.1000 by the poll
            body = ('{"error": {"code": "SYS.1000", "description": "An internal error happened in system", '
                    f'"details": {json.dumps(repr(exc))}}}}}')
            return Outcome(503, body.encode("utf-8"), "application/json;charset=UTF-8")

    def get(self, job_id: str) -> Job | None:
        """The job, or ``None`` when unknown or expired."""
        return self._jobs.get(job_id)
