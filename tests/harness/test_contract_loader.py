"""The loader other modules code against: names, field specs, and loud errors on broken files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from zscontract.contract import Contract, FieldSpec, contracts_dir, load_contract
from zscontract.errors import ContractFileError, UsageError


@pytest.mark.parametrize("profile", ["documented", "zstack"])
def test_load_each_profile(profile: str) -> None:
    c = load_contract(profile)
    assert isinstance(c, Contract) and c.profile == profile
    assert c.path == contracts_dir() / "openapi" / f"{profile}.json"
    assert c.openapi["x-zs-profile"] == profile
    assert load_contract(profile) is c  # cached
    assert c.inventory_validator() is c.inventory_validator()


def test_fields_documented_first_then_example_only() -> None:
    c = load_contract("documented")
    names = list(c.fields)
    assert names[:5] == ["name", "description", "yaml", "requestCpu", "requestMemory"]
    assert [f.name for f in c.documented_fields()] == names[:5]
    assert {f.name for f in c.example_only_fields()} >= {"servicePorts", "architectureImages", "type"}
    assert all(isinstance(f, FieldSpec) for f in c.fields.values())


def test_field_specs_carry_types_domains_and_hard_limits() -> None:
    f = load_contract("zstack").fields
    assert (f["requestCpu"].json_type, f["requestCpu"].format) == ("integer", "int32")
    assert f["requestCpu"].hard_schema["maximum"] == 2**31 - 1
    assert f["requestCpu"].domain_schema["minimum"] == 1
    assert f["requestMemory"].format == "int64" and f["requestMemory"].domain_schema["maximum"] == 2**63 - 1
    assert f["name"].domain_schema["x-zs-not-blank"] is True and f["name"].domain_schema["maxLength"] == 255
    assert f["yaml"].domain_schema["x-zs-yaml"] is True
    assert f["yaml"].multiline and f["description"].multiline and not f["name"].multiline
    assert "null" in f["name"].hard_schema["type"] and "number" in f["name"].hard_schema["type"]
    assert f["name"].inventory_field == "name" and f["name"].documented
    ports = f["servicePorts"]
    assert not ports.documented and ports.json_type == "array" and ports.inventory_field is None
    assert ports.domain_schema["items"]["type"] == "integer"


def test_unknown_profile_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown profile 'zstak'; use one of: documented, zstack"):
        load_contract("zstak")


@pytest.fixture
def copy_of_contracts(tmp_path: Path) -> Path:
    root = tmp_path / "contracts"
    shutil.copytree(contracts_dir(), root)
    return root


def test_loads_from_an_explicit_root(copy_of_contracts: Path) -> None:
    assert load_contract("documented", copy_of_contracts).path.parent.parent == copy_of_contracts


def test_broken_json_names_the_file_and_line(copy_of_contracts: Path) -> None:
    target = copy_of_contracts / "schemas" / "ErrorCode.json"
    target.write_text('{\n  "type": "object",\n  oops\n}\n')
    with pytest.raises(ContractFileError, match=rf"{target}:3: not valid JSON"):
        load_contract("zstack", copy_of_contracts)


def test_missing_file_is_never_skipped(copy_of_contracts: Path) -> None:
    (copy_of_contracts / "openapi" / "documented.json").unlink()
    with pytest.raises(ContractFileError, match=r"documented\.json: contract file missing; regenerate"):
        load_contract("documented", copy_of_contracts)


def test_invalid_schema_is_reported(copy_of_contracts: Path) -> None:
    (copy_of_contracts / "schemas" / "ModelServiceYaml.json").write_text('{"type": 12}')
    with pytest.raises(ContractFileError, match=r"ModelServiceYaml\.json: not a valid JSON Schema"):
        load_contract("documented", copy_of_contracts)


def test_contracts_dir_is_the_checkout_folder_in_an_editable_install() -> None:
    root = contracts_dir()
    assert (root / "overlay.yaml").is_file() and (root / "source" / "UpdateModelService.txt").is_file()


def test_a_contract_prints_short() -> None:
    # Hypothesis prints a failing test's arguments with its own pretty printer; a 44 kB dataclass dump
    # made it warn, and with warnings as errors the suite showed FlakyStrategyDefinition, not the failure.
    from hypothesis.vendor.pretty import pretty

    contract = load_contract("zstack")
    for text in (repr(contract), pretty(contract)):
        assert len(text) < 200 and "zstack" in text
