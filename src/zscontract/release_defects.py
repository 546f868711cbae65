"""The known defects of a released ZStack node, as the failure signatures a run reports for them.

The reference server plays a release with ``--server-variant zstack-5.1.20``
(:mod:`zscontract.server.release`); its catalogue row must report every defect below and no other
failure. Each :class:`Defect` lists the (check, signature) pairs that report it: ``found_by`` are the
harness's own labelled inputs (at least one must appear, so the defect counts as found), ``also`` the
pairs that may appear too (schemathesis's cases name their class, not the field). A pair is matched
with :func:`fnmatch.fnmatchcase`, so ``*`` stands for the kind of input a later harness names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

_FAULT = "no_server_fault"
_ACCEPTED = "rejects_invalid"
_RESTSERVER = "zstackio/zstack 5.1.20 rest/src/main/java/org/zstack/rest/RestServer.java"
_GSON_UTIL = "zstackio/zstack 5.1.20 utils/src/main/java/org/zstack/utils/gson/JSONObjectUtil.java"


@dataclass(frozen=True)
class Defect:
    """One known defect: what it is, where ZStack's source shows it, and the failures that report it."""

    what: str
    source: str
    found_by: tuple[tuple[str, str], ...]
    also: tuple[tuple[str, str], ...] = ()

    def matches(self, check: str, signature: str, *, found: bool = False) -> bool:
        pairs = self.found_by if found else self.found_by + self.also
        return any(check == c and fnmatchcase(signature, s) for c, s in pairs)


ZSTACK_5_1_20: tuple[Defect, ...] = (
    Defect("an empty body: Gson returns null and m.containsKey throws a NullPointerException (plain-text 500, "
           "empty text)", f"{_RESTSERVER} handleNonUniqueApi, handle's catch (Throwable)",
           ((_FAULT, "status 500 on body:none"),), ((_FAULT, "status 500 on schemathesis either-way"),)),
    Defect("a body that is not JSON: Gson throws (plain-text 500 with its message)",
           f"{_RESTSERVER} handleNonUniqueApi; {_GSON_UTIL} toObject",
           ((_FAULT, "status 500 on body:not-json"),), ((_FAULT, "status 500 on schemathesis must-reject protocol"),)),
    Defect("a JSON body that is not an object ([1], a string, a number, null): Gson throws or returns null "
           "(plain-text 500)", f"{_RESTSERVER} handleNonUniqueApi; Gson 2.8.9 MapTypeAdapterFactory",
           ((_FAULT, "status 500 on body:not-object"),),
           ((_FAULT, "status 500 on schemathesis must-reject protocol"),)),
    Defect("requestCpu (Integer) in [2^31, 2^63), sent as a number or quoted: '<n> is Integer overflow' "
           "(plain-text 500); and a quoted whole number that is not plain digits (\"2.0\", \" 7\"), which "
           "TypeVerifier passes and Long.parseLong refuses ('For input string', plain-text 500)",
           f"{_GSON_UTIL} the Integer adapter (JsonPrimitive.getAsLong); rest/.../TypeVerifier.java",
           ((_FAULT, "status 500 on requestCpu:overflow"), (_FAULT, "status 500 on requestCpu:string")),
           ((_FAULT, "status 500 on requestCpu:quoted-int"), (_FAULT, "status 500 on requestCpu:underflow"),
            (_FAULT, "status 500 on schemathesis either-way"),
            (_FAULT, "status 500 on schemathesis must-reject argument"))),
    Defect("requestCpu (Integer) below -2^31: stored as Long.intValue() (the low 32 bits) with success; beyond "
           "int64 either side, the double's BigDecimal low 64 bits go through the same rule (stored wrapped, or the "
           "overflow 500 above)",
           f"{_GSON_UTIL} the Integer adapter checks only the upper bound",
           ((_ACCEPTED, "accepted requestCpu:underflow"),),
           ((_ACCEPTED, "accepted schemathesis:coverage"), (_ACCEPTED, "accepted requestCpu:overflow"))),
    Defect("requestMemory (Long) outside int64: 'Expected a long but was …' (plain-text 500), or at the "
           "edge (2^63, 2^63+1, -2^63-1, quoted or not) silently clamped to int64 and stored",
           "Gson 2.8.9 JsonReader.nextLong via " + _GSON_UTIL + " rehashObject",
           ((_FAULT, "status 500 on requestMemory:overflow"), (_FAULT, "status 500 on requestMemory:underflow"),
            (_ACCEPTED, "accepted requestMemory:overflow"), (_ACCEPTED, "accepted requestMemory:string")),
           ((_FAULT, "status 500 on schemathesis must-reject argument"),
            (_ACCEPTED, "accepted schemathesis:coverage"))),
    Defect("an updateModelService that is not an object (string, number, boolean, list): ClassCastException "
           "(plain-text 500)", f"{_RESTSERVER} handleApi casts the parameter to a Map",
           ((_FAULT, "status 500 on updateModelService:not-object"),)),
    Defect("a repeated top-level key whose earlier value is not null: Gson's 'duplicate key: …' (plain-text 500)",
           f"{_RESTSERVER} handleNonUniqueApi; Gson 2.8.9 MapTypeAdapterFactory",
           ((_FAULT, "status 500 on body:duplicate-top-level-key"),)),
)

RELEASES: dict[str, tuple[Defect, ...]] = {"zstack-5.1.20": ZSTACK_5_1_20}


def judge(defects: Iterable[Defect], failures: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """The expected defects not reported, and the failures no expected defect explains.

    >>> missing, other = judge(ZSTACK_5_1_20, [("no_server_fault", "status 500 on body:none"),
    ...                                        ("round_trip", "name: trimmed")])
    >>> len(missing), other
    (7, ['round_trip: name: trimmed'])
    """
    expected = list(defects)
    seen = list(failures)
    missing = [d.what for d in expected if not any(d.matches(c, s, found=True) for c, s in seen)]
    other = [f"{c}: {s}" for c, s in seen if not any(d.matches(c, s) for d in expected)]
    return missing, other
