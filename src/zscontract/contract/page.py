"""Parse an API page as copied from the ZStack documentation site into a :class:`Page`.

The text has one line per rendered element: headings at column 0 (``Body Fields``), fields as
``  • nameString`` (the field name glued to its type, sometimes to ``Required`` too) followed by
an indented description, nested response fields indented further, a curl line and a JSON
response example. Anything unexpected is a :class:`ContractFileError` naming ``file:line`` and
what was expected, so a new page never yields a half-read contract.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from zscontract.contract.model import (
    SCALAR_TYPES,
    STRUCTURE_SUFFIX,
    STRUCTURE_TYPES,
    Field,
    Page,
    RequestExample,
    ResponseExample,
    ResponseSpec,
    is_structure,
)
from zscontract.errors import ContractFileError

# In page order; the page repeats "Path Parameters" (once as a tab label), so contents merge.
HEADINGS = (
    "Execution Availability",
    "Try It Out",
    "Path Parameters",
    "Request Inputs",
    "Body Fields",
    "Responses",
    "Endpoint",
    "Operation ID",
    "Permalink",
    "Request Example",
    "Response Example",
    "Change History",
)
REQUIRED_SECTIONS = (
    "Path Parameters",
    "Body Fields",
    "Responses",
    "Endpoint",
    "Operation ID",
    "Request Example",
    "Response Example",
)
_METHODS = "GET|PUT|POST|DELETE|PATCH"
_BULLET = re.compile(r"^(?P<indent> *)•\s*(?P<token>.*?)\s*$")
_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME = re.compile(r"^[a-z_][A-Za-z0-9_]*$")
_KNOWN = ", ".join((*SCALAR_TYPES, *STRUCTURE_TYPES)) + f" or a name ending in {STRUCTURE_SUFFIX}"
_NO_HISTORY = "This API has no change history records yet."

Lines = list[tuple[int, str]]


class _Reader:
    """Holds the file name so every error can say ``file:line: what; expected ...``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, line: int, message: str) -> ContractFileError:
        return ContractFileError(f"{self.source}:{line}: {message}")


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
    r = _Reader(source)
    preamble, sections, heading_lines = _split_sections(text.splitlines())
    for idx, name in enumerate(REQUIRED_SECTIONS):
        if name not in sections:
            after = next((heading_lines[n] for n in REQUIRED_SECTIONS[idx + 1 :] if n in heading_lines), None)
            line = after if after is not None else len(text.splitlines())
            raise r.fail(
                line,
                f"section {name!r} is missing; expected a line reading exactly {name!r}"
                " (the page lists " + ", ".join(REQUIRED_SECTIONS) + " in this order)",
            )
    method, path = _endpoint(r, sections["Endpoint"], heading_lines["Endpoint"])
    operation_id = _single_line(
        r,
        sections["Operation ID"],
        heading_lines["Operation ID"],
        _TOKEN,
        "the operation id, e.g. 'UpdateModelService'",
    )
    path_params = _fields(r, sections["Path Parameters"])
    placeholders = re.findall(r"\{([^}]+)\}", path)
    declared = [p.name for p in path_params]
    if sorted(placeholders) != sorted(declared):
        raise r.fail(
            heading_lines["Path Parameters"],
            f"path parameters {declared} do not match the endpoint's placeholders {placeholders}",
        )
    since, synchronous = _header_flags(preamble)
    title = next((t.strip() for _, t in preamble if _TOKEN.match(t.strip())), operation_id)
    history = tuple(
        t.strip()
        for _, t in sections.get("Change History", [])
        if t.strip() and t.strip() not in (_NO_HISTORY, "View all change history")
    )
    return Page(
        source=source,
        title=title,
        operation_id=operation_id,
        method=method,
        path=path,
        since=since,
        synchronous=synchronous,
        path_params=path_params,
        body_fields=_fields(r, sections["Body Fields"]),
        responses=_responses(r, sections["Responses"], heading_lines["Responses"]),
        request_example=_request_example(r, sections["Request Example"], heading_lines["Request Example"]),
        response_example=_response_example(
            r, sections["Response Example"], heading_lines["Response Example"]
        ),
        change_history=history,
    )


