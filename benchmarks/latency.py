"""Latency-bound walks: 120 pages of 30 events, 50 ms per answer, ``max_concurrency=16``.

The pre-built-pages server (another process) waits 50 ms before each answer.
A walk that must read page 1 before it knows how many pages there are cannot
beat the formula floor ``L + ceil((N - 1) / C) * L`` (0.450 s here): one
round trip for page 1, then the other N - 1 pages C at a time. Contenders,
interleaved over several rounds (medians quoted):

* raw aiohttp, bounded prefetch like the library: page 1, then the rest under
  a semaphore of C;
* raw aiohttp requesting pages 1..C at once (a guess that there are at least
  C pages), then the rest: ``ceil(N / C) * L``, below the formula;
* ``iter_events()`` without a hint: page 1 alone, like the first contender;
* ``iter_events(pages_hint=N)``, the caller saying how many pages it expects:
  pages 1..C requested at once, like the second (the figure's contender);
* ``backfill(split="day")`` over the data set's 10 days (12 pages a day).

Every figure is its wall time over the formula floor. The backfill's figure
depends on the pages per day, since each day's first page is a round trip of
its own: 10 days match the CPU table's data set and a 10-day backfill; on the
same 120 pages over 4 days (30 pages a day) today's backfill measured about
1.15x, over 8 days 1.2x, over 12 days 1.8x.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from typing import Any

from monuv_async import MonuvClient

from . import Check, Report, fmt_s, table
from ._measure import Contender, Samples, interleave
from ._pages import PagesConfig
from ._pages_server import start_pages_server
from ._raw import RawClient
from ._server import run_against_server
from .cpu import library_contenders

__all__ = ["CONFIG", "QUICK", "LatencyResult", "floor_seconds", "measure", "report", "run"]

CONFIG = PagesConfig(pages=120, per_page=30, days=10, latency=0.05)
QUICK = PagesConfig(pages=6, per_page=5, days=2, latency=0.005)
CONCURRENCY = 16
QUICK_CONCURRENCY = 2
ROUNDS = 10
"""Each of the five contenders twice in each position (see :func:`~._measure.interleave`):
one disturbed run moves the median of ten less than that of five."""
TARGETS = {"iter_events_hint": 1.00, "backfill_day": 1.10}
"""Issue 14; the no-hint walk stays in the table (its floor is the formula, not below it)."""
LABELS = {
    "raw": "raw aiohttp, bounded prefetch (like the library)",
    "raw_first_round": "raw aiohttp, pages 1..C at once",
    "iter_events": "library  iter_events()",
    "iter_events_hint": "library  iter_events(pages_hint=N)",
    "backfill_day": 'library  backfill(split="day")',
}


def floor_seconds(pages: int, concurrency: int, latency: float) -> float:
    """``L + ceil((N - 1) / C) * L``: page 1 alone, then C at a time."""
    return latency + math.ceil((pages - 1) / concurrency) * latency


@dataclasses.dataclass(frozen=True)
class LatencyResult:
    """Samples per contender, and what the server saw."""

    config: PagesConfig
    concurrency: int
    samples: dict[str, Samples]
    server_max_in_flight: int

    @property
    def floor(self) -> float:
        """The formula floor, in seconds."""
        return floor_seconds(self.config.pages, self.concurrency, self.config.latency)


async def measure(
    url: str,
    token: str,
    *,
    config: PagesConfig = CONFIG,
    concurrency: int = CONCURRENCY,
    rounds: int = ROUNDS,
    read_stats: Any = None,
    reset_stats: Any = None,
) -> LatencyResult:
    """Open every contender, warm it up, and run ``rounds`` interleaved rounds."""
    raw = RawClient(url, token, concurrency)
    monuv = MonuvClient(token, base_url=url, max_concurrency=concurrency)
    try:
        library = await library_contenders(monuv, config)

        async def hinted() -> int:
            count = 0
            async for _ in monuv.iter_events(pages_hint=config.pages):
                count += 1
            return count

        contenders: dict[str, Contender] = {
            "raw": raw.walk,
            "raw_first_round": raw.walk_first_round,
            "iter_events": library["iter_events"],
            "iter_events_hint": hinted,
            "backfill_day": library["backfill_day"],
        }
        if reset_stats is not None:
            reset_stats()
        samples = await interleave(contenders, rounds, expect=config.events)
        seen = read_stats()["max_in_flight"] if read_stats is not None else -1
    finally:
        await raw.aclose()
        await monuv.aclose()
    return LatencyResult(config, concurrency, samples, seen)


def report(result: LatencyResult) -> Report:
    """The table, and a check per library walk against its target."""
    config, floor = result.config, result.floor
    rows = [("floor  L + ceil((N-1)/C) * L", fmt_s(floor), "1.00x", "formula")]
    for key, label in LABELS.items():
        s = result.samples[key]
        runs = " ".join(f"{r.wall:.3f}" for r in s.runs)
        rows.append((label, fmt_s(s.wall), f"{s.wall / floor:.2f}x", runs))
    lines = [
        f"{config.pages} pages x {config.per_page} events over {config.days} days, "
        f"{config.latency * 1000:.0f} ms per answer, max_concurrency={result.concurrency}, "
        f"{len(result.samples['raw'].runs)} interleaved rounds (median wall)",
        "",
        *table(["contender", "wall", "vs formula", "runs (s)"], rows),
        "",
        f"server saw at most {result.server_max_in_flight} requests in flight "
        f"(bound {result.concurrency})",
    ]
    checks = [
        Check(f"{key} wall vs formula floor", result.samples[key].wall / floor, target)
        for key, target in TARGETS.items()
    ]
    title = (
        f"latency-bound: {config.pages} pages x {config.per_page} events, "
        f"{config.latency * 1000:.0f} ms, C={result.concurrency}"
    )
    return Report("latency", title, lines, checks)


def run(*, quick: bool = False) -> Report:
    """Start the server in another process, measure, and print the report."""
    return run_against_server(
        QUICK if quick else CONFIG,
        measure,
        report,
        start=start_pages_server,
        config=QUICK if quick else CONFIG,
        concurrency=QUICK_CONCURRENCY if quick else CONCURRENCY,
        rounds=1 if quick else ROUNDS,
    )


if __name__ == "__main__":
    sys.exit(0 if all(c.met for c in run(quick="--quick" in sys.argv).checks) else 1)
