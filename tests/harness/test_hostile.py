"""The client against real misbehaving servers on 127.0.0.1: bounded in memory and in time.

These run the production HTTP path (urllib3's pool, zscontract.core.http), no mocks.
Times are asserted with generous bounds only (the machine is shared).
"""

from __future__ import annotations

import dataclasses
import email.utils
import socket
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import hostile
from tests.fixtures.hostile import Hostile, Seen, answer_json, respond
from zscontract.core import limits
from zscontract.core.client import BudgetSpent, Client, ClientSettings, Limits, RunLimitReached, TargetDown
from zscontract.core.dialects import DOCUMENTED, ZSTACK
from zscontract.core.http import MIB
from zscontract.core.session import login

SESSION = "5e55105e55105e55105e55105e551050"
UUID = "a" * 32
INVENTORY = {"uuid": UUID, "name": "m"}


def client_for(url: str, **kwargs: Any) -> Client:
    kwargs.setdefault("dialect", DOCUMENTED)
    limits = {name: kwargs.pop(name) for name in [f.name for f in dataclasses.fields(Limits)] if name in kwargs}
    return Client(ClientSettings(base_url=url, session_uuid=SESSION, **kwargs), limits=Limits(**limits))


def sound(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
    if seen.method == "GET":
        return answer_json(conn, 200, {"inventories": [INVENTORY]})
    return answer_json(conn, 200, {"inventory": INVENTORY})


# -- the production path works, keeps connections alive, decodes ------------------------------------
def test_keep_alive_and_a_normal_answer() -> None:
    with Hostile(sound) as server:
        client = client_for(server.url)
        first = client.update(UUID, {"name": "m"})
        second = client.update(UUID, {"name": "m"})
    assert first.status == second.status == 200
    assert second.response is not None and second.response.inventory() == INVENTORY
    assert [s.connection for s in server.seen] == [1, 1]  # one pooled connection, reused
    assert server.seen[0].headers["authorization"] == f"OAuth {SESSION}"


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_answers_are_decoded(encoding: str) -> None:
    import zlib
    plain = b'{"inventory": {"uuid": "%s"}}' % UUID.encode()
    packed = zlib.compress(plain) if encoding == "deflate" else __import__("gzip").compress(plain)

    def handler(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        return respond(conn, 200, packed, {"Content-Encoding": encoding})

    with Hostile(handler) as server:
        ex = client_for(server.url).send("GET", server.url + "/x")
    assert ex.response is not None and ex.response.body == plain


def test_a_request_and_its_body_go_out_in_one_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """The header block waits for the body: two small writes wake a loopback target twice (benchmarks)."""
    import http.client
    writes: list[bytes] = []
    original = http.client.HTTPConnection.send

    def recording(self: http.client.HTTPConnection, data: Any) -> None:
        writes.append(bytes(data))
        original(self, data)

    monkeypatch.setattr(http.client.HTTPConnection, "send", recording)
    with Hostile(sound) as server:
        client = client_for(server.url)
        put = client.update(UUID, {"name": "m"})
        get = client.send("GET", server.url + "/x")
    assert put.status == get.status == 200
    assert put.request.body and server.seen[0].body == put.request.body
    [put_write, get_write] = writes  # one write a request
    assert put_write.startswith(b"PUT ") and put_write.endswith(b"\r\n\r\n" + put.request.body)
    assert get_write.startswith(b"GET ") and get_write.endswith(b"\r\n\r\n")


def test_threads_share_one_pool() -> None:
    results: list[int | None] = []
    with Hostile(sound) as server:
        client = client_for(server.url)
        workers = [threading.Thread(target=lambda: results.append(client.update(UUID, {"name": "m"}).status))
                   for _ in range(8)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(30)
    assert results == [200] * 8


# -- bounded reads ---------------------------------------------------------------------------------
def _peak_during(action: Any) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("chunked", [True, False])
def test_a_50_mb_body_is_too_large_with_memory_bounded(chunked: bool) -> None:
    with Hostile(hostile.huge(50 * MIB, chunked=chunked)) as server:
        client = client_for(server.url)
        ex, peak = _peak_during(lambda: client.send("GET", server.url + "/big"))
    assert ex.response is None and ex.error_kind == "too_large"
    assert ex.error.startswith(f"body too large: more than {8 * MIB} bytes")
    assert peak < 64 * MIB, f"peak Python allocations {peak / MIB:.1f} MiB"


def test_an_endless_chunked_body_ends_at_the_limit() -> None:
    with Hostile(hostile.endless_chunked) as server:
        ex = client_for(server.url, max_body=1 * MIB).send("GET", server.url + "/endless")
    assert ex.error_kind == "too_large" and "1048576" in (ex.error or "")


def test_a_gzip_bomb_stops_at_the_limit_after_decoding() -> None:
    hostile.gzip_bomb()  # built before measuring
    with Hostile(hostile.bomb) as server:
        client = client_for(server.url)
        ex, peak = _peak_during(lambda: client.send("GET", server.url + "/bomb"))
    assert ex.error_kind == "too_large" and "after gzip decoding" in (ex.error or "")
    assert peak < 64 * MIB, f"peak Python allocations {peak / MIB:.1f} MiB"


def test_a_too_large_answer_fails_no_server_fault_not_the_run() -> None:
    with Hostile(hostile.huge(2 * MIB, chunked=True)) as server:
        ex = client_for(server.url, max_body=MIB).update(UUID, {"name": "m"})
        back = client_for(server.url, max_body=MIB).read(UUID)
    assert ex.error_kind == "too_large"
    assert back.inventory is None and back.problem is not None and "too large" in back.problem


@pytest.mark.parametrize("in_headers", [False, True])
def test_a_drip_ends_at_the_total_deadline(in_headers: bool) -> None:
    with Hostile(hostile.drip(0.5, in_headers=in_headers)) as server:
        client = client_for(server.url, request_timeout=2)
        started = time.monotonic()
        ex = client.send("GET", server.url + "/drip")
        took = time.monotonic() - started
    assert ex.response is None and ex.error_kind == "timeout", ex.error
    assert took < 10, f"a 2 s request took {took:.1f} s"


def test_a_100000_deep_json_answer_is_a_problem_not_a_crash() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000

    def handler(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        return respond(conn, 200, b'{"inventories": ' + deep + b"}")

    with Hostile(handler) as server:
        client = client_for(server.url)
        back = client.read(UUID)
        ex = client.send("GET", server.url + "/deep")
    assert ex.response is not None
    assert ex.response.json(default="not json") == "not json"
    with pytest.raises(ValueError, match="256"):
        ex.response.json()
    assert ex.response.json_problem() == "nests deeper than 256 levels"
    assert ex.response.inventories() is None and ex.response.inventory() is None
    assert back.inventory is None and back.problem is not None and "256" in back.problem


# -- the target going away, the run's budget ---------------------------------------------------------
def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_in_a_row_is_target_down() -> None:
    url = f"http://127.0.0.1:{_dead_port()}"
    client = client_for(url, down_after=3)
    for _ in range(2):
        assert client.send("GET", url + "/x").error_kind == "connection"
    with pytest.raises(TargetDown, match="3 requests in a row failed"):
        client.send("GET", url + "/x")
    assert client_for(url, down_after=None).send("GET", url + "/x").error_kind == "connection"


def test_an_answer_resets_the_count_of_failures() -> None:
    with Hostile(sound) as server:
        client = client_for(server.url, down_after=2)
        dead = f"http://127.0.0.1:{_dead_port()}/x"
        for _ in range(3):
            assert client.send("GET", dead).error_kind == "connection"
            assert client.send("GET", server.url + "/x").status == 200  # never two failures in a row


def test_a_passed_deadline_is_budget_spent() -> None:
    with Hostile(sound) as server:
        client = client_for(server.url, deadline=time.monotonic() - 1)
        with pytest.raises(BudgetSpent):
            client.send("GET", server.url + "/x")
    assert server.seen == []
    assert issubclass(BudgetSpent, RunLimitReached)


def test_the_deadline_cuts_a_request_short_as_budget_spent_not_a_hang() -> None:
    with Hostile(hostile.drip(0.5)) as server:
        client = client_for(server.url, request_timeout=30, deadline=time.monotonic() + 1.5)
        started = time.monotonic()
        with pytest.raises(BudgetSpent):
            client.send("GET", server.url + "/drip")
    assert time.monotonic() - started < 10


# -- Retry-After and the rate limiter ----------------------------------------------------------------
def _429_then_ok(retry_after: str) -> Any:
    def handler(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        if len(server.seen) == 1:
            return respond(conn, 429, b"{}", {"Retry-After": retry_after})
        return answer_json(conn, 200, {"inventory": INVENTORY})
    return handler


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_retry_after_in_both_forms_is_honoured_once(form: str) -> None:
    value = "1" if form == "seconds" else email.utils.formatdate(time.time() + 1, usegmt=True)
    with Hostile(_429_then_ok(value)) as server:
        ex = client_for(server.url).update(UUID, {"name": "m"})
    assert ex.status == 200 and len(server.seen) == 2


def test_retry_after_beyond_the_deadline_is_not_waited_for() -> None:
    with Hostile(_429_then_ok("20")) as server:
        ex = client_for(server.url, deadline=time.monotonic() + 5).update(UUID, {"name": "m"})
    assert ex.status == 429 and len(server.seen) == 1


def test_the_rate_limiter_sleeps_without_holding_its_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    limiter = limits.RateLimiter(2.0)
    held: list[bool] = []
    monkeypatch.setattr(limits.time, "sleep", lambda s: held.append(limiter.lock.locked()))
    delays = [limiter.reserve() for _ in range(3)]
    threads = [threading.Thread(target=limiter.wait) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert delays[0] == 0 and delays[1] > 0 and delays[2] > delays[1]  # distinct slots, reserved in turn
    assert held == [False, False]  # both waiting threads slept with the lock free


# -- async jobs ------------------------------------------------------------------------------------
def _job_target(location: str, *, poll_needs_auth: bool = False, never_ends: bool = False) -> Any:
    def handler(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        if seen.method == "PUT":
            return answer_json(conn, 202, {"location": location})
        if never_ends:
            return answer_json(conn, 202, {"location": location})
        if poll_needs_auth and "authorization" not in seen.headers:
            return answer_json(conn, 401, {"error": {"code": "ID.1001", "description": "no session"}})
        return answer_json(conn, 200, {"inventory": INVENTORY})
    return handler


def test_a_foreign_job_location_is_polled_at_the_target_without_the_session() -> None:
    with Hostile(sound) as elsewhere:
        location = elsewhere.url + "/zstack/v1/api-jobs/j1?x=1"
        with Hostile(_job_target(location)) as server:
            client = client_for(server.url, dialect=ZSTACK)
            ex = client.update(UUID, {"name": "m"})
    assert ex.status == 200 and ex.response is not None and ex.response.inventory() == INVENTORY
    assert elsewhere.seen == []  # nothing, and no session, ever reached the other origin
    poll = server.seen[1]
    assert (poll.method, poll.path) == ("GET", "/zstack/v1/api-jobs/j1?x=1")
    assert "authorization" not in poll.headers
    assert client.stats.foreign_locations == {f"http://127.0.0.1:{elsewhere.port}"}


def test_a_foreign_job_poll_that_asks_for_the_session_gets_it_at_the_target_only() -> None:
    with Hostile(sound) as elsewhere:
        location = elsewhere.url + "/zstack/v1/api-jobs/j2"
        with Hostile(_job_target(location, poll_needs_auth=True)) as server:
            ex = client_for(server.url, dialect=ZSTACK).update(UUID, {"name": "m"})
    assert ex.status == 200 and elsewhere.seen == []
    polls = server.seen[1:]
    assert ["authorization" in p.headers for p in polls] == [False, True]
    assert polls[1].headers["authorization"] == f"OAuth {SESSION}"


def test_a_same_origin_job_is_polled_with_the_session() -> None:
    with Hostile(_job_target("/zstack/v1/api-jobs/j3")) as server:
        client = client_for(server.url, dialect=ZSTACK)
        ex = client.update(UUID, {"name": "m"})
    assert ex.status == 200 and client.stats.foreign_locations == set()
    assert server.seen[1].headers.get("authorization") == f"OAuth {SESSION}"


def test_a_job_that_never_ends_is_a_job_timeout() -> None:
    with Hostile(_job_target("/zstack/v1/api-jobs/j4", never_ends=True)) as server:
        client = client_for(server.url, dialect=ZSTACK, job_timeout=0.5)
        started = time.monotonic()
        ex = client.update(UUID, {"name": "m"})
    assert ex.response is None and ex.error_kind == "job_timeout"
    assert time.monotonic() - started < 10
    assert 2 <= len(server.seen) - 1 <= 12  # backed off: not a poll every 20 ms


def test_a_hostile_login_answer_is_one_error_not_a_crash() -> None:
    from zscontract.errors import TargetUnreachable
    with Hostile(hostile.huge(2 * MIB, chunked=True)) as server, pytest.raises(TargetUnreachable, match="too large"):
        login(client_for(server.url, max_body=MIB), "admin", "x" * 128)


# -- TLS ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    made = hostile.self_signed(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("openssl is not available to make a certificate")
    return made


def test_tls_certificate_failure_then_ca_bundle_then_insecure(certificate: tuple[Path, Path],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    cert, key = certificate
    with Hostile(sound, tls=hostile.tls_context(cert, key)) as server:
        refused = client_for(server.url).send("GET", server.url + "/x")
        trusted = client_for(server.url, ca_bundle=str(cert)).send("GET", server.url + "/x")
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        from_env = client_for(server.url).send("GET", server.url + "/x")
        monkeypatch.delenv("SSL_CERT_FILE")
        unchecked = client_for(server.url, insecure=True).send("GET", server.url + "/x")
    assert refused.response is None and refused.error_kind == "tls"
    assert "certificate" in (refused.error or "") and "--ca-bundle" in (refused.error or "")
    assert "unreachable" not in (refused.error or "")
    assert trusted.status == 200 and from_env.status == 200 and unchecked.status == 200


def test_plain_http_on_an_https_url_is_a_tls_handshake_error() -> None:
    # A plain-HTTP server answers the ClientHello at once with an HTTP error (as nginx and others do),
    # so the handshake fails on the answer, not on a timeout.
    listener = socket.create_server(("127.0.0.1", 0))

    def answer_in_plain_http() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=answer_in_plain_http, daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{listener.getsockname()[1]}"
    try:
        ex = client_for(url).send("GET", url + "/x")
    finally:
        thread.join(5)
        listener.close()
    assert ex.error_kind == "tls" and "handshake" in (ex.error or "")


def _second_request_on_a_connection_dropped(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
    """Answers the first request of each connection, then closes on the next unanswered: the race of
    a server closing an idle keep-alive socket just as the client reuses it."""
    if sum(1 for s in server.seen if s.connection == seen.connection) > 1:
        return False
    return sound(server, conn, seen)


def test_a_get_on_a_stale_keep_alive_socket_is_sent_once_more_a_put_never() -> None:
    with Hostile(_second_request_on_a_connection_dropped) as server:
        client = client_for(server.url)
        assert client.send("GET", server.url + "/x").status == 200
        again = client.send("GET", server.url + "/x")
        assert again.status == 200  # on a new connection
        assert [s.connection for s in server.seen] == [1, 1, 2]
        put = client.send("PUT", server.url + "/x", body=b"{}")
    assert put.response is None and put.error_kind == "connection"  # a write is never repeated
    assert [s.method for s in server.seen].count("PUT") == 1


@pytest.mark.parametrize(("poll_answer", "kind"), [(hostile.huge(2 * MIB, chunked=True), "too_large"),
                                                   (hostile.drip(0.5), "timeout")])
def test_a_hostile_poll_ends_the_job_with_its_error_kind(poll_answer: Any, kind: str) -> None:
    def handler(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        if seen.method == "PUT":
            return answer_json(conn, 202, {"location": "/zstack/v1/api-jobs/j5"})
        return bool(poll_answer(server, conn, seen))

    with Hostile(handler) as server:
        client = client_for(server.url, dialect=ZSTACK, max_body=MIB, request_timeout=2)
        started = time.monotonic()
        ex = client.update(UUID, {"name": "m"})
    assert ex.response is None and ex.error_kind == kind and len(ex.steps) == 1
    assert time.monotonic() - started < 10


def _fat_polls(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
    if seen.method == "PUT":
        return answer_json(conn, 202, {"location": "/zstack/v1/api-jobs/fat"})
    return answer_json(conn, 202, {"location": "/zstack/v1/api-jobs/fat", "pad": "x" * MIB})


def test_a_never_ending_job_with_fat_answers_keeps_bounded_steps() -> None:
    # Every 202 of a job that never ends, kept whole, would be 8 MiB each: a gigabyte per run.
    with Hostile(_fat_polls) as server:
        ex = client_for(server.url, dialect=ZSTACK, job_timeout=1.5, max_body=4 * MIB).update(UUID, {"name": "m"})
    assert ex.error_kind == "job_timeout"
    assert len(server.seen) - 1 > 4, "too few polls to show the bound"
    assert len(ex.steps) <= 16 and sum(len(r.body) for r in ex.steps) <= 16 * 4096 + 1024


@pytest.mark.parametrize("location", ["http://[::1/zstack/v1/api-jobs/x", "javascript:alert(1)", "mailto:a@b"])
def test_a_job_location_that_is_no_http_url_is_a_202_without_one_not_a_crash(location: str) -> None:
    with Hostile(_job_target(location)) as server:
        ex = client_for(server.url, dialect=ZSTACK).update(UUID, {"name": "m"})
    assert ex.status == 202 and ex.error_kind is None  # the 202 is the answer: response_shape reports it
    assert [s.method for s in server.seen] == ["PUT"]  # nothing polled at a made-up URL


def test_a_preflight_answer_too_large_is_said_as_such_not_unreachable() -> None:
    # A 1 GB answer to the preflight read is too large, not "unreachable … check --target-url".
    from zscontract.errors import TargetUnreachable
    from zscontract.runner.preflight import preflight

    with Hostile(hostile.huge(2 * MIB, chunked=True)) as server, \
            pytest.raises(TargetUnreachable, match="more than --max-body") as raised:
        preflight(client_for(server.url, max_body=MIB), UUID)
    assert "unreachable" not in str(raised.value)