def _split_sections(raw: list[str]) -> tuple[Lines, dict[str, Lines], dict[str, int]]:
    preamble: Lines = []
    sections: dict[str, Lines] = {}
    heading_lines: dict[str, int] = {}
    current: Lines = preamble
    for number, line in enumerate(raw, start=1):
        if line in HEADINGS:  # headings sit at column 0; indented text never matches
            current = sections.setdefault(line, [])
            heading_lines.setdefault(line, number)
        else:
            current.append((number, line))
    return preamble, sections, heading_lines


def _header_flags(preamble: Lines) -> tuple[str | None, bool | None]:
    # e.g. "PUTInference Service APIsSince 5.1.8SynchronousAuth Required"
    for _, line in preamble:
        if re.match(rf"^({_METHODS})", line):
            since = re.search(r"Since\s*([0-9][0-9.]*[0-9])", line)
            sync = False if "Asynchronous" in line else (True if "Synchronous" in line else None)
            return (since.group(1) if since else None), sync
    return None, None


def _content(lines: Lines) -> Lines:
    return [(n, t) for n, t in lines if t.strip()]


def _single_line(r: _Reader, lines: Lines, heading: int, pattern: re.Pattern[str], expected: str) -> str:
    content = _content(lines)
    if not content or not pattern.match(content[0][1].strip()):
        line = content[0][0] if content else heading
        got = repr(content[0][1].strip()) if content else "nothing"
        raise r.fail(line, f"found {got}; expected {expected}")
    return content[0][1].strip()


def _endpoint(r: _Reader, lines: Lines, heading: int) -> tuple[str, str]:
    pattern = re.compile(rf"^({_METHODS})\s*(/\S*)$")
    text = _single_line(
        r,
        lines,
        heading,
        pattern,
        "the method glued to the path, e.g. 'PUT/zstack/v1/ai/model-services/{uuid}'",
    )
    match = pattern.match(text)
    assert match is not None
    return match.group(1), match.group(2)


def split_field_token(token: str, *, line: int = 0, source: str = "<page>") -> tuple[str, str, bool]:
    """Split a glued bullet token into (name, type, required).

    Strips a ``Required`` suffix, then splits on the LONGEST known type name suffix.

    >>> split_field_token("vendorToSpecUuidsMapMapRequired")
    ('vendorToSpecUuidsMap', 'Map', True)
    >>> split_field_token("inventoryModelServiceInventoryRequired")
    ('inventory', 'ModelServiceInventory', True)
    >>> split_field_token("opaqueLinkedHashMapRequired")
    ('opaque', 'LinkedHashMap', True)
    """
    r = _Reader(source)
    if not _TOKEN.match(token):
        raise r.fail(
            line,
            f"bullet {token!r} is not a field; expected the field name glued to its type,"
            " e.g. '• nameString'",
        )
    required = token.endswith("Required") and len(token) > len("Required")
    core = token[: -len("Required")] if required else token
    candidates = [t for t in (*SCALAR_TYPES, *STRUCTURE_TYPES) if core.endswith(t)]
    if core.endswith(STRUCTURE_SUFFIX):
        # Every CamelCase suffix ending in Inventory is a candidate structure name.
        candidates += [
            core[i:] for i in range(1, len(core)) if core[i].isupper() and core[i:].endswith(STRUCTURE_SUFFIX)
        ]
    # Longest first; a split whose remaining name is a valid field name wins.
    for type_name in sorted(set(candidates), key=len, reverse=True):
        name = core[: -len(type_name)]
        if _NAME.match(name):
            return name, type_name, required
    if not any(ch.isupper() for ch in core):
        raise r.fail(
            line,
            f"field {core!r} has no type; expected the field name glued to its type"
            f" (one of {_KNOWN}), e.g. '{core}String'",
        )
    last = re.search(r"[A-Z][a-z0-9]*$", core)
    word = last.group(0) if last else core
    raise r.fail(
        line,
        f"unknown type in {token!r} (it ends in {word!r}); expected the field name glued to one of {_KNOWN}",
    )


