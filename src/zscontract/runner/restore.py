"""Leave the target as found: snapshot before the first write, write it back, verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zscontract.checks.state import same
from zscontract.contract import Contract
from zscontract.core.client import Client


def save_snapshot(path: Path, uuid: str, inventory: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"uuid": uuid, "inventory": inventory}, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def restorable_fields(contract: Contract, snapshot: dict[str, Any], *, include_example_fields: bool) -> dict[str, Any]:
    """The request fields that write the snapshot back (documented ones, example-only on opt-in)."""
    fields: dict[str, Any] = {}
    for name, spec in contract.fields.items():
        if not spec.documented and not include_example_fields:
            continue
        if spec.inventory_field and snapshot.get(spec.inventory_field) is not None:
            fields[name] = snapshot[spec.inventory_field]
    return fields


def restore(client: Client, contract: Contract, uuid: str, snapshot: dict[str, Any], *,
            include_example_fields: bool = False) -> dict[str, Any]:
    """Write the snapshot back and read it again; returns a report of what differs (empty = restored)."""
    fields = restorable_fields(contract, snapshot, include_example_fields=include_example_fields)
    attempts: list[Any] = []

    def put(update: dict[str, Any]) -> bool:
        for _ in range(2):  # once more after a transient failure (timeout, 5xx)
            ex = client.update(uuid, update)
            attempts.append(ex.status if ex.response is not None else ex.error)
            if ex.response is not None and ex.response.status == 200:
                return True
            if ex.response is not None and ex.response.status < 500:
                return False
        return False

    # All fields in one update first; if the target refuses that, field by field, so one value it
    # now dislikes does not keep the others from being written back.
    if not put(fields) and len(fields) > 1:
        for name, value in fields.items():
            put({name: value})
    after, via = client.read_state(uuid)
    if after is None:
        return {"restored": False, "why": f"could not read the resource back (restore answered {attempts})",
                "differences": []}
    # Restored means: every field the run wrote is back. Fields no request can set (size,
    # hasNewVersion, modelServiceRefs, ...) may move on a shared server for reasons of its own; a
    # difference there is reported, not counted as a failed restore.
    written = {spec.inventory_field for spec in contract.fields.values()
               if spec.inventory_field and (spec.documented or include_example_fields)}
    diffs = sorted(k for k in set(snapshot) | set(after)
                   if k != "lastOpDate" and not same(snapshot.get(k), after.get(k)))
    lost = [k for k in diffs if k in written]
    return {"restored": not lost, "via": via, "attempts": attempts, "differences": lost,
            "other_differences": [k for k in diffs if k not in written],
            "why": "" if not lost else f"fields still differ after restore: {', '.join(lost)}"}
