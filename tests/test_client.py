"""MonuvClient over real loopback HTTP: wire format, errors, retries, bounds, lifecycle."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sys
import threading
import warnings
from datetime import date
from typing import Any

import aiohttp
import pytest
from _async_helpers import wait_until
from _loopback import answer_with, json_answer, serve
from _samples import SAMPLES as FIXTURES
from aiohttp import web

import monuv_async._requester as requester_module
from monuv_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CameraUpdate,
    DocumentType,
    MonuvClient,
    MonuvError,
    NewCamera,
    NewClient,
    NewUser,
    NotFoundError,
    OperationFailedError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    UserType,
    ValidationError,
)
from monuv_async.testing import MockRequest, MockResponse, MockTransport

TOKEN = "tok/en+s3cret&x"  # reserved characters, to prove they are encoded
NO_RETRY_DELAY = RetryPolicy(attempts=3, backoff=0.0, max_backoff=0.0)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def new_client(**changes: Any) -> NewClient:
    fields: dict[str, Any] = {
        "name": "Client name",
        "document_type": DocumentType.CNPJ,
        "document_number": "11.222.333/0001-81",
        "phone": "(11) 99999-9999",
        "cep": "01310-100",
        "address": "Rua Teste",
        "address_number": "99",
        "address_nh": "Bairro",
        "city": "São Paulo",
        "state": "SP",
    }
    fields.update(changes)
    return NewClient(**fields)


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Back-off delays the client asked for, without waiting them out."""
    asked: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        asked.append(seconds)

    monkeypatch.setattr(requester_module, "_sleep", fake_sleep)
    return asked


# -- every operation's wire format ------------------------------------------


async def test_create_client_sends_documented_request_and_reads_fixture() -> None:
    """create_client POSTs the JSON body with the token in the query and reads the fixture."""
    routes = {("POST", "/api/v1/clients"): answer_with(fixture("create_client.json"), 201)}
    user = NewUser("My Name", "my@email.com.br", "11999999999", "pw", user_type=UserType.ADMIN)
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        created = await monuv.create_client(new_client(users=[user]))
    (seen,) = srv.seen
    assert seen.query == {"token": TOKEN}
    assert seen.body["document_type"] == 2
    assert seen.body["users"] == [
        {
            "name": "My Name",
            "email": "my@email.com.br",
            "phone": "11999999999",
            "password": "pw",
            "password_conf": "pw",
            "user_type": 2,
        }
    ]
    assert "address_comp" not in seen.body
    assert created.document_type is DocumentType.CNPJ
    assert created.users[0].api_token == "TOKEN"
    assert "TOKEN" not in repr(created)


async def test_create_client_user_posts_under_the_client() -> None:
    """create_client_user POSTs to /clients/{id}/users and returns the User."""
    routes = {
        ("POST", "/api/v1/clients/{cid}/users"): answer_with(
            fixture("create_client_user.json"), 201
        )
    }
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        user = await monuv.create_client_user(7, NewUser("user name", "u@e.com", "1", "pw"))
    assert srv.paths() == ["/api/v1/clients/7/users"]
    assert srv.seen[0].body["password_conf"] == "pw"
    assert user.id == 2
    assert user.user_type_id == 6


@pytest.mark.parametrize(
    ("method", "arg", "path"),
    [
        ("block_client", "11.222.333/0001-81", "/api/client/block/{t}/11222333000181"),
        ("unblock_client", "529.982.247-25", "/api/client/unblock/{t}/52998224725"),
        ("block_user", 12, "/api/user/block/{t}/12"),
        ("unblock_user", 12, "/api/user/unblock/{t}/12"),
    ],
)
async def test_block_operations_put_token_and_key_in_the_path(
    method: str, arg: Any, path: str
) -> None:
    """Block/unblock GET the documented path; the token is one encoded segment, no raw '/'."""
    routes = {("GET", "/api/{kind}/{action}/{token}/{key}"): answer_with(fixture("block.json"))}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        assert await getattr(monuv, method)(arg) is None
    (seen,) = srv.seen
    assert seen.path == path.format(t=TOKEN)
    assert seen.raw_path.count("/") == 5


