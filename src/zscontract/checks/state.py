"""Checks on state: round-trip, unsent fields, invariants, idempotence, reads, lost updates."""

from __future__ import annotations

import functools
from typing import Any

from zscontract.checks import names
from zscontract.checks.context import CheckContext, Step, fail, inventory_of
from zscontract.checks.registry import check
from zscontract.core.cases import Case, InputClass, quoted_integer
from zscontract.core.failures import CheckFailed, short
from zscontract.core.java_ints import violates_type
from zscontract.core.values import gson_number_texts, is_json_int, java_trim, parse_zstack_date, stored_strings

VOLATILE = frozenset({"lastOpDate"})


def same(a: Any, b: Any) -> bool:
    """Equality as JSON means it: ``1 != True``, ``1 == 1.0``, strings exact, absent == null in objects,
    and lists equal as multisets.

    No field this API writes is a list; the inventory's lists (``modelServiceImages``,
    ``cpuArchitectures``, …) are collections the node assembles, and neither the page nor the facts give
    them an order (a Java ``Set`` or an unordered query has none), so a reordering is not a change.

    >>> same({"a": 1, "b": None}, {"a": 1.0}), same(1, True), same("a ", "a")
    (True, False, False)
    >>> same([1, 2], [2, 1]), same([1, 1], [1, 2])
    (True, False)
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return all(same(a.get(k), b.get(k)) for k in set(a) | set(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and _same_multiset(a, b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and bool(a == b)


def _same_multiset(a: list[Any], b: list[Any]) -> bool:
    if all(same(x, y) for x, y in zip(a, b, strict=True)):
        return True  # the usual case, in order
    left = list(b)
    for x in a:
        match = next((i for i, y in enumerate(left) if same(x, y)), None)
        if match is None:
            return False
        del left[match]
    return True


def _field_map(ctx: CheckContext) -> dict[str, str]:
    return {n: s.inventory_field for n, s in ctx.contract.fields.items() if s.inventory_field}


def allowed_values(ctx: CheckContext, case: Case, name: str, sent: tuple[Any, ...], previous: Any) -> list[Any]:
    """Every value a sound target may report for field ``name`` sent with these values.

    Strings through :func:`stored_strings` (zstack: the Java trim exactly; documented: as sent or
    trimmed). In zstack a quoted integer or a whole float in an int field is stored as the number, and
    nothing else (zstack-rest-facts.md "Values"). An integer inside the field's Java type is stored as
    itself and nothing else, in both dialects, though zero or a negative number is either way: accepted,
    it is what the request asked for (a server that answers success and keeps the old value, as Go's
    ``omitempty`` drops a zero, has lost the update). Any other either-way input may also leave the old
    value; ``null`` may clear; a number or boolean in a string field may come back as its JSON text (Gson).
    """
    profile = ctx.dialect.name
    spec = ctx.contract.fields.get(name)
    int_field = spec is not None and spec.json_type == "integer"
    allowed: list[Any] = []
    only_numbers = True  # every value sent was a zstack number in text or float form
    for value in sent:
        number = quoted_integer(spec, value, profile) if spec is not None else None
        if number is None and int_field and profile == "zstack" and isinstance(value, float) and value.is_integer():
            number = int(value)
        if number is None and int_field and spec is not None and is_json_int(value) \
                and not violates_type(spec, value, profile):
            number = value
        if number is not None:
            allowed.append(number)  # "if accepted, the stored value is that number"
            continue
        only_numbers = False
        if isinstance(value, str):
            allowed.extend(stored_strings(value, profile))
            continue
        allowed.append(value)
        if isinstance(value, bool | int | float) and spec is not None and spec.json_type == "string":
            for text in gson_number_texts(value):  # its JSON text, or Gson's on a node
                allowed.extend(stored_strings(text, profile))
    if case.input_class is InputClass.EITHER and not only_numbers:
        allowed.append(previous)  # accepted but ignored; for null: "not given" (Gson)
    return allowed


@check(names.ROUND_TRIP)
def round_trip(ctx: CheckContext, step: Step) -> bool | None:
    """Each field sent in an accepted request comes back as ZStack stores it: ints exactly, strings as
    :func:`~zscontract.core.values.stored_strings` predicts (zstack: Java's trim; documented: as sent or so)."""
    inv = step.inventory
    if inv is None or step.case.input_class is InputClass.REJECT:
        return None
    mapping = _field_map(ctx)
    before = step.before or {}
    if step.case.one_of:
        return _one_of_applied(ctx, step, mapping, before)
    compared = 0
    for name, sent in step.case.sent_values().items():
        target = mapping.get(name)
        if target is None:
            continue
        compared += 1
        got = inv.get(target)
        allowed = allowed_values(ctx, step.case, name, sent, before.get(target))
        if not any(same(got, a) for a in allowed):
            kinds = [_difference(v, got) for v in sent]
            kind = next((k for k in kinds if k != "text changed"), kinds[0])
            expected = " or ".join(short(a, 40) for a in allowed[:2])  # the title shows the difference
            raise fail(names.ROUND_TRIP, step,
                        f"{target}: sent {short(sent[0], 80)}, got {short(got, 80)}, expected {expected}",
                        f"{target} == " + " or ".join(short(a, 80) for a in allowed[:3]),
                        received=f"{target} = {short(got, 400)}", signature=f"{target}: {kind}")
    return True if compared else None  # an empty update, or only invented fields: nothing came back to compare


def _one_of_applied(ctx: CheckContext, step: Step, mapping: dict[str, str], before: dict[str, Any]) -> bool | None:
    """An accepted body holding several whole updates (the action key twice) applied one of them, exactly:
    its fields as sent (as stored, see :func:`allowed_values`) and every other field sent by the others as
    it was; never a merge of two, never neither (oracle.md "Either way": either sent value may win)."""
    inv = step.inventory
    assert inv is not None
    fields = [n for n in step.case.sent_values() if mapping.get(n) is not None]
    if not fields:
        return None
    exact = Case(InputClass.ACCEPT, step.case.label)  # the chosen update's values, not the old ones
    for update in step.case.one_of:
        if all(any(same(inv.get(mapping[n]), a) for a in allowed_values(ctx, exact, n, (update[n],), None))
               if n in update else (step.before is None or same(inv.get(mapping[n]), before.get(mapping[n])))
               for n in fields):
            return True
    shown = ", ".join(f"{mapping[n]}={short(inv.get(mapping[n]), 40)}" for n in fields)
    sent = " / ".join(short(dict(u), 80) for u in step.case.one_of)
    raise fail(names.ROUND_TRIP, step, f"none of the repeated objects applied exactly ({step.case.label}): {shown}",
                f"exactly one of the sent objects applied: {sent}", received=shown,
                signature="none of the repeated objects applied exactly")


def _difference(sent: Any, got: Any) -> str:
    """A short, stable name for how a value came back wrong (the failure's signature)."""
    if got is None:
        return "missing"
    if isinstance(sent, str) and isinstance(got, str):
        if got == sent:
            return "not trimmed as Java's String.trim() does"
        if got == sent.strip():
            return "trimmed like Python's strip(), not Java's trim()"
        if got in (sent.rstrip("\n"), java_trim(sent).rstrip("\n")):
            return "trailing newline dropped"
        if got == java_trim(got) and len(got) < len(java_trim(sent)) and java_trim(sent).startswith(got):
            return "truncated"
        return "text changed"
    if isinstance(sent, int) and isinstance(got, int | float):
        return "integer changed"
    return f"{type(sent).__name__} became {type(got).__name__}"

@check(names.UNCHANGED_UNSENT)
def unchanged_unsent(ctx: CheckContext, step: Step) -> bool | None:
    """Every field not sent keeps its previous value."""
    inv = step.inventory
    if inv is None or step.before is None or step.case.input_class is InputClass.REJECT:
        return None
    sent = {_field_map(ctx).get(n, n) for n in step.case.sent_values()}
    changed = set(_view_diff(ctx, step.before, inv))
    for key, old in step.before.items():
        if key in sent or key in VOLATILE or key == "createDate":
            continue
        if key in changed:
            raise fail(names.UNCHANGED_UNSENT, step,
                        f"{key} changed though not sent: {short(old, 60)} -> {short(inv.get(key), 60)}",
                        f"{key} == {short(old, 200)}", received=f"{key} = {short(inv.get(key), 200)}",
                        signature=f"{key} changed")
    return True

@check(names.INVARIANTS)
def invariants(ctx: CheckContext, step: Step) -> bool | None:
    """``uuid`` equals the path's; ``createDate`` never changes; ``lastOpDate`` never goes back."""
    if step.inventory is None and step.after is None:
        return None
    for inv in (step.inventory, step.after):
        if inv is None:
            continue
        if inv.get("uuid") != ctx.uuid:
            raise fail(names.INVARIANTS, step, f"uuid {short(inv.get('uuid'))} is not the path's",
                        f"uuid == {ctx.uuid}", signature="uuid differs from path")
        before = step.before or {}
        if "createDate" in before and not same(inv.get("createDate"), before["createDate"]):
            raise fail(names.INVARIANTS, step, "createDate changed",
                        f"createDate == {short(before['createDate'])}",
                        received=f"createDate = {short(inv.get('createDate'))}", signature="createDate changed")
        created = parse_zstack_date(inv.get("createDate"))
        last = parse_zstack_date(inv.get("lastOpDate"))
        last_before = parse_zstack_date(before.get("lastOpDate"))
        if created is not None and last is not None and _comparable(last, created) and last < created:
            raise fail(names.INVARIANTS, step, "lastOpDate precedes createDate",
                        "createDate <= lastOpDate", received=f"{inv.get('createDate')} > {inv.get('lastOpDate')}",
                        signature="lastOpDate before createDate")
        if last_before is not None and last is not None and _comparable(last, last_before) and last < last_before:
            raise fail(names.INVARIANTS, step, "lastOpDate went backwards",
                        f"lastOpDate >= {before.get('lastOpDate')}", received=str(inv.get("lastOpDate")),
                        signature="lastOpDate backwards")
    return True


def _comparable(a: Any, b: Any) -> bool:
    """Both dates with a zone or both without: a Gson date has none (the node's local time), an RFC 3339
    one has one, and each is valid (zstack-rest-facts.md "Dates"); across the two nothing can be ordered."""
    return (a.tzinfo is None) == (b.tzinfo is None)


def _diff_keys(a: dict[str, Any], b: dict[str, Any], ignore: frozenset[str] = frozenset()) -> list[str]:
    return sorted(k for k in set(a) | set(b) if k not in ignore and not same(a.get(k), b.get(k)))


def _view_diff(ctx: CheckContext, a: dict[str, Any], b: dict[str, Any],
               ignore: frozenset[str] = frozenset()) -> list[str]:
    """Fields that differ between two views of the resource: every field the run can write, and every field
    both views show. One view may leave out a field the other shows (a query view without
    ``cpuArchitectures``, an update answer without ``modelServiceRefs``) without anything having changed
    (the rule read_after_write follows too)."""
    writable = _writable(ctx.contract)
    return [k for k in _diff_keys(a, b, ignore) if (k in a and k in b) or k in writable]


@functools.cache
def _writable(contract: Any) -> frozenset[str]:
    """The inventory fields a run can write (built once per contract; Contract hashes by identity)."""
    return frozenset(s.inventory_field for s in contract.documented_fields() if s.inventory_field)

@check(names.IDEMPOTENCE)
def idempotence(ctx: CheckContext, step: Step) -> bool | None:
    """The same request sent twice gives the same inventory, apart from ``lastOpDate``."""
    first, second = step.inventory, inventory_of(step.repeat)
    if step.repeat is None or first is None or second is None:
        return None
    diff = _diff_keys(first, second, VOLATILE)
    if diff:
        key = diff[0]
        raise fail(names.IDEMPOTENCE, step, f"same request twice, {key} differs: "
                    f"{short(first.get(key), 60)} then {short(second.get(key), 60)}",
                    "identical inventories apart from lastOpDate", signature=f"{key} differs on repeat")
    return True

@check(names.READ_AFTER_WRITE)
def read_after_write(ctx: CheckContext, step: Step) -> bool | None:
    """Where the query API exists, a read after a write returns what the write returned."""
    # The last write of the step is the repeat, when idempotence sent one.
    written = inventory_of(step.repeat) or step.inventory
    if written is None or step.after is None or step.after_via != "query":
        return None
    # A query view may leave out a field the write showed (or the other way round) without being
    # stale; every field both show, and every field the run can write, must agree.
    diff = _view_diff(ctx, written, step.after)
    if diff:
        key = diff[0]
        raise fail(names.READ_AFTER_WRITE, step,
                    f"query after write: {key} is {short(step.after.get(key), 60)}, "
                    f"the write returned {short(written.get(key), 60)}",
                    f"{key} == {short(written.get(key), 200)}", signature=f"{key} stale on read")
    return True

@check(names.REJECTED_UNCHANGED)
def rejected_unchanged(ctx: CheckContext, step: Step) -> bool | None:
    """A rejected request changes nothing, ``lastOpDate`` included (when read via the query API)."""
    if not step.rejected or step.before is None or step.after is None:
        return None
    # An empty update may itself bump lastOpDate, so only a query read can judge it.
    ignore = frozenset() if step.after_via == "query" else VOLATILE
    diff = _view_diff(ctx, step.before, step.after, ignore)
    if diff:
        key = diff[0]
        raise fail(names.REJECTED_UNCHANGED, step,
                    f"rejected request changed {key}: {short(step.before.get(key), 60)} -> "
                    f"{short(step.after.get(key), 60)}", "nothing changed by a rejected request",
                    received=f"after the error, {key} = {short(step.after.get(key), 200)}",
                    signature=f"{key} changed by rejected request")
    return True

@check(names.NO_LOST_UPDATE)
def no_lost_update(ctx: CheckContext, step: Step) -> bool | None:
    """Updates of different fields sent concurrently are all kept."""
    if not step.concurrent or step.after is None:
        return None
    mapping = _field_map(ctx)
    before = step.before or {}
    accepted = 0
    for fields, ex in step.concurrent:
        if inventory_of(ex) is None:
            continue  # a rejected write is judged by other checks
        accepted += 1
        for name, value in fields.items():
            target = mapping.get(name, name)
            now = step.after.get(target)
            written = allowed_values(ctx, step.case, name, (value,), None)
            # Lost means the old value survived an accepted write; a third value is a mangled
            # write, which round_trip reports, not a lost update.
            if not any(same(now, w) for w in written) and same(now, before.get(target)):
                raise CheckFailed(names.NO_LOST_UPDATE,
                                  f"concurrent update of {target} lost: read {short(step.after.get(target), 60)}",
                                  expected=f"{target} == {short(written[0], 200)} (each concurrent write kept)",
                                  received=f"{target} = {short(step.after.get(target), 200)}",
                                  exchange=ex, signature=f"{target} lost", input_class="must-accept")
    return True if accepted else None  # no write was accepted: nothing could be lost
