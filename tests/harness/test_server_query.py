"""The query API with ZStack's query syntax (RestServer.handleQueryApi, QUERY_OP_MAPPING), over real HTTP.

One zstack server with exactly four model services (no extra ones), set up to known names and CPUs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.servers import Answer, ServerClient, error_code
from zscontract.server import ReferenceServer

NAMES = ["alpha", "beta", "gamma", "delta"]
OPERATORS = "[!=, >=, <=, !?=, !~=, ~=, ?=, =, >, <, is null, not null]"


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer("zstack", resources=4, extra_args=["--extra-resources", "0"]) as started:
        for index, name in enumerate(NAMES):
            fields: dict[str, Any] = {"name": name, "requestCpu": index + 1}
            if name == "alpha":
                fields["framework"] = "Other"
            assert ServerClient(started, index).put(fields).status == 200
        yield started


@pytest.fixture
def client(server: ReferenceServer) -> ServerClient:
    return ServerClient(server)


def names(answer: Answer) -> list[str]:
    assert answer.status == 200, answer
    return [inv["name"] for inv in answer.body["inventories"]]


@pytest.mark.parametrize(("condition", "expected"), [
    ("name=beta", ["beta"]),
    ("name!=beta", ["alpha", "gamma", "delta"]),
    ("requestCpu>2", ["gamma", "delta"]),
    ("requestCpu<2", ["alpha"]),
    ("requestCpu>=3", ["gamma", "delta"]),
    ("requestCpu<=2", ["alpha", "beta"]),
    ("name?=alpha,gamma", ["alpha", "gamma"]),
    ("name!?=alpha,gamma", ["beta", "delta"]),
    ("requestCpu?=1,4", ["alpha", "delta"]),
    ("name~=%l%", ["alpha", "delta"]),
    ("name~=_eta", ["beta"]),
    ("name!~=%l%", ["beta", "gamma"]),
    ("framework is null", ["beta", "gamma", "delta"]),
    ("framework not null", ["alpha"]),
    ("name=", []),                     # splitByWholeSeparator keeps the empty value
    ("name==beta", ["beta"]),          # ... and drops the empty token between two separators
])
def test_every_operator(client: ServerClient, condition: str, expected: list[str]) -> None:
    assert names(client.query({"q": condition})) == expected


def test_conditions_are_anded(client: ServerClient) -> None:
    assert names(client.query([("q", "requestCpu>1"), ("q", "requestCpu<4")])) == ["beta", "gamma"]


def test_by_uuid_as_the_sdk_reads(server: ReferenceServer, client: ServerClient) -> None:
    uuid = server.model_service_uuids[2]
    answer = client.query({"q": f"uuid={uuid}"})
    assert [inv["uuid"] for inv in answer.body["inventories"]] == [uuid]


def test_sort_limit_start(client: ServerClient) -> None:
    assert names(client.query({"sort": "-requestCpu"})) == ["delta", "gamma", "beta", "alpha"]
    assert names(client.query({"sort": "+name"})) == ["alpha", "beta", "delta", "gamma"]
    assert names(client.query({"sort": "requestCpu", "limit": "2", "start": "1"})) == ["beta", "gamma"]
    assert names(client.query({"limit": "0"})) == []


def test_count_and_reply_with_count(client: ServerClient) -> None:
    counted = client.query({"count": "true", "q": "requestCpu>1"})
    assert counted.status == 200 and counted.body == {"total": 3, "schema": {}}
    with_total = client.query({"replyWithCount": "true", "limit": "1"})
    assert with_total.body["total"] == 4 and len(with_total.body["inventories"]) == 1
    assert "total" not in client.query().body


def test_schema_is_always_on_query_answers(server: ReferenceServer, client: ServerClient) -> None:
    schema = client.query({"q": "requestCpu<3"}).body["schema"]
    assert schema["inventories[0]"] == schema["inventories[1]"] == "org.zstack.ai.entity.ModelServiceInventory"
    assert "inventories[2]" not in schema
    assert schema["inventories[0].modelServiceImages[1]"].startswith("org.zstack.ai.entity.")
    one = client.get(server.model_service_uuids[0]).body
    assert one["schema"]["inventories[0]"] == "org.zstack.ai.entity.ModelServiceInventory"


def test_fields_selects_inventory_fields(client: ServerClient) -> None:
    answer = client.query({"q": "name=beta", "fields": "name,requestCpu"})
    assert answer.body["inventories"] == [{"name": "beta", "requestCpu": 2}]


def test_the_uuid_path_ignores_q(server: ReferenceServer, client: ServerClient) -> None:
    uuid = server.model_service_uuids[0]
    answer = ServerClient(server).get(uuid)
    assert [inv["uuid"] for inv in answer.body["inventories"]] == [uuid]
    assert client.get("0" * 32).body["inventories"] == []


@pytest.mark.parametrize(("params", "text"), [
    ({"q": "name"}, f"Invalid query parameter. The 'name' in the parameter[q] doesn't contain any query "
                    f"operator. Valid query operators are {OPERATORS}"),
    ({"q": "=beta"}, "Invalid query parameter. The '=beta' in parameter[q] is not a key-value pair split by ="),
    ({"q": "?=alpha"}, "Invalid query parameter. The '?=alpha' in parameter[q] is not a key-value pair split by in"),
    ({"limit": "ten"}, "Invalid query parameter. 'limit' must be an integer"),
    ({"start": "1.5"}, "Invalid query parameter. 'start' must be an integer"),
])
def test_malformed_parameters_are_restservers_plain_text_400(client: ServerClient, params: dict[str, str],
                                                              text: str) -> None:
    answer = client.query(params)
    assert (answer.status, answer.body) == (400, text) and answer.is_text


@pytest.mark.parametrize("params", [{"q": "bogus=1"}, {"q": 'name" OR 1=1 --=x'}, {"q": "cpuArchitectures=x86_64"},
                                    {"q": "requestCpu=abc"}, {"sort": "-bogus"}, {"fields": "name,bogus"}])
def test_unknown_fields_and_bad_values_are_argument_errors(client: ServerClient, params: dict[str, str]) -> None:
    answer = client.query(params)
    assert answer.status == 503 and error_code(answer) == "SYS.1007"


def test_values_are_parameters_not_sql(client: ServerClient) -> None:
    assert names(client.query({"q": "name=x' OR '1'='1"})) == []
    assert names(client.query({"q": "name~=%' OR name LIKE '%"})) == []


def test_queries_need_a_session(client: ServerClient) -> None:
    missing = client.query(headers={})
    assert (missing.status, missing.body) == (400, "missing header 'Authorization'")
    unknown = client.query(headers={"Authorization": "OAuth " + "2" * 32})
    assert unknown.status == 503 and error_code(unknown) == "ID.1001"


def test_documented_reads_q_too_and_answers_errors_as_json() -> None:
    with ReferenceServer("documented", resources=1) as server:
        client = ServerClient(server)
        assert len(client.query().body["inventories"]) == 3  # its own and the two extra ones
        assert [i["uuid"] for i in client.query({"q": f"uuid={client.uuid}"}).body["inventories"]] == [client.uuid]
        bad = client.query({"q": "uuid"})
        assert bad.status == 400 and error_code(bad) == "SYS.1007"
        assert "schema" not in client.query().body
