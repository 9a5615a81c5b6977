"""Bulk provisioning: 1,000 cameras at 50 ms a request, 16 at a time.

The simulator (another process) answers every request after exactly 50 ms.
A client (the partner's customer) is created first, through the API, with a
CNPJ of valid check digits; the cameras are created for it.

Measured:

* the library: ``asyncio.gather`` over 1,000 ``create_camera`` calls bounded
  by a semaphore of 16, on one ``MonuvClient(max_concurrency=16)``, after a
  warm-up of 16 creates; several rounds, median reported;
* the floor: ``ceil(1000 / 16) * L``;
* a measured floor: raw aiohttp POSTs + ``orjson.loads``, building nothing,
  under the same semaphore of 16 on one session, interleaved with the library
  rounds: what the simulator and loopback add to the formula;
* the sequential loop of the documentation, ``requests.post`` one camera at a
  time -- run on a 100-camera sample and extrapolated linearly to 1,000 (the
  output says so), to keep the run short.

Target: the library within 1.15x of the floor. The simulator's counters
confirm how many cameras were created and how many requests were in flight.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson
import requests

from monuv_async import DocumentType, MonuvClient, NewCamera, NewClient

from . import Check, Report, fmt_s, median, table
from ._raw import masked
from ._server import SimConfig, run_against_server

__all__ = ["CONFIG", "ProvisionResult", "measure", "report", "run", "valid_cnpj"]

CAMERAS = 1000
LATENCY = 0.05
CONCURRENCY = 16
ROUNDS = 3
SEQUENTIAL_SAMPLE = 100
CONFIG = SimConfig(cameras=1, events_per_camera_per_day=1, days=1, latency=LATENCY)
TARGET_VS_FLOOR = 1.15

StatsProbe = Callable[[], dict[str, Any]]


def valid_cnpj(rng: random.Random) -> str:
    """A random CNPJ with valid check digits, formatted ``99.999.999/9999-99``."""
    digits = [rng.randrange(10) for _ in range(8)] + [0, 0, 0, 1]
    for weights in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        digits.append(0 if rest < 2 else 11 - rest)
    s = "".join(map(str, digits))
    return f"{s[:2]}.{s[2:5]}.{s[5:8]}/{s[8:12]}-{s[12:]}"


def floor_seconds(cameras: int, concurrency: int, latency: float) -> float:
    """Every create ``concurrency`` at a time, with no overhead."""
    return math.ceil(cameras / concurrency) * latency


@dataclasses.dataclass
class ProvisionResult:
    """Seconds per round of the library, and the sequential sample."""

    cameras: int
    latency: float
    concurrency: int
    library: list[float]
    raw_floor: list[float]
    sequential_sample: int
    sequential_sample_seconds: float
    created: int | None = None
    max_in_flight: int | None = None

    @property
    def floor(self) -> float:
        """The floor in seconds."""
        return floor_seconds(self.cameras, self.concurrency, self.latency)

    @property
    def sequential_estimate(self) -> float:
        """The sequential sample extrapolated linearly to every camera."""
        return self.sequential_sample_seconds * self.cameras / self.sequential_sample


async def provision(monuv: MonuvClient, client_id: int, count: int, concurrency: int) -> int:
    """Create ``count`` cameras, ``concurrency`` at a time; returns how many were created."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(index: int) -> int:
        async with semaphore:
            camera = await monuv.create_camera(NewCamera(client_id, f"Bench camera {index}"))
        return camera.id

    ids = await asyncio.gather(*(one(i) for i in range(count)))
    return len(set(ids))


async def raw_provision(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    client_id: int,
    count: int,
    concurrency: int,
) -> int:
    """The same creates as raw aiohttp POSTs, reading only the id; returns how many."""
    endpoint = f"{url}/api/v1/cameras"
    semaphore = asyncio.Semaphore(concurrency)

    async def one(index: int) -> int:
        body = orjson.dumps({"client_id": client_id, "description": f"Raw camera {index}"})
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        async with (
            semaphore,
            session.post(endpoint, params={"token": token}, data=body, headers=headers) as resp,
        ):
            if resp.status != 201:
                msg = f"HTTP {resp.status} for camera {index}"
                raise RuntimeError(msg)
            camera_id: int = orjson.loads(await resp.read())[0]["id"]
        return camera_id

    with masked(token):
        ids = await asyncio.gather(*(one(i) for i in range(count)))
    return len(set(ids))


def sequential_posts(url: str, token: str, client_id: int, count: int) -> float:
    """The documentation's loop: ``requests.post`` one camera at a time; seconds."""
    endpoint = f"{url}/api/v1/cameras"
    # requests puts the whole URL, token included, in its messages.
    with masked(token):
        started = time.perf_counter()
        for index in range(count):
            body: dict[str, int | str] = {
                "client_id": client_id,
                "description": f"Sequential camera {index}",
            }
            response = requests.post(endpoint, params={"token": token}, json=body, timeout=30)
            if response.status_code != 201:
                msg = f"HTTP {response.status_code} for camera {index}"
                raise RuntimeError(msg)
        return time.perf_counter() - started


