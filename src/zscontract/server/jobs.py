"""API jobs of the zstack dialect's asynchronous mode.

RestServer.java (zstack-rest-facts.md "Two dialects"): an async API answers ``202`` + ``location``; a
``GET`` of the location answers ``202`` while the job runs and the final ``200``/``503`` when it ends; an
unknown job is a plain-text ``404`` "the job has been expired". Jobs on one resource run one after the
other in submission order (an ``asyncio.Lock`` wakes its waiters first-in first-out), so the synchronous
semantics hold.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from zscontract.server.inventory import new_uuid


@dataclass
class Outcome:
    """A finished job's answer."""

    status: int
    body: bytes
    media_type: str


@dataclass
class Job:
    """One API job: running until ``outcome`` is set."""

    id: str
    outcome: Outcome | None = None


class JobRunner:
    """Runs API jobs in the event loop.

    ``never_end`` (the ``async-job-never-ends`` fault) leaves every job running; ``serialize=False``
    (the ``lost-update`` fault) lets jobs on one resource overlap.
    """

    def __init__(self, *, delay: float, never_end: bool = False, serialize: bool = True) -> None:
        self.delay = delay
        self.never_end = never_end
        self.serialize = serialize
        self._jobs: dict[str, Job] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, key: str, work: Callable[[], Awaitable[Outcome]]) -> Job:
        """Start ``work`` as a job queued behind earlier jobs on ``key``; return the job at once."""
        job = Job(new_uuid())
        self._jobs[job.id] = job
        if self.never_end:
            return job
        lock = self._locks.setdefault(key, asyncio.Lock())
        task = asyncio.get_running_loop().create_task(self._run(job, lock, work))
        self._tasks.add(task)  # keep a reference until it ends (asyncio holds only weak ones)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run(self, job: Job, lock: asyncio.Lock, work: Callable[[], Awaitable[Outcome]]) -> None:
        if self.serialize:
            async with lock:
                await asyncio.sleep(self.delay)
                job.outcome = await self._safely(work)
        else:
            await asyncio.sleep(self.delay)
            job.outcome = await self._safely(work)

    @staticmethod
    async def _safely(work: Callable[[], Awaitable[Outcome]]) -> Outcome:
        try:
            return await work()
        except Exception as exc:  # a bug must still end the job: ZStack reports SYS.1000 by the poll
            body = ('{"error": {"code": "SYS.1000", "description": "An internal error happened in system", '
                    f'"details": {json.dumps(repr(exc))}}}}}')
            return Outcome(503, body.encode("utf-8"), "application/json;charset=UTF-8")

    def get(self, job_id: str) -> Job | None:
        """The job, or ``None`` when unknown (answered as expired)."""
        return self._jobs.get(job_id)

