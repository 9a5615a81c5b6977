"""``MockTransport(handler)``: a :class:`~monuv_async._transport.Transport` that answers in memory.

For users' unit tests, in the manner of httpx's ``MockTransport``: no server,
no socket, no event-loop tricks::

    def handler(request: MockRequest) -> MockResponse:
        if request.path == "/api/v1/cameras/create":
            return MockResponse(201, json=[{"id": 7, ...}])
        return MockResponse(404, json={"message": "not here"})

    async with MonuvClient(token, transport=MockTransport(handler)) as monuv:
        ...

The handler may be sync or async. It sees every try (a retried request calls
it again) with the partner token taken out: the ``token`` query parameter is
not in :attr:`MockRequest.params`, and the token anywhere else in the path
or a parameter (the block routes, or ``request("GET", "/x/{token}/y")``)
reads ``***``, masked by the request's own redactor. Snapshot downloads
reach the handler too, as ``GET`` requests whose :attr:`MockRequest.url` is
the image's.

It imports only the client's core, never aiohttp's network code.
"""

from __future__ import annotations

import inspect
import json as jsonlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
from yarl import URL

from .._context import RequestContext
from .._transport import Answer

__all__ = ["Handler", "MockRequest", "MockResponse", "MockTransport"]

_TOKEN_PARAM = "token"  # noqa: S105 - the name of the query parameter, not a secret


@attrs.frozen(slots=True)
class MockRequest:
    """One try as the handler sees it: no token anywhere.

    ``path`` is the URL's path (a token segment masked as ``***``),
    ``params`` its query without ``token``, ``json`` the decoded body (or
    ``None``), ``content`` the body's bytes as sent.
    """

    method: str
    path: str
    params: Mapping[str, str]
    json: Any = None
    content: bytes | None = attrs.field(default=None, repr=False)
    host: str = ""

    @property
    def url(self) -> str:
        """``host`` and ``path`` (the query left out: it is in ``params``)."""
        return f"{self.host}{self.path}"


@attrs.frozen(slots=True)
class MockResponse:
    """What the handler answers: a status, and ``json`` or ``content`` (bytes) as the body.

    ``json`` is encoded as JSON with a ``Content-Type: application/json``
    header unless ``headers`` names another.
    """

    status: int = 200
    json: Any = None
    content: bytes | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)

    def answer(self) -> Answer:
        """The :class:`Answer` a transport hands back for it."""
        headers = dict(self.headers)
        if self.content is not None:
            body = self.content
        elif self.json is not None:
            body = jsonlib.dumps(self.json).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            body = b""
        return Answer(self.status, headers, body)


Handler = Callable[[MockRequest], MockResponse | Awaitable[MockResponse]]
"""A sync or async function from a :class:`MockRequest` to a :class:`MockResponse`."""


class MockTransport:
    """A transport that calls ``handler`` for every try instead of the network.

    ``requests`` lists what the handler was given, in order, for assertions.
    An exception the handler raises propagates unchanged (raise a
    :class:`~monuv_async.errors.TransportError` to play a network failure).
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.requests: list[MockRequest] = []

    def __repr__(self) -> str:
        return f"MockTransport({len(self.requests)} requests)"

    async def send(
        self,
        method: str,
        url: URL,
        body: bytes | None,
        client_timeout: object,
        context: RequestContext,
    ) -> Answer:
        """Answer one try with the handler's response."""
        return (await self._respond(method, url, body, context)).answer()

    async def stream(
        self,
        url: URL,
        sink: Callable[[bytes], object],
        client_timeout: object,
        context: RequestContext,
    ) -> Answer:
        """Answer one ``GET``; a 2xx body goes to ``sink`` in one chunk."""
        answer = (await self._respond("GET", url, None, context)).answer()
        if not 200 <= answer.status < 300:
            return answer
        if answer.body:
            sink(answer.body)
        return Answer(answer.status, answer.headers)

    async def _respond(
        self, method: str, url: URL, body: bytes | None, context: RequestContext
    ) -> MockResponse:
        request = _request(method, url, body, context)
        self.requests.append(request)
        response = self._handler(request)
        if inspect.isawaitable(response):
            response = await response
        if not isinstance(response, MockResponse):
            msg = f"handler: must return a MockResponse, got {type(response).__name__}"
            raise TypeError(msg)
        return response


def _request(method: str, url: URL, body: bytes | None, context: RequestContext) -> MockRequest:
    # The redactor knows the token in every spelling: wherever the request put
    # it (query, a path segment of any route), the handler sees only "***".
    redact = context.redact
    params = {k: redact(v) for k, v in url.query.items() if k != _TOKEN_PARAM}
    path = redact(URL.build(path=url.raw_path, encoded=True).path)
    decoded: Any = None
    if body:
        try:
            decoded = jsonlib.loads(body)
        except ValueError:
            decoded = None
    return MockRequest(method, path, params, decoded, body, url.host or "")
