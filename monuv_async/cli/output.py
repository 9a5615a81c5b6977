"""What the ``monuv`` command writes: event rows, plain-text tables, progress.

Pure formatting and small stream helpers, kept apart from the command logic
so that both stay short and testable without a network. The event columns are
:class:`~monuv_async.models.Event`'s own fields, in their order: a field added
to the model shows up in the output without a change here.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol, TextIO

import attrs

from ..models import CameraOptions, Event
from .terminal import for_terminal, json_for_terminal

__all__ = [
    "EVENT_FIELDS",
    "FORMULA_STARTS",
    "EventWriter",
    "Progress",
    "event_record",
    "event_writer",
    "format_options",
    "format_table",
    "neutralise",
]

EVENT_FIELDS = tuple(field.name for field in attrs.fields(Event) if field.name != "extra")
"""The columns of ``monuv events`` output, in order (also the JSON keys)."""


def event_record(event: Event) -> dict[str, Any]:
    """An event as plain JSON-ready data; ``event_at`` in ISO 8601 with its offset."""
    return {name: _plain(getattr(event, name)) for name in EVENT_FIELDS}


def _plain(value: object) -> object:
    # Only the timestamp needs spelling out: the other fields are ints, strs or None.
    return value.isoformat() if isinstance(value, datetime) else value


class EventWriter(Protocol):
    """Writes events to a text stream in one format."""

    def write(self, event: Event) -> None:
        """Write one event."""


class _JsonLines:
    def __init__(self, stream: TextIO, *, terminal: bool) -> None:
        self._stream = stream
        self._terminal = terminal

    def write(self, event: Event) -> None:
        # Compact and UTF-8 as-is: one event per line, easy on jq and grep.
        line = json.dumps(event_record(event), ensure_ascii=False, separators=(",", ":"))
        self._stream.write((json_for_terminal(line) if self._terminal else line) + "\n")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet cell must not begin with unless it is meant as a formula (OWASP)."""


def neutralise(cell: object) -> object:
    """``cell`` made inert for spreadsheets: a text starting like a formula gets a
    leading single quote (OWASP's advice), the text itself kept; other values as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _for_terminal(cell: object) -> object:
    return for_terminal(cell) if isinstance(cell, str) else cell


class _Csv:
    def __init__(self, stream: TextIO, *, header: bool, raw: bool, terminal: bool) -> None:
        # "\n" rather than csv's default "\r\n": the output goes through pipes
        # and line tools far more often than into a strict RFC 4180 reader.
        self._writer = csv.writer(stream, lineterminator="\n")
        # Descriptions are typed by the partner's customers: a spreadsheet
        # would run "=HYPERLINK(...)" from them unless neutralised.
        self._cell = (lambda cell: cell) if raw else neutralise
        if terminal:
            # A person reads it: server text must not drive the terminal
            # (ESC, OSC 52, a CR that rewrites the row), nor a newline in a
            # cell fake another row.
            cell_of = self._cell
            self._cell = lambda cell: _for_terminal(cell_of(cell))
        if header:
            self._writer.writerow(EVENT_FIELDS)

    def write(self, event: Event) -> None:
        record = event_record(event)
        cell = self._cell
        self._writer.writerow(["" if record[k] is None else cell(record[k]) for k in EVENT_FIELDS])


def event_writer(
    fmt: str, stream: TextIO, *, header: bool = True, raw: bool = False, terminal: bool = False
) -> EventWriter:
    """A writer for ``fmt`` (``"jsonl"`` or ``"csv"``; csv writes its header now
    unless ``header=False``, for output appended to by a resumed run, and
    neutralises formula-like cells unless ``raw``; JSON lines are always raw).

    ``terminal``: the stream is a person's terminal, so no control character
    of the server's text reaches it: CSV cells go through
    :func:`~.terminal.for_terminal`, JSON lines through
    :func:`~.terminal.json_for_terminal` (still valid JSON).
    """
    if fmt == "jsonl":
        return _JsonLines(stream, terminal=terminal)
    if fmt == "csv":
        return _Csv(stream, header=header, raw=raw, terminal=terminal)
    msg = f"format: must be jsonl or csv, got {fmt!r}"
    raise ValueError(msg)


class Progress:
    """A one-line progress indicator, redrawn in place at most every ``interval`` s.

    It draws only when ``stream`` is a terminal, so pipes and log files never
    get carriage returns mixed into them.
    """

    def __init__(self, stream: TextIO, *, interval: float = 0.2) -> None:
        self._stream = stream
        self._enabled = _isatty(stream)
        self._interval = interval
        self._next = 0.0
        self._width = 0

    @property
    def enabled(self) -> bool:
        """Whether anything is drawn at all."""
        return self._enabled

    def update(self, text: str, *, force: bool = False) -> None:
        """Show ``text`` unless the last redraw was too recent (``force`` redraws anyway)."""
        if not self._enabled:
            return
        now = time.monotonic()
        if not force and now < self._next:
            return
        self._next = now + self._interval
        # Pad over the previous text rather than rely on ANSI codes.
        self._stream.write("\r" + text.ljust(self._width))
        self._stream.flush()
        self._width = len(text)

    def clear(self) -> None:
        """Erase the indicator, leaving the cursor at the start of an empty line."""
        if self._enabled and self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or file-like stream without a tty
        return False


def format_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """Left-aligned columns separated by two spaces, a dashed rule under the header."""
    cells = [[str(h) for h in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return [line(cells[0]), rule, *(line(row) for row in cells[1:])]


def format_options(options: CameraOptions) -> str:
    """Everything ``camera_options()`` offers, as readable plain-text tables."""
    out: list[str] = ["Manufacturers and camera models"]
    rows: list[tuple[object, ...]] = []
    for m in options.manufacturers:
        # A manufacturer without models still gets its own line.
        rows += [(m.id, m.name, cm.id, cm.name) for cm in m.camera_models] or [
            (m.id, m.name, "-", "-")
        ]
    out += _indent(
        format_table(("manufacturer_id", "manufacturer", "camera_model_id", "camera_model"), rows)
    )
    out += ["", "Plans"]
    days = ", ".join(str(d) for d in options.history_days) or "-"
    out += [f"  history_days: {days}"]
    out += _indent(format_table(("resolution_id", "resolution"), _ids(options.resolutions)))
    for title, mapping in (
        ("installation_local", options.installation_local),
        ("installation_area", options.installation_area),
        ("equipment_state", options.equipment_state),
    ):
        out += ["", f"Installation: {title}"]
        out += _indent(format_table(("code", "meaning"), sorted(mapping.items())))
    return "\n".join(out) + "\n"


def _ids(items: Iterable[Any]) -> list[tuple[int, str]]:
    return [(item.id, item.name) for item in items]


def _indent(lines: list[str]) -> list[str]:
    return ["  " + line for line in lines]
