"""What ``monuv`` writes (monuv_async.cli.output): event records and rows, tables, progress."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from _cli_helpers import SP

from monuv_async import Event
from monuv_async.cli.output import (
    Progress,
    event_record,
    event_writer,
    format_table,
    neutralise,
)

EVENT = Event(7, datetime(2026, 11, 20, 15, 30, tzinfo=SP), 4, camera_id=1002)


def test_event_record_has_every_field_and_an_offset() -> None:
    """An event's record has each of its fields; the timestamp is ISO 8601 with its offset."""
    assert event_record(EVENT) == {
        "id": 7,
        "event_at": "2026-11-20T15:30:00-03:00",
        "event_type": 4,
        "event_description": None,
        "event_url": None,
        "camera_id": 1002,
        "camera_description": None,
    }


def test_csv_writes_header_then_rows_with_empty_cells_for_none() -> None:
    """CSV output: a header of the record's keys, then one row per event, None as ''."""
    out = io.StringIO()
    event_writer("csv", out).write(EVENT)
    header, row = out.getvalue().splitlines()
    assert header.split(",") == list(event_record(EVENT))
    assert row == "7,2026-11-20T15:30:00-03:00,4,,,1002,"


def test_csv_without_header_for_appending() -> None:
    """`header=False` (a resumed run appending to its file) writes the rows only."""
    out = io.StringIO()
    event_writer("csv", out, header=False).write(EVENT)
    assert out.getvalue() == "7,2026-11-20T15:30:00-03:00,4,,,1002,\n"


def test_jsonl_is_one_compact_object_per_line() -> None:
    """JSON lines: each event on its own line, parsing back to its record."""
    out = io.StringIO()
    writer = event_writer("jsonl", out)
    writer.write(EVENT)
    writer.write(EVENT)
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [event_record(EVENT)] * 2
    assert " " not in lines[0]


def test_unknown_format_is_a_value_error() -> None:
    """A format other than jsonl or csv is refused, naming it."""
    with pytest.raises(ValueError, match="'xml'"):
        event_writer("xml", io.StringIO())


def test_format_table_aligns_columns() -> None:
    """Columns are padded to their widest cell, with a dashed rule under the header."""
    assert format_table(("id", "name"), [(5, "Hikvision"), (12, "X")]) == [
        "id  name",
        "--  ---------",
        "5   Hikvision",
        "12  X",
    ]


def test_progress_draws_only_on_a_terminal() -> None:
    """The progress line is drawn (and erased) on a TTY, and never written to a pipe."""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    pipe, tty = io.StringIO(), Tty()
    for stream in (pipe, tty):
        progress = Progress(stream)
        progress.update("12 events", force=True)
        progress.clear()
    assert pipe.getvalue() == ""
    assert tty.getvalue() == "\r12 events\r         \r"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_cells_that_start_like_a_formula(start: str) -> None:
    """A text cell starting with = + - @ tab or CR gets a leading quote, its text kept."""
    stream = io.StringIO()
    text = f'{start}HYPERLINK("http://x")'
    event_writer("csv", stream).write(Event(7, EVENT.event_at, 4, camera_description=text))
    row = list(csv.reader(io.StringIO(stream.getvalue())))[1]
    assert row[6] == "'" + text
    assert row[1] == "2026-11-20T15:30:00-03:00"  # a timestamp is no formula


def test_csv_raw_and_jsonl_keep_the_text_as_it_is() -> None:
    """--csv-raw (raw=True) and JSON lines write a formula-like text unchanged."""
    weird = Event(7, EVENT.event_at, 4, camera_description="=1+1")
    raw, lines = io.StringIO(), io.StringIO()
    event_writer("csv", raw, raw=True).write(weird)
    event_writer("jsonl", lines).write(weird)
    assert list(csv.reader(io.StringIO(raw.getvalue())))[1][6] == "=1+1"
    assert json.loads(lines.getvalue())["camera_description"] == "=1+1"


def test_neutralise_leaves_plain_text_and_numbers_alone() -> None:
    """Only text that starts like a formula changes; ints and ordinary text stay."""
    assert neutralise("Portaria") == "Portaria"
    assert neutralise(-5) == -5
    assert neutralise("") == ""


HOSTILE = "\x1b]52;c;ZXZpbA==\x07ok\rblocked\nnew row\x9b31m\u202e"


def test_writers_for_a_terminal_let_no_control_character_through() -> None:
    """terminal=True: a CSV cell is shown escaped (its newline too, so one event stays
    one line) and a JSON line escapes C1 and bidi controls the JSON way, still equal JSON."""
    event = Event(7, EVENT.event_at, 4, camera_description="=" + HOSTILE)
    rows, lines = io.StringIO(), io.StringIO()
    event_writer("csv", rows, terminal=True).write(event)
    event_writer("jsonl", lines, terminal=True).write(event)
    for text in (rows.getvalue(), lines.getvalue()):
        assert not any(c in text for c in "\x1b\x07\r\x9b\u202e")
    assert rows.getvalue().count("\n") == 2  # header and one row
    cell = list(csv.reader(io.StringIO(rows.getvalue())))[1][6]
    assert cell == "'=\\x1b]52;c;ZXZpbA==\\x07ok\\x0dblocked\\x0anew row\\x9b31m\\u202e"
    assert json.loads(lines.getvalue())["camera_description"] == "=" + HOSTILE


def test_writers_not_for_a_terminal_keep_the_text() -> None:
    """Without terminal=True (a file, a pipe), the text goes out as it is: the escapes
    are for a person's screen, never for data."""
    event = Event(7, EVENT.event_at, 4, camera_description=HOSTILE)
    rows = io.StringIO()
    event_writer("csv", rows, raw=True).write(event)
    assert list(csv.reader(io.StringIO(rows.getvalue())))[1][6] == HOSTILE
