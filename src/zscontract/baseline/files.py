"""The baseline file: YAML (JSON works too: YAML reads it), read with file:line errors, written atomically.

Every problem of a file is a :class:`~zscontract.errors.UsageError` naming the file, the line
and what would be accepted; :func:`write_baseline` never overwrites a malformed file silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from zscontract.baseline.model import Baseline, BaselineEntry
from zscontract.errors import UsageError

BASELINE_VERSION = 1
DEFAULT_REASON = "accepted by --baseline-update"
_REQUIRED = ("check", "signature", "reason")
_OPTIONAL = ("expires", "title", "source")  # title, source: for readers only, never matched on

_HEADER = """\
# zscontract baseline: failures accepted for now; a run fails only on failures not listed here.
# Each entry matches on (check, signature). Give every entry a reason (a ticket, a decision)
# and, when the fix is planned, an ISO date in `expires`: after it the failure fails CI again.
# Regenerate with `--baseline-update` (existing reasons and expiry dates are kept).
"""


def load_baseline(path: Path) -> Baseline:
    """Read and validate a baseline file; every problem is a :class:`UsageError` naming file and line.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "baseline.yaml"
    >>> _ = p.write_text("accepted:\\n  - {check: c, signature: s, reason: r, expires: 2030-01-01}\\n")
    >>> load_baseline(p).entries[0].expires
    datetime.date(2030, 1, 1)
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"baseline file {path} does not exist; create it from a run with "
                         "`--baseline-update`, or fix the path given to `--baseline`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"baseline file {path} cannot be read: {exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise UsageError(f"baseline file {where}: not valid YAML ({exc.problem}); "
                         "fix the syntax or regenerate it with `--baseline-update`") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"baseline file {path}: not valid YAML ({exc})") from None
    if data is None:
        return Baseline((), path)
    items, items_node = _accepted(data, node, path)
    entries: list[BaselineEntry] = []
    seen: dict[tuple[str, str], BaselineEntry] = {}
    for index, item in enumerate(items):
        item_node = _item(items_node, index)
        entry = _entry(item, path, item_node)
        if entry.match_key in seen:
            raise UsageError(f"baseline file {entry.where(path)}: duplicate entry for check {entry.check!r} "
                             f"and this signature (first at line {seen[entry.match_key].line}); "
                             "keep one of them")
        seen[entry.match_key] = entry
        entries.append(entry)
    return Baseline(tuple(entries), path)


def _accepted(data: Any, node: yaml.Node | None, path: Path) -> tuple[list[Any], yaml.Node | None]:
    """The list of entries (and its YAML node): the ``accepted`` list, or a bare list."""
    if isinstance(data, list):  # a bare list of entries is accepted too
        return data, node
    if not isinstance(data, dict):
        raise UsageError(f"baseline file {_at(path, node)}: expected a mapping with an `accepted` list, "
                         f"got {type(data).__name__}")
    unknown = sorted(set(map(str, data)) - {"version", "accepted"})
    if unknown:
        raise UsageError(f"baseline file {path}: unknown top-level key(s) {unknown}; "
                         "expected `version` and `accepted`")
    if data.get("version", BASELINE_VERSION) != BASELINE_VERSION:
        raise UsageError(f"baseline file {path}: version {data.get('version')!r} is not supported; "
                         f"expected {BASELINE_VERSION}")
    items = data.get("accepted") or []
    items_node = _child(node, "accepted")
    if not isinstance(items, list):
        raise UsageError(f"baseline file {_at(path, items_node)}: `accepted` must be a list of entries")
    return items, items_node


def _entry(item: Any, path: Path, node: yaml.Node | None) -> BaselineEntry:
    where = _at(path, node)
    if not isinstance(item, dict):
        raise UsageError(f"baseline file {where}: an entry must be a mapping with "
                         f"{', '.join(_REQUIRED)} (and optionally expires), got {item!r}")
    unknown = sorted(set(map(str, item)) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise UsageError(f"baseline file {where}: unknown key(s) {unknown}; accepted keys are "
                         f"{', '.join(_REQUIRED + _OPTIONAL)}")
    for key in _REQUIRED:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            hint = ("; say why this failure is accepted (a ticket, a decision)" if key == "reason"
                    else "; quote it" if value is not None and not isinstance(value, str) else "")
            raise UsageError(
                f"baseline file {where}: `{key}` must be a non-empty string, got {value!r}{hint}")
    return BaselineEntry(
        check=item["check"],
        signature=item["signature"],
        reason=item["reason"],
        expires=_date(item.get("expires"), where),
        title=str(item["title"]) if item.get("title") is not None else None,
        line=node.start_mark.line + 1 if node is not None else None,
        source=str(item["source"]) if item.get("source") is not None else None,
    )


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise UsageError(f"baseline file {where}: `expires` must be an ISO date like 2025-12-31, got {value!r}")


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return v
    return None


def _item(node: yaml.Node | None, index: int) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode) and index < len(node.value):
        return node.value[index]
    return None


def _at(path: Path, node: yaml.Node | None) -> str:
    return f"{path}:{node.start_mark.line + 1}" if node is not None else str(path)


def write_baseline(path: Path, failures: Sequence[Mapping[str, Any]],
                   reason: str = DEFAULT_REASON) -> Baseline:
    """Write a baseline accepting exactly ``failures``; keep reasons and expiry of entries still failing.

    Entries of the old file that no longer fail are dropped (they are stale). A malformed old
    file is a :class:`UsageError`, never overwritten silently.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "baseline.yaml"
    >>> len(write_baseline(p, [{"check": "c", "signature": "s", "title": "t"}]))
    1
    """
    old = load_baseline(path) if path.exists() else Baseline((), path)
    entries: dict[tuple[str, str], BaselineEntry] = {}
    for failure in failures:
        check, signature = str(failure["check"]), str(failure["signature"])
        kept = old.find(check, signature)
        title = failure.get("title")
        entries[(check, signature)] = BaselineEntry(
            check=check, signature=signature,
            reason=kept.reason if kept else reason,
            expires=kept.expires if kept else None,
            title=str(title) if title and title != signature else (kept.title if kept else None),
            source=kept.source if kept else None,
        )
    ordered = sorted(entries.values(), key=lambda e: e.match_key)
    doc: dict[str, Any] = {"version": BASELINE_VERSION, "accepted": [_dump_entry(e) for e in ordered]}
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _HEADER + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False,
                                    width=1000)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return load_baseline(path)


def _dump_entry(entry: BaselineEntry) -> dict[str, Any]:
    out: dict[str, Any] = {"check": entry.check, "signature": entry.signature, "reason": entry.reason}
    if entry.expires is not None:
        out["expires"] = entry.expires
    if entry.title:
        out["title"] = entry.title
    if entry.source:
        out["source"] = entry.source
    return out
