"""Values as a ZStack node stores and writes them (facts, "Values" and "Verified later…"), exact REST texts,
session expiry, and the server's independence from the harness's code. Real HTTP against real servers.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

import zscontract.server
from tests.fixtures.servers import ServerClient, answer_of, error_code
from zscontract.server import ReferenceServer

SERVER_DIR = Path(zscontract.server.__file__).parent
FORBIDDEN = ("zscontract.core", "zscontract.checks", "zscontract.runner", "zscontract.strategies")


# -- strings: Java's String.trim(), exactly -----------------------------------------------------------

@pytest.mark.parametrize(("sent", "stored"), [
    (" \t\r\n name \n", "name"),
    ("\x01\x1f name\x00", "name"),                 # every C0 control goes, NUL included
    ("\u00a0name\u00a0", "\u00a0name\u00a0"),      # U+00A0 is above U+0020: kept
    ("\u3000name\u2028", "\u3000name\u2028"),      # so are U+3000 and U+2028
    ("in  side", "in  side"),
    ("\x7fname", "\x7fname"),                      # DEL is above U+0020
])
def test_zstack_stores_strings_java_trimmed(zstack_server: ReferenceServer, sent: str, stored: str) -> None:
    client = ServerClient(zstack_server, 0)
    inv = client.put({"name": sent, "description": sent, "yaml": sent}).inventory
    assert (inv["name"], inv["description"], inv["yaml"]) == (stored, stored, stored)
    assert client.inventory()["description"] == stored


def test_a_yaml_documents_trailing_newline_is_dropped(zstack_server: ReferenceServer) -> None:
    assert ServerClient(zstack_server, 1).put({"yaml": "services: []\n"}).inventory["yaml"] == "services: []"


# -- int fields: RestServer's TypeVerifier tests the text ------------------------------------------------

@pytest.mark.parametrize(("sent", "stored"), [("2", 2), ("+3", 3), ("0004", 4), (2.0, 2), (5, 5)])
def test_quoted_integers_and_whole_floats_are_stored_as_numbers(zstack_server: ReferenceServer, sent: Any,
                                                                 stored: int) -> None:
    client = ServerClient(zstack_server, 2)
    inv = client.put({"requestCpu": sent, "requestMemory": sent}).inventory
    assert (inv["requestCpu"], inv["requestMemory"]) == (stored, stored)
    assert type(inv["requestCpu"]) is int and client.inventory()["requestCpu"] == stored


@pytest.mark.parametrize(("raw", "shown"), [("2.5", "2.5"), ("true", "true"), ('"abc"', "abc"),
                                            ("[1]", "[1]"), ('""', ""), ('"2.0"', "2.0"), ("2.5e-4", "2.5E-4")])
def test_non_integers_get_restservers_exact_text(zstack_server: ReferenceServer, raw: str, shown: str) -> None:
    client = ServerClient(zstack_server, 3)
    before = client.inventory()
    body = ('{"updateModelService": {"name": "never", "requestCpu": ' + raw + "}}").encode()
    answer = client.put(raw=body)
    assert answer.status == 400 and answer.is_text
    assert answer.body == f"[requestCpu] field is excepted an int or long, but was [{shown}]."
    assert client.inventory() == before


def test_requestmemory_is_checked_after_requestcpu(zstack_server: ReferenceServer) -> None:
    answer = ServerClient(zstack_server, 3).put({"requestCpu": "x", "requestMemory": "y"})
    assert answer.body == "[requestCpu] field is excepted an int or long, but was [x]."
    answer = ServerClient(zstack_server, 3).put({"requestMemory": False})
    assert answer.body == "[requestMemory] field is excepted an int or long, but was [false]."


def test_whole_numbers_beyond_the_java_type_are_argument_errors(zstack_server: ReferenceServer) -> None:
    client = ServerClient(zstack_server, 4)
    assert error_code(client.put({"requestCpu": 2**31})) == "SYS.1007"
    assert error_code(client.put(raw=b'{"updateModelService": {"requestCpu": 1e20}}')) == "SYS.1007"


# -- dates -------------------------------------------------------------------------------------------

DATE_FORMS = {
    "jdk8": r"[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M",
    "jdk9": r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M",
    "jdk20": r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\u202f[AP]M",
}


def test_dates_default_to_jdk8(zstack_server: ReferenceServer) -> None:
    inv = ServerClient(zstack_server, 5).put({}).inventory
    assert re.fullmatch(DATE_FORMS["jdk8"], inv["createDate"]) and re.fullmatch(DATE_FORMS["jdk8"], inv["lastOpDate"])


@pytest.mark.parametrize("style", ["jdk9", "jdk20"])
def test_date_style_option(style: str) -> None:
    with ReferenceServer("zstack", extra_args=["--date-style", style]) as server:
        inv = ServerClient(server).put({}).inventory
        assert re.fullmatch(DATE_FORMS[style], inv["createDate"]), inv["createDate"]
        assert server.info["date_style"] == style


# -- REST texts and ErrorCode descriptions, word for word ----------------------------------------------

def test_rest_layer_texts(zstack_server: ReferenceServer) -> None:
    client = ServerClient(zstack_server, 6)
    cases = [
        (client.put({}, headers={}), "missing header 'Authorization'"),
        (client.put({}, headers={"Authorization": "Bearer x"}), "Authorization type must be 'OAuth'"),
        (client.put({}, headers={"Authorization": "ZStack key:sig"}), "'Date' must be incuded in request header"),
        (client.put({"name": "x"}, wrap=False),
         f"the body doesn't contain action mapping to the URL[/v1/ai/model-services/{client.uuid}]"),
    ]
    for answer, text in cases:
        assert (answer.status, answer.body) == (400, text) and answer.is_text
    # RestServer routes the shared path by the body's key before it reads Authorization.
    keyless = client.put({"name": "x"}, wrap=False, headers={})
    assert keyless.body == f"the body doesn't contain action mapping to the URL[/v1/ai/model-services/{client.uuid}]"
    nowhere = answer_of(requests.get(f"{zstack_server.url}/zstack/v1/nowhere/x", timeout=5))
    assert (nowhere.status, nowhere.body) == (404, "no api mapping to /v1/nowhere/x")


def test_a_null_parameter_is_an_empty_update_and_a_non_object_is_refused(zstack_server: ReferenceServer) -> None:
    # RestServer routes on the body's key, then builds an empty API message for a null parameter.
    client = ServerClient(zstack_server, 11)
    before = client.put({}).inventory
    nulled = client.put(None)
    assert nulled.status == 200 and nulled.inventory["name"] == before["name"], nulled.body
    text = client.put("x")
    assert (text.status, text.is_text) == (400, True)
    assert text.body == "the value of [updateModelService] must be a JSON object, but was a JSON string"


def test_oauth_header_is_read_as_restserver_reads_it(zstack_server: ReferenceServer) -> None:
    client = ServerClient(zstack_server, 7)
    spaced = client.put({"name": "spaced"}, headers={"Authorization": f"OAuth   {zstack_server.session_uuid}"})
    assert spaced.inventory["name"] == "spaced"


def test_error_code_descriptions(zstack_server: ReferenceServer) -> None:
    client = ServerClient(zstack_server, 8)
    session = client.put({}, headers={"Authorization": "OAuth " + "3" * 32}).body["error"]
    assert (session["code"], session["description"]) == \
        ("ID.1001", "The session is invalid, either wrong session id or the session has been expired")
    missing = client.put({}, uuid="4" * 32).body["error"]
    assert (missing["code"], missing["description"]) == ("SYS.1003", "A resource can not be found")
    argument = client.put({"requestCpu": 0}).body["error"]
    assert (argument["code"], argument["description"]) == ("SYS.1007", "One or more API argument is invalid")


def test_login_answers_a_schema_hint_when_asked(zstack_server: ReferenceServer) -> None:
    import hashlib

    digest = hashlib.sha512(zstack_server.info["password"].encode()).hexdigest()
    answer = requests.put(f"{zstack_server.url}/zstack/v1/accounts/login", timeout=5, headers={"X-JSON-Schema": "true"},
                          json={"logInByAccount": {"accountName": "admin", "password": digest}})
    assert answer.json()["schema"] == {"inventory": "org.zstack.header.identity.SessionInventory"}


# -- sessions that expire -------------------------------------------------------------------------------

def test_session_ttl_expires_sessions() -> None:
    with ReferenceServer("zstack", extra_args=["--session-ttl", "1"]) as server:
        client = ServerClient(server)
        assert client.put({"name": "fresh"}).status == 200
        time.sleep(1.2)
        assert error_code(client.put({"name": "stale"})) == "ID.1001"


# -- the server stands on its own ----------------------------------------------------------------------

def test_no_server_module_imports_the_harness() -> None:
    offenders = []
    for path in sorted(SERVER_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert offenders == []


def test_importing_and_running_the_server_loads_no_harness_module() -> None:
    # The package's __init__ re-exports the harness; a stub parent package shows what the server alone loads.
    code = (
        "import sys, types, json\n"
        f"stub = types.ModuleType('zscontract'); stub.__path__ = [{str(SERVER_DIR.parent)!r}]\n"
        "stub.__file__ = stub.__path__[0] + '/__init__.py'; sys.modules['zscontract'] = stub\n"
        "import zscontract.server, zscontract.server.app, zscontract.server.cli\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('zscontract'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    loaded = json.loads(result.stdout)
    assert "zscontract.server.app" in loaded
    assert [m for m in loaded if m.startswith(FORBIDDEN)] == []
