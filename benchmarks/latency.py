"""(a) Latency-bound backfill: 120 pages at 50 ms a request, 16 at a time.

The simulator (another process) answers every request after exactly 50 ms
(no jitter) and holds 3,600 events at 30 a page: the unfiltered listing has
120 pages, checked on the first page before anything is measured.

Measured, each from a fresh client or session after one warm-up walk:

* the library: ``iter_event_pages()`` over all pages, ``iter_events()`` over
  all events, and ``backfill(split="none")`` over a window holding them all,
  with ``max_concurrency=16``; the three are interleaved over several rounds
  and their medians reported;
* the floor: ``L + ceil((N - 1) / C) * L`` -- the first page alone (it tells
  ``last_page``), then the other pages ``C`` at a time, with no overhead;
* a measured floor: raw aiohttp + ``orjson.loads``, building nothing, in the
  same pattern (page 1, then the rest under a semaphore of ``C``), interleaved
  with the library runs. It shows what the simulator and loopback themselves
  add to the formula (a served request takes a little more than ``L``, and
  the simulator builds each round's pages one after the other on one core);
* the sequential ``requests`` loop of the API documentation
  (``requests.get(url, params={"token": ..., "page": n})``, page by page);
* a naive aiohttp loop, one session, page by page.

Targets: the library within 1.10x of the floor, and at least 13x faster than
the sequential loop. The simulator's counters confirm each page was requested
once and how many requests were in flight at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import aiohttp
import orjson
import requests

from monuv_async import MonuvClient
from monuv_async._redact import Redactor

from . import Check, Report, fmt_s, median, table
from ._server import SimConfig, run_against_server

__all__ = ["CONFIG", "LatencyResult", "floor_seconds", "measure", "report", "run"]

PAGES = 120
LATENCY = 0.05
CONCURRENCY = 16
ROUNDS = 5
CONFIG = SimConfig(cameras=3, events_per_camera_per_day=300, days=4, per_page=30, latency=LATENCY)
"""3 cameras x 300 events a day x 4 days = 3,600 events = 120 pages of 30."""

TARGET_VS_FLOOR = 1.10
TARGET_SPEEDUP = 13.0

StatsProbe = Callable[[], dict[str, Any]]


def floor_seconds(pages: int, concurrency: int, latency: float) -> float:
    """First page alone, then the rest ``concurrency`` at a time."""
    return latency + math.ceil((pages - 1) / concurrency) * latency


def window_of(config: SimConfig) -> tuple[date, date]:
    """A ``start_at..end_at`` window holding every event of the data set."""
    now = datetime.fromisoformat(config.now)
    return (now - timedelta(days=config.days)).date(), now.date()


@dataclasses.dataclass
class LatencyResult:
    """Seconds per run of each contender, and what the simulator saw."""

    pages: int
    events: int
    latency: float
    concurrency: int
    iter_event_pages: list[float]
    iter_events: list[float]
    backfill: list[float]
    raw_floor: list[float]
    sequential_requests: float
    naive_aiohttp: float
    requests_per_walk: int | None = None
    max_in_flight: int | None = None

    @property
    def floor(self) -> float:
        """The floor in seconds."""
        return floor_seconds(self.pages, self.concurrency, self.latency)


class _Redacting(contextlib.AbstractContextManager[None]):
    """Re-raise a baseline's failure with the token masked and no chained cause.

    ``requests`` and aiohttp put the full URL, token included, in their
    exception messages.
    """

    def __init__(self, token: str) -> None:
        self._redact = Redactor(token)

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is not None and not isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
            text = self._redact(f"{type(exc).__name__}: {exc}")
            raise RuntimeError(text) from None


async def lib_pages(url: str, token: str, concurrency: int) -> tuple[float, int]:
    """``iter_event_pages()`` over all pages: (seconds, pages)."""
    async with MonuvClient(token, base_url=url, max_concurrency=concurrency) as monuv:
        started = time.perf_counter()
        pages = 0
        async for _ in monuv.iter_event_pages():
            pages += 1
        return time.perf_counter() - started, pages


async def lib_events(url: str, token: str, concurrency: int) -> tuple[float, int]:
    """``iter_events()`` over all events: (seconds, events)."""
    async with MonuvClient(token, base_url=url, max_concurrency=concurrency) as monuv:
        started = time.perf_counter()
        events = 0
        async for _ in monuv.iter_events():
            events += 1
        return time.perf_counter() - started, events


async def lib_backfill(
    url: str, token: str, concurrency: int, window: tuple[date, date]
) -> tuple[float, int]:
    """``backfill(split="none")`` over ``window``: (seconds, events)."""
    async with MonuvClient(token, base_url=url, max_concurrency=concurrency) as monuv:
        started = time.perf_counter()
        events = 0
        async with monuv.backfill(start_at=window[0], end_at=window[1], split="none") as walk:
            async for _ in walk:
                events += 1
        return time.perf_counter() - started, events


async def raw_floor(url: str, token: str, concurrency: int) -> tuple[float, int]:
    """aiohttp + orjson, page 1 then the rest ``concurrency`` at a time: (seconds, pages)."""
    endpoint = f"{url}/api/v1/events"
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    with _Redacting(token):
        async with aiohttp.ClientSession(connector=connector) as session:

            async def get(page: int) -> Any:
                params = {"token": token, "page": str(page)}
                async with session.get(endpoint, params=params) as response:
                    if response.status != 200:
                        msg = f"HTTP {response.status} on page {page}"
                        raise RuntimeError(msg)
                    return orjson.loads(await response.read())[0]

            semaphore = asyncio.Semaphore(concurrency)

            async def bounded(page: int) -> Any:
                async with semaphore:
                    return await get(page)

            started = time.perf_counter()
            first = await get(1)
            rest = await asyncio.gather(*(bounded(n) for n in range(2, first["last_page"] + 1)))
            return time.perf_counter() - started, 1 + len(rest)


def sequential_requests(url: str, token: str) -> tuple[float, int]:
    """The documentation's loop: ``requests.get`` page by page: (seconds, pages)."""
    endpoint = f"{url}/api/v1/events"
    with _Redacting(token):
        started = time.perf_counter()
        page, last_page = 1, 1
        while page <= last_page:
            params: dict[str, str | int] = {"token": token, "page": page}
            response = requests.get(endpoint, params=params, timeout=30)
            if response.status_code != 200:
                msg = f"HTTP {response.status_code} on page {page}"
                raise RuntimeError(msg)
            last_page = response.json()[0]["last_page"]
            page += 1
        return time.perf_counter() - started, page - 1


