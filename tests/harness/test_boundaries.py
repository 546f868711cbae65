"""The boundaries every run sends before random generation, and the zstack bodies of issue 19.

One list (``zscontract.strategies.boundaries``) for the CLI run's ``boundaries`` phase and the packaged
suite; each case's class is the classifier's; a whole run sends them all within ``--max-time 10`` and
catches, every time, the faults that only a boundary shows (a zero ignored, an action value that is not
an object, a repeated top-level key).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.scripted import Scripted
from tests.fixtures.servers import ServerClient, ServerFactory, zscontract
from zscontract.checks import names
from zscontract.contract import load_contract
from zscontract.core.cases import Case, InputClass, classify_body, classify_fields, plain_text_allowed
from zscontract.strategies.boundaries import INT_BOUNDARIES, KEPT_ENDS, TRIMMED_ENDS, boundary_cases


def _by_name(profile: str) -> dict[str, Case]:
    return {b.name: b.case for b in boundary_cases(load_contract(profile))}


# -- the list -------------------------------------------------------------------------------------

@pytest.mark.parametrize("profile", ["documented", "zstack"])
def test_every_boundary_value_is_listed_once_in_the_classifiers_class(profile: str) -> None:
    contract = load_contract(profile)
    listed = boundary_cases(contract)
    assert len({b.name for b in listed}) == len(listed)
    cases = _by_name(profile)
    for field in ("requestCpu", "requestMemory"):
        for value in INT_BOUNDARIES:
            assert cases[f"{field}={value}"].fields == {field: value}
    for field, top in (("name", 255), ("description", 2048)):
        assert len(cases[f"{field}=length-{top}"].fields[field]) == top  # type: ignore[index]
        assert len(cases[f"{field}=length-{top + 1}"].fields[field]) == top + 1  # type: ignore[index]
        assert cases[f"{field}=empty"].fields == {field: ""}
        for kind, ch in {**TRIMMED_ENDS, **KEPT_ENDS}.items():
            value = cases[f"{field}=ends-{kind}"].fields[field]  # type: ignore[index]
            assert value.startswith(ch) and value.endswith(ch)
        assert "\u0301" in cases[f"{field}=combining-mark"].fields[field]  # type: ignore[index]
    with_newline, without = (cases[f"yaml={k}"].fields["yaml"] for k in ("trailing-newline", "no-trailing-newline"))  # type: ignore[index]
    assert with_newline == without + "\n" and not without.endswith("\n")
    for b in listed:  # the classifier decides every class, never this list
        case = b.case
        raw = case.raw_body
        if raw is None and not case.alternatives:
            assert (case.input_class, case.reject_kind) == classify_fields(contract, case.fields), b.name
        elif raw is not None:
            assert (case.input_class, case.reject_kind) == classify_body(contract, raw), b.name
    # The same Java-type edge is in another class in each field.
    assert cases["requestCpu=2147483648"].input_class is InputClass.REJECT
    assert cases["requestMemory=2147483648"].input_class is InputClass.ACCEPT
    assert cases["requestCpu=0"].input_class is InputClass.EITHER


def test_zstack_sends_each_non_object_action_value_and_repeated_top_level_keys() -> None:
    cases = _by_name("zstack")
    for kind in ("string", "number", "boolean", "list", "empty-list"):
        case = cases[f"updateModelService:not-object:{kind}"]
        assert case.input_class is InputClass.REJECT and case.label == f"updateModelService:not-object:{kind}"
    assert cases["updateModelService:null"].input_class is InputClass.EITHER
    twice = cases["body:duplicate-top-level-key:updateModelService"]
    assert twice.input_class is InputClass.EITHER and len(twice.one_of) == 2 and twice.one_of[0] != twice.one_of[1]
    assert twice.raw_body is not None and twice.raw_body.count(b'"updateModelService"') == 2
    tags = cases["body:duplicate-top-level-key:systemTags"]
    assert tags.input_class is InputClass.EITHER and tags.raw_body is not None
    assert tags.raw_body.count(b'"systemTags"') == 2
    # Never a top-level key that could name another API (zstack-rest-facts.md "Top-level keys are actions").
    for case in cases.values():
        if case.raw_body is not None:
            keys: list[str] = []
            json.loads(case.raw_body, object_pairs_hook=lambda pairs, keys=keys: keys.append(  # type: ignore[misc]
                [k for k, _ in pairs]) or dict(pairs))
            assert set(keys[-1]) <= {"updateModelService", "systemTags", "userTags"}, case.label
    documented = _by_name("documented")
    assert not any(n.startswith(("updateModelService", "body:")) for n in documented)
    assert {f"{f}=duplicate-key" for f in ("name", "description", "yaml", "requestCpu", "requestMemory")} <= set(
        documented)


def test_a_repeated_key_makes_a_valid_body_either_way_and_a_repeated_top_level_key_may_get_the_plain_400() -> None:
    contract = load_contract("zstack")
    once = b'{"updateModelService": {"name": "a"}}'
    inner = b'{"updateModelService": {"name": "a", "name": "b"}}'
    outer = b'{"updateModelService": {"name": "a"}, "updateModelService": {"name": "b"}}'
    assert classify_body(contract, once)[0] is InputClass.ACCEPT
    assert classify_body(contract, inner)[0] is InputClass.EITHER
    assert classify_body(contract, outer)[0] is InputClass.EITHER
    assert plain_text_allowed(contract, Case(InputClass.EITHER, "x", raw_body=outer), 400)
    assert not plain_text_allowed(contract, Case(InputClass.EITHER, "x", raw_body=inner), 400)


# -- the checks on what comes back ----------------------------------------------------------------

def _updated(s: Scripted, **fields: Any) -> dict[str, Any]:
    inv = copy.deepcopy(s.inventory)
    inv.update(fields)
    return inv


def test_an_accepted_zero_that_keeps_the_old_value_fails_round_trip(scripted: Scripted) -> None:
    scripted.ok(_updated(scripted))  # Go's omitempty: the zero never reached the store
    scripted.harness.execute(_by_name(scripted.profile)["requestCpu=0"])
    assert scripted.failed_checks() == {names.ROUND_TRIP}
    [failure] = scripted.result.failures.values()
    assert failure.signature == "requestCpu: integer changed"


def test_an_accepted_zero_stored_as_zero_passes(scripted: Scripted) -> None:
    scripted.ok(_updated(scripted, requestCpu=0))
    scripted.harness.execute(_by_name(scripted.profile)["requestCpu=0"])
    assert scripted.failed_checks() == set()
    assert scripted.result.tallies[names.ROUND_TRIP].passed == 1


@pytest.mark.parametrize("applied", ["first", "second", "merged"])
def test_a_repeated_action_key_must_apply_one_object_exactly(scripted: Scripted, applied: str) -> None:
    if scripted.profile != "zstack":
        pytest.skip("the action key is the zstack dialect's")
    case = _by_name("zstack")["body:duplicate-top-level-key:updateModelService"]
    first, second = case.one_of
    shown = {"first": first, "second": second, "merged": {**first, **second}}[applied]
    scripted.ok(_updated(scripted, **shown))
    scripted.harness.execute(case)
    if applied == "merged":
        assert scripted.failed_checks() == {names.ROUND_TRIP}
        [failure] = scripted.result.failures.values()
        assert failure.signature == "none of the repeated objects applied exactly"
    else:
        assert scripted.failed_checks() == set()


def test_a_500_to_a_non_object_action_value_names_the_kind_of_input(scripted: Scripted) -> None:
    if scripted.profile != "zstack":
        pytest.skip("the action key is the zstack dialect's")
    scripted.put(500, raw=b"java.lang.ClassCastException", content_type="text/plain")
    scripted.get(scripted.inventory)
    scripted.harness.execute(_by_name("zstack")["updateModelService:not-object:list"])
    [failure] = scripted.result.failures.values()
    assert (failure.check, failure.signature) == (names.NO_SERVER_FAULT, "status 500 on updateModelService:not-object")
    assert failure.title == "server fault 500 on updateModelService:not-object:list"


def test_a_success_to_a_non_object_action_value_fails_rejects_invalid(scripted: Scripted) -> None:
    if scripted.profile != "zstack":
        pytest.skip("the action key is the zstack dialect's")
    scripted.ok(_updated(scripted))
    scripted.harness.execute(_by_name("zstack")["updateModelService:not-object:string"])
    assert names.REJECTS_INVALID in scripted.failed_checks()


# -- the reference server's zstack REST layer -----------------------------------------------------

def test_the_sound_zstack_server_refuses_non_objects_reads_null_as_empty_and_lets_the_last_key_win(
        reference_server: ServerFactory) -> None:
    server = reference_server(profile="zstack", async_=False)
    c = ServerClient(server)
    for value in ("x", 7, True, [1], []):
        answer = c.put(raw=json.dumps({"updateModelService": value}).encode())
        assert answer.status == 400 and not answer.is_json, (value, answer)
    before = c.put({}).inventory
    after = c.put(raw=b'{"updateModelService": null}').inventory
    assert {k: v for k, v in after.items() if k != "lastOpDate"} == {
        k: v for k, v in before.items() if k != "lastOpDate"}
    inv = c.put(raw=b'{"updateModelService": {"requestCpu": 7}, "updateModelService": {"name": "last"}}').inventory
    assert inv["name"] == "last" and inv["requestCpu"] == before["requestCpu"]
    assert c.put(raw=b'{"updateModelService": {"name": "tags"}, "systemTags": [], "systemTags": []}').status == 200


# -- whole runs -----------------------------------------------------------------------------------

def _summary(report_dir: Path) -> dict[str, Any]:
    return dict(json.loads((report_dir / "latest" / "summary.json").read_text()))


def test_a_short_run_sends_every_boundary_and_catches_what_only_a_boundary_shows(tmp_path: Path) -> None:
    """``--max-time 10`` against the embedded server: the three faults are caught on every run, because
    the boundary phase sends a zero, each non-object action value and a repeated top-level key, first.

    All of them fit in about 2 s of such a run; on a machine loaded enough that they do not (``pytest -n 3``
    beside other work), the run says how many it sent, and the likeliest defects come first.
    """
    proc = zscontract("run", "--profile", "zstack", "--max-time", "10", "--seed", "1", "--no-corpus",
                      "--server-fault", "omitempty-zero", "--server-fault", "action-not-object-500",
                      "--server-fault", "duplicate-top-level-key-500", "--report-dir", str(tmp_path), "-q",
                      timeout=180)
    summary = _summary(tmp_path)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "boundaries" in summary["phases"]
    stopped = [n for n in summary["notes"] if n.startswith("boundary phase stopped")]
    assert not stopped or re.fullmatch(r"boundary phase stopped by the time budget after \d+ of 76 cases", stopped[0])
    found = {(f["check"], f["signature"]) for f in summary["failures"]}
    assert {(names.ROUND_TRIP, "requestCpu: integer changed"), (names.ROUND_TRIP, "requestMemory: integer changed"),
            (names.NO_SERVER_FAULT, "status 500 on body:duplicate-top-level-key"),
            (names.NO_SERVER_FAULT, "status 500 on updateModelService:not-object"),
            } <= found, sorted(found)
    # One failure per defect (a baseline accepts it once), its title naming the first value that met it.
    [cast] = [f for f in summary["failures"] if f["signature"] == "status 500 on updateModelService:not-object"]
    assert cast["title"] == "server fault 500 on updateModelService:not-object:string"


def test_a_sound_server_that_refuses_repeated_top_level_keys_passes(tmp_path: Path) -> None:
    proc = zscontract("run", "--profile", "zstack", "--sync", "--max-time", "10", "--seed", "1", "--no-corpus",
                      "--server-variant", "refuse-repeated-keys", "--no-schemathesis", "--report-dir", str(tmp_path),
                      "-q", timeout=180)
    summary = _summary(tmp_path)
    assert summary["failures"] == [], [f["title"] for f in summary["failures"]]
    assert proc.returncode in (0, 5), proc.stdout[-2000:]
    assert summary["case_labels"].get("body:duplicate-top-level-key:updateModelService") == 1

