"""The runner emits events and writes nothing itself: it imports no output (README "Architecture")."""

from __future__ import annotations

import ast
from pathlib import Path

import zscontract

RUNNER = Path(zscontract.__file__).parent / "runner"
OUTPUTS = ("zscontract.reporting", "zscontract.corpus", "zscontract.replay", "zscontract.cli", "zscontract.api",
           "zscontract.baseline", "zscontract.catalogue", "zscontract.pytest_plugin")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_runner_imports_no_output() -> None:
    for path in sorted(RUNNER.glob("*.py")):
        bad = sorted(m for m in imports(path) if m.startswith(OUTPUTS))
        assert not bad, f"{path.name} imports {bad}"


def test_the_schemathesis_phase_does_not_import_the_run() -> None:
    assert "zscontract.runner.run" not in imports(RUNNER / "st_phase.py")


def test_a_layer_walk_that_cannot_see_an_import_would_fail(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from zscontract.reporting.junit import write_junit\n", encoding="utf-8")
    assert "zscontract.reporting.junit" in imports(probe)  # lazy imports inside functions are seen too