async def naive_aiohttp(url: str, token: str) -> tuple[float, int]:
    """One aiohttp session, page by page: (seconds, pages)."""
    endpoint = f"{url}/api/v1/events"
    with _Redacting(token):
        async with aiohttp.ClientSession() as session:
            started = time.perf_counter()
            page, last_page = 1, 1
            while page <= last_page:
                params = {"token": token, "page": str(page)}
                async with session.get(endpoint, params=params) as response:
                    if response.status != 200:
                        msg = f"HTTP {response.status} on page {page}"
                        raise RuntimeError(msg)
                    last_page = (await response.json())[0]["last_page"]
                page += 1
            return time.perf_counter() - started, page - 1


async def measure(
    url: str,
    token: str,
    *,
    window: tuple[date, date],
    latency: float = LATENCY,
    concurrency: int = CONCURRENCY,
    rounds: int = ROUNDS,
    expected_pages: int | None = PAGES,
    reset_stats: Callable[[], None] | None = None,
    read_stats: StatsProbe | None = None,
) -> LatencyResult:
    """Run every contender against the simulator at ``url``.

    ``expected_pages`` is checked against the first page's ``last_page``
    before anything is timed. ``reset_stats`` / ``read_stats``, when given,
    let one extra library walk count the requests the simulator received.
    """
    async with MonuvClient(token, base_url=url, max_concurrency=concurrency) as monuv:
        first = await monuv.events_page(page=1)
    pages, events = first.last_page, first.total
    if expected_pages is not None and pages != expected_pages:
        msg = f"the simulator lists {pages} pages, expected {expected_pages}"
        raise RuntimeError(msg)

    def expect(what: str, got: int, wanted: int) -> None:
        if got != wanted:
            msg = f"{what}: got {got}, expected {wanted}"
            raise RuntimeError(msg)

    # Warm-up: one of each library walk (imports, converter, first connections).
    expect("warm-up pages", (await lib_pages(url, token, concurrency))[1], pages)
    expect("warm-up events", (await lib_events(url, token, concurrency))[1], events)
    expect("warm-up backfill", (await lib_backfill(url, token, concurrency, window))[1], events)

    requests_per_walk = max_in_flight = None
    if reset_stats is not None and read_stats is not None:
        reset_stats()
        await lib_pages(url, token, concurrency)
        seen = read_stats()
        requests_per_walk = int(seen["requests"].get("events", 0))
        max_in_flight = int(seen["max_in_flight"])

    by_pages: list[float] = []
    by_events: list[float] = []
    by_backfill: list[float] = []
    by_raw: list[float] = []
    expect("warm-up raw floor", (await raw_floor(url, token, concurrency))[1], pages)
    for _ in range(rounds):
        seconds, count = await lib_pages(url, token, concurrency)
        expect("iter_event_pages", count, pages)
        by_pages.append(seconds)
        seconds, count = await lib_events(url, token, concurrency)
        expect("iter_events", count, events)
        by_events.append(seconds)
        seconds, count = await lib_backfill(url, token, concurrency, window)
        expect("backfill", count, events)
        by_backfill.append(seconds)
        seconds, count = await raw_floor(url, token, concurrency)
        expect("raw floor", count, pages)
        by_raw.append(seconds)

    # The baselines take N * L each: measured once, after a one-page warm-up.
    # The blocking loop runs in a thread, so an in-process simulator still answers.
    sequential, count = await asyncio.to_thread(sequential_requests, url, token)
    expect("sequential requests", count, pages)
    naive, count = await naive_aiohttp(url, token)
    expect("naive aiohttp", count, pages)

    return LatencyResult(
        pages=pages,
        events=events,
        latency=latency,
        concurrency=concurrency,
        iter_event_pages=by_pages,
        iter_events=by_events,
        backfill=by_backfill,
        raw_floor=by_raw,
        sequential_requests=sequential,
        naive_aiohttp=naive,
        requests_per_walk=requests_per_walk,
        max_in_flight=max_in_flight,
    )


