"""The client's manners with a shared server: rate limit, Retry-After on 429, request budget."""

from __future__ import annotations

import re

import pytest
import responses

from tests.fixtures.scripted import BASE, SESSION
from zscontract.core import client as client_module
from zscontract.core.client import Client, ClientSettings, RequestBudgetExceeded
from zscontract.core.dialects import DOCUMENTED

URL = re.compile(re.escape(BASE) + r"/.*")


def make(**kwargs: object) -> Client:
    return Client(ClientSettings(base_url=BASE, session_uuid=SESSION, dialect=DOCUMENTED, **kwargs))  # type: ignore[arg-type]


@responses.activate
def test_429_with_retry_after_is_waited_for_once(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(client_module.time, "sleep", slept.append)
    responses.add(responses.PUT, URL, status=429, headers={"Retry-After": "2"})
    responses.add(responses.PUT, URL, json={"inventory": {}}, status=200)
    ex = make().update("a" * 32, {"name": "x"})
    assert ex.status == 200
    assert slept == [2.0]
    assert len(responses.calls) == 2


@responses.activate
def test_a_second_429_is_reported_not_retried_forever(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module.time, "sleep", lambda s: None)
    responses.add(responses.PUT, URL, status=429, headers={"Retry-After": "1"})
    ex = make().update("a" * 32, {"name": "x"})
    assert ex.status == 429
    assert len(responses.calls) == 2


@responses.activate
def test_rate_limit_spaces_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(client_module.time, "sleep", sleep)
    monkeypatch.setattr(client_module.time, "monotonic", lambda: clock[0])
    responses.add(responses.GET, URL, json={"inventories": []})
    client = make(rate_limit=4.0)
    for _ in range(5):
        client.query("a" * 32)
    assert len(slept) == 4 and all(abs(s - 0.25) < 1e-9 for s in slept)


@responses.activate
def test_max_requests_stops_the_client() -> None:
    responses.add(responses.GET, URL, json={"inventories": []})
    client = make(max_requests=3)
    for _ in range(3):
        client.query("a" * 32)
    with pytest.raises(RequestBudgetExceeded):
        client.query("a" * 32)


@responses.activate
def test_the_session_is_sent_as_oauth_and_never_another_way() -> None:
    responses.add(responses.PUT, URL, json={"inventory": {}})
    client = make()
    client.update("a" * 32, {"name": "x"})
    client.update("a" * 32, {"name": "x"}, auth="none")
    client.update("a" * 32, {"name": "x"}, auth="scheme")
    sent = [call.request.headers.get("Authorization") for call in responses.calls]
    assert sent[0] == f"OAuth {SESSION}"
    assert sent[1] is None
    assert sent[2] is not None and not sent[2].startswith("OAuth")
