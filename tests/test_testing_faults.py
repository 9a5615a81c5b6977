"""Fault injection: each Fault kind seen by a real client over loopback, and the queues."""

from __future__ import annotations

import time
from typing import get_args

import aiohttp
import pytest
from _async_helpers import wait_until
from _simulator_helpers import (
    api,
    call,
    create_client,
    new_client,
)

from monuv_async.testing import Fault, MonuvSimulator
from monuv_async.testing.faults import FaultKind, FaultQueue

pytest_plugins = ["_simulator_fixtures"]  # sim, http


async def test_status_faults_are_consumed_in_order(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Two 500s then success: the failed requests create nothing, the third does."""
    client = await create_client(http, sim)
    sim.inject("create_camera", Fault.status(500), Fault.status(503, {"error": "down"}))
    body = {"client_id": client["id"], "description": "Hall"}
    assert await call(http, "POST", api(sim, "/api/v1/cameras"), body) == (
        500,
        {"message": "Internal Server Error"},
    )
    assert await call(http, "POST", api(sim, "/api/v1/cameras"), body) == (503, {"error": "down"})
    assert sim.stats.created["cameras"] == 0
    status, _ = await call(http, "POST", api(sim, "/api/v1/cameras"), body)
    assert status == 201
    assert sim.stats.created["cameras"] == 1
    assert sim.stats.requests["create_camera"] == 3
    assert sim.pending_faults() == 0


async def test_html_status_fault_and_after_processing(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """An HTML error page arrives as text/html; after_processing=True still performs the work."""
    sim.inject("create_client", Fault.html(502), Fault.status(500, after_processing=True))
    async with http.post(api(sim, "/api/v1/clients"), json=new_client()) as resp:
        assert resp.status == 502
        assert resp.content_type == "text/html"
        assert "<h1>502 Bad Gateway</h1>" in await resp.text()
    assert sim.clients == {}
    async with http.post(api(sim, "/api/v1/clients"), json=new_client()) as resp:
        assert resp.status == 500
    assert len(sim.clients) == 1
    custom = Fault.status(418, b"teapot", headers={"X-Why": "test"}, content_type="text/plain")
    sim.inject("camera_options", custom)
    async with http.get(api(sim, "/api/v1/cameras/create")) as resp:
        assert (resp.status, resp.content_type, resp.headers["X-Why"]) == (
            418,
            "text/plain",
            "test",
        )
        assert await resp.read() == b"teapot"


async def test_retry_after_fault(sim: MonuvSimulator, http: aiohttp.ClientSession) -> None:
    """Fault.retry_after answers 429 (or the given code) with a Retry-After in whole seconds."""
    sim.inject("events", Fault.retry_after(2), Fault.retry_after(0.2, code=503))
    async with http.get(api(sim, "/api/v1/events")) as resp:
        assert (resp.status, resp.headers["Retry-After"]) == (429, "2")
        assert (await resp.json())["message"]
    async with http.get(api(sim, "/api/v1/events")) as resp:
        assert (resp.status, resp.headers["Retry-After"]) == (503, "1")


async def test_wildcard_faults_hit_any_route_after_route_faults(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """A route's own queue is used before the "*" queue, which any route consumes."""
    sim.inject("*", Fault.status(500))
    sim.inject("events", Fault.status(502))
    assert (await call(http, "GET", api(sim, "/api/v1/events")))[0] == 502
    assert (await call(http, "GET", api(sim, "/api/v1/events")))[0] == 500
    assert (await call(http, "GET", api(sim, "/api/v1/events")))[0] == 200
    sim.inject("*", Fault.status(500))
    sim.clear_faults()
    assert (await call(http, "GET", api(sim, "/api/v1/cameras/create")))[0] == 200


async def test_delay_fault_then_normal_answer(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Fault.delay answers normally, late."""
    sim.inject("camera_options", Fault.delay(0.2))
    started = time.perf_counter()
    status, _ = await call(http, "GET", api(sim, "/api/v1/cameras/create"))
    assert status == 200
    assert time.perf_counter() - started >= 0.2


async def test_reset_fault_drops_the_connection_without_doing_anything(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Fault.reset: the client sees a reset/disconnect and nothing was created."""
    sim.inject("create_client", Fault.reset(), Fault.reset(rst=False))
    for _ in range(2):
        with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
            await call(http, "POST", api(sim, "/api/v1/clients"), new_client())
    assert sim.clients == {}
    assert sim.stats.requests["create_client"] == 2
    await create_client(http, sim)


async def test_aiohttp_resends_a_reset_get_once_by_itself(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """As documented on Fault.reset: one reset on a GET is absorbed by aiohttp, two are not."""
    sim.inject("camera_options", Fault.reset())
    assert (await call(http, "GET", api(sim, "/api/v1/cameras/create")))[0] == 200
    assert sim.stats.requests["camera_options"] == 2
    sim.inject("camera_options", Fault.reset(), Fault.reset())
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await call(http, "GET", api(sim, "/api/v1/cameras/create"))
    assert sim.stats.requests["camera_options"] == 4


async def test_lost_answer_fault_creates_the_object(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Fault.reset_after_processing: the camera exists although the client got an error."""
    client = await create_client(http, sim)
    sim.inject("create_camera", Fault.reset_after_processing())
    body = {"client_id": client["id"], "description": "Hall"}
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await call(http, "POST", api(sim, "/api/v1/cameras"), body)
    assert sim.stats.created["cameras"] == 1
    assert [c["description"] for c in sim.cameras.values() if c["client_id"]] == ["Hall"]


async def test_truncate_fault_fails_reading_the_body(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Fault.truncate: headers and half a body arrive, reading it fails, the work was done."""
    sim.inject("create_client", Fault.truncate())
    async with http.post(api(sim, "/api/v1/clients"), json=new_client()) as resp:
        assert resp.status == 201
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
    assert len(sim.clients) == 1


async def test_stall_fault_outlasts_a_client_timeout(
    sim: MonuvSimulator, http: aiohttp.ClientSession
) -> None:
    """Fault.stall: the client times out; the server stops waiting once the client hangs up."""
    sim.inject("events", Fault.stall(30))
    with pytest.raises(TimeoutError):
        async with http.get(api(sim, "/api/v1/events"), timeout=aiohttp.ClientTimeout(total=0.2)):
            pass
    assert await wait_until(lambda: sim.stats.in_flight == 0)


def test_fault_constructors_validate() -> None:
    """Impossible faults are refused when built, and unknown routes when injected."""
    with pytest.raises(ValueError, match="code"):
        Fault.status(42)
    with pytest.raises(ValueError, match="seconds"):
        Fault.delay(-1)
    with pytest.raises(ValueError, match="kind"):
        Fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="route"):
        MonuvSimulator(cameras=0).inject("nope", Fault.status(500))
    assert Fault.reset() == Fault.reset()


def test_every_fault_kind_of_the_literal_is_accepted() -> None:
    """Fault accepts each kind FaultKind names (the check is derived from the Literal)."""
    kinds = get_args(FaultKind)
    assert "truncate" in kinds
    assert [Fault(kind).kind for kind in kinds] == list(kinds)


def test_fault_queue_serves_a_routes_own_faults_before_the_wildcard() -> None:
    """take() pops the route's queue, then "*"; pending() counts per route and in total."""
    queue = FaultQueue(["events", "snapshot"])
    first, second, anywhere = Fault.status(500), Fault.status(502), Fault.reset()
    queue.inject("*", [anywhere])
    queue.inject("events", [first, second])
    assert (queue.pending(), queue.pending("events"), queue.pending("snapshot")) == (3, 2, 0)
    assert [queue.take("events") for _ in range(4)] == [first, second, anywhere, None]
    with pytest.raises(ValueError, match="route: unknown route 'nope'; expected one of events"):
        queue.inject("nope", [first])
