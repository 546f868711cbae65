"""SQLite storage of the reference server: model services, their images, the account and sessions.

Every write is one ``BEGIN IMMEDIATE`` transaction on a connection of its own, so a rejected request
changes nothing, concurrent requests (uvicorn's thread pool) lose nothing, and a killed process leaves a
consistent database (WAL journal). Rows are plain dicts keyed by the inventory's field names; JSON-typed
fields are stored as JSON text and booleans as 0/1. Strings are bound as TEXT with their length, so NUL
and every other character round-trip byte-exact.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

Row = dict[str, Any]

# Inventory fields in the page's order, with their storage kind.
FIELDS: dict[str, str] = {
    "uuid": "text", "name": "text", "description": "text", "readme": "text", "yaml": "text",
    "requestCpu": "int", "requestMemory": "int", "modelCenterUuid": "text", "type": "text",
    "framework": "text", "source": "text", "size": "int", "system": "bool", "hasNewVersion": "bool",
    "gpuComputeCapability": "text", "installPath": "text", "pythonVersion": "text", "condaVersion": "text",
    "version": "text", "startCommand": "text", "containerCommand": "text", "containerArgs": "text",
    "supportDistributed": "bool", "cpuArchitectures": "json", "vendorToSpecUuidsMap": "json",
    "modelServiceRefs": "json", "createDate": "int", "lastOpDate": "int",
}
IMAGE_FIELDS = ("uuid", "modelServiceUuid", "cpuArchitecture", "vmImageUuid", "dockerImage",
                "createDate", "lastOpDate")
_SQL_TYPES = {"text": "TEXT", "int": "INTEGER", "bool": "INTEGER", "json": "TEXT"}

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS model_service ("
    + ", ".join(f'"{name}" {_SQL_TYPES[kind]}' for name, kind in FIELDS.items())
    + ', PRIMARY KEY ("uuid"))',
    "CREATE TABLE IF NOT EXISTS model_service_image ("
    + ", ".join(f'"{name}" {"INTEGER" if name.endswith("Date") else "TEXT"}' for name in IMAGE_FIELDS)
    + ', PRIMARY KEY ("uuid"))',
    "CREATE TABLE IF NOT EXISTS account (uuid TEXT PRIMARY KEY, name TEXT UNIQUE, password_sha512 TEXT,"
    " user_uuid TEXT)",
    "CREATE TABLE IF NOT EXISTS session (uuid TEXT PRIMARY KEY, account_uuid TEXT, user_uuid TEXT,"
    " create_date INTEGER, expired_date INTEGER)",
)


def sha512_hex(password: str) -> str:
    """The password digest ZStack's login expects (``logInByAccount.password``)."""
    return hashlib.sha512(password.encode("utf-8")).hexdigest()


def _q(name: str) -> str:
    """A quoted SQL identifier (the columns keep the inventory's camelCase names)."""
    return f'"{name}"'


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return 1 if value else 0
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    return value


def _decode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind == "json":
        return json.loads(value)
    return value


