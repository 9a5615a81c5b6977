"""``python -m benchmarks [NAME ...] [--quick] [--output PATH] [--plot PATH]``.

Without a name, runs every benchmark of :data:`ALL` one after the other (each
against its own server process), prints each report as it finishes, then
writes ``benchmarks/RESULTS.md`` (the machine, every target at a glance, a
table and the printed figures per benchmark) and ``benchmarks/results.png``
(the share of each target used; needs matplotlib).

With names (``cpu``, ``latency``, ``memory``, ``calls``, ``startup``,
``provision``, ``load``), runs only those and writes nothing unless
``--output`` is given. ``--quick`` runs everything at a tiny size, in
seconds, to check that the harness works (its figures mean nothing), and
writes nothing unless ``--output`` is given.

Exits 0 when every target was met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from . import Report, calls, cpu, latency, load, memory, provision, startup
from ._results import load_average, machine, write_markdown, write_plot

HERE = Path(__file__).resolve().parent
RESULTS_MD = HERE / "RESULTS.md"
RESULTS_PNG = HERE / "results.png"

Runner = Callable[..., Report]
BENCHMARKS: dict[str, Runner] = {
    "cpu": cpu.run,
    "latency": latency.run,
    "memory": memory.run,
    "calls": calls.run,
    "startup": startup.run,
    "provision": provision.run,
    "load": load.run,
}
ALL = ("cpu", "latency", "memory", "calls", "startup", "provision")
"""What a bare ``python -m benchmarks`` runs (``load`` only on request: it has no quick size)."""


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the harness")
    parser.add_argument("--output", type=Path, help="where to write the Markdown results")
    parser.add_argument("--plot", type=Path, help="where to write the PNG chart")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})"
        )
    if "load" in args.names and args.quick:
        parser.error("load has no --quick size")
    full = not args.names and not args.quick
    if args.output is None and full:
        args.output = RESULTS_MD
    if args.plot is None and full:
        args.plot = RESULTS_PNG
    return args


def main(argv: list[str]) -> int:
    """Run the benchmarks asked for; 0 if every target was met."""
    args = parse(argv)
    names = args.names or list(ALL)
    started = time.perf_counter()
    info = machine()
    print(
        f"monuv-async benchmarks{' (QUICK: figures mean nothing)' if args.quick else ''}: "
        f"nproc {info['nproc']}, {info['cpu']}, {info['python']}, {info['date']}, "
        f"load {info['load average at start']}\n{info['packages']}\n",
        flush=True,
    )
    reports = []
    for name in names:
        runner = BENCHMARKS[name]
        reports.append(runner() if name == "load" else runner(quick=args.quick))
        print(flush=True)
    seconds = time.perf_counter() - started
    info["load average at end"] = load_average()
    if args.quick:
        info["mode"] = "QUICK (tiny sizes: these figures mean nothing)"
    if args.output is not None:
        write_markdown(reports, info, seconds, args.output)
    if args.plot is not None:
        try:
            write_plot(reports, info, args.plot)
        except ImportError:
            print("matplotlib is not installed: no chart written", flush=True)
    checks = [c for r in reports for c in r.checks]
    missed = [c for c in checks if not c.met]
    print("== summary ==")
    for rep in reports:
        for c in rep.checks:
            print(f"  {rep.key}: {c.line()}")
    print(f"\n{len(checks) - len(missed)} of {len(checks)} targets met; whole run {seconds:.1f} s")
    written = [str(p) for p in (args.output, args.plot) if p is not None]
    if written:
        print("wrote " + ", ".join(written))
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