async def measure(
    url: str,
    token: str,
    *,
    cameras: int = CAMERAS,
    latency: float = LATENCY,
    concurrency: int = CONCURRENCY,
    rounds: int = ROUNDS,
    sequential_sample: int = SEQUENTIAL_SAMPLE,
    seed: int = 1,
    reset_stats: Callable[[], None] | None = None,
    read_stats: StatsProbe | None = None,
) -> ProvisionResult:
    """Create the client, warm up, then time ``rounds`` bulk creates and the sequential sample."""
    rng = random.Random(seed)
    times: list[float] = []
    raw_times: list[float] = []
    created = max_in_flight = None
    async with MonuvClient(token, base_url=url, max_concurrency=concurrency) as monuv:
        client = await monuv.create_client(
            NewClient(
                "Bench Provisioning Ltda",
                DocumentType.CNPJ,
                valid_cnpj(rng),
                "(11) 3333-4444",
                "01310-100",
                "Avenida Paulista",
                "1000",
                "Bela Vista",
                "São Paulo",
                "SP",
            )
        )
        connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
        session = aiohttp.ClientSession(connector=connector)
        try:
            await provision(monuv, client.id, concurrency, concurrency)  # warm-up
            await raw_provision(session, url, token, client.id, concurrency, concurrency)
            for index in range(rounds):
                if index == 0 and reset_stats is not None:
                    reset_stats()
                started = time.perf_counter()
                made = await provision(monuv, client.id, cameras, concurrency)
                times.append(time.perf_counter() - started)
                if made != cameras:
                    msg = f"created {made} distinct cameras, expected {cameras}"
                    raise RuntimeError(msg)
                if index == 0 and read_stats is not None:
                    seen = read_stats()
                    created = int(seen["created"].get("cameras", 0))
                    max_in_flight = int(seen["max_in_flight"])
                started = time.perf_counter()
                made = await raw_provision(session, url, token, client.id, cameras, concurrency)
                raw_times.append(time.perf_counter() - started)
                if made != cameras:
                    msg = f"raw floor created {made} distinct cameras, expected {cameras}"
                    raise RuntimeError(msg)
        finally:
            await session.close()
    # Blocking: in a thread, so an in-process simulator still answers.
    sequential = await asyncio.to_thread(sequential_posts, url, token, client.id, sequential_sample)
    return ProvisionResult(
        cameras=cameras,
        latency=latency,
        concurrency=concurrency,
        library=times,
        raw_floor=raw_times,
        sequential_sample=sequential_sample,
        sequential_sample_seconds=sequential,
        created=created,
        max_in_flight=max_in_flight,
    )


def report(result: ProvisionResult) -> Report:
    """The figures, side by side, and the check against the target."""
    floor = result.floor
    lib = median(result.library)
    estimate = result.sequential_estimate
    raw = median(result.raw_floor)
    rows = [
        ("floor  ceil(N/C) * L", fmt_s(floor), "1.00x", f"{estimate / floor:.1f}x", "formula"),
        (
            "measured floor  raw aiohttp POST + orjson",
            fmt_s(raw),
            f"{raw / floor:.2f}x",
            f"{estimate / raw:.1f}x",
            f"median of {len(result.raw_floor)}",
        ),
        (
            "library  gather + semaphore, create_camera",
            fmt_s(lib),
            f"{lib / floor:.2f}x",
            f"{estimate / lib:.1f}x",
            f"median of {len(result.library)}",
        ),
        (
            f"requests.post loop (extrapolated from {result.sequential_sample})",
            fmt_s(estimate),
            f"{estimate / floor:.2f}x",
            "1.0x",
            f"{result.sequential_sample} measured",
        ),
    ]
    per_create = result.sequential_sample_seconds / result.sequential_sample
    lines = [
        f"{result.cameras:,} cameras, latency {result.latency * 1000:.0f} ms, no jitter, "
        f"{result.concurrency} at a time",
        "",
        *table(["contender", "seconds", "vs floor", "speed-up vs sequential", "runs"], rows),
        "",
        "library rounds (s): " + " ".join(f"{s:.3f}" for s in result.library),
        "raw floor rounds (s): " + " ".join(f"{s:.3f}" for s in result.raw_floor),
        f"library vs measured floor: {lib / raw:.3f}x",
        f"library overhead beyond the floor: {(lib - floor) / result.cameras * 1000:.2f} ms "
        f"per camera ({(lib - floor) / math.ceil(result.cameras / result.concurrency) * 1000:.2f}"
        f" ms per round of {result.concurrency})",
        f"sequential: measured {result.sequential_sample} cameras in "
        f"{result.sequential_sample_seconds:.3f} s ({per_create * 1000:.2f} ms each), "
        f"extrapolated linearly to {result.cameras:,}: {estimate:.1f} s "
        "(NOT measured at full size)",
    ]
    if result.created is not None:
        lines.append(
            f"simulator saw, for the first round: {result.created} cameras created, "
            f"at most {result.max_in_flight} requests in flight"
        )
    checks = [Check(f"create_camera x{result.cameras} vs floor", lib / floor, TARGET_VS_FLOOR)]
    return Report("provision", f"bulk provisioning: {result.cameras:,} cameras", lines, checks)


def run(*, quick: bool = False) -> Report:
    """Start the simulator in another process, measure, and print the report."""
    if not quick:
        return run_against_server(CONFIG, measure, report)
    config = SimConfig(cameras=1, events_per_camera_per_day=1, days=1, latency=0.002)
    return run_against_server(
        config, measure, report, cameras=32, latency=0.002, rounds=1, sequential_sample=4
    )


if __name__ == "__main__":
    sys.exit(0 if all(c.met for c in run(quick="--quick" in sys.argv).checks) else 1)
