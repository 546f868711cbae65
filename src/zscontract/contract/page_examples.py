"""The page's examples: the request's curl line and the response's status and JSON body."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from zscontract.contract.model import RequestExample, ResponseExample
from zscontract.contract.page_lines import Lines, Reader, content


def _curl_arguments(args: list[str]) -> tuple[str | None, str | None, dict[str, str], str | None]:
    """(method, url, headers, data) of curl's arguments (after ``curl``)."""
    method: str | None = None
    url: str | None = None
    data: str | None = None
    headers: dict[str, str] = {}
    it = iter(args)
    for arg in it:
        if arg in ("-X", "--request"):
            method = next(it, None)
        elif arg in ("-H", "--header"):
            key, _, value = (next(it, "") or "").partition(":")
            headers[key.strip()] = value.strip()
        elif arg in ("-d", "--data", "--data-raw", "--data-binary"):
            data = next(it, None)
        elif not arg.startswith("-"):
            url = arg
    return method, url, headers, data


def request_example(r: Reader, lines: Lines, heading: int) -> RequestExample:
    """The request example: one shell-quoted curl line with a JSON body."""
    found = content(lines)
    if not found or not found[0][1].lstrip().startswith("curl "):
        raise r.fail(found[0][0] if found else heading, "expected the curl line of the request example")
    number, line = found[0]
    try:
        args = shlex.split(line.strip())
    except ValueError as exc:
        raise r.fail(number, f"cannot split the curl line ({exc}); expected shell-quoted arguments") from None
    method, url, headers, data = _curl_arguments(args[1:])
    if url is None:
        raise r.fail(number, "the curl line has no URL; expected curl -X METHOD 'URL' ...")
    body: Any = None
    if data is not None:
        try:
            body = json.loads(data)
        except json.JSONDecodeError as exc:
            raise r.fail(number, f"the curl body is not JSON ({exc.msg} at column {exc.colno})") from None
    return RequestExample(method or ("POST" if data is not None else "GET"), url, headers, body, number)


def response_example(r: Reader, lines: Lines, heading: int) -> ResponseExample:
    """The response example: a status line, then a JSON body over the following lines."""
    found = content(lines)
    if not found or not re.match(r"^\d{3}$", found[0][1].strip()):
        raise r.fail(
            found[0][0] if found else heading, "expected the status of the response example, e.g. '200'"
        )
    status_line, status = found[0][0], int(found[0][1].strip())
    rest = found[1:]
    if not rest:
        raise r.fail(status_line, "expected a JSON body after the status of the response example")
    try:
        body = json.loads("\n".join(t for _, t in rest))
    except json.JSONDecodeError as exc:
        raise r.fail(
            rest[min(exc.lineno, len(rest)) - 1][0],
            f"the response example is not JSON ({exc.msg} at column {exc.colno})",
        ) from None
    return ResponseExample(status, body, status_line)
