"""Writing the results: the machine they were measured on, ``RESULTS.md`` and ``results.png``."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from . import Report

__all__ = ["load_average", "machine", "write_markdown", "write_plot"]


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    info = {
        "nproc": str(usable if usable is not None else os.cpu_count()),
        "cpu": _cpu_model(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load average at start": load_average(),
    }
    versions = []
    for package in ("monuv-async", "aiohttp", "attrs", "cattrs", "orjson", "msgspec"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    info["packages"] = ", ".join(versions)
    return info


def load_average() -> str:
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


def write_markdown(reports: list[Report], info: dict[str, str], seconds: float, path: Path) -> None:
    """``path``: the machine, every target at a glance, then a table and figures per benchmark."""
    checks = [c for r in reports for c in r.checks]
    met = sum(c.met for c in checks)
    out = [
        "# monuv-async benchmarks",
        "",
        "Written by `python -m benchmarks` (`nox -s bench`); do not edit by hand.",
        "The event walks and simple calls run against a server of pre-built pages in",
        "another process on 127.0.0.1 (`benchmarks/_pages_server.py`), provisioning against",
        "a `MonuvSimulator` in another process; see each module's docstring for what is",
        "measured and how. Targets are those of issue 14. The machine is shared: contenders",
        "run interleaved and medians are quoted; compare ratios rather than absolute times.",
        "",
        "| machine | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in info.items()],
        f"| whole run | {seconds:.0f} s |",
        "",
        f"**{met} of {len(checks)} targets met.**",
        "",
        "| benchmark | figure | value | target | met |",
        "|---|---|---:|---:|:---:|",
        *[
            f"| {rep.key} | {c.figure} | {c.value_text()} | {c.target_text()} | "
            f"{'yes' if c.met else '**no**'} |"
            for rep in reports
            for c in rep.checks
        ],
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
    path.write_text("\n".join(out))


def write_plot(reports: list[Report], info: dict[str, str], path: Path) -> None:
    """``path``: the share of each target used, one bar per check."""
    import matplotlib  # noqa: PLC0415 - bench-only dependency, imported when writing

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    checks = [c for rep in reports for c in rep.checks]
    labels = [f"({rep.key}) {c.figure}" for rep in reports for c in rep.checks]
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
    fig.savefig(path, dpi=120)
    plt.close(fig)
