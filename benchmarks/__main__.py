"""Run every benchmark, print it, and write ``benchmarks/RESULTS.md`` and ``results.png``.

``python -m benchmarks`` runs (a) latency, (b) CPU, (c) memory and
(d) provisioning one after the other, each against its own simulator process,
prints each report as it finishes, then writes:

* ``RESULTS.md``: the machine (CPUs, Python, date), a table per benchmark
  (figure, target, met yes/no) and each benchmark's printed figures;
* ``results.png``: one bar per target, the share of the target used
  (1.0 = exactly on target; beyond it, missed).

It exits 0 when every target was met, 1 otherwise. ``--profile`` adds the
HTTP-path cProfile to (b).
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from . import Report, cpu, latency, memory, provision

HERE = Path(__file__).resolve().parent
RESULTS_MD = HERE / "RESULTS.md"
RESULTS_PNG = HERE / "results.png"
_LETTERS = {"latency": "a", "cpu": "b", "memory": "c", "provision": "d"}


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    info = {
        "nproc": str(usable if usable is not None else os.cpu_count()),
        "cpu": _cpu_model(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load average at start": _load(),
    }
    versions = []
    for package in ("monuv-async", "aiohttp", "attrs", "cattrs", "orjson"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    info["packages"] = ", ".join(versions)
    return info


def _load() -> str:
    """1/5/15-minute load averages: other work on the machine skews every figure."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def write_markdown(reports: list[Report], info: dict[str, str], seconds: float) -> None:
    """``RESULTS.md``: machine, then a table and the printed figures per benchmark."""
    checks = [c for r in reports for c in r.checks]
    met = sum(c.met for c in checks)
    out = [
        "# monuv-async benchmarks",
        "",
        "Written by `python -m benchmarks` (`nox -s bench`); do not edit by hand.",
        "Each benchmark runs against a `MonuvSimulator` in another process on 127.0.0.1;",
        "see each module's docstring for what is measured and how.",
        "",
        "| machine | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in info.items()],
        f"| whole run | {seconds:.0f} s |",
        "",
        f"**{met} of {len(checks)} targets met.**",
        "",
    ]
    for rep in reports:
        out += [
            f"## {rep.title}",
            "",
            "| figure | value | target | met |",
            "|---|---:|---:|:---:|",
        ]
        out += [
            f"| {c.figure} | {c.value_text()} | {c.target_text()} | "
            f"{'yes' if c.met else '**no (MISSED)**'} |"
            for c in rep.checks
        ]
        out += ["", f"Took {rep.seconds:.1f} s. Printed figures:", "", "```", *rep.lines, "```", ""]
    RESULTS_MD.write_text("\n".join(out))


def write_plot(reports: list[Report], info: dict[str, str]) -> None:
    """``results.png``: the share of each target used, one bar per check."""
    import matplotlib  # noqa: PLC0415 - bench-only dependency, imported when writing

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    checks = [c for rep in reports for c in rep.checks]
    labels = [
        f"({_LETTERS.get(rep.key, rep.key)}) {c.figure}" for rep in reports for c in rep.checks
    ]
    used = [min(c.budget_used, 3.0) for c in checks]
    colors = ["#2e7d32" if c.met else "#c62828" for c in checks]
    fig, ax = plt.subplots(figsize=(11, 0.55 * len(checks) + 1.8))
    positions = list(range(len(checks)))[::-1]
    ax.barh(positions, used, color=colors)
    ax.axvline(1.0, color="black", linewidth=1, linestyle="--")
    ax.set_yticks(positions, labels, fontsize=8)
    ax.set_xlabel("share of target used (1.0 = on target; right of the line = missed)")
    for y, c, width in zip(positions, checks, used, strict=True):
        ax.text(
            width + 0.02,
            y,
            f"{c.value_text()} (target {c.target_text()})",
            va="center",
            fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )
    ax.set_xlim(0, max([*used, 1.0]) * 1.45)
    ax.set_title(
        f"monuv-async benchmarks: nproc {info['nproc']}, {info['python']}, {info['date']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(RESULTS_PNG, dpi=120)
    plt.close(fig)


def main(argv: list[str]) -> int:
    """Run everything; 0 if every target was met."""
    started = time.perf_counter()
    info = machine()
    print(
        f"monuv-async benchmarks: nproc {info['nproc']}, {info['cpu']}, {info['python']}, "
        f"{info['date']}\n{info['packages']}\n",
        flush=True,
    )
    runners: list[Callable[[], Report]] = [
        latency.run,
        lambda: cpu.run(http_profile="--profile" in argv),
        memory.run,
        provision.run,
    ]
    reports = []
    for runner in runners:
        reports.append(runner())
        print(flush=True)
    seconds = time.perf_counter() - started
    info["load average at end"] = _load()
    write_markdown(reports, info, seconds)
    write_plot(reports, info)
    checks = [c for r in reports for c in r.checks]
    missed = [c for c in checks if not c.met]
    print("== summary ==")
    for rep in reports:
        for c in rep.checks:
            print(f"  {rep.title}: {c.line()}")
    print(
        f"\n{len(checks) - len(missed)} of {len(checks)} targets met"
        + (f"; MISSED: {', '.join(c.figure for c in missed)}" if missed else "")
    )
    print(f"whole run: {seconds:.1f} s; wrote {RESULTS_MD.name} and {RESULTS_PNG.name}")
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