async def test_block_answer_with_nonzero_code_raises_operation_failed() -> None:
    """A 200 answer whose code is not 0 raises OperationFailedError with code and msg."""
    routes = {("GET", "/api/client/block/{t}/{d}"): answer_with({"code": 2, "msg": "unknown"})}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        with pytest.raises(OperationFailedError) as info:
            await monuv.block_client("11222333000181")
    assert (info.value.code, info.value.msg, info.value.status) == (2, "unknown", 200)


async def test_camera_operations_round_trip() -> None:
    """camera_options, create_camera (list body) and update_camera (bare body) all read."""
    camera = fixture("camera.json")
    routes = {
        ("GET", "/api/v1/cameras/create"): answer_with(fixture("camera_options.json")),
        ("POST", "/api/v1/cameras"): answer_with(camera, 201),
        ("PUT", "/api/v1/cameras/{id}"): answer_with(camera[0]),
    }
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        options = await monuv.camera_options()
        created = await monuv.create_camera(
            NewCamera(1, "My camera", latitude=-23.5, connection_type=1, resolution_id=1)
        )
        updated = await monuv.update_camera(created.id, CameraUpdate(1, description="New"))
    assert options.manufacturer("hikvision").camera_models[1].name == "DVR"
    assert options.installation_area[2] == "Área externa"
    assert created == updated
    assert created.rtmp_url == "rtmp://rtmp.monuv.com.br/my.stream"
    assert srv.seen[1].body == {
        "client_id": 1,
        "description": "My camera",
        "latitude": "-23.5",
        "connection_type": 1,
        "resolution_id": 1,
    }
    assert (srv.seen[2].method, srv.seen[2].path) == ("PUT", "/api/v1/cameras/1")
    assert srv.seen[2].body == {"client_id": 1, "description": "New"}


async def test_bad_input_raises_before_any_request() -> None:
    """Invalid arguments raise ValueError/TypeError naming the field, and nothing is sent."""
    async with serve({}) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        with pytest.raises(ValueError, match=r"^document"):
            await monuv.block_client("11.222.333/0001-80")
        with pytest.raises(ValueError, match=r"^user_id"):
            await monuv.block_user(0)
        with pytest.raises(TypeError, match=r"^camera_id"):
            await monuv.update_camera("5", CameraUpdate(1))  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"^start_at"):
            await monuv.events_page(start_at=date(2023, 2, 1), end_at=date(2023, 1, 1))
        with pytest.raises(ValueError, match=r"^start_page"):
            monuv.iter_event_pages(start_page=0)
        with pytest.raises(ValueError, match=r"^pages_hint"):
            monuv.iter_event_pages(pages_hint=0)
        with pytest.raises(ValueError, match=r"^pages_hint"):
            monuv.iter_events(pages_hint=-3)
        with pytest.raises(TypeError, match=r"^pages_hint"):
            monuv.iter_events(pages_hint="8")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"^pages_hint"):
            monuv.iter_event_pages(pages_hint=True)
    assert srv.seen == []


# -- errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (422, ValidationError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (418, APIError),
    ],
)
async def test_status_maps_to_error_class(status: int, error: type[APIError]) -> None:
    """Each error status raises its contract class with status, message and body."""
    body = {"message": "The given data was invalid.", "errors": {"cep": ["CEP inválido"]}}
    routes = {("GET", "/api/v1/cameras/create"): answer_with(body, status)}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url, retry=None) as monuv:
        with pytest.raises(error) as info:
            await monuv.camera_options()
    assert type(info.value) is error
    assert info.value.status == status
    assert info.value.message == "The given data was invalid."
    assert "CEP inválido" in info.value.body
    if isinstance(info.value, ValidationError):
        assert info.value.errors == {"cep": ("CEP inválido",)}


