"""download_snapshots(): streamed to disk, atomic, skipping, bounded, never sending the token."""

from __future__ import annotations

import gzip
import os
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from _loopback import serve
from aiohttp import web
from yarl import URL

import monuv_async._snapshots as snapshots_module
from monuv_async import (
    Event,
    MonuvClient,
    MonuvError,
    NotFoundError,
    RetryPolicy,
    TransportError,
)
from monuv_async._context import RequestContext
from monuv_async._redact import Redactor
from monuv_async._snapshots import download_once, request_line, snapshot_path
from monuv_async.errors import UnexpectedResponseError
from monuv_async.testing import Fault, MockRequest, MockResponse, MockTransport, MonuvSimulator

NOW = datetime(2026, 11, 20, 15, 30)
TOKEN = "snap/tok+en s3cret"


@pytest.fixture
async def sim() -> AsyncIterator[MonuvSimulator]:
    async with MonuvSimulator(
        TOKEN, seed=3, cameras=2, events_per_camera_per_day=15, days=2, now=NOW
    ) as simulator:
        yield simulator


async def first_events(monuv: MonuvClient, count: int = 12) -> list[Event]:
    page = await monuv.events_page()
    return list(page.events[:count])


async def test_downloads_every_image_whole(sim: MonuvSimulator, tmp_path: Path) -> None:
    """Each event's JPEG lands as <id>.jpg with the bytes the host served, and no .part file."""
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        events = await first_events(monuv)
        results = [r async for r in monuv.download_snapshots(events, tmp_path / "snaps")]
    assert sorted(r.event_id for r in results) == sorted(e.id for e in events)
    assert {r.status for r in results} == {"downloaded"}
    for result in results:
        data = result.path.read_bytes()
        assert result.path.name == f"{result.event_id}.jpg"
        assert data[:3] == b"\xff\xd8\xff"
        assert data[-2:] == b"\xff\xd9"
        assert len(data) == result.size
    assert list((tmp_path / "snaps").glob("*.part")) == []


async def test_second_run_skips_complete_files(sim: MonuvSimulator, tmp_path: Path) -> None:
    """Files already there are skipped without a request."""
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        events = await first_events(monuv)
        [_ async for _ in monuv.download_snapshots(events, tmp_path)]
        requests_after_first = sim.stats.requests["snapshot"]
        again = [r async for r in monuv.download_snapshots(events, tmp_path)]
    assert {r.status for r in again} == {"skipped"}
    assert sim.stats.requests["snapshot"] == requests_after_first == len(events)


async def test_failures_are_reported_per_item_and_leave_no_file(
    sim: MonuvSimulator, tmp_path: Path
) -> None:
    """A 404 fails its item (with the error), the others succeed, nothing partial remains."""
    sim.inject("snapshot", Fault.status(404, {"message": "gone"}))
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        events = await first_events(monuv, count=5)
        results = [r async for r in monuv.download_snapshots(events, tmp_path, concurrency=1)]
    failed = [r for r in results if r.status == "failed"]
    assert len(failed) == 1
    assert isinstance(failed[0].error, NotFoundError)
    assert not failed[0].path.exists()
    assert sum(r.status == "downloaded" for r in results) == 4
    assert list(tmp_path.glob("*.part")) == []


async def test_truncated_image_is_retried_then_whole(sim: MonuvSimulator, tmp_path: Path) -> None:
    """A body cut short is retried (a GET is safe to repeat) and the file ends up whole."""
    sim.inject("snapshot", Fault.truncate())
    policy = RetryPolicy(attempts=3, backoff=0.0)
    async with MonuvClient(sim.token, base_url=sim.url, retry=policy) as monuv:
        events = await first_events(monuv, count=1)
        (result,) = [r async for r in monuv.download_snapshots(events, tmp_path)]
    assert result.status == "downloaded"
    assert result.path.read_bytes()[-2:] == b"\xff\xd9"
    assert sim.stats.requests["snapshot"] == 2


async def test_truncated_image_without_retry_fails_cleanly(
    sim: MonuvSimulator, tmp_path: Path
) -> None:
    """Without retries a cut body fails the item and leaves neither file nor .part."""
    sim.inject("snapshot", Fault.truncate())
    async with MonuvClient(sim.token, base_url=sim.url, retry=None) as monuv:
        events = await first_events(monuv, count=1)
        (result,) = [r async for r in monuv.download_snapshots(events, tmp_path)]
    assert result.status == "failed"
    assert isinstance(result.error, TransportError)
    assert list(tmp_path.iterdir()) == []


async def test_token_never_reaches_the_image_host(sim: MonuvSimulator, tmp_path: Path) -> None:
    """The image requests carry no token, in any spelling."""
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        events = await first_events(monuv)
        [_ async for _ in monuv.download_snapshots(events, tmp_path)]
    assert sim.stats.snapshot_token_leaks == 0
    assert len(sim.stats.snapshot_queries) == len(events)
    assert not any("s3cret" in query for query in sim.stats.snapshot_queries)


