"""The aiohttp adapter: one attempt, and every aiohttp failure mapped to ours, unchained."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from monuv_async._redact import Redactor
from monuv_async._transport import map_exception, send_once
from monuv_async.errors import RequestTimeoutError, TransportError

TOKEN = "s3cr3t-token"
URL_WITH_TOKEN = URL(f"http://monuv.test/api/v1/cameras/create?token={TOKEN}")
REQUEST = "GET /api/v1/cameras/create?token=***"
redact = Redactor(TOKEN)


class _FinishedUpload:
    output_size = 0


class CompatResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.9 predates aiohttp 3.14's required ``stream_writer``.

    Upstream: pnuckowski/aioresponses#289. Remove once a fixed release exists.
    """

    def __init__(self, method: str, url: URL, **kwargs: object) -> None:
        kwargs.setdefault("stream_writer", _FinishedUpload())
        super().__init__(method, url, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def send(session: aiohttp.ClientSession, method: str = "GET") -> object:
    return await send_once(
        session,
        method,
        URL_WITH_TOKEN,
        b"{}" if method == "POST" else None,
        client_timeout=aiohttp.ClientTimeout(total=5),
        request=REQUEST,
        redact=redact,
    )


async def test_answer_carries_status_headers_and_body(session: aiohttp.ClientSession) -> None:
    """A successful attempt hands back status, headers and the raw body bytes."""
    with aioresponses() as mocked:
        mocked.get(
            URL_WITH_TOKEN,
            status=201,
            body=b'{"a": 1}',
            headers={"X-Test": "1"},
            response_class=CompatResponse,
        )
        answer = await send(session)
    assert answer.status == 201  # type: ignore[attr-defined]
    assert answer.body == b'{"a": 1}'  # type: ignore[attr-defined]
    assert answer.headers["X-Test"] == "1"  # type: ignore[attr-defined]


async def test_post_sends_json_content_type(session: aiohttp.ClientSession) -> None:
    """A body is sent as application/json with the exact bytes given."""
    with aioresponses() as mocked:
        mocked.post(URL_WITH_TOKEN, status=201, body=b"[]", response_class=CompatResponse)
        await send(session, "POST")
        ((_, calls),) = mocked.requests.items()
    assert calls[0].kwargs["data"] == b"{}"
    assert calls[0].kwargs["headers"]["Content-Type"] == "application/json"
    assert calls[0].kwargs["allow_redirects"] is False


def connector_error() -> aiohttp.ClientConnectorError:
    key = aiohttp.client_reqrep.ConnectionKey("monuv.test", 80, False, True, None, None, None)
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "Connection refused"))


@pytest.mark.parametrize(
    ("raised", "error", "sent"),
    [
        (connector_error(), TransportError, False),
        (
            aiohttp.ConnectionTimeoutError(f"Connection timeout to {URL_WITH_TOKEN}"),
            RequestTimeoutError,
            False,
        ),
        (aiohttp.ServerDisconnectedError(), TransportError, True),
        (aiohttp.ClientPayloadError("Response payload is not completed"), TransportError, True),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), TransportError, True),
        (
            aiohttp.SocketTimeoutError(f"Timeout on reading data from {URL_WITH_TOKEN}"),
            RequestTimeoutError,
            True,
        ),
        (TimeoutError(), RequestTimeoutError, True),
        (aiohttp.InvalidURL(str(URL_WITH_TOKEN)), TransportError, True),
        # A host the resolver cannot IDNA-encode surfaces as UnicodeError (a ValueError).
        (UnicodeError("encoding with 'idna' codec failed"), TransportError, True),
    ],
)
async def test_failures_map_to_contract_errors_without_the_url(
    session: aiohttp.ClientSession, raised: BaseException, error: type[TransportError], sent: bool
) -> None:
    """Each aiohttp failure becomes its contract class, says whether it was sent, leaks nothing."""
    with aioresponses() as mocked:
        mocked.get(URL_WITH_TOKEN, exception=raised)
        with pytest.raises(TransportError) as info:
            await send(session)
    assert type(info.value) is error
    assert info.value.sent is sent
    assert info.value.request == REQUEST
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert info.value.__suppress_context__ is False
    for text in (str(info.value), repr(info.value), *map(str, info.value.args)):
        assert TOKEN not in text
    assert re.search(type(raised).__name__, str(info.value))


def test_map_exception_redacts_every_spelling_of_the_token() -> None:
    """The mapped message masks the token whether raw or percent-encoded."""
    exc = aiohttp.ClientOSError(f"failed for ?token={TOKEN} and /{TOKEN.replace('-', '%2D')}")
    mapped = map_exception(exc, request=REQUEST, redact=Redactor(TOKEN))
    assert TOKEN not in str(mapped)
    assert "***" in str(mapped)


async def test_cancellation_is_not_mapped(session: aiohttp.ClientSession) -> None:
    """CancelledError passes through untouched: cancellation is the caller's, not a failure."""
    with aioresponses() as mocked:
        mocked.get(URL_WITH_TOKEN, exception=asyncio.CancelledError())
        with pytest.raises(asyncio.CancelledError):
            await send(session)
