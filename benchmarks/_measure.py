"""Timing contenders side by side: client CPU and wall, interleaved rounds, medians.

Every contender is an ``async () -> int`` (the events or requests it
handled) set up once beforehand (its client or session open and warmed), so
a round measures the walk alone. :func:`interleave` runs them ABAB...: round
1 runs every contender once, then round 2, and so on, so a burst of load from
elsewhere on the machine lands on all of them rather than on one.

Client CPU is ``time.process_time()`` of this process (the server runs in
another one): on a shared machine it is the figure least disturbed by other
work, and the one that shows the library's own cost when the wall time is
bounded by the server.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence

from . import median

__all__ = ["Contender", "Sample", "Samples", "interleave", "per_round", "timed"]

Contender = Callable[[], Awaitable[int]]


@dataclasses.dataclass(frozen=True)
class Sample:
    """One run: wall seconds, client CPU seconds, and the count it handled."""

    wall: float
    cpu: float
    count: int


@dataclasses.dataclass(frozen=True)
class Samples:
    """Every round of one contender."""

    runs: tuple[Sample, ...]

    @property
    def wall(self) -> float:
        """Median wall seconds."""
        return median(s.wall for s in self.runs)

    @property
    def cpu(self) -> float:
        """Median client CPU seconds."""
        return median(s.cpu for s in self.runs)

    @property
    def count(self) -> int:
        """What the last run handled (every run must agree; :func:`interleave` checks)."""
        return self.runs[-1].count

    def cpu_us_each(self) -> float:
        """Median client CPU per event (or request), in microseconds."""
        return self.cpu / self.count * 1e6

    def ratios(self, other: Samples, *, cpu: bool) -> list[float]:
        """This contender's time over ``other``'s, round by round."""
        pairs = zip(self.runs, other.runs, strict=True)
        if cpu:
            return [a.cpu / b.cpu for a, b in pairs]
        return [a.wall / b.wall for a, b in pairs]


async def timed(contender: Contender) -> Sample:
    """Run ``contender`` once, after a collection, and time it."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    count = await contender()
    return Sample(time.perf_counter() - wall, time.process_time() - cpu, count)


async def interleave(
    contenders: Mapping[str, Contender], rounds: int, *, expect: int | None = None
) -> dict[str, Samples]:
    """Warm every contender up once, then ``rounds`` rounds of each in turn.

    Each round starts one contender further along (A B C, B C A, C A B, ...),
    so over a multiple of their number of rounds each has run in every
    position equally often: whatever the one before leaves behind (garbage
    to collect, a cold cache, a burst of the server's work) falls on all
    alike. ``expect``: the count every run must report (a walk that lost or
    doubled events is a broken benchmark, not a fast one).
    """
    order = list(contenders.items())
    runs: dict[str, list[Sample]] = {name: [] for name in contenders}
    for round_ in range(rounds + 1):
        shift = (round_ - 1) % len(order) if round_ else 0
        for name, contender in order[shift:] + order[:shift]:
            sample = await timed(contender)
            if expect is not None and sample.count != expect:
                msg = f"{name} handled {sample.count}, expected {expect}"
                raise RuntimeError(msg)
            if round_:  # round 0 is the warm-up
                runs[name].append(sample)
    return {name: Samples(tuple(samples)) for name, samples in runs.items()}


def per_round(values: Sequence[float]) -> str:
    """Figures of each round, for the printed report."""
    return " ".join(f"{v:.2f}" for v in values)
