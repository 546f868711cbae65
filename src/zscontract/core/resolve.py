"""Name resolution inside a request's deadline.

``getaddrinfo`` ignores socket timeouts and cannot be interrupted: with a slow or dead resolver it
blocks for the resolver's own retries (glibc: 5 s a try, 2 tries a name server, then the search
domains), far past a request's total deadline, and the watchdog has no socket to shut yet. So a host
name is resolved in a daemon thread of its own, waited for until the deadline only. A lookup that
outlives its wait finishes in the background and is thrown away; it cannot keep the process alive.
An IP address is never looked up (the usual staging target, and the embedded server).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import Any

from urllib3.util.connection import allowed_gai_family

Address = tuple[Any, ...]  # getaddrinfo's (family, type, proto, canonname, sockaddr)


class ResolveTimeout(TimeoutError):
    """The name did not resolve before the request's deadline."""


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def resolve(host: str, port: int, deadline: float) -> list[Address]:
    """``getaddrinfo`` for a TCP connection to ``host``, as urllib3 asks it, waited for until ``deadline``.

    Raises ``socket.gaierror`` as getaddrinfo does, or ``ResolveTimeout``.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            box["addresses"] = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
        except BaseException as exc:  # handed to the waiting thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=lookup, name="zscontract-resolve", daemon=True).start()
    seconds = max(0.0, deadline - time.monotonic())
    if not done.wait(seconds):
        raise ResolveTimeout(f"the name {host} did not resolve within {seconds:.3g} s")
    if "error" in box:
        raise box["error"]
    return list(box["addresses"])
