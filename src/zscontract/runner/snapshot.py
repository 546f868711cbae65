"""The snapshot on disk: written before the first write, marked once written back.

``snapshot.json`` says which target and resource it belongs to and whether it was restored, so a
later run on the same target and resource refuses to start while an earlier run's changes were
never undone (a SIGKILL, a power cut), until ``zscontract restore`` or ``--discard-snapshot``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zscontract.errors import PreconditionFailed, UsageError

FORMAT = 1


@dataclass(frozen=True)
class Snapshot:
    path: Path
    uuid: str
    inventory: dict[str, Any]
    target_url: str | None
    restored: bool | None  # None: a snapshot from before this field existed
    profile: str | None = None
    # The run wrote the page's example-only fields too (--include-example-fields): they are written back.
    # False for a snapshot from before this field existed (its restore reports them as other differences).
    include_example_fields: bool = False


def save_snapshot(path: Path, uuid: str, inventory: dict[str, Any] | None, *, target_url: str | None = None,
                  restored: bool | None = False, profile: str | None = None, include_example_fields: bool = False,
                  read_only: bool = False) -> Path:
    """Write the snapshot (atomically: a kill mid-write leaves the previous file or none).

    ``inventory`` None (and ``restored`` None): a --read-only run on a target without a query API,
    which never read the resource; there is nothing to write back, and no later run waits for it.
    """
    doc = {"zscontract_snapshot": FORMAT, "uuid": uuid, "target_url": target_url, "profile": profile,
           "restored": restored, "read_only": read_only, "include_example_fields": include_example_fields,
           "inventory": inventory}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def mark(path: Path, **flags: Any) -> None:
    """Record on the snapshot that it was restored (or discarded), keeping the rest."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.update(flags)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def load_snapshot(where: Path) -> Snapshot:
    """A snapshot from a run directory or a ``snapshot.json``; a bad one is a one-line usage error."""
    path = where / "snapshot.json" if where.is_dir() else where
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no snapshot at {path}: give a run directory (reports/<run-id>) or its "
                         "snapshot.json") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"snapshot {path} cannot be read ({type(exc).__name__}: {exc})") from None
    if isinstance(doc, dict) and doc.get("read_only") is True and doc.get("inventory") is None:
        raise UsageError(f"snapshot {path} is of a --read-only run that could not read the model service (no query "
                         "API): it holds nothing to write back")
    if not isinstance(doc, dict) or not isinstance(doc.get("inventory"), dict) or not isinstance(doc.get("uuid"), str):
        raise UsageError(f"snapshot {path} is not a zscontract snapshot (no uuid and inventory)")
    restored = doc.get("restored")
    profile = doc.get("profile")
    return Snapshot(path, doc["uuid"], doc["inventory"], doc.get("target_url"),
                    restored if isinstance(restored, bool) else None, profile if isinstance(profile, str) else None,
                    doc.get("include_example_fields") is True)


def pending(report_dir: Path, target_url: str, uuid: str) -> list[Path]:
    """Snapshots of earlier runs on this target and resource that were never written back."""
    found = []
    for path in sorted(report_dir.glob("*/snapshot.json")):
        if path.parent.is_symlink():
            continue  # reports/latest: the same run under another name
        try:
            snap = load_snapshot(path)
        except UsageError:
            continue
        if snap.restored is False and snap.uuid == uuid and snap.target_url == target_url:
            found.append(path)
    return found


def refuse_if_pending(report_dir: Path, target_url: str, uuid: str, discard: Path | None, *,
                      discard_flag: str | None = "--discard-snapshot") -> None:
    """Refuse to start while an earlier run's snapshot of this resource was never restored.

    ``discard_flag``: the option that gives up on a snapshot, or None where there is none (then the
    way out named is deleting it).
    """
    if discard is not None:
        snap = load_snapshot(discard)
        mark(snap.path, restored=True, discarded=True)
    left = pending(report_dir, target_url, uuid)
    if left:
        give_up = f"`{discard_flag} {left[-1]}`" if discard_flag else "delete that snapshot"
        raise PreconditionFailed(
            f"an earlier run changed model service {uuid} and never restored it (snapshot {left[-1]}); "
            f"run `ZS_SESSION_UUID=S zscontract restore {left[-1].parent}` first, or {give_up} to go on "
            "without it")
