"""zstack's API jobs, as a real node answers UpdateModelService (facts, "UpdateModelService is
asynchronous on a real node", "Job ids"): 202 + location by default, --sync, X-Job-UUID, expiry,
--base-url and a foreign origin, schema hints on the poll. Real HTTP against real server subprocesses.
"""

from __future__ import annotations

import re
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.fixtures.servers import ServerClient, answer_of, error_code
from zscontract.server import ReferenceServer

JOB_ID = "0123456789abcdef0123456789abcdef"


def _put(client: ServerClient, fields: dict[str, object], **headers: str) -> requests.Response:
    return requests.put(client.path(), json={"updateModelService": fields}, timeout=5,
                        headers={**client.auth, **headers})


def test_async_is_the_default_and_the_first_poll_has_the_result(zstack_server: ReferenceServer) -> None:
    client = ServerClient(zstack_server, 0)
    first = _put(client, {"name": "via-job"})
    assert first.status_code == 202 and first.headers["content-type"].startswith("application/json")
    body = first.json()
    assert set(body) == {"location", "apiTimeout"} and isinstance(body["apiTimeout"], int)
    assert re.fullmatch(re.escape(zstack_server.url) + r"/zstack/v1/api-jobs/[0-9a-f]{32}", body["location"])
    poll = requests.get(body["location"], timeout=5)  # a job needs no session (RestServer.handleJobQuery)
    assert poll.status_code == 200 and poll.json()["inventory"]["name"] == "via-job"
    assert "schema" not in poll.json()
    again = requests.get(body["location"], timeout=5)
    assert again.status_code == 200 and again.json() == poll.json()  # a finished job can be read again


def test_sync_mode_answers_directly() -> None:
    with ReferenceServer("zstack", async_=False) as server:
        client = ServerClient(server)
        direct = _put(client, {"name": "direct"})
        assert direct.status_code == 200 and direct.json()["inventory"]["name"] == "direct"
        assert "schema" not in direct.json()
        typed = _put(client, {"name": "typed"}, **{"X-JSON-Schema": "true"})
        assert typed.json()["schema"]["inventory"] == "org.zstack.ai.entity.ModelServiceInventory"
        unknown = requests.put(client.path("0" * 32), json={"updateModelService": {}}, headers=client.auth,
                               timeout=5)
        assert unknown.status_code == 503 and unknown.json()["error"]["code"] == "SYS.1003"


def test_async_flag_is_still_accepted() -> None:
    with ReferenceServer("zstack", async_=True) as server:
        assert server.info["async"] is True
        assert _put(ServerClient(server), {"name": "x"}).status_code == 202


def test_api_errors_arrive_through_the_poll(zstack_server: ReferenceServer) -> None:
    client = ServerClient(zstack_server, 1)
    first = requests.put(client.path(), json={"updateModelService": {}}, timeout=5,
                         headers={"Authorization": "OAuth " + "1" * 32})
    assert first.status_code == 202
    poll = answer_of(requests.get(first.json()["location"], timeout=5))
    assert poll.status == 503 and error_code(poll) == "ID.1001"
    assert poll.body["error"]["description"] == \
        "The session is invalid, either wrong session id or the session has been expired"


def test_client_chosen_job_uuid_names_the_job(zstack_server: ReferenceServer) -> None:
    client = ServerClient(zstack_server, 2)
    first = _put(client, {"name": "chosen"}, **{"X-Job-UUID": JOB_ID})
    assert first.status_code == 202 and first.json()["location"].endswith("/zstack/v1/api-jobs/" + JOB_ID)
    assert requests.get(first.json()["location"], timeout=5).json()["inventory"]["name"] == "chosen"


@pytest.mark.parametrize("value", ["abc", "0123456789abcdef0123456789abcdef0", "01234567-89ab-cdef-0123-456789abcdef"])
def test_a_job_uuid_of_another_length_is_the_plain_text_400(zstack_server: ReferenceServer, value: str) -> None:
    client = ServerClient(zstack_server, 3)
    before = client.inventory()
    answer = answer_of(_put(client, {"name": "never"}, **{"X-Job-UUID": value}))
    assert (answer.status, answer.body) == (400, "Invalid header[X-Job-UUID], it must be a UUID with '-' stripped")
    assert answer.is_text and client.inventory() == before


def test_login_and_logout_check_the_job_uuid_too(zstack_server: ReferenceServer) -> None:
    bad = {"X-Job-UUID": "short"}
    login = answer_of(requests.put(f"{zstack_server.url}/zstack/v1/accounts/login", headers=bad, timeout=5,
                                   json={"logInByAccount": {"accountName": "admin", "password": "x"}}))
    logout = answer_of(requests.delete(f"{zstack_server.url}/zstack/v1/accounts/sessions/{'5' * 32}", headers=bad,
                                       timeout=5))
    for answer in (login, logout):
        assert (answer.status, answer.body) == (400, "Invalid header[X-Job-UUID], it must be a UUID with '-' stripped")


