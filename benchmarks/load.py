"""Load: 10,000 mixed requests at ``max_concurrency=64``, simulator in another process.

One :class:`~monuv_async.MonuvClient` (its own session, so its connection pool
is the library's) sends a fixed, seeded mix of every kind of call the API
has -- event pages across the whole data set, ``camera_options``,
block/unblock of a client and of a user, ``create_camera`` and
``update_camera`` -- from 128 concurrent callers, twice the client's bound,
so that the bound, not the callers, is what limits the requests in flight.
The simulator answers each request after 5 ms, so that requests overlap on
the server too and a bound that leaked would show there.

Reported (this is a benchmark: nothing here asserts, each figure is a
:class:`~benchmarks.Check` printed ``met`` or ``MISSED``):

* errors: calls that raised, by class (target 0), and retries;
* requests in flight: the client's own count (``monuv.stats.max_in_flight``)
  and the simulator's (target <= 64 for both);
* TCP connections the simulator accepted during the load (target <= 64:
  keep-alive reuse, no connection per request);
* the client process's RSS after the first and after the last thousand
  requests (target: grows by at most 5 %), sampled every thousand.

Run with ``python -m benchmarks.load``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs; a bench-only dependency

from monuv_async import (
    CameraUpdate,
    MonuvClient,
    MonuvError,
    NewCamera,
    NewClient,
    NewUser,
    RetryPolicy,
)

from . import Check, Report, fmt_s, table
from ._server import SimConfig, run_against_server

__all__ = ["CONFIG", "LoadResult", "measure", "report", "run"]

TOTAL = 10_000
CONCURRENCY = 64
CALLERS = 2 * CONCURRENCY
LATENCY = 0.005
SAMPLE_EVERY = 1_000
CONFIG = SimConfig(cameras=3, events_per_camera_per_day=300, days=4, latency=LATENCY)
CNPJ = "11.222.333/0001-81"
RSS_GROWTH_TARGET = 0.05

# The mix: (operation, weight).
MIX = (
    ("events_page", 35),
    ("camera_options", 15),
    ("block_client", 5),
    ("unblock_client", 5),
    ("block_user", 5),
    ("unblock_user", 5),
    ("create_camera", 15),
    ("update_camera", 15),
)

StatsProbe = Callable[[], dict[str, Any]]


@dataclasses.dataclass
class LoadResult:
    """What one load run saw, client side and server side."""

    seconds: float
    sent: Counter[str]
    errors: Counter[str]
    retries: int
    client_requests: int
    client_max_in_flight: int
    server: dict[str, Any]
    rss: list[tuple[int, int]]
    """(completed calls, client RSS in bytes), every ``SAMPLE_EVERY`` calls."""


def plan(seed: int = 1) -> list[str]:
    """The seeded sequence of ``TOTAL`` operations."""
    rng = random.Random(seed)
    names = [name for name, _ in MIX]
    weights = [weight for _, weight in MIX]
    return rng.choices(names, weights=weights, k=TOTAL)


async def measure(
    url: str, token: str, *, reset_stats: Callable[[], None], read_stats: StatsProbe
) -> LoadResult:
    """Set up a client and a user, then run the mix from ``CALLERS`` tasks."""
    process = psutil.Process()
    # The default policy: a retry would show in the figures, not hide an error.
    async with MonuvClient(
        token, base_url=url, max_concurrency=CONCURRENCY, retry=RetryPolicy()
    ) as monuv:
        customer = await monuv.create_client(
            NewClient(
                "Carga Ltda", 2, CNPJ, "1133334444", "01310-100", "Avenida Paulista",
                "1000", "Bela Vista", "São Paulo", "SP",
                users=(NewUser("Ana", "ana@example.com", "11999990000", "pw-123456"),),
            )
        )  # fmt: skip
        client_id, user_id = customer.id, customer.users[0].id
        last_page = (await monuv.events_page()).last_page
        seeded = [1001 + i for i in range(CONFIG.cameras)]

        calls: dict[str, Callable[[int], Awaitable[object]]] = {
            "events_page": lambda i: monuv.events_page(page=1 + i % last_page),
            "camera_options": lambda i: monuv.camera_options(),
            "block_client": lambda i: monuv.block_client(CNPJ),
            "unblock_client": lambda i: monuv.unblock_client(CNPJ),
            "block_user": lambda i: monuv.block_user(user_id),
            "unblock_user": lambda i: monuv.unblock_user(user_id),
            "create_camera": lambda i: monuv.create_camera(NewCamera(client_id, f"Load {i:05d}")),
            "update_camera": lambda i: monuv.update_camera(
                seeded[i % len(seeded)], CameraUpdate(client_id, description=f"Load {i:05d}")
            ),
        }
        operations = plan()
        reset_stats()
        monuv.stats.max_in_flight = monuv.stats.in_flight
        requests_before, retries_before = monuv.stats.requests, monuv.stats.retries

        sent: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        rss: list[tuple[int, int]] = [(0, process.memory_info().rss)]
        cursor = iter(range(TOTAL))
        done = 0

        async def caller() -> None:
            nonlocal done
            for i in cursor:
                name = operations[i]
                sent[name] += 1
                try:
                    await calls[name](i)
                except MonuvError as error:
                    errors[f"{name}: {type(error).__name__}"] += 1
                done += 1
                if done % SAMPLE_EVERY == 0:
                    rss.append((done, process.memory_info().rss))

        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(CALLERS)))
        seconds = time.perf_counter() - started
        server = read_stats()
        return LoadResult(
            seconds=seconds,
            sent=sent,
            errors=errors,
            retries=monuv.stats.retries - retries_before,
            client_requests=monuv.stats.requests - requests_before,
            client_max_in_flight=monuv.stats.max_in_flight,
            server=server,
            rss=rss,
        )


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def report(result: LoadResult) -> Report:
    """The figures and the checks of one run."""
    server = result.server
    served = sum(server["requests"].values())
    first = dict(result.rss)[SAMPLE_EVERY]
    last = dict(result.rss)[TOTAL]
    growth = (last - first) / first
    lines = [
        f"{TOTAL:,} calls from {CALLERS} callers on one MonuvClient(max_concurrency="
        f"{CONCURRENCY}); simulator in another process, {LATENCY * 1000:.0f} ms per answer",
        f"elapsed {fmt_s(result.seconds)} ({TOTAL / result.seconds:,.0f} calls/s)",
        "",
        *table(
            ("operation", "calls", "errors"),
            [
                (name, f"{result.sent[name]:,}", str(_errors_of(result.errors, name)))
                for name, _ in MIX
            ],
        ),
        "",
        f"errors            {sum(result.errors.values())}"
        + (f" ({dict(result.errors)})" if result.errors else ""),
        f"requests          {result.client_requests:,} sent by the client"
        f" ({result.retries} retries); {served:,} answered by the simulator",
        f"in flight         client max {result.client_max_in_flight},"
        f" simulator max {server['max_in_flight']} (bound {CONCURRENCY})",
        f"TCP connections   {server['connections']} accepted by the simulator during the load",
        f"cameras created   {server['created'].get('cameras', 0):,}"
        f" (create_camera calls: {result.sent['create_camera']:,})",
        f"client RSS        {_mib(first)} after the first {SAMPLE_EVERY:,} calls,"
        f" {_mib(last)} after the last {SAMPLE_EVERY:,} ({growth:+.1%})",
        f"  every {SAMPLE_EVERY:,} (MiB): "
        + ", ".join(f"{size / 2**20:.1f}" for _, size in result.rss[1:]),
    ]
    checks = [
        Check("errors", sum(result.errors.values()), 0, unit=""),
        Check("client max in flight", result.client_max_in_flight, CONCURRENCY, unit=""),
        Check("simulator max in flight", server["max_in_flight"], CONCURRENCY, unit=""),
        Check("TCP connections opened", server["connections"], CONCURRENCY, unit=""),
        Check(
            "cameras created / create_camera calls",
            server["created"].get("cameras", 0) / max(1, result.sent["create_camera"]),
            1.0,
        ),
        Check("RSS growth, first to last thousand", growth * 100, RSS_GROWTH_TARGET * 100, "%"),
    ]
    return Report("load", "load: 10,000 mixed requests at max_concurrency=64", lines, checks)


def _errors_of(errors: Counter[str], name: str) -> int:
    return sum(count for key, count in errors.items() if key.startswith(f"{name}:"))


def run() -> Report:
    """Start the simulator in another process, run the load, and print the report."""
    return run_against_server(CONFIG, measure, report)


if __name__ == "__main__":
    sys.exit(0 if all(c.met for c in run().checks) else 1)
