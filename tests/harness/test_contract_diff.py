"""Page diffs: each variation's classification, rendering, and the CLI's exit codes."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from zscontract.contract.cli import main, register, run
from zscontract.contract.diff import diff_pages, render_markdown, render_text
from zscontract.contract.files import overlay_file, source_page
from zscontract.contract.page import parse_page_file

PAGES = Path(__file__).parent / "pages"


def _diff(name: str):  # type: ignore[no-untyped-def]
    return diff_pages(parse_page_file(source_page()), parse_page_file(PAGES / name))


@pytest.mark.parametrize(
    ("name", "kind", "where", "clients", "servers"),
    [
        ("field_added.txt", "field-added", "body.label", False, True),
        ("field_removed.txt", "field-removed", "body.yaml", True, False),
        ("field_retyped.txt", "type-changed", "body.requestCpu", True, True),
        ("field_made_required.txt", "optional-to-required", "body.name", True, False),
        (
            "nested_response_field_removed.txt",
            "response-field-removed",
            "response 200.inventory.readme",
            True,
            False,
        ),
    ],
)
def test_each_variation_is_one_classified_change(
    name: str, kind: str, where: str, clients: bool, servers: bool
) -> None:
    [change] = _diff(name)
    assert (change.kind, change.where) == (kind, where)
    assert (change.breaking_for_clients, change.breaking_for_servers) == (clients, servers)
    assert change.reason


def test_reverse_direction_flips_who_breaks() -> None:
    [change] = diff_pages(parse_page_file(PAGES / "field_made_required.txt"), parse_page_file(source_page()))
    assert change.kind == "required-to-optional"
    assert (change.breaking_for_clients, change.breaking_for_servers) == (False, True)
    [added] = diff_pages(
        parse_page_file(PAGES / "nested_response_field_removed.txt"), parse_page_file(source_page())
    )
    assert added.kind == "response-field-added" and not added.breaking_for_clients


def test_same_page_has_no_changes() -> None:
    assert diff_pages(parse_page_file(source_page()), parse_page_file(source_page())) == []


def test_renderings() -> None:
    changes = _diff("field_retyped.txt")
    assert render_text(changes).startswith(
        "BREAKING for clients and servers: type-changed at body.requestCpu"
    )
    md = render_markdown(changes)
    assert md.splitlines()[0].startswith("| kind |") and "| type-changed | body.requestCpu |" in md


def test_cli_diff_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(source_page()), str(source_page())]) == 0
    assert main(["diff", str(source_page()), str(PAGES / "field_retyped.txt"), "--format", "markdown"]) == 1
    assert "| type-changed |" in capsys.readouterr().out
    assert main(["diff", str(source_page()), str(PAGES / "malformed_unknown_type.txt")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "malformed_unknown_type.txt:39: unknown type" in err[0]
    assert main(["diff", str(source_page()), str(source_page()), "--format", "html"]) == 2


def test_cli_build_mounted_under_a_parent_parser(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser(prog="zscontract")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["contract", "build", str(source_page()), "--overlay", str(overlay_file()), "--out", str(tmp_path)]
    )
    assert run(args) == 0
    assert (tmp_path / "openapi" / "zstack.json").is_file()
    assert (tmp_path / "schemas" / "ModelServiceYaml.json").is_file()


def test_cli_build_of_a_malformed_page_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", str(PAGES / "malformed_missing_section.txt"), "--out", str(tmp_path)]) == 2
    assert "malformed_missing_section.txt:46: section 'Body Fields' is missing" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
