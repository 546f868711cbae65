"""The API semantics of the reference server, independent of the dialect that carries them.

:class:`ModelServices` checks sessions, validates updates, applies them in one transaction and answers
queries, logins and logouts; it raises :class:`ApiError` for every API-level refusal, and the app renders
that error in the profile's dialect. All methods block (SQLite) and run in uvicorn's thread pool.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from zscontract.server.hooks import FaultSet
from zscontract.server.inventory import blank_row, seed_row, seed_yaml
from zscontract.server.parsing import ParsedUpdate, parse_update
from zscontract.server.query import QuerySpec, check_fields, order_clause, where_clause
from zscontract.server.store import Row, Store
from zscontract.server.values import gson_date, is_zstack_uuid, new_uuid

ACCOUNT_NAME = "admin"
# ZStack's default admin password; tests set their own so a grep for it means something.
ACCOUNT_PASSWORD = os.environ.get("ZSCONTRACT_SERVER_PASSWORD") or "password"
_NO_TTL_SECONDS = 365 * 24 * 3600  # what a login reports as expiredDate when sessions never expire


class ApiError(Exception):
    """An API-level refusal. ``kind`` decides the code and, in ``documented``, the status.

    Kinds: ``session`` (ID.1001), ``argument`` and ``body`` (SYS.1007), ``malformed`` (a uuid that is
    not 32 lower-case hex), ``not_found`` (SYS.1003), ``login`` (ID.1000), ``internal`` (SYS.1000).
    """

    def __init__(self, kind: str, details: str) -> None:
        super().__init__(f"{kind}: {details}")
        self.kind = kind
        self.details = details


DOCUMENTED_FIELDS = ("name", "description", "yaml", "requestCpu", "requestMemory")
LOCK_AFTER_WRITES = 60


class ModelServices:
    """The model services, the account and the sessions of one server."""

    def __init__(self, store: Store, faults: FaultSet, *, session_ttl: float | None = None,
                 clock: Callable[[], float] = time.time, zstack: bool = False, date_style: str = "jdk8") -> None:
        self.store = store
        self.faults = faults
        self.session_ttl = session_ttl
        self.clock = clock
        self.zstack = zstack
        self.date_style = date_style
        self._query_cache: dict[str, Row] = {}  # only the stale-query-cache fault fills it
        self._quoted: dict[str, dict[str, str]] = {}  # only the quoted-int-as-string fault fills it
        self._writes = 0  # only the lock-after-writes fault counts them
        self.account_uuid, self.user_uuid = store.ensure_account(ACCOUNT_NAME, ACCOUNT_PASSWORD, new_uuid(),
                                                                 new_uuid())

    def now(self) -> int:
        """Whole seconds: the resolution of a Gson date."""
        return int(self.clock())

    # -- setup ------------------------------------------------------------------------------------
    def seed(self, resources: int, extra: int = 0) -> list[str]:
        """Make sure ``resources + extra`` model services exist; return the first ``resources`` uuids.

        The ``extra`` ones stand for the other model services of a real node: never listed, so a query
        that does not filter by ``q`` shows. A database given with ``--db`` keeps its resources.
        """
        existing = self.store.uuids()
        created = self.now() - 24 * 3600
        with self.store.transaction() as conn:
            for index in range(len(existing), resources + extra):
                row, images = seed_row(index, created, zstack=self.zstack)
                if self.faults.on("no-description"):  # an optional field never set (Gson drops the null)
                    row["description"] = None
                self.store.insert(conn, row, images)
                existing.append(row["uuid"])
        return existing[:resources]

    def new_session(self) -> dict[str, Any]:
        """Open a session for the account; the login reply's inventory."""
        now = self.clock()
        expires = None if self.session_ttl is None else now + self.session_ttl
        uuid = new_uuid()
        self.store.add_session(uuid, self.account_uuid, self.user_uuid, now, expires)
        shown = expires if expires is not None else now + _NO_TTL_SECONDS
        return {"uuid": uuid, "accountUuid": self.account_uuid, "userUuid": self.user_uuid,
                "expiredDate": gson_date(datetime.fromtimestamp(shown), self.date_style),
                "createDate": gson_date(datetime.fromtimestamp(now), self.date_style)}

    # -- identity ---------------------------------------------------------------------------------
    def session_ok(self, token: str | None) -> bool:
        """True when the token is a live session."""
        return token is not None and is_zstack_uuid(token) and self.store.session_valid(token, self.clock())

    def require_session(self, token: str | None) -> None:
        """Raise ``session`` (ID.1001) unless the token is a live session (facts "ErrorCode": ID.1001)."""
        if self.faults.on("no-auth"):
            return
        if not self.session_ok(token):
            raise ApiError("session", f"the session[uuid:{token}] is invalid or expired")

    def login(self, account: Any, password: Any) -> dict[str, Any]:
        """Log in by account name and SHA-512 hex of the password; a new session's inventory."""
        if not isinstance(account, str) or not isinstance(password, str) \
                or self.store.check_login(account, password) is None:
            raise ApiError("login", "wrong account name or password")
        return self.new_session()

    def logout(self, session_uuid: str) -> None:
        """End a session; an unknown session is not an error."""
        self.store.delete_session(session_uuid)

    # -- queries ----------------------------------------------------------------------------------
    def query(self, token: str | None, spec: QuerySpec) -> tuple[list[Row] | None, int | None]:
        """The query API: the matching rows (``None`` with ``count``) and the total when asked.

        The conditions are compiled to SQL (``query.where_clause``); raises ``QueryArgumentError``.
        """
        self.require_session(token)
        check_fields(spec)
        where, params = where_clause(spec.conditions)
        order = order_clause(spec)
        total = self.store.count(where, params) if spec.count or spec.reply_with_count else None
        if spec.count:
            return None, total
        rows = self.store.select(where, params, order, spec.limit, spec.start)
        return [self._as_queried(row) for row in rows], total

    def _as_queried(self, row: Row) -> Row:
        if self.faults.on("stale-query-cache"):
            row = self._query_cache.setdefault(row["uuid"], row)
        if self.faults.on("query-old-yaml"):
            row = {**row, "yaml": seed_yaml(zstack=self.zstack)}
        return self._shown(row)

    def _shown(self, row: Row) -> Row:
        """The ``quoted-int-as-string`` fault: int fields last sent quoted are shown as that text."""
        quoted = self._quoted.get(row["uuid"])
        return {**row, **quoted} if quoted else row

    def get(self, uuid: str) -> Row | None:
        return self.store.get(uuid)

    # -- the update -------------------------------------------------------------------------------
    def update(self, uuid: str, token: str | None, fields: Mapping[str, Any]) -> Row:
        """Apply UpdateModelService; the row as stored. Raises :class:`ApiError` and then changes nothing."""
        try:
            self.require_session(token)
            if not is_zstack_uuid(uuid):
                raise ApiError("malformed", f"invalid field[uuid]: {uuid!r} is not 32 lower-case hex digits")
            parsed = parse_update(dict(fields), self.faults, zstack=self.zstack)
            if parsed.errors:
                self.partial_apply(uuid, fields, parsed)
                raise ApiError("argument", parsed.describe())
            if self.faults.on("lock-after-writes"):
                self._writes += 1
                if self._writes > LOCK_AFTER_WRITES:
                    raise ApiError("argument", "the model service is locked after too many updates")
            if self.faults.on("refuse-all-fields") and set(DOCUMENTED_FIELDS) <= set(parsed.changes):
                # What a restore sends: with this fault the harness cannot leave the target as found.
                raise ApiError("argument", "too many fields in one update")
            if self.faults.on("lost-update"):
                return self._lost_update(uuid, fields, parsed)
            row = self.store.update(uuid, lambda current: self._apply(uuid, current, fields, parsed.changes))
        except ApiError:
            self.rejected(uuid)
            raise
        assert row is not None
        if self.faults.on("quoted-int-as-string"):
            shown = self._quoted.setdefault(uuid, {})
            for name in ("requestCpu", "requestMemory"):
                if name in parsed.quoted:
                    shown[name] = parsed.quoted[name]
                elif name in parsed.changes:
                    shown.pop(name, None)
        return self._shown(row)

    def _apply(self, uuid: str, current: Row | None, sent: Mapping[str, Any], changes: dict[str, Any]) -> Row:
        """The new row for an accepted update (runs inside the transaction)."""
        now = self.now()
        if current is None:
            if not self.faults.on("upsert-unknown"):
                raise ApiError("not_found",
                               f"invalid field[uuid], resource[uuid:{uuid}, type:ModelServiceVO] not found")
            current = blank_row(uuid, now)
        new = dict(current)
        new.update(self.faults.mangle(changes))
        # oracle.md "Round-trip": lastOpDate never goes backwards, createDate never changes.
        new["lastOpDate"] = max(now, current["lastOpDate"])
        self.faults.before_write(current, new, sent, now)
        return new

    def _lost_update(self, uuid: str, sent: Mapping[str, Any], parsed: ParsedUpdate) -> Row:
        """The ``lost-update`` fault: read, think, write the whole row, with no transaction around it."""
        stale = self.store.get(uuid)
        time.sleep(0.1)  # long enough for a concurrent request to read the same row
        new = self._apply(uuid, stale, sent, parsed.changes)  # raises not_found for an unknown uuid
        row = self.store.update(uuid, lambda _current: new)
        assert row is not None
        return row

    def partial_apply(self, uuid: str, fields: Mapping[str, Any], parsed: ParsedUpdate | None = None) -> None:
        """The ``partial-apply`` fault: store the valid string fields before refusing a bad number."""
        if not self.faults.on("partial-apply") or not is_zstack_uuid(uuid):
            return
        parsed = parsed or parse_update(dict(fields), self.faults, zstack=self.zstack)
        if not any(e.field in ("requestCpu", "requestMemory") for e in parsed.errors):
            return
        strings = {k: v for k, v in parsed.changes.items() if k in ("name", "description", "yaml")}
        if strings:
            self.store.update(uuid, lambda current: None if current is None else {**current, **strings})

    def rejected(self, uuid: str) -> None:
        """A request on ``uuid`` was refused: nothing happens, unless ``rejected-bumps-lastopdate`` is on."""
        if not self.faults.on("rejected-bumps-lastopdate") or not is_zstack_uuid(uuid):
            return
        now = self.now()
        self.store.update(uuid, lambda current: None if current is None else
                          {**current, "lastOpDate": max(now, current["lastOpDate"] + 1)})
