"""The total deadline of a request: one watchdog thread for all of them, and the pool classes that arm it.

Socket timeouts bound one read, not a request: a target dripping a byte a second answers every read
in time and never ends (a 3 s timeout can stretch to minutes). So once a request is sent, its
socket is handed to one shared daemon thread with a heap of deadlines, which shuts the socket down
when the deadline passes; the blocked read then fails and the request is a timeout. Arming costs a
heap push under a lock (no thread or timer per request); a disarmed entry stays in the heap, inert,
until its deadline comes round.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from typing import Any

import urllib3
import urllib3.connection

from zscontract.core.resolve import is_ip, resolve


class Watchdog:
    """One daemon thread that shuts down the sockets of requests past their deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[list[Any]] = []  # [deadline, seq, socket | None]; None = disarmed
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: float, sock: socket.socket) -> list[Any]:
        entry = [deadline, next(self._seq), sock]
        with self._cond:
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="zscontract-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0] is entry:
                self._cond.notify()
        return entry

    def disarm(self, entry: list[Any]) -> None:
        with self._cond:  # once this returns, the thread cannot shut the socket down (it may be reused)
            entry[2] = None

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2] is None:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                sock = heapq.heappop(self._heap)[2]
                # The base-class shutdown: SSLSocket's own would drop its TLS state under the reader.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


WATCHDOG = Watchdog()


class Watch(threading.local):
    """This thread's request in flight: its deadline, its watchdog entry, whether its socket was reused."""

    deadline: float | None = None
    entry: list[Any] | None = None
    reused: bool = False

    def start(self, deadline: float) -> None:
        self.deadline, self.entry, self.reused = deadline, None, False

    def arm(self, sock: Any) -> None:
        if self.deadline is not None and self.entry is None and isinstance(sock, socket.socket):
            self.entry = WATCHDOG.arm(self.deadline, sock)

    def stop(self) -> None:
        entry, self.deadline, self.entry = self.entry, None, None
        if entry is not None:
            WATCHDOG.disarm(entry)


CURRENT = Watch()
_JOIN_UP_TO = 256 * 1024  # a body larger than this is not copied to join its header block


class _Watched:
    """Arms the watchdog once a request is sent; notes whether the connection was a reused one.

    A request with a body goes out in one ``send``: http.client writes the header block, then urllib3
    the body, and two small writes wake the server twice on a loopback target (old http.client sent
    them together for that reason). The header block is held until the body comes.
    """

    sock: Any
    port: int
    timeout: Any
    _dns_host: str
    _used_sock: Any = None  # the socket the previous request went out on
    _held: bytes | None = None  # the header block, waiting for the body

    def request(self, method: str, url: str, body: Any = None, *args: Any, **kwargs: Any) -> None:
        # The socket of an earlier request still open: a keep-alive connection from the pool.
        CURRENT.reused = self.sock is not None and self.sock is self._used_sock
        self._held = b"" if isinstance(body, bytes) and 0 < len(body) <= _JOIN_UP_TO else None
        try:
            super().request(method, url, body, *args, **kwargs)  # type: ignore[misc]
            if self._held:  # no body was sent after all: the headers alone
                super().send(self._held)  # type: ignore[misc]
        finally:
            self._held = None
            self._used_sock = self.sock

    def send(self, data: Any) -> None:
        held = self._held
        if held is not None:
            if not held:
                self._held = bytes(data)  # the header block: sent with the body
                return
            data, self._held = held + data, None
        super().send(data)  # type: ignore[misc]

    def _new_conn(self) -> Any:
        """A connection to a host name resolved within the request's deadline (``core/resolve.py``), each
        of its addresses tried in turn as urllib3 does, each connect bounded by what is left of the deadline."""
        name, deadline = self._dns_host, CURRENT.deadline
        if deadline is None or is_ip(name):
            return super()._new_conn()  # type: ignore[misc]
        try:
            addresses = resolve(name, self.port, deadline)
        except socket.gaierror as exc:
            raise urllib3.exceptions.NameResolutionError(name, self, exc) from exc  # type: ignore[arg-type]
        error: BaseException | None = None
        try:
            for address in dict.fromkeys(a[4][0] for a in addresses):
                self._dns_host = address
                self.timeout = max(0.001, deadline - time.monotonic())
                try:
                    return super()._new_conn()  # type: ignore[misc]
                except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError) as exc:
                    error = exc
        finally:
            self._dns_host = name  # the Host header, TLS's server name and the certificate check use the name
        raise error or urllib3.exceptions.NameResolutionError(name, self, socket.gaierror("no address"))  # type: ignore[arg-type]

    def getresponse(self) -> Any:  # the request is sent: from here on the deadline is the watchdog's
        CURRENT.arm(self.sock)
        return super().getresponse()  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    pass


class Pool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class TLSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


POOL_CLASSES = {"http": Pool, "https": TLSPool}
