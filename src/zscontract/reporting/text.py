"""What a target sends, made safe for where a report puts it: a terminal, a Markdown file CI prints, XML.

A target's error body is the target's text: a Java stack trace coloured for a log, or a hostile answer
with ESC sequences that retitle a window, write the clipboard (OSC 52) or erase a line and print a fake
"PASSED". Printed raw, it would drive the reader's terminal; put raw in XML, characters XML 1.0 forbids
make ``junit.xml`` unreadable and CI loses the report. Each is shown escaped
(``\\x1b``), so what the target sent stays visible.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls (U+0080-U+009F: a terminal may read them as ESC sequences).
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Characters XML 1.0 cannot hold at all (an escape such as &#27; is refused too).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escaped(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}" if ord(match.group()) < 0x100 else f"\\u{ord(match.group()):04x}"


def printable(text: str) -> str:
    """Text with control characters shown escaped, for a terminal or a Markdown file CI prints.

    >>> printable("boom \\x1b]52;c;ZXZpbA==\\x07 \\r FAKE: PASSED\\n\\tat x")
    'boom \\\\x1b]52;c;ZXZpbA==\\\\x07 \\\\x0d FAKE: PASSED\\n\\tat x'
    """
    return _UNPRINTABLE.sub(_escaped, text)


def xml_safe(text: str) -> str:
    """Text XML 1.0 can hold: the characters it forbids shown escaped.

    >>> xml_safe("a\\x1bb\\x00"), xml_safe("tab\\tok")
    ('a\\\\x1bb\\\\x00', 'tab\\tok')
    """
    return _NOT_XML.sub(_escaped, text)