class Store:
    """The database file and the transactions on it.

    >>> import tempfile, os
    >>> store = Store(os.path.join(tempfile.mkdtemp(), "db.sqlite"))
    >>> store.get("0" * 32) is None
    True
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()  # a second guard on top of SQLite's own locking
        self._local = threading.local()
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            for statement in _SCHEMA:
                conn.execute(statement)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, opened once: opening one per request cost ~10 ms an update."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            # WAL + synchronous=NORMAL: a killed process still leaves a consistent database (only a
            # power loss may drop the last commits), without an fsync per update (sqlite.org/wal.html).
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        yield conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on any exception."""
        with self._lock, self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- model services -------------------------------------------------------------------------
    def insert(self, conn: sqlite3.Connection, row: Row, images: Sequence[Row] = ()) -> None:
        """Insert a model service (and its images) inside an open transaction."""
        cols = ", ".join(_q(name) for name in FIELDS)
        marks = ", ".join("?" for _ in FIELDS)
        conn.execute(f"INSERT INTO model_service ({cols}) VALUES ({marks})",
                     [_encode(kind, row.get(name)) for name, kind in FIELDS.items()])
        for image in images:
            conn.execute(
                f"INSERT INTO model_service_image ({', '.join(IMAGE_FIELDS)}) VALUES "
                f"({', '.join('?' for _ in IMAGE_FIELDS)})", [image[name] for name in IMAGE_FIELDS])

    def _write(self, conn: sqlite3.Connection, row: Row) -> None:
        names = [name for name in FIELDS if name != "uuid"]
        conn.execute(
            f"UPDATE model_service SET {', '.join(f'{_q(n)} = ?' for n in names)} WHERE uuid = ?",
            [*(_encode(FIELDS[n], row.get(n)) for n in names), row["uuid"]])

    def _read(self, conn: sqlite3.Connection, uuid: str) -> Row | None:
        cur = conn.execute(f"SELECT {', '.join(_q(n) for n in FIELDS)} "
                           "FROM model_service WHERE uuid = ?", (uuid,))
        found = cur.fetchone()
        if found is None:
            return None
        pairs = zip(FIELDS.items(), found, strict=True)
        row: Row = {name: _decode(kind, value) for (name, kind), value in pairs}
        images = conn.execute(
            f"SELECT {', '.join(IMAGE_FIELDS)} FROM model_service_image WHERE modelServiceUuid = ? "
            "ORDER BY rowid", (uuid,)).fetchall()
        row["modelServiceImages"] = [dict(zip(IMAGE_FIELDS, image, strict=True)) for image in images]
        return row

    def get(self, uuid: str) -> Row | None:
        """The stored row of one model service, or ``None``."""
        with self._connect() as conn:
            return self._read(conn, uuid)

    def all(self) -> list[Row]:
        """Every model service, in creation order."""
        with self._connect() as conn:
            uuids = [u for (u,) in conn.execute("SELECT uuid FROM model_service ORDER BY rowid")]
            return [row for row in (self._read(conn, u) for u in uuids) if row is not None]

    def select(self, where: str, params: Sequence[object], order: str, limit: int | None,
               offset: int | None) -> list[Row]:
        """The rows matching a compiled query (:mod:`zscontract.server.query`: whitelisted column
        names in ``where``/``order``, every value a ``?`` parameter)."""
        sql = f"SELECT uuid FROM model_service {where} {order} LIMIT ? OFFSET ?"
        bounds = [-1 if limit is None else max(limit, 0), offset or 0]
        with self._connect() as conn:
            uuids = [u for (u,) in conn.execute(sql, [*params, *bounds])]
            return [row for row in (self._read(conn, u) for u in uuids) if row is not None]

    def count(self, where: str, params: Sequence[object]) -> int:
        """How many rows match (``replyWithCount``, ``count``)."""
        with self._connect() as conn:
            (total,) = conn.execute(f"SELECT COUNT(*) FROM model_service {where}", list(params)).fetchone()
        return int(total)

    def uuids(self) -> list[str]:
        with self._connect() as conn:
            return [u for (u,) in conn.execute("SELECT uuid FROM model_service ORDER BY rowid")]

    def update(self, uuid: str, change: Callable[[Row | None], Row | None]) -> Row | None:
        """Read the row, let ``change`` compute the new one, write it: all in one transaction.

        ``change`` gets the current row (``None`` if unknown) and returns the row to store (inserted
        when it was unknown) or ``None`` to write nothing; an exception it raises rolls back.
        Returns the row as stored afterwards.
        """
        with self.transaction() as conn:
            current = self._read(conn, uuid)
            new = change(None if current is None else dict(current))
            if new is not None:
                if current is None:
                    self.insert(conn, new)
                else:
                    self._write(conn, new)
            return self._read(conn, uuid)

    # -- account and sessions -------------------------------------------------------------------
    def ensure_account(self, name: str, password: str, uuid: str, user_uuid: str) -> tuple[str, str]:
        """Create the account unless it exists; return its (uuid, user uuid)."""
        with self.transaction() as conn:
            found = conn.execute("SELECT uuid, user_uuid FROM account WHERE name = ?", (name,)).fetchone()
            if found is not None:
                conn.execute("UPDATE account SET password_sha512 = ? WHERE name = ?",
                             (sha512_hex(password), name))
                return str(found[0]), str(found[1])
            conn.execute("INSERT INTO account VALUES (?, ?, ?, ?)",
                         (uuid, name, sha512_hex(password), user_uuid))
            return uuid, user_uuid

    def check_login(self, name: str, digest: str) -> tuple[str, str] | None:
        """The (account uuid, user uuid) when the SHA-512 digest matches, else ``None``."""
        with self._connect() as conn:
            found = conn.execute("SELECT uuid, user_uuid, password_sha512 FROM account WHERE name = ?",
                                 (name,)).fetchone()
        if found is None or not isinstance(digest, str) or digest.lower() != found[2]:
            return None
        return str(found[0]), str(found[1])

    def add_session(self, uuid: str, account_uuid: str, user_uuid: str, now: float,
                    expires: float | None) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO session VALUES (?, ?, ?, ?, ?)",
                         (uuid, account_uuid, user_uuid, now, expires))

    def session_valid(self, uuid: str, now: float) -> bool:
        """True when the session exists and has not expired."""
        with self._connect() as conn:
            found = conn.execute("SELECT expired_date FROM session WHERE uuid = ?", (uuid,)).fetchone()
        return found is not None and (found[0] is None or now < found[0])

    def delete_session(self, uuid: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM session WHERE uuid = ?", (uuid,))
