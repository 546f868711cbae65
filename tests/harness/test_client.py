"""The client's manners with a shared server: rate limit, Retry-After on 429, request budget."""

from __future__ import annotations

import re

import pytest
import responses

from tests.fixtures.scripted import BASE, SESSION, scripted_client
from zscontract.core import client as client_module
from zscontract.core.client import Client, ClientSettings, Limits, RequestBudgetExceeded
from zscontract.core.dialects import DOCUMENTED

URL = re.compile(re.escape(BASE) + r"/.*")


def make(**limits: object) -> Client:
    return scripted_client(ClientSettings(base_url=BASE, session_uuid=SESSION, dialect=DOCUMENTED),
                           limits=Limits(**limits))  # type: ignore[arg-type]


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
    client = make(rate=4.0)
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


@responses.activate
def test_429_with_an_http_date_is_waited_for_until_that_date(monkeypatch: pytest.MonkeyPatch) -> None:
    import email.utils
    import time

    slept: list[float] = []
    monkeypatch.setattr(client_module.time, "sleep", slept.append)
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    responses.add(responses.PUT, URL, status=429, headers={"Retry-After": when})
    responses.add(responses.PUT, URL, json={"inventory": {}}, status=200)
    assert make().update("a" * 32, {"name": "x"}).status == 200
    assert len(slept) == 1 and 3 < slept[0] <= 5


# -- reading back: the SDK's query form, its fallback, and what is a problem ---------------------------
UUID = "a" * 32
Q_FORM = f"{BASE}/zstack/v1/ai/model-services?q=uuid={UUID}"
PATH_FORM = f"{BASE}/zstack/v1/ai/model-services/{UUID}"
INV = {"uuid": UUID, "name": "m"}


def _urls() -> list[str]:
    return [call.request.url for call in responses.calls]


@responses.activate
def test_read_uses_the_sdk_query_form() -> None:
    responses.add(responses.GET, re.compile(re.escape(Q_FORM) + "$"), json={"inventories": [INV]})
    back = make().read(UUID)
    assert (back.inventory, back.via, back.problem) == (INV, "query", None)
    assert back.exchange is not None and _urls() == [Q_FORM]


@responses.activate
def test_read_falls_back_to_the_path_form_and_remembers_it() -> None:
    responses.add(responses.GET, re.compile(re.escape(Q_FORM) + "$"), status=404, body="no api mapping",
                  content_type="text/plain")
    responses.add(responses.GET, re.compile(re.escape(PATH_FORM) + "$"), json={"inventories": [INV]})
    client = make()
    assert client.read(UUID).inventory == INV
    assert client.read_state(UUID) == (INV, "query")
    assert _urls() == [Q_FORM, PATH_FORM, PATH_FORM]


@responses.activate
def test_no_query_api_only_when_both_forms_are_absent() -> None:
    responses.add(responses.GET, re.compile(re.escape(BASE) + r"/zstack/v1/ai/model-services.*"), status=405)
    responses.add(responses.PUT, URL, json={"inventory": INV})
    client = make()
    back = client.read(UUID)
    assert (back.inventory, back.via) == (INV, "empty-update")
    assert client.has_query_api is False


@pytest.mark.parametrize(("status", "body", "problem"), [
    (500, {"error": {"code": "SYS.1000"}}, "answered 500"),
    (200, {"inventories": [INV, INV]}, "2 inventories"),
    (200, {"inventories": []}, "0 inventories"),
    (200, {"inventories": "x"}, "no inventories list"),
    (200, {"inventories": [{"uuid": "b" * 32}]}, "another model service"),
])
@responses.activate
def test_an_unusable_query_answer_is_a_problem_not_no_api(status: int, body: object, problem: str) -> None:
    responses.add(responses.GET, re.compile(re.escape(Q_FORM) + "$"), json=body, status=status)
    client = make()
    back = client.read(UUID)
    assert back.inventory is None and back.via == "unavailable"
    assert back.problem is not None and problem in back.problem
    assert client.has_query_api is not False
    assert _urls() == [Q_FORM]  # no empty update sent behind a broken query API


@responses.activate
def test_a_scripted_timeout_is_an_error_kind_and_reaches_on_exchange() -> None:
    import requests

    seen: list[object] = []
    responses.add(responses.GET, re.compile(re.escape(Q_FORM) + "$"), body=requests.ReadTimeout("slow"))
    client = scripted_client(ClientSettings(base_url=BASE, session_uuid=SESSION, dialect=DOCUMENTED),
                             on_exchange=seen.append)
    back = client.read(UUID)
    assert back.exchange is not None and back.exchange.error_kind == "timeout"
    assert back.problem is not None and "did not answer" in back.problem
    assert seen == [back.exchange]


@responses.activate
def test_learn_query_api_tries_the_path_form_when_the_sdk_form_is_absent() -> None:
    responses.add(responses.GET, re.compile(re.escape(Q_FORM) + "$"), status=404)
    responses.add(responses.GET, re.compile(re.escape(PATH_FORM) + "$"), json={"inventories": [INV]})
    client = make()
    assert client.learn_query_api(client.query(UUID)) == INV
    assert client.has_query_api is True and client.query_style == "path"
    assert client.query(UUID).request.url == PATH_FORM


@responses.activate
def test_logout_past_the_budget_is_a_quiet_false() -> None:
    import time

    from zscontract.core.session import logout

    client = make(deadline=time.monotonic() - 1)
    assert logout(client, SESSION) is False
    assert len(responses.calls) == 0
