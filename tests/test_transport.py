"""The aiohttp transport: one attempt or stream, every aiohttp failure mapped to ours, unchained."""

from __future__ import annotations

import asyncio
import gzip
import platform
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from _loopback import serve
from aiohttp import web
from aioresponses import aioresponses
from yarl import URL

from monuv_async import MonuvClient, __version__
from monuv_async._context import RequestContext
from monuv_async._redact import Redactor
from monuv_async._transport import AiohttpTransport, Answer, map_exception
from monuv_async.errors import RequestTimeoutError, TransportError, UnexpectedResponseError

TOKEN = "s3cr3t-token"
URL_WITH_TOKEN = URL(f"http://monuv.test/api/v1/cameras/create?token={TOKEN}")
REQUEST = "GET /api/v1/cameras/create?token=***"
CONTEXT = RequestContext(REQUEST, Redactor(TOKEN))


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def transport_of(session: aiohttp.ClientSession) -> AiohttpTransport:
    return AiohttpTransport(session)


async def send(
    session: aiohttp.ClientSession, method: str = "GET", url: URL = URL_WITH_TOKEN
) -> Answer:
    return await transport_of(session).send(
        method,
        url,
        b"{}" if method == "POST" else None,
        aiohttp.ClientTimeout(total=5),
        CONTEXT,
    )


async def echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.Response(
        status=201,
        body=body or b'{"a": 1}',
        headers={"X-Test": "1", "X-Content-Type": request.headers.get("Content-Type", "")},
    )


async def test_answer_carries_status_headers_and_body() -> None:
    """A successful attempt hands back status, headers and the raw body bytes."""
    async with (
        serve({("GET", "/api/v1/cameras/create"): echo}) as srv,
        aiohttp.ClientSession() as s,
    ):
        answer = await send(s, url=URL(f"{srv.url}/api/v1/cameras/create?token={TOKEN}"))
    assert answer.status == 201
    assert answer.body == b'{"a": 1}'
    assert answer.headers["X-Test"] == "1"


async def test_post_sends_json_content_type() -> None:
    """A body is sent as application/json with the exact bytes given."""
    async with (
        serve({("POST", "/api/v1/cameras/create"): echo}) as srv,
        aiohttp.ClientSession() as s,
    ):
        answer = await send(s, "POST", url=URL(f"{srv.url}/api/v1/cameras/create?token={TOKEN}"))
    assert answer.body == b"{}"
    assert answer.headers["X-Content-Type"] == "application/json"


async def test_a_redirect_is_reported_not_followed() -> None:
    """A 3xx comes back as the answer: following it would send the token elsewhere."""

    async def moved(_: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "http://127.0.0.1:9/x"})

    async with (
        serve({("GET", "/api/v1/cameras/create"): moved}) as srv,
        aiohttp.ClientSession() as s,
    ):
        answer = await send(s, url=URL(f"{srv.url}/api/v1/cameras/create?token={TOKEN}"))
    assert answer.status == 302


async def test_stream_feeds_a_2xx_body_to_the_sink_and_returns_others_whole() -> None:
    """stream() hands a 2xx body on in chunks (none kept), an error body whole (none sunk)."""
    image = bytes(range(256)) * 1000

    async def ok(_: web.Request) -> web.Response:
        return web.Response(body=image)

    async def gone(_: web.Request) -> web.Response:
        return web.Response(status=404, body=b"gone")

    async with (
        serve({("GET", "/ok.jpg"): ok, ("GET", "/gone.jpg"): gone}) as srv,
        aiohttp.ClientSession() as s,
    ):
        transport = transport_of(s)
        chunks: list[bytes] = []
        timeout = aiohttp.ClientTimeout(total=5)
        answer = await transport.stream(URL(srv.url + "/ok.jpg"), chunks.append, timeout, CONTEXT)
        missing = await transport.stream(
            URL(srv.url + "/gone.jpg"), chunks.append, timeout, CONTEXT
        )
    assert (answer.status, answer.body, b"".join(chunks)) == (200, b"", image)
    assert (missing.status, missing.body) == (404, b"gone")


async def test_own_session_is_made_on_first_use_and_closed_caller_one_kept() -> None:
    """The transport closes only the session it made itself, and closing twice is fine."""
    own = AiohttpTransport()
    made = own.session
    await own.aclose()
    await own.aclose()
    assert made.closed
    async with aiohttp.ClientSession() as mine:
        borrowed = AiohttpTransport(mine)
        await borrowed.aclose()
        assert not mine.closed


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
    mapped = map_exception(exc, CONTEXT)
    assert TOKEN not in str(mapped)
    assert "***" in str(mapped)


