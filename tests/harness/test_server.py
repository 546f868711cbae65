"""The reference server, over real HTTP against real subprocesses (no mocks).

Module-scoped servers: documented, zstack, zstack --async. The fault test starts one server per fault,
in parallel, and shows with direct requests that each fault makes the server answer differently from
the sound one on a triggering request.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from zscontract.core.values import ERROR_CODE_RE, is_zstack_uuid, parse_zstack_date
from zscontract.server import CATALOGUE, ReferenceServer, ServerStartError
from zscontract.server.faults import faults as all_faults

# --------------------------------------------------------------------------------------------------
# A small client: wraps the body for zstack, follows a 202 location.


@dataclass
class Answer:
    status: int
    content_type: str
    body: Any  # the JSON value, or the text when the body is not JSON

    @property
    def inventory(self) -> dict[str, Any]:
        assert self.status == 200, (self.status, self.body)
        return dict(self.body["inventory"])

    @property
    def is_json(self) -> bool:
        return self.content_type.startswith("application/json")


def _answer(response: requests.Response) -> Answer:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return Answer(response.status_code, response.headers.get("content-type", ""), body)


class Client:
    """Requests to one server, on one of its model services."""

    def __init__(self, server: ReferenceServer, index: int = 0) -> None:
        self.server = server
        self.url = server.url
        self.uuid = server.model_service_uuids[index]
        self.zstack = server.info["profile"] == "zstack"
        self.auth = {"Authorization": f"OAuth {server.session_uuid}"}

    def path(self, uuid: str | None = None) -> str:
        return f"{self.url}/zstack/v1/ai/model-services/{uuid or self.uuid}"

    def put(self, fields: Any = None, *, raw: bytes | None = None, uuid: str | None = None,
            headers: dict[str, str] | None = None, timeout: float = 5.0, wrap: bool = True) -> Answer:
        body = raw if raw is not None else json.dumps(
            {"updateModelService": fields} if self.zstack and wrap else fields).encode()
        response = requests.put(self.path(uuid), data=body, timeout=timeout,
                                headers=self.auth if headers is None else headers)
        answer = _answer(response)
        location = answer.body["location"] if answer.status == 202 else None
        deadline = time.monotonic() + timeout
        while location and answer.status == 202 and time.monotonic() < deadline:
            time.sleep(0.02)
            answer = _answer(requests.get(location, timeout=timeout))
        return answer

    def get(self, uuid: str | None = None) -> Answer:
        return _answer(requests.get(self.path(uuid), headers=self.auth, timeout=5))

    def inventory(self) -> dict[str, Any]:
        return dict(self.get().body["inventories"][0])


@pytest.fixture(scope="module")
def documented() -> Iterator[ReferenceServer]:
    with ReferenceServer("documented", resources=60) as server:
        yield server


@pytest.fixture(scope="module")
def zstack() -> Iterator[ReferenceServer]:
    with ReferenceServer("zstack", resources=60) as server:
        yield server


@pytest.fixture(scope="module")
def zstack_async() -> Iterator[ReferenceServer]:
    with ReferenceServer("zstack", async_=True, resources=10) as server:
        yield server


@pytest.fixture(params=["documented", "zstack", "zstack_async"])
def any_server(request: pytest.FixtureRequest) -> ReferenceServer:
    server: ReferenceServer = request.getfixturevalue(request.param)
    return server


# --------------------------------------------------------------------------------------------------
# Start-up, command line


def test_ready_line_describes_the_server(zstack_async: ReferenceServer) -> None:
    info = zstack_async.info
    assert set(info) >= {"url", "session_uuid", "model_service_uuids", "profile", "async", "account",
                         "password", "faults", "variants"}
    assert info["profile"] == "zstack" and info["async"] is True
    assert is_zstack_uuid(info["session_uuid"])
    assert len(info["model_service_uuids"]) == 10 and all(map(is_zstack_uuid, info["model_service_uuids"]))
    assert info["url"].startswith("http://127.0.0.1:") and not info["url"].endswith(":0")


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
                                  ["--profile", "zstack", "--fault", "async-job-never-ends"]])
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


TRICKY = ["a\x00b", "emoji 🎉 and 中文", "trailing newline\n", "  inner  and outer  ", "tab\there\x07\x1b"]


@pytest.mark.parametrize("text", TRICKY)
def test_strings_round_trip_byte_exact(any_server: ReferenceServer, text: str) -> None:
    client = Client(any_server, 1)
    sent = {"name": text, "description": text, "yaml": text + "\n"}
    inv = client.put(sent).inventory
    assert (inv["name"], inv["description"], inv["yaml"]) == (text, text, text + "\n")
    if not client.zstack or not any_server.info["async"]:
        assert client.inventory()["name"] == text


@pytest.mark.parametrize("memory", [1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1])
def test_integers_round_trip_exactly(any_server: ReferenceServer, memory: int) -> None:
    client = Client(any_server, 2)
    inv = client.put({"requestMemory": memory, "requestCpu": 2**31 - 1}).inventory
    assert (inv["requestMemory"], inv["requestCpu"]) == (memory, 2**31 - 1)


def test_unsent_fields_and_invariants(any_server: ReferenceServer) -> None:
    client = Client(any_server, 3)
    before = client.put({}).inventory
    after = client.put({"name": "only-name"}).inventory
    assert after["uuid"] == client.uuid and after["createDate"] == before["createDate"]
    assert {k: v for k, v in after.items() if k not in ("name", "lastOpDate")} == \
        {k: v for k, v in before.items() if k not in ("name", "lastOpDate")}
    last = parse_zstack_date(after["lastOpDate"])
    assert last is not None and last >= parse_zstack_date(before["lastOpDate"])  # type: ignore[operator]
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
        ("n-concurrent", "d-concurrent", 7, 77, "y: 1\n")


def _error_code(answer: Answer) -> str:
    assert answer.is_json and isinstance(answer.body, dict), answer
    error = answer.body["error"]
    assert ERROR_CODE_RE.match(error["code"]) and isinstance(error["description"], str)
    return str(error["code"])


def test_documented_errors(documented: ReferenceServer) -> None:
    client = Client(documented, 5)
    before = client.inventory()
    cases: list[tuple[Answer, int, str]] = [
        (client.put({"name": "x"}, headers={}), 401, "ID.1001"),
        (client.put({"name": "x"}, headers={"Authorization": "Basic abc"}), 401, "ID.1001"),
        (client.put({"name": "x"}, headers={"Authorization": "OAuth " + "0" * 32}), 401, "ID.1001"),
        (client.put({"name": "x"}, uuid="0" * 32), 404, "SYS.1003"),
        (client.put({"name": "x"}, uuid="not-a-uuid"), 400, "SYS.1007"),
        (client.put(raw=b"{not json"), 400, "SYS.1007"),
        (client.put([1, 2]), 400, "SYS.1007"),
        (client.put({"name": "x", "requestCpu": "1"}), 400, "SYS.1007"),
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


def test_zstack_rest_layer_and_api_errors(zstack: ReferenceServer) -> None:
    client = Client(zstack, 5)
    before = client.inventory()
    plain = [
        client.put({"name": "x"}, headers={}),
        client.put({"name": "x"}, headers={"Authorization": "Bearer " + zstack.session_uuid}),
        client.put(raw=b"{not json"),
        client.put({"name": "x"}, wrap=False),
        client.put({"requestCpu": "1"}),
        client.put({"requestCpu": 1.5}),
        client.put({"requestMemory": 2**63}),
    ]
    for answer in plain:
        assert answer.status == 400 and answer.content_type.startswith("text/plain"), answer
    assert _answer(requests.put(f"{zstack.url}/zstack/v1/nowhere", timeout=5)).status == 404
    coded = [
        (client.put({"name": "x"}, headers={"Authorization": "OAuth " + "0" * 32}), "ID.1001"),
        (client.put({"name": "x"}, uuid="0" * 32), "SYS.1003"),
        (client.put({"requestCpu": 0}), "SYS.1007"),
        (client.put({"name": ""}), "SYS.1007"),
    ]
    for answer, code in coded:
        assert (answer.status, _error_code(answer)) == (503, code), answer
    assert client.inventory() == before


def test_zstack_async_jobs(zstack_async: ReferenceServer) -> None:
    client = Client(zstack_async, 5)
    first = requests.put(client.path(), json={"updateModelService": {"name": "via-job"}}, headers=client.auth,
                         timeout=5)
    assert first.status_code == 202
    assert first.json()["location"].startswith(zstack_async.url + "/zstack/v1/api-jobs/")
    assert client.put({"name": "via-job-2"}).inventory["name"] == "via-job-2"
    assert _error_code(client.put({"name": "x"}, uuid="0" * 32)) == "SYS.1003"
    expired = requests.get(f"{zstack_async.url}/zstack/v1/api-jobs/{'0' * 32}", timeout=5)
    assert expired.status_code == 404 and "expired" in expired.text
    assert client.put({"name": "x"}, headers={}).status == 400  # the REST layer answers at once


def test_query_api(any_server: ReferenceServer) -> None:
    client = Client(any_server, 6)
    assert client.get("0" * 32).body == {"inventories": []}
    everything = _answer(requests.get(client.path().rsplit("/", 1)[0], headers=client.auth, timeout=5))
    assert len(everything.body["inventories"]) == len(any_server.model_service_uuids)
    assert client.get().status == 200 and client.inventory()["uuid"] == client.uuid


@pytest.mark.parametrize("server_name", ["documented", "zstack"])
def test_login_and_logout(request: pytest.FixtureRequest, server_name: str) -> None:
    server: ReferenceServer = request.getfixturevalue(server_name)
    login = f"{server.url}/zstack/v1/accounts/login"
    digest = hashlib.sha512(server.info["password"].encode()).hexdigest()
    credentials = {"logInByAccount": {"accountName": "admin", "password": digest}}
    answer = requests.put(login, json=credentials, timeout=5)
    session = answer.json()["inventory"]
    assert answer.status_code == 200 and is_zstack_uuid(session["uuid"])
    assert parse_zstack_date(session["expiredDate"]) is not None
    wrong = requests.put(login, json={"logInByAccount": {"accountName": "admin", "password": "x"}}, timeout=5)
    assert wrong.status_code == (503 if server_name == "zstack" else 401) and "error" in wrong.json()
    client = Client(server, 7)
    client.auth = {"Authorization": f"OAuth {session['uuid']}"}
    assert client.put({"name": "logged-in"}).status == 200
    logout = requests.delete(f"{server.url}/zstack/v1/accounts/sessions/{session['uuid']}", timeout=5)
    assert logout.json() == {}
    assert _error_code(client.put({"name": "logged-out"})) == "ID.1001"


def test_session_ttl_expires_sessions() -> None:
    with ReferenceServer("zstack", extra_args=["--session-ttl", "1"]) as server:
        client = Client(server)
        assert client.put({"name": "fresh"}).status == 200
        time.sleep(1.1)
        assert _error_code(client.put({"name": "stale"})) == "ID.1001"


def test_db_file_persists_across_restarts(tmp_path: Any) -> None:
    db = str(tmp_path / "ref.sqlite")
    with ReferenceServer("documented", db=db) as server:
        uuid = server.model_service_uuids[0]
        Client(server).put({"name": "kept\x00"})
    with ReferenceServer("documented", db=db) as server:
        assert server.model_service_uuids == [uuid]
        assert Client(server).inventory()["name"] == "kept\x00"


# --------------------------------------------------------------------------------------------------
# Every fault of the catalogue really manifests: on a triggering request, the faulty server answers
# differently from the sound one (observed through a projection that does not depend on the uuids).

Probe = Callable[[Client], Any]


def _put_field(fields: dict[str, Any], key: str) -> Probe:
    return lambda c: c.put(fields).inventory.get(key)


def _status(fields: Any, **kwargs: Any) -> Probe:
    return lambda c: c.put(fields, **kwargs).status


def _envelope_ok(answer: Answer) -> bool:
    def good(error: Any) -> bool:
        return (isinstance(error, dict) and isinstance(error.get("code"), str)
                and ERROR_CODE_RE.match(error["code"]) is not None
                and isinstance(error.get("description"), str)
                and isinstance(error.get("details"), str | None)
                and (error.get("cause") is None or good(error["cause"])))
    return isinstance(answer.body, dict) and good(answer.body.get("error"))


def _twice_same(fields: dict[str, Any]) -> Probe:
    def probe(c: Client) -> bool:
        first, second = c.put(fields).inventory, c.put(fields).inventory
        first.pop("lastOpDate"), second.pop("lastOpDate")
        return first == second
    return probe


def _before_after(fields: dict[str, Any], key: str) -> Probe:
    def probe(c: Client) -> bool:
        before = c.inventory()[key]
        return bool(c.put(fields).inventory[key] == before)
    return probe


def _lastop_forward(c: Client) -> bool:
    first = parse_zstack_date(c.put({"name": "one"}).inventory["lastOpDate"])
    second = parse_zstack_date(c.put({"name": "two"}).inventory["lastOpDate"])
    return first is not None and second is not None and second >= first


def _read_after_write(fields: dict[str, Any], key: str) -> Probe:
    def probe(c: Client) -> bool:
        c.get()
        written = c.put(fields).inventory[key]
        return bool(c.inventory()[key] == written)
    return probe


def _no_lost_update(c: Client) -> bool:
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(c.put, [{"name": "lost-a"}, {"description": "lost-b"}]))
    inv = c.put({}).inventory
    return (inv["name"], inv["description"]) == ("lost-a", "lost-b")


def _rejected_then(fields: dict[str, Any], key: str) -> Probe:
    def probe(c: Client) -> Any:
        before = c.put({"name": "before"}).inventory[key]
        time.sleep(0.01)
        assert c.put(fields).status >= 400
        return c.put({}).inventory[key] == before if key == "lastOpDate" else c.inventory()[key]
    return probe


def _timed_out(fields: dict[str, Any]) -> Probe:
    def probe(c: Client) -> Any:
        try:
            return c.put(fields, timeout=1.0).status
        except requests.Timeout:
            return "timeout"
    return probe


def _job_ends(c: Client) -> int:
    return c.put({"name": "job"}, timeout=1.0).status


PROBES: dict[str, Probe] = {
    "drop-name": lambda c: "name" in c.put({}).inventory,
    "memory-as-string": lambda c: type(c.put({}).inventory["requestMemory"]).__name__,
    "success-text-plain": lambda c: c.put({}).is_json,
    "epoch-dates": lambda c: type(c.put({}).inventory["createDate"]).__name__,
    "success-false": lambda c: c.put({}).body.get("success", True),
    "ignore-description": _put_field({"description": "stored?"}, "description"),
    "trim-whitespace": _put_field({"name": " padded "}, "name"),
    "latin1-replace": _put_field({"name": "模型服务"}, "name"),
    "nfkd-normalize": _put_field({"name": "café 한국"}, "name"),
    "memory-int32-wrap": _put_field({"requestMemory": 2**40}, "requestMemory"),
    "memory-float64": _put_field({"requestMemory": 2**53 + 1}, "requestMemory"),
    "truncate-name-64": _put_field({"name": "n" * 100}, "name"),
    "null-as-none": _put_field({"description": None}, "description"),
    "strip-yaml-newline": _put_field({"yaml": "python:\n  version: 3\n"}, "yaml"),
    "async-stale-inventory": _put_field({"name": "fresh"}, "name"),
    "reset-unsent-description": _put_field({"name": "other"}, "description"),
    "reset-unsent-memory": _put_field({"name": "other"}, "requestMemory"),
    "createdate-changes": _before_after({"name": "x"}, "createDate"),
    "lastopdate-backwards": _lastop_forward,
    "uuid-mismatch": lambda c: c.put({}).inventory["uuid"] == c.uuid,
    "size-counter": _twice_same({"name": "same"}),
    "name-dedupe": _twice_same({"name": "same"}),
    "stale-query-cache": _read_after_write({"name": "new"}, "name"),
    "query-old-yaml": _read_after_write({"yaml": "a: 1\n"}, "yaml"),
    "lost-update": _no_lost_update,
    "message-envelope": lambda c: _envelope_ok(c.put({"name": "x"}, uuid="0" * 32)),
    "cause-string": lambda c: _envelope_ok(c.put({"name": "x"}, uuid="0" * 32)),
    "cause-code-without-dot": lambda c: _envelope_ok(c.put({"name": "x"}, uuid="0" * 32)),
    "error-details-number": lambda c: _envelope_ok(c.put({"name": "x"}, uuid="0" * 32)),
    "session-code-sys1000": lambda c: _error_code(c.put({}, headers={"Authorization": "OAuth " + "0" * 32})),
    "notfound-code-sys1007": lambda c: _error_code(c.put({}, uuid="0" * 32)),
    "partial-apply": _rejected_then({"name": "partial", "requestCpu": "x"}, "name"),
    "rejected-bumps-lastopdate": _rejected_then({"requestCpu": 0}, "lastOpDate"),
    "no-auth": _status({"name": "x"}, headers={"Authorization": "OAuth " + "0" * 32}),
    "upsert-unknown": _status({"name": "x"}, uuid="0" * 32),
    "float-truncated": _status({"requestCpu": 2.5}),
    "bool-as-int": _status({"requestCpu": True}),
    "numeric-string-cpu": _status({"requestCpu": "2"}),
    "cpu-beyond-int32": _status({"requestCpu": 2**31}),
    "refuse-all-fields": _status({"name": "a", "description": "b", "yaml": "services: []\n", "requestCpu": 1,
                                  "requestMemory": 1}),
    "lock-after-writes": lambda c: [c.put({"name": f"w{i}"}).status for i in range(62)][-1],
    "reject-cjk-name": _status({"name": "模型"}),
    "reject-large-cpu": _status({"requestCpu": 2**31 - 1}),
    "reject-large-memory": _status({"requestMemory": 2**32}),
    "cjk-name-500": _status({"name": "模型 🎉"}),
    "long-yaml-500": _status({"yaml": "key: value\n" * 100}),
    "bare-503": lambda c: c.put({}, uuid="0" * 32).is_json,
    "hang-on-tab": _timed_out({"description": "a\tb"}),
    "async-job-never-ends": _job_ends,
}


def test_catalogue_covers_every_check_and_both_dialects() -> None:
    from zscontract.checks.names import ALL
    from zscontract.server.faults import variants

    assert len(all_faults()) >= 32 and len(variants()) >= 6
    assert {f.caught_by for f in all_faults()} == set(ALL)
    for dialect in ("documented", "zstack"):
        assert {f.caught_by for f in all_faults() if dialect in f.dialects} >= set(ALL) - {"zstack_codes"}


def test_every_fault_has_a_probe() -> None:
    assert set(PROBES) == {f.name for f in all_faults()}


def test_every_fault_manifests(documented: ReferenceServer, zstack: ReferenceServer,
                               zstack_async: ReferenceServer) -> None:
    cases = []
    for index, fault in enumerate(all_faults()):
        # One dialect per fault keeps this fast; faults of both dialects alternate between them.
        dialects = sorted(fault.dialects)
        profile = dialects[index % len(dialects)]
        async_ = fault.needs_async
        sound = zstack_async if async_ else zstack if profile == "zstack" else documented
        cases.append((fault.name, profile, async_, Client(sound, 8 if async_ else 10 + index)))
    servers: dict[tuple[str, str], ReferenceServer] = {}
    lock = threading.Lock()

    def start(case: tuple[str, str, bool, Client]) -> None:
        name, profile, async_, _ = case
        server = ReferenceServer(profile, async_=async_, faults=[name], start_timeout=60).start()
        with lock:
            servers[name, profile] = server

    def differs(case: tuple[str, str, bool, Client]) -> tuple[str, str, Any, Any]:
        name, profile, _, sound = case
        return name, profile, PROBES[name](sound), PROBES[name](Client(servers[name, profile]))

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(start, cases))
            results = list(pool.map(differs, cases))
    finally:
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda s: s.__exit__(None, None, None), servers.values()))
    same = [(name, profile, observed) for name, profile, observed, faulty in results if observed == faulty]
    assert not same, f"faults that did not manifest (name, profile, observation): {same}"


# --------------------------------------------------------------------------------------------------
# Sound variants: each one changes an observable answer, within what the oracle allows.

VARIANTS: dict[str, tuple[str, Probe, Any]] = {
    "refuse-unknown-fields": ("documented", _status({"inventedField": 1}), 400),
    "explicit-nulls": ("zstack", lambda c: c.put({}).inventory.get("readme", "absent"), None),
    "status-422": ("documented", _status({"requestCpu": 0}), 422),
    "jdk9-dates": ("zstack", lambda c: "\u202f" in c.put({}).inventory["createDate"], True),
    "null-clears": ("documented", _put_field({"description": None}, "description"), None),
    "no-query-api": ("zstack", lambda c: (c.get().status, c.get().content_type.split(";")[0]),
                     (404, "text/plain")),
    "coerce-numbers": ("zstack", _put_field({"description": 1.50}, "description"), "1.5"),
    "success-keys": ("documented", lambda c: {k: c.put({}).body[k] for k in ("success", "error")},
                     {"success": True, "error": None}),
}


def test_every_variant_has_a_check() -> None:
    from zscontract.server.faults import variants

    assert set(VARIANTS) == {v.name for v in variants()}


def test_variants_behave_as_described() -> None:
    def run(name: str) -> tuple[str, Any, Any]:
        profile, probe, expected = VARIANTS[name]
        with ReferenceServer(profile, variants=[name], start_timeout=60) as server:
            observed = probe(Client(server))
            assert Client(server).put({"name": "still sound"}).status == 200
            return name, observed, expected

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, VARIANTS))
    assert [r for r in results if r[1] != r[2]] == []
