"""CLI start-up: wall time of ``monuv --help`` and ``monuv --version``.

Each command runs as a fresh process (the installed ``monuv`` console script
beside this interpreter), its output discarded; the runs are interleaved
(help, version, help, ...) and the median is quoted. For scale, the same is
measured for a bare interpreter (``python -c pass``) and for ``import
monuv_async`` alone: the gap between the interpreter and ``--help`` is what
the CLI's imports cost.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import Check, Report, median, printed, table

__all__ = ["RUNS", "StartupResult", "commands", "measure", "report", "run"]

RUNS = 15
QUICK_RUNS = 2
TARGET_MS = 120.0


def _monuv() -> list[str]:
    """The console script installed with this interpreter, else ``python -m monuv_async``."""
    beside = shutil.which("monuv", path=str(Path(sys.executable).parent))
    return [beside] if beside else [sys.executable, "-m", "monuv_async"]


def commands() -> dict[str, list[str]]:
    """What is timed, by label."""
    monuv = _monuv()
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import monuv_async'": [sys.executable, "-c", "import monuv_async"],
        "monuv --help": [*monuv, "--help"],
        "monuv --version": [*monuv, "--version"],
    }


@dataclasses.dataclass(frozen=True)
class StartupResult:
    """Wall seconds of every run, by label."""

    runs: dict[str, list[float]]

    def ms(self, label: str) -> float:
        """The median, in milliseconds."""
        return median(self.runs[label]) * 1000


def _once(argv: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False, timeout=60)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        msg = f"{' '.join(argv[-2:])} exited {done.returncode}: {done.stderr[-500:]!r}"
        raise RuntimeError(msg)
    return seconds


def measure(runs: int = RUNS) -> StartupResult:
    """One warm-up of each (the page cache), then ``runs`` interleaved rounds."""
    todo = commands()
    for argv in todo.values():
        _once(argv)
    times: dict[str, list[float]] = {label: [] for label in todo}
    for _ in range(runs):
        for label, argv in todo.items():
            times[label].append(_once(argv))
    return StartupResult(times)


def report(result: StartupResult) -> Report:
    """The table, and a check per CLI command."""
    base = result.ms("python -c pass")
    rows = [
        (label, f"{result.ms(label):.0f}", f"{result.ms(label) - base:+.0f}", f"{len(runs)}")
        for label, runs in result.runs.items()
    ]
    lines = [
        "a fresh process per run, interleaved, median wall time",
        "",
        *table(["command", "wall ms", "vs bare python", "runs"], rows),
    ]
    checks = [
        Check(f"{label} wall", result.ms(label), TARGET_MS, " ms", decimals=0)
        for label in ("monuv --help", "monuv --version")
    ]
    return Report("startup", "CLI start-up", lines, checks)


def run(*, quick: bool = False) -> Report:
    """Measure and print the report."""
    return printed(lambda: report(measure(QUICK_RUNS if quick else RUNS)))


if __name__ == "__main__":
    sys.exit(0 if all(c.met for c in run(quick="--quick" in sys.argv).checks) else 1)
