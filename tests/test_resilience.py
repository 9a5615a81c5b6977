"""Fault injection over loopback: backfills, bulk creates and single calls under every fault.

Each fault is the simulator's own (:class:`~monuv_async.testing.Fault`): a real
status code, a real HTML page, a real reset connection, a really truncated
body, a real stall past the client's timeout, or the simulator's per-token
rate limit. The assertions read what the simulator saw and holds (its request
and creation counters, its cameras), and the ids the library yielded.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from _async_helpers import settled, wait_until
from _resilience_helpers import (
    ALL_KINDS,
    CNPJ,
    CPF,
    END,
    START,
    TIMEOUT,
    FaultKind,
    expected_ids,
    is_contract_error,
    kind_ids,
    read_results,
    setup_client_and_user,
    small_sim,
    spy_sleep,
    threaded_sim,
    write_cameras_csv,
)

import monuv_async._requester as requester_module
from monuv_async import (
    Camera,
    CameraUpdate,
    MonuvClient,
    MonuvError,
    NewCamera,
    NewClient,
    NewUser,
    RateLimitError,
    RetryPolicy,
    TransportError,
)
from monuv_async.cli import run
from monuv_async.testing import Fault, MonuvSimulator

TOKEN = "resilience/tok+en&=x y"


def policy(attempts: int) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, backoff=0.0, max_backoff=0.0)


def client_for(sim: MonuvSimulator, attempts: int, **kwargs: Any) -> MonuvClient:
    kwargs.setdefault("max_concurrency", 4)
    kwargs.setdefault("timeout", TIMEOUT)
    return MonuvClient(sim.token, base_url=sim.url, retry=policy(attempts), **kwargs)


def burst_of(kind: FaultKind) -> int:
    # Stalls cost a client timeout each: keep their bursts short.
    return 2 if kind.name == "stall" else 3


# -- backfill under every fault ---------------------------------------------------------


@pytest.mark.parametrize("ordered", [True, False], ids=["ordered", "unordered"])
@pytest.mark.parametrize("kind", ALL_KINDS, ids=kind_ids(ALL_KINDS))
async def test_backfill_recovers_from_a_burst(kind: FaultKind, ordered: bool) -> None:
    """A burst of the fault on event pages is retried away: every id of the window, once."""
    burst = burst_of(kind)
    async with small_sim(TOKEN) as sim:
        expected = expected_ids(sim)
        sim.inject("events", *(kind.make() for _ in range(burst)))
        # attempts = burst + 1: even if one page draws every fault, it still succeeds.
        async with client_for(sim, burst + 1) as monuv:
            got = [e.id async for e in monuv.backfill(start_at=START, end_at=END, ordered=ordered)]
        # Every fault was really served (a reset may be re-sent by aiohttp
        # itself on a reused connection, so client-side retries may be fewer).
        assert sim.pending_faults() == 0
    assert len(got) == len(set(got)), "an event was yielded twice"
    assert set(got) == expected


@pytest.mark.parametrize("ordered", [True, False], ids=["ordered", "unordered"])
@pytest.mark.parametrize("kind", ALL_KINDS, ids=kind_ids(ALL_KINDS))
async def test_backfill_raises_a_contract_error_after_the_budget(
    kind: FaultKind, ordered: bool
) -> None:
    """When every page fails, the backfill raises the fault's contract class, nothing raw."""
    async with small_sim(TOKEN) as sim:
        expected = expected_ids(sim)
        sim.inject("events", *(kind.make() for _ in range(80)))
        got: list[int] = []
        async with client_for(sim, 2) as monuv:

            async def drain() -> None:
                async for event in monuv.backfill(start_at=START, end_at=END, ordered=ordered):
                    got.append(event.id)

            with pytest.raises(MonuvError) as info:
                await drain()
            assert await settled(), "a backfill task outlived its error"
        sim.clear_faults()
    assert type(info.value) is kind.error
    assert is_contract_error(info.value), info.value.__context__
    assert len(got) == len(set(got))
    assert set(got) <= expected


