"""Simple calls: 10,000 ``block_user`` at ``max_concurrency=64``, library vs raw aiohttp.

The pre-built-pages server (another process) answers ``{"code": 0, "msg": ""}``
at once. Both contenders run the same 10,000 calls from 64 workers pulling
from one shared counter (so at most 64 are in flight, and no 10,000 tasks
are created up front):

* the library: ``MonuvClient(max_concurrency=64).block_user(id)``;
* raw aiohttp: one session limited to 64 connections, ``GET
  /api/user/block/{token}/{id}``, ``orjson.loads`` and a check of ``code``.

Interleaved over several rounds, each starting with the other one (so that
neither always runs first, right after a collection); quoted: the median
client CPU per request of each, and the library's overhead per call as the
median of the differences within each round, where the two ran back to back
(a swing of the machine's load between rounds, the usual noise on a shared
machine, falls on both sides of each difference). The difference of the two
medians is shown too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from monuv_async import MonuvClient

from . import Check, Report, median, table
from ._measure import Samples, interleave
from ._pages import PagesConfig
from ._pages_server import start_pages_server
from ._raw import RawClient
from ._server import run_against_server

__all__ = ["CALLS", "CONCURRENCY", "CallsResult", "measure", "report", "run"]

CALLS = 10_000
QUICK_CALLS = 200
CONCURRENCY = 64
ROUNDS = 16
"""Each contender first in eight. One round's difference swings by +-30 us on this
shared machine: the median of five missed the target in one run of three today
(+25.9, +4.6, +1.5 us), while 80 rounds of 2,000 calls put it at +7.9 us."""
TARGET_OVERHEAD_US = 25.0
SERVER = PagesConfig(pages=1, per_page=1, days=1)
"""The block routes need no data set; the smallest one keeps start-up instant."""


@dataclasses.dataclass(frozen=True)
class CallsResult:
    """Samples of the library and of raw aiohttp."""

    calls: int
    concurrency: int
    samples: dict[str, Samples]

    @property
    def overhead_us(self) -> float:
        """Library minus raw, client CPU per request within each round, the median, in us."""
        return median(self.differences_us())

    def differences_us(self) -> list[float]:
        """Library minus raw, client CPU per request, round by round, in microseconds."""
        pairs = zip(self.samples["library"].runs, self.samples["raw"].runs, strict=True)
        return [(lib.cpu / lib.count - raw.cpu / raw.count) * 1e6 for lib, raw in pairs]

    @property
    def overhead_of_medians_us(self) -> float:
        """Library minus raw, of the median client CPU per request of each, in us."""
        return self.samples["library"].cpu_us_each() - self.samples["raw"].cpu_us_each()


def many(call: Callable[[int], Awaitable[None]], calls: int, workers: int) -> Callable[[], Any]:
    """A contender making ``calls`` calls from ``workers`` tasks; returns the calls made."""

    async def contender() -> int:
        ids = iter(range(1, calls + 1))
        done = 0

        async def worker() -> None:
            nonlocal done
            for user_id in ids:
                await call(user_id)
                done += 1

        await asyncio.gather(*(worker() for _ in range(workers)))
        return done

    return contender


async def measure(
    url: str,
    token: str,
    *,
    calls: int = CALLS,
    concurrency: int = CONCURRENCY,
    rounds: int = ROUNDS,
    **_: Any,
) -> CallsResult:
    """Open both contenders, warm them up, and run ``rounds`` interleaved rounds."""
    raw = RawClient(url, token, concurrency)
    monuv = MonuvClient(token, base_url=url, max_concurrency=concurrency)
    try:
        contenders = {
            "raw": many(raw.block_user, calls, concurrency),
            "library": many(monuv.block_user, calls, concurrency),
        }
        samples = await interleave(contenders, rounds, expect=calls)
    finally:
        await raw.aclose()
        await monuv.aclose()
    return CallsResult(calls, concurrency, samples)


def report(result: CallsResult) -> Report:
    """The table, and the check of the library's overhead per call."""
    raw = result.samples["raw"]
    rows = [
        (
            label,
            f"{s.cpu_us_each():.1f}",
            f"{s.cpu:.3f}",
            f"{s.wall:.3f}",
            f"{s.count / s.wall:,.0f}",
            " ".join(f"{r.cpu / r.count * 1e6:.0f}" for r in s.runs),
        )
        for label, s in (
            ("raw aiohttp GET + orjson.loads", raw),
            ("library  block_user()", result.samples["library"]),
        )
    ]
    lines = [
        f"{result.calls:,} block_user calls from {result.concurrency} workers, "
        f"max_concurrency={result.concurrency}, no latency, {len(raw.runs)} interleaved rounds",
        "",
        *table(
            ["contender", "CPU us/request", "CPU s", "wall s", "requests/s", "runs (us/req)"],
            rows,
        ),
        "",
        f"library overhead: {result.overhead_us:+.1f} us of client CPU per request "
        "(median of the rounds' differences: "
        + " ".join(f"{d:+.0f}" for d in result.differences_us())
        + f"; difference of the medians {result.overhead_of_medians_us:+.1f})",
    ]
    checks = [
        Check(
            "block_user overhead over raw aiohttp",
            result.overhead_us,
            TARGET_OVERHEAD_US,
            " us",
            decimals=1,
        )
    ]
    title = f"simple calls: {result.calls:,} block_user at C={result.concurrency}"
    return Report("calls", title, lines, checks)


def run(*, quick: bool = False) -> Report:
    """Start the server in another process, measure, and print the report."""
    return run_against_server(
        SERVER,
        measure,
        report,
        start=start_pages_server,
        calls=QUICK_CALLS if quick else CALLS,
        rounds=1 if quick else ROUNDS,
    )


if __name__ == "__main__":
    sys.exit(0 if all(c.met for c in run(quick="--quick" in sys.argv).checks) else 1)
