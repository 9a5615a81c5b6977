"""The results file of ``monuv cameras provision``: a report, one line per input row.

Each line gives a row's latest state, in input order: ``created`` (this run,
with the camera's id and ``rtmp_url``), ``skipped`` (created by an earlier
run), ``failed`` (with the reason: it was not created), ``unknown`` (sent, but
its answer was lost: it may exist, check Monuv) or ``pending`` (not sent yet:
the run was interrupted first). It is rewritten whole and atomically at the
end of a run and on interrupt, so it never grows with re-runs and is never
half-written. The run's memory is the journal (:mod:`.journal`); the report
is read back only to carry over what an older run recorded without one.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .output import Progress
from .terminal import for_terminal

__all__ = [
    "RESULT_FIELDS",
    "STATUSES",
    "Outcome",
    "ProvisionSummary",
    "RowProgress",
    "default_results_path",
    "load_report",
    "write_report",
]

STATUSES = ("created", "skipped", "failed", "unknown", "pending")
"""Every status a row can have in the report."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What happened to one input row."""

    row: int
    """1-based number of the data row (the header is not counted)."""
    description: str
    """The row's description: with ``row``, how a re-run recognises the row."""
    client_id: str
    status: str
    """One of :data:`STATUSES` (in the journal, also ``sending``)."""
    camera_id: int | None = None
    rtmp_url: str | None = None
    error: str = ""


RESULT_FIELDS = tuple(field.name for field in dataclasses.fields(Outcome))
"""The columns of the results file: an :class:`Outcome`'s fields, in order."""


@dataclasses.dataclass
class ProvisionSummary:
    """Counts of outcomes, by status."""

    created: int = 0
    skipped: int = 0
    failed: int = 0
    unknown: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        """Rows handled so far (pending ones not counted)."""
        return self.created + self.skipped + self.failed + self.unknown

    def add(self, status: str) -> None:
        """Count one more row of ``status``."""
        setattr(self, status, getattr(self, status) + 1)


def default_results_path(csv_path: Path) -> Path:
    """``cams.csv`` -> ``cams.results.csv``, beside the input."""
    return csv_path.with_name(csv_path.stem + ".results.csv")


def load_report(path: Path) -> dict[int, Outcome]:
    """The rows a report records as created (or skipped) or unknown, by row number.

    A missing or empty file means none. Reports of older versions (a ``key``
    column of ``"<row>:<description>"`` instead of ``description``) are read too.
    """
    if not path.exists():
        return {}
    found: dict[int, Outcome] = {}
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        if reader.fieldnames is None:
            return {}
        names = set(reader.fieldnames)
        if not {"row", "status"} <= names or not names & {"description", "key"}:
            msg = f"{path}: not a results file (expected columns {','.join(RESULT_FIELDS)})"
            raise ValueError(msg)
        for record in reader:
            status = record.get("status")
            number = record.get("row") or ""
            # A line cut by a crash (older versions appended) has missing cells.
            if status not in ("created", "skipped", "unknown") or not number.isdigit():
                continue
            description = record.get("description")
            if description is None:
                description = (record.get("key") or "").partition(":")[2]
            camera_id = record.get("camera_id") or ""
            found[int(number)] = Outcome(
                int(number),
                description,
                record.get("client_id") or "",
                "unknown" if status == "unknown" else "created",
                int(camera_id) if camera_id.isdigit() else None,
                record.get("rtmp_url") or None,
                record.get("error") or "",
            )
    return found


def _inert(text: str) -> str:
    """Server text as a cell no spreadsheet runs as a formula (a leading ``'``)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_report(path: Path, outcomes: Iterable[Outcome]) -> None:
    """Replace ``path`` with a report of ``outcomes``, atomically and durably.

    Written to a temporary file beside it, fsynced, then renamed over it: a
    crash at any instant leaves either the old report or the new one.
    """
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(RESULT_FIELDS)
            for outcome in outcomes:
                values = [getattr(outcome, name) for name in RESULT_FIELDS[:-1]]
                cells = ["" if value is None else value for value in values]
                writer.writerow([*cells, _inert(outcome.error)])
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class RowProgress:
    """The progress line on a terminal (stderr): rows done of total, counts, rate, time left."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self._total = total
        self._line = None if stream is None else Progress(stream)
        self._started = time.monotonic()

    def show(self, summary: ProvisionSummary) -> None:
        """Redraw (at most a few times a second) for ``summary``."""
        if self._line is None or not self._line.enabled:
            return
        self._line.update(
            for_terminal(progress_text(summary, self._total, time.monotonic() - self._started))
        )

    def clear(self) -> None:
        """Erase the line (before other text is written to its stream)."""
        if self._line is not None:
            self._line.clear()


def progress_text(summary: ProvisionSummary, total: int, elapsed: float) -> str:
    """``"12/40 rows: 10 created, 1 failed, 1 unknown; 4.0 rows/s, 7 s left"``."""
    done = summary.total
    text = (
        f"{done:,}/{total:,} rows: {summary.created:,} created, {summary.skipped:,} skipped,"
        f" {summary.failed:,} failed, {summary.unknown:,} unknown"
    )
    if done and elapsed > 0:
        rate = done / elapsed
        text += f"; {rate:.1f} rows/s, {max(total - done, 0) / rate:.0f} s left"
    return text
