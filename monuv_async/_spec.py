"""A request as data: :class:`Spec`, where the token goes, and the URL it makes.

A spec says everything about a request (method, path, query, JSON body) and
how to read its successful answer, without doing any I/O. The token is not
part of a spec: :data:`TOKEN` marks where it goes; :meth:`Spec.url` fills it
in (for the requester to send) and :meth:`Spec.describe` masks it (for logs
and errors). The operations that build specs are in
:mod:`monuv_async._endpoints`.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import attrs
from yarl import URL

from ._redact import MASK
from ._wire import dumps

__all__ = ["TOKEN", "Origin", "Refused", "Segment", "Spec", "origin_of"]

T = TypeVar("T")


class Refused(Exception):  # noqa: N818 - a signal to the reader, never seen by users
    """A 200 answer whose body says the operation failed: ``code != 0``, and its ``msg``.

    Not a :class:`~monuv_async.errors.MonuvError`: a spec knows neither the
    request line nor the redactor, so the reader builds the user's error.
    """

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(code)
        self.code = code
        self.msg = msg


class _Token(enum.Enum):
    PLACEHOLDER = enum.auto()


TOKEN = _Token.PLACEHOLDER
"""Placeholder for the partner token in a spec's path or query."""

Segment = str | _Token


@attrs.frozen(slots=True)
class Spec(Generic[T]):
    """A request to send and how to read its answer.

    ``read`` turns the decoded JSON of a 2xx answer into the result; it may
    raise :class:`WireError` (or any ``ValueError``/``TypeError``/``KeyError``)
    for a shape it cannot read, or :class:`Refused` for a documented failure
    carried by a 200 answer (the reader turns it into the whole
    :class:`~monuv_async.errors.OperationFailedError`).
    """

    op: str
    method: str
    path: tuple[Segment, ...]
    read: Callable[[object, tzinfo], T]
    query: tuple[tuple[str, Segment], ...] = ()
    json: Mapping[str, Any] | None = None
    read_body: Callable[[bytes, tzinfo], T | None] | None = None
    """A faster reader of a 2xx body, tried first: ``None`` means "use ``read``"."""

    @property
    def idempotent(self) -> bool:
        """Whether sending it twice is harmless (only creates are not)."""
        return self.method != "POST"

    def url(self, base: URL, token: str) -> URL:
        """The full URL, token included: for the transport only, never to show."""
        return self.target(origin_of(base), quote(token, safe=""))

    def target(self, origin: Origin, quoted_token: str) -> URL:
        """:meth:`url` from parts a requester computes once: its origin and quoted token."""
        path = self._path(origin.prefix, quoted_token)
        # Built from parts already percent-encoded: yarl neither re-parses nor re-quotes.
        return URL.build(
            scheme=origin.scheme,
            authority=origin.authority,
            path=path,
            query_string=self._query(quoted_token),
            encoded=True,
        )

    def describe(self, base: URL) -> str:
        """The request line with the token masked, safe for logs and errors."""
        return self.line(origin_of(base).prefix)

    def line(self, prefix: str) -> str:
        """:meth:`describe` under a base path ``prefix`` (an :class:`Origin`'s)."""
        path = self._path(prefix, MASK)
        query = self._query(MASK)
        return f"{self.method} {path}?{query}" if query else f"{self.method} {path}"

    # Every value is percent-encoded with nothing kept "safe": a `/` in a value
    # must never become a path separator, nor `&` a new parameter.
    def _path(self, prefix: str, token: str) -> str:
        parts = [prefix]
        for part in self.path:
            parts.append(token if part is TOKEN else _enc(part, ""))
        return "/".join(parts)

    def _query(self, token: str) -> str:
        if not self.query:
            return ""
        # A comma is legal in a query value and the API documents "1,4" raw.
        return "&".join(
            f"{_enc(key, '')}={token if value is TOKEN else _enc(value, ',')}"
            for key, value in self.query
        )

    def body(self) -> bytes | None:
        """The JSON body as bytes, or ``None`` when there is none."""
        return None if self.json is None else dumps(self.json)


# Text that percent-encoding leaves as it is (RFC 3986 unreserved characters).
_plain = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def _enc(part: str, safe: str) -> str:
    # Most parts ("api", "events", ids, dates) need no quoting, and quote()
    # costs microseconds per call on every request; isalnum() is the cheapest test.
    if (part.isalnum() and part.isascii()) or _plain(part):
        return part
    return quote(part, safe=safe)


@attrs.frozen(slots=True)
class Origin:
    """What a base URL gives every request: scheme, authority and path prefix, encoded."""

    scheme: str
    authority: str
    prefix: str
    """The base path without a trailing slash (``""`` for a bare host)."""


@functools.lru_cache(maxsize=32)
def origin_of(base: URL) -> Origin:
    """``base``'s :class:`Origin`: the same for every call, so computed once."""
    origin = base.origin()
    return Origin(origin.scheme, origin.raw_authority, base.raw_path.rstrip("/"))