async def test_downloads_are_bounded(sim: MonuvSimulator, tmp_path: Path) -> None:
    """No more than `concurrency` images are fetched at once."""
    sim.latency = 0.02
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        events = await first_events(monuv, count=20)
        sim.reset_stats()
        results = [r async for r in monuv.download_snapshots(events, tmp_path, concurrency=3)]
    assert len(results) == 20
    assert sim.stats.max_in_flight == 3


async def test_streams_from_a_backfill(sim: MonuvSimulator, tmp_path: Path) -> None:
    """An async source (a running backfill) is consumed as downloads finish."""
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        walk = monuv.backfill(start_at=date(2026, 11, 18), end_at=date(2026, 11, 20))
        results = [r async for r in monuv.download_snapshots(walk, tmp_path)]
    assert len(results) == len(sim.events)
    assert {r.status for r in results} == {"downloaded"}


async def test_event_without_usable_url_fails_its_item(sim: MonuvSimulator, tmp_path: Path) -> None:
    """An event whose event_url is missing fails alone, with UnexpectedResponseError."""
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        (good,) = await first_events(monuv, count=1)
        bad = Event(id=99, event_at=good.event_at, event_type=1, event_url=None)
        results = {r.event_id: r async for r in monuv.download_snapshots([good, bad], tmp_path)}
    assert results[good.id].status == "downloaded"
    assert results[99].status == "failed"
    assert isinstance(results[99].error, UnexpectedResponseError)


def test_snapshot_path_keeps_known_image_extensions(tmp_path: Path) -> None:
    """The file is named by event id, with the URL's image extension or .jpg."""
    at = datetime(2026, 1, 1)
    png = Event(1, at, 1, event_url="https://detection.monuv.com.br/a/b.PNG?sig=x")
    odd = Event(2, at, 1, event_url="https://detection.monuv.com.br/a/b.php")
    assert snapshot_path(png, tmp_path) == tmp_path / "1.png"
    assert snapshot_path(odd, tmp_path) == tmp_path / "2.jpg"


async def test_bad_concurrency_is_refused_before_any_request(
    sim: MonuvSimulator, tmp_path: Path
) -> None:
    """concurrency < 1 raises ValueError naming it."""
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        with pytest.raises(ValueError, match=r"^concurrency"):
            monuv.download_snapshots([], tmp_path, concurrency=0)
    assert sim.stats.requests["snapshot"] == 0


@pytest.mark.parametrize(
    "url", ["http://h:99999/x.jpg", "ftp://h/x.jpg", "", "http://[::1/x.jpg", "/just/a/path.jpg"]
)
async def test_unparseable_event_url_fails_its_item_only(
    sim: MonuvSimulator, tmp_path: Path, url: str
) -> None:
    """A URL yarl or aiohttp cannot use fails its own item; the others still download."""
    async with MonuvClient(sim.token, base_url=sim.url) as monuv:
        (good,) = await first_events(monuv, count=1)
        bad = Event(id=99, event_at=good.event_at, event_type=1, event_url=url)
        results = {r.event_id: r async for r in monuv.download_snapshots([bad, good], tmp_path)}
    assert results[good.id].status == "downloaded"
    assert results[99].status == "failed"
    assert isinstance(results[99].error, UnexpectedResponseError)


IMAGE_URL = URL("https://img.test/path/7.jpg?sig=abc")


async def try_once(response: MockResponse, path: Path) -> int:
    def handler(_: MockRequest) -> MockResponse:
        return response

    context = RequestContext(request_line(IMAGE_URL), Redactor(TOKEN))
    timeout = aiohttp.ClientTimeout(total=5)
    return await download_once(
        MockTransport(handler), IMAGE_URL, path, client_timeout=timeout, context=context
    )


async def test_one_try_writes_the_whole_image_and_no_part_file(tmp_path: Path) -> None:
    """A 2xx body lands at the path, its size returned, with no .part left behind."""
    path = tmp_path / "7.jpg"
    assert await try_once(MockResponse(content=b"\xff\xd8img"), path) == 5
    assert path.read_bytes() == b"\xff\xd8img"
    assert list(tmp_path.iterdir()) == [path]


async def test_one_try_cut_short_of_its_content_length_fails_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    """Fewer bytes than Content-Length promised: a sent TransportError, no file at all."""
    short = MockResponse(content=b"abc", headers={"Content-Length": "10"})
    with pytest.raises(TransportError, match="cut short: 3 of 10") as info:
        await try_once(short, tmp_path / "7.jpg")
    assert info.value.sent is True
    assert list(tmp_path.iterdir()) == []