async def test_html_error_page_and_non_json_success() -> None:
    """An HTML 502 is a ServerError; a 200 that is not JSON is UnexpectedResponseError."""
    html = "<html><body>Bad gateway for /api?token=" + TOKEN + "</body></html>"

    async def gateway(_: web.Request) -> web.Response:
        return web.Response(status=502, text=html, content_type="text/html")

    async def garbage(_: web.Request) -> web.Response:
        return web.Response(status=200, text="<html>maintenance</html>", content_type="text/html")

    routes = {("GET", "/api/v1/cameras/create"): gateway, ("POST", "/api/v1/cameras"): garbage}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url, retry=None) as monuv:
        with pytest.raises(ServerError) as server_error:
            await monuv.camera_options()
        with pytest.raises(UnexpectedResponseError, match="not JSON"):
            await monuv.create_camera(NewCamera(1, "x"))
    assert TOKEN not in server_error.value.body
    assert "***" in server_error.value.body


async def test_missing_required_field_is_unexpected_response() -> None:
    """A success body without a required field raises UnexpectedResponseError, not KeyError."""
    routes = {("POST", "/api/v1/cameras"): answer_with([{"description": "no id"}], 201)}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        with pytest.raises(UnexpectedResponseError, match="id") as info:
            await monuv.create_camera(NewCamera(1, "x"))
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


async def test_unknown_fields_ignored_and_missing_optional_is_none() -> None:
    """Extra fields are ignored; a missing optional field reads as None."""
    routes = {("POST", "/api/v1/cameras"): answer_with({"id": 9, "brand_new_field": [1]}, 201)}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        camera = await monuv.create_camera(NewCamera(1, "x"))
    assert camera.id == 9
    assert camera.rtmp_url is None


# -- retries -----------------------------------------------------------------


def flaky(failures: list[tuple[int, dict[str, str] | None]], success: Any) -> Any:
    """A handler answering each (status, headers) of ``failures`` once, then ``success``."""
    remaining = list(failures)

    async def handler(_: web.Request) -> web.Response:
        if remaining:
            status, headers = remaining.pop(0)
            return json_answer({"message": f"failure {status}"}, status, headers)
        return json_answer(success, 201)

    return handler


async def test_get_is_retried_on_5xx_until_success(delays: list[float]) -> None:
    """GET retries 500 and 503 and then succeeds, within the attempts budget."""
    routes = {
        ("GET", "/api/v1/cameras/create"): flaky(
            [(500, None), (503, None)], fixture("camera_options.json")
        )
    }
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        await monuv.camera_options()
    assert len(srv.seen) == 3
    assert len(delays) == 2
    assert monuv.stats.retries == 2


async def test_get_gives_up_after_attempts(delays: list[float]) -> None:
    """After `attempts` tries the last error is raised."""
    routes = {("GET", "/api/v1/cameras/create"): answer_with({"message": "down"}, 502)}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        with pytest.raises(ServerError):
            await monuv.camera_options()
    assert len(srv.seen) == 3
    assert len(delays) == 2


async def test_post_is_sent_once_after_a_5xx(delays: list[float]) -> None:
    """A create that got a 500 may have happened: it is never sent again."""
    routes = {
        ("POST", "/api/v1/cameras"): flaky([(500, None)], fixture("camera.json")),
    }
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        with pytest.raises(ServerError):
            await monuv.create_camera(NewCamera(1, "x"))
    assert len(srv.seen) == 1
    assert delays == []


async def test_post_is_retried_on_429_honouring_retry_after(delays: list[float]) -> None:
    """A 429 means the create was refused: it is retried after Retry-After seconds."""
    routes = {
        ("POST", "/api/v1/cameras"): flaky([(429, {"Retry-After": "3"})], fixture("camera.json")),
    }
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        camera = await monuv.create_camera(NewCamera(1, "x"))
    assert camera.id == 1
    assert len(srv.seen) == 2
    assert delays == [3.0]


