"""One run's life on the target, the same for every route: the CLI run, a pytest session, ``zscontract restore``.

settings → client → login (renewed when the session expires) → preflight (no pending snapshot, the
target answers, the session and the resource are valid, the dialect is right) → the snapshot on
disk → the contract without the fields the run could not write back → (the caller's phases) →
the restore's own time slice → logout. A route adds only what is its own: the CLI its phases, events
and reports, the pytest plugin its fixtures and its way of saying things.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from zscontract.config import RunSettings
from zscontract.contract import Contract
from zscontract.core.client import Client, ClientSettings, Limits
from zscontract.core.dialects import get_dialect
from zscontract.core.exchange import Exchange
from zscontract.core.reads import forbid_empty_update_reads
from zscontract.core.redact import Redactor
from zscontract.core.session import hash_password, login, logout, relogin_once
from zscontract.errors import TargetUnreachable
from zscontract.runner import limits, snapshot
from zscontract.runner.budget import Budget, grace
from zscontract.runner.preflight import PreflightFacts, check_profile, preflight
from zscontract.runner.target import Target

LOGOUT_SECONDS = 2.0  # the longest a logout may take at the end of a run


def new_run_dir(base: Path, *, prefix: str = "", latest: bool = True) -> Path:
    """A fresh folder for one run (``<time>-<id>``), and ``base/latest`` pointed at it when ``latest``."""
    run_id = prefix + time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
    path = base / run_id
    path.mkdir(parents=True, exist_ok=False)
    if latest:
        link = base / "latest"
        with contextlib.suppress(OSError):
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(run_id)
    return path


class Lifecycle:
    """The steps every route takes on one resource of one target, in this order.

    >>> with Lifecycle(settings, target, budget=budget) as life:   # doctest: +SKIP
    ...     facts = life.preflight()
    ...     contract, note = life.writable(load_contract(settings.profile), facts.inventory)
    """

    def __init__(self, settings: RunSettings, target: Target, *, budget: Budget | None = None,
                 redactor: Redactor | None = None, on_exchange: Callable[[Exchange], None] | None = None,
                 flag_prefix: str = "--") -> None:
        self.settings = settings
        self.target = target
        self.uuid = target.model_service_uuids[0]
        self.budget = budget
        self.redactor = redactor or Redactor(sessions=[target.session_uuid or ""], passwords=[target.password or ""])
        self.dialect = get_dialect(settings.profile, source=flag_prefix + "profile")
        self.client = Client(ClientSettings(
            base_url=target.url, session_uuid=target.session_uuid or "", dialect=self.dialect,
            request_timeout=settings.request_timeout, job_timeout=settings.job_timeout,
            max_body=settings.max_body, ca_bundle=settings.ca_bundle, insecure=settings.insecure),
            limits=Limits(rate=settings.rate_limit, down_after=None), on_exchange=on_exchange)
        if settings.read_only:
            forbid_empty_update_reads(self.client)  # an empty update is a write: --read-only reads via the query API
        self.logged_in = False

    # -- the session ---------------------------------------------------------------------------
    def __enter__(self) -> Lifecycle:
        self.login()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.logout()

    def login(self) -> None:
        """With ``--account``: log in (password from ZS_PASSWORD), and again when the session expires;
        every secret is registered with the redactor."""
        s = self.settings
        if not s.account:
            return
        password = s.password or ""
        digest = password if s.password_hashed else hash_password(password)
        self.redactor.add_password(password)
        self.redactor.add_password(digest)
        with self._within_budget():
            session = login(self.client, s.account, digest)
        self.redactor.add_session(session)
        self.client.settings.session_uuid = session
        self.client.on_session_expired = relogin_once(self.client, s.account, digest, self.redactor.add_session)
        self.logged_in = True

    def logout(self, *, bound: float | None = None) -> None:
        """A courtesy: short, never past ``bound``, never an error (the session expires on its own)."""
        if not self.logged_in:
            return
        self.logged_in = False
        deadline = time.monotonic() + min(self.settings.request_timeout, LOGOUT_SECONDS)
        deadline = deadline if bound is None else min(deadline, bound)
        with contextlib.suppress(Exception):  # a dead target or a spent budget
            if deadline > time.monotonic():
                limits.arm(self.client, deadline=deadline, down_after=None)
                logout(self.client, self.client.settings.session_uuid)

    # -- before the first write ----------------------------------------------------------------
    def preflight(self, *, discard_flag: str | None = "--discard-snapshot") -> PreflightFacts:
        """Nothing pending from an earlier run, the target answers, the session, resource and dialect are right."""
        s = self.settings
        with self._within_budget():
            if not self.target.embedded:
                snapshot.refuse_if_pending(s.report_dir, self.target.url, self.uuid, s.discard_snapshot,
                                           discard_flag=discard_flag)
            facts = preflight(self.client, self.uuid, read_only=s.read_only)
            return dataclasses.replace(facts, dialect=check_profile(self.client, self.uuid, s.profile))

    @contextlib.contextmanager
    def _within_budget(self) -> Iterator[None]:
        """The login and preflight within the run's time budget; spent there, the target is too slow."""
        if self.budget is None:
            yield
            return
        limits.arm(self.client, deadline=self.budget.end, down_after=None)
        try:
            yield
        except limits.LIMITS as exc:
            raise TargetUnreachable(f"the target did not get through the preflight within --max-time "
                                    f"{self.budget.max_time:g} s ({exc}); it answers too slowly to be tested") from None

    def save_snapshot(self, inventory: dict[str, Any] | None, run_dir: Path) -> Path:
        """The resource as found, on disk before the first write: a run killed before its restore leaves
        what ``zscontract restore`` needs, and the next run on this resource refuses to start until then.
        ``restored`` becomes true only once a read verified it at the end (None: a --read-only run that
        could not read the resource)."""
        s = self.settings
        return snapshot.save_snapshot(run_dir / "snapshot.json", self.uuid, inventory,
                                      target_url=None if self.target.embedded else self.target.url,
                                      restored=False if inventory is not None else None, profile=s.profile,
                                      include_example_fields=s.include_example_fields, read_only=s.read_only)

    def writable(self, contract: Contract, inventory: dict[str, Any] | None) -> tuple[Contract, str | None]:
        """The contract to generate from, without the fields the run could not write back, and a note.

        A field null or absent in the snapshot (a model service created without a description) cannot
        be set back to null: a real node reads null as "not given" (zstack-rest-facts.md "Values").
        Writing it would leave the target changed after every run, so the run does not, and says so
        (a --read-only run writes nothing: nothing to say).
        """
        if inventory is None:  # --read-only, no query API: nothing is written, nothing to leave out
            return contract, None
        example_too = self.settings.include_example_fields
        unset = [f.name for f in contract.fields.values() if f.inventory_field
                 and inventory.get(f.inventory_field) is None and (f.documented or example_too)]
        if not unset or self.settings.read_only:
            return contract.without_fields(unset), None
        them = "them" if len(unset) > 1 else "it"
        note = (f"not written: {', '.join(unset)} (null on the target, and this API cannot set a field back to "
                f"null); set {them} on the model service to test {them}")
        return contract.without_fields(unset), note

    # -- after the last ------------------------------------------------------------------------
    def arm_restore(self, more: float = 0.0) -> None:
        """The restore's own slice from now (``runner.budget.grace``, plus ``more`` for a login and reads):
        a job that never ends cannot hold the end for a job timeout per field."""
        s = self.settings
        limits.arm(self.client, deadline=time.monotonic() + grace(s.request_timeout, s.job_timeout) + more,
                   down_after=None)


__all__ = ["LOGOUT_SECONDS", "Lifecycle", "new_run_dir"]