async def test_one_try_answered_404_raises_it_with_host_and_path_only(tmp_path: Path) -> None:
    """The error names the image by host and path: a signed query string is never shown."""
    with pytest.raises(NotFoundError) as info:
        await try_once(MockResponse(404, content=b"gone"), tmp_path / "7.jpg")
    assert info.value.request == "GET img.test/path/7.jpg"
    assert "sig=abc" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


JPEG = b"\xff\xd8\xff" + bytes(range(256)) * 40 + b"\xff\xd9"
AT = datetime(2026, 11, 20, 15, 30)


def image_routes(body: bytes, **headers: str) -> dict[tuple[str, str], Any]:
    async def image(_: web.Request) -> web.Response:
        return web.Response(body=body, headers={"Content-Type": "image/jpeg", **headers})

    return {("GET", "/snap/{name}"): image}


def events_at(url: str, *ids: int) -> list[Event]:
    return [Event(i, AT, 1, event_url=f"{url}/snap/{i}.jpg") for i in ids]


async def test_a_gzip_encoded_image_is_saved_whole(tmp_path: Path) -> None:
    """An image sent with Content-Encoding: gzip is inflated and saved, not 'cut short'."""
    async with (
        serve(image_routes(gzip.compress(JPEG), **{"Content-Encoding": "gzip"})) as srv,
        MonuvClient(TOKEN, base_url=srv.url) as monuv,
    ):
        results = [r async for r in monuv.download_snapshots(events_at(srv.url, 7), tmp_path)]
    assert [r.status for r in results] == ["downloaded"], results
    assert (tmp_path / "7.jpg").read_bytes() == JPEG


async def test_a_symlink_planted_as_the_part_file_is_never_written_through(
    tmp_path: Path,
) -> None:
    """<id>.jpg.part pointing outside dest_dir: the target stays as it was, the image lands."""
    outside = tmp_path / "victim.txt"
    outside.write_text("precious")
    dest = tmp_path / "snaps"
    dest.mkdir()
    (dest / "7.jpg.part").symlink_to(outside)
    async with (
        serve(image_routes(JPEG)) as srv,
        MonuvClient(TOKEN, base_url=srv.url) as monuv,
    ):
        results = [r async for r in monuv.download_snapshots(events_at(srv.url, 7), dest)]
    assert outside.read_text() == "precious"
    assert [r.status for r in results] == ["downloaded"]
    assert (dest / "7.jpg").read_bytes() == JPEG
    assert not (dest / "7.jpg").is_symlink()


async def test_the_part_file_is_created_exclusively(tmp_path: Path) -> None:
    """A .part planted between the stale-file cleanup and the open is refused (O_EXCL)."""
    target = tmp_path / "victim.txt"
    target.write_text("precious")
    path = tmp_path / "7.jpg"

    class Planting:
        """A transport that plants a link where the .part file goes, then streams."""

        async def send(self, *_: Any) -> Any:
            raise NotImplementedError

        async def stream(self, *_: Any) -> Any:
            raise AssertionError("the partial file must not have been opened")

    real_open = os.open

    def planting_open(name: Any, flags: int, mode: int = 0o777) -> int:
        Path(name).symlink_to(target)
        return real_open(name, flags, mode)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(snapshots_module.os, "open", planting_open)
        with pytest.raises(OSError, match="exists"):
            await download_once(
                Planting(),  # type: ignore[arg-type]
                URL("http://img.test/7.jpg"),
                path,
                client_timeout=aiohttp.ClientTimeout(total=5),
                context=RequestContext("GET img.test/7.jpg", Redactor(TOKEN)),
            )
    assert target.read_text() == "precious"


async def test_a_hostile_id_fails_its_own_item_only(tmp_path: Path) -> None:
    """An event id of 300 digits (a file name too long) fails that item; the others download."""
    async with (
        serve(image_routes(JPEG)) as srv,
        MonuvClient(TOKEN, base_url=srv.url) as monuv,
    ):
        events = events_at(srv.url, 1, 10**300, 2)
        results = [r async for r in monuv.download_snapshots(events, tmp_path)]
    by_id = {r.event_id: r for r in results}
    assert by_id[1].status == by_id[2].status == "downloaded"
    assert by_id[10**300].status == "failed"
    assert isinstance(by_id[10**300].error, MonuvError)
    assert "cannot write" in str(by_id[10**300].error)


async def test_an_image_over_max_snapshot_bytes_fails_its_item(tmp_path: Path) -> None:
    """An image longer than max_snapshot_bytes fails with UnexpectedResponseError, no file left."""
    async with (
        serve(image_routes(JPEG)) as srv,
        MonuvClient(TOKEN, base_url=srv.url, max_snapshot_bytes=1000) as monuv,
    ):
        results = [r async for r in monuv.download_snapshots(events_at(srv.url, 7), tmp_path)]
    assert [r.status for r in results] == ["failed"]
    assert isinstance(results[0].error, UnexpectedResponseError)
    assert list(tmp_path.iterdir()) == []