async def test_retry_after_beyond_max_backoff_is_waited_in_full(delays: list[float]) -> None:
    """A Retry-After of 30 s with max_backoff=2 waits the 30 s the server asked for."""
    routes = {
        ("PUT", "/api/v1/cameras/{id}"): flaky(
            [(429, {"Retry-After": "30"})], fixture("camera.json")
        ),
    }
    policy = RetryPolicy(max_backoff=2.0)
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url, retry=policy) as monuv:
        await monuv.update_camera(1, CameraUpdate(1))
    assert delays == [30.0]


async def test_retry_after_beyond_max_retry_after_raises_at_once(delays: list[float]) -> None:
    """A Retry-After of 600 s (cap 60 s) is not retried early: the error carries the wait."""
    routes = {
        ("PUT", "/api/v1/cameras/{id}"): flaky(
            [(429, {"Retry-After": "600"})], fixture("camera.json")
        ),
    }
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        with pytest.raises(RateLimitError) as info:
            await monuv.update_camera(1, CameraUpdate(1))
    assert info.value.retry_after == 600.0
    assert len(srv.seen) == 1
    assert delays == []


async def test_a_503_retry_after_is_waited(delays: list[float]) -> None:
    """A 503 asking for 0.5 s is retried after 0.5 s, not after the jittered backoff."""
    routes = {
        ("GET", "/api/v1/cameras/create"): flaky(
            [(503, {"Retry-After": "0.5"})], fixture("camera_options.json")
        ),
    }
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        await monuv.camera_options()
    assert delays == [0.5]


async def test_post_after_connection_reset_is_not_retried(delays: list[float]) -> None:
    """A POST whose connection dropped after sending is not retried (it may have landed)."""

    async def reset(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(0.05)
        return json_answer({})

    routes = {("POST", "/api/v1/cameras"): reset, ("PUT", "/api/v1/cameras/{id}"): reset}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url) as monuv:
        with pytest.raises(TransportError) as info:
            await monuv.create_camera(NewCamera(1, "x"))
        assert info.value.sent is True
        assert len(srv.seen) == 1
        with pytest.raises(TransportError):
            await monuv.update_camera(1, CameraUpdate(1))
    # The PUT was retried (aiohttp may add one quiet retry per try on a reused
    # keep-alive connection, RFC 9112 9.3.1, so only a lower bound is exact).
    assert len(srv.seen) >= 1 + 3


async def test_post_is_retried_when_connection_refused(
    delays: list[float], unused_tcp_port: int
) -> None:
    """Connection refused proves the POST never left, so it is retried (and fails cleanly)."""
    monuv = MonuvClient(TOKEN, base_url=f"http://127.0.0.1:{unused_tcp_port}")
    async with monuv:
        with pytest.raises(TransportError) as info:
            await monuv.create_camera(NewCamera(1, "x"))
    assert info.value.sent is False
    assert monuv.stats.requests == 3
    assert len(delays) == 2


async def test_timeout_raises_request_timeout_and_get_retries() -> None:
    """A stalled answer raises RequestTimeoutError after every GET try timed out."""

    async def stall(_: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return json_answer({})

    routes = {("GET", "/api/v1/cameras/create"): stall}
    policy = RetryPolicy(attempts=2, backoff=0.0)
    async with (
        serve(routes) as srv,
        MonuvClient(TOKEN, base_url=srv.url, timeout=0.2, retry=policy) as monuv,
    ):
        with pytest.raises(RequestTimeoutError):
            await monuv.camera_options()
    assert len(srv.seen) == 2


# -- bounds ------------------------------------------------------------------


async def test_semaphore_bounds_requests_in_flight() -> None:
    """However many calls are made at once, the server never sees more than max_concurrency."""

    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(0.03)
        return json_answer(fixture("block.json"))

    routes = {("GET", "/api/user/block/{t}/{id}"): slow}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url, max_concurrency=4) as m:
        await asyncio.gather(*(m.block_user(i) for i in range(1, 25)))
    assert len(srv.seen) == 24
    assert srv.max_in_flight == 4
    assert m.stats.max_in_flight == 4


