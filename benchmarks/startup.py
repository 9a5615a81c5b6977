"""CLI start-up: wall time of ``monuv --help`` and ``monuv --version``.

Each command runs as a fresh process (the installed ``monuv`` console script
beside this interpreter), its output discarded; the runs are interleaved
(help, version, help, ...) and the median is quoted. For scale, the same is
measured for a bare interpreter (``python -c pass``) and for ``import
monuv_async`` alone: the gap between the interpreter and ``--help`` is what
the CLI's imports cost.

What is measured is whatever install this interpreter has, and the report
says which. In the development venv that is an editable install
(``pip install -e``), whose finder every interpreter start of that venv runs
from a ``.pth`` file, ``python -c pass`` included: it imports pathlib and
more, some 20-25 ms that a user's wheel install never pays. The targets are
checked on the absolute figures all the same, so an editable install
overstates the start-up (the "vs bare python" column is the part the package
adds either way).

The children run with bytecode caching on (``PYTHONDONTWRITEBYTECODE``
dropped from their environment), so the warm-up run leaves the package's
``__pycache__`` as an installed package has it (pip compiles at install):
with the variable set, every run would compile the package's modules again,
a cost no install pays.

Beside the wall time, the CPU time of each child (user + system, from
``getrusage``) is shown: on a machine shared with other work the wall time
also counts the waits for a core, the CPU time mostly does not. The targets
are checked on the wall time, as the issue states them.
"""

from __future__ import annotations

import dataclasses
import os
import resource
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


def install_kind() -> str:
    """Where this interpreter imports monuv_async from: site-packages or not (editable).

    Asked of a child started like the commands (``-I``: not from the current
    directory), not of this process's metadata, which a stray ``*.egg-info``
    in the source tree can answer instead of the installed distribution.
    """
    code = (
        "import monuv_async, sysconfig\n"
        "print(monuv_async.__file__, sysconfig.get_path('purelib'), sep='\\n')"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=_environment(),
    )
    package, purelib = done.stdout.splitlines()[:2]
    if Path(package).is_relative_to(purelib):
        return "a regular (wheel) install, from site-packages"
    root = Path(package).parent.parent
    return f"not from site-packages but {root}: editable (see benchmarks/startup.py)"


def _environment() -> dict[str, str]:
    """This environment with bytecode caching on (see above)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


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
    """Wall seconds of every run, by label, and the CPU seconds of the same runs."""

    runs: dict[str, list[float]]
    cpu: dict[str, list[float]] = dataclasses.field(default_factory=dict)

    def ms(self, label: str) -> float:
        """The median wall time, in milliseconds."""
        return median(self.runs[label]) * 1000

    def cpu_ms(self, label: str) -> float:
        """The median CPU time (user + system), in milliseconds."""
        return median(self.cpu[label]) * 1000


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _once(argv: list[str]) -> tuple[float, float]:
    """The wall and CPU seconds of one run of ``argv``."""
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False, timeout=60, env=_environment())
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    if done.returncode != 0:
        msg = f"{' '.join(argv[-2:])} exited {done.returncode}: {done.stderr[-500:]!r}"
        raise RuntimeError(msg)
    return seconds, cpu


def measure(runs: int = RUNS) -> StartupResult:
    """One warm-up of each (the page cache), then ``runs`` interleaved rounds."""
    todo = commands()
    for argv in todo.values():
        _once(argv)
    times: dict[str, list[float]] = {label: [] for label in todo}
    cpu: dict[str, list[float]] = {label: [] for label in todo}
    for _ in range(runs):
        for label, argv in todo.items():
            wall, used = _once(argv)
            times[label].append(wall)
            cpu[label].append(used)
    return StartupResult(times, cpu)


def report(result: StartupResult) -> Report:
    """The table, and a check per CLI command."""
    base = result.ms("python -c pass")
    rows = [
        (
            label,
            f"{result.ms(label):.0f}",
            f"{result.ms(label) - base:+.0f}",
            f"{result.cpu_ms(label):.0f}" if result.cpu else "-",
            f"{len(runs)}",
        )
        for label, runs in result.runs.items()
    ]
    lines = [
        "a fresh process per run, interleaved, medians",
        f"install measured: {install_kind()}; bytecode cached, as installed",
        "",
        *table(["command", "wall ms", "vs bare python", "CPU ms", "runs"], rows),
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
