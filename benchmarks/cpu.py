"""CPU: client CPU per event reading 200 pages of 500 events, no latency.

The pre-built-pages server (another process) answers at once, so what is
left is the client's cost of moving and reading pages. Four contenders, each
with its own client or session opened and warmed once, run interleaved
over several rounds, each round starting one contender further along (so
each runs in every position equally often):

* the floor: raw aiohttp, ``await resp.read()``, ``orjson.loads`` and
  ``len(data)``: page 1 first (for ``last_page``), then the rest under a
  semaphore of C, as the library fetches them -- no model is built;
* ``iter_event_pages()``, counting ``len(page.events)``;
* ``iter_events()``, each event consumed;
* ``backfill(split="day")`` over the data set's days, each event consumed.

Every client uses the same ``max_concurrency`` (8, the library's default).
Quoted: the median client CPU (``time.process_time``) per event, the ratio of
each median to the floor's, and the per-round ratios (each round's contender
over the same round's floor) to show the spread, with the ratio of the
fastest rounds (the ones least disturbed by the rest of the machine; printed
only, the targets are checked on the medians). Wall time is shown too, but
the server on the other core bounds it: the CPU ratio is the library's own
cost.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from monuv_async import MonuvClient

from . import Check, Report, median, table
from ._measure import Contender, Samples, interleave, per_round
from ._pages import PagesConfig
from ._pages_server import start_pages_server
from ._raw import RawClient
from ._server import run_against_server

__all__ = ["CONFIG", "QUICK", "CpuResult", "measure", "report", "run"]

CONFIG = PagesConfig(pages=200, per_page=500, days=10)
"""200 pages x 500 events = 100,000 events, 10,000 a day (20 pages a day)."""
QUICK = PagesConfig(pages=6, per_page=20, days=3)
CONCURRENCY = 8
ROUNDS = 32
"""Eight of each contender in each position (see :func:`~._measure.interleave`). On
this shared machine one round's ratio ranges over 1.6-3.7x; at 16 rounds, eight
runs' iter_events figure spread over 2.05-2.40x, at 32 three spread over 2.15-2.24x."""
TARGETS = {"iter_event_pages": 2.1, "iter_events": 2.3, "backfill_day": 2.8}
"""Issue 14: client CPU at most this many times the floor's (iter_events: stretch 2.0)."""
LABELS = {
    "floor": "floor  aiohttp read + orjson.loads + len(data)",
    "iter_event_pages": "library  iter_event_pages()",
    "iter_events": "library  iter_events()",
    "backfill_day": 'library  backfill(split="day")',
}


@dataclasses.dataclass(frozen=True)
class CpuResult:
    """The samples of every contender, keyed as in :data:`LABELS`."""

    config: PagesConfig
    concurrency: int
    samples: dict[str, Samples]


async def library_contenders(monuv: MonuvClient, config: PagesConfig) -> dict[str, Contender]:
    """The three library walks over the whole data set, each returning the events read."""
    start, end = config.window

    async def pages() -> int:
        count = 0
        async for page in monuv.iter_event_pages():
            count += len(page.events)
        return count

    async def events() -> int:
        count = 0
        async for _ in monuv.iter_events():
            count += 1
        return count

    async def backfill() -> int:
        count = 0
        async with monuv.backfill(start_at=start, end_at=end, split="day") as walk:
            async for _ in walk:
                count += 1
        return count

    return {"iter_event_pages": pages, "iter_events": events, "backfill_day": backfill}


async def measure(
    url: str,
    token: str,
    *,
    config: PagesConfig = CONFIG,
    concurrency: int = CONCURRENCY,
    rounds: int = ROUNDS,
    **_: Any,
) -> CpuResult:
    """Open every contender, warm it up, and run ``rounds`` interleaved rounds."""
    raw = RawClient(url, token, concurrency)
    monuv = MonuvClient(token, base_url=url, max_concurrency=concurrency)
    try:
        contenders: dict[str, Contender] = {"floor": raw.walk}
        contenders.update(await library_contenders(monuv, config))
        samples = await interleave(contenders, rounds, expect=config.events)
    finally:
        await raw.aclose()
        await monuv.aclose()
    return CpuResult(config, concurrency, samples)


def report(result: CpuResult) -> Report:
    """The table, and a check per library walk against its target."""
    floor = result.samples["floor"]
    config = result.config
    rows = []
    for key, label in LABELS.items():
        s = result.samples[key]
        rows.append(
            (
                label,
                f"{s.cpu_us_each():.2f}",
                f"{s.cpu / floor.cpu:.2f}x",
                f"{s.cpu:.3f}",
                f"{s.wall:.3f}",
                f"{s.wall / floor.wall:.2f}x",
            )
        )
    head = ["contender", "CPU us/event", "CPU vs floor", "CPU s", "wall s", "wall vs floor"]
    lines = [
        f"{config.pages} pages x {config.per_page} events ({config.events:,} events) over "
        f"{config.days} days, no latency, max_concurrency={result.concurrency}, "
        f"{len(floor.runs)} interleaved rounds (medians)",
        "",
        *table(head, rows),
        "",
    ]
    checks = []
    for key, target in TARGETS.items():
        s = result.samples[key]
        ratios = s.ratios(floor, cpu=True)
        fastest = min(r.cpu for r in s.runs) / min(r.cpu for r in floor.runs)
        lines.append(
            f"{key} / floor, client CPU, per round: {per_round(ratios)} "
            f"(median {median(ratios):.2f}x; fastest rounds {fastest:.2f}x)"
        )
        checks.append(Check(f"{key} client CPU vs floor", s.cpu / floor.cpu, target))
    busy = {key: s.cpu / s.wall for key, s in result.samples.items()}
    lines.append(
        "client process busy (CPU / wall): "
        + ", ".join(f"{key} {share:.0%}" for key, share in busy.items())
    )
    title = f"CPU per event: {config.pages} pages x {config.per_page} events, no latency"
    return Report("cpu", title, lines, checks)


def run(*, quick: bool = False) -> Report:
    """Start the server in another process, measure, and print the report."""
    config = QUICK if quick else CONFIG
    return run_against_server(
        config,
        measure,
        report,
        start=start_pages_server,
        config=config,
        rounds=1 if quick else ROUNDS,
    )


if __name__ == "__main__":
    sys.exit(0 if all(c.met for c in run(quick="--quick" in sys.argv).checks) else 1)
