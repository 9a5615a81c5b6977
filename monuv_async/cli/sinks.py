"""Where ``monuv events`` puts its events, committed so that a crash at any
instant loses nothing and repeats nothing.

A sink buffers the events handed to :meth:`write` and makes them durable in
:meth:`commit`, together with the walk's state (a backfill's or a watch's
checkpoint, as JSON) that describes exactly those events:

* :class:`FileSink` (JSON lines or CSV, a file or stdout): the output is
  written, flushed and fsynced first; only then is the checkpoint file
  atomically replaced (temp file in the same folder, fsync, ``os.replace``,
  fsync of the folder). The checkpoint records the output's committed byte
  length, so a resumed run truncates a torn or uncommitted tail away before
  appending: the claim is never ahead of the data, and the data never ahead
  of the claim once resumed.
* :class:`SqliteSink`: events and state go in one transaction, so the
  database is exactly-once by construction and needs no ``--checkpoint``.

Every check that can refuse (a missing folder, a checkpoint for other
options or another format, an output shorter than claimed) runs in the
constructors, before the command sends any request.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from ..models import Event
from .args import UsageError
from .output import EVENT_FIELDS, _isatty, event_record, event_writer

__all__ = [
    "SQLITE_SCHEMA",
    "FileSink",
    "Sink",
    "SqliteSink",
    "atomic_write",
    "check_folder",
    "differing_option",
]

_KIND = "monuv events"
_VERSION = 1
_DRAIN_AT = 1 << 20
"""Characters buffered before they are handed to the file (a commit drains the rest)."""

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    event_at TEXT NOT NULL,
    event_type INTEGER NOT NULL,
    event_description TEXT,
    event_url TEXT,
    camera_id INTEGER,
    camera_description TEXT
);
CREATE TABLE IF NOT EXISTS monuv_checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    options TEXT NOT NULL,
    walk TEXT NOT NULL,
    events INTEGER NOT NULL
);
"""
"""The tables of an SQLite output (documented in docs/guides/cli.md)."""


class Sink(Protocol):
    """What the event pump writes to."""

    @property
    def events(self) -> int:
        """Events committed so far, earlier runs included."""

    @property
    def saved_walk(self) -> str | None:
        """The walk state of the last commit of an earlier run, if resuming."""

    @property
    def where(self) -> str | None:
        """Where progress is saved (for the interrupt message), or None."""

    def write(self, event: Event) -> None:
        """Buffer one event (durable only after the next :meth:`commit`)."""

    def commit(self, walk: str) -> None:
        """Make every buffered event durable, with ``walk`` describing them."""

    def close(self) -> None:
        """Release the output (without committing)."""


def check_folder(option: str, path: Path) -> None:
    """Refuse ``path`` unless its folder exists and is writable."""
    folder = path.parent
    if not folder.is_dir():
        msg = f"{option} {path}: the folder {folder} does not exist"
        raise UsageError(msg)
    if not os.access(folder, os.W_OK | os.X_OK):
        msg = f"{option} {path}: the folder {folder} is not writable"
        raise UsageError(msg)


def differing_option(saved: Mapping[str, Any], options: Mapping[str, Any]) -> str | None:
    """The first option whose value differs, as ``"--since 2026-11-05 (it has 2026-11-01)"``."""
    for name, value in options.items():
        if saved.get(name) != value:
            return f"{name} {_spell(value)} (it has {_spell(saved.get(name))})"
    return None


