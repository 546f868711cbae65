"""Failures are data: a check raises one, reporters render it.

The layout follows schemathesis's ``core/failures.py``: a title, the property broken, and
"Sent / Received / Expected" plus a reproduction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from zscontract.core.exchange import Exchange
from zscontract.core.redact import Redactor


class CheckFailed(AssertionError):
    """A target broke one property of the oracle.

    ``check`` is the registry name of the check; ``signature`` is a short stable text that
    identifies the same defect across runs (used by baselines and the regression corpus).
    """

    def __init__(
        self,
        check: str,
        title: str,
        *,
        expected: str,
        received: str = "",
        exchange: Exchange | None = None,
        signature: str | None = None,
        input_class: str | None = None,
        case: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"[{check}] {title}")
        self.check = check
        self.title = title
        self.expected = expected
        self.received = received
        self.exchange = exchange
        self.signature = signature or title
        self.input_class = input_class
        self.case = case  # the case as JSON (Case.to_json), for the regression corpus

    def to_record(self, redactor: Redactor | None = None) -> FailureRecord:
        red = redactor or Redactor()
        sent = ""
        received = self.received
        curl = ""
        ex = self.exchange
        if ex is not None:
            req = ex.request
            sent = f"{req.method} {req.url}\n" + (
                req.body.decode("utf-8", "backslashreplace") if req.body is not None else ""
            )
            curl = req.curl(red)
            if not received:
                if ex.response is not None:
                    received = f"{ex.response.status} {ex.response.content_type}\n{ex.response.text()}"
                else:
                    received = ex.error or ""
        return FailureRecord(
            check=self.check,
            title=red.redact(self.title),
            signature=red.redact(self.signature),
            sent=red.redact(sent),
            received=red.redact(received),
            expected=red.redact(self.expected),
            curl=curl,
            input_class=self.input_class,
            case=red.redact_obj(self.case) if self.case is not None else None,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class FailureRecord:
    """A redacted, serialisable failure: what reports, baselines and the corpus store."""

    check: str
    title: str
    signature: str
    sent: str
    received: str
    expected: str
    curl: str
    input_class: str | None = None
    case: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Dedup key: the check and a hash of the signature."""
        digest = hashlib.sha256(self.signature.encode("utf-8")).hexdigest()[:12]
        return f"{self.check}:{digest}"

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "title": self.title,
            "signature": self.signature,
            "key": self.key,
            "input_class": self.input_class,
            "sent": self.sent,
            "received": self.received,
            "expected": self.expected,
            "curl": self.curl,
            **({"case": self.case} if self.case is not None else {}),
            **({"extra": self.extra} if self.extra else {}),
        }

    def render(self, limit: int = 600) -> str:
        """The failure for a terminal: Sent and Received cut to ``limit`` characters (the curl is whole)."""

        def cut(text: str) -> str:
            return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters]"

        lines = [
            f"[{self.check}] {self.title}",
            "Sent:     " + cut(self.sent).replace("\n", "\n          "),
            "Received: " + cut(self.received).replace("\n", "\n          "),
            "Expected: " + self.expected,
            "Reproduce: " + self.curl if self.curl else "",
        ]
        return "\n".join(line for line in lines if line)


def short(value: Any, limit: int = 200) -> str:
    """A JSON rendering of a value cut to ``limit`` characters, for titles and messages."""
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[:limit] + f"...(+{len(text) - limit})"
