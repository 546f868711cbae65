"""How a request is sent is the client's own choice or one given to it, never a test library's patch.

The client sends through urllib3's pool (``zscontract.core.http.PoolSender``) whatever else is loaded;
a test that scripts a target gives the client a transport explicitly (``tests.fixtures.scripted``).
"""

from __future__ import annotations

import io
import re
import socket
from typing import Any

import responses
import urllib3

from tests.fixtures.hostile import Hostile, Seen, answer_json
from tests.fixtures.scripted import SESSION, scripted_client
from zscontract.core.client import Client, ClientSettings
from zscontract.core.dialects import DOCUMENTED
from zscontract.core.http import Transport

UUID = "0123456789abcdef0123456789abcdef"


def _real(server: Hostile, conn: socket.socket, seen: Seen) -> bool:
    return answer_json(conn, 200, {"inventory": {"name": "from the real server"}})


def _settings(url: str) -> ClientSettings:
    return ClientSettings(base_url=url, session_uuid=SESSION, dialect=DOCUMENTED)


def test_an_active_responses_script_does_not_reroute_a_default_client() -> None:
    with Hostile(_real) as server, responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.PUT, re.compile(".*"), json={"inventory": {"name": "from the script"}})
        ex = Client(_settings(server.url)).update(UUID, {"name": "m"})
        assert ex.response is not None and ex.response.inventory() == {"name": "from the real server"}
        assert len(mock.calls) == 0 and len(server.seen) == 1


def test_a_client_given_a_scripted_transport_is_answered_by_the_script() -> None:
    with Hostile(_real) as server, responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.PUT, re.compile(".*"), json={"inventory": {"name": "from the script"}})
        ex = scripted_client(_settings(server.url)).update(UUID, {"name": "m"})
        assert ex.response is not None and ex.response.inventory() == {"name": "from the script"}
        assert len(mock.calls) == 1 and server.seen == []


class _Canned:
    """A sender answering every request with one body, and remembering what it was asked."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent: list[tuple[str, str, dict[str, str]]] = []
        self.closed = False

    def send(self, method: str, url: str, body: bytes | None, headers: dict[str, str], seconds: float) -> Any:
        self.sent.append((method, url, headers))
        return urllib3.HTTPResponse(io.BytesIO(self.body), headers={"Content-Type": "application/json"},
                                    status=200, preload_content=False)

    def close(self) -> None:
        self.closed = True


def test_a_sender_given_to_the_transport_gets_every_request_with_the_default_headers() -> None:
    sender = _Canned(b'{"inventory": {"name": "canned"}}')
    client = Client(_settings("http://unreachable.invalid:1"), transport=Transport(sender=sender))
    ex = client.update(UUID, {"name": "m"})
    assert ex.response is not None and ex.response.inventory() == {"name": "canned"}
    [(method, url, headers)] = sender.sent
    assert method == "PUT" and url.endswith(f"/model-services/{UUID}")
    assert headers["Authorization"] == f"OAuth {SESSION}" and headers["Accept-Encoding"] == "gzip, deflate"
    client.close()
    assert sender.closed

