"""Reading an answer's body with bounds: its size on the wire and decoded, and the request's deadline.

Bodies are streamed and refused past ``limit`` bytes, on the wire and after gzip/deflate decoding
(a gzip bomb stops at the cap), so a hostile target cannot blow up the harness's memory.
"""

from __future__ import annotations

import time
import zlib
from typing import Any

CHUNK = 64 * 1024


class TooLarge(Exception):
    pass


class _Inflater:
    """gzip/deflate decoded chunk by chunk, never past ``limit`` bytes of output."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            out = self._obj.decompress(data, room + 1)
        except zlib.error:
            if self.encoding != "deflate" or self._started:
                raise
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" sent raw, as some servers do
            out = self._obj.decompress(data, room + 1)
        self._started = True
        return out


def header(headers: dict[str, str], name: str) -> str | None:
    """A header's value by its lower-case name."""
    return next((v for k, v in headers.items() if k.lower() == name), None)


def read_body(raw: Any, headers: dict[str, str], deadline: float, limit: int) -> bytes:
    """The body, decoded; TooLarge past ``limit`` (wire or decoded), TimeoutError past the deadline.

    ``raw`` is urllib3's response, read undecoded (``decode_content=False``): the decoding is ours.
    """
    length = header(headers, "content-length")
    if length is not None and length.strip().isdigit() and int(length) > limit:
        raise TooLarge(f"body too large: more than {limit} bytes (Content-Length: {int(length)})")
    encoding = (header(headers, "content-encoding") or "").strip().lower()
    inflater = _Inflater(encoding) if encoding in ("gzip", "deflate") else None
    wire: list[bytes] = []
    decoded: list[bytes] = []
    got = out = 0
    while True:
        chunk = raw.read(CHUNK, decode_content=False)
        if time.monotonic() > deadline:
            raise TimeoutError
        if not chunk:
            break
        got += len(chunk)
        if got > limit:
            raise TooLarge(f"body too large: more than {limit} bytes on the wire (streamed, cut there)")
        wire.append(chunk)
        if inflater is not None:
            try:
                piece = inflater.feed(chunk, limit - out)
            except zlib.error:
                inflater = None  # not really compressed: keep the bytes as sent (as requests does)
                continue
            out += len(piece)
            if out > limit:
                raise TooLarge(f"body too large: more than {limit} bytes after {encoding} decoding "
                               f"({got} bytes on the wire)")
            decoded.append(piece)
    return b"".join(decoded if inflater is not None else wire)
