"""(b) CPU: events per second reading 200 pages of 500 events, no latency.

The simulator (another process) holds 100,000 events at 500 a page and
answers at once, so what is left is the cost of moving and reading pages.

Over HTTP, with the same requests and the same concurrency (8, the client's
default), measured in interleaved rounds (library, floor, naive, library,
floor, naive, ...):

* the library: ``iter_events()`` over every event, each one consumed;
* the floor: aiohttp + ``orjson.loads(await resp.read())``, touching only the
  length of ``data`` -- no model is built; page 1 first (for ``last_page``),
  then the rest under a semaphore;
* for context, a naive reader: aiohttp + stdlib ``json.loads`` + a
  ``datetime.strptime`` and a dataclass per event, in the same pattern.

The target is the median, over the rounds, of each round's library/floor
ratio of wall-clock time: at most 2.5x. The client process's CPU time
(``time.process_time``) is shown beside it: the simulator runs on the other
core, so wall time and client CPU can differ.

In-process, without HTTP, the same 200 page bodies (captured from the
simulator once) are structured through ``monuv_async._response.read_response``
with the spec of ``monuv_async._endpoints.events_page``, against
``orjson.loads`` alone (and the naive decode): this separates the model-building
cost from the HTTP cost. Last, a cProfile of that decode path shows the top 15
functions by own time. ``--profile`` adds a cProfile of one whole
``iter_events()`` run over HTTP.
"""

from __future__ import annotations

import asyncio
import cProfile
import dataclasses
import json
import pstats
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from monuv_async import MonuvClient
from monuv_async._context import RequestContext
from monuv_async._endpoints import event_filters, events_page
from monuv_async._redact import Redactor
from monuv_async._response import read_response

from . import SAO_PAULO, Check, Report, median, table
from ._server import SimConfig, start_server

__all__ = [
    "CONFIG",
    "CpuResult",
    "DecodeResult",
    "measure",
    "measure_decode",
    "profile_decode",
    "report",
    "run",
]

CONCURRENCY = 8
ROUNDS = 5
CONFIG = SimConfig(cameras=10, events_per_camera_per_day=1000, days=10, per_page=500)
"""10 cameras x 1,000 events a day x 10 days = 100,000 events = 200 pages of 500."""
EXPECTED_PAGES = 200
TARGET_VS_FLOOR = 2.5
_EVENT_AT = "%d/%m/%Y %H:%M:%S"
_HEADERS = {"Content-Type": "application/json"}

Reader = Callable[[str, str, int], Awaitable["Run"]]


@dataclasses.dataclass(frozen=True)
class Run:
    """One read of every page: wall seconds, client CPU seconds, events read."""

    seconds: float
    cpu: float
    events: int


@dataclasses.dataclass
class NaiveEvent:
    """The naive reader's model: a plain dataclass."""

    id: int
    event_at: datetime
    event_type: int
    event_description: str | None
    event_url: str | None
    camera_id: int | None
    camera_description: str | None


def naive_events(page: dict[str, Any], tz: tzinfo) -> list[NaiveEvent]:
    """What a hand-written reader does per event: strptime and a dataclass."""
    return [
        NaiveEvent(
            id=e["id"],
            event_at=datetime.strptime(e["event_at"], _EVENT_AT).replace(tzinfo=tz),
            event_type=e["event_type"],
            event_description=e.get("event_description"),
            event_url=e.get("event_url"),
            camera_id=e.get("camera_id"),
            camera_description=e.get("camera_description"),
        )
        for e in page["data"]
    ]


class _Redacting:
    """Re-raise a baseline's failure with the token masked and no chained cause."""

    def __init__(self, token: str) -> None:
        self._redact = Redactor(token)

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is not None and not isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
            text = self._redact(f"{type(exc).__name__}: {exc}")
            raise RuntimeError(text) from None


async def lib_reader(url: str, token: str, concurrency: int) -> Run:
    """``iter_events()`` over every event."""
    async with MonuvClient(token, base_url=url, max_concurrency=concurrency) as monuv:
        wall, cpu = time.perf_counter(), time.process_time()
        events = 0
        async for _ in monuv.iter_events():
            events += 1
        return Run(time.perf_counter() - wall, time.process_time() - cpu, events)


