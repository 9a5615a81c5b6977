"""A typing check of the public API (run by ``nox -s types``, never executed).

It uses the surface the way a caller would, so that a change to a public
signature or return type that would break callers fails mypy --strict.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, assert_type
from zoneinfo import ZoneInfo

import aiohttp

from monuv_async import (
    USER_AGENT,
    Camera,
    CameraOptions,
    CameraUpdate,
    Checkpoint,
    Client,
    DocumentType,
    Event,
    EventPage,
    EventWatch,
    JSONValue,
    MonuvClient,
    MonuvError,
    NewCamera,
    NewClient,
    NewUser,
    OperationFailedError,
    RateLimitError,
    RawResponse,
    RequestHook,
    RequestInfo,
    ResponseHook,
    ResponseInfo,
    RetryPolicy,
    Split,
    User,
    UserType,
    ValidationError,
    WatchCheckpoint,
)
from monuv_async.testing import MockRequest, MockResponse, MockTransport


async def uses_everything(session: aiohttp.ClientSession) -> None:
    async with MonuvClient(
        "token",
        base_url="https://app.monuv.com.br",
        max_concurrency=8,
        timeout=aiohttp.ClientTimeout(total=10),
        retry=RetryPolicy(attempts=5, backoff=0.1, max_backoff=2.0),
        rate_limit=10.0,
        session=session,
        tz=ZoneInfo("America/Sao_Paulo"),
    ) as monuv:
        user = NewUser("Ana", "ana@example.com", "11999999999", "pw", user_type=UserType.ADMIN)
        new = NewClient(
            "Ana",
            DocumentType.CPF,
            "529.982.247-25",
            "1",
            "01310-100",
            "Rua",
            "1",
            "Centro",
            "São Paulo",
            "SP",
            address_comp=None,
            users=[user],
        )
        assert_type(await monuv.create_client(new), Client)
        assert_type(await monuv.create_client_user(1, user), User)
        assert_type(await monuv.block_client("529.982.247-25"), None)
        assert_type(await monuv.unblock_client("52998224725"), None)
        assert_type(await monuv.block_user(2), None)
        assert_type(await monuv.unblock_user(2), None)
        assert_type(await monuv.camera_options(), CameraOptions)
        assert_type(await monuv.create_camera(NewCamera(1, "Front door")), Camera)
        assert_type(await monuv.update_camera(1, CameraUpdate(1, description="x")), Camera)
        page = await monuv.events_page(camera=1, event_types=[1, 4], start_at=date(2026, 1, 1))
        assert_type(page, EventPage)
        async for each_page in monuv.iter_event_pages(end_at=datetime(2026, 1, 2), start_page=2):
            assert_type(each_page, EventPage)
        async for event in monuv.iter_events():
            assert_type(event, Event)
            assert_type(event.event_at, datetime)
        split: Split = "day"
        walk = monuv.backfill(start_at=date(2026, 1, 1), end_at=date(2026, 1, 7), split=split)
        async for backfilled in walk:
            assert_type(backfilled, Event)
            assert_type(walk.checkpoint, Checkpoint)
        saved = WatchCheckpoint.from_json("{}")
        async with monuv.watch_events(
            camera=1,
            event_types=[4],
            since=datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")),
            poll_interval=10.0,
            lookback=timedelta(minutes=15),
            resume_from=saved,
            clock=lambda: datetime.now(ZoneInfo("UTC")),
        ) as watch:
            assert_type(watch, EventWatch)
            async for live in watch:
                assert_type(live, Event)
                assert_type(watch.checkpoint, WatchCheckpoint)
                assert_type(watch.checkpoint.to_json(), str)
        await monuv.watch_events().aclose()
        async for result in monuv.download_snapshots([], Path("snaps"), concurrency=4):
            assert_type(result.event_id, int)
    in_memory = MockTransport(lambda request: MockResponse(200, json={"code": 0, "msg": ""}))
    async with MonuvClient("token", transport=in_memory) as mocked:
        await mocked.block_user(1)
        assert_type(in_memory.requests[0], MockRequest)
    try:
        pass
    except ValidationError as error:
        assert_type(error.errors["cep"], tuple[str, ...])
    except RateLimitError as error:
        assert_type(error.retry_after, float | None)
    except OperationFailedError as error:
        assert_type((error.code, error.msg), tuple[int, str])
    except MonuvError as error:
        assert_type(str(error), str)


# Appended (not merged into the imports above) to keep merges of this file simple.
from yarl import URL  # noqa: E402

from monuv_async import ServerError, redact_url  # noqa: E402


async def hardening() -> None:
    """The hardening surface: redact_url, byte caps, max_retry_after, a 503's retry_after."""
    assert_type(redact_url("https://app.monuv.com.br/api/v1/events?token=x"), str)
    assert_type(redact_url(URL("https://app.monuv.com.br/api/user/block/x/1")), str)
    policy = RetryPolicy(attempts=3, max_retry_after=60.0)
    assert_type(policy.max_retry_after, float)
    async with MonuvClient(
        "token", retry=policy, max_response_bytes=32 * 2**20, max_snapshot_bytes=8 * 2**20
    ):
        pass
    try:
        pass
    except ServerError as error:
        assert_type(error.retry_after, float | None)


def _count(info: ResponseInfo) -> None:
    assert_type(info.operation, str)
    assert_type(info.status, int | None)
    assert_type(info.elapsed, float)
    assert_type(info.attempt, int)
    assert_type(info.will_retry, bool)
    assert_type(info.error, str | None)


def _started(info: RequestInfo) -> None:
    assert_type(info.request, str)


async def uses_the_power_surface() -> None:
    on_request: RequestHook = _started
    on_response: ResponseHook = _count
    async with MonuvClient(
        "token",
        on_request=on_request,
        on_response=on_response,
        user_agent=f"acme/1.0 {USER_AGENT}",
    ) as monuv:
        answer = await monuv.request(
            "GET",
            "/api/v1/cameras/{id}/print",
            params={"page": 1, "p": "hls"},
            path_params={"id": 3},
        )
        assert_type(answer, RawResponse)
        assert_type(answer.status, int)
        assert_type(answer.content, bytes)
        assert_type(answer.headers["Content-Type"], str)
        body: JSONValue = {"a": [1, "x", None, {"b": 2.5}]}
        await monuv.request("POST", "/api/v2/things", json=body)
        view = monuv.with_options(timeout=120.0, retry=None, rate_limit=2.0)
        assert_type(view, MonuvClient)
        monuv.with_options(timeout=aiohttp.ClientTimeout(total=5))
        camera = await view.create_camera(NewCamera(1, "Portaria", extra={"ptz": True}))
        assert_type(camera.extra, Mapping[str, Any])
        CameraUpdate(1, extra={"x": [1, 2]})
        NewUser("A", "a@b.c", "1", "pw", extra={"locale": "pt-BR"})
    try:
        pass
    except MonuvError as error:
        assert_type(error.may_have_been_applied, bool)
