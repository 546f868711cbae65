"""The catalogue of seeded faults and sound variants of the reference server.

A *fault* breaks exactly one property of the oracle (``../shared/docs/oracle.md``, as corrected by the
facts page's last section) in the dialects it lists, and names the check that must catch it
(``caught_by``: a plain string, validated against ``zscontract.registry.names()`` by
:mod:`zscontract.catalogue` and the tests, so that the server imports nothing from the harness). A
*variant* is another sound reading of the page or of a real node (the oracle's "either way" inputs):
the harness must stay silent on it. A *release* (switched on with ``--variant`` too) plays a released
ZStack node, its known defects included (``zstack-5.1.20``, :mod:`zscontract.server.release`): the harness
must report exactly those defects, which the catalogue lists as failure signatures.

Triggers are chosen so that a property-based generator of the oracle's input classes hits them within
a few dozen cases (a CJK character, a trailing space, a number above 2^31, a null), never a
one-in-a-million value. The behaviour itself lives in :mod:`zscontract.server.hooks`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

from zscontract.errors import UsageError

Kind = Literal["fault", "variant", "release"]
BOTH = frozenset({"documented", "zstack"})
DOCUMENTED_ONLY = frozenset({"documented"})
ZSTACK_ONLY = frozenset({"zstack"})

# Check names, as plain strings (see the module docstring).
RESPONSE_SHAPE = "response_shape"
ACCEPTS_VALID = "accepts_valid"
REJECTS_INVALID = "rejects_invalid"
ROUND_TRIP = "round_trip"
UNCHANGED_UNSENT = "unchanged_unsent"
INVARIANTS = "invariants"
IDEMPOTENCE = "idempotence"
READ_AFTER_WRITE = "read_after_write"
QUERY_READ = "query_read"
NO_LOST_UPDATE = "no_lost_update"
ERROR_ENVELOPE = "error_envelope"
ZSTACK_CODES = "zstack_codes"
REJECTED_UNCHANGED = "rejected_unchanged"
NO_SERVER_FAULT = "no_server_fault"
NO_HANG = "no_hang"


@dataclass(frozen=True)
class Fault:
    """One catalogue entry: a seeded fault or a sound variant."""

    name: str
    kind: Kind
    dialects: frozenset[str]
    caught_by: str | None
    description: str
    needs_async: bool = False
    implies: tuple[str, ...] = ()        # a release: the sound variants that are part of it

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["dialects"] = sorted(self.dialects)
        data["implies"] = list(self.implies)
        return data


def _fault(name: str, caught_by: str, description: str, dialects: frozenset[str] = BOTH,
           *, needs_async: bool = False) -> Fault:
    return Fault(name, "fault", dialects, caught_by, description, needs_async)


def _variant(name: str, description: str, dialects: frozenset[str] = BOTH, *, needs_async: bool = False) -> Fault:
    return Fault(name, "variant", dialects, None, description, needs_async)


CATALOGUE: tuple[Fault, ...] = (
    # -- response_shape: a success that is not a proper inventory body
    _fault("drop-name", RESPONSE_SHAPE, "the inventory leaves out `name`"),
    _fault("memory-as-string", RESPONSE_SHAPE, "the inventory writes requestMemory as a JSON string"),
    _fault("quoted-int-as-string", RESPONSE_SHAPE,
           "a quoted integer (\"requestCpu\": \"2\") is accepted and answered as the string \"2\"",
           ZSTACK_ONLY),
    _fault("success-text-plain", RESPONSE_SHAPE, "a successful update is Content-Type text/plain"),
    _fault("epoch-dates", RESPONSE_SHAPE, "createDate/lastOpDate are epoch milliseconds"),
    _fault("success-false", RESPONSE_SHAPE, "a successful body carries \"success\": false"),
    # -- round_trip: an accepted field does not come back as sent
    _fault("ignore-description", ROUND_TRIP, "a sent description is silently not stored"),
    _fault("python-strip", ROUND_TRIP,
           "strings go through Python's str.strip(), not Java's trim (U+00A0/U+3000 ends lost, \\x01 kept)"),
    _fault("drop-trailing-newline", ROUND_TRIP,
           "only a final newline is removed from strings; other outer whitespace is kept"),
    _fault("no-trim", ROUND_TRIP, "strings are stored as sent, not Java-trimmed as a node does", ZSTACK_ONLY),
    _fault("utf8mb3-astral", ROUND_TRIP,
           "characters outside the BMP (emoji) are stored as '?', as a 3-byte utf8 MySQL column does"),
    _fault("latin1-replace", ROUND_TRIP,
           "name/description/yaml go through latin-1 with '?' for other characters (CJK mangled)"),
    _fault("nfkd-normalize", ROUND_TRIP,
           "name and description are NFKD-normalised (accented letters, Hangul decomposed)"),
    _fault("omitempty-zero", ROUND_TRIP,
           "a zero requestCpu/requestMemory is ignored (Go's omitempty) and the update answers success with the old "
           "value"),
    _fault("merge-repeated-action", ROUND_TRIP,
           "updateModelService sent twice: the two objects are merged (neither one applied as sent)", ZSTACK_ONLY),
    _fault("memory-int32-wrap", ROUND_TRIP, "requestMemory is stored as a wrapped 32-bit int"),
    _fault("memory-float64", ROUND_TRIP, "requestMemory goes through a float64 (rounds above 2^53)"),
    _fault("truncate-name-64", ROUND_TRIP, "name is truncated to 64 characters"),
    _fault("null-as-none", ROUND_TRIP, "a null string field is stored as the text \"None\""),
    _fault("async-stale-inventory", ROUND_TRIP,
           "the finished job reports the inventory from before the update", ZSTACK_ONLY, needs_async=True),
    # -- unchanged_unsent
    _fault("reset-unsent-description", UNCHANGED_UNSENT,
           "an update that does not send description resets it to \"\""),
    _fault("reset-unsent-memory", UNCHANGED_UNSENT,
           "an update that does not send requestMemory resets it to 1"),
    # -- invariants
    _fault("createdate-changes", INVARIANTS, "every write sets createDate to now"),
    _fault("lastopdate-backwards", INVARIANTS, "every write moves lastOpDate one minute back"),
    _fault("uuid-mismatch", INVARIANTS, "the inventory's uuid is not the path's uuid"),
    # -- idempotence
    _fault("size-counter", IDEMPOTENCE, "the inventory's `size` counts the writes"),
    _fault("name-dedupe", IDEMPOTENCE,
           "sending the name the resource already has stores it with a \" (1)\" suffix"),
    # -- read_after_write
    _fault("stale-query-cache", READ_AFTER_WRITE, "the query API serves the first read it ever made"),
    _fault("query-old-yaml", READ_AFTER_WRITE, "the query API reports the seed's yaml"),
    # -- query_read: the query API itself (the harness's read path)
    _fault("query-500", QUERY_READ, "the query API answers 500"),
    _fault("query-ignores-q", QUERY_READ, "the collection query ignores q and returns every model service"),
    # -- no_lost_update
    _fault("lost-update", NO_LOST_UPDATE,
           "read-modify-write of the whole row outside the transaction, with a short sleep"),
    # -- error_envelope
    _fault("message-envelope", ERROR_ENVELOPE,
           "error bodies are {\"message\": ...} without the ErrorCode envelope", DOCUMENTED_ONLY),
    _fault("cause-string", ERROR_ENVELOPE, "ErrorCode.cause is a string, not an ErrorCode"),
    _fault("cause-code-without-dot", ERROR_ENVELOPE, "ErrorCode.cause has code \"INTERNAL\" (no dot)"),
    _fault("error-details-number", ERROR_ENVELOPE, "ErrorCode.details is a number"),
    _fault("plain-text-bad-session", ERROR_ENVELOPE,
           "an unknown session gets a plain-text 401 instead of 503 + ErrorCode ID.1001", ZSTACK_ONLY),
    # -- zstack_codes
    _fault("session-code-sys1000", ZSTACK_CODES, "an unknown session answers SYS.1000, not ID.1001",
           ZSTACK_ONLY),
    _fault("notfound-code-sys1007", ZSTACK_CODES, "an unknown uuid answers SYS.1007, not SYS.1003",
           ZSTACK_ONLY),
    # -- rejected_unchanged
    _fault("partial-apply", REJECTED_UNCHANGED,
           "string fields are stored before a bad requestCpu/requestMemory is rejected"),
    _fault("rejected-bumps-lastopdate", REJECTED_UNCHANGED,
           "a rejected request on a known uuid still moves lastOpDate forward"),
    # -- rejects_invalid
    _fault("no-auth", REJECTS_INVALID, "the session is not checked (missing, foreign or unknown)"),
    _fault("upsert-unknown", REJECTS_INVALID, "an update of an unknown uuid creates the resource"),
    _fault("float-truncated", REJECTS_INVALID, "a float in an int field is accepted and truncated"),
    _fault("bool-as-int", REJECTS_INVALID, "true/false in an int field is accepted as 1/0"),
    _fault("numeric-string-cpu", REJECTS_INVALID, "a numeric string in requestCpu is accepted",
           DOCUMENTED_ONLY),  # zstack: a quoted integer is "either way" (TypeVerifier tests the text)
    _fault("cpu-beyond-int32", REJECTS_INVALID, "requestCpu above 2^31-1 is accepted"),
    # -- accepts_valid
    _fault("refuse-all-fields", ACCEPTS_VALID,
           "an update sending all five documented fields at once is refused (so a restore fails too)"),
    _fault("lock-after-writes", ACCEPTS_VALID,
           "after 60 accepted updates every update is refused (a run cannot restore the resource)"),
    _fault("reject-cjk-name", ACCEPTS_VALID, "a name with a CJK character is rejected (SYS.1007)"),
    _fault("reject-large-cpu", ACCEPTS_VALID, "requestCpu above 2^30 (e.g. 2^31-1) is rejected"),
    _fault("reject-large-memory", ACCEPTS_VALID, "requestMemory above 2^31-1 is rejected"),
    # -- no_server_fault
    _fault("cjk-name-500", NO_SERVER_FAULT, "a name with a CJK character or an emoji answers 500"),
    _fault("long-yaml-500", NO_SERVER_FAULT, "yaml longer than 1000 characters answers 500"),
    _fault("range-500", NO_SERVER_FAULT,
           "an integer beyond int32/int64 (JSON, quoted or a whole float) answers a plain-text 500, as a 5.1.20 "
           "node does"),
    _fault("action-not-object-500", NO_SERVER_FAULT,
           "an updateModelService that is not an object answers a plain-text 500 (ClassCastException)", ZSTACK_ONLY),
    _fault("duplicate-top-level-key-500", NO_SERVER_FAULT,
           "a repeated top-level key with a non-null earlier value answers a plain-text 500 (Gson's duplicate key)",
           ZSTACK_ONLY),
    _fault("bare-503", NO_SERVER_FAULT, "API errors are 503 with a text body, no ErrorCode",
           ZSTACK_ONLY),
    # -- no_hang
    _fault("hang-on-tab", NO_HANG,
           "a description containing a tab or a newline makes the request sleep 30 s"),
    _fault("async-job-never-ends", NO_HANG, "update jobs stay 202 forever", ZSTACK_ONLY,
           needs_async=True),
    # -- sound variants: the harness must not flag any of these
    _variant("refuse-unknown-fields", "fields outside the page (body fields, curl example) get SYS.1007"),
    _variant("explicit-nulls", "null inventory and ErrorCode fields are written as null, not dropped"),
    _variant("status-422", "bad field values answer 422 instead of 400", DOCUMENTED_ONLY),
    _variant("jdk9-dates", "dates as Gson writes them on JDK 9-19 (a comma after the year)"),
    _variant("jdk20-dates", "dates as Gson writes them on JDK 20+ (U+202F before AM/PM)"),
    _variant("java-trim", "strings are stored Java-trimmed, as a ZStack node does", DOCUMENTED_ONLY),
    _variant("refuse-quoted-int", "a quoted integer in an int field gets RestServer's plain-text 400",
             ZSTACK_ONLY),
    _variant("range-refused-in-plain-text",
             "an integer beyond int32/int64 (JSON, quoted or a whole float) gets RestServer's plain-text 400 "
             "(TypeVerifier's text), not 503 SYS.1007", ZSTACK_ONLY),
    _variant("refuse-repeated-keys", "a repeated top-level key gets a plain-text 400 from the REST layer",
             ZSTACK_ONLY),
    _variant("foreign-job-location", "job locations name another origin (a closed port on 127.0.0.1)",
             ZSTACK_ONLY, needs_async=True),
    _variant("null-clears", "null in a request clears the field (merge-patch); null name is refused"),
    _variant("no-query-api", "GET on the model-service paths answers a plain-text 404"),
    _variant("coerce-numbers", "a number or boolean in a string field is stored as its JSON text (Gson)"),
    _variant("success-keys", "successful bodies also carry \"success\": true, \"error\": null"),
    _variant("no-content-type", "no answer carries a Content-Type header (RestServer never sets one)",
             ZSTACK_ONLY),
    _variant("no-description", "the model services were created without a description (null, so absent)"),
    # -- releases: a real node's REST layer, its known defects included (zscontract.server.release)
    Fault("zstack-5.1.20", "release", ZSTACK_ONLY, None,
          "a released ZStack 5.1.20 node: the zstack dialect with RestServer's defects (500 on bodies it cannot "
          "read, Integer overflow, int wrap, long clamp)", implies=("no-content-type",)),
)

BY_NAME: dict[str, Fault] = {entry.name: entry for entry in CATALOGUE}
assert len(BY_NAME) == len(CATALOGUE), "duplicate catalogue names"


def faults() -> tuple[Fault, ...]:
    """Only the faults (not the variants), in catalogue order."""
    return tuple(entry for entry in CATALOGUE if entry.kind == "fault")


def variants() -> tuple[Fault, ...]:
    """Only the sound variants, in catalogue order."""
    return tuple(entry for entry in CATALOGUE if entry.kind == "variant")


def releases() -> tuple[Fault, ...]:
    """Only the releases (real nodes, their defects included), in catalogue order."""
    return tuple(entry for entry in CATALOGUE if entry.kind == "release")


def check_names() -> frozenset[str]:
    """Every check name the catalogue refers to (validated against the registry by the catalogue)."""
    return frozenset(entry.caught_by for entry in CATALOGUE if entry.caught_by is not None)


def resolve(names: Iterable[str], *, kind: Kind, profile: str, async_: bool | None) -> tuple[Fault, ...]:
    """Look the names up, checking kind and applicability; raise :class:`UsageError` otherwise.

    ``async_`` ``None`` means the profile's default (zstack: async jobs; documented: synchronous).

    >>> [f.name for f in resolve(["drop-name"], kind="fault", profile="zstack", async_=False)]
    ['drop-name']
    """
    flag = f"--{kind}"
    if async_ is None:
        async_ = profile == "zstack"
    chosen: list[Fault] = []
    for name in names:
        entry = BY_NAME.get(name)
        kinds = (kind, "release") if kind == "variant" else (kind,)
        if entry is None or entry.kind not in kinds:
            known = ", ".join(e.name for e in CATALOGUE if e.kind in kinds)
            raise UsageError(f"{flag} {name!r}: no such {kind}; use one of: {known} (see --list-faults)")
        if profile not in entry.dialects:
            raise UsageError(f"{flag} {name!r} applies to --profile {'/'.join(sorted(entry.dialects))} only, "
                             f"not {profile}")
        if entry.needs_async and not async_:
            raise UsageError(f"{flag} {name!r} needs async jobs (--profile zstack without --sync)")
        if entry not in chosen:
            chosen.append(entry)
    return tuple(chosen)


def render_table(entries: Iterable[Fault] = CATALOGUE) -> str:
    """The catalogue as an aligned text table (``--list-faults``)."""
    rows = [("NAME", "KIND", "DIALECTS", "CAUGHT BY", "DESCRIPTION")]
    for entry in entries:
        dialects = ",".join(sorted(entry.dialects)) + (" (async)" if entry.needs_async else "")
        rows.append((entry.name, entry.kind, dialects, entry.caught_by or "-", entry.description))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] for row in rows
    )


def render_json(entries: Iterable[Fault] = CATALOGUE) -> str:
    """The catalogue as a JSON list (``--list-faults --json``)."""
    return json.dumps([entry.as_json() for entry in entries], indent=2, ensure_ascii=False)