async def test_cancellation_is_not_mapped(session: aiohttp.ClientSession) -> None:
    """CancelledError passes through untouched: cancellation is the caller's, not a failure."""
    with aioresponses() as mocked:
        mocked.get(URL_WITH_TOKEN, exception=asyncio.CancelledError())
        with pytest.raises(asyncio.CancelledError):
            await send(session)


def gzip_bomb(inflated: int) -> bytes:
    """A gzip body that inflates to ``inflated`` zero bytes (a few KB on the wire)."""
    return gzip.compress(b"\0" * inflated, compresslevel=9)


async def test_an_answer_over_max_response_bytes_is_refused_after_decompression() -> None:
    """A 4 KB gzip body inflating to 2 MiB, cap 1 MiB: UnexpectedResponseError, no body kept."""
    bomb = gzip_bomb(2 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # small on the wire: only the inflated size is over

    async def inflating(_: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip"})

    async with (
        serve({("GET", "/api/v1/cameras/create"): inflating}) as srv,
        aiohttp.ClientSession() as s,
    ):
        transport = AiohttpTransport(s, max_response_bytes=1024 * 1024)
        url = URL(f"{srv.url}/api/v1/cameras/create?token={TOKEN}")
        with pytest.raises(UnexpectedResponseError, match="max_response_bytes") as info:
            await transport.send("GET", url, None, aiohttp.ClientTimeout(total=5), CONTEXT)
        assert info.value.request == REQUEST
        # The connection was let go, not leaked: the pool holds nothing acquired.
        assert s.connector is not None
        assert not s.connector._acquired
        # And the session still works.
        small = AiohttpTransport(s, max_response_bytes=4 * 1024 * 1024)
        answer = await small.send("GET", url, None, aiohttp.ClientTimeout(total=5), CONTEXT)
    assert len(answer.body) == 2 * 1024 * 1024


async def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    """A plain body whose Content-Length is over the cap is refused before reading."""

    async def big(_: web.Request) -> web.Response:
        return web.Response(body=b"x" * 5000)

    async with serve({("GET", "/big"): big}) as srv, aiohttp.ClientSession() as s:
        transport = AiohttpTransport(s, max_response_bytes=4096)
        with pytest.raises(UnexpectedResponseError, match="max_response_bytes"):
            await transport.send(
                "GET", URL(f"{srv.url}/big"), None, aiohttp.ClientTimeout(total=5), CONTEXT
            )


async def test_a_plain_chunked_body_is_capped_as_read_and_one_under_the_cap_kept_whole() -> None:
    """No Content-Length (chunked): over the cap refused while reading, under it read whole.

    A plain body is read in the pieces it arrives in: the cap is still
    counted piece by piece, and the pieces are joined in order.
    """
    payload = bytes(range(256)) * 64  # 16 KiB in several pieces

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(payload), 1000):
            await response.write(payload[start : start + 1000])
        await response.write_eof()
        return response

    async with serve({("GET", "/chunked"): chunked}) as srv, aiohttp.ClientSession() as s:
        url = URL(f"{srv.url}/chunked")
        timeout = aiohttp.ClientTimeout(total=5)
        with pytest.raises(UnexpectedResponseError, match="max_response_bytes"):
            await AiohttpTransport(s, max_response_bytes=8192).send(
                "GET", url, None, timeout, CONTEXT
            )
        answer = await AiohttpTransport(s, max_response_bytes=len(payload)).send(
            "GET", url, None, timeout, CONTEXT
        )
    assert answer.body == payload


async def test_a_callers_raise_for_status_session_still_hands_back_the_status() -> None:
    """A session made with raise_for_status=True: a 404 is an Answer, not an aiohttp error."""

    async def missing(_: web.Request) -> web.Response:
        return web.json_response({"message": "no such camera"}, status=404)

    async with (
        serve({("GET", "/api/v1/cameras/create"): missing, ("GET", "/gone.jpg"): missing}) as srv,
        aiohttp.ClientSession(raise_for_status=True) as s,
    ):
        transport = AiohttpTransport(s)
        url = URL(f"{srv.url}/api/v1/cameras/create?token={TOKEN}")
        answer = await transport.send("GET", url, None, aiohttp.ClientTimeout(total=5), CONTEXT)
        streamed = await transport.stream(
            URL(f"{srv.url}/gone.jpg"), lambda _: None, aiohttp.ClientTimeout(total=5), CONTEXT
        )
    assert (answer.status, streamed.status) == (404, 404)
    assert b"no such camera" in answer.body


def test_an_answers_repr_shows_neither_headers_nor_body() -> None:
    """An echoed token in an answer's body or headers is not in its repr (debuggers show it)."""
    answer = Answer(500, {"Location": f"/x?token={TOKEN}"}, f"token={TOKEN}".encode())
    assert TOKEN not in repr(answer)
    assert "500" in repr(answer)


async def test_user_agent_on_the_wire_default_and_overridden() -> None:
    """Every request says monuv-async/<v> aiohttp/<v> python/<v>, or the caller's own."""
    agents: list[str] = []

    async def echo(request: web.Request) -> web.Response:
        agents.append(request.headers.get("User-Agent", ""))
        return web.json_response({"ok": 1})

    async with serve({("GET", "/a"): echo, ("POST", "/a"): echo}) as server:
        async with MonuvClient(TOKEN, base_url=server.url) as monuv:
            await monuv.request("GET", "/a")
            await monuv.request("POST", "/a", json={})
        async with MonuvClient(TOKEN, base_url=server.url, user_agent="acme/1.0") as monuv:
            await monuv.request("GET", "/a")
        session = aiohttp.ClientSession(headers={"User-Agent": "session/0"})
        async with session, MonuvClient(TOKEN, base_url=server.url, session=session) as monuv:
            await monuv.request("GET", "/a")
    expected = (
        f"monuv-async/{__version__} aiohttp/{aiohttp.__version__} "
        f"python/{platform.python_version()}"
    )
    assert agents == [expected, expected, "acme/1.0", expected]


async def test_own_session_sends_json_accept_and_content_type_and_any_accept_for_images() -> None:
    """The own session's default headers keep each request's Accept and Content-Type as before."""
    seen: list[tuple[str, str | None, str | None]] = []

    async def echo(request: web.Request) -> web.Response:
        headers = request.headers
        seen.append((request.method, headers.get("Accept"), headers.get("Content-Type")))
        return web.json_response({"ok": 1})

    timeout = aiohttp.ClientTimeout(total=5)
    async with serve({("GET", "/a"): echo, ("POST", "/a"): echo}) as server:
        url = URL(f"{server.url}/a")
        transport = AiohttpTransport()
        try:
            await transport.send("GET", url, None, timeout, CONTEXT)
            await transport.send("POST", url, b"{}", timeout, CONTEXT)
            await transport.stream(url, lambda chunk: None, timeout, CONTEXT)
        finally:
            await transport.aclose()
    assert seen == [
        ("GET", "application/json", None),
        ("POST", "application/json", "application/json"),
        ("GET", "*/*", None),
    ]


async def test_an_answer_come_whole_is_taken_as_it_lies_and_one_still_arriving_read_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A small answer that came with its head skips the chunk loop; a late body goes through it.

    Either way the body is whole and the connection goes back to the pool.
    """
    loops: list[int] = []
    chunk_loop = AiohttpTransport._read

    async def counted(self: AiohttpTransport, *args: object) -> bytes:
        loops.append(1)
        return await chunk_loop(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(AiohttpTransport, "_read", counted)

    async def late(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "8"})
        await response.prepare(request)
        await asyncio.sleep(0.05)  # the head is read, the body not yet there
        await response.write(b'{"a": 1}')
        await response.write_eof()
        return response

    async with (
        serve({("GET", "/whole"): echo, ("GET", "/late"): late}) as srv,
        aiohttp.ClientSession() as s,
    ):
        transport = AiohttpTransport(s)
        timeout = aiohttp.ClientTimeout(total=5)
        whole = await transport.send("GET", URL(f"{srv.url}/whole"), None, timeout, CONTEXT)
        assert loops == []
        arrived = await transport.send("GET", URL(f"{srv.url}/late"), None, timeout, CONTEXT)
        assert loops == [1]
        assert s.connector is not None
        assert not s.connector._acquired
    assert (whole.body, arrived.body) == (b'{"a": 1}', b'{"a": 1}')


async def test_an_answer_come_whole_over_the_cap_is_refused_and_its_connection_let_go() -> None:
    """The cap holds on the path that takes a whole answer as it lies, chunked or not."""

    async def small(_: web.Request) -> web.Response:
        return web.Response(body=b"x" * 5000)

    async with serve({("GET", "/small"): small}) as srv, aiohttp.ClientSession() as s:
        transport = AiohttpTransport(s, max_response_bytes=4999)
        with pytest.raises(UnexpectedResponseError, match="max_response_bytes") as info:
            await transport.send(
                "GET", URL(f"{srv.url}/small"), None, aiohttp.ClientTimeout(total=5), CONTEXT
            )
        assert info.value.request == REQUEST
        assert s.connector is not None
        assert not s.connector._acquired