@pytest.mark.parametrize("ordered", [True, False], ids=["ordered", "unordered"])
async def test_backfill_under_the_per_token_rate_limit(ordered: bool) -> None:
    """Under the simulator's 4 req/s per-token limit, 429s are retried: every id, once."""
    async with small_sim(TOKEN, rate_limit=4) as sim:
        expected = expected_ids(sim)
        retry = RetryPolicy(attempts=100, backoff=0.0, max_backoff=0.05)
        async with MonuvClient(sim.token, base_url=sim.url, max_concurrency=4, retry=retry) as m:
            got = [e.id async for e in m.backfill(start_at=START, end_at=END, ordered=ordered)]
    assert m.stats.retries >= 1  # the limit really answered 429
    assert len(got) == len(set(got))
    assert set(got) == expected


async def test_backfill_rate_limited_past_the_budget_raises_rate_limit_error() -> None:
    """A limit too tight for the budget ends in RateLimitError carrying the server's Retry-After."""
    async with small_sim(TOKEN, rate_limit=0.5) as sim, client_for(sim, 2) as monuv:
        with pytest.raises(RateLimitError) as info:
            async for _ in monuv.backfill(start_at=START, end_at=END):
                pass
        assert await settled()
    assert info.value.retry_after is not None
    assert info.value.retry_after >= 1
    assert is_contract_error(info.value)


# -- idempotent calls: recovered within the policy ---------------------------------------


@attrs.frozen
class Call:
    """One idempotent operation: its simulator route, the call, and a check of its effect."""

    route: str
    prepare: Callable[[MonuvSimulator, dict[str, int]], None]
    call: Callable[[MonuvClient, dict[str, int]], Awaitable[Any]]
    check: Callable[[MonuvSimulator, dict[str, int], Any], bool]


def _nothing(sim: MonuvSimulator, ids: dict[str, int]) -> None:
    return None


def _second_page_of_window(sim: MonuvSimulator) -> list[int]:
    """Ids of page 2 of START..END as the simulator holds them (newest first, 30 a page)."""
    window = expected_ids(sim)
    return [e.id for e in sim.events if e.id in window][30:60]


IDEMPOTENT: dict[str, Call] = {
    "camera_options": Call(
        "camera_options",
        _nothing,
        lambda m, ids: m.camera_options(),
        lambda sim, ids, result: len(result.manufacturers) > 0,
    ),
    "block_client": Call(
        "block_client",
        _nothing,
        lambda m, ids: m.block_client(CNPJ),
        lambda sim, ids, result: "11222333000181" in sim.blocked_documents,
    ),
    "unblock_client": Call(
        "unblock_client",
        lambda sim, ids: sim.blocked_documents.add("11222333000181"),
        lambda m, ids: m.unblock_client("11222333000181"),
        lambda sim, ids, result: "11222333000181" not in sim.blocked_documents,
    ),
    "block_user": Call(
        "block_user",
        _nothing,
        lambda m, ids: m.block_user(ids["user"]),
        lambda sim, ids, result: ids["user"] in sim.blocked_users,
    ),
    "unblock_user": Call(
        "unblock_user",
        lambda sim, ids: sim.blocked_users.add(ids["user"]),
        lambda m, ids: m.unblock_user(ids["user"]),
        lambda sim, ids, result: ids["user"] not in sim.blocked_users,
    ),
    "update_camera": Call(
        "update_camera",
        _nothing,
        lambda m, ids: m.update_camera(1001, CameraUpdate(ids["client"], description="Renamed")),
        lambda sim, ids, result: (
            result.description == "Renamed"
            and sim.cameras[1001]["description"] == "Renamed"
            and sim.cameras[1001]["client_id"] == ids["client"]
        ),
    ),
    "events_page": Call(
        "events",
        _nothing,
        lambda m, ids: m.events_page(start_at=START, end_at=END, page=2),
        lambda sim, ids, result: (
            result.current_page == 2
            and [e.id for e in result.events] == _second_page_of_window(sim)
        ),
    ),
}


