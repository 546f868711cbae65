"""Parse an API page as copied from the ZStack documentation site into a :class:`Page`.

The text has one line per rendered element: headings at column 0 (``Body Fields``), fields as
``  • nameString`` (the field name glued to its type, sometimes to ``Required`` too) followed by
an indented description, nested response fields indented further, a curl line and a JSON
response example. Anything unexpected is a :class:`ContractFileError` naming ``file:line`` and
what was expected, so a new page never yields a half-read contract.

This module reads the header, the endpoint and the sections; the field trees are read by
:mod:`.page_fields`, the examples by :mod:`.page_examples`, the lines and sections by
:mod:`.page_lines`.
"""

from __future__ import annotations

import re
from pathlib import Path

from zscontract.contract.model import Page, ResponseSpec
from zscontract.contract.page_examples import request_example, response_example
from zscontract.contract.page_fields import TOKEN, fields, split_field_token
from zscontract.contract.page_lines import REQUIRED_SECTIONS, Lines, Reader, content, single_line, split_sections
from zscontract.errors import ContractFileError

__all__ = ["parse_page", "parse_page_file", "split_field_token"]

_METHODS = "GET|PUT|POST|DELETE|PATCH"
_NO_HISTORY = "This API has no change history records yet."


def parse_page_file(path: Path) -> Page:
    """Read and parse a page file.

    >>> from zscontract.contract.files import contracts_dir
    >>> parse_page_file(contracts_dir() / "source" / "UpdateModelService.txt").operation_id
    'UpdateModelService'
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContractFileError(
            f"{path}: page file not found; expected a documentation page (.txt)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractFileError(f"{path}: cannot read the page ({exc}); expected UTF-8 text") from None
    return parse_page(text, source=str(path))


def parse_page(text: str, *, source: str = "<page>") -> Page:
    """Parse the text of a page.

    >>> page = parse_page(open("contracts/source/UpdateModelService.txt").read())  # doctest: +SKIP
    >>> [(f.name, f.type) for f in page.body_fields][:2]  # doctest: +SKIP
    [('name', 'String'), ('description', 'String')]
    """
    r = Reader(source)
    raw = text.splitlines()
    preamble, sections, heading_lines = split_sections(raw)
    _require_sections(r, sections, heading_lines, len(raw))
    method, path = _endpoint(r, sections["Endpoint"], heading_lines["Endpoint"])
    operation_id = single_line(
        r,
        sections["Operation ID"],
        heading_lines["Operation ID"],
        TOKEN,
        "the operation id, e.g. 'UpdateModelService'",
    )
    path_params = fields(r, sections["Path Parameters"])
    placeholders = re.findall(r"\{([^}]+)\}", path)
    declared = [p.name for p in path_params]
    if sorted(placeholders) != sorted(declared):
        raise r.fail(
            heading_lines["Path Parameters"],
            f"path parameters {declared} do not match the endpoint's placeholders {placeholders}",
        )
    since, synchronous = _header_flags(preamble)
    title = next((t.strip() for _, t in preamble if TOKEN.match(t.strip())), operation_id)
    return Page(
        source=source,
        title=title,
        operation_id=operation_id,
        method=method,
        path=path,
        since=since,
        synchronous=synchronous,
        path_params=path_params,
        body_fields=fields(r, sections["Body Fields"]),
        responses=_responses(r, sections["Responses"], heading_lines["Responses"]),
        request_example=request_example(r, sections["Request Example"], heading_lines["Request Example"]),
        response_example=response_example(r, sections["Response Example"], heading_lines["Response Example"]),
        change_history=_change_history(sections.get("Change History", [])),
    )


def _require_sections(r: Reader, sections: dict[str, Lines], heading_lines: dict[str, int], last: int) -> None:
    """Fail on the first missing section, at the line of the next one present (or the end)."""
    for idx, name in enumerate(REQUIRED_SECTIONS):
        if name not in sections:
            after = next((heading_lines[n] for n in REQUIRED_SECTIONS[idx + 1 :] if n in heading_lines), None)
            raise r.fail(
                after if after is not None else last,
                f"section {name!r} is missing; expected a line reading exactly {name!r}"
                " (the page lists " + ", ".join(REQUIRED_SECTIONS) + " in this order)",
            )


def _change_history(lines: Lines) -> tuple[str, ...]:
    return tuple(
        t.strip() for _, t in lines if t.strip() and t.strip() not in (_NO_HISTORY, "View all change history")
    )


def _header_flags(preamble: Lines) -> tuple[str | None, bool | None]:
    # e.g. "PUTInference Service APIsSince 5.1.8SynchronousAuth Required"
    for _, line in preamble:
        if re.match(rf"^({_METHODS})", line):
            since = re.search(r"Since\s*([0-9][0-9.]*[0-9])", line)
            sync = False if "Asynchronous" in line else (True if "Synchronous" in line else None)
            return (since.group(1) if since else None), sync
    return None, None


def _endpoint(r: Reader, lines: Lines, heading: int) -> tuple[str, str]:
    pattern = re.compile(rf"^({_METHODS})\s*(/\S*)$")
    text = single_line(
        r,
        lines,
        heading,
        pattern,
        "the method glued to the path, e.g. 'PUT/zstack/v1/ai/model-services/{uuid}'",
    )
    match = pattern.match(text)
    assert match is not None
    return match.group(1), match.group(2)


def _responses(r: Reader, lines: Lines, heading: int) -> tuple[ResponseSpec, ...]:
    groups: list[tuple[int, str, int, Lines]] = []
    for number, line in content(lines):
        status = re.match(r"^(\d{3})\s+(\S.*)$", line)
        if status:
            groups.append((int(status.group(1)), status.group(2).strip(), number, []))
        elif not groups:
            raise r.fail(number, f"found {line.strip()!r}; expected a status line such as '200 OK'")
        else:
            groups[-1][3].append((number, line))
    if not groups:
        raise r.fail(heading, "section 'Responses' is empty; expected a status line such as '200 OK'")
    return tuple(
        ResponseSpec(status, reason, fields(r, body, allow_prose=True), number)
        for status, reason, number, body in groups
    )