async def test_rate_limit_spaces_request_starts() -> None:
    """With rate_limit=20, no one-second window sees more than 20 request starts."""
    arrivals: list[float] = []
    loop = asyncio.get_running_loop()

    async def stamp(_: web.Request) -> web.Response:
        arrivals.append(loop.time())
        return json_answer(fixture("block.json"))

    routes = {("GET", "/api/user/block/{t}/{id}"): stamp}
    async with serve(routes) as srv, MonuvClient(TOKEN, base_url=srv.url, rate_limit=20) as m:
        await asyncio.gather(*(m.block_user(i) for i in range(1, 26)))
    assert len(arrivals) == 25
    arrivals.sort()
    # Arrival jitter can only bunch requests that were spaced at the source by
    # a few ms; allow one extra start for that.
    for i, start in enumerate(arrivals):
        in_window = [t for t in arrivals[i:] if t < start + 1.0]
        assert len(in_window) <= 21


# -- lifecycle ---------------------------------------------------------------


async def test_caller_session_is_used_and_never_closed() -> None:
    """A caller's session carries the requests and stays open after aclose()."""
    routes = {("GET", "/api/user/block/{t}/{id}"): answer_with(fixture("block.json"))}
    async with serve(routes) as srv, aiohttp.ClientSession() as session:
        async with MonuvClient(TOKEN, base_url=srv.url, session=session) as monuv:
            await monuv.block_user(1)
        await monuv.aclose()
        assert not session.closed
        async with session.get(srv.url + "/api/user/block/x/1") as response:
            assert response.status == 200


async def test_owned_session_closed_idempotently_without_warnings() -> None:
    """aclose() closes the client's own session, twice is fine, and nothing warns."""
    routes = {("GET", "/api/user/block/{t}/{id}"): answer_with(fixture("block.json"))}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with serve(routes) as srv:
            monuv = MonuvClient(TOKEN, base_url=srv.url)
            await monuv.block_user(1)
            assert monuv._own_transport is not None
            session = monuv._own_transport.session
            await monuv.aclose()
            await monuv.aclose()
            assert session is not None
            assert session.closed
            with pytest.raises(RuntimeError, match="closed"):
                await monuv.block_user(1)
        del monuv, session
        gc.collect()
    assert [str(w.message) for w in caught] == []


def test_constructor_rejects_bad_settings() -> None:
    """Bad settings raise ValueError/TypeError naming the setting, without a loop or session."""
    with pytest.raises(ValueError, match=r"^token"):
        MonuvClient("")
    with pytest.raises(ValueError, match=r"^max_concurrency"):
        MonuvClient("t", max_concurrency=0)
    with pytest.raises(ValueError, match=r"^timeout"):
        MonuvClient("t", timeout=0)
    with pytest.raises(ValueError, match=r"^rate_limit"):
        MonuvClient("t", rate_limit=0)
    with pytest.raises(ValueError, match=r"^rate_limit: too small"):
        MonuvClient("t", rate_limit=5e-324)  # 1/rate overflows: every wait would be forever
    with pytest.raises(ValueError, match=r"^timeout"):
        MonuvClient("t", timeout=10**400)
    with pytest.raises(ValueError, match=r"^base_url"):
        MonuvClient("t", base_url="ftp://x")
    with pytest.raises(TypeError, match=r"^tz"):
        MonuvClient("t", tz="America/Sao_Paulo")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^transport"):
        MonuvClient("t", transport=object())  # type: ignore[arg-type]


async def test_a_session_and_a_transport_together_are_refused() -> None:
    """Both name how to send: giving the two is a ValueError, not one silently ignored."""
    async with aiohttp.ClientSession() as session:
        transport = MockTransport(lambda _: MockResponse())
        with pytest.raises(ValueError, match=r"^transport"):
            MonuvClient("t", session=session, transport=transport)


