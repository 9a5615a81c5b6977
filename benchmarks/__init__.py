"""Benchmarks of ``monuv_async``, side by side with the alternatives (issue 14).

Run them all with ``python -m benchmarks`` (or ``nox -s bench``), one with
``python -m benchmarks cpu`` (or ``python -m benchmarks.cpu``), or all at a
tiny size with ``--quick``. Modules:

* :mod:`~benchmarks.cpu`: client CPU per event of the event walks vs a floor;
* :mod:`~benchmarks.latency`: latency-bound walks vs the formula floor;
* :mod:`~benchmarks.memory`: peak RSS growth streaming 100k / 400k events;
* :mod:`~benchmarks.calls`: per-request overhead of a simple call;
* :mod:`~benchmarks.startup`: ``monuv --help`` / ``--version`` wall time;
* :mod:`~benchmarks.provision` and :mod:`~benchmarks.load`: bulk creates and a
  mixed load against the simulator.

The event walks and simple calls talk to a server of pre-built pages
(:mod:`benchmarks._pages_server`) in *another process*, so the server's work
never lands on the measured process nor limits it. Only the public API of
``monuv_async`` is used, and the ``monuv`` console script.

Nothing here asserts a time. Every target is a :class:`Check`: a missed one is
printed plainly as ``MISSED`` with its number. The token of every run is a
fresh random string that is never printed.

This module holds what the benchmarks share: the report types, the fixed
clock of the simulated data, and small formatting helpers.
"""

from __future__ import annotations

import dataclasses
import math
import secrets
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = [
    "FIXED_NOW",
    "SAO_PAULO",
    "Check",
    "Report",
    "fmt_ms",
    "fmt_s",
    "median",
    "new_token",
    "printed",
    "table",
]

SAO_PAULO = ZoneInfo("America/Sao_Paulo")

FIXED_NOW = datetime(2025, 6, 2, 12, 0, 0, tzinfo=SAO_PAULO)
"""The simulator's clock in every benchmark, so the data set is the same run to run."""


def new_token() -> str:
    """A fresh partner token for one run (never printed)."""
    return "bench-" + secrets.token_urlsafe(18)


@dataclasses.dataclass(frozen=True)
class Check:
    """One figure against its target."""

    figure: str
    value: float
    target: float
    unit: str = "x"
    higher_is_better: bool = False
    decimals: int = 3

    @property
    def met(self) -> bool:
        """Whether the figure meets its target (a NaN never does)."""
        if math.isnan(self.value):
            return False
        if self.higher_is_better:
            return self.value >= self.target
        return self.value <= self.target

    @property
    def budget_used(self) -> float:
        """Share of the target used: 1.0 exactly on target, above 1.0 missed."""
        if self.higher_is_better:
            return self.target / self.value if self.value > 0 else math.inf
        return self.value / self.target if self.target > 0 else math.inf

    def target_text(self) -> str:
        """``<= 1.10x`` or ``>= 13.00x``."""
        sign = ">=" if self.higher_is_better else "<="
        return f"{sign} {self.target:.{min(self.decimals, 2)}f}{self.unit}"

    def value_text(self) -> str:
        """The figure with its unit."""
        return f"{self.value:.{self.decimals}f}{self.unit}"

    def verdict(self) -> str:
        """``met`` or ``MISSED``."""
        return "met" if self.met else "MISSED"

    def line(self) -> str:
        """``figure: value (target ...): met``, as printed."""
        return f"{self.figure}: {self.value_text()} (target {self.target_text()}): {self.verdict()}"


@dataclasses.dataclass
class Report:
    """What one benchmark found: the lines it printed and its checks."""

    key: str
    title: str
    lines: list[str] = dataclasses.field(default_factory=list)
    checks: list[Check] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    """How long the benchmark took, server start-up included."""

    def text(self) -> str:
        """The whole printed report."""
        head = f"== {self.title} =="
        verdicts = ["", "targets:"] + [f"  {c.line()}" for c in self.checks]
        return "\n".join([head, *self.lines, *verdicts])


def printed(make: Callable[[], Report]) -> Report:
    """Build a report with ``make()``, note the seconds it took, print and return it."""
    started = time.perf_counter()
    rep = make()
    rep.seconds = time.perf_counter() - started
    print(rep.text(), flush=True)
    return rep


def median(values: Iterable[float]) -> float:
    """The median (of at least one value)."""
    return statistics.median(list(values))


def fmt_s(seconds: float) -> str:
    """Seconds with three decimals."""
    return f"{seconds:.3f} s"


def fmt_ms(seconds: float) -> str:
    """Seconds shown in milliseconds."""
    return f"{seconds * 1000:.1f} ms"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """Rows aligned in columns (first column left, the others right)."""
    all_rows = [list(header), *[list(r) for r in rows]]
    widths = [max(len(row[i]) for row in all_rows) for i in range(len(header))]

    def render(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells).rstrip()

    lines = [render(all_rows[0]), "  ".join("-" * w for w in widths)]
    lines += [render(row) for row in all_rows[1:]]
    return lines