def report(result: LatencyResult) -> Report:
    """The figures, side by side, and the checks against the targets."""
    floor = result.floor
    sequential = result.sequential_requests
    lib = median(result.iter_event_pages)
    raw = median(result.raw_floor)
    rows: list[tuple[str, float, str]] = [
        ("floor  L + ceil((N-1)/C) * L", floor, "formula"),
        ("measured floor  raw aiohttp+orjson", raw, f"median of {len(result.raw_floor)}"),
        ("library  iter_event_pages()", lib, f"median of {len(result.iter_event_pages)}"),
        ("library  iter_events()", median(result.iter_events), "median"),
        ('library  backfill(split="none")', median(result.backfill), "median"),
        ("naive aiohttp, page by page", result.naive_aiohttp, "1 run"),
        ("requests.get loop (API docs)", sequential, "1 run"),
    ]
    lines = [
        f"{result.pages} pages ({result.events:,} events), latency "
        f"{result.latency * 1000:.0f} ms, no jitter, max_concurrency={result.concurrency}",
        "",
        *table(
            ["contender", "seconds", "vs floor", "speed-up vs requests", "runs"],
            [
                (name, fmt_s(seconds), f"{seconds / floor:.2f}x", f"{sequential / seconds:.1f}x", n)
                for name, seconds, n in rows
            ],
        ),
        "",
        "library runs (s): "
        + "; ".join(
            f"{name} " + " ".join(f"{s:.3f}" for s in runs)
            for name, runs in (
                ("pages", result.iter_event_pages),
                ("events", result.iter_events),
                ("backfill", result.backfill),
                ("raw floor", result.raw_floor),
            )
        ),
        f"served latency per request, from the naive loop: "
        f"{result.naive_aiohttp / result.pages * 1000:.2f} ms (L = {result.latency * 1000:.0f} ms)",
        f"library vs measured floor: iter_event_pages {lib / raw:.3f}x, "
        f"iter_events {median(result.iter_events) / raw:.3f}x, "
        f"backfill {median(result.backfill) / raw:.3f}x",
        f"speed-up of the measured floor itself vs the requests loop: {sequential / raw:.1f}x",
    ]
    if result.requests_per_walk is not None:
        lines.append(
            f"simulator saw, for one iter_event_pages walk: {result.requests_per_walk} requests "
            f"for {result.pages} pages, at most {result.max_in_flight} in flight"
        )
    checks = [
        Check("iter_event_pages vs floor", lib / floor, TARGET_VS_FLOOR),
        Check("iter_events vs floor", median(result.iter_events) / floor, TARGET_VS_FLOOR),
        # Not the figure: the same bound against what a zero-overhead client
        # measures on this simulator, to tell the library's cost from the server's.
        Check("iter_event_pages vs measured floor (raw aiohttp)", lib / raw, TARGET_VS_FLOOR),
        Check(
            "iter_event_pages speed-up vs requests loop",
            sequential / lib,
            TARGET_SPEEDUP,
            higher_is_better=True,
        ),
    ]
    return Report("latency", "(a) latency-bound backfill", lines, checks)


def run() -> Report:
    """Start the simulator in another process, measure, and print the report."""
    return run_against_server(CONFIG, measure, report, window=window_of(CONFIG))


if __name__ == "__main__":
    sys.exit(0 if all(c.met for c in run().checks) else 1)
