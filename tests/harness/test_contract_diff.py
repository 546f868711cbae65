"""Page diffs by oasdiff's rules: each change's id, level and whom it breaks, and the exit codes.

Every pair is the committed page (the seed, ``contracts/source/UpdateModelService.txt``) and a
copy edited in ``tmp_path`` by literal replacements of its text (or two edited copies, for a
limit that must exist on both sides). The key cases run the real ``zscontract`` command.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from zscontract.contract.changes import Change
from zscontract.contract.cli import main, register, run
from zscontract.contract.diff import diff_pages, render_json, render_markdown, render_text
from zscontract.contract.diff_constraints import Constraints, read_constraints
from zscontract.contract.files import overlay_file, source_page
from zscontract.contract.page import parse_page_file

PAGES = Path(__file__).parent / "pages"

# Anchors in the seed page (bullets are "  • nameType", descriptions indented below them).
PATH_UUID = "  • uuidStringRequired\n\n    The resource UUID.\n"
NAME = "  • nameString\n\n    Optional. The resource name.\n"
YAML = "  • yamlString\n\n    Optional. The YAML configuration of the model service.\n"
CPU = "  • requestCpuInteger\n\n    Optional. The required number of CPUs.\n"
INV_README = "    • readmeStringRequired\n\n      The README content.\n"
INV_CPU = "    • requestCpuIntegerRequired\n\n      The requested number of CPUs.\n"
INV_TYPE = "    • typeStringRequired\n\n      The model service type.\n"

Edit = tuple[str, str]


def _page(tmp_path: Path, name: str, edits: tuple[Edit, ...]) -> Path:
    text = source_page().read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"anchor not unique in the seed page: {old!r}"
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _pair(tmp_path: Path, old: tuple[Edit, ...], new: tuple[Edit, ...]) -> tuple[Path, Path]:
    return _page(tmp_path, "old.txt", old), _page(tmp_path, "new.txt", new)


def _classified(changes: list[Change]) -> list[tuple[str, str, str, str]]:
    """(id, level, for whom, where) of each change but the wording ones."""
    return [(c.id, c.level, c.who, c.where) for c in changes if c.id != "zs-description-changed"]


def _described(line: str, extra: str) -> tuple[Edit, ...]:
    """Append a sentence to the description of the bullet ``line`` (one of the anchors)."""
    return ((line, line.rstrip("\n") + f" {extra}\n"),)


# (case, edits of the old page, edits of the new page, expected (id, level, for, where) list)
CASES = [
    ("new optional request field", (), ((CPU, CPU + "\n  • labelString\n\n    Optional. A label.\n"),),
     [("new-optional-request-property", "info", "none", "body.label")]),
    ("new required request field", (), ((CPU, CPU + "\n  • labelStringRequired\n\n    A label.\n"),),
     [("new-required-request-property", "error", "clients", "body.label")]),
    ("request field removed", (), ((YAML + "\n", ""),),
     [("request-property-removed", "warning", "clients", "body.yaml")]),
    ("request field retyped", (), ((CPU, CPU.replace("Integer", "String")),),
     [("request-property-type-changed", "error", "clients and servers", "body.requestCpu")]),
    ("request field widened", (), ((CPU, CPU.replace("Integer", "Long")),),
     [("request-property-type-generalized", "info", "none", "body.requestCpu")]),
    ("request field made required", (), ((NAME, NAME.replace("Optional.", "Required.")),),
     [("request-property-became-required", "error", "clients", "body.name")]),
    ("request field made optional", ((NAME, NAME.replace("Optional.", "Required.")),), (),
     [("request-property-became-optional", "info", "none", "body.name")]),
    ("response field removed", (), ((INV_README + "\n", ""),),
     [("response-required-property-removed", "error", "clients", "response 200.inventory.readme")]),
    ("response field added", (), ((INV_README, INV_README + "\n    • labelString\n\n      A label.\n"),),
     [("response-optional-property-added", "info", "none", "response 200.inventory.label")]),
    ("response field made optional", (), ((INV_README, INV_README.replace("Required", "")),),
     [("response-property-became-optional", "error", "clients", "response 200.inventory.readme")]),
    ("response field widened", (), ((INV_CPU, INV_CPU.replace("Integer", "Long")),),
     [("response-property-type-generalized", "error", "clients", "response 200.inventory.requestCpu")]),
    ("response field narrowed", ((INV_CPU, INV_CPU.replace("Integer", "Long")),), (),
     [("response-property-type-specialized", "info", "none", "response 200.inventory.requestCpu")]),
    ("request max length set", (), _described(NAME, "Max length: 255."),
     [("request-property-max-length-set", "warning", "clients", "body.name")]),
    ("request max length decreased", _described(NAME, "Max length: 255."), _described(NAME, "Max length: 128."),
     [("request-property-max-length-decreased", "error", "clients", "body.name")]),
    ("request max length increased", _described(NAME, "Max length: 128."), _described(NAME, "Max length: 255."),
     [("request-property-max-length-increased", "info", "none", "body.name")]),
    ("request max length dropped", _described(NAME, "Max length: 128."), (),
     [("request-property-max-length-unset", "info", "none", "body.name")]),
    ("request range narrowed", _described(CPU, "Value range: 1-64."), _described(CPU, "Value range: 1-32."),
     [("request-property-max-decreased", "error", "clients", "body.requestCpu")]),
    ("request minimum lowered", _described(CPU, "Minimum value: 2."), _described(CPU, "Minimum value: 1."),
     [("request-property-min-decreased", "info", "none", "body.requestCpu")]),
    ("request enum value removed", _described(NAME, "Valid values: a, b."), _described(NAME, "Valid values: a."),
     [("request-property-enum-value-removed", "error", "clients", "body.name")]),
    ("request enum value added", _described(NAME, "Valid values: a."), _described(NAME, "Valid values: a, b."),
     [("request-property-enum-value-added", "info", "none", "body.name")]),
    ("request became enum", (), _described(NAME, "Valid values: a, b."),
     [("request-property-became-enum", "error", "clients", "body.name")]),
    ("request pattern added", (), _described(NAME, "Pattern: `^[a-z]+$`."),
     [("request-property-pattern-added", "error", "clients", "body.name")]),
    ("request pattern changed", _described(NAME, "Pattern: `^[a-z]+$`."), _described(NAME, "Pattern: `^[a-z0-9]+$`."),
     [("request-property-pattern-changed", "warning", "clients", "body.name")]),
    ("request default changed", _described(CPU, "Default value: 1."), _described(CPU, "Default value: 2."),
     [("request-property-default-value-changed", "info", "none", "body.requestCpu")]),
    ("response enum value added", _described(INV_TYPE, "Valid values: Endpoint, Local."),
     _described(INV_TYPE, "Valid values: Endpoint, Local, Remote."),
     [("response-property-enum-value-added", "warning", "clients", "response 200.inventory.type")]),
    ("response enum value removed", _described(INV_TYPE, "Valid values: Endpoint, Local."),
     _described(INV_TYPE, "Valid values: Endpoint."),
     [("response-property-enum-value-removed", "info", "none", "response 200.inventory.type")]),
    ("response max length increased", _described(INV_README, "Max length: 100."),
     _described(INV_README, "Max length: 200."),
     [("response-property-max-length-increased", "error", "clients", "response 200.inventory.readme")]),
    ("response max length decreased", _described(INV_README, "Max length: 200."),
     _described(INV_README, "Max length: 100."),
     [("response-property-max-length-decreased", "info", "none", "response 200.inventory.readme")]),
    ("response pattern changed", _described(INV_README, "Pattern: `^a$`."), _described(INV_README, "Pattern: `^b$`."),
     [("response-property-pattern-changed", "info", "none", "response 200.inventory.readme")]),
    ("response maximum dropped", _described(INV_CPU, "Maximum value: 64."), (),
     [("response-property-max-unset", "error", "clients", "response 200.inventory.requestCpu")]),
    ("path parameter retyped", (), ((PATH_UUID, PATH_UUID.replace("String", "Long")),),
     [("request-parameter-type-changed", "error", "clients and servers", "path.uuid")]),
    ("success status removed", (), (("200 OK\n", "201 Created\n"),),
     [("response-success-status-removed", "error", "clients", "response 200"),
      ("response-success-status-added", "info", "none", "response 201")]),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_is_classified_as_oasdiff_does(
    tmp_path: Path, old: tuple[Edit, ...], new: tuple[Edit, ...], expected: list[tuple[str, str, str, str]]
) -> None:
    a, b = _pair(tmp_path, old, new)
    changes = diff_pages(parse_page_file(a), parse_page_file(b))
    assert _classified(changes) == expected
    assert all(c.reason for c in changes)
    # A stated limit is also a wording change, reported as such and never breaking.
    assert all(not c.breaking for c in changes if c.id == "zs-description-changed")


# (case, old edits, new edits, exit code, an id the JSON must list)
CLI_CASES = [
    ("new optional request field: not breaking", (), CASES[0][2], 0, "new-optional-request-property"),
    ("new response field: not breaking", (), CASES[8][2], 0, "response-optional-property-added"),
    ("request field removed: breaking", (), CASES[2][2], 1, "request-property-removed"),
    ("request field retyped: breaking", (), CASES[3][2], 1, "request-property-type-changed"),
    ("request field made required: breaking", (), CASES[5][2], 1, "request-property-became-required"),
    ("response field removed: breaking", (), CASES[7][2], 1, "response-required-property-removed"),
    ("request max length decreased: breaking", CASES[13][1], CASES[13][2], 1, "request-property-max-length-decreased"),
    ("request max length increased: not breaking", CASES[14][1], CASES[14][2], 0,
     "request-property-max-length-increased"),
]


def _zscontract(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zscontract", "contract", "diff", *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(("old", "new", "code", "rule"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_cli_exits_1_only_for_breaking_changes(
    tmp_path: Path, old: tuple[Edit, ...], new: tuple[Edit, ...], code: int, rule: str
) -> None:
    a, b = _pair(tmp_path, old, new)
    proc = _zscontract(a, b, "--format", "json")
    assert (proc.returncode, proc.stderr) == (code, "")
    entries = json.loads(proc.stdout)
    assert rule in [e["id"] for e in entries]
    for e in entries:
        assert set(e) >= {"id", "level", "for", "text"} and e["level"] in ("error", "warning", "info")
        assert (e["for"] == "none") == (e["level"] == "info")
    assert any(e["level"] != "info" for e in entries) == (code == 1)


def test_cli_text_says_not_breaking_and_fail_on_error_ignores_warnings(tmp_path: Path) -> None:
    a, b = _pair(tmp_path, (), CASES[0][2])
    proc = _zscontract(a, b)
    assert proc.returncode == 0
    assert proc.stdout.startswith("info, not breaking: new-optional-request-property at body.label:")
    assert proc.stdout.endswith("1 change(s), 0 breaking (0 error, 0 warning, 1 info).\n")
    a, b = _pair(tmp_path, (), CASES[2][2])  # a warning only
    assert _zscontract(a, b).returncode == 1
    assert _zscontract(a, b, "--fail-on", "error").returncode == 0
    help_text = _zscontract("--help").stdout
    assert "exit 0: nothing breaking" in help_text and "1: a breaking change" in help_text


def test_same_page_has_no_changes() -> None:
    assert diff_pages(parse_page_file(source_page()), parse_page_file(source_page())) == []
    assert render_json([]) == "[]\n"


def test_a_removed_structure_is_one_change() -> None:
    changes = diff_pages(parse_page_file(source_page()), parse_page_file(PAGES / "nested_response_field_removed.txt"))
    assert _classified(changes) == [
        ("response-required-property-removed", "error", "clients", "response 200.inventory.readme")
    ]


def test_renderings(tmp_path: Path) -> None:
    a, b = _pair(tmp_path, (), CASES[0][2] + CASES[3][2])
    changes = diff_pages(parse_page_file(a), parse_page_file(b))
    text = render_text(changes).splitlines()
    assert text[0].startswith("error, breaks clients and servers: request-property-type-changed at body.requestCpu")
    assert text[1].startswith("info, not breaking: new-optional-request-property")
    md = render_markdown(changes)
    assert md.splitlines()[0].startswith("| level | id |")
    assert "| error | request-property-type-changed | body.requestCpu | Integer | String | clients and servers |" in md
    assert [e["id"] for e in json.loads(render_json(changes))] == [
        "request-property-type-changed", "new-optional-request-property"
    ]


def test_cli_usage_and_unreadable_pages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(source_page()), str(source_page())]) == 0
    assert capsys.readouterr().out == "No changes.\n"
    assert main(["diff", str(source_page()), str(PAGES / "malformed_unknown_type.txt")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "malformed_unknown_type.txt:39: unknown type" in err[0]
    assert main(["diff", str(source_page()), str(source_page()), "--format", "html"]) == 2
    assert main(["diff", str(source_page()), str(source_page()), "--fail-on", "info"]) == 2


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


def test_the_seed_page_states_no_limit_but_its_defaults() -> None:
    """Guards the description reader against false limits in ordinary sentences of the page."""
    page = parse_page_file(source_page())
    fields = [*page.body_fields, *page.response_field_paths().values()]
    read = [read_constraints(f.description) for f in fields]
    assert all(c.bounds == () and c.enum is None and c.pattern is None for c in read)
    assert {c.default for c in read} == {None, "null"}
    assert read_constraints("Up to 64 characters. Possible values are: `x` | `y`.") == Constraints(
        bounds=(("max-length", "64"),), enum=("x", "y")
    )