class _Node:
    def __init__(self, field: Field, indent: int) -> None:
        self.field = field
        self.indent = indent
        self.children: list[_Node] = []

    def freeze(self) -> Field:
        f = self.field
        return Field(
            f.name, f.type, f.required, f.description, f.line, tuple(c.freeze() for c in self.children)
        )


def _fields(r: _Reader, lines: Lines, *, allow_prose: bool = False) -> tuple[Field, ...]:
    """The bullet tree of a section; description lines are indented deeper than their bullet."""
    roots: list[_Node] = []
    stack: list[_Node] = []
    current: _Node | None = None
    description: list[str] = []

    def close() -> None:
        nonlocal current
        if current is None:
            return
        text = " ".join(description)
        required = current.field.required
        if text.startswith("Optional."):
            if required:
                raise r.fail(
                    current.field.line,
                    f"field {current.field.name!r} is glued to 'Required'"
                    " but its description starts 'Optional.'; expected one flag",
                )
            text = text[len("Optional.") :].strip()
        elif text.startswith("Required."):
            required, text = True, text[len("Required.") :].strip()
        f = current.field
        current.field = Field(f.name, f.type, required, text, f.line)
        description.clear()
        current = None

    for number, line in _content(lines):
        bullet = _BULLET.match(line)
        if bullet is None:
            indent = len(line) - len(line.lstrip(" "))
            if current is not None and indent > current.indent:
                description.append(line.strip())
            elif not allow_prose:
                raise r.fail(
                    number,
                    f"found {line.strip()!r}; expected a bullet '• nameType' or its indented description",
                )
            continue
        close()
        indent = len(bullet.group("indent"))
        name, type_name, required = split_field_token(bullet.group("token"), line=number, source=r.source)
        node = _Node(Field(name, type_name, required, "", number), indent)
        while stack and stack[-1].indent >= indent:
            stack.pop()
        if stack:
            parent = stack[-1].field
            if not is_structure(parent.type):
                raise r.fail(
                    number,
                    f"field {name!r} is nested under {parent.name!r} of type {parent.type},"
                    f" which has no fields; expected a named structure (ErrorCode, *Inventory)",
                )
            stack[-1].children.append(node)
        else:
            roots.append(node)
        stack.append(node)
        current = node
    close()
    return tuple(n.freeze() for n in roots)


def _responses(r: _Reader, lines: Lines, heading: int) -> tuple[ResponseSpec, ...]:
    groups: list[tuple[int, str, int, Lines]] = []
    for number, line in _content(lines):
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
        ResponseSpec(status, reason, _fields(r, body, allow_prose=True), number)
        for status, reason, number, body in groups
    )


def _request_example(r: _Reader, lines: Lines, heading: int) -> RequestExample:
    content = _content(lines)
    if not content or not content[0][1].lstrip().startswith("curl "):
        raise r.fail(content[0][0] if content else heading, "expected the curl line of the request example")
    number, line = content[0]
    try:
        args = shlex.split(line.strip())
    except ValueError as exc:
        raise r.fail(number, f"cannot split the curl line ({exc}); expected shell-quoted arguments") from None
    method, url, headers, data = None, None, {}, None
    it = iter(args[1:])
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
    if url is None:
        raise r.fail(number, "the curl line has no URL; expected curl -X METHOD 'URL' ...")
    body: Any = None
    if data is not None:
        try:
            body = json.loads(data)
        except json.JSONDecodeError as exc:
            raise r.fail(number, f"the curl body is not JSON ({exc.msg} at column {exc.colno})") from None
    return RequestExample(method or ("POST" if data is not None else "GET"), url, headers, body, number)


def _response_example(r: _Reader, lines: Lines, heading: int) -> ResponseExample:
    content = _content(lines)
    if not content or not re.match(r"^\d{3}$", content[0][1].strip()):
        raise r.fail(
            content[0][0] if content else heading, "expected the status of the response example, e.g. '200'"
        )
    status_line, status = content[0][0], int(content[0][1].strip())
    rest = content[1:]
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
