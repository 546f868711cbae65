"""Strings: the conservative alphabet, must-accept text with outer whitespace, either-way edges.

Where a string's ends are decides what a sound target stores (zstack-rest-facts.md, "Strings are
trimmed by the server"): Java's trim removes code points <= U+0020 and nothing else. So must-accept
text often carries outer spaces (and, in multi-line fields, trailing newlines), and either-way text
often ends in a character that tells Java's trim from Python's ``strip()`` (U+00A0, U+3000, U+2028,
U+0085) or from "drop one newline" (NUL and the other C0 controls).
"""

from __future__ import annotations

from hypothesis import strategies as st

from zscontract.contract import FieldSpec

# The conservative alphabet: printable BMP (categories L, M, N, P, S) and the plain space.
_PRINTABLE = st.characters(codec=None, max_codepoint=0xFFFF, categories=("L", "M", "N", "P", "S"))
_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)

# Outer whitespace inside the must-accept domain (Java trims all of it).
_ACCEPT_EDGES_SINGLE = ("", " ", "  ")
_ACCEPT_EDGES_MULTI = ("", " ", "\n", "\n\n", " \n", "\t", "\n ")
# Ends outside the must-accept domain: characters Java's trim keeps and Python's strip() removes
# (U+00A0, U+3000, U+2028, U+0085), C0 controls Java trims and Python's strip() keeps (\x00, \x01)
# or also removes (\x1f, \r). Hypothesis favours the first options of a list, so the ones a
# trimming bug most likely hides behind come first.
ODD_EDGES = ("\u00a0", "\u3000", "\u2028", "\x01", "\x1f", "\x00", "\u0085", "\r")
# Mostly nothing around the odd character, so that it is the string's very end; else whitespace Java trims.
TRIMMED_EDGES = ("", "", "", " ", "\n", "\t", " \n")


def alphabet(multiline: bool) -> st.SearchStrategy[str]:
    parts = [_PRINTABLE, _CJK, st.just(" ")]
    if multiline:
        parts += [st.just("\n"), st.just("\t")]
    return st.one_of(*parts)


def must_accept_text(spec: FieldSpec) -> st.SearchStrategy[str]:
    """Text inside a field's conservative domain; about half of it with outer whitespace."""
    dom = spec.domain_schema
    lo, hi = int(dom.get("minLength", 0)), int(dom.get("maxLength", 2048))
    chars = alphabet(spec.multiline)
    edges = _ACCEPT_EDGES_MULTI if spec.multiline else _ACCEPT_EDGES_SINGLE
    # Most values short (fast, readable), some at the upper bound, many with outer whitespace.
    body = st.text(chars, min_size=lo, max_size=min(hi, 40))
    # The upper bound exactly, built from a short drawn piece: drawing thousands of characters one by
    # one cost the property phase a third of its speed (benchmarks/README.md), and a long run of the
    # same few characters finds a truncation as well as a varied one does.
    longest = st.builds(lambda piece: (piece * hi)[:hi], st.text(chars, min_size=1, max_size=8)) \
        if 0 < hi <= 4096 else st.nothing()
    edged = st.builds(lambda a, s, b: a + s + b, st.sampled_from(edges),
                      st.text(chars, min_size=max(lo, 1), max_size=20), st.sampled_from(edges))
    text = st.one_of(body, edged, body, edged, longest)
    if dom.get("x-zs-not-blank"):
        text = text.filter(lambda s: s != "" and not s.isspace())
    return text.filter(lambda s: lo <= len(s) <= hi)


def edge_text() -> st.SearchStrategy[str]:
    """A short core between odd ends: one odd character for sure, often one at the other end too, with
    trimmed whitespace around them now and then (a side drawn: leading, trailing or both)."""
    core = st.one_of(st.text(alphabet(False), min_size=1, max_size=8), st.just("a"), st.just("模型"))

    def wrap(mirror: bool, first: str, inner: str, second: str, t1: str, t2: str) -> str:
        return t1 + (second + inner + first if mirror else first + inner + second) + t2

    return st.builds(wrap, st.booleans(), st.sampled_from(("", *ODD_EDGES)), core, st.sampled_from(ODD_EDGES),
                     st.sampled_from(TRIMMED_EDGES), st.sampled_from(TRIMMED_EDGES))


def odd_text() -> st.SearchStrategy[tuple[str, str]]:
    """Either-way text, labelled: empty, blank, controls, NUL, astral, emoji, over-long, odd edges, any."""
    return st.one_of(
        st.tuples(st.just("edge"), edge_text()),
        st.tuples(st.just("empty"), st.just("")),
        st.tuples(st.just("blank"), st.sampled_from([" ", "   ", "\t", "\u3000", "\n", "\u00a0"])),
        st.tuples(st.just("control"), st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=5)),
        st.tuples(st.just("nul"), st.builds(lambda s: f"a\x00{s}", st.text(max_size=3))),
        st.tuples(st.just("astral"), st.text(st.characters(min_codepoint=0x10000, max_codepoint=0x1FAFF),
                                             min_size=1, max_size=5)),
        # An emoji inside ordinary text, the likeliest real value outside the BMP: a node on a
        # 3-byte utf8 MySQL column stores it as "?" (oracle.md: if accepted, back byte for byte).
        st.tuples(st.just("emoji"), st.builds(lambda a, e, b: a + e + b, st.text(alphabet(False), max_size=6),
                                              st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
                                              st.text(alphabet(False), min_size=1, max_size=6))),
        st.tuples(st.just("overlong"), st.integers(256, 30_000).map(lambda n: "x" * n)),
        st.tuples(st.just("any"), st.text(max_size=30)),
    )
