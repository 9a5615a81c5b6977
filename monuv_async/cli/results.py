"""The results file of ``monuv cameras provision``: one line per row's outcome.

It is appended to and flushed after each outcome, so it is the run's memory: a
re-run reads it back (:func:`load_created`) to skip what was created before.
Its columns are :class:`Outcome`'s fields.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import TextIO

__all__ = [
    "RESULT_FIELDS",
    "Outcome",
    "ProvisionSummary",
    "ResultsFile",
    "default_results_path",
    "load_created",
]


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What happened to one input row."""

    row: int
    """1-based number of the data row (the header is not counted)."""
    key: str
    """``"<row>:<description>"``: how a re-run recognises a row it created before."""
    status: str
    """``created``, ``failed`` or ``skipped``."""
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

    @property
    def total(self) -> int:
        """Rows handled so far."""
        return self.created + self.skipped + self.failed


def default_results_path(csv_path: Path) -> Path:
    """``cams.csv`` -> ``cams.results.csv``, beside the input."""
    return csv_path.with_name(csv_path.stem + ".results.csv")


def load_created(path: Path) -> dict[int, Outcome]:
    """The rows a previous run recorded as ``created``, by row number.

    A missing or empty file means none. A row recorded several times counts
    as created if any of its records says so.
    """
    if not path.exists():
        return {}
    created: dict[int, Outcome] = {}
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        if reader.fieldnames is None:
            return {}
        if tuple(reader.fieldnames) != RESULT_FIELDS:
            msg = f"{path}: not a results file (expected columns {','.join(RESULT_FIELDS)})"
            raise ValueError(msg)
        for record in reader:
            # A line cut by a crash has missing cells; it cannot say "created".
            if record.get("status") != "created" or not (record.get("row") or "").isdigit():
                continue
            row = int(record["row"])
            camera_id = record.get("camera_id") or ""
            created[row] = Outcome(
                row,
                record.get("key") or "",
                "created",
                int(camera_id) if camera_id.isdigit() else None,
                record.get("rtmp_url") or None,
            )
    return created


class ResultsFile:
    """The results file, opened for appending; each outcome is flushed at once."""

    def __init__(self, path: Path) -> None:
        # A crash may have cut the last line: start ours on a fresh one.
        needs_newline = False
        if path.exists() and path.stat().st_size > 0:
            with path.open("rb") as raw:
                raw.seek(-1, 2)
                needs_newline = raw.read(1) not in (b"\n", b"\r")
        self._stream: TextIO = path.open("a", encoding="utf-8", newline="")
        if needs_newline:
            self._stream.write("\n")
        self._writer = csv.writer(self._stream, lineterminator="\n")
        if self._stream.tell() == 0:
            self._writer.writerow(RESULT_FIELDS)
            self._stream.flush()

    def write(self, outcome: Outcome) -> None:
        """Append ``outcome`` and flush it: a crash cannot lose a recorded outcome."""
        values = (getattr(outcome, name) for name in RESULT_FIELDS)
        self._writer.writerow(["" if value is None else value for value in values])
        self._stream.flush()

    def close(self) -> None:
        """Close the file."""
        self._stream.close()
