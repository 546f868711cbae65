"""The page parser: the seed page, glued tokens, each variation and each malformed page."""

from __future__ import annotations

from pathlib import Path

import pytest

from zscontract.contract.files import source_page
from zscontract.contract.page import parse_page, parse_page_file, split_field_token
from zscontract.errors import ContractFileError

PAGES = Path(__file__).parent / "pages"


@pytest.fixture(scope="module")
def page():  # type: ignore[no-untyped-def]
    return parse_page_file(source_page())


def test_seed_page_header_and_endpoint(page) -> None:  # type: ignore[no-untyped-def]
    assert (page.title, page.operation_id) == ("UpdateModelService", "UpdateModelService")
    assert (page.method, page.path) == ("PUT", "/zstack/v1/ai/model-services/{uuid}")
    assert (page.since, page.synchronous) == ("5.1.8", True)
    assert [(p.name, p.type, p.required) for p in page.path_params] == [("uuid", "String", True)]


def test_seed_page_body_fields(page) -> None:  # type: ignore[no-untyped-def]
    assert [(f.name, f.type, f.required) for f in page.body_fields] == [
        ("name", "String", False),
        ("description", "String", False),
        ("yaml", "String", False),
        ("requestCpu", "Integer", False),
        ("requestMemory", "Long", False),
    ]
    assert page.body_field("name").description == "The resource name."


def test_seed_page_response_tree(page) -> None:  # type: ignore[no-untyped-def]
    ok = page.response(200)
    assert ok is not None and ok.reason == "OK"
    assert [(f.name, f.type) for f in ok.fields] == [
        ("success", "boolean"),
        ("error", "ErrorCode"),
        ("inventory", "ModelServiceInventory"),
    ]
    error, inventory = ok.fields[1], ok.fields[2]
    assert [c.name for c in error.children] == [
        "code",
        "description",
        "details",
        "elaboration",
        "opaque",
        "cause",
    ]
    assert error.find("opaque").type == "LinkedHashMap"
    assert error.find("cause").type == "ErrorCode"
    assert len(inventory.children) == 29
    assert inventory.find("vendorToSpecUuidsMap").type == "Map"
    assert inventory.find("createDate").type == "Timestamp"
    assert all(c.required for c in inventory.children)


def test_seed_page_examples(page) -> None:  # type: ignore[no-untyped-def]
    req = page.request_example
    assert req.method == "PUT"
    assert req.url == "http://{host}/zstack/v1/ai/model-services/{uuid}"
    assert req.headers["Authorization"] == "OAuth {sessionUuid}"
    assert req.body["requestCpu"] == 1 and req.body["servicePorts"] == ["<servicePorts>"]
    assert page.response_example.status == 200
    assert page.response_example.body["inventory"]["requestMemory"] == 1024
    assert page.change_history == ()


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("requestMemoryLong", ("requestMemory", "Long", False)),
        ("opaqueLinkedHashMapRequired", ("opaque", "LinkedHashMap", True)),
        ("inventoryModelServiceInventoryRequired", ("inventory", "ModelServiceInventory", True)),
        ("vendorToSpecUuidsMapMapRequired", ("vendorToSpecUuidsMap", "Map", True)),
        ("successbooleanRequired", ("success", "boolean", True)),
        ("causeErrorCodeRequired", ("cause", "ErrorCode", True)),
    ],
)
def test_glued_tokens_split_on_longest_known_type(token: str, expected: tuple[str, str, bool]) -> None:
    assert split_field_token(token) == expected


def test_variation_field_added() -> None:
    page = parse_page_file(PAGES / "field_added.txt")
    assert page.body_fields[-1].name == "label" and not page.body_fields[-1].required


def test_variation_field_removed() -> None:
    assert parse_page_file(PAGES / "field_removed.txt").body_field("yaml") is None


def test_variation_field_retyped() -> None:
    assert parse_page_file(PAGES / "field_retyped.txt").body_field("requestCpu").type == "Long"


def test_variation_field_made_required() -> None:
    name = parse_page_file(PAGES / "field_made_required.txt").body_field("name")
    assert name.required and name.description == "The resource name."


def test_variation_nested_response_field_removed() -> None:
    inventory = parse_page_file(PAGES / "nested_response_field_removed.txt").response(200).fields[2]
    assert inventory.find("readme") is None and inventory.find("yaml") is not None


@pytest.mark.parametrize(
    ("name", "line", "expected"),
    [
        ("malformed_missing_section.txt", 46, "section 'Body Fields' is missing"),
        ("malformed_unknown_type.txt", 39, "unknown type in 'requestCpuNumber'"),
        ("malformed_field_without_type.txt", 27, "field 'name' has no type"),
    ],
)
def test_malformed_pages_name_file_line_and_expectation(name: str, line: int, expected: str) -> None:
    with pytest.raises(ContractFileError) as info:
        parse_page_file(PAGES / name)
    message = str(info.value)
    assert message.startswith(f"{PAGES / name}:{line}: {expected}")
    assert "expected" in message.split(expected, 1)[1]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("PUT/zstack/v1/ai/model-services/{uuid}\n", "PUT zstack\n", "expected the method glued to the path"),
        ('"inventory": {', '"inventory": {{', "the response example is not JSON"),
        (
            "  • requestCpuInteger\n\n    Optional.",
            "      • requestCpuInteger\n\n        Optional.",
            "is nested under 'yaml' of type String",
        ),
    ],
)
def test_other_malformations_are_line_numbered(old: str, new: str, expected: str) -> None:
    text = source_page().read_text(encoding="utf-8").replace(old, new, 1)
    with pytest.raises(ContractFileError, match=rf"^x\.txt:\d+: .*{expected}"):
        parse_page(text, source="x.txt")


def test_missing_file_is_a_contract_file_error(tmp_path: Path) -> None:
    with pytest.raises(ContractFileError, match="page file not found"):
        parse_page_file(tmp_path / "nope.txt")
