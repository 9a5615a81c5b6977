"""The provisioning journal (monuv_async.cli.journal): durable records, torn lines, replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from monuv_async.cli.journal import SENDING, Journal, journal_path, replay
from monuv_async.cli.results import Outcome


def test_the_last_record_of_a_row_is_its_state(tmp_path: Path) -> None:
    """Replay keeps each row's latest record: sending, then the outcome."""
    path = tmp_path / "j"
    journal = Journal(path)
    journal.write(Outcome(1, "A", "7", SENDING))
    journal.write(Outcome(2, "B", "7", SENDING))
    journal.write(Outcome(1, "A", "7", "created", 1001, "rtmp://x/1"))
    journal.close()
    state = replay(path)
    assert state[1] == Outcome(1, "A", "7", "created", 1001, "rtmp://x/1")
    assert state[2].status == SENDING


def test_no_journal_replays_as_nothing(tmp_path: Path) -> None:
    """A first run has no journal: no row was sent."""
    assert replay(tmp_path / "absent") == {}


def test_a_torn_last_line_is_ignored_and_cut_off(tmp_path: Path) -> None:
    """A record cut by a crash (no newline) was never durable: replay ignores it, and the
    next open truncates it so that new records start on a line of their own."""
    path = tmp_path / "j"
    journal = Journal(path)
    journal.write(Outcome(1, "A", "7", SENDING))
    journal.close()
    with path.open("ab") as raw:
        raw.write(b'{"row":2,"description":"B","cli')
    assert list(replay(path)) == [1]
    journal = Journal(path)
    journal.write(Outcome(3, "C", "7", SENDING))
    journal.close()
    assert sorted(replay(path)) == [1, 3]
    assert path.read_bytes().count(b"\n") == 2


def test_a_damaged_line_before_the_end_is_refused(tmp_path: Path) -> None:
    """A bad line followed by others is not a crash's doing: replay says the journal is damaged."""
    path = tmp_path / "j"
    path.write_bytes(b"not json\n" + b'{"row":1}\n')
    with pytest.raises(ValueError, match="line 1 is not a journal record"):
        replay(path)


def test_records_keep_unicode_and_quotes(tmp_path: Path) -> None:
    """Descriptions with accents, quotes and newlines read back as written."""
    path = tmp_path / "j"
    journal = Journal(path)
    entry = Outcome(1, 'Portão "1"\nfundos', "7", "failed", error="422: x")
    journal.write(entry)
    journal.close()
    assert replay(path) == {1: entry}


def test_the_journal_sits_beside_the_results() -> None:
    """`cams.results.csv` keeps its journal in `cams.results.csv.journal`."""
    assert journal_path(Path("/d/cams.results.csv")) == Path("/d/cams.results.csv.journal")
