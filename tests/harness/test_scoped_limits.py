"""A client's limits are one immutable value a block narrows or lifts, and the burst really is unpaced.

Measured at the target: with ``--rate-limit 2/s`` the concurrent-writes burst arrives at once, while
every other request keeps its slot half a second after the one before.
"""

from __future__ import annotations

import dataclasses
import itertools
import socket
import threading
import time
from typing import Any

import pytest

from tests.fixtures.hostile import Hostile, Seen, answer_json
from zscontract.contract import load_contract
from zscontract.core.client import Client, ClientSettings, Limits
from zscontract.core.dialects import DOCUMENTED
from zscontract.core.redact import Redactor
from zscontract.runner.engine import Harness
from zscontract.runner.results import RunResult

UUID = "6c1a5f6167944aa1886294842075279f"
SESSION = "5e55105e55105e55105e55105e551050"
INVENTORY = {"uuid": UUID, "name": "m", "description": "d", "yaml": "a: 1", "requestCpu": 2, "requestMemory": 4}
RATE = 2.0


def _client(url: str, **limits: Any) -> Client:
    return Client(ClientSettings(base_url=url, session_uuid=SESSION, dialect=DOCUMENTED), limits=Limits(**limits))


def test_the_concurrent_burst_is_unpaced_under_a_rate_limit_and_the_rest_stays_paced() -> None:
    arrived: list[tuple[str, float]] = []

    def handler(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
        arrived.append((seen.method, time.monotonic()))
        if seen.method == "PUT":
            return answer_json(conn, 200, {"inventory": INVENTORY})
        return answer_json(conn, 200, {"inventories": [INVENTORY]})

    with Hostile(handler) as server:
        client = _client(server.url, rate=RATE, down_after=None)
        result = RunResult("documented", server.url, UUID, Redactor([SESSION]))
        harness = Harness(load_contract("documented"), DOCUMENTED, client, UUID, result)
        harness.state = dict(INVENTORY)
        client.query(UUID)  # takes the first slot: the next paced request waits half a second
        harness.concurrent_writes([{"name": "a"}, {"description": "b"}, {"yaml": "c: 1"}, {"name": "d"}])
        client.query(UUID)
    puts = [t for method, t in arrived if method == "PUT"]
    paced = [t for method, t in arrived if method == "GET"]  # the first query, the burst's read-back, the last
    assert len(puts) == 4 and len(paced) == 3, arrived
    spread = max(puts) - min(puts)
    assert spread < 1 / RATE, f"the burst's writes arrived over {spread:.2f} s: paced, not concurrent"
    gaps = [b - a for a, b in itertools.pairwise(paced)]
    assert all(gap > 0.9 / RATE for gap in gaps), f"the other requests were not paced: gaps {gaps}"
    assert client.current_limits.rate == RATE and client.current_limits.down_after is None  # back after the burst
    assert any("sent at once" in note for note in result.notes)


def test_a_block_narrows_or_lifts_the_limits_and_puts_the_old_value_back() -> None:
    client = _client("http://127.0.0.1:1", rate=RATE, deadline=100.0)
    before = client.current_limits
    with client.limits(rate=None) as lifted:
        assert lifted == dataclasses.replace(before, rate=None) == client.current_limits
        with client.limits(deadline=50.0):
            assert client.current_limits == Limits(rate=None, deadline=50.0)
        assert client.current_limits == lifted
    assert client.current_limits is before
    with pytest.raises(ZeroDivisionError), client.limits(max_requests=1):
        raise ZeroDivisionError
    assert client.current_limits is before  # also when the block ends with an exception
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.rate = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        client.set_limits(rate_limit=1.0)  # not a limit: refused, not silently kept


def test_threads_started_in_a_block_see_its_limits() -> None:
    client = _client("http://127.0.0.1:1", rate=RATE)
    seen: list[float | None] = []
    with client.limits(rate=None):
        thread = threading.Thread(target=lambda: seen.append(client.current_limits.rate))
        thread.start()
        thread.join()
    assert seen == [None] and client.current_limits.rate == RATE
