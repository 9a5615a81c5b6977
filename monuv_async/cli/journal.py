"""The write-ahead journal of ``monuv cameras provision``: what was sent, durably.

A create must never be sent twice, even across a crash or a power loss. So
before a row's ``POST`` leaves, a ``sending`` record for it is appended,
flushed and fsynced; once the answer is in, its outcome is appended the same
way. A run that dies at any instant leaves one of three things per row: no
record (never sent), ``sending`` as the last record (sent, answer unknown: the
camera may exist), or an outcome. Nothing in between: a record is one line
written in one call, and a line cut by a crash (no final newline) was never
durable, so its row was never sent; it is dropped when the journal is opened.

One JSON object per line, an :class:`~.results.Outcome` (whose status may
also be ``sending``); the last record of a row is its state.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, BinaryIO

from .results import RESULT_FIELDS, Outcome

__all__ = ["SENDING", "Journal", "journal_path", "replay"]

SENDING = "sending"
"""The status of a row whose create was (perhaps) sent and whose answer is not recorded."""


def journal_path(results_path: Path) -> Path:
    """The journal kept beside the results file: ``cams.results.csv.journal``."""
    return results_path.with_name(results_path.name + ".journal")


def _entry(line: bytes, path: Path, number: int) -> Outcome:
    try:
        data: Any = json.loads(line)
        entry = Outcome(**{name: data[name] for name in RESULT_FIELDS})
    except (ValueError, TypeError, KeyError):
        msg = f"{path}: line {number} is not a journal record; the journal is damaged"
        raise ValueError(msg) from None
    if not isinstance(entry.row, int) or isinstance(entry.row, bool):
        msg = f"{path}: line {number} is not a journal record; the journal is damaged"
        raise ValueError(msg)
    return entry


def _durable_part(data: bytes) -> bytes:
    """The whole lines of ``data``: a tail without its newline was cut by a crash."""
    end = data.rfind(b"\n")
    return data[: end + 1]


def replay(path: Path) -> dict[int, Outcome]:
    """Each row's last recorded state; ``{}`` when there is no journal yet.

    A torn last line is ignored; a damaged line before it raises ``ValueError``.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    state: dict[int, Outcome] = {}
    for number, line in enumerate(_durable_part(data).splitlines(), start=1):
        if line.strip():
            entry = _entry(line, path, number)
            state[entry.row] = entry
    return state


def _fsync_dir(folder: Path) -> None:
    # A new file's name is durable only once its folder is synced (POSIX).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; NTFS needs no such step
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """The journal opened for appending, a torn tail cut off first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        existed = path.exists()
        self._stream: BinaryIO = path.open("ab")
        size = self._stream.seek(0, os.SEEK_END)
        if size:
            with path.open("rb") as reader:
                keep = len(_durable_part(reader.read()))
            if keep != size:
                self._stream.truncate(keep)
                self._stream.seek(keep)
                self._sync()
        if not existed:
            _fsync_dir(path.parent)

    def _sync(self) -> None:
        self._stream.flush()
        os.fsync(self._stream.fileno())

    def write(self, entry: Outcome) -> None:
        """Append ``entry`` and make it durable before returning."""
        record = {name: getattr(entry, name) for name in RESULT_FIELDS}
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        self._stream.write(line.encode("utf-8"))
        self._sync()

    def close(self) -> None:
        """Close the file (every record is durable already)."""
        self._stream.close()
