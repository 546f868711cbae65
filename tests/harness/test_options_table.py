"""Options are declared once (``zscontract.options.OPTIONS``): ``--help``, the pytest plugin and the README agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zscontract.cli.parser import build_parser
from zscontract.options import OPTIONS

README = Path(__file__).resolve().parents[2] / "README.md"
# Environment variables a row may name that belong to no option: the password, the progress interval.
NOT_OPTIONS = {"ZS_PASSWORD", "ZS_PROGRESS_EVERY"}


def _rows() -> list[tuple[set[str], str, str]]:
    """The README's options table: the flags of each row, its environment column and its whole text."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| option | env var | meaning |"):]
    rows = []
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        option, env = line.split(" | ")[:2]
        rows.append((set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", option)), env, line))
    return rows


def _flags(opt: object) -> set[str]:
    return {f for f in (opt.flag, opt.short, opt.off) if f}  # type: ignore[attr-defined]


def test_every_option_is_in_the_readme_table_with_its_environment_variable_and_default() -> None:
    rows = _rows()
    for opt in OPTIONS.values():
        (flags, env, line), *more = [r for r in rows if _flags(opt) & r[0]] or [(set(), "", "")]
        assert flags, f"{opt.flag} is not in the README's options table"
        assert not more, f"{opt.flag} is in more than one row of the README's options table"
        if opt.env:
            assert f"`{opt.env}`" in env, f"{opt.flag}: the README does not name {opt.env}"
        if opt.default:
            assert re.search(rf"defaults? [^|]*\b{re.escape(opt.default)}\b", line), \
                f"{opt.flag}: the README does not say its default {opt.default}"


def test_the_readme_table_names_no_option_or_variable_the_table_does_not_have() -> None:
    known = set().union(*(_flags(o) for o in OPTIONS.values()))
    for flags, env, _line in _rows():
        assert flags <= known, f"README options table: {flags - known} are not options"
        declared = {o.env for o in OPTIONS.values() if _flags(o) & flags and o.env}
        named = set(re.findall(r"ZS_[A-Z_]+", env))
        assert named - NOT_OPTIONS <= declared, f"README options table: {named - declared} belong to no option there"


def test_the_readme_names_exactly_the_plugin_s_options() -> None:
    text = README.read_text(encoding="utf-8")
    paragraph = text[text.index("The pytest plugin takes"):]
    paragraph = paragraph[:paragraph.index("\n\n")]
    plugin = {"--zs-" + o.flag.removeprefix("--") for o in OPTIONS.values() if o.plugin}
    assert set(re.findall(r"--zs-[a-z-]+", paragraph)) == plugin


@pytest.mark.parametrize("opt", [o for o in OPTIONS.values() if o.plugin], ids=lambda o: o.name)
def test_a_plugin_option_has_an_ini_key(opt: object) -> None:
    assert opt.ini == "zs_" + opt.name  # type: ignore[attr-defined]


def test_run_help_offers_every_option() -> None:
    help_text = build_parser()._subparsers._group_actions[0].choices["run"].format_help()  # type: ignore[union-attr]
    for opt in OPTIONS.values():
        for flag in _flags(opt):
            assert re.search(rf"(?<![\w-]){re.escape(flag)}\b", help_text), flag
