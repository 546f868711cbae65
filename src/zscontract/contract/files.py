"""Where the contract files are: inside the wheel, or in the checkout for an editable install.

pyproject.toml force-includes the top-level ``contracts/`` folder as ``zscontract/contracts``
in the wheel; an editable install has no such folder in the package and reads the checkout's.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from zscontract.errors import ContractFileError

SOURCE_PAGE = "source/UpdateModelService.txt"
OVERLAY = "overlay.yaml"


def contracts_dir() -> Path:
    """The directory holding ``openapi/``, ``schemas/``, ``source/`` and ``overlay.yaml``.

    >>> (contracts_dir() / "overlay.yaml").is_file()
    True
    """
    candidates: list[Path] = []
    try:
        packaged = importlib.resources.files("zscontract") / "contracts"
        if isinstance(packaged, Path):
            candidates.append(packaged)
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - namespace edge cases
        pass
    # src/zscontract/contract/files.py -> parents[3] is the checkout's root.
    candidates.append(Path(__file__).resolve().parents[3] / "contracts")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise ContractFileError(
        "cannot find the contract files: looked in "
        + " and ".join(str(c) for c in candidates)
        + "; reinstall zscontract (the wheel ships them as zscontract/contracts) or run from a checkout"
    )


def source_page() -> Path:
    """The committed copy of the documentation page the contract is generated from."""
    return contracts_dir() / SOURCE_PAGE


def overlay_file() -> Path:
    return contracts_dir() / OVERLAY