def _spell(value: object) -> str:
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "given" if value else "not given"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` so that a crash leaves the old or the new file, whole."""
    temp = path.with_name(f".{path.name}.tmp")
    with temp.open("w", encoding="utf-8") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temp, path)
    # The rename itself is durable only once the folder is.
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


class _Committed:
    """What both sinks know of earlier runs: events committed, and the walk state saved."""

    _events = 0
    _saved_walk: str | None = None

    @property
    def events(self) -> int:
        """Events committed so far, earlier runs included."""
        return self._events

    @property
    def saved_walk(self) -> str | None:
        """The walk state saved by an earlier run, if resuming."""
        return self._saved_walk


class FileSink(_Committed):
    """JSON lines or CSV to ``output`` (None: stdout), checkpointed in ``checkpoint``."""

    def __init__(
        self,
        fmt: str,
        output: Path | None,
        checkpoint: Path | None,
        options: Mapping[str, Any],
        *,
        csv_raw: bool = False,
    ) -> None:
        self._fmt = fmt
        self._checkpoint = checkpoint
        self._options = dict(options)
        self._pending = 0
        self._size = 0
        if output is not None:
            check_folder("--output", output)
        if checkpoint is not None:
            if output is None:
                msg = "--checkpoint: needs --output (stdout cannot be truncated on resume)"
                raise UsageError(msg)
            check_folder("--checkpoint", checkpoint)
            self._resume(checkpoint, output)
        self._file: BinaryIO | None = None
        if output is not None:
            # Truncated back to what the checkpoint claims: a torn or
            # uncommitted tail is dropped here and fetched again.
            self._file = output.open("r+b" if self._saved_walk is not None else "wb")
            self._file.truncate(self._size)
            self._file.seek(self._size)
        self._buffer = io.StringIO()
        self._writer = event_writer(
            fmt,
            self._buffer,
            header=self._saved_walk is None,
            raw=csv_raw,
            terminal=output is None and _isatty(sys.stdout),
        )

    def _resume(self, checkpoint: Path, output: Path) -> None:
        if not checkpoint.exists():
            return
        record = _read_record(checkpoint)
        if record["format"] != self._fmt:
            msg = (
                f"--format {self._fmt}: {checkpoint} is for --format {record['format']};"
                f" run with --format {record['format']} to continue, or delete it to start over"
            )
            raise UsageError(msg)
        _check_options(str(checkpoint), record["options"], self._options)
        if not output.exists():
            msg = (
                f"--checkpoint {checkpoint}: its output {output} is missing;"
                f" delete {checkpoint} to start over"
            )
            raise UsageError(msg)
        size = output.stat().st_size
        if size < record["output_bytes"]:
            msg = (
                f"--checkpoint {checkpoint}: {output} has {size:,} bytes, fewer than the"
                f" {record['output_bytes']:,} it claims (was it changed?);"
                " delete both to start over"
            )
            raise UsageError(msg)
        self._size = record["output_bytes"]
        self._events = record["events"]
        self._saved_walk = record["walk"]

    @property
    def where(self) -> str | None:
        """The checkpoint file, if any."""
        return None if self._checkpoint is None else str(self._checkpoint)

    def write(self, event: Event) -> None:
        """Buffer one event."""
        self._writer.write(event)
        self._pending += 1
        if self._buffer.tell() >= _DRAIN_AT:
            self._drain()

    def _drain(self) -> None:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        if self._file is None:
            sys.stdout.write(text)
            return
        data = text.encode("utf-8")
        self._file.write(data)
        self._size += len(data)

    def commit(self, walk: str) -> None:
        """Output durable first, then the checkpoint that claims it."""
        self._drain()
        if self._file is None:
            sys.stdout.flush()
        else:
            self._file.flush()
            if self._checkpoint is not None:
                os.fsync(self._file.fileno())
        self._events += self._pending
        self._pending = 0
        if self._checkpoint is not None:
            record = {
                "kind": _KIND,
                "version": _VERSION,
                "format": self._fmt,
                "options": self._options,
                "output_bytes": self._size,
                "events": self._events,
                "walk": walk,
            }
            atomic_write(self._checkpoint, json.dumps(record, sort_keys=True) + "\n")

    def close(self) -> None:
        """Close the output file (what was not committed is dropped on resume)."""
        if self._file is not None:
            self._file.close()


def _read_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        msg = f"--checkpoint {path}: not a monuv events checkpoint ({type(error).__name__})"
        raise UsageError(msg) from None
    if (
        not isinstance(record, dict)
        or record.get("kind") != _KIND
        or record.get("version") != _VERSION
        or not isinstance(record.get("options"), dict)
        or not isinstance(record.get("walk"), str)
        or record.get("format") not in ("jsonl", "csv")
        or not all(_is_count(record.get(k)) for k in ("output_bytes", "events"))
    ):
        msg = f"--checkpoint {path}: not a monuv events checkpoint (version {_VERSION})"
        raise UsageError(msg)
    return record


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_options(where: str, saved: Mapping[str, Any], options: Mapping[str, Any]) -> None:
    differs = differing_option(saved, options)
    if differs is not None:
        msg = (
            f"{differs.split(' (')[0]}: {where} was saved by a run with other options: {differs};"
            " run the same command as before to continue, or use another output to start over"
        )
        raise UsageError(msg)


class SqliteSink(_Committed):
    """Events into the ``events`` table of ``path``, the walk's state in the same transaction."""

    def __init__(self, path: Path, options: Mapping[str, Any]) -> None:
        check_folder("--output", path)
        self._path = path
        self._options = dict(options)
        self._rows: list[tuple[object, ...]] = []
        try:
            self._db = sqlite3.connect(path, isolation_level=None)
            # FULL: a commit returns only once it survives power loss.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SQLITE_SCHEMA)
            row = self._db.execute(
                "SELECT options, walk, events FROM monuv_checkpoint WHERE id = 1"
            ).fetchone()
        except sqlite3.DatabaseError as error:
            msg = f"--output {path}: not a usable SQLite database ({error})"
            raise UsageError(msg) from None
        if row is not None:
            try:
                saved = json.loads(row[0])
            except ValueError:
                saved = {}
            _check_options(str(path), saved, self._options)
            self._saved_walk, self._events = row[1], int(row[2])
        columns = ", ".join(EVENT_FIELDS)
        marks = ", ".join("?" * len(EVENT_FIELDS))
        self._insert = (
            f"INSERT INTO events ({columns}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING"  # noqa: S608 - our own column names
        )

    @property
    def where(self) -> str | None:
        """The database itself."""
        return str(self._path)

    def write(self, event: Event) -> None:
        """Buffer one row (raw values: a database is no spreadsheet)."""
        record = event_record(event)
        self._rows.append(tuple(record[name] for name in EVENT_FIELDS))

    def commit(self, walk: str) -> None:
        """One transaction: the batch of rows and the state that describes it."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(self._insert, self._rows)
            db.execute(
                "INSERT OR REPLACE INTO monuv_checkpoint (id, options, walk, events)"
                " VALUES (1, ?, ?, ?)",
                (json.dumps(self._options, sort_keys=True), walk, self._events + len(self._rows)),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._events += len(self._rows)
        self._rows.clear()

    def close(self) -> None:
        """Close the database (uncommitted rows are dropped, and fetched again on resume)."""
        self._db.close()