@pytest.mark.parametrize("kind", ALL_KINDS, ids=kind_ids(ALL_KINDS))
@pytest.mark.parametrize("op", list(IDEMPOTENT))
async def test_idempotent_call_recovers_within_the_policy(op: str, kind: FaultKind) -> None:
    """GET/PUT: two faults then success, within attempts=3; the server saw exactly 3 requests."""
    spec = IDEMPOTENT[op]
    async with small_sim(TOKEN) as sim:
        async with client_for(sim, 3) as monuv:
            client_id, user_id = await setup_client_and_user(monuv)
            ids = {"client": client_id, "user": user_id}
            spec.prepare(sim, ids)
            sim.reset_stats()
            sim.inject(spec.route, kind.make(), kind.make())
            result = await spec.call(monuv, ids)
        assert await wait_until(lambda: sim.stats.in_flight == 0)
        assert sim.stats.requests[spec.route] == 3
        assert spec.check(sim, ids, result)


@pytest.mark.parametrize("op", ["camera_options", "update_camera", "block_user"])
async def test_429_storm_waits_the_retry_after_not_the_backoff(op: str) -> None:
    """A storm of 429 + Retry-After: 0.01 waits 0.01 s each time, not the 30 s backoff."""
    spec = IDEMPOTENT[op]
    delays: list[float] = []
    storm = [Fault.status(429, headers={"Retry-After": "0.01"}) for _ in range(6)]
    async with small_sim(TOKEN) as sim:
        retry = RetryPolicy(attempts=7, backoff=30.0, max_backoff=30.0)
        async with MonuvClient(sim.token, base_url=sim.url, retry=retry) as monuv:
            client_id, user_id = await setup_client_and_user(monuv)
            ids = {"client": client_id, "user": user_id}
            sim.reset_stats()
            sim.inject(spec.route, *storm)
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(requester_module, "_sleep", spy_sleep(delays))
                result = await spec.call(monuv, ids)
        assert sim.stats.requests[spec.route] == 7
        assert spec.check(sim, ids, result)
    assert delays == [0.01] * 6


async def test_retry_after_beyond_max_backoff_is_waited_in_full() -> None:
    """Retry-After: 1 under max_backoff=0.02 is waited in full (50x the cap), then works."""
    delays: list[float] = []
    async with small_sim(TOKEN) as sim:
        sim.inject("camera_options", Fault.retry_after(1), Fault.retry_after(1))
        retry = RetryPolicy(attempts=3, backoff=0.0, max_backoff=0.02)
        async with MonuvClient(sim.token, base_url=sim.url, retry=retry) as monuv:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(requester_module, "_sleep", spy_sleep(delays))
                await monuv.camera_options()
        assert sim.stats.requests["camera_options"] == 3
    assert delays == [1.0, 1.0]


async def test_retry_after_beyond_max_retry_after_is_raised_not_retried_early() -> None:
    """Retry-After: 600 beyond max_retry_after=60: one request, the error says 600 s."""
    delays: list[float] = []
    async with small_sim(TOKEN) as sim:
        sim.inject("camera_options", Fault.retry_after(600))
        async with MonuvClient(sim.token, base_url=sim.url) as monuv:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(requester_module, "_sleep", spy_sleep(delays))
                with pytest.raises(RateLimitError) as info:
                    await monuv.camera_options()
        assert sim.stats.requests["camera_options"] == 1
    assert info.value.retry_after == 600.0
    assert delays == []


# -- creates: retried only on 429 or when never sent -------------------------------------


@attrs.frozen
class Create:
    route: str
    counter: str
    call: Callable[[MonuvClient, int, int], Awaitable[Any]]


CREATES: dict[str, Create] = {
    "create_camera": Create(
        "create_camera", "cameras", lambda m, cid, n: m.create_camera(NewCamera(cid, f"Cam {n}"))
    ),
    "create_client": Create(
        "create_client",
        "clients",
        lambda m, cid, n: m.create_client(
            NewClient("Outro", 1, CPF, "11999990000", "01310-100", "Rua", "2", "Centro", "SP", "SP")
        ),
    ),
    "create_client_user": Create(
        "create_client_user",
        "users",
        lambda m, cid, n: m.create_client_user(
            cid, NewUser("Bia", f"bia{n}@example.com", "11999990001", "pw-654321")
        ),
    ),
}


