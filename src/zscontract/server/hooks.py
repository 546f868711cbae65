"""The switched-on faults and variants, consulted at a few fixed points of the request path.

The app and the service call :class:`FaultSet` at named points (mangle the stored values, adjust the
row before a write, shape the inventory, shape an error) instead of testing fault names everywhere;
rules that loosen or tighten validation are read with :meth:`FaultSet.on` in ``parsing``. With no
names switched on, every hook is the identity: the server is sound.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from zscontract.server.values import java_trim

# Hooks that change stored strings (round_trip faults) apply to these fields.
_TEXT_FIELDS = ("name", "description")


class FaultSet:
    """The names of the switched-on faults and variants.

    >>> FaultSet(["truncate-name-64"]).mangle({"name": "n" * 70})["name"] == "n" * 64
    True
    >>> FaultSet().mangle({"name": " a "})
    {'name': ' a '}
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        from zscontract.server.faults import BY_NAME

        chosen = frozenset(names)
        implied = (part for name in chosen if name in BY_NAME for part in BY_NAME[name].implies)
        self.names = chosen | frozenset(implied)

    def on(self, name: str) -> bool:
        """True when the fault or variant ``name`` is switched on."""
        return name in self.names

    # -- before validation: faults that answer instead of validating -----------------------------
    def hang_seconds(self, fields: Mapping[str, Any]) -> float:
        """How long the request sleeps first (``hang-on-tab``): far longer than any client timeout."""
        description = fields.get("description")
        if self.on("hang-on-tab") and isinstance(description, str) and any(c in description for c in "\t\n"):
            return 30.0
        return 0.0

    def server_fault(self, fields: Mapping[str, Any]) -> str | None:
        """The reason for a 500, or ``None`` (``cjk-name-500``, ``long-yaml-500``)."""
        from zscontract.server.parsing import INT_RANGES, has_cjk_or_emoji, whole_beyond  # parsing imports this

        name, yaml = fields.get("name"), fields.get("yaml")
        if self.on("range-500") and any(whole_beyond(fields.get(f), lo, hi) for f, (lo, hi) in INT_RANGES.items()):
            return "com.google.gson.JsonSyntaxException: java.lang.NumberFormatException: Expected an int"
        if self.on("cjk-name-500") and isinstance(name, str) and has_cjk_or_emoji(name):
            return "UnicodeEncodeError: 'latin-1' codec can't encode the name"
        if self.on("long-yaml-500") and isinstance(yaml, str) and len(yaml) > 1000:
            return "DataError: value too long for column yaml (1000)"
        return None

    # -- the store path --------------------------------------------------------------------------
    def store_string(self, text: str, *, zstack: bool) -> str:
        """A sent string as this server stores it, before validation (as APIMessage.validate trims).

        Sound: zstack Java-trims (facts, "Strings are trimmed by the server"); documented stores it as
        sent, or Java-trimmed with ``java-trim``. The faults put another trim in its place.

        >>> FaultSet().store_string("\\x01a\\u00a0 ", zstack=True), FaultSet(["python-strip"]).store_string(
        ...     "\\x01a\\u00a0 ", zstack=True)
        ('a\\xa0', '\\x01a')
        """
        if self.on("python-strip"):
            return text.strip()
        if self.on("drop-trailing-newline"):
            return text[:-1] if text.endswith("\n") else text
        if self.on("no-trim"):
            return text
        if zstack or self.on("java-trim"):
            return java_trim(text)
        return text

    def mangle(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The values actually stored for validated ``changes`` (round_trip faults)."""
        out = dict(changes)
        if self.on("ignore-description"):
            out.pop("description", None)
        for name in _TEXT_FIELDS:
            value = out.get(name)
            if not isinstance(value, str):
                continue
            if self.on("nfkd-normalize"):
                value = unicodedata.normalize("NFKD", value)
            if self.on("truncate-name-64") and name == "name":
                value = value[:64]
            if self.on("utf8mb3-astral"):  # a 3-byte utf8 MySQL column: characters beyond the BMP become '?'
                value = "".join("?" if ord(c) > 0xFFFF else c for c in value)
            out[name] = value
        for name in ("name", "description", "yaml"):
            if self.on("latin1-replace") and isinstance(out.get(name), str):
                out[name] = out[name].encode("latin-1", "replace").decode("latin-1")
        memory = out.get("requestMemory")
        if isinstance(memory, int):
            if self.on("memory-int32-wrap"):
                memory = (memory + 2**31) % 2**32 - 2**31
            if self.on("memory-float64"):
                memory = int(float(memory))
            out["requestMemory"] = memory
        return out

    def before_write(self, current: dict[str, Any], new: dict[str, Any], sent: Mapping[str, Any],
                     now: int) -> None:
        """Adjust the row about to be written (unchanged_unsent, invariants, idempotence faults)."""
        if self.on("reset-unsent-description") and "description" not in sent:
            new["description"] = ""
        if self.on("reset-unsent-memory") and "requestMemory" not in sent:
            new["requestMemory"] = 1
        if self.on("name-dedupe") and "name" in sent and new.get("name") == current.get("name"):
            new["name"] = f"{new['name']} (1)"
        if self.on("size-counter"):
            new["size"] = (current.get("size") or 0) + 1
        if self.on("createdate-changes"):
            new["createDate"] = now
        if self.on("lastopdate-backwards"):
            new["lastOpDate"] = current["lastOpDate"] - 60

    # -- rendering -------------------------------------------------------------------------------
    def inventory(self, inventory: dict[str, Any]) -> dict[str, Any]:
        """The inventory as answered (response_shape and invariants faults)."""
        inv = dict(inventory)
        if self.on("drop-name"):
            inv.pop("name", None)
        if self.on("memory-as-string") and "requestMemory" in inv:
            inv["requestMemory"] = str(inv["requestMemory"])
        if self.on("uuid-mismatch") and isinstance(inv.get("uuid"), str):
            inv["uuid"] = inv["uuid"][::-1]
        return inv

    def success_body(self, inventory: dict[str, Any]) -> dict[str, Any]:
        """The body of a successful update: ``{"inventory": ...}`` plus the variant's or fault's keys."""
        body: dict[str, Any] = {"inventory": inventory}
        if self.on("success-keys"):
            body = {"success": True, "error": None, **body}
        if self.on("success-false"):
            body = {"success": False, **body}
        return body

    def error_code(self, kind: str, code: str) -> str:
        """The code answered for an error of ``kind`` (zstack_codes faults)."""
        if kind == "session" and self.on("session-code-sys1000"):
            return "SYS.1000"
        if kind == "not_found" and self.on("notfound-code-sys1007"):
            return "SYS.1007"
        return code

    def error_code_body(self, error: dict[str, Any]) -> dict[str, Any]:
        """The ErrorCode object as answered (error_envelope faults)."""
        out = dict(error)
        if self.on("cause-string"):
            out["cause"] = f"{error.get('code')}: {error.get('details')}"
        if self.on("cause-code-without-dot"):
            out["cause"] = {"code": "INTERNAL", "description": "internal error", "details": None}
        if self.on("error-details-number"):
            out["details"] = 1007
        return out
