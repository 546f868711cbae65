"""``zstack-5.1.20``: the reference server playing a released node answers as RestServer 5.1.20 does.

Each defect of zstack-rest-facts.md ("Bodies the REST layer cannot read", "Integers beyond their Java
type, exactly", "Repeated keys", "An action value that is not an object") is asked for once, over HTTP,
against a real server subprocess; the rest of the variant is the zstack dialect.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from zscontract.errors import UsageError
from zscontract.server.config import add_serve_arguments, config_from_args
from zscontract.server.process import ReferenceServer

INT32_MAX, INT64_MAX, INT64_MIN = 2**31 - 1, 2**63 - 1, -(2**63)


@pytest.fixture(scope="module")
def node() -> Iterator[ReferenceServer]:
    with ReferenceServer(profile="zstack", variants=["zstack-5.1.20"]) as server:
        yield server


def put(node: ReferenceServer, body: bytes, *, auth: bool = True) -> tuple[int, str, Any]:
    """One PUT; a 202 is polled to its end. (status, text, JSON or None) of the final answer."""
    headers = {"Authorization": f"OAuth {node.session_uuid}"} if auth else {}
    url = f"{node.url}/zstack/v1/ai/model-services/{node.model_service_uuids[0]}"
    response = requests.put(url, data=body, headers=headers, timeout=10)
    deadline = time.monotonic() + 10
    while response.status_code == 202 and "location" in response.text:
        location = response.json()["location"]
        response = requests.get(location, timeout=10)
        while response.status_code == 202 and time.monotonic() < deadline:
            time.sleep(0.02)
            response = requests.get(location, timeout=10)
    try:
        data = response.json()
    except ValueError:
        data = None
    return response.status_code, response.text, data


def update(fields: str) -> bytes:
    return b'{"updateModelService": {' + fields.encode() + b"}}"


@pytest.mark.parametrize(("body", "text"), [
    (b"", ""),  # Gson returns null: the NullPointerException of m.containsKey has no message
    (b"null", ""),
    (b"{\"name\": }", "com.google.gson.stream.MalformedJsonException: Expected value at line 1 column 10"),
    (b'"name"', "java.lang.IllegalStateException: Expected BEGIN_OBJECT but was STRING"),
    (b"1", "java.lang.IllegalStateException: Expected BEGIN_OBJECT but was NUMBER"),
    (b"[1]", "java.lang.IllegalStateException: Expected BEGIN_ARRAY but was NUMBER at line 1 column 3 path $[0]"),
    (b"[[1, 2, 3]]", "java.lang.IllegalStateException: Expected END_ARRAY but was NUMBER at line 1 column 10"),
    (b"name=x", "java.lang.IllegalStateException: Expected BEGIN_OBJECT but was STRING at line 1 column 1 path $"),
    (b'{"updateModelService": {', "java.io.EOFException: End of input at line 1 column 25 path $."),
])
def test_a_body_the_rest_layer_cannot_read_is_a_plain_text_500(node: ReferenceServer, body: bytes,
                                                                text: str) -> None:
    status, answer, data = put(node, body)
    assert status == 500 and data is None
    assert answer.startswith(text) and (text or answer == "")


def test_an_empty_array_is_gsons_empty_map_so_no_action_key(node: ReferenceServer) -> None:
    status, answer, _ = put(node, b"[]")
    assert status == 400 and answer.startswith("the body doesn't contain action mapping to the URL[")


@pytest.mark.parametrize(("value", "cls"), [
    ('"x"', "java.lang.String"), ("7", "java.lang.Long"), ("2.5", "java.lang.Double"),
    ("true", "java.lang.Boolean"), ("[1]", "java.util.ArrayList"),
])
def test_an_action_value_that_is_not_an_object_is_a_class_cast_500(node: ReferenceServer, value: str,
                                                                    cls: str) -> None:
    status, answer, _ = put(node, b'{"updateModelService": ' + value.encode() + b"}")
    assert (status, answer) == (500, f"{cls} cannot be cast to java.util.Map")


def test_the_session_header_is_checked_before_the_cast(node: ReferenceServer) -> None:
    assert put(node, b'{"updateModelService": "x"}', auth=False)[:2] == (400, "missing header 'Authorization'")


def test_null_under_the_action_is_an_empty_update(node: ReferenceServer) -> None:
    status, _, data = put(node, b'{"updateModelService": null}')
    assert status == 200 and "inventory" in data


def test_a_repeated_top_level_key_is_gsons_duplicate_key_500_unless_the_earlier_was_null(
        node: ReferenceServer) -> None:
    twice = b'{"updateModelService": {"name": "a"}, "updateModelService": {"name": "b"}}'
    assert put(node, twice)[:2] == (500, "duplicate key: updateModelService")
    assert put(node, b'{"updateModelService": {}, "systemTags": [], "systemTags": []}')[:2] == \
        (500, "duplicate key: systemTags")
    status, _, data = put(node, b'{"updateModelService": null, "updateModelService": {"name": "after-null"}}')
    assert status == 200 and data["inventory"]["name"] == "after-null"
    status, _, data = put(node, update('"name": "first", "name": "nested-last"'))  # ObjectTypeAdapter
    assert status == 200 and data["inventory"]["name"] == "nested-last"


@pytest.mark.parametrize(("sent", "stored"), [
    (str(-(2**31) - 1), INT32_MAX),    # Long.intValue(): the low 32 bits
    (str(-(2**32) + 5), 5),
    (str(2**64 + 5), 384),             # a Double, then BigDecimal(text).longValue(): the low 64 bits
    ("2.0", 2),
    ('"3"', 3),
])
def test_requestcpu_below_int32_or_beyond_int64_wraps_silently(node: ReferenceServer, sent: str,
                                                                stored: int) -> None:
    status, _, data = put(node, update(f'"requestCpu": {sent}'))
    assert status == 200 and data["inventory"]["requestCpu"] == stored


@pytest.mark.parametrize(("sent", "text"), [
    ("2147483648", "2147483648 is Integer overflow, Integer.MAX_VALUE is 2147483647"),
    ('"2147483648"', "2147483648 is Integer overflow, Integer.MAX_VALUE is 2147483647"),
    (str(2**63 - 1), f"{2**63 - 1} is Integer overflow, Integer.MAX_VALUE is 2147483647"),
    ('"2.0"', 'For input string: "2.0"'),  # TypeVerifier passes it, Long.parseLong does not
    ("1e400", "Infinity is not a valid double value as per JSON specification."),
])
def test_requestcpu_above_int32_is_a_plain_text_500(node: ReferenceServer, sent: str, text: str) -> None:
    status, answer, _ = put(node, update(f'"requestCpu": {sent}'))
    assert status == 500 and answer.startswith(text)


@pytest.mark.parametrize(("sent", "stored"), [
    (str(2**63), INT64_MAX), (str(2**63 + 1), INT64_MAX), (f'"{2**63}"', INT64_MAX), ("4096.0", 4096),
])
def test_requestmemory_clamps_right_at_the_edge(node: ReferenceServer, sent: str, stored: int) -> None:
    status, _, data = put(node, update(f'"requestMemory": {sent}'))
    assert status == 200 and data["inventory"]["requestMemory"] == stored


def test_requestmemory_below_int64_clamps_to_its_minimum_then_meets_the_apis_rule(node: ReferenceServer) -> None:
    status, _, data = put(node, update(f'"requestMemory": {-(2**63) - 1}'))
    assert status == 503 and data["error"]["code"] == "SYS.1007" and str(INT64_MIN) in data["error"]["details"]


def test_requestmemory_outside_int64_is_a_plain_text_500(node: ReferenceServer) -> None:
    status, answer, _ = put(node, update(f'"requestMemory": {2**64}'))
    assert status == 500
    assert answer.startswith("java.lang.NumberFormatException: Expected a long but was 1.8446744073709552E19 at "
                             "line 1 column ") and answer.endswith(" path $.requestMemory")


def test_the_rest_of_the_variant_is_a_real_nodes_zstack_dialect(node: ReferenceServer) -> None:
    assert put(node, update('"requestCpu": 2.5'))[:2] == (
        400, "[requestCpu] field is excepted an int or long, but was [2.5].")
    status, _, data = put(node, update('"name": "  trimmed\\n", "description": 12'))
    assert status == 200 and data["inventory"]["name"] == "trimmed" and data["inventory"]["description"] == "12"
    response = requests.put(f"{node.url}/zstack/v1/ai/model-services/{node.model_service_uuids[0]}",
                            data=b"", headers={"Authorization": f"OAuth {node.session_uuid}"}, timeout=10)
    assert "content-type" not in response.headers  # RestServer never sets one


def _config(*argv: str) -> Any:
    return config_from_args(add_serve_arguments(argparse.ArgumentParser()).parse_args(list(argv)))


def test_the_release_implies_the_zstack_profile_and_takes_a_fault_on_top() -> None:
    config = _config("--variant", "zstack-5.1.20", "--fault", "truncate-name-64")
    assert config.profile == "zstack" and config.async_
    assert config.switched_on == ("truncate-name-64", "zstack-5.1.20")
    with pytest.raises(UsageError, match="applies to --profile zstack only"):
        _config("--profile", "documented", "--variant", "zstack-5.1.20")