@pytest.mark.parametrize("kind", ALL_KINDS, ids=kind_ids(ALL_KINDS))
@pytest.mark.parametrize("op", list(CREATES))
async def test_post_follows_the_contract_under_each_fault(op: str, kind: FaultKind) -> None:
    """A create is re-sent only after a 429; otherwise sent once, and created at most once."""
    spec = CREATES[op]
    async with small_sim(TOKEN) as sim:
        client_id = sim.add_client(CNPJ)["id"]
        sim.reset_stats()
        sim.inject(spec.route, kind.make())
        async with client_for(sim, 3) as monuv:
            try:
                outcome: Any = await spec.call(monuv, client_id, 1)
            except MonuvError as error:
                outcome = error
        assert await wait_until(lambda: sim.stats.in_flight == 0)
        requests = sim.stats.requests[spec.route]
        created = sim.stats.created[spec.counter]
    if kind.post_retried:
        assert not isinstance(outcome, BaseException)
        assert (requests, created) == (2, 1)
    else:
        assert type(outcome) is kind.error
        assert is_contract_error(outcome)
        if isinstance(outcome, TransportError):
            assert outcome.sent is True
        assert requests == 1, "a create that may have landed was sent again"
        assert created == (1 if kind.processed else 0)


async def test_post_never_sent_is_retried_and_created_once(
    unused_tcp_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connection refused proves the create never left: it is re-sent and lands exactly once."""
    sim = MonuvSimulator(TOKEN, port=unused_tcp_port, cameras=1, days=1)
    client_id = sim.add_client(CNPJ)["id"]
    delays: list[float] = []

    async def server_comes_up(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) == 1:
            await sim.start()

    monkeypatch.setattr(requester_module, "_sleep", server_comes_up)
    try:
        monuv = MonuvClient(TOKEN, base_url=f"http://127.0.0.1:{unused_tcp_port}", retry=policy(3))
        async with monuv:
            camera = await monuv.create_camera(NewCamera(client_id, "Cam 1"))
        assert isinstance(camera, Camera)
        assert monuv.stats.requests == 2
        assert sim.stats.requests["create_camera"] == 1
        assert sim.stats.created["cameras"] == 1
        assert sim.cameras[camera.id]["description"] == "Cam 1"
    finally:
        await sim.close()


# -- bulk provisioning: each camera once, every failure reported ----------------------------


def run_provision(
    url: str, csv_path: Path, results: Path, *extra: str
) -> tuple[int, list[dict[str, str]]]:
    code = run(
        [
            "--base-url",
            url,
            "--concurrency",
            "4",
            "--timeout",
            str(TIMEOUT),
            "cameras",
            "provision",
            str(csv_path),
            "--results",
            str(results),
            *extra,
        ]
    )
    return code, read_results(results)


def server_cameras(sim: MonuvSimulator) -> dict[int, str]:
    return {cid: cam["description"] for cid, cam in sim.cameras.items() if cid > 1002}


@pytest.mark.parametrize("kind", ALL_KINDS, ids=kind_ids(ALL_KINDS))
def test_cli_provision_creates_each_camera_once_and_reports_failures(
    kind: FaultKind,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`monuv cameras provision` with 2 faulted creates: one outcome per row, no duplicate."""
    monkeypatch.setenv("MONUV_TOKEN", TOKEN)
    rows = 8
    with threaded_sim(TOKEN) as served:
        sim = served.sim
        client_id = served.do(lambda: sim.add_client(CNPJ)["id"])
        source = write_cameras_csv(tmp_path / "cams.csv", client_id, rows)
        served.do(lambda: sim.inject("create_camera", kind.make(), kind.make()))
        code, results = run_provision(sim.url, source, tmp_path / "results.csv")
        served.idle()
        requests, created, cameras = served.do(
            lambda: (
                sim.stats.requests["create_camera"],
                sim.stats.created["cameras"],
                server_cameras(sim),
            )
        )
    err = capsys.readouterr().err
    assert sorted(int(r["row"]) for r in results) == list(range(1, rows + 1))
    ok = [r for r in results if r["status"] == "created"]
    # "unknown": the create may have been applied (sent, answer lost; a 5xx).
    failed = [r for r in results if r["status"] in ("failed", "unknown")]
    assert len(ok) + len(failed) == rows
    if kind.post_retried:
        assert (code, len(failed), requests) == (0, 0, rows + 2)
    else:
        assert (code, len(failed), requests) == (1, 2, rows)
    # The server holds each successful row's camera, under its description, and
    # nothing twice; a lost answer leaves one more camera, flagged in the row's error.
    assert created == len(ok) + (len(failed) if kind.processed else 0)
    assert len(set(cameras.values())) == len(cameras) == created
    for row in ok:
        assert cameras[int(row["camera_id"])] == f"Cam {int(row['row']):03d}"
    for row in failed:
        assert row["error"]
        assert "Traceback" not in row["error"]
        if kind.processed:
            assert row["status"] == "unknown"
            assert "may exist, check Monuv" in row["error"]
    unknown = sum(r["status"] == "unknown" for r in failed)
    assert f"{len(failed) - unknown} failed, {unknown} unknown" in err


def test_cli_provision_under_the_per_token_rate_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """16 creates at 10 req/s per token: the 429s are waited out, each camera created once."""
    monkeypatch.setenv("MONUV_TOKEN", TOKEN)
    rows = 16
    with threaded_sim(TOKEN, rate_limit=10) as served:
        sim = served.sim
        client_id = served.do(lambda: sim.add_client(CNPJ)["id"])
        source = write_cameras_csv(tmp_path / "cams.csv", client_id, rows)
        code, results = run_provision(sim.url, source, tmp_path / "results.csv", "--timeout", "5")
        requests, created, cameras = served.do(
            lambda: (
                sim.stats.requests["create_camera"],
                sim.stats.created["cameras"],
                server_cameras(sim),
            )
        )
    assert code == 0
    assert requests > rows  # some creates were answered 429 and re-sent
    assert [r["status"] for r in results] == ["created"] * rows
    assert created == rows == len(set(cameras.values()))
    assert {int(r["camera_id"]) for r in results} == set(cameras)


async def test_bounded_gather_of_creates_under_a_mixed_storm() -> None:
    """40 concurrent creates through every fault: one outcome each, each camera at most once."""
    faults = [k for k in ALL_KINDS if not k.post_retried]
    retried = [k for k in ALL_KINDS if k.post_retried]
    storm = [k.make() for k in faults] + [k.make() for k in retried for _ in range(2)]
    async with small_sim(TOKEN) as sim:
        client_id = sim.add_client(CNPJ)["id"]
        sim.inject("create_camera", *storm)
        async with client_for(sim, 3) as monuv:
            outcomes = await asyncio.gather(
                *(monuv.create_camera(NewCamera(client_id, f"Cam {n:03d}")) for n in range(40)),
                return_exceptions=True,
            )
        assert await wait_until(lambda: sim.stats.in_flight == 0)
        cameras = server_cameras(sim)
        created = sim.stats.created["cameras"]
        requests = sim.stats.requests["create_camera"]
    assert sim.pending_faults() == 0
    made = [o for o in outcomes if isinstance(o, Camera)]
    errors = [o for o in outcomes if not isinstance(o, Camera)]
    assert all(is_contract_error(e) for e in errors), errors
    # Each non-retried fault failed exactly one create, with its contract class.
    assert Counter(type(e) for e in errors) == Counter(k.error for k in faults)
    assert len(made) == 40 - len(faults)
    assert requests == 40 + 2 * len(retried)
    assert created == len(made) + sum(k.processed for k in faults)
    assert len(set(cameras.values())) == len(cameras) == created
    for camera in made:
        assert cameras[camera.id] == camera.description


async def test_bounded_gather_of_creates_under_the_rate_limit() -> None:
    """45 creates against a 30 req/s per-token limit: all created, each exactly once."""
    async with small_sim(TOKEN, rate_limit=30) as sim:
        client_id = sim.add_client(CNPJ)["id"]
        retry = RetryPolicy(attempts=50, backoff=0.0, max_backoff=0.05)
        async with MonuvClient(sim.token, base_url=sim.url, max_concurrency=8, retry=retry) as m:
            made = await asyncio.gather(
                *(m.create_camera(NewCamera(client_id, f"Cam {n:03d}")) for n in range(45))
            )
        cameras = server_cameras(sim)
    assert m.stats.retries >= 1
    assert sim.stats.created["cameras"] == 45 == len(set(cameras.values()))
    assert {c.id for c in made} == set(cameras)
