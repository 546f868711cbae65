"""Seed data and the Gson-style rendering of a ModelServiceInventory.

The seed follows the page's response example (``contracts/source/UpdateModelService.txt``): the same
field values, with fresh random UUIDs. Rendering follows Gson: null fields are left out (zstack-rest-facts.md
"ErrorCode": "Gson leaves out null fields"), dates use the default ``DateFormat`` (JDK 8 style unless the
``--date-style``, or the ``jdk9-dates``/``jdk20-dates`` variants; facts "Values").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from zscontract.server.store import FIELDS, Row
from zscontract.server.values import gson_date, java_trim, new_uuid

DateFormatter = Callable[[int], Any]

# The example's yaml, with the indentation the page's rendering flattened restored.
SEED_YAML = (
    "services:\n"
    "  - ports:\n"
    "      - 3000\n"
    "    name: qwen1.5-7b-chat:2b34xhrmqwhomjkd\n"
    "    livez: /livez\n"
    "    readyz: /readyz\n"
    "    serviceBootupTime: 30\n"
    "env:\n"
    "  - key:value\n"
    "  - key:value\n"
    "distro:\n"
    "  packages: vim,nfs-utils\n"
    "python:\n"
    "  requirements_txt: ./requirements.txt\n"
    "  index_url: https://pypi.tuna.tsinghua.edu.cn/simple\n"
    "  trusted_host: pypi.tuna.tsinghua.edu.cn\n"
)
SEED_DESCRIPTION = "Example description for modelService"


def seed_yaml(*, zstack: bool) -> str:
    """The seed's yaml as stored: Java-trimmed in zstack."""
    return java_trim(SEED_YAML) if zstack else SEED_YAML
SEED_MEMORY = 1024


def seed_row(index: int, created: int, *, zstack: bool = False) -> tuple[Row, list[Row]]:
    """One model service like the page's example, and its two images (x86_64 and aarch64).

    zstack: as a node stores it, the yaml Java-trimmed (it came through the API too).
    """
    uuid = new_uuid()
    row: Row = dict.fromkeys(FIELDS)
    row.update({
        "uuid": uuid,
        "name": "example" if index == 0 else f"example-{index}",
        "description": SEED_DESCRIPTION,
        "yaml": seed_yaml(zstack=zstack),
        "requestCpu": 1,
        "requestMemory": SEED_MEMORY,
        "modelCenterUuid": new_uuid(),
        "type": "Endpoint",
        "system": True,
        "gpuComputeCapability": "3.7",
        "installPath": "/example/install/path",
        "pythonVersion": "3.8.10",
        "condaVersion": "23.7.4",
        "startCommand": "python3 app.py",
        "supportDistributed": True,
        "createDate": created,
        "lastOpDate": created,
    })
    images = [
        {"uuid": new_uuid(), "modelServiceUuid": uuid, "cpuArchitecture": arch, "vmImageUuid": new_uuid(),
         "dockerImage": f"registry.example.com/{arch}/myimage:latest", "createDate": created,
         "lastOpDate": created}
        for arch in ("x86_64", "aarch64")
    ]
    return row, images


def blank_row(uuid: str, now: int) -> Row:
    """A new row for ``uuid`` (only the ``upsert-unknown`` fault creates one)."""
    row: Row = dict.fromkeys(FIELDS)
    row.update({"uuid": uuid, "name": uuid, "createDate": now, "lastOpDate": now})
    return row


def gson_dates(style: str = "jdk8") -> DateFormatter:
    """A formatter of stored epoch seconds as Gson's default DateFormat writes them (local time)."""
    return lambda seconds: gson_date(datetime.fromtimestamp(seconds), style)


def render(row: Row, dates: DateFormatter, *, explicit_nulls: bool = False) -> dict[str, Any]:
    """The inventory JSON object of a stored row.

    >>> row = {**dict.fromkeys(FIELDS), "uuid": "a" * 32, "name": "n", "createDate": 0, "lastOpDate": 0}
    >>> sorted(render(row, lambda s: s))
    ['createDate', 'lastOpDate', 'name', 'uuid']
    """
    inventory: dict[str, Any] = {}
    for name in FIELDS:
        value = row.get(name)
        if name in ("createDate", "lastOpDate") and value is not None:
            value = dates(value)
        if value is not None or explicit_nulls:
            inventory[name] = value
    images = row.get("modelServiceImages")
    if images is not None or explicit_nulls:
        inventory["modelServiceImages"] = None if images is None else [
            {**image, "createDate": dates(image["createDate"]), "lastOpDate": dates(image["lastOpDate"])}
            for image in images
        ]
    # Keep the page's order: the images come before the dates.
    for name in ("createDate", "lastOpDate"):
        if name in inventory:
            inventory[name] = inventory.pop(name)
    return inventory