async def test_a_callers_transport_is_used_and_left_to_its_owner() -> None:
    """Requests go through the transport given, and closing the client does not touch it."""
    transport = MockTransport(lambda _: MockResponse(json={"code": 0, "msg": ""}))
    monuv = MonuvClient(TOKEN, transport=transport)
    await monuv.block_user(1)
    await monuv.aclose()
    assert [r.path for r in transport.requests] == ["/api/user/block/***/1"]
    assert monuv._own_transport is None


# -- the token never leaks ---------------------------------------------------


def texts_of(error: BaseException) -> list[str]:
    """Every text an exception carries, down its cause/context chain."""
    found: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found += [str(current), repr(current), *map(str, current.args)]
        found += [str(v) for v in vars(current).values()]
        current = current.__cause__ or current.__context__
    return found


async def test_token_appears_in_no_log_record_or_exception(
    caplog: pytest.LogCaptureFixture, unused_tcp_port: int
) -> None:
    """Success and every failure kind, logged at DEBUG: the token shows up nowhere."""
    echo_html = f"<html>GET /api/v1/cameras/create?token={TOKEN} failed</html>"

    async def echo(_: web.Request) -> web.Response:
        return web.Response(status=500, text=echo_html, content_type="text/html")

    async def stall(_: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return json_answer({})

    routes = {
        ("GET", "/api/v1/cameras/create"): echo,
        ("GET", "/api/user/block/{t}/{id}"): answer_with(fixture("block.json")),
        ("GET", "/api/user/unblock/{t}/{id}"): answer_with({"code": 5, "msg": TOKEN}),
        ("POST", "/api/v1/cameras"): answer_with("not an object"),
        ("PUT", "/api/v1/cameras/{id}"): stall,
        ("POST", "/api/v1/clients"): answer_with(fixture("create_client.json"), 201),
    }
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    async with serve(routes) as srv:
        async with MonuvClient(TOKEN, base_url=srv.url, timeout=0.2, retry=NO_RETRY_DELAY) as m:
            await m.block_user(1)
            created = await m.create_client(new_client())
            calls = [
                m.camera_options(),
                m.unblock_user(1),
                m.create_camera(NewCamera(1, "x")),
                m.update_camera(1, CameraUpdate(1)),
            ]
            for call in calls:
                try:
                    await call
                except MonuvError as exc:
                    errors.append(exc)
        async with MonuvClient(TOKEN, base_url=f"http://127.0.0.1:{unused_tcp_port}") as m:
            try:
                await m.camera_options()
            except MonuvError as exc:
                errors.append(exc)
    assert len(errors) == 5
    texts = [record.getMessage() for record in caplog.records]
    texts += [text for error in errors for text in texts_of(error)]
    texts += [repr(m), repr(created)]
    leaked = [t for t in texts if TOKEN in t or "s3cret" in t or "TOKEN" in t]
    assert leaked == []
    assert any("token=***" in record.getMessage() for record in caplog.records)


async def test_rate_limit_holds_when_the_semaphore_is_the_bottleneck() -> None:
    """Requests queued for the semaphore do not start in a burst when places free up."""
    arrivals: list[float] = []
    loop = asyncio.get_running_loop()

    async def first_two_slow(_: web.Request) -> web.Response:
        arrivals.append(loop.time())
        if len(arrivals) <= 2:
            await asyncio.sleep(0.3)  # everything else queues for the semaphore meanwhile
        return json_answer(fixture("block.json"))

    routes = {("GET", "/api/user/block/{t}/{id}"): first_two_slow}
    async with (
        serve(routes) as srv,
        MonuvClient(TOKEN, base_url=srv.url, max_concurrency=2, rate_limit=40) as m,
    ):
        await asyncio.gather(*(m.block_user(i) for i in range(1, 61)))
    arrivals.sort()
    for i, start in enumerate(arrivals):
        assert len([t for t in arrivals[i:] if t < start + 1.0]) <= 41


async def test_max_response_bytes_bounds_every_answer() -> None:
    """A client with max_response_bytes=1024 refuses a 2 KB answer: UnexpectedResponseError."""
    routes = {("GET", "/api/v1/cameras/create"): answer_with({"pad": "x" * 2048})}
    async with (
        serve(routes) as srv,
        MonuvClient(TOKEN, base_url=srv.url, max_response_bytes=1024) as monuv,
    ):
        with pytest.raises(UnexpectedResponseError, match="max_response_bytes"):
            await monuv.camera_options()
    assert len(srv.seen) == 1  # not retried: the same answer would come back


async def test_max_response_bytes_also_bounds_a_custom_transport() -> None:
    """A transport that reads whole answers (MockTransport) is held to the cap by the client."""
    transport = MockTransport(lambda _: MockResponse(200, {"pad": "x" * 2048}))
    async with MonuvClient(TOKEN, transport=transport, max_response_bytes=1024) as monuv:
        with pytest.raises(UnexpectedResponseError, match="max_response_bytes"):
            await monuv.camera_options()


@pytest.mark.parametrize("field", ["max_response_bytes", "max_snapshot_bytes"])
def test_byte_caps_are_checked(field: str) -> None:
    """A zero or non-int cap is refused at construction, naming the field."""
    with pytest.raises(ValueError, match=f"^{field}"):
        MonuvClient(TOKEN, **{field: 0})
    with pytest.raises(TypeError, match=f"^{field}"):
        MonuvClient(TOKEN, **{field: 1.5})


def test_a_client_used_from_a_second_event_loop_says_so() -> None:
    """Two asyncio.run() calls on one client: a RuntimeError saying what to do, not a bare one."""
    transport = MockTransport(lambda _: MockResponse(200, fixture("camera_options.json")))
    monuv = MonuvClient(TOKEN, transport=transport)
    asyncio.run(monuv.camera_options())
    with pytest.raises(RuntimeError, match="another event loop") as info:
        asyncio.run(monuv.camera_options())
    assert "create one MonuvClient" in str(info.value)


def test_a_client_used_from_another_threads_loop_says_so_and_calls_check_the_loop_cheaply(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """First used in a loop running in another thread: refused here too. And in its own
    loop, a call asks asyncio for the running loop (a getpid() system call) only once."""
    sent: list[str] = []

    def handler(request: MockRequest) -> MockResponse:
        sent.append(request.method)
        return MockResponse(200, {"code": 0, "msg": ""})

    monuv = MonuvClient(TOKEN, transport=MockTransport(handler))
    asked: list[str] = []
    get_running_loop = asyncio.get_running_loop

    def counted() -> asyncio.AbstractEventLoop:
        asked.append(sys._getframe(1).f_code.co_filename)
        return get_running_loop()

    async def three() -> None:
        for user_id in (1, 2, 3):
            await monuv.block_user(user_id)

    with monkeypatch.context() as patch:
        patch.setattr(asyncio, "get_running_loop", counted)
        worker = threading.Thread(target=asyncio.run, args=(three(),))
        worker.start()
        worker.join()
    assert [name for name in asked if name.endswith("_requester.py")] == [requester_module.__file__]
    assert len(sent) == 3
    with pytest.raises(RuntimeError, match="another event loop"):
        asyncio.run(three())
    assert len(sent) == 3


# -- with_options: a view of the same client --------------------------------


async def test_with_options_view_shares_the_semaphore() -> None:
    """Client and view busy together: the server never sees more than max_concurrency."""
    release = asyncio.Event()

    async def held(_: web.Request) -> web.Response:
        await release.wait()
        return json_answer({"code": 0, "msg": ""})

    async with (
        serve({("GET", "/api/user/block/{t}/{id}"): held}) as server,
        MonuvClient(TOKEN, base_url=server.url, max_concurrency=3) as monuv,
    ):
        view = monuv.with_options(timeout=60.0, retry=None)
        calls = [monuv.block_user(i) for i in range(1, 6)] + [
            view.block_user(i) for i in range(6, 11)
        ]
        tasks = [asyncio.ensure_future(c) for c in calls]
        assert await wait_until(lambda: server.in_flight == 3)
        await asyncio.sleep(0.05)  # room for a fourth to slip in, were it allowed
        assert server.in_flight == 3
        release.set()
        await asyncio.gather(*tasks)
        assert view.stats is monuv.stats
    assert server.max_in_flight == 3
    assert len(server.seen) == 10
    assert monuv.stats.max_in_flight == 3


async def test_with_options_retry_none_tries_once_and_timeout_applies() -> None:
    """The view's retry=None sends a GET once; the client itself still retries it."""

    async def failing(_: web.Request) -> web.Response:
        return json_answer({"message": "down"}, 503)

    async with (
        serve({("GET", "/api/v1/cameras/create"): failing}) as server,
        MonuvClient(TOKEN, base_url=server.url, retry=NO_RETRY_DELAY) as monuv,
    ):
        with pytest.raises(ServerError):
            await monuv.with_options(retry=None).camera_options()
        assert len(server.seen) == 1
        with pytest.raises(ServerError):
            await monuv.camera_options()
        assert len(server.seen) == 1 + NO_RETRY_DELAY.attempts


async def test_with_options_timeout_replaces_the_clients() -> None:
    """A view's short timeout ends a slow try the client's long one waits out."""

    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(0.3)
        return json_answer(fixture("camera_options.json"))

    async with (
        serve({("GET", "/api/v1/cameras/create"): slow}) as server,
        MonuvClient(TOKEN, base_url=server.url, timeout=30.0, retry=None) as monuv,
    ):
        with pytest.raises(RequestTimeoutError):
            await monuv.with_options(timeout=0.05).camera_options()
        await monuv.camera_options()


async def test_closing_a_view_is_a_no_op_and_closing_the_client_closes_views() -> None:
    """async with / aclose on a view leave the client open; the client's aclose ends both."""
    monuv = MonuvClient(TOKEN, transport=MockTransport(lambda r: MockResponse(200, json={})))
    async with monuv.with_options(retry=None) as view:
        pass
    await view.aclose()
    await monuv.request("GET", "/api/v4/cameras")  # still open
    await view.request("GET", "/api/v4/cameras")
    await monuv.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await view.request("GET", "/api/v4/cameras")


async def test_with_options_rate_limit_spaces_the_views_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A view's rate_limit waits its own limiter; the client's calls do not."""
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    monkeypatch.setattr("monuv_async._ratelimit.asyncio.sleep", record)
    transport = MockTransport(lambda r: MockResponse(200, json={}))
    async with MonuvClient(TOKEN, transport=transport) as monuv:
        for _ in range(3):
            await monuv.request("GET", "/a")
        assert waits == []
        view = monuv.with_options(rate_limit=2.0)
        for _ in range(3):
            await view.request("GET", "/a")
    assert len(waits) == 2
    assert 0 < waits[0] < waits[1] <= 1.0  # slots 1/2 s apart, sleeps not really waited


def test_with_options_checks_its_arguments() -> None:
    """Bad options are refused when the view is made, naming the option."""
    monuv = MonuvClient(TOKEN)
    with pytest.raises(ValueError, match="timeout"):
        monuv.with_options(timeout=-1)
    with pytest.raises(TypeError, match="retry"):
        monuv.with_options(retry=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rate_limit"):
        monuv.with_options(rate_limit=0)


def test_user_agent_must_be_one_line() -> None:
    """A user_agent with a line break could inject a header: refused."""
    with pytest.raises(ValueError, match="user_agent"):
        MonuvClient(TOKEN, user_agent="me\r\nX-Evil: 1")