async def _raw_reader(
    url: str, token: str, concurrency: int, read: Callable[[bytes], int]
) -> tuple[Run, list[bytes]]:
    """Page 1, then the rest under a semaphore; ``read(body)`` returns the events it read."""
    endpoint = f"{url}/api/v1/events"
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    bodies: dict[int, bytes] = {}
    with _Redacting(token):
        async with aiohttp.ClientSession(connector=connector) as session:

            async def get(page: int) -> bytes:
                params = {"token": token, "page": str(page)}
                async with session.get(endpoint, params=params) as response:
                    if response.status != 200:
                        msg = f"HTTP {response.status} on page {page}"
                        raise RuntimeError(msg)
                    return await response.read()

            semaphore = asyncio.Semaphore(concurrency)

            async def bounded(page: int) -> int:
                async with semaphore:
                    body = await get(page)
                bodies[page] = body
                return read(body)

            wall, cpu = time.perf_counter(), time.process_time()
            first = await get(1)
            bodies[1] = first
            count = read(first)
            last_page = orjson.loads(first)[0]["last_page"]
            counts = await asyncio.gather(*(bounded(n) for n in range(2, last_page + 1)))
            run = Run(time.perf_counter() - wall, time.process_time() - cpu, count + sum(counts))
    return run, [bodies[n] for n in sorted(bodies)]


def _orjson_count(body: bytes) -> int:
    return len(orjson.loads(body)[0]["data"])


def _naive_count(body: bytes) -> int:
    return len(naive_events(json.loads(body.decode())[0], SAO_PAULO))


async def floor_reader(url: str, token: str, concurrency: int) -> Run:
    """aiohttp + ``orjson.loads``, no models."""
    return (await _raw_reader(url, token, concurrency, _orjson_count))[0]


async def naive_reader(url: str, token: str, concurrency: int) -> Run:
    """aiohttp + stdlib json + strptime + a dataclass per event."""
    return (await _raw_reader(url, token, concurrency, _naive_count))[0]


async def capture_bodies(url: str, token: str, concurrency: int) -> list[bytes]:
    """Every page body as the simulator sends it, in page order."""
    return (await _raw_reader(url, token, concurrency, _orjson_count))[1]


@dataclasses.dataclass
class DecodeResult:
    """In-process decode of the captured bodies: seconds per pass over all of them."""

    pages: int
    events: int
    library: list[float]
    orjson_only: list[float]
    stdlib_json_only: list[float]
    naive: list[float]


@dataclasses.dataclass
class CpuResult:
    """Over HTTP: the runs of each reader, in round order; and the in-process decode."""

    pages: int
    events: int
    concurrency: int
    library: list[Run]
    floor: list[Run]
    naive: list[Run]
    decode: DecodeResult
    profile: list[str] = dataclasses.field(default_factory=list)


def _identity(text: str) -> str:
    return text


_CONTEXT = RequestContext("GET /api/v1/events", _identity)


def decode_with_library(bodies: list[bytes], tz: tzinfo = SAO_PAULO) -> int:
    """Structure every body as the client does after a request; returns the events."""
    filters = event_filters(tz)
    specs = [events_page(filters, n) for n in range(1, len(bodies) + 1)]
    events = 0
    for spec, body in zip(specs, bodies, strict=True):
        page = read_response(spec, 200, _HEADERS, body, tz=tz, context=_CONTEXT)
        events += len(page.events)
    return events


