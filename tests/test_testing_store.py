"""The simulator's state: paging math, filters, drift knobs and the add_client helper."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import aiohttp
import pytest
from _simulator_helpers import (
    CNPJ,
    CNPJ_2,
    CPF,
    NOW,
    SP,
    all_events,
    api,
    call,
    event_time,
    events_page,
    new_client,
    path_url,
)

from monuv_async.testing import DEMO_TOKEN, MonuvSimulator
from monuv_async.testing.store import Store

pytest_plugins = ["_simulator_fixtures"]  # sim, http


async def test_last_page_math_and_pages_past_the_end() -> None:
    """last_page = ceil(total / per_page), at least 1; a page past it has no data."""
    async with (
        MonuvSimulator(now=NOW, cameras=1, events_per_camera_per_day=7, days=1, per_page=3) as sim,
        aiohttp.ClientSession() as http,
    ):
        page = await events_page(http, sim, page=3)
        assert (page["total"], page["last_page"], len(page["data"])) == (7, 3, 1)
        past = await events_page(http, sim, page=4)
        assert (past["current_page"], past["data"], past["total"]) == (4, [], 7)
        empty = await events_page(http, sim, camera=4242)
        assert (empty["total"], empty["last_page"], empty["data"]) == (0, 1, [])


async def test_walking_every_page_sees_each_event_once_newest_first(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """All pages together hold every event once, ordered by (event_at, id) descending."""
    events = await all_events(http, sim)
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids)) == 180
    keys = [(event_time(e), e["id"]) for e in events]
    assert keys == sorted(keys, reverse=True)
    assert ids == [e.id for e in sim.events]
    times = [event_time(e) for e in events]
    assert NOW - timedelta(days=3) < min(times)
    assert max(times) <= NOW


async def test_events_filter_by_camera_and_types(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """camera= and event_types=1,4 keep only matching events, with totals to match."""
    events = await all_events(http, sim, camera=1002, event_types="1,4")
    expected = [e.id for e in sim.events if e.camera_id == 1002 and e.event_type in {1, 4}]
    assert [e["id"] for e in events] == expected
    assert expected
    assert {e["camera_id"] for e in events} == {1002}
    assert {e["event_type"] for e in events} <= {1, 4}
    assert (await events_page(http, sim, event_types="1, 4"))["total"] == len(
        [e for e in sim.events if e.event_type in {1, 4}]
    )


async def test_events_date_filters_are_inclusive_local_days(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """start_at/end_at select whole local days, both ends included."""
    sim.append_events(1, camera_id=1001, at=datetime(2024, 5, 9, 0, 0, 0))
    sim.append_events(1, camera_id=1001, at=datetime(2024, 5, 9, 23, 59, 59))
    sim.append_events(1, camera_id=1001, at=datetime(2024, 5, 8, 23, 59, 59))
    events = await all_events(http, sim, start_at="2024-05-09", end_at="2024-05-09")
    expected = [e.id for e in sim.events if e.event_at(SP).date() == date(2024, 5, 9)]
    assert [e["id"] for e in events] == expected
    stamps = {e["event_at"] for e in events}
    assert {"09/05/2024 00:00:00", "09/05/2024 23:59:59"} <= stamps
    assert "08/05/2024 23:59:59" not in stamps
    since = await all_events(http, sim, start_at="2024-05-09")
    assert {event_time(e).date() for e in since} == {date(2024, 5, 9), date(2024, 5, 10)}
    until = await events_page(http, sim, end_at="2024-05-08")
    assert until["total"] == len(
        [e for e in sim.events if e.event_at(SP).date() <= date(2024, 5, 8)]
    )


async def test_appended_events_shift_page_one(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """New events go first, pushing the previous first page down by as many items."""
    before = await events_page(http, sim)
    new_ids = sim.append_events(5, camera_id=1003)
    assert new_ids == list(range(181, 186))
    after = await events_page(http, sim)
    assert [e["id"] for e in after["data"][:5]] == new_ids[::-1]
    assert [e["id"] for e in after["data"][5:]] == [e["id"] for e in before["data"][:25]]
    assert after["total"] == before["total"] + 5
    assert after["data"][0]["event_at"] == "10/05/2024 12:00:00"


async def test_expired_events_drop_the_oldest(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """expire_events removes the oldest ones: the last page shrinks, snapshots 404."""
    oldest = [e.id for e in sim.events[-3:]]
    assert sorted(sim.expire_events(3)) == sorted(oldest)
    last = await events_page(http, sim, page=6)
    assert last["total"] == 177
    assert len(last["data"]) == 27
    assert not set(oldest) & {e["id"] for e in last["data"]}
    async with http.get(f"{sim.url}/snapshots/{oldest[0]}.jpg") as resp:
        assert resp.status == 404


async def test_delete_events_and_the_page_hook(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """delete_events removes by id; on_events_request sees each page number before answering."""
    seen: list[int] = []

    async def hook(simulator: MonuvSimulator, page: int) -> None:
        seen.append(page)
        if page == 2:
            # Drift while walking: a new event arrives between pages 1 and 2.
            simulator.append_events(1)

    first = await events_page(http, sim)
    sim.delete_events([first["data"][0]["id"], 999_999])
    sim.on_events_request = hook
    page1 = await events_page(http, sim)
    assert page1["data"][0]["id"] == first["data"][1]["id"]
    page2 = await events_page(http, sim, page=2)
    # The arrival pushed page 1's last event onto page 2: seen twice.
    assert page2["data"][0]["id"] == page1["data"][-1]["id"]
    assert seen == [1, 2]
    sim.on_events_request = lambda simulator, page: seen.append(-page)
    await events_page(http, sim, page=3)
    assert seen == [1, 2, -3]


async def test_append_events_rejects_unknown_cameras(sim: MonuvSimulator) -> None:
    """append_events refuses a camera the simulator does not know."""
    with pytest.raises(ValueError, match="camera_id"):
        sim.append_events(1, camera_id=42)
    with pytest.raises(ValueError, match="n:"):
        sim.expire_events(-1)
    sim.add_event_types({9: "Linha Virtual"})
    (event_id,) = sim.append_events(1, event_type=9)
    assert sim.events[0].id == event_id
    assert sim.event_json(sim.events[0])["event_description"] == "Linha Virtual"


async def test_add_client_helper_feeds_the_block_routes(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """add_client stores a client directly (uncounted), usable by block routes."""
    client = sim.add_client(CPF, city="Campinas")
    assert (client["document_type"], client["city"]) == ("1", "Campinas")
    with pytest.raises(ValueError, match="already exists"):
        sim.add_client("52998224725")
    with pytest.raises(ValueError, match="CPF"):
        sim.add_client("123")
    assert sim.stats.created == {}
    block = path_url(sim, "api", "client", "block", DEMO_TOKEN, "529.982.247-25")
    assert (await call(http, "GET", block))[1] == {"code": 0, "msg": ""}
    assert sim.blocked_documents == {"52998224725"}
    status, _ = await call(http, "POST", api(sim, "/api/v1/clients"), new_client(CNPJ_2))
    assert status == 201


def test_store_blocks_by_document_digits_and_users_by_id() -> None:
    """block_client finds a client by the digits however formatted; unknown ones are False."""
    store = Store(
        seed=0,
        tz=SP,
        now=NOW,
        cameras=0,
        events_per_camera_per_day=0,
        days=0,
        camera_options={},
    )
    store.add_client(CNPJ, "Cliente", {}, "http://127.0.0.1")
    assert store.block_client("11222333000181", blocked=True)
    assert store.blocked_documents == {"11222333000181"}
    assert store.block_client(CNPJ, blocked=False)
    assert store.blocked_documents == set()
    assert not store.block_client(CPF, blocked=True)
    assert not store.block_client("11.222.333/0001-8x", blocked=True)
    assert not store.block_user(2, blocked=True)
    assert store.blocked_users == set()
