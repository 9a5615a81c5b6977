"""Memory: peak RSS growth while streaming 100k and 400k events at ``max_concurrency=16``.

Two pre-built-pages servers (another process each) hold 100,000 and 400,000
events at 500 a page (the largest page, so the most memory per buffered
page), both at 10,000 events a day: the 400k data set is 4x longer (40 days
instead of 10), not 4x denser, so ``backfill(split="day")`` has sub-windows of
the same size in both and only the length of the walk changes.

Each (walk, size) runs in a *fresh* Python subprocess, so peaks are never
shared, :data:`RUNS` times (the walks interleaved), and the run of median
growth is quoted: one peak is one instant of a timing-dependent quantity,
the pages held when the allocator happens to grow. The child builds a
client (``max_concurrency=16``), reads one page (session, connection and
converter ready), collects garbage, and takes the baseline RSS. Then it
streams every event through ``iter_events()`` or ``backfill(split="day")``,
counting each one and dropping it, while a thread samples the RSS (psutil,
every 2 ms); ``getrusage``'s ``ru_maxrss`` is read too, and counts only if
it rose during the walk (on Linux it keeps the parent's peak across fork and
exec, so it often starts above the child's own RSS and never rises). Growth
is the peak minus the baseline.

RSS also counts what the allocator keeps after freeing (fragmentation), so a
second fresh subprocess per (walk, size) runs the same walk under
``tracemalloc``, started after the baseline: its peak is the most Python
memory the walk held alive at once. It is shown beside the RSS for
diagnosis; the targets are on RSS.

Target (issue 14): at most 4 MB of growth for every walk at both sizes, and
flat in N (the 400k growth minus the 100k one is printed).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import json
import os
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
from datetime import date
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs; a bench-only dependency

from monuv_async import MonuvClient

from . import Check, Report, printed, table
from ._pages import PagesConfig
from ._pages_server import start_pages_server
from ._server import ROOT, TOKEN_ENV, take_token

__all__ = ["MODES", "QUICK_SIZES", "SIZES", "MemorySample", "measure", "report", "run", "stream"]

MB = 1024 * 1024
CONCURRENCY = 16
SIZES = {
    100_000: PagesConfig(pages=200, per_page=500, days=10),
    400_000: PagesConfig(pages=800, per_page=500, days=40),
}
QUICK_SIZES = {
    40: PagesConfig(pages=4, per_page=10, days=2),
    80: PagesConfig(pages=8, per_page=10, days=4),
}
MODES = ("iter_events", "backfill_day")
TARGET_MB = 4.0
RUNS = 3
"""RSS subprocesses per (walk, size), the modes interleaved; the median growth is quoted."""


@dataclasses.dataclass(frozen=True)
class MemorySample:
    """One walk: events read, baseline and peak RSS in bytes, seconds."""

    mode: str
    events: int
    baseline: int
    peak: int
    sampled_peak: int
    maxrss_rose: bool
    seconds: float
    heap_peak: int | None = None
    """With ``trace``: tracemalloc's peak during the walk (its RSS figures are then moot)."""

    @property
    def growth(self) -> int:
        """Peak minus baseline, in bytes."""
        return self.peak - self.baseline


class _Sampler:
    """A thread reading this process's RSS every ``interval`` seconds, keeping the peak."""

    def __init__(self, interval: float = 0.002) -> None:
        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def _maxrss_bytes() -> int:
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value if sys.platform == "darwin" else value * 1024


async def stream(
    url: str,
    token: str,
    mode: str,
    *,
    window: tuple[date, date] | None = None,
    concurrency: int = CONCURRENCY,
    trace: bool = False,
) -> MemorySample:
    """Stream every event through ``mode`` and measure this process's RSS around it.

    With ``trace``, tracemalloc runs during the walk and its peak is reported.
    """
    async with MonuvClient(token, base_url=url, max_concurrency=concurrency) as monuv:
        await monuv.events_page(page=1)
        gc.collect()
        process = psutil.Process()
        baseline = process.memory_info().rss
        maxrss_before = _maxrss_bytes()
        events = 0
        started = time.perf_counter()
        if trace:
            tracemalloc.start()
        with _Sampler() as sampler:
            if mode == "iter_events":
                async for _ in monuv.iter_events():
                    events += 1
            elif mode == "backfill_day":
                if window is None:
                    msg = "backfill_day needs a window"
                    raise ValueError(msg)
                async with monuv.backfill(
                    start_at=window[0], end_at=window[1], split="day"
                ) as walk:
                    async for _ in walk:
                        events += 1
            else:
                msg = f"mode: unknown {mode!r}"
                raise ValueError(msg)
        seconds = time.perf_counter() - started
        heap_peak = None
        if trace:
            heap_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        maxrss_after = _maxrss_bytes()
    maxrss_rose = maxrss_after > maxrss_before
    peak = max(sampler.peak, maxrss_after) if maxrss_rose else sampler.peak
    return MemorySample(mode, events, baseline, peak, sampler.peak, maxrss_rose, seconds, heap_peak)


