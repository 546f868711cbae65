"""A host name is resolved within the request's deadline (a run's budget holds whatever the network does).

``socket.getaddrinfo`` is replaced for a few invented names only (a slow resolver, a failing one, two
addresses of which the first refuses); the request itself goes over real sockets to a real server.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures import hostile
from tests.fixtures.hostile import Hostile
from tests.harness.test_hostile import UUID, client_for, sound
from zscontract.core import resolve

REAL = socket.getaddrinfo
SLOW = 3.0


def _fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
    if host == "slow.zscontract.test":
        time.sleep(SLOW)
        return REAL("127.0.0.1", port, *args, **kwargs)
    if host == "fast.zscontract.test":
        return REAL("127.0.0.1", port, *args, **kwargs)
    if host == "two.zscontract.test":  # the first address refuses (nothing listens on 127.0.0.2)
        return REAL("127.0.0.2", port, *args, **kwargs) + REAL("127.0.0.1", port, *args, **kwargs)
    if host == "none.zscontract.test":
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return REAL(host, port, *args, **kwargs)


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hostile]:
    monkeypatch.setattr(socket, "getaddrinfo", _fake)
    with Hostile(sound) as server:
        yield server


def test_a_slow_resolver_ends_the_request_at_its_deadline(names: Hostile) -> None:
    client = client_for(f"http://slow.zscontract.test:{names.port}", request_timeout=0.5)
    started = time.monotonic()
    ex = client.update(UUID, {"name": "m"})
    took = time.monotonic() - started
    assert ex.response is None and ex.error_kind == "timeout", ex.error
    assert took < SLOW - 1, f"a 0.5 s request waited {took:.1f} s for the resolver"
    assert names.seen == []


def test_a_name_is_resolved_and_still_named_in_the_request(names: Hostile) -> None:
    ex = client_for(f"http://fast.zscontract.test:{names.port}").update(UUID, {"name": "m"})
    assert ex.status == 200, ex.error
    assert names.seen[0].headers["host"] == f"fast.zscontract.test:{names.port}"


def test_every_address_of_a_name_is_tried_in_turn(names: Hostile) -> None:
    ex = client_for(f"http://two.zscontract.test:{names.port}").update(UUID, {"name": "m"})
    assert ex.status == 200, ex.error


def test_an_unknown_name_is_a_connection_failure_that_names_it(names: Hostile) -> None:
    ex = client_for(f"http://none.zscontract.test:{names.port}").update(UUID, {"name": "m"})
    assert ex.response is None and ex.error_kind == "connection", ex.error
    assert ex.error is not None and "none.zscontract.test" in ex.error


def test_an_ip_address_is_never_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    real_start = threading.Thread.start

    def start(self: threading.Thread) -> None:
        threads.append(self.name)
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    with Hostile(sound) as server:
        assert client_for(server.url).update(UUID, {"name": "m"}).status == 200
    assert "zscontract-resolve" not in threads


def test_resolve_waits_no_longer_than_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _fake)
    started = time.monotonic()
    with pytest.raises(resolve.ResolveTimeout, match=r"slow\.zscontract\.test"):
        resolve.resolve("slow.zscontract.test", 80, time.monotonic() + 0.2)
    assert time.monotonic() - started < SLOW - 1
    assert resolve.is_ip("127.0.0.1") and resolve.is_ip("[::1]") and not resolve.is_ip("example.com")


def test_tls_checks_the_certificate_against_the_name_not_the_address(
        names: Hostile, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    made = hostile.self_signed(tmp_path, san="DNS:fast.zscontract.test")  # no IP in it
    if made is None:
        pytest.skip("openssl is not available to make a certificate")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    cert, key = made
    with Hostile(sound, tls=hostile.tls_context(cert, key)) as server:
        by_name = client_for(f"https://fast.zscontract.test:{server.port}", ca_bundle=str(cert))
        by_address = client_for(server.url, ca_bundle=str(cert))
        named = by_name.update(UUID, {"name": "m"})
        addressed = by_address.update(UUID, {"name": "m"})
    assert named.status == 200, named.error
    assert addressed.response is None and addressed.error_kind == "tls"  # the check is real