def _timed(fn: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    count = fn()
    return time.perf_counter() - started, count


def measure_decode(bodies: list[bytes], *, rounds: int = ROUNDS) -> DecodeResult:
    """Each decoder over every body, ``rounds`` times interleaved, after a warm-up."""
    contenders: dict[str, Callable[[], int]] = {
        "library": lambda: decode_with_library(bodies),
        "orjson": lambda: sum(_orjson_count(b) for b in bodies),
        "json": lambda: sum(len(json.loads(b)[0]["data"]) for b in bodies),
        "naive": lambda: sum(_naive_count(b) for b in bodies),
    }
    counts = {name: fn() for name, fn in contenders.items()}  # warm-up
    if len(set(counts.values())) != 1:
        msg = f"decoders disagree on the number of events: {counts}"
        raise RuntimeError(msg)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            times[name].append(_timed(fn)[0])
    return DecodeResult(
        pages=len(bodies),
        events=counts["library"],
        library=times["library"],
        orjson_only=times["orjson"],
        stdlib_json_only=times["json"],
        naive=times["naive"],
    )


def top_functions(profile: cProfile.Profile, limit: int = 15) -> list[str]:
    """The ``limit`` functions with the most own time, one line each."""
    stats = pstats.Stats(profile)
    entries: Iterable[tuple[Any, Any]] = stats.stats.items()  # type: ignore[attr-defined]
    ranked = sorted(entries, key=lambda item: item[1][2], reverse=True)[:limit]
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in ranked:
        where = _short_path(filename)
        label = f"{where}:{line}({name})" if where != "~" else name
        rows.append((label, f"{calls:,}", f"{own:.3f}", f"{cumulative:.3f}"))
    return table(["function", "calls", "tottime s", "cumtime s"], rows)


def _short_path(filename: str) -> str:
    path = Path(filename)
    for marker in ("site-packages", "monuv_async", "benchmarks"):
        if marker in path.parts:
            index = path.parts.index(marker)
            start = index + 1 if marker == "site-packages" else index
            return "/".join(path.parts[start:])
    if "python3" in filename:
        return "stdlib/" + path.name
    return filename


def profile_decode(bodies: list[bytes]) -> list[str]:
    """cProfile of one library decode pass over every body: the top 15 by own time."""
    profile = cProfile.Profile()
    profile.enable()
    decode_with_library(bodies)
    profile.disable()
    return top_functions(profile)


async def profile_http(url: str, token: str, concurrency: int) -> list[str]:
    """cProfile of one whole ``iter_events()`` run over HTTP: the top 15 by own time."""
    profile = cProfile.Profile()
    profile.enable()
    await lib_reader(url, token, concurrency)
    profile.disable()
    return top_functions(profile)


async def measure(
    url: str,
    token: str,
    *,
    concurrency: int = CONCURRENCY,
    rounds: int = ROUNDS,
    expected_pages: int | None = EXPECTED_PAGES,
    with_profile: bool = True,
    http_profile: bool = False,
) -> CpuResult:
    """Run the readers in interleaved rounds, then the in-process decode."""
    async with MonuvClient(token, base_url=url, max_concurrency=concurrency) as monuv:
        first = await monuv.events_page(page=1)
    if expected_pages is not None and first.last_page != expected_pages:
        msg = f"the simulator lists {first.last_page} pages, expected {expected_pages}"
        raise RuntimeError(msg)
    readers: list[tuple[str, Reader]] = [
        ("library", lib_reader),
        ("floor", floor_reader),
        ("naive", naive_reader),
    ]
    for name, reader in readers:  # warm-up
        warm = await reader(url, token, concurrency)
        if warm.events != first.total:
            msg = f"{name}: read {warm.events} events, expected {first.total}"
            raise RuntimeError(msg)
    runs: dict[str, list[Run]] = {name: [] for name, _ in readers}
    for _ in range(rounds):
        for name, reader in readers:
            done = await reader(url, token, concurrency)
            if done.events != first.total:
                msg = f"{name}: read {done.events} events, expected {first.total}"
                raise RuntimeError(msg)
            runs[name].append(done)
    bodies = await capture_bodies(url, token, concurrency)
    decode = measure_decode(bodies, rounds=rounds)
    profile: list[str] = []
    if with_profile:
        profile += ["cProfile, one library decode pass in-process (top 15 by own time):"]
        profile += profile_decode(bodies)
    if http_profile:
        profile += ["", "cProfile, one iter_events() run over HTTP (top 15 by own time):"]
        profile += await profile_http(url, token, concurrency)
    return CpuResult(
        pages=first.last_page,
        events=first.total,
        concurrency=concurrency,
        library=runs["library"],
        floor=runs["floor"],
        naive=runs["naive"],
        decode=decode,
        profile=profile,
    )


def _rate(events: int, seconds: float) -> str:
    return f"{events / seconds:,.0f}"


def report(result: CpuResult) -> Report:
    """The figures, side by side, and the check against the target."""
    n = result.events
    lib_wall = median(r.seconds for r in result.library)
    floor_wall = median(r.seconds for r in result.floor)
    naive_wall = median(r.seconds for r in result.naive)
    ratio = median(
        lib.seconds / floor.seconds for lib, floor in zip(result.library, result.floor, strict=True)
    )
    naive_ratio = median(
        naive.seconds / floor.seconds
        for naive, floor in zip(result.naive, result.floor, strict=True)
    )
    cpu_ratio = median(
        lib.cpu / floor.cpu for lib, floor in zip(result.library, result.floor, strict=True)
    )
    naive_cpu_ratio = median(
        naive.cpu / floor.cpu for naive, floor in zip(result.naive, result.floor, strict=True)
    )
    rows = []
    for name, runs, wall_ratio, cpu_vs in (
        ("floor  aiohttp + orjson, no models", result.floor, 1.0, 1.0),
        ("library  iter_events()", result.library, ratio, cpu_ratio),
        ("naive  json + strptime + dataclass", result.naive, naive_ratio, naive_cpu_ratio),
    ):
        wall = median(r.seconds for r in runs)
        cpu = median(r.cpu for r in runs)
        rows.append(
            (
                name,
                f"{wall:.3f}",
                _rate(n, wall),
                f"{wall_ratio:.2f}x",
                f"{cpu:.3f}",
                f"{cpu / n * 1e6:.2f}",
                f"{cpu_vs:.2f}x",
            )
        )
    d = result.decode
    lib_decode = median(d.library)
    orjson_decode = median(d.orjson_only)
    json_decode = median(d.stdlib_json_only)
    naive_decode = median(d.naive)
    decode_rows = [
        (
            name,
            f"{s:.3f}",
            f"{s / d.events * 1e6:.2f}",
            _rate(d.events, s),
            f"{s / orjson_decode:.2f}x",
        )
        for name, s in (
            ("orjson.loads alone", orjson_decode),
            ("stdlib json.loads alone", json_decode),
            ("library read_response (orjson + models)", lib_decode),
            ("naive json + strptime + dataclass", naive_decode),
        )
    ]
    model_cost = lib_decode - orjson_decode
    lines = [
        f"{result.pages} pages of {n // result.pages} events ({n:,} events), no latency, "
        f"concurrency {result.concurrency}, {len(result.library)} interleaved rounds "
        f"(wall and CPU: medians; ratios: median of the per-round ratios)",
        "",
        *table(
            [
                "over HTTP",
                "wall s",
                "events/s",
                "vs floor",
                "client CPU s",
                "CPU us/event",
                "CPU vs floor",
            ],
            rows,
        ),
        "",
        "library / floor wall ratio per round: "
        + " ".join(
            f"{lib.seconds / floor.seconds:.2f}"
            for lib, floor in zip(result.library, result.floor, strict=True)
        ),
        "library / floor client CPU ratio per round: "
        + " ".join(
            f"{lib.cpu / floor.cpu:.2f}"
            for lib, floor in zip(result.library, result.floor, strict=True)
        ),
        f"library events/s: {_rate(n, lib_wall)} (floor {_rate(n, floor_wall)}, "
        f"naive {_rate(n, naive_wall)})",
        "",
        f"in-process decode of the same {d.pages} bodies, no HTTP (median of {len(d.library)}):",
        *table(["decoder", "seconds", "us/event", "events/s", "vs orjson"], decode_rows),
        f"model building (library - orjson.loads): {model_cost:.3f} s = "
        f"{model_cost / d.events * 1e6:.2f} us/event "
        f"({model_cost / lib_decode:.0%} of the library's decode)",
        f"the floor's client process is busy {median(r.cpu / r.seconds for r in result.floor):.0%} "
        f"of its wall time, the library's {median(r.cpu / r.seconds for r in result.library):.0%}: "
        "when well below 100%, the wall ratio is bounded by the simulator (the other core), "
        "and the client CPU ratio is the one that shows the library's own cost",
        f"HTTP and walking, client CPU beyond the decode: library "
        f"{median(r.cpu for r in result.library) - lib_decode:.3f} s, floor "
        f"{median(r.cpu for r in result.floor) - orjson_decode:.3f} s",
    ]
    if result.profile:
        lines += ["", *result.profile]
    checks = [
        Check("iter_events vs aiohttp+orjson floor (wall)", ratio, TARGET_VS_FLOOR),
        # Not the figure: the same target read on client CPU time, which the
        # simulator's own speed cannot hide.
        Check("iter_events vs floor, client CPU (stricter reading)", cpu_ratio, TARGET_VS_FLOOR),
    ]
    return Report("cpu", "(b) CPU: 100k events, no latency", lines, checks)


def run(*, http_profile: bool = False) -> Report:
    """Start the simulator in another process, measure, and print the report."""
    started = time.perf_counter()
    with start_server(CONFIG) as server:
        result = asyncio.run(measure(server.url, server.token, http_profile=http_profile))
    rep = report(result)
    rep.seconds = time.perf_counter() - started
    print(rep.text(), flush=True)
    return rep


if __name__ == "__main__":
    rep = run(http_profile="--profile" in sys.argv[1:])
    sys.exit(0 if all(c.met for c in rep.checks) else 1)
