"""A typing check of the public API (run by ``nox -s types``, never executed).

It uses the surface the way a caller would, so that a change to a public
signature or return type that would break callers fails mypy --strict.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import assert_type
from zoneinfo import ZoneInfo

import aiohttp

from monuv_async import (
    Camera,
    CameraOptions,
    CameraUpdate,
    Checkpoint,
    Client,
    DocumentType,
    Event,
    EventPage,
    EventWatch,
    MonuvClient,
    MonuvError,
    NewCamera,
    NewClient,
    NewUser,
    OperationFailedError,
    RateLimitError,
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