def test_a_duplicate_job_uuid_is_refused(zstack_server: ReferenceServer) -> None:
    client = ServerClient(zstack_server, 4)
    job = "fedcba9876543210fedcba9876543210"
    assert _put(client, {"name": "first"}, **{"X-Job-UUID": job}).status_code == 202
    answer = answer_of(_put(client, {"name": "second"}, **{"X-Job-UUID": job}))
    assert (answer.status, answer.body) == (400, f"Duplicate job uuid[{job}]") and answer.is_text
    assert client.inventory()["name"] == "first"


def test_expired_and_unknown_jobs_are_404() -> None:
    with ReferenceServer("zstack", extra_args=["--max-jobs", "2"]) as server:
        client = ServerClient(server)
        locations = [_put(client, {"name": f"job-{i}"}).json()["location"] for i in range(3)]
        expired = answer_of(requests.get(locations[0], timeout=5))
        assert (expired.status, expired.body) == (404, "the job has been expired") and expired.is_text
        assert requests.get(locations[2], timeout=5).status_code == 200
        unknown = answer_of(requests.get(f"{server.url}/zstack/v1/api-jobs/{'9' * 32}", timeout=5))
        assert (unknown.status, unknown.body) == (404, "the job has been expired")


def test_a_job_is_only_read(zstack_server: ReferenceServer) -> None:
    answer = answer_of(requests.delete(f"{zstack_server.url}/zstack/v1/api-jobs/{JOB_ID}", timeout=5))
    assert (answer.status, answer.body) == (405, "only GET method is allowed for querying job status")


def test_api_timeout_header_sets_api_timeout(zstack_server: ReferenceServer) -> None:
    client = ServerClient(zstack_server, 5)
    assert _put(client, {}, **{"X-API-Timeout": "10"}).json()["apiTimeout"] == 10000


def test_schema_hint_on_the_poll(zstack_server: ReferenceServer) -> None:
    client = ServerClient(zstack_server, 5)
    location = _put(client, {"name": "typed"}).json()["location"]
    typed = requests.get(location, headers={"X-JSON-Schema": "true"}, timeout=5).json()
    assert typed["schema"]["inventory"] == "org.zstack.ai.entity.ModelServiceInventory"
    assert typed["schema"]["inventory.modelServiceImages[0]"].startswith("org.zstack.ai.entity.")
    assert next(iter(typed["schema"])) == "inventory"  # parents first, as JsonSchemaBuilder orders them


def test_job_delay_keeps_the_job_running_first() -> None:
    with ReferenceServer("zstack", extra_args=["--job-delay", "3"]) as server:
        client = ServerClient(server)
        location = _put(client, {"name": "slow"}).json()["location"]
        assert requests.get(location, timeout=5).status_code == 202
        assert client.put({"name": "slower"}, timeout=30).inventory["name"] == "slower"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_base_url_sets_the_origin_of_locations() -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    with ReferenceServer("zstack", extra_args=["--base-url", base + "/"]) as server:
        assert server.info["job_origin"] == base
        location = _put(ServerClient(server), {"name": "elsewhere"}).json()["location"]
        assert location.startswith(base + "/zstack/v1/api-jobs/")
        # The job is on this server all the same: the same path at the origin the client used.
        here = server.url + urlsplit(location).path
        assert requests.get(here, timeout=5).json()["inventory"]["name"] == "elsewhere"


def test_foreign_job_location_variant_names_a_closed_port() -> None:
    with ReferenceServer("zstack", variants=["foreign-job-location"]) as server:
        location = _put(ServerClient(server), {"name": "foreign"}).json()["location"]
        parts = urlsplit(location)
        assert f"{parts.scheme}://{parts.netloc}" != server.url and parts.hostname == "127.0.0.1"
        with pytest.raises(requests.ConnectionError):
            requests.get(location, timeout=5)
        assert requests.get(server.url + parts.path, timeout=5).status_code == 200


def test_successive_jobs_apply_in_order(zstack_server: ReferenceServer) -> None:
    client = ServerClient(zstack_server, 6)
    deadline = time.monotonic() + 30
    names = [f"n{i}" for i in range(5)]
    for name in names:
        assert client.put({"name": name}, timeout=max(1.0, deadline - time.monotonic())).inventory["name"] == name
    assert client.inventory()["name"] == names[-1]