def _in_subprocess(
    url: str, token: str, mode: str, window: tuple[date, date], *, trace: bool = False
) -> MemorySample:
    """Run :func:`stream` in a fresh interpreter and read its answer."""
    args = {
        "url": url,
        "mode": mode,
        "start": window[0].isoformat(),
        "end": window[1].isoformat(),
        "trace": trace,
    }
    env = dict(os.environ)
    env[TOKEN_ENV] = token
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", "--child", json.dumps(args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        msg = f"memory child ({mode}) failed with code {done.returncode}:\n{done.stderr[-2000:]}"
        raise RuntimeError(msg)
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return MemorySample(**answer)


def _child(argv: list[str]) -> None:
    token = take_token()
    args = json.loads(argv[0])
    window = (date.fromisoformat(args["start"]), date.fromisoformat(args["end"]))
    sample = asyncio.run(
        stream(args["url"], token, args["mode"], window=window, trace=bool(args["trace"]))
    )
    print(json.dumps(dataclasses.asdict(sample)), flush=True)


@dataclasses.dataclass
class MemoryResult:
    """Samples keyed by (mode, events in the data set): the run of median growth, and all."""

    samples: dict[tuple[str, int], MemorySample]
    heap_peaks: dict[tuple[str, int], int]
    per_page: int
    concurrency: int
    runs: dict[tuple[str, int], tuple[MemorySample, ...]] = dataclasses.field(default_factory=dict)


def measure(
    sizes: dict[int, PagesConfig] | None = None,
    modes: tuple[str, ...] = MODES,
    *,
    runs: int = RUNS,
) -> MemoryResult:
    """One server per size; per (mode, size), ``runs`` fresh RSS subprocesses, one traced.

    One RSS figure is one peak of a sampled, timing-dependent quantity (how
    many pages happen to be held when the allocator grows): the median of a
    few runs is the walk's, not one unlucky instant's.
    """
    sizes = SIZES if sizes is None else sizes
    every: dict[tuple[str, int], list[MemorySample]] = {}
    heap_peaks: dict[tuple[str, int], int] = {}
    for size, config in sizes.items():
        with start_pages_server(config) as server:
            plan = [(mode, False) for _ in range(runs) for mode in modes]
            for mode, trace in plan + [(mode, True) for mode in modes]:
                sample = _in_subprocess(server.url, server.token, mode, config.window, trace=trace)
                if sample.events != size:
                    msg = f"{mode} read {sample.events} events, expected {size}"
                    raise RuntimeError(msg)
                if trace:
                    heap_peaks[mode, size] = sample.heap_peak or 0
                else:
                    every.setdefault((mode, size), []).append(sample)
    samples = {key: _median_growth(found) for key, found in every.items()}
    per_page = next(iter(sizes.values())).per_page
    runs_of = {key: tuple(found) for key, found in every.items()}
    return MemoryResult(samples, heap_peaks, per_page, CONCURRENCY, runs_of)


def _median_growth(samples: list[MemorySample]) -> MemorySample:
    """The sample whose growth is the median (the upper one of an even count)."""
    return sorted(samples, key=lambda s: s.growth)[len(samples) // 2]


def report(result: MemoryResult) -> Report:
    """The figures, side by side, and the checks against the targets."""
    rows = []
    for (mode, size), s in sorted(result.samples.items()):
        rows.append(
            (
                f"{mode} {size:,}",
                f"{s.baseline / MB:.1f}",
                f"{s.peak / MB:.1f}",
                f"{s.growth / MB:.2f}",
                f"{result.heap_peaks.get((mode, size), 0) / MB:.2f}",
                " ".join(f"{r.growth / MB:.2f}" for r in result.runs.get((mode, size), (s,))),
                "yes" if s.maxrss_rose else "no",
                f"{s.seconds:.2f}",
                f"{s.events / s.seconds:,.0f}",
            )
        )
    lines = [
        f"{result.per_page} events a page, max_concurrency={result.concurrency}, "
        "a fresh subprocess per walk; the run of median growth is shown",
        "",
        *table(
            [
                "walk",
                "baseline MB",
                "peak MB",
                "growth MB",
                "heap peak MB",
                "growth, every run",
                "maxrss rose",
                "seconds",
                "events/s",
            ],
            rows,
        ),
        "(heap peak: tracemalloc's peak during the same walk in another fresh subprocess)",
    ]
    checks: list[Check] = []
    sizes = sorted({size for _, size in result.samples})
    for mode in sorted({mode for mode, _ in result.samples}):
        growth = [result.samples[mode, size].growth / MB for size in sizes]
        checks += [
            Check(f"{mode} RSS growth, {size:,} events", value, TARGET_MB, " MB", decimals=2)
            for size, value in zip(sizes, growth, strict=True)
        ]
        lines.append(
            f"{mode}: growth at {sizes[-1]:,} minus growth at {sizes[0]:,} = "
            f"{growth[-1] - growth[0]:+.2f} MB (flat in N: near 0)"
        )
    title = f"memory: streaming {', '.join(f'{s:,}' for s in sizes)} events, C={CONCURRENCY}"
    return Report("memory", title, lines, checks)


def run(*, quick: bool = False) -> Report:
    """Start the servers, measure each walk in its own subprocess, print the report."""
    if quick:
        return printed(lambda: report(measure(QUICK_SIZES, runs=1)))
    return printed(lambda: report(measure(SIZES)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2:])
    else:
        with contextlib.suppress(KeyboardInterrupt):
            sys.exit(0 if all(c.met for c in run(quick="--quick" in sys.argv).checks) else 1)
