"""The reference server's sound behaviour, over real HTTP against real subprocesses (no mocks).

Module-scoped servers: documented, zstack (asynchronous API jobs, its default) and zstack --sync.
Async jobs, the query API and value handling have their own files (test_server_async/query/values).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
import requests

from tests.fixtures.servers import MODULE_RESOURCES, Answer, ServerClient, answer_of, error_code
from zscontract.server import CATALOGUE, ReferenceServer, ServerStartError
from zscontract.server.values import is_zstack_uuid

Client = ServerClient
_error_code = error_code
_answer = answer_of


@pytest.fixture(params=["documented", "zstack", "zstack_sync"])
def any_server(request: pytest.FixtureRequest) -> ReferenceServer:
    server: ReferenceServer = request.getfixturevalue(f"{request.param}_server")
    return server


def gson_date(text: str) -> datetime:
    """A JDK 8 Gson date (the server's default style), parsed independently of the server's code."""
    return datetime.strptime(text, "%b %d, %Y %I:%M:%S %p")


# --------------------------------------------------------------------------------------------------
# Start-up, command line


def test_ready_line_describes_the_server(zstack_server: ReferenceServer) -> None:
    info = zstack_server.info
    assert set(info) >= {"url", "session_uuid", "model_service_uuids", "profile", "async", "account",
                         "password", "faults", "variants", "job_origin", "date_style"}
    assert info["profile"] == "zstack" and info["async"] is True and info["job_origin"] == info["url"]
    assert is_zstack_uuid(info["session_uuid"])
    uuids = info["model_service_uuids"]
    assert len(uuids) == MODULE_RESOURCES and all(map(is_zstack_uuid, uuids))
    assert info["url"].startswith("http://127.0.0.1:") and not info["url"].endswith(":0")


def test_modes_in_the_ready_line(documented_server: ReferenceServer, zstack_sync_server: ReferenceServer) -> None:
    assert documented_server.info["async"] is False and zstack_sync_server.info["async"] is False
    assert zstack_sync_server.info["job_origin"] is None


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zscontract.server", *args], capture_output=True, text=True,
                          timeout=30, env=_child_env())


def _child_env() -> dict[str, str]:
    import os
    from pathlib import Path

    import zscontract

    src = str(Path(zscontract.__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}


def test_list_faults_table_and_json() -> None:
    table = _cli("--list-faults")
    assert table.returncode == 0
    assert "drop-name" in table.stdout and "response_shape" in table.stdout and "variant" in table.stdout
    listed = json.loads(_cli("--list-faults", "--json").stdout)
    assert [e["name"] for e in listed] == [e.name for e in CATALOGUE]
    assert {"name", "kind", "dialects", "caught_by", "description", "needs_async"} <= set(listed[0])


@pytest.mark.parametrize("args", [["--bogus"], ["--fault", "no-such-fault"], ["--profile", "soap"],
                                  ["--async"], ["--fault", "bare-503"], ["--resources", "0"],
                                  ["--profile", "zstack", "--sync", "--fault", "async-job-never-ends"],
                                  ["--profile", "zstack", "--sync", "--async"],
                                  ["--profile", "zstack", "--base-url", "ftp://x"],
                                  ["--profile", "zstack", "--date-style", "jdk7"],
                                  ["--profile", "zstack", "--max-jobs", "0"]])
def test_bad_option_is_one_line_and_exit_2(args: list[str]) -> None:
    result = _cli(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "error" in result.stderr


def test_start_failure_names_the_reason() -> None:
    with pytest.raises(ServerStartError, match="exited with code 2"):
        ReferenceServer("documented", extra_args=["--port", "99999"]).start()


# --------------------------------------------------------------------------------------------------
# The sound behaviour


# (sent, stored in zstack: its Java trim). documented stores what was sent.
TRICKY = [
    ("a\x00b", "a\x00b"),
    ("emoji 🎉 and 中文", "emoji 🎉 and 中文"),
    ("trailing newline\n", "trailing newline"),
    ("  inner  and outer  ", "inner  and outer"),
    ("tab\there\x07\x1b", "tab\there"),  # BEL and ESC are <= U+0020: trimmed
    ("\x01 nbsp\u00a0", "nbsp\u00a0"),
]


@pytest.mark.parametrize(("text", "trimmed"), TRICKY)
def test_strings_round_trip(any_server: ReferenceServer, text: str, trimmed: str) -> None:
    client = Client(any_server, 1)
    expected = trimmed if client.zstack else text
    inv = client.put({"name": text, "description": text, "yaml": text + "\n"}).inventory
    assert (inv["name"], inv["description"]) == (expected, expected)
    assert inv["yaml"] == (trimmed if client.zstack else text + "\n")
    assert client.inventory()["name"] == expected


@pytest.mark.parametrize("memory", [1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1])
def test_integers_round_trip_exactly(any_server: ReferenceServer, memory: int) -> None:
    client = Client(any_server, 2)
    inv = client.put({"requestMemory": memory, "requestCpu": 2**31 - 1}).inventory
    assert (inv["requestMemory"], inv["requestCpu"]) == (memory, 2**31 - 1)
    assert client.inventory()["requestMemory"] == memory


def test_unsent_fields_and_invariants(any_server: ReferenceServer) -> None:
    client = Client(any_server, 3)
    before = client.put({}).inventory
    after = client.put({"name": "only-name"}).inventory
    assert after["uuid"] == client.uuid and after["createDate"] == before["createDate"]
    assert {k: v for k, v in after.items() if k not in ("name", "lastOpDate")} == \
        {k: v for k, v in before.items() if k not in ("name", "lastOpDate")}
    assert gson_date(after["lastOpDate"]) >= gson_date(before["lastOpDate"])
    assert "readme" not in after  # Gson drops null fields


def test_concurrent_updates_of_different_fields_are_all_kept(any_server: ReferenceServer) -> None:
    client = Client(any_server, 4)
    fields = [{"name": "n-concurrent"}, {"description": "d-concurrent"}, {"requestCpu": 7},
              {"requestMemory": 77}, {"yaml": "y: 1\n"}]
    with ThreadPoolExecutor(len(fields)) as pool:
        answers = list(pool.map(client.put, fields))
    assert all(a.status == 200 for a in answers)
    inv = client.put({}).inventory
    assert (inv["name"], inv["description"], inv["requestCpu"], inv["requestMemory"], inv["yaml"]) == \
        ("n-concurrent", "d-concurrent", 7, 77, "y: 1" if client.zstack else "y: 1\n")


def test_documented_errors(documented_server: ReferenceServer) -> None:
    client = Client(documented_server, 5)
    before = client.inventory()
    cases: list[tuple[Answer, int, str]] = [
        (client.put({"name": "x"}, headers={}), 401, "ID.1001"),
        (client.put({"name": "x"}, headers={"Authorization": "Basic abc"}), 401, "ID.1001"),
        (client.put({"name": "x"}, headers={"Authorization": "OAuth " + "0" * 32}), 401, "ID.1001"),
        (client.put({"name": "x"}, uuid="0" * 32), 404, "SYS.1003"),
        (client.put({"name": "x"}, uuid="not-a-uuid"), 400, "SYS.1007"),
        (client.put(raw=b"{not json"), 400, "SYS.1007"),
        (client.put([1, 2]), 400, "SYS.1007"),
        (client.put({"name": "x", "requestCpu": "1"}), 400, "SYS.1007"),  # quoted: must-reject here
        (client.put({"name": "x", "requestCpu": 1.5}), 400, "SYS.1007"),
        (client.put({"name": "x", "requestCpu": True}), 400, "SYS.1007"),
        (client.put({"name": "x", "requestCpu": 2**31}), 400, "SYS.1007"),
        (client.put({"name": "x", "requestMemory": 2**63}), 400, "SYS.1007"),
        (client.put({"name": "x", "requestMemory": [1]}), 400, "SYS.1007"),
        (client.put({"name": "   "}), 400, "SYS.1007"),
        (client.put({"name": "x" * 256}), 400, "SYS.1007"),
        (client.put({"description": "x" * 2049}), 400, "SYS.1007"),
    ]
    for answer, status, code in cases:
        assert (answer.status, _error_code(answer)) == (status, code), answer
    assert client.inventory() == before  # nothing changed, lastOpDate included


def test_documented_stores_strings_as_sent(documented_server: ReferenceServer) -> None:
    assert Client(documented_server, 6).put({"name": " as sent \n"}).inventory["name"] == " as sent \n"


@pytest.mark.parametrize("server_name", ["zstack", "zstack_sync"])
def test_zstack_rest_layer_and_api_errors(request: pytest.FixtureRequest, server_name: str) -> None:
    server: ReferenceServer = request.getfixturevalue(f"{server_name}_server")
    client = Client(server, 5)
    before = client.inventory()
    plain: list[Callable[[], Answer]] = [
        lambda: client.put({"name": "x"}, headers={}),
        lambda: client.put({"name": "x"}, headers={"Authorization": "Bearer " + server.session_uuid}),
        lambda: client.put(raw=b"{not json"),
        lambda: client.put({"name": "x"}, wrap=False),
        lambda: client.put({"requestCpu": "x1"}),
        lambda: client.put({"requestCpu": 1.5}),
        lambda: client.put({"requestMemory": True}),
    ]
    for send in plain:  # the REST layer answers at once: no job
        answer = send()
        assert answer.status == 400 and answer.is_text and client.first == answer, answer
    assert _answer(requests.put(f"{server.url}/zstack/v1/nowhere", timeout=5)).status == 404
    coded: list[tuple[Callable[[], Answer], str]] = [
        (lambda: client.put({"name": "x"}, headers={"Authorization": "OAuth " + "0" * 32}), "ID.1001"),
        (lambda: client.put({"name": "x"}, uuid="0" * 32), "SYS.1003"),
        (lambda: client.put({"requestCpu": 0}), "SYS.1007"),
        (lambda: client.put({"name": ""}), "SYS.1007"),
        (lambda: client.put({"name": " \t\n"}), "SYS.1007"),  # Java-trimmed to empty
        (lambda: client.put({"requestCpu": 2**31}), "SYS.1007"),
        (lambda: client.put({"requestMemory": 2**63}), "SYS.1007"),
        (lambda: client.put({"type": "Bogus"}), "SYS.1007"),
    ]
    for send, code in coded:
        answer = send()
        assert (answer.status, _error_code(answer)) == (503, code), answer
        assert client.first is not None and client.first.status == (202 if server.info["async"] else 503)
    assert client.inventory() == before


def test_query_api_filters(any_server: ReferenceServer) -> None:
    client = Client(any_server, 6)
    assert client.get("0" * 32).body["inventories"] == []
    everything = client.query()
    # The two extra model services of a node's other users are there too (--extra-resources 2).
    assert len(everything.body["inventories"]) == len(any_server.model_service_uuids) + 2
    assert client.get().status == 200 and client.inventory()["uuid"] == client.uuid
    only = client.query({"q": f"uuid={client.uuid}"}).body["inventories"]
    assert [inv["uuid"] for inv in only] == [client.uuid]


@pytest.mark.parametrize("server_name", ["documented", "zstack"])
def test_login_and_logout(request: pytest.FixtureRequest, server_name: str) -> None:
    server: ReferenceServer = request.getfixturevalue(f"{server_name}_server")
    login = f"{server.url}/zstack/v1/accounts/login"
    digest = hashlib.sha512(server.info["password"].encode()).hexdigest()
    credentials = {"logInByAccount": {"accountName": "admin", "password": digest}}
    answer = requests.put(login, json=credentials, timeout=5)
    session = answer.json()["inventory"]
    assert answer.status_code == 200 and is_zstack_uuid(session["uuid"])
    assert gson_date(session["expiredDate"]) > datetime.now()
    wrong = requests.put(login, json={"logInByAccount": {"accountName": "admin", "password": "x"}}, timeout=5)
    assert wrong.status_code == (503 if server_name == "zstack" else 401) and "error" in wrong.json()
    client = Client(server, 7)
    client.auth = {"Authorization": f"OAuth {session['uuid']}"}
    assert client.put({"name": "logged-in"}).status == 200
    logout = requests.delete(f"{server.url}/zstack/v1/accounts/sessions/{session['uuid']}", timeout=5)
    assert logout.json() == {}
    assert _error_code(client.put({"name": "logged-out"})) == "ID.1001"


def test_db_file_persists_across_restarts(tmp_path: Any) -> None:
    db = str(tmp_path / "ref.sqlite")
    with ReferenceServer("documented", db=db) as server:
        uuid = server.model_service_uuids[0]
        Client(server).put({"name": "kept\x00"})
    with ReferenceServer("documented", db=db) as server:
        assert server.model_service_uuids == [uuid]
        assert Client(server).inventory()["name"] == "kept\x00"
