"""``MonuvClient.request``: any endpoint, through the same requester as every operation.

:func:`raw_spec` checks the arguments (before anything is sent) and builds a
:class:`~monuv_async._spec.Spec` for the URL and its redacted request
line; :func:`read_raw` turns each answer into a :class:`RawResponse`, or the
typed error of a non-2xx status. No JSON is required of a 2xx answer: an
image (``/print``) or a page comes back as bytes in ``.content``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from ._context import RequestContext
from ._extra import JSONValue, check_json
from ._response import error_for_status
from ._spec import TOKEN, Segment, Spec
from ._transport import Answer
from ._wire import dumps, loads
from .errors import UnexpectedResponseError

__all__ = ["IDEMPOTENT", "RawResponse", "raw_spec", "read_raw"]

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})
"""Methods sent again after a failure; any other follows the create rules."""
_METHODS = IDEMPOTENT | {"POST", "PATCH"}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@attrs.frozen(slots=True)
class RawResponse:
    """A 2xx answer of :meth:`~monuv_async.MonuvClient.request`.

    ``status`` and ``headers`` as the server sent them, ``content`` the body's
    bytes; :meth:`json` decodes it. ``request`` is the request line with the
    token masked; ``repr`` shows only it, the status and the body's size.
    """

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)
    request: str
    _context: RequestContext = attrs.field(repr=False, eq=False, alias="context")

    def json(self) -> Any:
        """The body decoded as JSON; ``UnexpectedResponseError`` if it is not JSON."""
        try:
            return loads(self.content)
        except ValueError:
            problem = "the answer is not JSON"
        # Raised outside the handler: the decoder's error holds the whole body.
        raise UnexpectedResponseError(
            problem,
            body=self._context.text(self.content),
            status=self.status,
            request=self.request,
        )


def raw_spec(
    method: str,
    path: str,
    params: Mapping[str, str | int] | None,
    json: JSONValue | None,
    path_params: Mapping[str, str | int] | None,
) -> tuple[Spec[None], bytes | None]:
    """The spec (URL and request line) and JSON body of a ``request()`` call, all checked."""
    if not isinstance(method, str) or method.upper() not in _METHODS:
        msg = f"method: must be one of {', '.join(sorted(_METHODS))}, got {method!r:.40}"
        raise ValueError(msg)
    method = method.upper()
    segments, in_path = _segments(path, _values("path_params", path_params))
    query: list[tuple[str, Segment]] = [] if in_path else [("token", TOKEN)]
    for key, value in _values("params", params).items():
        if key == "token":
            msg = "params: 'token' is added by the client; leave it out"
            raise ValueError(msg)
        query.append((key, value))
    body = None
    if json is not None:
        check_json("json", json)
        body = dumps(json)
    spec: Spec[None] = Spec(path, method, segments, _unused, query=tuple(query))
    return spec, body


def read_raw(answer: Answer, context: RequestContext) -> RawResponse:
    """The :class:`RawResponse` of a 2xx answer, else its typed :class:`APIError`."""
    if not 200 <= answer.status < 300:
        raise error_for_status(answer.status, answer.headers, answer.body, context)
    return RawResponse(answer.status, answer.headers, answer.body, context.line, context=context)


def _unused(_: object, __: object) -> None:  # pragma: no cover - read_raw reads instead
    return None


def _values(field: str, values: Mapping[str, str | int] | None) -> dict[str, str]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        msg = f"{field}: must be a mapping of names to str or int values"
        raise TypeError(msg)
    checked: dict[str, str] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key:
            msg = f"{field}: names must be non-empty str, got {key!r:.40}"
            raise TypeError(msg)
        if isinstance(value, bool) or not isinstance(value, str | int):
            msg = f"{field}[{key!r}]: must be a str or int, not {type(value).__name__}"
            raise TypeError(msg)
        checked[key] = str(value)
    return checked


def _segments(path: str, values: dict[str, str]) -> tuple[tuple[Segment, ...], bool]:
    """The path's segments with placeholders filled, and whether the token is one of them."""
    if not isinstance(path, str) or not path.startswith("/"):
        msg = f"path: must be a str starting with '/', got {path!r:.60}"
        raise ValueError(msg)
    if "?" in path or "#" in path:
        msg = "path: give the query as params=, not in the path"
        raise ValueError(msg)
    if "token" in values:
        msg = "path_params: 'token' is the client's; write {token} in the path instead"
        raise ValueError(msg)
    used: set[str] = set()
    in_path = False
    segments: list[Segment] = []
    for part in path[1:].split("/"):
        if part == "{token}":
            in_path = True
            segments.append(TOKEN)
            continue

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "token":
                msg = "path: {token} must be a whole path segment"
                raise ValueError(msg)
            if not _NAME.match(name):
                msg = f"path: {{{name}}} is not a placeholder name"
                raise ValueError(msg)
            if name not in values:
                msg = f"path_params: missing {name!r}, which the path names"
                raise ValueError(msg)
            used.add(name)
            return values[name]

        # Each filled segment is percent-encoded whole by the spec, nothing kept
        # safe: a "/" in a value never splits it, a "?" never starts a query.
        segments.append(_PLACEHOLDER.sub(fill, part))
    _check_braces(path)
    unused = sorted(set(values) - used)
    if unused:
        msg = f"path_params: {unused[0]!r} is not a placeholder of the path"
        raise ValueError(msg)
    return tuple(segments), in_path


def _check_braces(path: str) -> None:
    leftover = _PLACEHOLDER.sub("", path)
    if "{" in leftover or "}" in leftover:
        msg = f"path: unbalanced braces in {path!r:.60}"
        raise ValueError(msg)
